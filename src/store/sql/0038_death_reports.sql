-- Every source that says a patient died, not only the first.
--
-- 37 kept one reporter (`patients.death_source`): a second hospital's report of the same death
-- was forgotten, so the first one's correction (`deceasedBoolean: false`) took the death back
-- although the second still said it. A death stands while any source that reported it has not
-- taken its word back; it is taken back when the last one does. A table rather than a column
-- holding a list: each reporter is one row SQLite checks (one per source), and a patient's
-- reports go with them (`ON DELETE CASCADE`).
--
-- `said`: the `meta.lastUpdated` of the source's last Patient that said the death (NULL when it
-- did not say when it was written, and for reports moved here from 37): a Patient of that
-- source written before it does not take the death back. `deceased_date`: the day it gave
-- (NULL when it gave none), the day kept when another reporter takes its word back.
--
-- A deceased patient with no row here (a death stored before 37, or entered by hand) has no
-- reporter known: a later explicit `false` from any source takes it back.
CREATE TABLE death_reports (
    patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    source        TEXT NOT NULL,
    said          TEXT,
    deceased_date TEXT,
    PRIMARY KEY (patient_id, source)
) STRICT, WITHOUT ROWID;

INSERT INTO death_reports (patient_id, source, said, deceased_date)
SELECT id, death_source, NULL, deceased_date FROM patients
WHERE deceased = 1 AND death_source IS NOT NULL AND death_source <> '';

ALTER TABLE patients DROP COLUMN death_source;
