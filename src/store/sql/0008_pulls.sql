-- Bulk Data pulls (`refract pull`): one row per finished pull, so that `--since auto` asks a
-- server only for what changed since its last export's transactionTime, and the dashboard and
-- `refract check` can say when the file was last brought up to date. No secret is kept here:
-- the server's base URL, the export's transaction time and counts only.
-- IF NOT EXISTS: number 0007 belongs to another branch; a file migrated by this branch alone
-- (where this was step 7) meets this step again after the merge and must take it harmlessly.
CREATE TABLE IF NOT EXISTS pulls (
    id               INTEGER PRIMARY KEY,
    server           TEXT NOT NULL,
    -- The server's transactionTime for the export (FHIR instant, as the server wrote it).
    transaction_time TEXT NOT NULL,
    -- When refract finished the pull (UTC, format_datetime).
    finished_at      TEXT NOT NULL,
    -- What was asked: 'full' or the _since instant.
    since            TEXT,
    -- JSON: files, resources, deleted, errors, imported counts.
    counts           TEXT NOT NULL DEFAULT '{}',
    -- 0 when the server reported errors for some of the export (its error files): what came
    -- was imported, but `--since auto` starts from the last complete pull, not this one.
    complete         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS pulls_by_server ON pulls (server, id);
