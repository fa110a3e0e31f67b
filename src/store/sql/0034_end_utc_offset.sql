-- The offset from UTC (minutes) the other end of a period was written in: a drug's and a
-- procedure's `end`, an observation's `since`. Each end of a period keeps its own offset (a
-- period across a daylight-saving change ends on the local day written; a date-only end is that
-- day, never read in the other end's offset). NULL for UTC, dates alone, times with no offset,
-- and rows written before (their end read on its UTC day until their files are read again).
ALTER TABLE drug_exposures ADD COLUMN end_utc_offset INTEGER;
ALTER TABLE procedures ADD COLUMN end_utc_offset INTEGER;
ALTER TABLE observations ADD COLUMN since_utc_offset INTEGER;
