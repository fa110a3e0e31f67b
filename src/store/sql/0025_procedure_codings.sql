-- Every coding of a procedure's concept (system, code, display), as a JSON array, when its
-- record gave more than one: R4 reads them as one procedure in several code systems, and a rule
-- set may know any of them (an unlisted SNOMED CT concept beside CPT 38241 is the autologous
-- transplant). NULL when the record gave one coding (`code`, `system`, `display` say it all),
-- and for rows stored before: they keep the one code they had.
ALTER TABLE procedures ADD COLUMN codings TEXT;
