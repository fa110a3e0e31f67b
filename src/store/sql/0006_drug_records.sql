-- What a drug record says that refract could not put in its columns before.
-- `dates`: how much of its period the record states (domain::DatesKnown): 'stated',
-- 'end_unknown' (stopped or completed with no end date: given at least until `end`) or
-- 'unknown' (no period at all: `start` and `end` are the one day the record carries).
ALTER TABLE drug_exposures ADD COLUMN dates TEXT NOT NULL DEFAULT 'stated';
-- `stop_text`: a stop reason the vocabulary (assets/stop_reasons.toml) does not know, as written.
ALTER TABLE drug_exposures ADD COLUMN stop_text TEXT;
