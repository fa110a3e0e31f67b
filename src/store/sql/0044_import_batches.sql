-- Runs of several files (one `refract import` of a folder or of several files, one pull's
-- output) that have not finished reading them: a row lives from the run's start to the end of
-- its last file. A new patient staged by a file of such a run (its Patient read, their other
-- resources perhaps in a file the run never reached) is held back until a later run reads the
-- files this one did not (see import::held_back_notice): killed between two files, it would
-- otherwise be created from part of their record. `kind` 'pull': `scope` is the server, group
-- and types as JSON, `since` the export's `_since`; 'files': `scope` is the source. `files`:
-- the names of the run's files (a pull's: their URLs) in the order it reads them, as JSON;
-- `files_read`: how many it has finished.
CREATE TABLE import_batches (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('files', 'pull')),
    scope      TEXT NOT NULL,
    since      TEXT,
    files      TEXT NOT NULL,
    files_read INTEGER NOT NULL DEFAULT 0,
    process    TEXT,
    started    TEXT NOT NULL
) STRICT;

-- The run of several files each file's import belonged to (none before this migration, or for
-- a file imported apart).
ALTER TABLE imports ADD COLUMN batch_id INTEGER;
