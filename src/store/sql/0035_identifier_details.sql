-- What a patient's identifiers say of themselves, and when their demographics were written.
--
-- `id_use` and `id_type` keep R4 `Identifier.use` and `Identifier.type` (the CodeableConcept as
-- JSON) of each identifier imports match on: a FHIR export writes them back, so that a file
-- made from it is matched by the sources' next feeds, and the MRN shown stays a medical record
-- number (type MR) when a source without one sends the patient. NULL where not written, and
-- for identifiers stored before (filled in as their files are read again).
--
-- `demographics_updated` is the `meta.lastUpdated` of the Patient whose demographics the row
-- holds: an older Patient, from any source, never replaces them. NULL when it gave none.
ALTER TABLE patient_identifiers ADD COLUMN id_use TEXT;
ALTER TABLE patient_identifiers ADD COLUMN id_type TEXT;
ALTER TABLE patients ADD COLUMN demographics_updated TEXT;

-- A patient is found by any of their identifiers' values (`refract show 9434765919`).
CREATE INDEX patient_identifiers_value ON patient_identifiers(value);
