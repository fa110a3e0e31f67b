-- Since when a flag's criteria have been met (issue 19, "who has been waiting"): the earliest
-- day from which the rule set, evaluated as of that day on what the record held then, gives a
-- flagged status (refractory, resistant or relapsed) up to the run day. NULL for an assessment
-- that is not a flag. Computed when an assessment is evaluated and stored (`rules::since`), so
-- that the overview only reads it.
--
-- Rows stored before this column are not filled here (that needs the rules engine): the
-- evaluation code's revision moved with it, so every patient is stale under the new rules
-- stamp and the background evaluation pass (the dashboard, `refract flags`) fills the day in.
ALTER TABLE assessments ADD COLUMN criteria_met_since TEXT;

-- The overview's waiting numbers walk the flags of one condition in the order of this day
-- (medians, "met more than N months ago"), and the list opens the same patients: a partial
-- index of the flags alone, covering the patient id, keeps that a range read of the flags.
CREATE INDEX IF NOT EXISTS assessments_met_since
    ON assessments(ruleset, criteria_met_since, patient_id)
    WHERE criteria_met_since IS NOT NULL;

-- The overview finds each flag's specialist referrals (way-forward step 1) by patient and
-- condition: the existing referrals_patient index answers it.
