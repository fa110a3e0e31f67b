-- A meeting's identity across files, carried by refract's own document, so that a document's
-- meeting is matched only to the same meeting, never to another file's meeting that happens to
-- share its start, title and team. (Numbered 0030: 0029 is taken by another change.)
ALTER TABLE meetings ADD COLUMN uid TEXT;
CREATE UNIQUE INDEX meetings_uid ON meetings (uid);
-- The meetings already held get theirs in Rust right after this (`derive_missing_meeting_uids`):
-- derived from the file's id and the meeting, not random, so that every copy of one file (the
-- file upgraded, a restore of its older backup) gives one meeting one uid. A meeting made from
-- now on (the dashboard, the demo) is new in one file only: a random one.
CREATE TRIGGER meetings_uid_made AFTER INSERT ON meetings WHEN NEW.uid IS NULL BEGIN
    UPDATE meetings SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
