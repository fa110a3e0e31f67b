-- What an import removed from the ledger (entered in error, deleted, no longer in a replaced
-- record), by the source's key, so that an older copy read later (an old export imported again,
-- a Bulk folder of an earlier export) does not bring it back. `deleted_at`: when the source says
-- the removal was made (a DELETE's response.lastModified, the `meta.lastUpdated` of the version
-- entered in error, the time of the replacing file), if it says; `removed_version`: the
-- `meta.lastUpdated` of the copy it removed, if it had one. A copy written before `deleted_at`,
-- or no later than `removed_version`, is older than the removal; a later copy is the resource
-- written again, which clears the row. `import_id`: the run that learned of the removal.
CREATE TABLE removed_resources (
    source          TEXT NOT NULL,
    type            TEXT NOT NULL,
    id              TEXT NOT NULL,
    deleted_at      TEXT,
    removed_version TEXT,
    import_id       INTEGER NOT NULL,
    PRIMARY KEY (source, type, id)
) STRICT, WITHOUT ROWID;
