-- The month or year of a death whose day the record does not give (R4 `deceasedDateTime` of
-- "2023-06" or "2023"), as received: NULL otherwise (a day is in `deceased_date`, a death
-- with no date has neither).
--
-- Before, such a death was kept as one on a day not known and the month was lost: shown as
-- "† deceased", exported as `deceasedBoolean: true`. The day stays unknown (`deceased_date`
-- NULL: the record is not closed on a day made up); the month is shown and exported as given.
-- Deaths stored before this column get their month when their file is read again (the mapping
-- version changed with it).
ALTER TABLE patients ADD COLUMN deceased_in TEXT;
