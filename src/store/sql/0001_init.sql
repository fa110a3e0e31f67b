-- refract schema, version 1.
-- Dates are ISO-8601 text ('YYYY-MM-DD'), times 'YYYY-MM-DD HH:MM:SS'; coded values use the
-- machine names of src/domain. Rows a person wrote (reviews, way forward, notes, meetings,
-- corrections) never carry source = 'import': re-importing a patient replaces only imported rows.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    id             INTEGER PRIMARY KEY,
    mrn            TEXT NOT NULL UNIQUE,
    family_name    TEXT NOT NULL DEFAULT '',
    given_name     TEXT NOT NULL DEFAULT '',
    birth_date     TEXT NOT NULL DEFAULT '',        -- '' when unknown
    sex            TEXT NOT NULL DEFAULT 'unknown',
    deceased_date  TEXT,
    care_team      TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT 'entered',  -- demo | import | entered
    source_id      TEXT,                             -- FHIR Patient.id, to match re-imports
    record_version INTEGER NOT NULL DEFAULT 1,       -- bumped on every change to clinical data
    -- What the stored assessments were computed from: the rules' stamp, the record version and
    -- the day (criteria with windows change with time). A mismatch means "evaluate again".
    eval_rules     TEXT NOT NULL DEFAULT '',
    eval_record    INTEGER NOT NULL DEFAULT 0,
    eval_on        TEXT NOT NULL DEFAULT '',
    -- The patient list's projection: one headline condition per patient, kept up to date on
    -- every write so that the list pages, sorts and filters on indexes alone.
    name_key       TEXT NOT NULL,                    -- lower('family, given')
    list_status    INTEGER NOT NULL DEFAULT 0,       -- AssessmentStatus rank; 0 = not assessed
    list_ruleset   TEXT NOT NULL DEFAULT '',
    list_line      INTEGER NOT NULL DEFAULT 0,       -- current line number; 0 = none
    list_regimen   TEXT NOT NULL DEFAULT '',
    list_wf        INTEGER NOT NULL DEFAULT -1,      -- closed way-forward steps; -1 = not started
    list_wf_overdue INTEGER NOT NULL DEFAULT 0,      -- 1 when a step or task is overdue
    list_review    INTEGER NOT NULL DEFAULT -1,      -- 0 unreviewed, 1 confirmed, 2 dismissed; -1 none
    updated_at     TEXT NOT NULL
) STRICT;

CREATE INDEX patients_name ON patients(name_key);
CREATE INDEX patients_given ON patients(lower(given_name));
CREATE INDEX patients_mrn_upper ON patients(upper(mrn));
CREATE INDEX patients_birth ON patients(birth_date);
CREATE INDEX patients_sex ON patients(sex);
CREATE INDEX patients_status ON patients(list_status);
CREATE INDEX patients_ruleset ON patients(list_ruleset);
CREATE INDEX patients_line ON patients(list_line);
CREATE INDEX patients_regimen ON patients(list_regimen);
CREATE INDEX patients_wf ON patients(list_wf);
CREATE INDEX patients_review ON patients(list_review);
CREATE INDEX patients_updated ON patients(updated_at);
CREATE INDEX patients_care_team ON patients(care_team);
CREATE INDEX patients_source_id ON patients(source_id);

CREATE TABLE conditions (
    id                  INTEGER PRIMARY KEY,
    patient_id          INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    system              TEXT NOT NULL,
    code                TEXT NOT NULL,
    display             TEXT NOT NULL DEFAULT '',
    onset               TEXT,
    abatement           TEXT,
    clinical_status     TEXT,
    verification_status TEXT,
    source              TEXT NOT NULL DEFAULT 'entered',
    source_id           TEXT                         -- FHIR resource id, to replace on re-import
) STRICT;
CREATE INDEX conditions_patient ON conditions(patient_id);

CREATE TABLE drug_exposures (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    rxnorm      TEXT,
    atc         TEXT,
    start       TEXT NOT NULL,
    end         TEXT,
    dose_value  REAL,
    dose_unit   TEXT,
    route       TEXT,
    role        TEXT,
    stop_reason TEXT,
    cycles      INTEGER,
    source      TEXT NOT NULL DEFAULT 'entered',
    source_id   TEXT
) STRICT;
CREATE INDEX drug_exposures_patient ON drug_exposures(patient_id, start);

CREATE TABLE treatment_lines (
    id                 INTEGER PRIMARY KEY,
    patient_id         INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset            TEXT NOT NULL,
    number             INTEGER NOT NULL,
    regimen            TEXT NOT NULL,
    start              TEXT NOT NULL,
    end                TEXT,
    intent             TEXT,
    best_response      TEXT,
    best_response_date TEXT,
    progression_date   TEXT,
    stop_reason        TEXT,
    cycles             INTEGER,
    origin             TEXT NOT NULL,                -- derived | entered | corrected
    cut_reason         TEXT
) STRICT;
CREATE INDEX treatment_lines_patient ON treatment_lines(patient_id, ruleset, number);

