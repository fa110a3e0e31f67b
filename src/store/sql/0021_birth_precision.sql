-- How much of the birth date the record gave: NULL for a whole date, 'month' or 'year' for a
-- FHIR `date` of "1980-05" or "1980" (kept in `birth_date` as its first day, for ages and the
-- list's order). Shown and exported as given, so that no day is invented.
ALTER TABLE patients ADD COLUMN birth_precision TEXT;
