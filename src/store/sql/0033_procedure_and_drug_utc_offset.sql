-- The offset from UTC (minutes) a procedure's and a drug's times were written in, as an
-- observation's (0032): `performed`, `start` and `end` stay UTC instants, and a session or a day
-- a drug was given is a day in the record's own local time (two ECT sessions on consecutive
-- local evenings are two days, wherever UTC midnight falls). NULL for UTC, dates alone, times
-- with no offset, and rows written before (their files are read again: the import's mapping
-- version changed).
ALTER TABLE procedures ADD COLUMN utc_offset INTEGER;
ALTER TABLE drug_exposures ADD COLUMN utc_offset INTEGER;
