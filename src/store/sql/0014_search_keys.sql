-- Names folded for searching and sorting (src/store/keys.rs): SQLite's lower() folds ASCII
-- only and its text order is by bytes, so "Émile" typed in lower case found no given name
-- Émile, "muller" found no Müller, and Émond sorted after Zhang. The keys are made in Rust:
-- `given_key` is new, `name_key` is made again (folded, where it was lower-cased), right after
-- this step and in its transaction. The indexes on them are dropped here and built once the
-- keys are written (the next step), rather than updated a row at a time.

ALTER TABLE patients ADD COLUMN given_key TEXT NOT NULL DEFAULT '';

DROP INDEX IF EXISTS patients_name;
DROP INDEX IF EXISTS patients_search_family;
DROP INDEX IF EXISTS patients_search_given;
DROP INDEX IF EXISTS patients_search_mrn;
