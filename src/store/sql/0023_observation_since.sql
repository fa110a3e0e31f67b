-- The start of the period an observation covers (FHIR `effectivePeriod`), when it covers one:
-- `effective` is its end. A seizure count over a period that began before a drug could work is
-- not that drug's failure (its seizures may predate it), while a count of 0 is freedom through
-- the end. NULL for an observation at a point in time, and for rows written before.
ALTER TABLE observations ADD COLUMN since TEXT;
