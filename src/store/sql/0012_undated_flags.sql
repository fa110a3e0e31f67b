-- A flag's `criteria_met_since` is searched after the flags are stored, by a pass of its own
-- (the search costs 2–8 evaluations per flag, more than the evaluation itself): until then the
-- column is NULL on a flag (status_rank 3 and up: relapsed, resistant, refractory), which reads
-- "not yet known". The pass finds those flags, and the overview counts them so as to say that
-- its waiting figures are not complete yet, from this partial index: empty once the pass has
-- run, so neither reads anything then.
--
-- Files from before hold a day on every flag (0010's evaluation filled them in): the index
-- starts empty.
CREATE INDEX IF NOT EXISTS assessments_undated ON assessments(patient_id)
    WHERE criteria_met_since IS NULL AND status_rank >= 3;
