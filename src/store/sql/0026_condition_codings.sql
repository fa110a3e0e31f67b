-- Every coding of a diagnosis's concept (system, code, display), as a JSON array, the one it is
-- shown by (`system`, `code`) first, when its record gave more than one: R4 reads them as one
-- diagnosis in several code systems, and a rule set (or an exclusion, or a rule set given
-- later) may list any of them. NULL when the record gave one coding, and for rows stored
-- before: they keep the one code they had until their file is imported again.
ALTER TABLE conditions ADD COLUMN codings TEXT;
