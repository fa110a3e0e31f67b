-- The search and name-order indexes of 0009 and 0011, on the folded keys of 0014 (`given_key`
-- where they had lower(given_name)).

CREATE INDEX patients_name ON patients(name_key);

CREATE INDEX patients_search_family ON patients(
    name_key, id,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at,
    given_key, upper(mrn)
);

CREATE INDEX patients_search_given ON patients(
    given_key, name_key,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at
);

CREATE INDEX patients_search_mrn ON patients(
    upper(mrn), name_key, given_key,
    list_status, deceased, list_review, list_wf_overdue, list_ruleset, care_team,
    mrn, birth_date, sex, list_line, list_regimen, list_wf, updated_at
);
