-- Identity and resource-level import (schema version 3).
--
-- A patient is no longer one MRN value: two hospitals can give two people the same number under
-- different identifier systems. `patients.mrn` stays the number people read and type (no longer
-- unique), `mrn_system` says whose number it is, and `patient_identifiers` holds every
-- (system, value) a patient is known by, which is what imports match on.
--
-- What imports wrote is kept per FHIR resource in `fhir_resources`, keyed by (source, type, id):
-- a file updates and adds the resources it holds and removes nothing else. The clinical tables'
-- rows with source = 'fhir' are a projection of a patient's resources, rebuilt whenever one of
-- them changes. Rows an older version imported (source = 'import') are left as they are until
-- a resource with their id arrives.
--
-- Runs with foreign keys off (the patients table is rebuilt in place; see schema.rs).

CREATE TABLE patients_v3 (
    id             INTEGER PRIMARY KEY,
    mrn            TEXT NOT NULL,
    family_name    TEXT NOT NULL DEFAULT '',
    given_name     TEXT NOT NULL DEFAULT '',
    birth_date     TEXT NOT NULL DEFAULT '',
    sex            TEXT NOT NULL DEFAULT 'unknown',
    deceased_date  TEXT,
    care_team      TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT 'entered',
    source_id      TEXT,
    record_version INTEGER NOT NULL DEFAULT 1,
    eval_rules     TEXT NOT NULL DEFAULT '',
    eval_record    INTEGER NOT NULL DEFAULT 0,
    eval_on        TEXT NOT NULL DEFAULT '',
    name_key       TEXT NOT NULL,
    list_status    INTEGER NOT NULL DEFAULT 0,
    list_ruleset   TEXT NOT NULL DEFAULT '',
    list_line      INTEGER NOT NULL DEFAULT 0,
    list_regimen   TEXT NOT NULL DEFAULT '',
    list_wf        INTEGER NOT NULL DEFAULT -1,
    list_wf_overdue INTEGER NOT NULL DEFAULT 0,
    list_review    INTEGER NOT NULL DEFAULT -1,
    updated_at     TEXT NOT NULL,
    -- The identifier system of `mrn` ('' for refract's own numbers: the demo, entered patients).
    mrn_system     TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO patients_v3
SELECT id, mrn, family_name, given_name, birth_date, sex, deceased_date, care_team, source,
       source_id, record_version, eval_rules, eval_record, eval_on, name_key, list_status,
       list_ruleset, list_line, list_regimen, list_wf, list_wf_overdue, list_review, updated_at, ''
FROM patients;

DROP TABLE patients;
ALTER TABLE patients_v3 RENAME TO patients;

CREATE INDEX patients_mrn ON patients(mrn);
CREATE INDEX patients_name ON patients(name_key);
CREATE INDEX patients_given ON patients(lower(given_name));
CREATE INDEX patients_mrn_upper ON patients(upper(mrn));
CREATE INDEX patients_birth ON patients(birth_date);
CREATE INDEX patients_sex ON patients(sex);
CREATE INDEX patients_status ON patients(list_status);
CREATE INDEX patients_ruleset ON patients(list_ruleset);
CREATE INDEX patients_line ON patients(list_line);
CREATE INDEX patients_regimen ON patients(list_regimen);
CREATE INDEX patients_wf ON patients(list_wf);
CREATE INDEX patients_review ON patients(list_review);
CREATE INDEX patients_updated ON patients(updated_at);
CREATE INDEX patients_care_team ON patients(care_team);
CREATE INDEX patients_source_id ON patients(source_id);

CREATE TRIGGER list_counts_insert AFTER INSERT ON patients BEGIN
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;

CREATE TRIGGER list_counts_delete AFTER DELETE ON patients BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue;
END;

CREATE TRIGGER list_counts_update
AFTER UPDATE OF list_status, list_ruleset, care_team, list_review, list_wf_overdue ON patients
WHEN OLD.list_status IS NOT NEW.list_status OR OLD.list_ruleset IS NOT NEW.list_ruleset
  OR OLD.care_team IS NOT NEW.care_team OR OLD.list_review IS NOT NEW.list_review
  OR OLD.list_wf_overdue IS NOT NEW.list_wf_overdue
BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue;
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;

-- Every (system, value) imports know a patient by: FHIR identifiers keep their system; an
-- identifier without a system, and the FHIR Patient id, are scoped to the source they came
-- from ('urn:refract:unscoped:SOURCE', 'urn:refract:patient-id:SOURCE'), so a value alone
-- never matches across sources. (refract's own MRNs are patients.mrn with mrn_system ''.)
CREATE TABLE patient_identifiers (
    system     TEXT NOT NULL,
    value      TEXT NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    PRIMARY KEY (system, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);

INSERT OR IGNORE INTO patient_identifiers (system, value, patient_id)
SELECT 'urn:refract:patient-id:', source_id, id FROM patients
WHERE source = 'import' AND source_id IS NOT NULL;

-- One row per imported FHIR resource: what refract read from it (`body`, JSON of the mapped
-- domain items), the Patient it is about (`subject`: that Patient's id, or bundle URL, in the
-- same source; the patient is whoever is known by ('urn:refract:patient-id:' || source,
-- subject)), and the import that last wrote it. Rows never name a patient row: a resource that
-- arrives before its Patient needs nothing done when the Patient comes. Medication resources
-- have no subject. A Patient resource here is one that named no stored patient, waiting for
-- the end of its import to be created with its rows (so no one sees a patient half-imported).
-- A rowid table: bodies are a few hundred bytes, and resources arrive in no key order.
CREATE TABLE fhir_resources (
    row          INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    type         TEXT NOT NULL,
    id           TEXT NOT NULL,
    subject      TEXT,
    refers       TEXT,                    -- the Medication id a medication record refers to
    last_updated TEXT,                    -- meta.lastUpdated, to keep the newer of two versions
    digest       TEXT NOT NULL,           -- of `body`: an identical resource changes nothing
    body         TEXT NOT NULL,
    import_id    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX fhir_resources_key ON fhir_resources(source, type, id);
CREATE INDEX fhir_resources_subject ON fhir_resources(source, subject) WHERE subject IS NOT NULL;
CREATE INDEX fhir_resources_refers ON fhir_resources(source, refers) WHERE refers IS NOT NULL;
CREATE INDEX fhir_resources_new_patients ON fhir_resources(import_id) WHERE type = 'Patient';

-- Patients whose resources changed and whose projection (clinical rows, derived lines) is not
-- rebuilt yet. Written in the same transaction as the change, so an interrupted import leaves
-- the list of what is still to do.
CREATE TABLE import_dirty (
    patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE
) STRICT;

-- Imports, one row per file run. A file is skipped as already imported only when a finished
-- run read the same bytes from the same source with the same mapping and no imported resource
-- was removed since (`epoch`), so that importing a file again always restores what it holds.
CREATE TABLE imports_v3 (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    summary     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'done',   -- applying | done
    source      TEXT NOT NULL DEFAULT '',
    mapping     INTEGER NOT NULL DEFAULT 0,     -- the importer's mapping version
    epoch       INTEGER NOT NULL DEFAULT 0,     -- resources removed before this run (meta)
    replace     INTEGER NOT NULL DEFAULT 0,
    process     TEXT                             -- host:pid of the run, while applying
) STRICT;
INSERT INTO imports_v3 (id, path, sha256, imported_at, summary)
SELECT id, path, sha256, imported_at, summary FROM imports;
DROP TABLE imports;
ALTER TABLE imports_v3 RENAME TO imports;
CREATE INDEX imports_sha256 ON imports(sha256);
