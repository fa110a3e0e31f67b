//! Inserting a patient's clinical record, and keeping the patient list's projection columns in
//! step with what the record, its assessments, reviews and way forward say.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use super::keys::{given_key, name_key};
use super::sql_types::{SqlText, format_date, format_datetime};
use super::{Result, StoreError};
use crate::domain::{
    Assessment, AssessmentStatus, BpSetting, Comparator, DatePrecision, DoseFrom, DrugExposure,
    DrugRole, Intent, LineOrigin, PartialDate, PatientId, PatientRecord, Response, ReviewState,
    StopReason, TreatmentLine,
};

/// Where a row came from. What people wrote (`Entered`) always survives an import; `Fhir` rows
/// are rebuilt from the patient's imported resources whenever one changes; `Import` rows were
/// written by an older refract, before resources were kept one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Demo,
    Import,
    Fhir,
    Entered,
}

impl Source {
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Demo => "demo",
            Source::Import => "import",
            Source::Fhir => "fhir",
            Source::Entered => "entered",
        }
    }
}

/// A record to insert: `record.patient` must be set; exposure ids are local numbers that the
/// lines' `exposure_id`s refer to, replaced by row ids on insert.
pub type NewRecord = PatientRecord;

/// Inserts a whole record (patient, conditions, exposures, lines, observations, procedures) and
/// returns the new patient's id. The caller owns the transaction.
pub fn insert_record(
    conn: &Connection,
    record: &NewRecord,
    source: Source,
    now: NaiveDateTime,
) -> Result<PatientId> {
    RecordWriter::new(conn)?.insert(record, source, None, now)
}

/// Inserts the clinical rows of `record` (not the patient row) for an existing patient.
pub fn insert_clinical_rows(
    conn: &Connection,
    patient_id: PatientId,
    record: &PatientRecord,
    source: Source,
) -> Result<()> {
    RecordWriter::new(conn)?.insert_clinical_rows(patient_id, record, source)
}

/// Prepared insert statements for whole records, held for the length of a transaction so that
/// bulk writers (the demo, an import) neither re-prepare nor look statements up per row.
pub struct RecordWriter<'conn> {
    patient: CachedStatement<'conn>,
    condition: CachedStatement<'conn>,
    exposure: CachedStatement<'conn>,
    line: CachedStatement<'conn>,
    line_drug: CachedStatement<'conn>,
    observation: CachedStatement<'conn>,
    last_observation: CachedStatement<'conn>,
    procedure: CachedStatement<'conn>,
    reaction: CachedStatement<'conn>,
    exposure_ids: Vec<(i64, i64)>,
    ids: IdMap,
}

/// Which of a new patient's clinical rows [`RecordWriter::insert_rows_of_new_patient`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewRows {
    All,
    AllButObservations,
    ObservationsOnly,
}

/// The FHIR resource ids of a record's rows, in the order of its lists (`None` where unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceIds {
    pub conditions: Vec<Option<String>>,
    pub exposures: Vec<Option<String>>,
    pub observations: Vec<Option<String>>,
    pub procedures: Vec<Option<String>>,
    pub reactions: Vec<Option<String>>,
}

/// The row ids given to a record's conditions, exposures, lines, observations and procedures,
/// as `(id in the record, row id)`, so that evidence computed before the insert can point at
/// the stored rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    pub conditions: Vec<(i64, i64)>,
    pub exposures: Vec<(i64, i64)>,
    pub lines: Vec<(i64, i64)>,
    pub observations: Vec<(i64, i64)>,
    pub procedures: Vec<(i64, i64)>,
}

