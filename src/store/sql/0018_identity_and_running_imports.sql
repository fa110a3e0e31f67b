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

-- Imports under way (`host:pid`), from their first file to the end of the rebuild of their
-- patients: the patients an import marked for rebuilding are its own to rebuild while it runs;
-- those of an import whose process is gone are anyone's (see import::leftover). A row left by a
-- killed process is harmless and is removed by the next import from that process id.
CREATE TABLE running_imports (
    process TEXT PRIMARY KEY,
    started TEXT NOT NULL
) STRICT, WITHOUT ROWID;
