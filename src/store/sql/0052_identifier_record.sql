-- Which of a patient's records each identifier came with. NULL: the patient's own record. A
-- record joined into theirs (store::joins: a source's merge, `--same-system`) keeps its
-- identifiers apart by the stored id it had before the join, and so do the identifiers an
-- export of that record brings later. A whole-record replace (`--replace`) of a Patient known
-- by a bundle `urn:uuid` alone, made afresh by each export, speaks for the Patient ids its own
-- record was filed under, never another joined record's (see store::imports::record_subjects).
ALTER TABLE patient_identifiers ADD COLUMN record INTEGER;

-- Joins made before: the audit row of each lists the identifiers the replaced record brought
-- (`before.identifiers`, SYSTEM|VALUE); the first join that moved an identifier names its
-- record. Read in one pass: the audit log has no index by action.
CREATE TEMP TABLE joined_identifiers AS
    SELECT j.value AS identifier, a.entity_id AS record, min(a.id) AS first_join
    FROM audit_log a,
         json_each(CASE WHEN json_valid(a.before) THEN a.before ELSE '{}' END, '$.identifiers') j
    WHERE a.action = 'import.patient.join' AND a.entity_id IS NOT NULL
    GROUP BY j.value;

UPDATE patient_identifiers SET record = (
    SELECT record FROM joined_identifiers
    WHERE identifier = patient_identifiers.system || '|' || patient_identifiers.value)
WHERE system || '|' || value IN (SELECT identifier FROM joined_identifiers);

DROP TABLE joined_identifiers;

-- A merged record's Patient ids, kept under the merged-records system too: its record's.
UPDATE patient_identifiers SET record = (
    SELECT i.record FROM patient_identifiers i
    WHERE i.patient_id = patient_identifiers.patient_id AND i.value = patient_identifiers.value
      AND i.system = 'urn:refract:patient-id:'
                     || substr(patient_identifiers.system, length('urn:refract:patient-replaced:') + 1))
WHERE system LIKE 'urn:refract:patient-replaced:%' AND record IS NULL;