impl IdMap {
    /// `assessments`, evaluated on a record's own ids before it was inserted, pointed at the
    /// stored patient and rows. Fingerprints stand: they read what evidence says, not its ids.
    pub fn stored_assessments(
        &self,
        patient_id: PatientId,
        assessments: &[Assessment],
    ) -> Vec<Assessment> {
        assessments
            .iter()
            .map(|assessment| {
                let mut stored = assessment.clone();
                stored.patient_id = patient_id;
                for evidence in &mut stored.evidence {
                    if let Some(row) = self.row_of(evidence.kind, evidence.id) {
                        evidence.id = row;
                    }
                    let kind = evidence.kind;
                    for id in &mut evidence.also {
                        if let Some(row) = self.row_of(kind, *id) {
                            *id = row;
                        }
                    }
                }
                stored
            })
            .collect()
    }

    /// The row id of a record id of the given kind, if that record was inserted.
    pub fn row_of(&self, kind: crate::domain::EvidenceKind, id: i64) -> Option<i64> {
        use crate::domain::EvidenceKind;
        let pairs = match kind {
            EvidenceKind::Condition => &self.conditions,
            EvidenceKind::Exposure => &self.exposures,
            EvidenceKind::Line => &self.lines,
            EvidenceKind::Observation => &self.observations,
            EvidenceKind::Procedure => &self.procedures,
        };
        pairs
            .iter()
            .find(|(from, _)| *from == id)
            .map(|(_, row)| *row)
    }

    fn clear(&mut self) {
        self.conditions.clear();
        self.exposures.clear();
        self.lines.clear();
        self.observations.clear();
        self.procedures.clear();
    }
}

/// The number the next patient row gets: past every patient stored and every one a join
/// removed (the meta key `patients_removed_max`, kept by the join). SQLite alone would give it
/// the number of the last row removed, and a screen still on a joined record would then save
/// on a newcomer. Imports reserve it ahead of the row (`ImportTx::next_patient_id`).
pub(super) const NEXT_PATIENT_ID: &str =
    "SELECT max(coalesce((SELECT id FROM patients ORDER BY id DESC LIMIT 1), 0),
                coalesce((SELECT CAST(value AS INTEGER) FROM meta
                          WHERE key = 'patients_removed_max'), 0)) + 1";

/// Records that patient numbers up to `number` were given and must not be given again (see
/// [`NEXT_PATIENT_ID`]): a join's removed record, or those a restored document's file gave.
pub(super) fn keep_removed_patient_numbers(conn: &Connection, number: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('patients_removed_max', CAST(?1 AS TEXT))
         ON CONFLICT (key) DO UPDATE SET
             value = CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
    )?
    .execute([number])?;
    Ok(())
}

