-- How much of a date the record gave, where R4's dateTime allows a year or a month alone
-- ("2026-03", "2019"): an observation's `effective`, a diagnosis's `onset` and `abatement`. The
-- date itself stays the first day (it sorts and compares as before); `month` or `year` says it
-- is every day of that month or year, never that day: shown and exported as given, and read by
-- the criteria as a window. NULL is a day, as for rows written before (their files are read
-- again: the import's mapping version changed).
ALTER TABLE observations ADD COLUMN effective_precision TEXT;
ALTER TABLE conditions ADD COLUMN onset_precision TEXT;
ALTER TABLE conditions ADD COLUMN abatement_precision TEXT;
