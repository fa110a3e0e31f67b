//! Store tests on temporary files: creation, migrations, refusals, file mode, audit.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use std::fs;

use chrono::NaiveDate;
use refract::domain::{Patient, PatientId, PatientRecord, Sex};
use refract::store::{self, OpenMode, SCHEMA_VERSION, Source, Store, StoreError};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn new_store(dir: &TempDir) -> Store {
    Store::open(
        &dir.path().join("refract.db"),
        OpenMode::CreateIfMissing,
        "tester",
    )
    .unwrap()
}

fn insert_patient(store: &mut Store, mrn: &str) -> PatientId {
    let record = PatientRecord {
        patient: Some(Patient {
            id: PatientId(0),
            mrn: mrn.into(),
            mrn_system: String::new(),
            family_name: "Lind".into(),
            given_name: "Mara".into(),
            birth_date: NaiveDate::from_ymd_opt(1989, 3, 2),
            birth_precision: refract::domain::DatePrecision::Day,
            sex: Sex::Female,
            deceased: false,
            deceased_date: None,
            deceased_in: None,
            care_team: Some("Epilepsy service".into()),
        }),
        ..PatientRecord::default()
    };
    store
        .write(|tx| store::insert_record(tx, &record, Source::Entered, store::now_utc()))
        .unwrap()
}

#[test]
fn migrates_an_empty_file_to_the_current_schema() {
    let dir = TempDir::new().unwrap();
    let store = new_store(&dir);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    let journal: String = sql_on(&store)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    assert!(store.foreign_keys_enforced().unwrap());
    for table in [
        "patients",
        "assessments",
        "reviews",
        "way_forward",
        "meeting_cases",
        "audit_log",
        "imports",
    ] {
        let count: i64 = sql_on(&store)
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(count, 1, "table {table}");
    }
    // Opening again is a no-op migration.
    drop(store);
    let again = new_store(&dir);
    assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
}

#[cfg(unix)]
#[test]
fn a_new_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested/dir/refract.db");
    let store = Store::open(&path, OpenMode::CreateIfMissing, "tester").unwrap();
    drop(store);
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}

#[test]
fn a_file_from_a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = {}; CREATE TABLE t (x);",
            store::APPLICATION_ID,
            SCHEMA_VERSION + 1
        ))
        .unwrap();
    }
    let before = fs::read(&path).unwrap();
    let err = Store::open(&path, OpenMode::MustExist, "tester").unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    assert!(err.to_string().contains("newer refract"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before, "the file changed");
    assert!(!dir.path().join("future.db-wal").exists());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("notes.txt");
    fs::write(&path, "these are not the droids\n").unwrap();
    let err = Store::open(&path, OpenMode::MustExist, "tester").unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "these are not the droids\n"
    );
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE things (x);")
        .unwrap();
    let err = Store::open(&path, OpenMode::MustExist, "tester").unwrap_err();
    assert!(matches!(err, StoreError::NotRefract { .. }), "{err}");
}

#[test]
fn a_directory_and_a_missing_file_are_refused() {
    let dir = TempDir::new().unwrap();
    let err = Store::open(dir.path(), OpenMode::CreateIfMissing, "tester").unwrap_err();
    assert!(matches!(err, StoreError::IsDirectory { .. }), "{err}");
    let err =
        Store::open(&dir.path().join("absent.db"), OpenMode::MustExist, "tester").unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!dir.path().join("absent.db").exists());
}

#[test]
fn a_change_by_a_person_writes_an_audit_row() {
    let dir = TempDir::new().unwrap();
    let mut store = new_store(&dir);
    let patient = insert_patient(&mut store, "RF-1");
    store
        .add_note(patient, "Discussed VNS with the family.", today())
        .unwrap();
    let history = store.audit_history(patient, 10).unwrap();
    assert_eq!(history.len(), 1);
    let entry = &history[0];
    assert_eq!(entry.who, "tester");
    assert_eq!(entry.action, "note.add");
    assert!(entry.before.is_none());
    assert_eq!(
        entry.after.as_ref().unwrap()["text"],
        "Discussed VNS with the family."
    );
    assert_eq!(store.notes(patient).unwrap().len(), 1);
}

