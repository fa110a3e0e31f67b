-- The offset from UTC (minutes) an observation's time was written in: `effective` is the UTC
-- instant, and a clinic visit is a day in the record's own local time (readings of one visit
-- across UTC midnight are one visit). NULL for a date alone, a time with no offset, and rows
-- written before (their files are read again: the import's mapping version changed).
ALTER TABLE observations ADD COLUMN utc_offset INTEGER;
