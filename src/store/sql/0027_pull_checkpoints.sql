-- What each Bulk Data pull asked for, and the checkpoints `--since auto` starts from. A pull's
-- transactionTime only vouches for what that query matched (Bulk Data IG: its `_type`, its
-- group, its `_since`), so one is kept per (server, scope, resource type) a pull brought
-- completely: `--since auto` asks from the oldest checkpoint of the types it requests, and
-- from the beginning when one of them has none.
-- Rows of pulls recorded before this step say neither their types nor their group: they are
-- no checkpoint, so the first `--since auto` after it asks everything once (a re-pull only
-- finds its resources unchanged) rather than trust a pull that may have been narrower.
-- (What a pull asked, its types and group, is in its `pull.finish` audit row; this table holds
-- only what `--since auto` reads. IF NOT EXISTS: a file may meet this step twice, see 0008.)
CREATE TABLE IF NOT EXISTS pull_checkpoints (
    pull_id          INTEGER NOT NULL REFERENCES pulls(id),
    server           TEXT NOT NULL,
    -- '' for a system-level export (it covers every group too), else the group id.
    scope            TEXT NOT NULL,
    resource_type    TEXT NOT NULL,
    -- The pull's transactionTime: every resource of this type and scope changed up to it is in.
    transaction_time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pull_checkpoints_by_type
    ON pull_checkpoints (server, resource_type, scope, pull_id);
