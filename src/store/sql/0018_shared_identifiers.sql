-- Identifiers two people carry: a placeholder SSN (999-99-9999), a number given to a family. Such
-- an identifier names no one: it is taken from `patient_identifiers` (so it matches neither of
-- them) and kept here (so that it matches no later record either). An import finds one when a
-- Patient shares it with a stored patient whose identifier in another system differs from its
-- own (two MRNs of one hospital): they are two people, and the shared value identifies neither.
CREATE TABLE shared_identifiers (
    system    TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (system, value)
) STRICT, WITHOUT ROWID;
