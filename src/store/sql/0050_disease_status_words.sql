-- A disease status's value in the record's own words (FHIR valueString, else the
-- valueCodeableConcept's text or its codings' displays; a DiagnosticReport's conclusion), kept
-- beside the response read from them (value_code): "Multiple myeloma - very good partial
-- response" says which of a patient's diseases it is about where the status's name says none.
-- NULL for other results, and for rows written before (read as before until their files are
-- read again).
ALTER TABLE observations ADD COLUMN value_words TEXT;
