-- Maintained counts of the patient list, so that the header counts, the scrollbar's total and
-- the overview cost a read of a few hundred rows at any size instead of a scan of every patient.
-- One row per combination of the list's filterable columns; triggers keep it exact on every
-- insert, delete and change of those columns (a bulk loader may drop the triggers and call
-- `rebuild_list_counts` once at the end).

CREATE TABLE list_counts (
    list_status     INTEGER NOT NULL,
    list_ruleset    TEXT NOT NULL,
    care_team       TEXT NOT NULL,
    list_review     INTEGER NOT NULL,
    list_wf_overdue INTEGER NOT NULL,
    patients        INTEGER NOT NULL,
    PRIMARY KEY (list_status, list_ruleset, care_team, list_review, list_wf_overdue)
) STRICT, WITHOUT ROWID;

INSERT INTO list_counts
SELECT list_status, list_ruleset, care_team, list_review, list_wf_overdue, count(*)
FROM patients GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER list_counts_insert AFTER INSERT ON patients BEGIN
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;

CREATE TRIGGER list_counts_delete AFTER DELETE ON patients BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue;
END;

CREATE TRIGGER list_counts_update
AFTER UPDATE OF list_status, list_ruleset, care_team, list_review, list_wf_overdue ON patients
WHEN OLD.list_status IS NOT NEW.list_status OR OLD.list_ruleset IS NOT NEW.list_ruleset
  OR OLD.care_team IS NOT NEW.care_team OR OLD.list_review IS NOT NEW.list_review
  OR OLD.list_wf_overdue IS NOT NEW.list_wf_overdue
BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue;
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;

-- "Newly flagged" on the overview reads a date range, not every assessment.
-- (ruleset in it too: counting per condition reads the index alone).
CREATE INDEX assessments_flagged ON assessments(flagged_since, ruleset)
WHERE flagged_since IS NOT NULL;
