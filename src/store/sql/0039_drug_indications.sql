-- Why each drug was given, as its records state (FHIR reasonCode, or the Condition a
-- reasonReference names): a JSON list of {codings, text}. The rules leave a drug given for another
-- condition out of this condition's trials and lines. NULL when the records state none, and for
-- rows written before (their drugs count as before until their files are read again).
ALTER TABLE drug_exposures ADD COLUMN indications TEXT;
