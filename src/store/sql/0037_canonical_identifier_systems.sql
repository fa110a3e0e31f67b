-- Identifier systems in the one spelling refract keeps them in, who reported a death, and what
-- the identifier shown as the MRN said of itself.
--
-- Versions before 35 stored a patient's identifier systems as each file spelled them: a
-- namespace of FHIR R4's identifier registry written as its OID (`urn:oid:2.16.840.1.113883.4.1`,
-- a record converted from CDA) beside its URI (`http://hl7.org/fhir/sid/us-ssn`). Done in Rust
-- right after this file (`store::systems::canonical_identifier_systems`), which knows the
-- registry: every system of `patient_identifiers`, `shared_identifiers` and `patients.mrn_system`
-- moves to `domain::identifier_systems::canonical`, so that a mark "two people carry this" and
-- a patient's number are found whichever spelling the next file writes. Where both spellings
-- are stored: of one patient, one row is kept (what each says of itself joined); of two
-- patients, the value names neither from now on (kept in `shared_identifiers`, as an import
-- does when it finds two people carrying one number: refract cannot tell here whether they
-- are one person split or two, and never merges two records by itself). A value marked shared
-- in either spelling is taken from every patient.
--
-- Not derived: the type (`MR`) of identifiers stored before 35. The MRN shown is not always a
-- medical record number (a Patient without one shows its first other identifier), so it is
-- left unknown until the source's file is read again (mapping 17 reads every file again).
--
-- `death_source`: the source whose Patient said the patient died. A death is never taken back
-- by another source's silence, nor by an older record; only the source that reported it may
-- take it back, by saying `deceasedBoolean: false` in a later Patient. NULL for a death stored
-- before (or entered by hand): then a later explicit `false` from any source takes it back.
ALTER TABLE patients ADD COLUMN death_source TEXT;

-- `mrn_use`, `mrn_type`: R4 `Identifier.use` and `Identifier.type` (JSON, as
-- `patient_identifiers.id_type`) of the identifier shown as the MRN, which is not always one the
-- patient is matched on (an insurance member number a parent and a child share, shown for want
-- of another): a FHIR export writes its type back as the source gave it, never as a medical
-- record number. NULL where not written, and for MRNs stored before (filled in as their
-- files are read again).
ALTER TABLE patients ADD COLUMN mrn_use TEXT;
ALTER TABLE patients ADD COLUMN mrn_type TEXT;
