-- Every record a person edits carries a version: how many times it was saved. A save names the
-- version it started from, so that a colleague's change made in between is noticed instead of
-- overwritten silently (src/store/versions.rs). Rows already in the file start at 1; the four
-- way-forward steps written as placeholders when a way forward starts are 0 until a person
-- saves one. Reviews need no column: they are only ever added, and the latest review's id is
-- what a new one is checked against.
ALTER TABLE way_forward ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE checklist_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE referrals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE options ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE wellbeing_goals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE meeting_cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE attendees ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
