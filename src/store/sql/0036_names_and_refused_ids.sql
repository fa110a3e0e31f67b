-- Every name a patient's records held, and the Patient ids an import refused as another person.
--
-- `patient_names` keeps each (family, given) a Patient record of the patient carried: the
-- current name and any other (R4 `HumanName.use` `maiden`, `old`, `nickname`, ...). A masked
-- screen cuts them all, and a later record under the patient's id is compared with them.
-- Filled as files are read (again).
--
-- `refused_patient_ids` keeps a source's Patient id whose record was refused as another person
-- than the stored patient with that id (two systems' records under one id): later runs leave
-- out what that source files under the id, saying why, until `refract import --lift-refusal ID`.
CREATE TABLE patient_names (
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    family_name TEXT NOT NULL,
    given_name  TEXT NOT NULL,
    PRIMARY KEY (patient_id, family_name, given_name)
) STRICT, WITHOUT ROWID;

CREATE TABLE refused_patient_ids (
    source     TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    refused_at TEXT NOT NULL,
    PRIMARY KEY (source, patient_id)
) STRICT, WITHOUT ROWID;
