-- The family-name search index ordered by (name_key, id), the name sort's own order: a page of
-- a search sorted by name takes its family-name matches from this index in list order and
-- stops at the page's end, where the index of 0009 (name_key, then the filter columns) gave
-- them in another order within each name, so that every match of a broad prefix was read and
-- sorted first (150,000 index entries for `m` at a million patients, 65–78 ms a key).
--
-- `id` is the rowid: as a column of its own it costs eight bytes an entry and puts the rowid's
-- order right after the name. The other columns stay, so that filtering and counting still
-- read the index alone. The other two search keys (the lower-case given name, the upper-case
-- MRN) are added, so that a search sorted by name can also walk the name order in this index,
-- testing every search key on index entries rather than on table rows (a page read each):
-- `m` finds its first given names after some 2,500 entries of each family name, where a walk
-- of the table gave up after 2,000 rows. Rebuilt once when an existing file is opened (a few
-- seconds at a million patients).

DROP INDEX IF EXISTS patients_search_family;

CREATE INDEX patients_search_family ON patients(
    name_key, id,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at,
    lower(given_name), upper(mrn)
);
