-- How much of a measurement's period start (`since`, R4 `effectivePeriod.start`, a dateTime)
-- the record gave: "2026-03" begins on some day of March, never on 1 March made up. As 0040's
-- `effective_precision`: the date stays the first day, `month` or `year` says it is every day
-- of it, NULL is a day (rows written before; their files are read again: the import's mapping
-- version changed).
ALTER TABLE observations ADD COLUMN since_precision TEXT;