impl<'conn> RecordWriter<'conn> {
    /// Cached statements: a writer per patient (the importer's line derivation) costs no
    /// parsing after the first.
    pub fn new(conn: &'conn Connection) -> Result<Self> {
        Ok(RecordWriter {
            patient: conn.prepare_cached(
                // Numbered past every patient stored or joined away (see `NEXT_PATIENT_ID`).
                &format!(
                    "INSERT INTO patients (id, mrn, family_name, given_name, birth_date, sex,
                         deceased_date, care_team, source, name_key, updated_at, list_status,
                         list_ruleset, list_line, list_regimen, list_wf, list_wf_overdue,
                         list_review, source_id, mrn_system, deceased, given_key, birth_precision,
                         deceased_in)
                     VALUES (({NEXT_PATIENT_ID}), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                             ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
                ),
            )?,
            condition: conn.prepare_cached(
                "INSERT INTO conditions (patient_id, system, code, display, onset, abatement,
                                         clinical_status, verification_status, source, source_id,
                                         codings, recorded, onset_precision,
                                         abatement_precision, recorded_precision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?,
            exposure: conn.prepare_cached(
                "INSERT INTO drug_exposures (patient_id, text, rxnorm, atc, start, end, dose_value,
                                             dose_unit, route, role, stop_reason, cycles, source,
                                             source_id, dates, stop_text, utc_offset,
                                             end_utc_offset, indications, said_stopped,
                                             dose_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21)",
            )?,
            line: conn.prepare_cached(
                "INSERT INTO treatment_lines (patient_id, ruleset, number, regimen, start, end, intent,
                                              best_response, best_response_date, progression_date,
                                              stop_reason, cycles, origin, cut_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            line_drug: conn.prepare_cached(
                "INSERT INTO line_drugs (line_id, position, ingredient, dose_value, dose_unit, exposure_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            last_observation: conn
                .prepare_cached("SELECT coalesce(max(id), 0) FROM observations WHERE patient_id = ?1")?,
            observation: conn.prepare_cached(
                "INSERT INTO observations (patient_id, id, code, display, value, value_code, unit,
                                           effective, setting, source, source_id, comparator,
                                           since, system, utc_offset, since_utc_offset,
                                           effective_precision, since_precision, focus,
                                           value_words, reference_ranges, interpretation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
            )?,
            procedure: conn.prepare_cached(
                "INSERT INTO procedures (patient_id, code, display, performed, end, source, source_id,
                                         system, codings, utc_offset, end_utc_offset,
                                         indications)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?,
            reaction: conn.prepare_cached(
                "INSERT INTO drug_reactions (patient_id, substance, codes, kind, criticality,
                                             reaction, onset, clinical_status, source, source_id,
                                             verification_status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            exposure_ids: Vec::new(),
            ids: IdMap::default(),
        })
    }

    /// Inserts a patient and their record; `projection`, when the caller already knows it,
    /// fills the list columns in the same statement.
    pub fn insert(
        &mut self,
        record: &NewRecord,
        source: Source,
        projection: Option<&ListProjection>,
        now: NaiveDateTime,
    ) -> Result<PatientId> {
        let patient_id = self.insert_patient_row(record, source, None, projection, now)?;
        self.insert_rows(patient_id, record, source, None, 0, NewRows::All)?;
        Ok(patient_id)
    }

    /// Inserts the patient row alone, with `projection` as the list columns, under the id the
    /// record names: the demo writes patient rows and clinical rows into two files at once
    /// (see [`RecordWriter::insert_rows_of_new_patient`]), so both must agree on it beforehand.
    pub fn insert_patient_only(
        &mut self,
        record: &NewRecord,
        source: Source,
        projection: &ListProjection,
        now: NaiveDateTime,
    ) -> Result<PatientId> {
        let expected = record.patient.as_ref().map(|patient| patient.id);
        let patient_id = self.insert_patient_row(record, source, None, Some(projection), now)?;
        if expected != Some(patient_id) {
            return Err(StoreError::Corrupt {
                column: "patients",
                detail: format!("patient stored as {} instead of {expected:?}", patient_id.0),
            });
        }
        Ok(patient_id)
    }

    /// Inserts the `rows` of a patient who has no clinical rows yet (observations are numbered
    /// from 1), without reading the database: the demo writes the patient row and observations
    /// into one file and the other rows into another at the same time, then joins them.
    /// [`RecordWriter::last_ids`] covers every row of the record, written here or not.
    pub fn insert_rows_of_new_patient(
        &mut self,
        patient_id: PatientId,
        record: &PatientRecord,
        source: Source,
        rows: NewRows,
    ) -> Result<()> {
        self.insert_rows(patient_id, record, source, None, 0, rows)
    }

    fn insert_patient_row(
        &mut self,
        record: &NewRecord,
        source: Source,
        fhir_id: Option<&str>,
        projection: Option<&ListProjection>,
        now: NaiveDateTime,
    ) -> Result<PatientId> {
        let patient = record.patient.as_ref().ok_or(StoreError::Corrupt {
            column: "patients",
            detail: "a record to insert has no patient".into(),
        })?;
        let empty = ListProjection::default();
        let projection = projection.unwrap_or(&empty);
        let row_id = self.patient.insert(params![
            patient.mrn,
            patient.family_name,
            patient.given_name,
            patient
                .birth_date
                .map(|d| String::from(format_date(d)))
                .unwrap_or_default(),
            patient.sex.as_str(),
            patient.deceased_date.map(format_date),
            patient.care_team.as_deref().unwrap_or_default(),
            source.as_str(),
            name_key(&patient.family_name, &patient.given_name),
            format_datetime(now),
            projection.status.map_or(0, AssessmentStatus::rank),
            projection.ruleset,
            projection.line,
            projection.regimen,
            projection.way_forward.map_or(-1, i64::from),
            i64::from(projection.overdue),
            projection.review_code(),
            fhir_id,
            patient.mrn_system,
            patient.is_deceased(),
            given_key(&patient.given_name),
            (!patient.birth_precision.is_day()).then(|| patient.birth_precision.as_str()),
            patient
                .death()
                .and_then(|death| death.within)
                .map(PartialDate::text),
        ])?;
        Ok(PatientId(row_id))
    }

    /// Inserts an imported patient's row alone (their clinical rows follow from their
    /// resources).
    pub fn insert_patient_for_import(
        &mut self,
        record: &NewRecord,
        fhir_id: Option<&str>,
        projection: &ListProjection,
        now: NaiveDateTime,
    ) -> Result<PatientId> {
        self.insert_patient_row(record, Source::Import, fhir_id, Some(projection), now)
    }

    /// Inserts the clinical rows of `record` for an existing patient, as `source`, each with the
    /// id of the resource it came from.
    pub fn insert_rows_with_sources(
        &mut self,
        patient_id: PatientId,
        record: &PatientRecord,
        source: Source,
        source_ids: &SourceIds,
    ) -> Result<()> {
        let last = self.last_observation_of(patient_id)?;
        self.insert_rows(
            patient_id,
            record,
            source,
            Some(source_ids),
            last,
            NewRows::All,
        )
    }

    /// Inserts the clinical rows of `record` (not the patient row) for an existing patient.
    pub fn insert_clinical_rows(
        &mut self,
        patient_id: PatientId,
        record: &PatientRecord,
        source: Source,
    ) -> Result<()> {
        let last = self.last_observation_of(patient_id)?;
        self.insert_rows(patient_id, record, source, None, last, NewRows::All)
    }

    fn last_observation_of(&mut self, patient_id: PatientId) -> Result<i64> {
        Ok(self
            .last_observation
            .query_row([patient_id.0], |row| row.get(0))?)
    }

    /// Inserts the `rows` of the record; `last_observation` is the patient's highest observation
    /// id (observations are numbered per patient).
    fn insert_rows(
        &mut self,
        patient_id: PatientId,
        record: &PatientRecord,
        source: Source,
        source_ids: Option<&SourceIds>,
        last_observation: i64,
        rows: NewRows,
    ) -> Result<()> {
        self.ids.clear();
        if rows != NewRows::ObservationsOnly {
            self.insert_rows_but_observations(patient_id, record, source, source_ids)?;
        }
        let source_id = |index: usize| {
            source_ids
                .and_then(|all| all.observations.get(index))
                .and_then(Option::as_deref)
        };
        for (index, observation) in record.observations.iter().enumerate() {
            let row = last_observation + index as i64 + 1;
            if rows != NewRows::AllButObservations {
                self.observation.execute(params![
                    patient_id.0,
                    row,
                    observation.code,
                    observation.display,
                    observation.value,
                    observation.value_code,
                    observation.unit,
                    format_datetime(observation.effective),
                    observation.setting.map(BpSetting::as_str),
                    source.as_str(),
                    source_id(index),
                    observation.comparator.map(Comparator::as_str),
                    observation.since.map(format_datetime),
                    Some(observation.system.as_str()).filter(|system| !system.is_empty()),
                    observation.utc_offset_minutes,
                    observation.since_utc_offset_minutes,
                    precision_column(observation.effective_precision),
                    precision_column(observation.since_precision),
                    indications_json(&observation.focus)?,
                    (!observation.value_words.is_empty()).then_some(&observation.value_words),
                    ranges_json(&observation.reference_ranges)?,
                    observation.interpretation,
                ])?;
            }
            self.ids.observations.push((observation.id, row));
        }
        Ok(())
    }

    fn insert_rows_but_observations(
        &mut self,
        patient_id: PatientId,
        record: &PatientRecord,
        source: Source,
        source_ids: Option<&SourceIds>,
    ) -> Result<()> {
        let source_text = source.as_str();
        let pid = patient_id.0;
        // The FHIR id of the row at `index` of a list, for an import.
        let source_id = |ids: fn(&SourceIds) -> &Vec<Option<String>>, index: usize| {
            source_ids
                .and_then(|all| ids(all).get(index))
                .and_then(Option::as_deref)
        };
        for (index, condition) in record.conditions.iter().enumerate() {
            let codings = if condition.codings.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&condition.codings)?)
            };
            let row = self.condition.insert(params![
                pid,
                condition.system.as_str(),
                condition.code,
                condition.display,
                condition.onset.map(format_date),
                condition.abatement.map(format_date).or_else(|| {
                    // Abated on a day not known: empty, which reads as abated without a date
                    // (NULL is no abatement).
                    condition
                        .abated_on_unknown_day
                        .then(|| SqlText::Heap(String::new()))
                }),
                condition.clinical_status,
                condition.verification_status,
                source_text,
                source_id(|ids| &ids.conditions, index),
                codings,
                condition.recorded.map(format_date),
                precision_column(condition.onset_precision),
                precision_column(condition.abatement_precision),
                precision_column(condition.recorded_precision),
            ])?;
            self.ids.conditions.push((condition.id, row));
        }
        self.exposure_ids.clear();
        for (index, exposure) in record.exposures.iter().enumerate() {
            let row_id = self.insert_exposure(
                patient_id,
                exposure,
                source,
                source_id(|ids| &ids.exposures, index),
            )?;
            self.exposure_ids.push((exposure.id, row_id));
        }
        self.ids.exposures.clone_from(&self.exposure_ids);
        for line in &record.lines {
            let row = self.insert_line(patient_id, line)?;
            self.ids.lines.push((line.id, row));
        }
        for (index, procedure) in record.procedures.iter().enumerate() {
            let codings = if procedure.codings.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&procedure.codings)?)
            };
            let row = self.procedure.insert(params![
                pid,
                procedure.code,
                procedure.display,
                performed_text(procedure),
                procedure.end.map(format_datetime),
                source_text,
                source_id(|ids| &ids.procedures, index),
                Some(procedure.system.as_str()).filter(|system| !system.is_empty()),
                codings,
                procedure.utc_offset_minutes,
                procedure.end_utc_offset_minutes,
                indications_json(&procedure.indications)?,
            ])?;
            self.ids.procedures.push((procedure.id, row));
        }
        for (index, reaction) in record.reactions.iter().enumerate() {
            self.reaction.execute(params![
                pid,
                reaction.substance,
                serde_json::to_string(&reaction.codes)?,
                reaction.kind,
                reaction.criticality,
                reaction.reaction,
                reaction.onset.map(|day| day.format("%Y-%m-%d").to_string()),
                reaction.clinical_status,
                source_text,
                source_id(|ids| &ids.reactions, index),
                reaction.verification_status,
            ])?;
        }
        Ok(())
    }

    /// The row ids given by the last `insert` or `insert_clinical_rows`.
    pub fn last_ids(&self) -> &IdMap {
        &self.ids
    }

    fn insert_exposure(
        &mut self,
        patient_id: PatientId,
        exposure: &DrugExposure,
        source: Source,
        source_id: Option<&str>,
    ) -> Result<i64> {
        Ok(self.exposure.insert(params![
            patient_id.0,
            exposure.text,
            exposure.rxnorm,
            exposure.atc,
            format_datetime(exposure.start),
            exposure.end.map(format_datetime),
            exposure.dose.as_ref().map(|d| d.value),
            exposure.dose.as_ref().map(|d| d.unit.as_str()),
            exposure.route,
            exposure.role.map(DrugRole::as_str),
            exposure.stop_reason.map(StopReason::as_str),
            exposure.cycles,
            source.as_str(),
            source_id,
            exposure.dates.as_str(),
            exposure.stop_text,
            exposure.utc_offset_minutes,
            exposure.end_utc_offset_minutes,
            indications_json(&exposure.indications)?,
            exposure.said_stopped,
            exposure.dose_from.map(DoseFrom::as_str),
        ])?)
    }

    /// Inserts a line and its drugs; drugs' `exposure_id`s are the record's local ids, mapped
    /// to the rows inserted by the same call to `insert_clinical_rows`, or row ids already when
    /// no exposure was inserted with them.
    pub fn insert_line(&mut self, patient_id: PatientId, line: &TreatmentLine) -> Result<i64> {
        let line_id = self.line.insert(params![
            patient_id.0,
            line.ruleset,
            line.number,
            line.regimen,
            format_date(line.start),
            line.end.map(format_date),
            line.intent.map(Intent::as_str),
            line.best_response.map(Response::as_str),
            line.best_response_date.map(format_date),
            line.progression_date.map(format_date),
            line.stop_reason.map(StopReason::as_str),
            line.cycles,
            line.origin.as_str(),
            line.cut_reason,
        ])?;
        for (position, drug) in line.drugs.iter().enumerate() {
            // A negative id is no stored record: a therapy the rules read from a procedure
            // (see `rules::procedure_therapies`).
            let exposure_row = drug.exposure_id.filter(|local| *local >= 0).map(|local| {
                self.exposure_ids
                    .iter()
                    .find(|(from, _)| *from == local)
                    .map_or(local, |(_, row)| *row)
            });
            self.line_drug.execute(params![
                line_id,
                position as i64,
                drug.ingredient,
                drug.dose.as_ref().map(|d| d.value),
                drug.dose.as_ref().map(|d| d.unit.as_str()),
                exposure_row,
            ])?;
        }
        Ok(line_id)
    }
}

