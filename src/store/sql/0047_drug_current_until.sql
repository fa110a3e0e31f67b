-- The last day any version of a medication record said the drug was current (an `active` order
-- or statement: its meta.lastUpdated, or the day it was imported when it carries none), kept
-- across versions: the next version (the order sent `stopped` with no end) replaces the body,
-- and the course it reads is given at least until this day, never shrunk to its first day
-- (review r5 R5-1). NULL when no version said so, and for rows written before (they count
-- from their next version).
ALTER TABLE fhir_resources ADD COLUMN current_until TEXT;
