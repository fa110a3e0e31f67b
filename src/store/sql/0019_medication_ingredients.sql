-- The ingredients a Medication names as resources of their own (`ingredient.itemReference`: a
-- Substance, another Medication), one row each, so that the patients whose records go through
-- a Medication to an ingredient that arrives, changes or goes are found by an index. They were
-- found by searching the body of every such Medication for the ingredient's key: once per
-- arriving Substance, a pass over all of them (4,000 of each took an import of 4.8 MB 12 s).
-- `ingredient` is the key as the Medication's body writes it (`Substance/a`).
CREATE TABLE medication_ingredients (
    source     TEXT NOT NULL,
    ingredient TEXT NOT NULL,
    medication TEXT NOT NULL,
    PRIMARY KEY (source, ingredient, medication)
) STRICT, WITHOUT ROWID;
CREATE INDEX medication_ingredients_of ON medication_ingredients(source, medication);

INSERT OR IGNORE INTO medication_ingredients (source, ingredient, medication)
SELECT m.source, json_extract(i.value, '$.refers'), m.id
FROM fhir_resources m, json_each(m.body, '$.ingredients') i
WHERE m.type = 'Medication' AND m.refers = '#ingredients'
  AND json_extract(i.value, '$.refers') IS NOT NULL;