CREATE TABLE line_drugs (
    line_id     INTEGER NOT NULL REFERENCES treatment_lines(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    ingredient  TEXT NOT NULL,
    dose_value  REAL,
    dose_unit   TEXT,
    exposure_id INTEGER REFERENCES drug_exposures(id) ON DELETE SET NULL,
    PRIMARY KEY (line_id, position)
) STRICT;
CREATE INDEX line_drugs_exposure ON line_drugs(exposure_id);

-- The largest table (a dozen rows a patient), always read by patient: clustered by patient,
-- without a rowid, so that it needs no index of its own. Ids are numbered per patient.
CREATE TABLE observations (
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    code       TEXT NOT NULL,
    display    TEXT NOT NULL DEFAULT '',
    value      REAL,
    value_code TEXT,
    unit       TEXT,
    effective  TEXT NOT NULL,
    setting    TEXT,
    source     TEXT NOT NULL DEFAULT 'entered',
    source_id  TEXT,
    PRIMARY KEY (patient_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE procedures (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    display    TEXT NOT NULL DEFAULT '',
    performed  TEXT NOT NULL,
    end        TEXT,
    source     TEXT NOT NULL DEFAULT 'entered',
    source_id  TEXT
) STRICT;
CREATE INDEX procedures_patient ON procedures(patient_id, performed);

CREATE TABLE assessments (
    patient_id      INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset         TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    record_version  INTEGER NOT NULL,                -- patients.record_version evaluated
    status          TEXT NOT NULL,
    status_rank     INTEGER NOT NULL,
    label           TEXT NOT NULL,
    detail          TEXT NOT NULL,                   -- JSON: reasons, evidence, missing, confounders, citation
    fingerprint     TEXT NOT NULL,
    evaluated_on    TEXT NOT NULL,
    flagged_since   TEXT,                            -- first day at refractory/resistant, for "newly flagged"
    PRIMARY KEY (patient_id, ruleset)
) STRICT;
CREATE INDEX assessments_status ON assessments(status_rank, ruleset);
CREATE INDEX assessments_ruleset ON assessments(ruleset, status_rank);

CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset     TEXT NOT NULL,
    decision    TEXT NOT NULL,                       -- confirmed | dismissed
    status      TEXT NOT NULL,                       -- the status that was reviewed
    rationale   TEXT NOT NULL,
    by          TEXT NOT NULL,
    at          TEXT NOT NULL,
    fingerprint TEXT NOT NULL
) STRICT;
CREATE INDEX reviews_patient ON reviews(patient_id, ruleset, id);

CREATE TABLE way_forward (
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset    TEXT NOT NULL,
    step       INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    status     TEXT NOT NULL,
    owner      TEXT,
    due        TEXT,
    notes      TEXT NOT NULL DEFAULT '',
    na_reason  TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, ruleset, step)
) STRICT;
CREATE INDEX way_forward_due ON way_forward(due) WHERE status IN ('todo', 'in_progress');

CREATE TABLE checklist_items (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset    TEXT NOT NULL,
    key        TEXT NOT NULL,
    text       TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    detail     TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (patient_id, ruleset, key)
) STRICT;

CREATE TABLE referrals (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset    TEXT NOT NULL,
    step       INTEGER NOT NULL CHECK (step IN (1, 4)),
    specialty  TEXT NOT NULL,
    to_whom    TEXT,
    date       TEXT,
    status     TEXT NOT NULL
) STRICT;
CREATE INDEX referrals_patient ON referrals(patient_id, ruleset);

CREATE TABLE options (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    catalogue_key TEXT,
    source        TEXT,
    registry_id   TEXT,
    trial_status  TEXT,
    stance        TEXT NOT NULL,
    stance_reason TEXT,
    preference    TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX options_patient ON options(patient_id, ruleset);

CREATE TABLE wellbeing_goals (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset     TEXT NOT NULL,
    description TEXT NOT NULL,
    due         TEXT,
    achieved    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX wellbeing_goals_patient ON wellbeing_goals(patient_id, ruleset);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    at         TEXT NOT NULL,
    text       TEXT NOT NULL
) STRICT;
CREATE INDEX notes_patient ON notes(patient_id, at);

CREATE TABLE meetings (
    id        INTEGER PRIMARY KEY,
    starts_at TEXT NOT NULL,
    title     TEXT NOT NULL,
    team      TEXT
) STRICT;
CREATE INDEX meetings_starts ON meetings(starts_at);

CREATE TABLE meeting_cases (
    id                   INTEGER PRIMARY KEY,
    meeting_id           INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    patient_id           INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    ruleset              TEXT,
    position             INTEGER NOT NULL,
    question             TEXT NOT NULL DEFAULT '',
    timebox_minutes      INTEGER NOT NULL DEFAULT 6,
    outcome_category     TEXT,
    chosen_option_id     INTEGER REFERENCES options(id) ON DELETE SET NULL,
    outcome_text         TEXT NOT NULL DEFAULT '',
    comes_back           INTEGER NOT NULL DEFAULT 0,
    presented_seconds    INTEGER NOT NULL DEFAULT 0,
    plan_followed        TEXT,
    plan_followed_reason TEXT
) STRICT;
CREATE INDEX meeting_cases_meeting ON meeting_cases(meeting_id, position);
CREATE INDEX meeting_cases_patient ON meeting_cases(patient_id);

CREATE TABLE attendees (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    specialty  TEXT NOT NULL,
    present    INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX attendees_meeting ON attendees(meeting_id);

CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    meeting_case_id INTEGER REFERENCES meeting_cases(id) ON DELETE SET NULL,
    what            TEXT NOT NULL,
    owner           TEXT,
    due             TEXT,
    status          TEXT NOT NULL DEFAULT 'open',
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX tasks_patient ON tasks(patient_id);
CREATE INDEX tasks_due ON tasks(due) WHERE status = 'open';

-- Who changed what, when, before and after. Never updated, never deleted.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    who        TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER,
    patient_id INTEGER,
    before     TEXT,
    after      TEXT
) STRICT;
CREATE INDEX audit_log_patient ON audit_log(patient_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    imported_at TEXT NOT NULL,
    summary     TEXT NOT NULL                        -- JSON counts
) STRICT;
