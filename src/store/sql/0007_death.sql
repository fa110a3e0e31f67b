-- Death (FHIR Patient.deceased[x]): `deceased` says the patient died, whether or not the day
-- is known (`deceased_date`, when it is). refract writes both; a row with a date is always
-- deceased (the writers set it, and importing refract's own JSON from before this column sets
-- it from the date).
ALTER TABLE patients ADD COLUMN deceased INTEGER NOT NULL DEFAULT 0 CHECK (deceased IN (0, 1));
UPDATE patients SET deceased = 1 WHERE deceased_date IS NOT NULL;

-- The patient list hides the deceased unless asked (README), so its maintained counts are
-- kept per vital status too: the header's counts and "N deceased hidden" stay index reads.
DROP TRIGGER list_counts_insert;
DROP TRIGGER list_counts_delete;
DROP TRIGGER list_counts_update;
DROP TABLE list_counts;

CREATE TABLE list_counts (
    list_status     INTEGER NOT NULL,
    list_ruleset    TEXT NOT NULL,
    care_team       TEXT NOT NULL,
    list_review     INTEGER NOT NULL,
    list_wf_overdue INTEGER NOT NULL,
    deceased        INTEGER NOT NULL,
    patients        INTEGER NOT NULL,
    PRIMARY KEY (list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased)
) STRICT, WITHOUT ROWID;

INSERT INTO list_counts
SELECT list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased, count(*)
FROM patients GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER list_counts_insert AFTER INSERT ON patients BEGIN
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue,
         NEW.deceased, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;

CREATE TRIGGER list_counts_delete AFTER DELETE ON patients BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue AND deceased = OLD.deceased;
END;

CREATE TRIGGER list_counts_update
AFTER UPDATE OF list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased
ON patients
WHEN OLD.list_status IS NOT NEW.list_status OR OLD.list_ruleset IS NOT NEW.list_ruleset
  OR OLD.care_team IS NOT NEW.care_team OR OLD.list_review IS NOT NEW.list_review
  OR OLD.list_wf_overdue IS NOT NEW.list_wf_overdue OR OLD.deceased IS NOT NEW.deceased
BEGIN
    UPDATE list_counts SET patients = patients - 1
    WHERE list_status = OLD.list_status AND list_ruleset = OLD.list_ruleset
      AND care_team = OLD.care_team AND list_review = OLD.list_review
      AND list_wf_overdue = OLD.list_wf_overdue AND deceased = OLD.deceased;
    INSERT INTO list_counts VALUES
        (NEW.list_status, NEW.list_ruleset, NEW.care_team, NEW.list_review, NEW.list_wf_overdue,
         NEW.deceased, 1)
    ON CONFLICT DO UPDATE SET patients = patients + 1;
END;
