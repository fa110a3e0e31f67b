-- Resources kept aside: filed under a Patient id that no import had brought when the run that
-- wrote them ended (an incremental export imported without its `--source`). The next Patient
-- of that id in that source would take them whoever it is; what the records said of their
-- patient decides whether it may (see store::kept_aside). `identifiers` and `displays`: what
-- the run's resources of that subject wrote beside the reference (R4 `Reference.identifier`,
-- `Reference.display`), JSON lists. `held`: why the Patient that came under the id was found
-- to be someone else (the resource is then filed under no patient, see `HELD_PREFIX`).
-- `attached_to`: the patient it was given to with nothing to confirm it, so that the same
-- resource arriving under another source still takes it back. A row attached on evidence is
-- deleted.
CREATE TABLE kept_aside (
    source      TEXT NOT NULL,
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    subject     TEXT NOT NULL,
    import_id   INTEGER NOT NULL,
    identifiers TEXT NOT NULL DEFAULT '[]',
    displays    TEXT NOT NULL DEFAULT '[]',
    held        TEXT,
    attached_to INTEGER,
    PRIMARY KEY (source, type, id)
) STRICT;
CREATE INDEX kept_aside_subject ON kept_aside(source, subject);
CREATE INDEX kept_aside_resource ON kept_aside(type, id);

-- What already waits for its Patient when this version opens the file (no Patient of that id
-- stored, none staged): kept aside, with nothing known of what its file said.
INSERT INTO kept_aside (source, type, id, subject, import_id)
SELECT r.source, r.type, r.id, r.subject, r.import_id
FROM fhir_resources AS r
WHERE r.subject IS NOT NULL AND r.type <> 'Patient'
  AND NOT EXISTS (SELECT 1 FROM patient_identifiers AS i
                  WHERE i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject)
  AND NOT EXISTS (SELECT 1 FROM fhir_resources AS p
                  WHERE p.source = r.source AND p.type = 'Patient' AND p.id = r.subject);
