-- Who a case's patient was when the team recorded its outcome: the MRN, name, sex and birth
-- date the patient's record held then, copied from `patients` as the outcome is first written
-- (see store::meetings). The minutes of a held meeting show the patient as discussed, not as a
-- later import renamed them. NULL while the case has no outcome, and for cases decided before
-- this migration: today's record is no witness of who they were then, so those minutes show
-- today's identity as they did.
ALTER TABLE meeting_cases ADD COLUMN discussed_mrn TEXT;
ALTER TABLE meeting_cases ADD COLUMN discussed_family_name TEXT;
ALTER TABLE meeting_cases ADD COLUMN discussed_given_name TEXT;
ALTER TABLE meeting_cases ADD COLUMN discussed_sex TEXT;
ALTER TABLE meeting_cases ADD COLUMN discussed_birth_date TEXT;
