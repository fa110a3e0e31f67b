-- The day a diagnosis was first recorded (R4 Condition.recordedDate), kept apart from its
-- onset: a diagnosis written down on a day began on or before it, which bounds the episode it
-- names when the record gives no onset. NULL when the record gave none, and for rows stored
-- before (their files are read again: the import's mapping version changed).
ALTER TABLE conditions ADD COLUMN recorded TEXT;
