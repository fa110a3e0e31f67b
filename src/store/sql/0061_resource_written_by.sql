-- Which source's file last wrote a resource, for a row no import of this file names (review
-- MV-6): a row a refract document moved here has `import_id` 0, and the import that wrote it
-- was the other file's. The document says that import's source; every later write of the row
-- by an import here clears it (the import then says). Dropping a claim (review CL-1, RV-1)
-- keeps with the claimant only what a file of another source carried under the claimed
-- source's ids: a record the source itself sent goes with the source's own Patient. NULL for
-- a moved row is unknown (a document written before this column), and is taken as carried,
-- as it was.
ALTER TABLE fhir_resources ADD COLUMN written_by TEXT;
