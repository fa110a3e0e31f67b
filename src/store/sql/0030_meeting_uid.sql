-- A meeting's identity across files: random, made where the meeting is created and carried by
-- refract's own document, so that a document's meeting is matched only to the same meeting,
-- never to another file's meeting that happens to share its start, title and team. (Numbered
-- 0030: 0029 is taken by another change.)
ALTER TABLE meetings ADD COLUMN uid TEXT;
UPDATE meetings SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX meetings_uid ON meetings (uid);
-- Every way a meeting is created (the dashboard, the demo, an older document) gets one.
CREATE TRIGGER meetings_uid_made AFTER INSERT ON meetings WHEN NEW.uid IS NULL BEGIN
    UPDATE meetings SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
