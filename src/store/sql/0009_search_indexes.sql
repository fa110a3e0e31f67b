-- Search as you type reads the patients a prefix matches from three indexes, one per thing a
-- prefix can match (family name via `name_key`, given name, MRN). Each of them now carries
-- every column the list filters, counts and sorts by, so that counting the matches and
-- finding the first page of them in any order reads index entries only: a table row costs a
-- page read of its own (5 µs and more at 1M patients, against a fraction of a microsecond per
-- index entry), and a one-letter search matches a hundred thousand patients.
--
-- The given-name and MRN indexes carry the other search keys too, so that a query can take
-- each match from exactly one index ("given name matches and family name does not"): the
-- three ranges are then disjoint and counted without remembering which ids were seen.
-- They replace the indexes on the bare expressions (same leading column).

DROP INDEX patients_given;
DROP INDEX patients_mrn_upper;

CREATE INDEX patients_search_family ON patients(
    name_key,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at
);

CREATE INDEX patients_search_given ON patients(
    lower(given_name), name_key,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at
);

CREATE INDEX patients_search_mrn ON patients(
    upper(mrn), name_key, lower(given_name),
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at
);
