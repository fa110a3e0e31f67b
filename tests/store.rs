//! Store tests on temporary files: creation, migrations, refusals, file mode, audit.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

#[path = "shared/sql.rs"]
mod sql;
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
            sex: Sex::Female,
            deceased: false,
            deceased_date: None,
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
        let mut expected = rules.evaluate(record, today());
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
