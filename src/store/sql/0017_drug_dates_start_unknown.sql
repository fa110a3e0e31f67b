-- `drug_exposures.dates` may now be 'start_unknown' (domain::DatesKnown::StartUnknown): a drug
-- record whose start is a month or a year only ("2018"), kept from the latest day it can have
-- started. No column changes; the new schema version makes an older refract, which does not
-- know the value, refuse the file instead of failing on its rows.
SELECT 1;