/// Removes the lines refract derived for a patient (with their drugs); lines the team entered
/// or corrected stay.
pub fn delete_derived_lines(conn: &Connection, patient: PatientId) -> Result<()> {
    delete_lines_of(conn, patient, LineOrigin::Derived)
}

/// Removes a patient's lines of one origin, with their drugs.
pub fn delete_lines_of(conn: &Connection, patient: PatientId, origin: LineOrigin) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM line_drugs WHERE line_id IN
             (SELECT id FROM treatment_lines WHERE patient_id = ?1 AND origin = ?2)",
    )?
    .execute(params![patient.0, origin.as_str()])?;
    conn.prepare_cached("DELETE FROM treatment_lines WHERE patient_id = ?1 AND origin = ?2")?
        .execute(params![patient.0, origin.as_str()])?;
    Ok(())
}

/// The list columns of one patient, computed by [`refresh_list_row`] (or directly by a bulk
/// writer that already knows them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListProjection {
    pub status: Option<AssessmentStatus>,
    pub ruleset: String,
    pub line: u32,
    pub regimen: String,
    /// Closed way-forward steps, `None` when none was started.
    pub way_forward: Option<u8>,
    pub overdue: bool,
    pub review: Option<ReviewState>,
}

impl ListProjection {
    /// The list columns of a patient the database does not hold yet, from their assessments
    /// and lines: what [`refresh_list_row`] finds once they are stored (a new patient has no
    /// review, way forward or task yet).
    pub fn of_new_patient(assessments: &[Assessment], lines: &[TreatmentLine]) -> Self {
        let headline = assessments.iter().max_by(|a, b| {
            a.status
                .rank()
                .cmp(&b.status.rank())
                .then_with(|| b.ruleset.cmp(&a.ruleset))
        });
        let ruleset = match headline {
            Some(headline) => headline.ruleset.clone(),
            // Not assessed: the condition of the latest line.
            None => lines
                .iter()
                .max_by_key(|line| line.start)
                .map(|line| line.ruleset.clone())
                .unwrap_or_default(),
        };
        let line = lines
            .iter()
            .filter(|line| line.ruleset == ruleset)
            .max_by_key(|line| (line.number, line.start));
        ListProjection {
            status: headline.map(|a| a.status),
            review: headline
                .filter(|a| a.status.asks_for_review())
                .map(|_| ReviewState::Unreviewed),
            line: line.map_or(0, |line| line.number),
            regimen: line.map(|line| line.regimen.clone()).unwrap_or_default(),
            ruleset,
            way_forward: None,
            overdue: false,
        }
    }

