-- How much of a drug record's period the record states (domain::DatesKnown): 'stated',
-- 'end_unknown' (stopped or completed with no end date: given at least until `end`) or
-- 'unknown' (no period at all: `start` and `end` are the one day the record carries).
ALTER TABLE drug_exposures ADD COLUMN dates TEXT NOT NULL DEFAULT 'stated';
