-- How much of a diagnosis's recordedDate (R4 `Condition.recordedDate`, a dateTime) the record
-- gave: "2026-03" was written down on some day of March, never on 1 March made up. As 0040's
-- `onset_precision`: the date stays the first day, `month` or `year` says it is every day of
-- it, NULL is a day (rows written before; their files are read again: the import's mapping
-- version changed).
ALTER TABLE conditions ADD COLUMN recorded_precision TEXT;
