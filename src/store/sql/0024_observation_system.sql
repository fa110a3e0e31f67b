-- The code system of an observation's code, as the record gave it: the FHIR export wrote every
-- code as LOINC, so a PHQ-9 coded in SNOMED CT (720433000) came out as a LOINC code of those
-- digits. NULL for a test named in words alone and for rows written before (exported as LOINC,
-- as they were).
ALTER TABLE observations ADD COLUMN system TEXT;