#[test]
fn the_audit_log_is_append_only() {
    let dir = TempDir::new().unwrap();
    let mut store = new_store(&dir);
    let patient = insert_patient(&mut store, "RF-1");
    store.add_note(patient, "first", today()).unwrap();
    assert!(
        sql_on(&store)
            .execute("UPDATE audit_log SET who = 'someone else'", [])
            .is_err()
    );
    assert!(sql_on(&store).execute("DELETE FROM audit_log", []).is_err());
    assert_eq!(store.audit_history(patient, 10).unwrap()[0].who, "tester");
}

#[test]
fn unknown_mrn_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let store = new_store(&dir);
    let err = store.patient_id_by_mrn("NOPE-1").unwrap_err();
    assert_eq!(err.to_string(), "no patient with MRN NOPE-1");
}

/// Every row `sql` gives, each read as a tuple of its columns.
fn rows<T>(store: &Store, sql: &str) -> Vec<T>
where
    T: for<'row> TryFrom<&'row rusqlite::Row<'row>, Error = rusqlite::Error>,
{
    let conn = sql_on(store);
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| T::try_from(row))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A patient's list columns: id, status, ruleset, line, regimen, way forward, overdue, review.
type ListRow = (i64, i64, String, i64, String, i64, i64, i64);

#[test]
fn the_demo_writes_the_list_columns_its_stored_rows_give() {
    // The demo computes list columns as it generates (no read-back); they must be what the
    // store computes from the stored assessments, reviews, lines, way forward and tasks.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.db");
    let rules = refract::rules::Rules::embedded().unwrap();
    let options = refract::demo::DemoOptions {
        patients: 300,
        seed: 5,
        today: today(),
    };
    refract::demo::create(&path, &options, &rules).unwrap();
    let mut store = Store::open(&path, OpenMode::MustExist, "test").unwrap();
    let list = |store: &Store| -> Vec<ListRow> {
        rows(
            store,
            "SELECT id, list_status, list_ruleset, list_line, list_regimen, list_wf,
                    list_wf_overdue, list_review
             FROM patients ORDER BY id",
        )
    };
    let before = list(&store);
    assert_eq!(before.len(), 300);
    assert!(
        before.iter().any(|row| row.7 == 1) && before.iter().any(|row| row.7 == 2),
        "confirmed and dismissed reviews are in the sample"
    );
    let now = store::now_utc();
    store
        .write(|tx| {
            for id in 1..=300 {
                store::refresh_list_row(tx, PatientId(id), today(), now)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    assert_eq!(list(&store), before);
}

#[test]
fn the_demo_stores_assessments_as_its_stored_records_evaluate() {
    // The demo evaluates each record before it is stored, and writes the patient rows with
    // observations into one file and the other rows with the assessments into another: the
    // evidence must still point at the stored rows of every kind, and nothing else may differ
    // from evaluating the stored record.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.db");
    let rules = refract::rules::Rules::embedded().unwrap();
    // More patients than one batch (2,000): batches go to the two files independently.
    let options = refract::demo::DemoOptions {
        patients: 2_100,
        seed: 23,
        today: today(),
    };
    refract::demo::create(&path, &options, &rules).unwrap();
    // The second file the patient rows were written to is gone, and so is the journal.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["demo.db"]);
    let store = Store::open(&path, OpenMode::MustExist, "test").unwrap();
    // The list's counts, summed in the second file and kept by triggers since, are the rows'.
    let counts =
        |sql: &str| -> Vec<(i64, String, String, i64, i64, i64, i64)> { rows(&store, sql) };
    let kept = counts(
        "SELECT list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased,
                patients
         FROM list_counts WHERE patients > 0 ORDER BY 1, 2, 3, 4, 5, 6",
    );
    assert!(kept.len() > 10);
    assert_eq!(
        kept,
        counts(
            "SELECT list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased,
                    count(*)
             FROM patients GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
    );
    let broken: i64 = sql_on(&store)
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "every row's patient and line exist");
    // Every patient is stamped as evaluated with these rules, on this day and record.
    assert!(
        store
            .stale_patients(&rules.stamp, today())
            .unwrap()
            .is_empty()
    );
    let records = store.load_records(1, 2_100).unwrap();
    assert_eq!(records.len(), 2_100);
    let mut evidence_kinds = std::collections::BTreeSet::new();
    for record in &records {
        let id = record.patient.as_ref().unwrap().id;
        // Every flag dated: the demo runs the dating pass after storing the flags, and it
        // finds the days the search finds on the record at once.
        let mut expected = rules.evaluate_dated(record, today());
        expected.sort_by(|a, b| {
            b.status
                .rank()
                .cmp(&a.status.rank())
                .then_with(|| a.ruleset.cmp(&b.ruleset))
        });
        let stored: Vec<_> = store
            .assessments(id)
            .unwrap()
            .into_iter()
            .map(|a| a.assessment)
            .collect();
        assert_eq!(stored, expected, "patient {}", id.0);
        evidence_kinds.extend(
            stored
                .iter()
                .flat_map(|a| a.evidence.iter().map(|e| e.kind.as_str())),
        );
    }
    // The rules cite no condition row as evidence; every other kind is checked.
    assert_eq!(
        evidence_kinds.into_iter().collect::<Vec<_>>(),
        ["exposure", "line", "observation", "procedure"]
    );
}

/// The list hides the deceased unless its filter shows them, counts those it hides (with and
/// without a search, which are counted two different ways), and a death recorded with no day
/// hides a patient as well.
#[test]
fn the_list_hides_the_deceased_unless_asked_and_counts_them() {
    use refract::store::{Anchor, ListFilter, ListQuery, SortKey};
    let dir = TempDir::new().unwrap();
    let mut store = new_store(&dir);
    insert_patient(&mut store, "LIVE-1");
    let dead = insert_patient(&mut store, "DEAD-1");
    let gone = insert_patient(&mut store, "DEAD-2");
    store
        .write(|tx| {
            tx.execute(
                "UPDATE patients SET deceased = 1, deceased_date = '2024-02-10' WHERE id = ?1",
                [dead.0],
            )?;
            tx.execute("UPDATE patients SET deceased = 1 WHERE id = ?1", [gone.0])?;
            Ok::<(), StoreError>(())
        })
        .unwrap();
    let mrns = |filter: &ListFilter| -> Vec<String> {
        let query = ListQuery {
            filter: filter.clone(),
            sort: SortKey::Name,
            descending: false,
        };
        let mut mrns: Vec<String> = store
            .list_page(&query, &Anchor::First, 100)
            .unwrap()
            .into_iter()
            .map(|row| row.mrn)
            .collect();
        mrns.sort();
        mrns
    };
    for search in [None, Some(String::from("Lind"))] {
        let hidden = ListFilter {
            search: search.clone(),
            ..ListFilter::default()
        };
        assert_eq!(mrns(&hidden), ["LIVE-1"], "{search:?}");
        assert_eq!(store.list_count(&hidden).unwrap(), 1);
        let counts = store.status_counts(&hidden).unwrap();
        assert_eq!((counts.total, counts.deceased_hidden), (1, 2), "{search:?}");
        assert_eq!(store.deceased_count(&hidden).unwrap(), 2);

        let shown = ListFilter {
            show_deceased: true,
            ..hidden
        };
        assert_eq!(mrns(&shown), ["DEAD-1", "DEAD-2", "LIVE-1"], "{search:?}");
        assert_eq!(store.list_count(&shown).unwrap(), 3);
        let counts = store.status_counts(&shown).unwrap();
        assert_eq!((counts.total, counts.deceased_hidden), (3, 0), "{search:?}");
    }
    // The row carries the death; the age stops at it (born 1989-03-02).
    let query = ListQuery {
        filter: ListFilter {
            search: Some(String::from("DEAD-1")),
            show_deceased: true,
            ..ListFilter::default()
        },
        sort: SortKey::Name,
        descending: false,
    };
    let rows = store.list_page(&query, &Anchor::First, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].deceased_date, NaiveDate::from_ymd_opt(2024, 2, 10));
    assert_eq!(rows[0].age_on(today()), Some(34));
}

/// The patient list's search against a plain filter and sort in Rust: a few thousand patients
/// whose names, MRNs and list columns repeat (so that sort values tie and the id decides),
/// MRNs in id order (so that an MRN prefix gathers at one end of every order, as real MRNs
/// do), some in lower case, names beyond ASCII, deceased patients. Every way a page of a search
/// can be found (collected from the search indexes, walked along the sort order to the end or
/// for a bounded number of rows, and the store's own choice) must give exactly the rows of the
/// model, in its order, for every sort key, both directions, every anchor and several filters;
/// the counts must be the model's below the cap and say "capped" above it.
mod list_search {
    use super::*;
    use refract::domain::AssessmentStatus;
    use refract::store::{Anchor, Cursor, ListFilter, ListQuery, PatientRow, SearchPlan, SortKey};
    use std::cmp::Ordering;
    use std::collections::HashMap;

    const PATIENTS: i64 = 2_000;
    const FAMILY: &[&str] = &[
        "Berg",
        "Bergström",
        "berger",
        "Ito",
        "Itoh",
        "Müller",
        "Møller",
        "Åberg",
        "O'Brien",
        "de Vries",
        "Nowak",
        "Nowakowski",
        "Zhang",
        "Ødegaard",
        "Mo",
        "MO",
        "Mora",
    ];
    const GIVEN: &[&str] = &[
        "Mara", "mara", "Ola", "Émile", "Zoë", "Berit", "Ito", "Ada", "Ingrid", "Olav", "",
    ];
    const TEAMS: &[&str] = &["Epilepsy service", "Lymphoma", ""];
    const RULESETS: &[&str] = &["epilepsy", "lymphoma", ""];
    const REGIMENS: &[&str] = &["", "R-CHOP", "levetiracetam", "ABVD"];
    const UPDATED: &[&str] = &[
        "2026-01-01T00:00:00Z",
        "2026-03-05T10:00:00Z",
        "2026-11-27T08:30:00Z",
    ];

    /// A model row: the list columns as stored.
    #[derive(Debug, Clone)]
    struct Model {
        id: i64,
        mrn: String,
        given_key: String,
        name_key: String,
        birth: String,
        sex: String,
        status: i64,
        ruleset: String,
        line: i64,
        regimen: String,
        wf: i64,
        overdue: i64,
        review: i64,
        team: String,
        updated: String,
        deceased: bool,
        /// (system, value) of the patient's identifiers other than the MRN shown.
        identifiers: Vec<(String, String)>,
    }

    enum Key<'a> {
        Int(i64),
        Text(&'a str),
    }

    impl Model {
        fn key(&self, sort: SortKey) -> Key<'_> {
            match sort {
                SortKey::Status => Key::Int(self.status),
                SortKey::Name => Key::Text(&self.name_key),
                SortKey::Mrn => Key::Text(&self.mrn),
                SortKey::Age => Key::Text(&self.birth),
                SortKey::Sex => Key::Text(&self.sex),
                SortKey::Condition => Key::Text(&self.ruleset),
                SortKey::Line => Key::Int(self.line),
                SortKey::Regimen => Key::Text(&self.regimen),
                SortKey::WayForward => Key::Int(self.wf),
                SortKey::Review => Key::Int(self.review),
                SortKey::LastChange => Key::Text(&self.updated),
            }
        }

        /// SQLite's order of the sort value (BINARY text), then the id.
        fn cmp_in(&self, other: &Model, sort: SortKey) -> Ordering {
            let by_value = match (self.key(sort), other.key(sort)) {
                (Key::Int(a), Key::Int(b)) => a.cmp(&b),
                (Key::Text(a), Key::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
                _ => unreachable!("one type per column"),
            };
            by_value.then(self.id.cmp(&other.id))
        }

        /// The search as SQL states it: byte ranges over the folded keys of the names (of
        /// `name_key` and `given_key`, from the folded text) and SQLite's (ASCII) upper of the
        /// MRN, from Rust's upper of the text.
        fn matches(&self, filter: &ListFilter) -> bool {
            let Some(search) = filter.search.as_deref().map(str::trim) else {
                return true;
            };
            if search.is_empty() {
                return true;
            }
            let in_range = |value: &str, low: &str| {
                let high = format!("{low}\u{10FFFF}");
                value.as_bytes() >= low.as_bytes() && value.as_bytes() < high.as_bytes()
            };
            let upper = search.to_uppercase();
            let folded = store::fold_for_search(search);
            // Any identifier's whole value, as written; never refract's own keys.
            let identifier = self.identifiers.iter().any(|(system, value)| {
                value == search && !system.starts_with("urn:refract:patient-")
            });
            let mrn = in_range(&self.mrn.to_ascii_uppercase(), &upper) || identifier;
            if filter.mrn_only {
                return mrn;
            }
            mrn || in_range(&self.name_key, &folded) || in_range(&self.given_key, &folded)
        }

        fn passes(&self, filter: &ListFilter) -> bool {
            filter.status.is_none_or(|s| s.rank() == self.status)
                && filter.ruleset.as_ref().is_none_or(|r| *r == self.ruleset)
                && filter.care_team.as_ref().is_none_or(|t| *t == self.team)
                && (!filter.unreviewed_only || self.review == 0)
                && (!filter.overdue_only || self.overdue == 1)
                && self.matches(filter)
        }
    }

    /// A small deterministic generator (the test must not depend on a crate's sequence).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % below as u64) as usize
        }
    }

    fn populate(store: &Store) -> Vec<Model> {
        let mut rng = Lcg(19);
        let mut conn = sql_on(store);
        let tx = conn.transaction().unwrap();
        for n in 1..=PATIENTS {
            let family = FAMILY[rng.next(FAMILY.len())];
            let given = GIVEN[rng.next(GIVEN.len())];
            // MRNs follow the ids, a tenth of them in lower or mixed case.
            let mrn = match rng.next(10) {
                0 => format!("rf-{n:05}"),
                1 => format!("Mx-{n:04}"),
                _ => format!("RF-{n:05}"),
            };
            let birth = if rng.next(20) == 0 {
                String::new()
            } else {
                format!(
                    "19{:02}-0{}-1{}",
                    30 + rng.next(60),
                    1 + rng.next(9),
                    rng.next(10)
                )
            };
            let deceased = rng.next(20) == 0;
            let deceased_date = (deceased && rng.next(2) == 0).then_some("2024-02-10");
            tx.execute(
                "INSERT INTO patients (mrn, family_name, given_name, birth_date, sex, care_team,
                     name_key, list_status, list_ruleset, list_line, list_regimen, list_wf,
                     list_wf_overdue, list_review, updated_at, deceased, deceased_date, given_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                         ?18)",
                rusqlite::params![
                    mrn,
                    family,
                    given,
                    birth,
                    ["female", "male", "unknown"][rng.next(3)],
                    TEAMS[rng.next(TEAMS.len())],
                    store::name_key(family, given),
                    rng.next(6) as i64,
                    RULESETS[rng.next(RULESETS.len())],
                    rng.next(4) as i64,
                    REGIMENS[rng.next(REGIMENS.len())],
                    rng.next(6) as i64 - 1,
                    rng.next(2) as i64,
                    rng.next(4) as i64 - 1,
                    UPDATED[rng.next(UPDATED.len())],
                    deceased,
                    deceased_date,
                    store::given_key(given),
                ],
            )
            .unwrap();
            // Other identifiers: a national number for some, names and short words as whole
            // values (which a prefix must not find), one value two patients hold under two
            // systems, and refract's own keys of a source's Patient ids (never searched).
            let mut identifiers = Vec::new();
            if n % 7 == 0 {
                identifiers.push((
                    "https://fhir.nhs.uk/Id/nhs-number".to_owned(),
                    format!("94{n:05}"),
                ));
            }
            if n % 97 == 0 {
                identifiers.push((format!("http://hospital-{n}.example/mrn"), "Ito".to_owned()));
            }
            if n % 89 == 0 {
                identifiers.push((format!("urn:refract:unscoped:gp-{n}"), "xq".to_owned()));
            }
            if n == 5 || n == 6 {
                identifiers.push((
                    format!("http://hospital-{n}.example/mrn"),
                    "shared-1".to_owned(),
                ));
            }
            if n % 13 == 0 {
                identifiers.push((format!("urn:refract:patient-id:s{n}"), "zz-own".to_owned()));
                identifiers.push((format!("urn:refract:patient-id:t{n}"), "mora".to_owned()));
            }
            for (system, value) in identifiers {
                tx.execute(
                    "INSERT INTO patient_identifiers (system, value, patient_id)
                     VALUES (?1, ?2, (SELECT max(id) FROM patients))",
                    rusqlite::params![system, value],
                )
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let mut identifiers: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT patient_id, system, value FROM patient_identifiers")
                .unwrap();
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .unwrap();
            for row in rows {
                let (id, system, value): (i64, String, String) = row.unwrap();
                identifiers.entry(id).or_default().push((system, value));
            }
        }
        let mut stmt = conn
            .prepare(
                "SELECT id, mrn, given_key, name_key, birth_date, sex, list_status, list_ruleset,
                        list_line, list_regimen, list_wf, list_wf_overdue, list_review,
                        care_team, updated_at, deceased
                 FROM patients",
            )
            .unwrap();
        stmt.query_map([], |row| {
            Ok(Model {
                id: row.get(0)?,
                mrn: row.get(1)?,
                given_key: row.get(2)?,
                name_key: row.get(3)?,
                birth: row.get(4)?,
                sex: row.get(5)?,
                status: row.get(6)?,
                ruleset: row.get(7)?,
                line: row.get(8)?,
                regimen: row.get(9)?,
                wf: row.get(10)?,
                overdue: row.get(11)?,
                review: row.get(12)?,
                team: row.get(13)?,
                updated: row.get(14)?,
                deceased: row.get(15)?,
                identifiers: identifiers
                    .get(&row.get::<_, i64>(0)?)
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// Every row's cursor in `sort`'s order, from the list without a search.
    fn cursors(store: &Store, sort: SortKey) -> HashMap<i64, Cursor> {
        let query = ListQuery {
            filter: ListFilter {
                show_deceased: true,
                ..ListFilter::default()
            },
            sort,
            descending: false,
        };
        let rows = store
            .list_page(&query, &Anchor::First, PATIENTS as usize + 1)
            .unwrap();
        assert_eq!(rows.len(), PATIENTS as usize);
        rows.into_iter()
            .map(|row| (row.id, row.cursor.unwrap()))
            .collect()
    }

    fn ids(rows: &[PatientRow]) -> Vec<i64> {
        rows.iter().map(|row| row.id).collect()
    }

    #[test]
    fn every_way_of_finding_a_search_page_gives_the_models_rows_in_its_order() {
        let dir = TempDir::new().unwrap();
        let store = new_store(&dir);
        let model = populate(&store);
        let by_id: HashMap<i64, &Model> = model.iter().map(|m| (m.id, m)).collect();
        let searches = [
            "m", "R", "rf-0", "RF-001", "rf-0012", "mx", "berg", "BERG", "ber", "ito", "mo",
            "mora, ", "nowak, o", "ø", "é", "zoë", "ÅBERG", "xq", " Ito ", "9", "muller", "mu",
            "emile", "Émile", "zoe", "aberg", "ode", "o", "9400014", "94000", "shared-1", "xq",
            "XQ", "zz-own", "Ito",
        ];
        let filters = [
            ListFilter::default(),
            ListFilter {
                show_deceased: true,
                ..ListFilter::default()
            },
            ListFilter {
                status: AssessmentStatus::from_rank(5),
                care_team: Some("Lymphoma".into()),
                ..ListFilter::default()
            },
            ListFilter {
                ruleset: Some("epilepsy".into()),
                unreviewed_only: true,
                show_deceased: true,
                ..ListFilter::default()
            },
            ListFilter {
                overdue_only: true,
                mrn_only: true,
                ..ListFilter::default()
            },
        ];
        let plans = [
            SearchPlan::Auto,
            SearchPlan::Collect,
            SearchPlan::Walk { budget: None },
            SearchPlan::Walk { budget: Some(40) },
        ];
        let limit = 25;
        let mut rng = Lcg(7);
        let mut checked = 0usize;
        for (n, sort) in SortKey::ALL.into_iter().enumerate() {
            let cursors = cursors(&store, sort);
            for descending in [false, true] {
                // The filters in turn, so that each sort key meets several.
                for base in [
                    &filters[n % filters.len()],
                    &filters[(n + 2) % filters.len()],
                ] {
                    for search in searches {
                        let filter = ListFilter {
                            search: Some(search.into()),
                            ..base.clone()
                        };
                        let query = ListQuery {
                            filter: filter.clone(),
                            sort,
                            descending,
                        };
                        let flipped = descending != (sort == SortKey::Age);
                        let mut expected: Vec<&Model> = model
                            .iter()
                            .filter(|m| filter.show_deceased || !m.deceased)
                            .filter(|m| m.passes(&filter))
                            .collect();
                        expected.sort_by(|a, b| {
                            let order = a.cmp_in(b, sort);
                            if flipped { order.reverse() } else { order }
                        });
                        let expected: Vec<i64> = expected.iter().map(|m| m.id).collect();
                        // Rows after and before a row anywhere in the file (listed or not).
                        let pivot = model[rng.next(model.len())].id;
                        let position = expected
                            .iter()
                            .position(|id| {
                                let order = by_id[id].cmp_in(by_id[&pivot], sort);
                                let order = if flipped { order.reverse() } else { order };
                                order == Ordering::Greater
                            })
                            .unwrap_or(expected.len());
                        let after_pivot: Vec<i64> =
                            expected[position..].iter().copied().take(limit).collect();
                        let before_end = if expected.get(position.wrapping_sub(1)) == Some(&pivot) {
                            position - 1
                        } else {
                            position
                        };
                        let before_pivot: Vec<i64> =
                            expected[before_end.saturating_sub(limit)..before_end].to_vec();
                        let context = format!("{search:?} by {sort:?} desc={descending} {base:?}");
                        for plan in plans {
                            let page = |anchor: &Anchor| {
                                store
                                    .list_page_planned(&query, anchor, limit, plan)
                                    .unwrap()
                            };
                            // Forward through the whole list, a page at a time.
                            let mut all = Vec::new();
                            let mut anchor = Anchor::First;
                            loop {
                                let rows = page(&anchor);
                                all.extend(ids(&rows));
                                match rows.last() {
                                    Some(last) if rows.len() == limit => {
                                        anchor = Anchor::After(last.cursor.clone().unwrap());
                                    }
                                    _ => break,
                                }
                                if all.len() > 4 * limit && expected.len() > 8 * limit {
                                    break;
                                }
                            }
                            assert_eq!(all, expected[..all.len()], "forward, {plan:?}, {context}");
                            if all.len() < 4 * limit {
                                assert_eq!(all.len(), expected.len(), "{plan:?}, {context}");
                            }
                            // Backwards from the end, two pages.
                            let last = page(&Anchor::Last);
                            let tail = &expected[expected.len().saturating_sub(limit)..];
                            assert_eq!(ids(&last), tail, "last, {plan:?}, {context}");
                            if let Some(first) = last.first() {
                                let before = page(&Anchor::Before(first.cursor.clone().unwrap()));
                                let end = expected.len().saturating_sub(limit);
                                assert_eq!(
                                    ids(&before),
                                    expected[end.saturating_sub(limit)..end],
                                    "before the last page, {plan:?}, {context}"
                                );
                            }
                            let cursor = cursors[&pivot].clone();
                            let after = page(&Anchor::After(cursor.clone()));
                            assert_eq!(
                                ids(&after),
                                after_pivot,
                                "after {pivot}, {plan:?}, {context}"
                            );
                            let before = page(&Anchor::Before(cursor));
                            assert_eq!(
                                ids(&before),
                                before_pivot,
                                "before {pivot}, {plan:?}, {context}"
                            );
                            checked += 1;
                        }
                        // The row number of the pivot's place, and the counts.
                        let position_query = ListQuery {
                            filter: filter.clone(),
                            sort,
                            descending,
                        };
                        assert_eq!(
                            store
                                .list_position(&position_query, &cursors[&pivot])
                                .unwrap(),
                            expected[..position]
                                .iter()
                                .filter(|id| **id != pivot)
                                .count() as u64,
                            "position of {pivot}, {context}"
                        );
                        if !descending {
                            check_counts(&store, &model, &filter, &context);
                        }
                    }
                }
            }
        }
        assert!(checked > 1_000);
    }

    /// The header's counts of a search, exact below the cap and marked above it.
    fn check_counts(store: &Store, model: &[Model], filter: &ListFilter, context: &str) {
        let unstatused = ListFilter {
            status: None,
            ..filter.clone()
        };
        let matching: Vec<&Model> = model.iter().filter(|m| m.passes(&unstatused)).collect();
        let shown: Vec<&&Model> = matching
            .iter()
            .filter(|m| filter.show_deceased || !m.deceased)
            .collect();
        let hidden = matching.len() - shown.len();
        for cap in [5u64, 100, 10_000] {
            let counts = store.status_counts_up_to(filter, cap).unwrap();
            let all = matching.len() as u64;
            assert_eq!(counts.capped, all > cap, "capped at {cap}, {context}");
            if counts.capped {
                assert_eq!(counts.total + counts.deceased_hidden, cap + 1, "{context}");
                continue;
            }
            assert_eq!(counts.total, shown.len() as u64, "{context}");
            assert_eq!(counts.deceased_hidden, hidden as u64, "{context}");
            for rank in 0..6 {
                let expected = shown.iter().filter(|m| m.status == rank).count() as u64;
                assert_eq!(
                    counts.by_rank[rank as usize], expected,
                    "rank {rank}, {context}"
                );
            }
            let unreviewed = shown.iter().filter(|m| m.review == 0).count() as u64;
            let dismissed = shown.iter().filter(|m| m.review == 2).count() as u64;
            assert_eq!(counts.unreviewed, unreviewed, "{context}");
            assert_eq!(counts.dismissed, dismissed, "{context}");
        }
        let listed = model
            .iter()
            .filter(|m| (filter.show_deceased || !m.deceased) && m.passes(filter))
            .count() as u64;
        assert_eq!(store.list_count(filter).unwrap(), listed, "{context}");
        let deceased = model
            .iter()
            .filter(|m| m.deceased && m.passes(filter))
            .count() as u64;
        assert_eq!(store.deceased_count(filter).unwrap(), deceased, "{context}");
    }
}