    fn review_code(&self) -> i64 {
        match self.review {
            None => -1,
            Some(ReviewState::Unreviewed) => 0,
            Some(ReviewState::Confirmed) => 1,
            Some(ReviewState::Dismissed) => 2,
        }
    }
}

/// Writes a projection computed elsewhere (bulk writers), stamping the change time.
pub fn write_list_row(
    conn: &Connection,
    patient_id: PatientId,
    projection: &ListProjection,
    now: NaiveDateTime,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE patients SET list_status = ?2, list_ruleset = ?3, list_line = ?4, list_regimen = ?5,
                list_wf = ?6, list_wf_overdue = ?7, list_review = ?8, updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        patient_id.0,
        projection.status.map_or(0, AssessmentStatus::rank),
        projection.ruleset,
        projection.line,
        projection.regimen,
        projection.way_forward.map_or(-1, i64::from),
        i64::from(projection.overdue),
        projection.review_code(),
        format_datetime(now),
    ])?;
    Ok(())
}

/// Recomputes a patient's list columns from the stored assessments, lines, reviews, way
/// forward and tasks, and stamps `now` as the patient's last change. Call it in the same
/// transaction as any change a person makes.
pub fn refresh_list_row(
    conn: &Connection,
    patient_id: PatientId,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<ListProjection> {
    let projection = compute_list_row(conn, patient_id, today)?;
    write_list_row(conn, patient_id, &projection, now)?;
    Ok(projection)
}

/// Like [`refresh_list_row`], but writes (and stamps `now`) only when a list column changes:
/// re-evaluating an unchanged patient must not move them to the top of "last change", nor
/// rewrite the list's indexes.
pub fn refresh_list_row_if_changed(
    conn: &Connection,
    patient_id: PatientId,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<ListProjection> {
    let projection = compute_list_row(conn, patient_id, today)?;
    conn.prepare_cached(
        "UPDATE patients SET list_status = ?2, list_ruleset = ?3, list_line = ?4, list_regimen = ?5,
                list_wf = ?6, list_wf_overdue = ?7, list_review = ?8, updated_at = ?9
         WHERE id = ?1 AND NOT (list_status = ?2 AND list_ruleset = ?3 AND list_line = ?4
                AND list_regimen = ?5 AND list_wf = ?6 AND list_wf_overdue = ?7 AND list_review = ?8)",
    )?
    .execute(params![
        patient_id.0,
        projection.status.map_or(0, AssessmentStatus::rank),
        projection.ruleset,
        projection.line,
        projection.regimen,
        projection.way_forward.map_or(-1, i64::from),
        i64::from(projection.overdue),
        projection.review_code(),
        format_datetime(now),
    ])?;
    Ok(projection)
}

fn compute_list_row(
    conn: &Connection,
    patient_id: PatientId,
    today: NaiveDate,
) -> Result<ListProjection> {
    let pid = patient_id.0;
    let headline: Option<(String, i64, String)> = conn
        .prepare_cached(
            "SELECT ruleset, status_rank, fingerprint FROM assessments WHERE patient_id = ?1
             ORDER BY status_rank DESC, ruleset LIMIT 1",
        )?
        .query_row([pid], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;

    let mut projection = ListProjection::default();
    let ruleset = match &headline {
        Some((ruleset, rank, fingerprint)) => {
            projection.status = AssessmentStatus::from_rank(*rank);
            projection.review =
                review_state(conn, patient_id, ruleset, fingerprint, projection.status)?;
            ruleset.clone()
        }
        // Not assessed yet: show the line of whichever condition has lines.
        None => conn
            .prepare_cached(
                "SELECT ruleset FROM treatment_lines WHERE patient_id = ?1
                 ORDER BY start DESC LIMIT 1",
            )?
            .query_row([pid], |row| row.get(0))
            .optional()?
            .unwrap_or_default(),
    };

    if let Some((number, regimen)) = conn
        .prepare_cached(
            "SELECT number, regimen FROM treatment_lines WHERE patient_id = ?1 AND ruleset = ?2
             ORDER BY number DESC, start DESC LIMIT 1",
        )?
        .query_row(params![pid, ruleset], |row| {
            Ok((row.get::<_, u32>(0)?, row.get(1)?))
        })
        .optional()?
    {
        projection.line = number;
        projection.regimen = regimen;
    }

    let (steps, closed, overdue_steps): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT count(*),
                    coalesce(sum(status IN ('done', 'not_applicable')), 0),
                    coalesce(sum(status IN ('todo', 'in_progress') AND due < ?3), 0)
             FROM way_forward WHERE patient_id = ?1 AND ruleset = ?2",
        )?
        .query_row(params![pid, ruleset, format_date(today)], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    if steps > 0 {
        projection.way_forward = Some(closed.clamp(0, 4) as u8);
    }
    let overdue_tasks: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM tasks WHERE patient_id = ?1 AND status = 'open' AND due < ?2",
        )?
        .query_row(params![pid, format_date(today)], |row| row.get(0))?;
    projection.overdue = overdue_steps > 0 || overdue_tasks > 0;
    projection.ruleset = ruleset;
    Ok(projection)
}

/// The review state of an assessment: the latest review if it was made on this fingerprint,
/// else unreviewed for a flag, and nothing for a status that asks for no review.
fn review_state(
    conn: &Connection,
    patient_id: PatientId,
    ruleset: &str,
    fingerprint: &str,
    status: Option<AssessmentStatus>,
) -> Result<Option<ReviewState>> {
    let latest: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT decision, fingerprint FROM reviews WHERE patient_id = ?1 AND ruleset = ?2
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![patient_id.0, ruleset], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    if let Some((decision, reviewed)) = latest
        && reviewed == fingerprint
    {
        return Ok(Some(if decision == "dismissed" {
            ReviewState::Dismissed
        } else {
            ReviewState::Confirmed
        }));
    }
    Ok(status
        .filter(|s| s.asks_for_review())
        .map(|_| ReviewState::Unreviewed))
}

/// How a procedure's date is stored in its one column (no column was added for it): its time;
/// `time/last day` for a window of days (an age, a month: see [`Procedure::performed_by`]);
/// empty when not known. Sorted as text, a window sorts by its first day.
fn performed_text(procedure: &crate::domain::Procedure) -> String {
    if procedure.date_unknown {
        return String::new();
    }
    let at = format_datetime(procedure.performed);
    match procedure.performed_by {
        Some(last) => format!("{}/{}", at.as_str(), format_date(last).as_str()),
        None => at.as_str().to_owned(),
    }
}

/// A drug's (a procedure's) indications, an observation's focus, as stored: a JSON list, NULL
/// when its records state none.
fn indications_json(indications: &[crate::domain::Indication]) -> Result<Option<String>> {
    if indications.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::to_string(indications)?))
}

/// A result's ranges as stored: NULL when the lab gave none.
fn ranges_json(ranges: &[crate::domain::ReferenceRange]) -> Result<Option<String>> {
    if ranges.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::to_string(ranges)?))
}

/// A date's precision as stored: NULL for a day (what rows written before it was kept read as).
fn precision_column(precision: DatePrecision) -> Option<&'static str> {
    (!precision.is_day()).then(|| precision.as_str())
}
