-- Whether a resource's row is one another team's refract export carried under this source's
-- key (its `origin`, review OC-6) rather than the source's own word (reviews MV-5, MV-6). A
-- claim dropped (review CL-1) keeps with the claimant only the carried rows, and what the
-- source itself sent under the claimed Patient id goes with the source's own Patient. The
-- import that wrote a row cannot say it alone: a file moved by a refract document names no
-- import here, and one run of a folder reads the colleague's export and the source's own
-- file under one `--source`. A refract document carries it. NULL (a row written before this
-- column, or moved by an older document) is judged as before: carried when the import that
-- last wrote it was of another source, or is none of this file's.
ALTER TABLE fhir_resources ADD COLUMN carried INTEGER;
