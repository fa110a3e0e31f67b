-- Where a drug's dose a day came from when refract worked it out (`domain::DoseFrom`, review
-- R9-7): 'order' (a fill given its prescription's dosage), 'quantity_supply' (a fill's quantity
-- x strength / days supply), 'ward_day_total' (a ward's doses added up a day). NULL when the
-- record states its dose. Rows written before are NULL until their files are read again.
ALTER TABLE drug_exposures ADD COLUMN dose_from TEXT
    CHECK (dose_from IN ('order', 'quantity_supply', 'ward_day_total'));
