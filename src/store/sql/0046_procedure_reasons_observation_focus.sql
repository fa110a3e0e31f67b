-- What a procedure was done for (FHIR reasonCode, or the Condition a reasonReference names) and
-- the conditions an observation is about (FHIR focus naming a Condition): JSON lists of
-- {codings, text}, as drug_exposures.indications. The rules leave a transplant or a disease
-- status of another condition out of this condition's criteria. NULL when the record names none,
-- and for rows written before (they count as before until their files are read again).
ALTER TABLE procedures ADD COLUMN indications TEXT;
ALTER TABLE observations ADD COLUMN focus TEXT;
