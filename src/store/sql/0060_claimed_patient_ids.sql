-- A source's Patient id that a refract export carried on one of its patients (its `origin`,
-- review OC-6) while no stored patient held it: the key is the patient's, so that the records
-- carried under it stay theirs, but it is only the other file's word. It is weighed when the
-- source's own Patient of that id arrives (review CL-1): the same person confirms it (the row
-- goes), another person takes it back (the key leaves the claimant, what their file carried
-- stays theirs). A key held before this table existed is held as it was.
CREATE TABLE claimed_patient_ids (
    source     TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (source, patient_id)
) STRICT, WITHOUT ROWID;
