-- The audit log becomes tamper-evident and says which OS account wrote each row.
--
-- `hash` chains every row to the one before it: SHA-256 over the previous row's hash and every
-- other column of the row (the exact bytes are documented in src/store/audit.rs). refract
-- computes it as it appends a row (SQLite has no SHA-256); the rows already in the file are
-- hashed by refract in the same transaction as this migration, right after it. A row changed,
-- removed or slipped in afterwards breaks the chain from there on, and `refract check` names
-- the first broken row.
--
-- `os_user` is the account the password database names for the process that wrote the row,
-- beside `who` (the name given with --user, else that account). NULL for rows written before
-- it was recorded.
ALTER TABLE audit_log ADD COLUMN os_user TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- REPLACE (or INSERT OR REPLACE) of an existing id deletes the old row without firing the
-- DELETE trigger, and an INSERT with a chosen id could fill a gap: a new row must come after the
-- last one and carry its hash, as refract writes it.
CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
WHEN NEW.id IS NULL OR NEW.hash IS NULL
  OR NEW.id <= coalesce((SELECT max(id) FROM audit_log), 0)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
