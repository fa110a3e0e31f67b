-- Whether a drug record's own source said the drug STOPPED (`domain::DrugExposure::said_stopped`):
-- a request or statement `stopped`, a statement `completed`, a stop reason that is not a dose
-- change. A request `completed` (a five-day ward order) only ended its own course: written out
-- as a statement `completed` it read back as a stop and cut the drug taken at home; the export
-- now tells the two apart. Rows written before are 1, as every ended record was exported until
-- now (unchanged until their files are read again).
ALTER TABLE drug_exposures ADD COLUMN said_stopped INTEGER NOT NULL DEFAULT 1
    CHECK (said_stopped IN (0, 1));
