-- The code system of a procedure's code (SNOMED CT, CPT, ICD-10-PCS, …), as the record gave it:
-- a CPT or ICD-10-PCS code was exported as SNOMED CT, another concept under the same digits.
-- NULL for rows written before: exported as SNOMED CT, as they always were.
ALTER TABLE procedures ADD COLUMN system TEXT;
