-- `drug_exposures.dates` may now be 'start_unknown' (domain::DatesKnown::StartUnknown): a drug
-- record whose start is a month or a year only ("2018"), kept from the latest day it can have
-- started; and `drug_exposures.role` may be 'as_needed' (a drug taken as needed: kept, but no
-- schedule or trial). No column changes; the new schema version makes an older refract, which
-- does not know these values, refuse the file instead of failing on its rows.
SELECT 1;
