-- A measured value that is a bound ("< 5 %" marrow blasts, FHIR Quantity.comparator): the
-- comparator beside the value, so that "< 5" is never read as 5. Empty for an exact value.

ALTER TABLE observations ADD COLUMN comparator TEXT
    CHECK (comparator IS NULL OR comparator IN ('<', '<=', '>=', '>'));

-- What an older refract imported was read without comparators ("< 5" stored as 5): every file
-- imported before is read again by its next import (a new import epoch), not skipped as
-- already imported, so that importing the same files again corrects the values.
INSERT INTO meta (key, value) VALUES ('import_epoch', '1')
ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT);
