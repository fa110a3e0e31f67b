-- Drugs the patient reacted to, from FHIR AllergyIntolerance resources of a medication (an
-- allergy, or an intolerance such as clozapine-induced agranulocytosis); one refuted, entered in
-- error or resolved is not kept. Rebuilt with the patient's other imported rows. `codes`: the
-- substance's codes as a JSON array; `reaction`: each reaction's manifestations ("; "-joined);
-- `onset`: a date (YYYY-MM-DD) when stated.
CREATE TABLE drug_reactions (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    substance       TEXT NOT NULL,
    codes           TEXT NOT NULL DEFAULT '[]',
    kind            TEXT,
    criticality     TEXT,
    reaction        TEXT NOT NULL DEFAULT '',
    onset           TEXT,
    clinical_status TEXT,
    source          TEXT NOT NULL DEFAULT 'fhir',
    source_id       TEXT
) STRICT;
CREATE INDEX drug_reactions_patient ON drug_reactions(patient_id);
