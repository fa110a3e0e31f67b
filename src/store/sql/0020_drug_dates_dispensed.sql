-- `drug_exposures.dates` may now be 'dispensed' (domain::DatesKnown::Dispensed): a drug known
-- from pharmacy fills (FHIR MedicationDispense), from the first fill handed over to the end of the
-- last one's days supply. No column changes; the new schema version makes an older refract, which
-- does not know this value, refuse the file instead of failing on its rows.
SELECT 1;
