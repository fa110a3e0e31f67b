-- One clock per presented case, whatever the number of terminals showing it (presenter and
-- scribe): when its time was last counted (Unix milliseconds, UTC) and by which open file
-- (a process's connection). A terminal's seconds that fall before that moment were already
-- counted by another terminal and are not added again. NULL: never presented since.
ALTER TABLE meeting_cases ADD COLUMN presented_clock_ms INTEGER;
ALTER TABLE meeting_cases ADD COLUMN presented_clock_by TEXT;
