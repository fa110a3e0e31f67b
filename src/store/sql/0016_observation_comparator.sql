-- A measured value that is a bound ("< 5 %" marrow blasts, FHIR Quantity.comparator): the
-- comparator beside the value, so that "< 5" is never read as 5. Empty for an exact value.

ALTER TABLE observations ADD COLUMN comparator TEXT
    CHECK (comparator IS NULL OR comparator IN ('<', '<=', '>=', '>'));
