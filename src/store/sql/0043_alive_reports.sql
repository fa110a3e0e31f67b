-- Every source whose latest Patient of a patient says the patient is alive (`deceasedBoolean:
-- false`), and when it was written.
--
-- 38 kept who reports a death and forgot a source's word taking it back: its older Patient read
-- again (an old folder imported once more) reported the death anew, although the source had
-- since said the patient lives. A source's Patient written before its own latest word that the
-- patient is alive is no report of the death.
--
-- `said`: that Patient's `meta.lastUpdated`. A Patient that does not say when it was written
-- cannot be ordered and is kept nowhere here: the later import's word holds, as for
-- demographics. A source is dropped from here when a Patient of it not written before reports
-- the death.
CREATE TABLE alive_reports (
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    said       TEXT NOT NULL,
    PRIMARY KEY (patient_id, source)
) STRICT, WITHOUT ROWID;
