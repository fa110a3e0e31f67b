//! The rule-set model: what a `assets/rules/<id>.toml` file may say.
//!
//! A rule set names its source, the conditions it applies to, the tiers it can reach and the
//! criteria each tier needs. Criteria are typed kinds implemented in Rust (a count of adequate
//! failed trials, classes given at the same time, blood pressure on therapy, best response of a
//! line, progression within N days of a last dose or a procedure, induction courses without
//! remission…), each configured here. Every struct denies unknown keys, so a misspelling is an
//! error with its line, never a silently ignored parameter.

use serde::Deserialize;

/// One rule set, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The rule-set id (a contract: `epilepsy`, `hypertension`, …).
    pub id: String,
    /// Bumped whenever a criterion or parameter changes; stored with every assessment.
    pub version: String,
    /// The condition family in words ("Epilepsy").
    pub name: String,
    /// The name for narrow places ("LBCL"); the full name when absent.
    #[serde(default)]
    pub short_name: Option<String>,
    pub citation: Citation,
    /// Further sources used for parts of the rule.
    #[serde(default)]
    pub also_cites: Vec<Citation>,
    pub labels: Labels,
    pub applies_to: AppliesTo,
    /// Specialties the way forward suggests and a meeting case needs.
    #[serde(default)]
    pub specialties: Vec<String>,
    #[serde(default)]
    pub lines: LineParameters,
    /// Whether a drug its record says was given for another condition counts toward this one's
    /// criteria and lines (see `rules::indication`).
    #[serde(default)]
    pub indication: IndicationParameters,
    /// What counts as a progression of the disease (confirmation).
    #[serde(default)]
    pub progression: ProgressionParameters,
    /// The monoclonal protein series of myeloma, read for progression and for a line's
    /// response (none: the rule set reads no such series).
    #[serde(default)]
    pub m_protein: Option<MProtein>,
    /// How scores bound the current episode of an episodic condition (depression), beyond what
    /// its diagnoses say (none: the diagnoses alone bound it; src/rules/episode.rs).
    #[serde(default)]
    pub episode: Option<EpisodeParameters>,
    /// Diagnoses that put the patient outside the criterion (bipolar depression for TRD).
    #[serde(default, rename = "exclusion")]
    pub exclusions: Vec<Exclusion>,
    #[serde(rename = "criterion")]
    pub criteria: Vec<Criterion>,
    pub tiers: Tiers,
    /// Labels that refine a tier when a criterion is met ("triple-class refractory myeloma").
    #[serde(default, rename = "label_when")]
    pub label_rules: Vec<LabelRule>,
    /// Pseudo-resistance checks listed with every assessment until resolved.
    #[serde(default, rename = "confounder")]
    pub confounders: Vec<ConfounderRule>,
    /// Standard re-evaluation checklist items for way-forward step 2.
    #[serde(default, rename = "checklist")]
    pub checklist: Vec<ChecklistTemplate>,
    /// The measures the condition is followed by, each on its clinical scale: how the timeline
    /// draws them (PHQ-9 on 0–27, blood pressure in mmHg with its goal, M-protein in g/dL).
    #[serde(default, rename = "measure")]
    pub measures: Vec<MeasureScale>,
    /// The lists of procedure terms this rule set's criteria and lines read, and the other rule
    /// sets as this one sees them: filled in by `Rules::load` once every file is read.
    #[serde(skip)]
    pub procedure_terms: Vec<Vec<String>>,
    #[serde(skip)]
    pub neighbours: Vec<Neighbour>,
}

/// One measure of a condition on its clinical scale, for the timeline: a value is drawn where
/// it sits between `min` and `max`, never against the patient's own range (a PHQ-9 going from
/// 22 to 17 is still severe, not "full to empty").
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MeasureScale {
    /// Observation codes of the measure (LOINC, or refract's local codes): the criterion whose
    /// selector holds one of them says what else is the measure (`reading`).
    pub codes: Vec<String>,
    /// The measure's short name on its lane ("PHQ-9").
    pub name: String,
    /// The unit shown ("mmHg", "g/dL"; empty for a score).
    #[serde(default)]
    pub unit: String,
    pub min: f64,
    pub max: f64,
    /// The treatment goal, shown beside the latest value (systolic < 130 mmHg).
    #[serde(default)]
    pub goal: Option<f64>,
    /// Decimals the values are shown with.
    #[serde(default)]
    pub precision: u8,
    /// A second reading taken with the first and written after a slash (diastolic after
    /// systolic), with its own goal.
    #[serde(default)]
    pub paired_code: Option<String>,
    #[serde(default)]
    pub paired_goal: Option<f64>,
    /// How the criteria recognise the measure (their selector), filled in when the rules load:
    /// the chart draws what the rules read, never a code list of its own (review R7-4).
    #[serde(skip)]
    pub reading: MeasureReading,
}

/// How a measure is recognised, filled in when the rules load (never written in a rule file):
/// the selector of the criterion that reads one of its codes, or the rule set's M-protein
/// reading when the measure is its serum M-protein.
#[derive(Debug, Clone, Default)]
pub struct MeasureReading {
    pub(super) selector: Option<ObservationSelector>,
    pub(super) m_protein: Option<Box<MProtein>>,
}

/// Filled in from the rule file: two readings of one measure compare as the file's measure.
impl PartialEq for MeasureReading {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub authors: String,
    pub title: String,
    pub journal: String,
    pub year: u16,
    /// Volume, issue and pages ("51(6):1069-1077").
    #[serde(default)]
    pub volume: Option<String>,
    #[serde(default)]
    pub doi: Option<String>,
}

impl Citation {
    /// "Kwan P et al. Epilepsia 2010;51(6):1069-1077. doi:10.1111/…"
    pub fn short(&self) -> String {
        let first_author = self
            .authors
            .split(',')
            .next()
            .unwrap_or(&self.authors)
            .trim();
        let et_al = if self.authors.contains(',') {
            " et al."
        } else {
            ""
        };
        let mut out = format!("{first_author}{et_al} {} {}", self.journal, self.year);
        if let Some(volume) = &self.volume {
            out.push(';');
            out.push_str(volume);
        }
        out.push('.');
        if let Some(doi) = &self.doi {
            out.push_str(" doi:");
            out.push_str(doi);
        }
        out
    }
}

/// The status labels in the field's own words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub refractory: String,
    #[serde(default)]
    pub resistant: Option<String>,
    #[serde(default)]
    pub relapsed: Option<String>,
    pub not_met: String,
    pub insufficient_data: String,
}

/// How a drug's stated indication (R4 `reasonCode`/`reasonReference`) is read by a rule set
/// (see `rules::indication`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicationParameters {
    /// Whether a drug whose records state only other conditions (metoprolol for atrial
    /// fibrillation, gabapentin for postherpetic neuralgia) still counts as a trial, a class or
    /// a line's drug of this condition. Absent: it does not.
    #[serde(default)]
    pub count_drugs_given_for_other_conditions: bool,
    /// Indications read as this condition besides the diagnoses `applies_to` selects by (its
    /// symptoms, a wider name of it: seizures for epilepsy).
    #[serde(default)]
    pub also: AppliesTo,
    /// Whether a record tied to no condition, of a patient who also has another condition a
    /// rule set reads the record for (a lymphoma and a myeloma), is attributed between them
    /// (see `rules::indication::attribute_untied`): by its words when they name the other
    /// disease alone, and by its dates. Absent: it is.
    #[serde(default = "yes")]
    pub attribute_untied_records: bool,
    /// How many days before this condition's earliest onset (R4 `onset[x]`, else
    /// `recordedDate`) an untied course must have ended to be read as the other condition's
    /// (when that one had begun by then and its rule set reads the drug): treatment begun in
    /// the weeks before a diagnosis is written down is often that diagnosis's own. Absent: 30.
    #[serde(default = "untied_margin_days")]
    pub untied_margin_days: i64,
    /// How many days before this condition's earliest onset an untied course may have begun
    /// and still be this condition's: one begun earlier, while the other condition was there,
    /// is the other's however long it went on (a cancer's treatment does not start before it
    /// is diagnosed, beyond the days a diagnosis takes to be written down; weekly methotrexate
    /// begun for a rheumatoid arthritis years before a lymphoma is no line of the lymphoma).
    /// Absent: no such reading (a chronic disease's recorded onset may come long after its
    /// first treatment), only `untied_margin_days`' of a course that ended.
    #[serde(default)]
    pub untied_begun_margin_days: Option<i64>,
    /// The drug classes (of the drug book) this disease's own regimens are made of: an untied
    /// drug that only one of a patient's assessed diseases lists (with `treatment_ingredients`)
    /// is that disease's (see `rules::indication::attribute_untied`). Empty with
    /// `treatment_ingredients` empty: the file states none, and its drugs are told by words and
    /// dates alone.
    #[serde(default)]
    pub treatment_classes: Vec<String>,
    /// The ingredients of this disease's own regimens besides `treatment_classes`' (a class
    /// shared with another disease is listed by its ingredients).
    #[serde(default)]
    pub treatment_ingredients: Vec<String>,
    /// Whether the disease's own drugs are its `[lines] classes` besides `treatment_classes`
    /// (a disease no other assessed disease's regimens are made of, whose line classes are
    /// its own drugs: the DMARDs of rheumatoid arthritis), read once on loading so that the
    /// file keeps one list. Absent: they are not.
    #[serde(default)]
    pub treatment_is_line_classes: bool,
    /// How many days apart the untied drugs of one regimen may start (VRd, R-CHOP: the same
    /// day): a drug that no one disease's list holds alone (cyclophosphamide) is told by the
    /// drugs started with it, and one that does by them too (they must not point to another).
    /// Absent: 7.
    #[serde(default = "regimen_companion_days")]
    pub regimen_companion_days: i64,
    /// Doses of a drug two diseases' files both list that are this disease's alone (review
    /// R8-5: weekly methotrexate up to 30 mg is a rheumatoid arthritis's csDMARD, 500 mg/m² or
    /// more a lymphoma's high-dose methotrexate): an untied record at such a dose, whose words
    /// and dates tell nothing, is this disease's, before the drug lists are read. Absent: no
    /// dose tells.
    #[serde(default)]
    pub dose_tells: Vec<DoseTells>,
}

/// A dose of one ingredient that tells its record is this disease's (`[[indication.dose_tells]]`):
/// at most `max_mg_per_week` a week, or at least `min_mg_per_m2` or `min_mg` in one dose.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DoseTells {
    pub ingredient: String,
    /// A weekly amount at or below this, mg (a dose recorded per day or per interval).
    #[serde(default)]
    pub max_mg_per_week: Option<f64>,
    /// One dose per m² of body surface at or above this, mg/m².
    #[serde(default)]
    pub min_mg_per_m2: Option<f64>,
    /// One dose at or above this, mg.
    #[serde(default)]
    pub min_mg: Option<f64>,
}

impl IndicationParameters {
    /// Whether the file lists its disease's own drugs (`treatment_classes`,
    /// `treatment_ingredients`).
    pub fn states_treatment(&self) -> bool {
        !self.treatment_classes.is_empty() || !self.treatment_ingredients.is_empty()
    }
}

impl Default for IndicationParameters {
    fn default() -> Self {
        IndicationParameters {
            count_drugs_given_for_other_conditions: false,
            also: AppliesTo::default(),
            attribute_untied_records: true,
            untied_margin_days: untied_margin_days(),
            untied_begun_margin_days: None,
            treatment_classes: Vec::new(),
            treatment_ingredients: Vec::new(),
            treatment_is_line_classes: false,
            regimen_companion_days: regimen_companion_days(),
            dose_tells: Vec::new(),
        }
    }
}

fn regimen_companion_days() -> i64 {
    7
}

fn untied_margin_days() -> i64 {
    30
}

/// What another rule set reads a patient's records for, as the rule set it is kept in sees it
/// (filled in once every rule set is loaded, see `Rules::load`): a record tied to no condition
/// may be that condition's rather than this one's (see `rules::indication`).
#[derive(Debug, Clone, Default)]
pub struct Neighbour {
    pub id: String,
    /// Its condition's name ("Multiple myeloma").
    pub name: String,
    /// The diagnoses it applies to, and the indications it reads as its condition.
    pub applies_to: AppliesTo,
    pub also: AppliesTo,
    /// Its line classes: the drugs it reads as its condition's treatment.
    pub classes: Vec<String>,
    /// The lists of procedure terms its criteria and lines read (see `procedure_terms`).
    pub procedures: Vec<Vec<String>>,
    /// Its `[indication]`, whose lists of its disease's own drugs tell an untied drug.
    pub indication: IndicationParameters,
}

/// The diagnoses a rule set applies to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    /// ICD-10 (WHO or CM) code prefixes ("G40", "C83.3").
    #[serde(default)]
    pub icd10: Vec<String>,
    /// SNOMED CT concept ids.
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Words that identify the diagnosis in a display text when neither code is given.
    #[serde(default)]
    pub names: Vec<String>,
    /// ICD-10 code prefixes of other diseases written with this one's names (acute
    /// promyelocytic leukaemia, C92.4, as "AML M3"): a diagnosis coded under one of them, and by
    /// none of `icd10` and `snomed`, is that disease, whatever its words.
    #[serde(default)]
    pub not_icd10: Vec<String>,
    /// Other diseases whose names hold one of `names` ("pulmonary hypertension" holds
    /// "hypertension"): words naming one of these name that disease, not this condition.
    #[serde(default)]
    pub not_names: Vec<String>,
    /// Abbreviations that name the diagnosis only as written (the case counts) and, when they
    /// have other meanings, only beside words that say which ("RA" with "seropositive", not
    /// with "anaemia": see [`Abbreviation`]).
    #[serde(default)]
    pub abbreviations: Vec<Abbreviation>,
    /// The diagnoses among these that say the condition is recurrent (earlier episodes exist):
    /// for a current episode with no onset (src/rules/episode.rs).
    #[serde(default)]
    pub recurrent: Option<Box<AppliesTo>>,
}

/// An abbreviation of the diagnosis in a diagnosis's words. Clinicians write "RA" for
/// rheumatoid arthritis, and also for the right atrium, refractory anaemia or room air: an
/// abbreviation with other meanings names this diagnosis only beside one of `with_any` and
/// never beside one of `without_any` (whole words, any case). It is matched as written ("RA",
/// not "ra" or "Ra"), on word boundaries, and, as a name is, not when denied ("no RA").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Abbreviation {
    /// The abbreviation, as it is written ("RA", "MM").
    pub written: String,
    /// Words one of which must stand beside it; empty: it names the diagnosis alone.
    #[serde(default)]
    pub with_any: Vec<String>,
    /// Words that say it means something else.
    #[serde(default)]
    pub without_any: Vec<String>,
}

/// The current episode as the scores bound it: a recovery (every score in remission for at
/// least `recovery_days`) ends the episode it follows. The scores read are the rule set's own:
/// every scale of a criterion's `score` that sets `remission_below`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeParameters {
    /// How long scores must stay in remission, from the first to the last, with none above
    /// remission between, for a recovery (MacArthur/Frank 1991); shorter, a rise after it is a
    /// relapse of the same episode.
    pub recovery_days: i64,
    /// How a treatment is read whose place against the episode's bounds turns on a date the
    /// record gave as a month or a year alone (an onset "2025-06", an earlier episode over in
    /// "2025-06"): `undecided` (not counted either way, said), `current` or `before`.
    #[serde(default)]
    pub window_across_bound: WindowAcrossBound,
}

/// How a treatment placed differently by the first and the last day of a bound given as a
/// month or a year is read (see [`EpisodeParameters::window_across_bound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAcrossBound {
    #[default]
    Undecided,
    Current,
    Before,
}

/// Line-of-therapy derivation parameters (docs/architecture.md, treatment lines), per rule set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineParameters {
    /// Drugs started within this many days of a line's first drug form one regimen.
    #[serde(default = "default_regimen_window")]
    pub regimen_window_days: i64,
    /// A gap longer than this with no drug given starts a new line.
    #[serde(default = "default_gap")]
    pub gap_days: i64,
    /// A switch made by cross-taper: a drug of the line that stops within this many days after
    /// a new drug started (its end recorded) was being withdrawn, not kept beside it, so the
    /// new line is a switch to the new drug, not a combination of both. 0 (the default): every
    /// drug still given when the new one starts is carried into the new line.
    #[serde(default)]
    pub cross_taper_days: i64,
    /// Step care (hypertension): a line is a change in the set of concurrent classes.
    #[serde(default)]
    pub step_care: bool,
    /// Whether the condition's drugs given in courses are read by their course (the drug
    /// book's `course_days`, `retreatment_min_days`: rituximab in RA, two infusions every 24
    /// weeks): a course acts, for the lines' gap and as a trial, until `course_days` after it
    /// began; the next course of the drug within the gap after that is the drug continued as
    /// scheduled (one line, one trial), and the infusions of one course are one course whatever
    /// each says. False (the default): every record is read as given, from its start to its
    /// end (rituximab in a lymphoma regimen is a dose of a cycle).
    #[serde(default)]
    pub drug_courses: bool,
    /// Whether one injection of a long-acting injectable recorded alone (a one-day statement or
    /// administration naming its depot form: paliperidone palmitate 6-monthly) is read as a
    /// course acting for its label interval (the drug book's `dose_interval_days`,
    /// `product_intervals`, `strength_intervals`), and with what tolerance: the next injection
    /// begun within the interval and this share of it after the last continues the course (one
    /// line, one trial from the first injection to the last's interval), a later one begins
    /// another. `None` (the default): every record is read as given.
    #[serde(default)]
    pub depot_grace_share: Option<f64>,
    /// Classes whose drugs form the lines (others are supportive or for other conditions).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Step care: classes counted as one (group name → its classes), as the criteria count
    /// them, so that a line's class count and its class changes are the criteria's (a
    /// non-dihydropyridine calcium-channel blocker added to a dihydropyridine is no new
    /// class). A class in no group is a group of its own.
    #[serde(default)]
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
    /// IMWG 2015: a planned sequence (induction, transplant, consolidation, maintenance) is one
    /// line. With no progression in between, conditioning for a transplant, and whatever starts
    /// within `post_transplant_days` of a transplant or in a maintenance role, continue the
    /// line; a transplant more than `tandem_days` after the line's first is not a planned tandem
    /// and starts a new line.
    #[serde(default)]
    pub planned_sequence: bool,
    /// Procedures that are a transplant: SNOMED codes or words of their display.
    #[serde(default)]
    pub transplant: Vec<String>,
    /// Ingredients given as conditioning for a transplant (high-dose melphalan).
    #[serde(default)]
    pub conditioning: Vec<String>,
    /// Conditioning is given within this many days of the transplant.
    #[serde(default = "default_conditioning_days")]
    pub conditioning_days: i64,
    /// Whether conditioning whose window holds some but not every day of a transplant dated by
    /// a month or a year alone is that transplant's (the line continued) rather than a line
    /// cut by a day no record gave. A rule set's choice, where its conditioning drugs are given
    /// for nothing else (myeloma's high-dose melphalan): a conditioning regimen in the month of
    /// the transplant is its conditioning. Absent: cut, its day said to be unknown.
    #[serde(default)]
    pub conditioning_in_transplant_month: bool,
    /// Ingredients given to mobilise stem cells for a transplant (cyclophosphamide with G-CSF):
    /// started within `mobilisation_days` before a transplant of a planned sequence, part of
    /// the transplant's line (IMWG 2015: mobilisation is part of the transplant procedure).
    #[serde(default)]
    pub mobilisation: Vec<String>,
    /// How many days before the transplant mobilisation starts at the earliest.
    #[serde(default)]
    pub mobilisation_days: i64,
    /// Classes of a cell therapy given as one infusion that a sequence leads to (CAR T cells):
    /// its bridging and lymphodepletion are part of its line.
    #[serde(default)]
    pub cell_therapy_classes: Vec<String>,
    /// Ingredients of lymphodepletion (fludarabine, cyclophosphamide, bendamustine): started
    /// within `lymphodepletion_days` before a cell-therapy infusion, part of its line, never of
    /// the line before (a cyclophosphamide after R-CHOP).
    #[serde(default)]
    pub lymphodepletion: Vec<String>,
    /// How many days before the infusion lymphodepletion starts at the earliest.
    #[serde(default)]
    pub lymphodepletion_days: i64,
    /// A later line started within this many days before a cell-therapy infusion is bridging
    /// to it, part of the cell therapy's line (0: none is).
    #[serde(default)]
    pub bridging_days: i64,
    /// Ingredients given to reduce the tumour burden before a regimen (hydroxyurea before
    /// induction): a record of these alone followed within `cytoreduction_days` of its start
    /// by another drug of the lines is no line and does not start the next.
    #[serde(default)]
    pub cytoreduction: Vec<String>,
    /// See `cytoreduction`.
    #[serde(default)]
    pub cytoreduction_days: i64,
    /// A regimen restarted after the disease progressed more than this many days after the
    /// line's last dose (relapse off therapy, IMWG) is a new line, though its drugs are the
    /// same and the gap is shorter than `gap_days`. None: no such rule.
    #[serde(default)]
    pub relapse_off_therapy_days: Option<i64>,
    /// A second transplant within this many days of the first is a planned tandem.
    #[serde(default = "default_tandem_days")]
    pub tandem_days: i64,
    /// Consolidation or maintenance starting this long after a transplant is still planned.
    #[serde(default = "default_post_transplant_days")]
    pub post_transplant_days: i64,
    /// Whether the condition's regimens are given in cycles (chemotherapy, myeloma's and
    /// lymphoma's regimens), so that a line says the cycles it gave. Elsewhere a drug is taken
    /// daily or at its own intervals: ward doses grouped by their pauses are no cycle, and an
    /// oral antiseizure line said "1 cycle" (review R1-7). False (the default): no line says
    /// cycles.
    #[serde(default)]
    pub counts_cycles: bool,
    /// Procedures recorded once per cycle of a regimen ("Chemotherapy", "R-CHOP cycle 3"):
    /// SNOMED codes or words of their display. A line whose drug records do not count its
    /// cycles counts these procedures during it.
    #[serde(default)]
    pub cycle_procedures: Vec<String>,
    /// A dated record of a drug that counts no cycles itself and spans at most this many days
    /// (a completed order per cycle: "MedicationRequest per cycle") is one cycle of it; records
    /// of the drug that overlap or follow on the next day are one. A longer record (an order
    /// over several cycles, stopped before its count was given) says no cycle. 0: none is.
    #[serde(default)]
    pub cycle_per_record_days: i64,
    /// The regimen's cycle length, read from its drugs' own rhythm: each drug's doses grouped
    /// as cycles are (doses at most a week apart are one), the usual days between one group's
    /// start and the next; the line's cycle length is the longest such rhythm of any of its
    /// drugs, when at most this many days. A drug with no cycle length of its own (the drug
    /// book's `cycle_days`) counts its cycles by it, so a drug given more often than the
    /// regimen's cycle (daratumumab every 2 weeks in Dara-Kd's 28-day cycles) counts no more
    /// cycles than the regimen gave. 0 (the default): each drug's doses are grouped alone.
    #[serde(default)]
    pub cycle_rhythm_max_days: i64,
    /// A course begun after a remission of one of these responses (a disease status or a
    /// recorded response, after the line began), with no progression recorded since it,
    /// continues the line however long the pause and whatever its drugs: consolidation after
    /// induction (AML) is part of the planned line. Empty (the default): no such rule.
    #[serde(default)]
    pub remission_continues: Vec<String>,
    /// Diagnoses that record a relapse (review G3-1), which ends a remission as a worsened
    /// disease status does: see [`RelapseDiagnoses`]. None (the default): none does.
    #[serde(default)]
    pub relapse_diagnoses: Option<RelapseDiagnoses>,
    /// Procedures that are a treatment given on their day, a drug of the lines (a CAR T-cell
    /// infusion recorded only as a procedure): codes or words of their display, as
    /// `transplant`. Read as the drug their display names, else `therapy_procedure_drug`.
    #[serde(default)]
    pub therapy_procedures: Vec<String>,
    /// The drug book's ingredient a therapy procedure naming no drug is read as.
    #[serde(default)]
    pub therapy_procedure_drug: String,
    /// The drug book's ingredient a therapy procedure's code names (code → ingredient: an
    /// ICD-10-PCS or HCPCS code of one CAR T-cell product), when no display names one: a code
    /// sent alone still makes the product's line, as its drug record would.
    #[serde(default)]
    pub therapy_procedure_products: std::collections::BTreeMap<String, String>,
    /// Days after a line's last dose within which a disease status is still that line's
    /// response (an end-of-treatment assessment), unless a later line began before it; also how
    /// long after its last dose a line with no response recorded is still awaiting one.
    #[serde(default = "default_response_days")]
    pub response_days: i64,
    /// `response_days` for lines with a drug of these classes (class → days), the longest
    /// applying: a CAR T-cell therapy's response is assessed months after its single infusion.
    #[serde(default)]
    pub response_days_by_class: std::collections::BTreeMap<String, i64>,
    /// An emergency treated in stages within hours (status epilepticus): the classes of each
    /// stage, in order (first line, second line, anaesthesia). When given, a line is one stage
    /// of an episode, not a regimen: an episode begins with a first-stage drug given as an
    /// emergency dose and lasts `episode_hours`; what starts after it or as maintenance is no
    /// line of it.
    #[serde(default)]
    pub episode_stages: Vec<Vec<String>>,
    /// How long an episode lasts from its first dose, in hours (with `episode_stages`); an
    /// anaesthetic infusion begun in it carries it to the infusion's end.
    #[serde(default = "default_episode_hours")]
    pub episode_hours: i64,
    /// A drug record given once, over no more than this many hours, and in no maintenance role
    /// (see `Given::is_one_off`): an emergency load (a fosphenytoin or valproate load in status
    /// epilepticus), no schedule of this rule set, so none of its lines, trials or criteria.
    /// 0 (the default): every record counts.
    #[serde(default)]
    pub one_off_max_hours: i64,
}

/// Diagnosis records of the rule set's condition (its `applies_to`) that say it relapsed: one
/// coded or named as a relapse (dated by its onset, else the day it was recorded), one whose
/// clinicalStatus is one of `statuses` (on a day not recorded: after the latest remission; no
/// progression is timed from it, review ON-5), and, with `new_onset`, one begun after the
/// remission that says neither remission nor that it is over. Refuted, differential and
/// provisional records are none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelapseDiagnoses {
    /// ICD-10 code prefixes of a relapse ("C92.02": in relapse).
    #[serde(default)]
    pub icd10: Vec<String>,
    /// SNOMED CT concepts of a relapse.
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Words of a diagnosis that say a relapse ("in relapse", "relapsed").
    #[serde(default)]
    pub names: Vec<String>,
    /// FHIR clinicalStatus codes of a relapse ("relapse", "recurrence").
    #[serde(default)]
    pub statuses: Vec<String>,
    /// Whether a diagnosis of the condition begun after the remission is a relapse.
    #[serde(default)]
    pub new_onset: bool,
    /// ICD-10 code prefixes of a remission ("C92.01"): never a new onset's relapse, and a
    /// recorded remission with `remission_response`.
    #[serde(default)]
    pub remission_icd10: Vec<String>,
    /// SNOMED CT concepts of a remission, as `remission_icd10`.
    #[serde(default)]
    pub remission_snomed: Vec<String>,
    /// Words of a diagnosis that say a remission, as `remission_icd10`.
    #[serde(default)]
    pub remission_names: Vec<String>,
    /// Words that, anywhere in a diagnosis's words, say the remission was not reached ("never
    /// in remission", "failed to achieve complete remission"; review RV-3): such words name no
    /// remission. A remission code is read whatever its words.
    #[serde(default)]
    pub remission_denied_by: Vec<String>,
    /// The response a diagnosis in remission is read as (review H3, ON-2), on its onset, else
    /// the day it was recorded: where a recorded remission is read (a line's response, the
    /// remission a course continues, the remission a relapse follows). A code says remission,
    /// not its depth, so this is the least response the rule set's remission can be. None: a
    /// diagnosis in remission is read as none.
    #[serde(default)]
    pub remission_response: Option<String>,
    /// Whether a line's own assessments (disease statuses, Deauville scores) that say a response
    /// decide it over a diagnosis in remission, whatever their depth (review ON-6: a lymphoma's
    /// restaging PET-CT is its response; the code only where none says one). False: the deeper
    /// of the two is the line's response.
    #[serde(default)]
    pub results_decide: bool,
}

/// An end-of-treatment PET-CT is done preferably 6 to 8 weeks after the last cycle (Juweid et
/// al., J Clin Oncol 2007, carried into the Lugano classification, Cheson 2014), a myeloma
/// response within a cycle or two: 8 weeks.
const fn default_response_days() -> i64 {
    56
}

impl LineParameters {
    /// The group `class` is counted in: its group's name, else the class itself.
    pub fn group_of<'a>(&'a self, class: &'a str) -> &'a str {
        self.groups
            .iter()
            .find(|(_, members)| members.iter().any(|m| m == class))
            .map_or(class, |(group, _)| group.as_str())
    }
}

impl Default for LineParameters {
    fn default() -> Self {
        LineParameters {
            regimen_window_days: default_regimen_window(),
            gap_days: default_gap(),
            cross_taper_days: 0,
            one_off_max_hours: 0,
            step_care: false,
            drug_courses: false,
            depot_grace_share: None,
            classes: Vec::new(),
            groups: std::collections::BTreeMap::new(),
            planned_sequence: false,
            transplant: Vec::new(),
            conditioning: Vec::new(),
            conditioning_days: default_conditioning_days(),
            conditioning_in_transplant_month: false,
            mobilisation: Vec::new(),
            mobilisation_days: 0,
            cell_therapy_classes: Vec::new(),
            lymphodepletion: Vec::new(),
            lymphodepletion_days: 0,
            bridging_days: 0,
            cytoreduction: Vec::new(),
            cytoreduction_days: 0,
            relapse_off_therapy_days: None,
            tandem_days: default_tandem_days(),
            post_transplant_days: default_post_transplant_days(),
            counts_cycles: false,
            cycle_procedures: Vec::new(),
            cycle_per_record_days: 0,
            cycle_rhythm_max_days: 0,
            remission_continues: Vec::new(),
            relapse_diagnoses: None,
            therapy_procedures: Vec::new(),
            therapy_procedure_drug: String::new(),
            therapy_procedure_products: std::collections::BTreeMap::new(),
            response_days: default_response_days(),
            response_days_by_class: std::collections::BTreeMap::new(),
            episode_stages: Vec::new(),
            episode_hours: default_episode_hours(),
        }
    }
}

const fn default_episode_hours() -> i64 {
    72
}

const fn default_conditioning_days() -> i64 {
    14
}

const fn default_tandem_days() -> i64 {
    180
}

const fn default_post_transplant_days() -> i64 {
    180
}

/// When a disease-status observation of worsening is a progression.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressionParameters {
    /// A worsening counts once this many consecutive assessments say so (IMWG: 2); the date
    /// of progression is the first of them. Fewer so far leave it pending; a later assessment
    /// that is not worse refutes it. A progression date recorded on a line, or a line or drug
    /// stopped for progression, is the clinician's and needs no confirmation.
    #[serde(default = "one")]
    pub consecutive_assessments: u32,
    /// A new line of therapy started within this many days after a worsening, before any
    /// further assessment, is the clinician's confirmation of it (0: never).
    #[serde(default)]
    pub new_line_confirms_days: i64,
}

impl Default for ProgressionParameters {
    fn default() -> Self {
        ProgressionParameters {
            consecutive_assessments: 1,
            new_line_confirms_days: 0,
        }
    }
}

/// The monoclonal protein of myeloma as a series (IMWG 2016): serum M-protein, 24-hour urine
/// M-protein and, when neither is measurable, the difference between the involved and the
/// uninvolved serum free light chain. A progression is a rise from the nadir (`*_rise`),
/// confirmed as `[progression]` says; a line's response is the fall of the serum M-protein
/// from the line's baseline (`response`), or of the urine M-protein when the urine is the
/// line's measurable disease (`urine_response`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MProtein {
    /// Serum M-protein, read in g/dL (g/L and mg/dL are converted).
    pub serum: ObservationSelector,
    /// 24-hour urine M-protein, read in mg/24 h (g/24 h is converted). A test this selects is
    /// never read as the serum's.
    #[serde(default)]
    pub urine: Option<ObservationSelector>,
    /// Serum free kappa and lambda light chains, read in mg/dL (mg/L is converted).
    #[serde(default)]
    pub kappa: Option<ObservationSelector>,
    #[serde(default)]
    pub lambda: Option<ObservationSelector>,
    pub serum_rise: Rise,
    #[serde(default)]
    pub urine_rise: Option<Rise>,
    #[serde(default)]
    pub flc_rise: Option<Rise>,
    /// Measurable disease: a serum M-protein at least this (g/dL) or a urine M-protein at least
    /// `measurable_urine` (mg/24 h) somewhere in the record. Without either, the free light
    /// chains are read; a line whose serum baseline is below `measurable_serum` gets no
    /// response from the serum.
    pub measurable_serum: f64,
    pub measurable_urine: f64,
    pub response: SeriesResponse,
    /// A line's response from the urine M-protein, read when the urine is the line's
    /// measurable disease (its serum baseline is not); `None` reads no response from the urine.
    #[serde(default)]
    pub urine_response: Option<UrineResponse>,
    /// A line's response from the free light chain difference, read when neither M-protein is
    /// measurable in the record (the light chains are then the measurable disease); `None`
    /// reads no response from the light chains.
    #[serde(default)]
    pub flc_response: Option<FlcResponse>,
    /// Words that name a monoclonal protein in any specimen ("M-spike", "paraprotein"),
    /// matched by words (case and punctuation aside: "M protein" is "M-protein"). Such a test
    /// whose name has one of `urine_words`, or whose unit is the urine series' (mg/24 h), is
    /// the 24-hour urine M-protein, unless its name has one of `[m_protein.urine] not_names`.
    #[serde(default)]
    pub protein_words: Vec<String>,
    #[serde(default)]
    pub urine_words: Vec<String>,
}

/// The categories of a line's response from the fall of the 24-hour urine M-protein from the
/// line's baseline (fractions of it), or from the value reached (mg/24 h): at least `minimal`
/// (MR), at least `partial` or below `partial_below` with a fall of at least
/// `partial_below_min_fall` (PR), below `very_good_partial_below` (VGPR). Baseline, window and
/// confirmation as `SeriesResponse` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrineResponse {
    pub minimal: f64,
    pub partial: f64,
    pub partial_below: f64,
    /// The least fall (a fraction of the baseline) with which a value below `partial_below` is
    /// a PR; 0 reads IMWG's "or to < 200 mg per 24 h" alone.
    #[serde(default)]
    pub partial_below_min_fall: f64,
    pub very_good_partial_below: f64,
}

/// The categories of a line's response from the fall of the involved-minus-uninvolved free
/// light chain difference from the line's baseline (fractions of it), for a disease measurable
/// by the light chains alone: at least `partial` (PR), at least `very_good_partial` (VGPR);
/// less is stable disease (IMWG defines no minimal response by the light chains). A baseline
/// difference below `measurable` (mg/dL) gives no response.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlcResponse {
    pub measurable: f64,
    pub partial: f64,
    pub very_good_partial: f64,
}

/// A rise from the nadir that is a progression: at least `relative` of the nadir and at least
/// `absolute` (more than it when `strictly`), in the series' unit; from a nadir of
/// `high_nadir` or more, a rise of `high_nadir_absolute` is enough on its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rise {
    pub relative: f64,
    pub absolute: f64,
    #[serde(default)]
    pub strictly: bool,
    #[serde(default)]
    pub high_nadir: Option<f64>,
    #[serde(default)]
    pub high_nadir_absolute: Option<f64>,
}

/// A line's response from the fall of the serum M-protein: from the line's baseline (its last
/// value at or up to `baseline_days` before the start) to its values from the start to
/// `after_end_days` after the last dose (never past the next line's start). The fractions of
/// the fall that make each category; a category counts once `consecutive` values in a row
/// reach it. Against a recorded response, the series decides when the two fall on either side
/// of `cut` (the response the criteria ask for).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesResponse {
    pub baseline_days: i64,
    pub after_end_days: i64,
    /// `after_end_days` for lines with a drug of these classes (class → days), the longest
    /// applying: a therapy given once (a CAR T-cell infusion) is assessed at set times over the
    /// months after it, not within days of its single dose.
    #[serde(default)]
    pub after_end_days_by_class: std::collections::BTreeMap<String, i64>,
    pub minimal: f64,
    pub partial: f64,
    pub very_good_partial: f64,
    pub consecutive: u32,
    pub cut: String,
}

const fn default_regimen_window() -> i64 {
    28
}

const fn default_gap() -> i64 {
    90
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    #[serde(default)]
    pub icd10: Vec<String>,
    #[serde(default)]
    pub snomed: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    /// Why the criterion does not apply, in words.
    pub reason: String,
    /// What to ask when the diagnosis is recorded only as possible (provisional, differential,
    /// unconfirmed): it then excludes nothing yet and leaves the status `insufficient_data`
    /// (a flag's criteria met) with this as missing. Default: the reason.
    #[serde(default)]
    pub unconfirmed: Option<String>,
}

/// Which criteria each tier needs (all of them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub refractory: Vec<String>,
    #[serde(default)]
    pub resistant: Vec<String>,
    #[serde(default)]
    pub relapsed: Vec<String>,
    /// The lower tiers ("resistant", "relapsed") that stand while a tier above them is
    /// undecided: a lower bound of the higher tier (resistant hypertension: uncontrolled on
    /// three classes, which refractory hypertension only extends). Every other lower tier
    /// excludes the tiers above it (relapsed means "responded, then came back: not
    /// refractory", DESIGN.md §2), so when it is met while a higher tier is undecided the
    /// status is `insufficient_data`, with what would decide the higher tier as missing:
    /// asserting the exclusion would answer the open question. The default (none) is the
    /// cautious reading, for a rule set that adds a lower tier without saying which it is.
    #[serde(default)]
    pub lower_bounds: Vec<String>,
}

impl Tiers {
    /// The tier names a rule set can list in `lower_bounds`.
    pub const LOWER: [&'static str; 2] = ["resistant", "relapsed"];

    /// Whether `tier` stands as a lower bound while a tier above it is undecided.
    #[must_use]
    pub fn is_lower_bound(&self, tier: &str) -> bool {
        self.lower_bounds.iter().any(|t| t == tier)
    }
}

/// A label that replaces the tier's label when `criterion` is met.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    pub tier: String,
    pub criterion: String,
    pub label: String,
    /// Said in the reasons, met, when the status is another (the label not given): what the
    /// history shows (triple-class refractory) stays true when the latest line decides the
    /// status (a response to the line after).
    #[serde(default)]
    pub history: bool,
    /// When its criterion is undecided (and no label above it was given), what would decide it
    /// is listed as missing, the status as it is: "primary refractory" or not, with the best
    /// response unknown, is for the team to find out, never a silence.
    #[serde(default)]
    pub missing_when_undecided: bool,
}

/// A pseudo-resistance check listed until resolved (by the team in step 2, or by data).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfounderRule {
    pub key: String,
    pub text: String,
    /// Only list it when the assessment reached one of these statuses (default: any flag).
    #[serde(default)]
    pub when: Vec<String>,
    /// Only list it when each of these criteria (by id) is met: a check of what the criteria
    /// left to the clinician, where it alone stands between the record and a flag.
    #[serde(default)]
    pub when_met: Vec<String>,
    /// Resolved by a procedure that is one of these terms: a code, or words of its display
    /// (procedure_terms.rs: "video + EEG", CPT "95720").
    #[serde(default)]
    pub resolved_by_procedure: Vec<String>,
    /// Some(days): only a procedure about the record's latest progression or relapse resolves
    /// it, one on or after it or at most `days` before it (the biopsy that showed the relapse);
    /// with no progression recorded, one on or after the first line's start (a biopsy before
    /// any treatment is the diagnosis's). None: a procedure at any time.
    #[serde(default)]
    pub resolved_days_before_progression: Option<i64>,
    /// Some(days): only a procedure around the status epilepticus episode the escalation
    /// criterion assesses resolves it: every day it may have been done from `days` before the
    /// episode's first bolus to the episode's end (a recording that ran across it counts). An
    /// EEG of another time (years before, at an earlier episode) does not confirm this one;
    /// with no episode found, none does. None: a procedure at any time.
    #[serde(default)]
    pub resolved_days_before_episode: Option<i64>,
    /// Resolved by an observation with one of these codes or display words.
    #[serde(default)]
    pub resolved_by_observation: Vec<String>,
    /// Only listed while a drug of one of these classes is given (the drugs are named).
    #[serde(default)]
    pub when_given: Vec<String>,
    /// Only listed unless a drug of each of these classes was given at some time.
    #[serde(default)]
    pub unless_given: Vec<String>,
    /// Not listed when the status rests on a progression the record shows confirmed by the
    /// consecutive assessments `[progression]` asks for (the check is met, not open).
    #[serde(default)]
    pub unless_progression_confirmed: bool,
    /// Diagnoses that answer the check when the record holds one (a secondary cause of
    /// hypertension found): the item then names them after `recorded_text`, instead of asking
    /// for what is already found.
    #[serde(default, rename = "recorded")]
    pub recorded: Vec<RecordedDiagnosis>,
    /// The item's words when one of `recorded` is in the record (`text` when absent).
    #[serde(default)]
    pub recorded_text: Option<String>,
    /// The `recorded` diagnoses (by `name`) to screen for whatever else is found: the item
    /// keeps asking for those not recorded (AHA 2018 screens every resistant patient for
    /// primary aldosteronism, sleep apnoea or not).
    #[serde(default)]
    pub screen: Vec<String>,
    /// Records that name a diagnosis without being one of the patient's (a family history, a
    /// past history): never one of `recorded`.
    #[serde(default)]
    pub not_recorded: Option<RecordedDiagnosis>,
    /// Whether measured drug levels answer the check (see `drug_levels.rs`): `resolve`, the
    /// levels showing the drugs taken resolve it (and any other level is named in it); `name`,
    /// they are named in it and the team decides. None: levels are not read.
    #[serde(default)]
    pub drug_levels: Option<DrugLevelUse>,
    /// Name the patient's reports that they do not take a drug of the condition (a statement
    /// `not-taken`: "patient reported not taking DRUG since DATE (reason)"), so that the team
    /// rules out non-adherence where a trial of it is not counted (review R9-5).
    #[serde(default)]
    pub names_not_taken: bool,
}

/// What measured drug levels do to an adherence check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugLevelUse {
    /// Levels showing every monitored drug taken answer it.
    Resolve,
    /// Levels are named beside it; the source asks for more (TRRIP: two sources and a level).
    Name,
}

/// A diagnosis a confounder names when the record holds it, by code or by words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedDiagnosis {
    /// How the item names it ("primary aldosteronism").
    pub name: String,
    /// ICD-10 (WHO or CM) code prefixes.
    #[serde(default)]
    pub icd10: Vec<String>,
    /// SNOMED CT concept ids.
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Words that name it in a display.
    #[serde(default)]
    pub names: Vec<String>,
    /// The tests that screen for it, each a set of test names all in the record (by their
    /// words, `names_test`): a result of one set makes the cause screened, named with the
    /// result for the team to judge and never read as positive or negative (review R7-10).
    #[serde(default)]
    pub screened_by: Vec<Vec<String>>,
}

/// A standard item of the re-evaluation checklist.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistTemplate {
    pub key: String,
    pub text: String,
    /// Whether measured drug levels answer the item (as the confounder's `drug_levels`).
    #[serde(default)]
    pub drug_levels: Option<DrugLevelUse>,
    /// The record's procedures that answer the item (an imaging study of a class).
    #[serde(default)]
    pub procedure: Option<ChecklistProcedure>,
}

/// Procedures of a class that answer a checklist item (a brain MRI, a PET-CT).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistProcedure {
    /// What it is, in the item's detail ("brain MRI").
    pub name: String,
    /// Codes or words (procedure_terms.rs); a referral, request or plan never counts.
    pub terms: Vec<String>,
    /// Whether one found ticks the item; when false it is only named, for the team (the item
    /// asks for more than it).
    #[serde(default = "yes")]
    pub ticks: bool,
    /// Only one on or after the start of the condition's latest treatment line counts (a
    /// restaging scan, imaging at relapse); with no line recorded, one at any time.
    #[serde(default)]
    pub since_latest_line: bool,
    /// What the team still checks of one found, said after it ("whether it followed the
    /// epilepsy protocol").
    #[serde(default)]
    pub still_to_check: Option<String>,
}

/// One criterion: an id, its words, and exactly one kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    /// The criterion in words, as the assessment panel shows it.
    pub text: String,
    /// Why this encoding was chosen where the source is ambiguous.
    #[serde(default)]
    pub choice: Option<String>,
    pub failed_trials: Option<FailedTrials>,
    pub concurrent_classes: Option<ConcurrentClasses>,
    pub blood_pressure: Option<BloodPressure>,
    pub observation_threshold: Option<ObservationThreshold>,
    pub ongoing_dose: Option<OngoingDose>,
    pub line_refractory: Option<LineRefractory>,
    pub relapse: Option<Relapse>,
    pub relapse_after_procedure: Option<RelapseAfterProcedure>,
    pub class_refractory: Option<ClassRefractory>,
    pub induction_failure: Option<InductionFailure>,
    pub escalation: Option<Escalation>,
    pub recent_evidence: Option<RecentEvidence>,
    pub any_of: Option<Composite>,
    pub all_of: Option<Composite>,
}

/// Which kind a criterion is, once validated.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    FailedTrials(&'a FailedTrials),
    ConcurrentClasses(&'a ConcurrentClasses),
    BloodPressure(&'a BloodPressure),
    ObservationThreshold(&'a ObservationThreshold),
    OngoingDose(&'a OngoingDose),
    LineRefractory(&'a LineRefractory),
    Relapse(&'a Relapse),
    RelapseAfterProcedure(&'a RelapseAfterProcedure),
    ClassRefractory(&'a ClassRefractory),
    InductionFailure(&'a InductionFailure),
    Escalation(&'a Escalation),
    RecentEvidence(&'a RecentEvidence),
    AnyOf(&'a Composite),
    AllOf(&'a Composite),
}

impl Criterion {
    /// The kinds set on this criterion (a valid one has exactly one).
    pub fn kinds(&self) -> Vec<Kind<'_>> {
        let mut kinds = Vec::new();
        if let Some(k) = &self.failed_trials {
            kinds.push(Kind::FailedTrials(k));
        }
        if let Some(k) = &self.concurrent_classes {
            kinds.push(Kind::ConcurrentClasses(k));
        }
        if let Some(k) = &self.blood_pressure {
            kinds.push(Kind::BloodPressure(k));
        }
        if let Some(k) = &self.observation_threshold {
            kinds.push(Kind::ObservationThreshold(k));
        }
        if let Some(k) = &self.ongoing_dose {
            kinds.push(Kind::OngoingDose(k));
        }
        if let Some(k) = &self.line_refractory {
            kinds.push(Kind::LineRefractory(k));
        }
        if let Some(k) = &self.relapse {
            kinds.push(Kind::Relapse(k));
        }
        if let Some(k) = &self.relapse_after_procedure {
            kinds.push(Kind::RelapseAfterProcedure(k));
        }
        if let Some(k) = &self.class_refractory {
            kinds.push(Kind::ClassRefractory(k));
        }
        if let Some(k) = &self.induction_failure {
            kinds.push(Kind::InductionFailure(k));
        }
        if let Some(k) = &self.escalation {
            kinds.push(Kind::Escalation(k));
        }
        if let Some(k) = &self.recent_evidence {
            kinds.push(Kind::RecentEvidence(k));
        }
        if let Some(k) = &self.any_of {
            kinds.push(Kind::AnyOf(k));
        }
        if let Some(k) = &self.all_of {
            kinds.push(Kind::AllOf(k));
        }
        kinds
    }
}

/// Selects observations by code or by words in their display.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationSelector {
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    /// Words that make a test another one than the one named: a part of it (a subscale, an
    /// item, a short form). "PANSS positive subscale score" carries the name "PANSS" but is
    /// not the PANSS total a criterion reads. Applies to the names of the selector and of
    /// each of its scales; a test selected by one of the codes is never left out by them.
    #[serde(default)]
    pub not_names: Vec<String>,
    /// Words of another, shorter form of a test (HAM-D-6, PANSS-6, "short form"): a different
    /// test even when its name says total, which a part word does not always make it (see
    /// `not_names`).
    #[serde(default)]
    pub short_forms: Vec<String>,
    /// The rating scales (instruments) read, each by its own codes and names: a score is only
    /// ever compared with scores of its own scale (a baseline PHQ-9 with a follow-up PHQ-9).
    #[serde(default)]
    pub scale: Vec<Scale>,
}

/// One rating scale a selector reads: its total score by its codes (LOINC, SNOMED CT) and by
/// the names people write it with, and the words that mark a part of it rather than its total.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// The scale's short name, used in what is missing ("PHQ-9").
    pub name: String,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    /// Words of a part of the scale (its items, its subscales), which a name that says it is
    /// the total may list as what it adds up.
    #[serde(default)]
    pub not_names: Vec<String>,
    /// Words of the scale's short forms (see `ObservationSelector::short_forms`).
    #[serde(default)]
    pub short_forms: Vec<String>,
    /// A total below this is remission: a course begun there is no acute course that could
    /// fail (src/rules/trials.rs, `begun_in_remission`).
    #[serde(default)]
    pub remission_below: Option<f64>,
}

impl ObservationSelector {
    /// How the test read is called in words: the first scale's name, else the first name.
    pub fn label(&self) -> Option<&str> {
        self.scale
            .first()
            .map(|scale| scale.name.as_str())
            .or_else(|| self.names.first().map(String::as_str))
    }
}

/// A symptom score that shows response or non-response over a trial.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRule {
    pub observation: ObservationSelector,
    /// A trial with less relative improvement than this (0.25 = 25 %) did not respond.
    pub min_improvement: f64,
    /// The baseline is the last score from this many days before the trial's start (or up to
    /// seven days into it).
    #[serde(default = "default_baseline_days")]
    pub baseline_days: i64,
    /// Whether a response at any follow-up is the trial's response, later scores that rose
    /// being a relapse after it: where a source says a relapse after a response is not a
    /// failure of that trial (depression). Otherwise the latest follow-up decides, as it does
    /// where a lost response is a failure.
    #[serde(default)]
    pub response_at_any_follow_up: bool,
    /// The improvement an earlier follow-up must reach to be a response that a later rise
    /// relapsed from (depression: 50 %, where less than `min_improvement` is a failure and
    /// between the two a partial response); `min_improvement` when not set.
    #[serde(default)]
    pub response_improvement: Option<f64>,
}

impl ScoreRule {
    /// The cut of a response a relapse can follow (see `response_improvement`).
    pub fn response_cut(&self) -> f64 {
        self.response_improvement.unwrap_or(self.min_improvement)
    }
}

const fn default_baseline_days() -> i64 {
    60
}

/// A disease-activity score judged by response criteria: the improvement from the trial's
/// baseline to its last score after `min_days` on the drug, in points (`absolute`) or as a
/// fraction of the baseline (`relative`). No response when the improvement is at most
/// `no_response_at_most` (EULAR DAS28: 0.6) or below `no_response_below` (CDAI/SDAI: 0.5), or
/// when the score is still above `high_above` with an improvement of at most
/// `high_no_response_at_most` (EULAR: above 5.1 with at most 1.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRule {
    pub observation: ObservationSelector,
    pub change: String,
    #[serde(default)]
    pub no_response_at_most: Option<f64>,
    #[serde(default)]
    pub no_response_below: Option<f64>,
    #[serde(default)]
    pub high_above: Option<f64>,
    #[serde(default)]
    pub high_no_response_at_most: Option<f64>,
    /// The baseline is the last score from this many days before the trial's start (or up to
    /// seven days into it).
    #[serde(default = "default_baseline_days")]
    pub baseline_days: i64,
    /// The words of the source for the reasons ("EULAR", "Aletaha 2012").
    pub source: String,
}

/// Seizure-type events (a count per period) that show failure or freedom on a schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    pub observation: ObservationSelector,
    /// Seizure freedom on the current schedule for at least this long (ILAE: 12 months)…
    pub freedom_days: i64,
    /// …and for `interval_multiplier` times the longest interval between seizures in the
    /// `interval_lookback_days` before the schedule began, whichever is longer, is sustained
    /// success. Free for less than that, but at least the shorter of the two, is undetermined.
    /// On the current schedule freedom runs from the last seizure, on it or before it: seizures
    /// on it are its failure only until it has given freedom since.
    pub interval_multiplier: f64,
    pub interval_lookback_days: i64,
    /// A seizure rate written at a visit ("2 per month", no period of its own) covers the
    /// time since the previous report of the measure, at most this long back; with no
    /// previous report, one unit of its time (a month for "/mo"). Its seizures happen
    /// throughout that period, one every unit / count, the last at its end.
    #[serde(default = "default_rate_reach_days")]
    pub rate_reach_days: i64,
    /// A rate written at a visit with no period of its own is the frequency as of the visit:
    /// for a schedule's failure, its seizures are those of the last this many units of its
    /// time before the visit (1: the month before a "2 per month"), never before the previous
    /// report; they count only when that part lies after the schedule could work and before it
    /// ended, as a count over it would. 0 places them on the visit's day. A local parameter:
    /// the ILAE says nothing of rates.
    #[serde(default = "default_rate_current_units")]
    pub rate_current_units: f64,
    /// A seizure count dated by a month or a year alone ("2026-03") is every day of it: whether
    /// its seizures fell after the schedule could work cannot be told when that month holds the
    /// day it became adequate. `undecided` (the default): the schedule's outcome is undecided
    /// and the reasons say why; `after`: read as after (a failure); `before`: read as before
    /// (no evidence either way). A local choice: the ILAE dates seizures, it does not say how to
    /// read a record that does not.
    #[serde(default)]
    pub window_across_adequacy: WindowAcrossAdequacy,
}

/// How a seizure count dated by a month or a year that holds the day a schedule became
/// adequate is read (see [`EventRule::window_across_adequacy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAcrossAdequacy {
    #[default]
    Undecided,
    After,
    Before,
}

/// [`EventRule::rate_current_units`] of a rule file that does not say: one unit.
const fn default_rate_current_units() -> f64 {
    1.0
}

/// [`EventRule::rate_reach_days`] of a rule file that does not say: the ILAE's 12 months.
const fn default_rate_reach_days() -> i64 {
    365
}

/// How the dose of a trial is judged adequate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseRule {
    /// `min_effective` (the drug book's minimum effective daily dose) or
    /// `chlorpromazine_equivalent` (DDD method: dose / DDD × 300 mg).
    pub method: String,
    /// For `chlorpromazine_equivalent`: the minimum in mg/day.
    #[serde(default)]
    pub min_mg_day: Option<f64>,
    /// Words that mark a long-acting injectable in a drug's text, besides the drug book's
    /// depot names ("depot", "long-acting injectable"). A dose given every week or less often
    /// is a depot too. A depot is converted with the depot DDD.
    #[serde(default)]
    pub depot_words: Vec<String>,
    /// A failed trial that was a depot given this long is reported as meeting TRRIP's optimum
    /// ("one trial a long-acting injectable for >= 4 months"); a reason either way.
    #[serde(default)]
    pub depot_optimum_days: Option<i64>,
    /// Whether the trial's `min_days` are counted at or above the adequate dose only, where
    /// the source asks for a time "at that dose" (Sforzini 2022, TRRIP 2017): the weeks of a
    /// titration below it are not time on an adequate trial. Otherwise the whole trial counts.
    /// Drug trials only (`unit = "drug"`): a schedule's drugs each have their own dose.
    #[serde(default)]
    pub days_at_dose: bool,
    /// For `chlorpromazine_equivalent`: a long-acting injectable whose highest labelled
    /// maintenance dose (drug book, `depot_label_max`) is below `min_mg_day` by the depot DDD
    /// is adequate at that labelled maximum (no dose the label allows could reach the bar).
    #[serde(default)]
    pub depot_label_maximum: bool,
}

/// Count of adequate trials that failed, distinct by drug, class or mechanism.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailedTrials {
    /// `drug` (each exposure of a counted drug is a trial) or `line` (each schedule/regimen).
    pub unit: String,
    /// Classes whose drugs make a trial.
    pub classes: Vec<String>,
    /// Only drugs with one of these mechanisms (a TCA trial for Thase–Rush stage III).
    #[serde(default)]
    pub mechanisms: Vec<String>,
    /// Ingredients never counted as trials here (clozapine for TRS).
    #[serde(default)]
    pub exclude_ingredients: Vec<String>,
    /// The only ingredients counted as trials here (clozapine for ultra-resistance): none
    /// listed, every drug of `classes`. A list of what counts, not of what does not, so that a
    /// drug added to the drug book is never counted by omission.
    #[serde(default)]
    pub only_ingredients: Vec<String>,
    pub min_count: u32,
    /// Drug trials only (`unit = "drug"`): what drugs begun together are, a combination
    /// started as one regimen (within the rule set's `regimen_window_days` of the first, while
    /// it is still given, as `[lines]` groups a regimen): one treatment tried, counted once
    /// however many of its drugs failed, or a trial each. No default: a rule file counting
    /// drugs decides, with its source beside it (a schedule is already its drugs together).
    #[serde(default)]
    pub begun_together: Option<BegunTogether>,
    /// `drug`, `mechanism` or `line`: what two failures must differ in (`line`: the schedule,
    /// the set of active drugs a line gave, so the same schedule tried again is one).
    pub distinct_by: String,
    /// Shorter trials are not informative unless they failed on evidence.
    pub min_days: i64,
    /// Stop reasons that are efficacy failures.
    pub failure_reasons: Vec<String>,
    /// Whether a drug stopped for intolerance counts as a failure.
    #[serde(default)]
    pub count_intolerance: bool,
    #[serde(default)]
    pub score: Option<ScoreRule>,
    /// Disease-activity response criteria over a trial (EULAR DAS28, CDAI/SDAI), in order of
    /// precedence: the first with a baseline and a follow-up decides.
    #[serde(default)]
    pub response: Vec<ResponseRule>,
    #[serde(default)]
    pub events: Option<EventRule>,
    #[serde(default)]
    pub dose: Option<DoseRule>,
    /// Starting a drug of one of these classes after `min_days` on a counted drug implies the
    /// counted drug failed (treat-to-target escalation, e.g. csDMARD → b/tsDMARD).
    #[serde(default)]
    pub escalation_to: Vec<String>,
    /// Only trials started on or after the onset of the current episode (depression).
    #[serde(default)]
    pub current_episode_only: bool,
    /// A schedule kept while a drug was added to it (after `min_days`) failed: an add-on is
    /// given because the disease went on (epilepsy).
    #[serde(default)]
    pub add_on_implies_failure: bool,
    /// A treatment given as a course of sessions recorded as procedures (an acute ECT course),
    /// judged as a trial: none when the criterion counts drugs only.
    #[serde(default)]
    pub procedure_course: Option<ProcedureCourse>,
    /// A drug level an adequate trial reaches (TRRIP: clozapine at least 350 ng/mL, measured
    /// twice): none when the criterion reads no level.
    #[serde(default)]
    pub level: Option<LevelRule>,
    /// Drugs not appropriately chosen for a syndrome of the patient's (ILAE 2010: a drug known
    /// to aggravate absence seizures is no appropriate trial in absence epilepsy): a trial all
    /// of whose drugs are listed for a syndrome the patient has is not counted.
    #[serde(default)]
    pub not_appropriate: Vec<NotAppropriate>,
    /// Whether a recorded reaction to a drug of `classes` (an allergy or intolerance the record
    /// holds, not marked inactive) meets the criterion in place of the failures it asks for:
    /// EULAR 2021's "after failing csDMARD therapy (unless contraindicated)".
    #[serde(default)]
    pub unless_contraindicated: bool,
    /// With `unless_contraindicated`: whether a drug of `classes` stopped for intolerance is
    /// that contraindication too, as a reaction recorded is (the same fact written on the
    /// prescription: CR-6).
    #[serde(default)]
    pub intolerance_contraindicates: bool,
}

/// A syndrome and the drugs that are no appropriate choice for it (see
/// [`FailedTrials::not_appropriate`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotAppropriate {
    /// How the reasons name it ("absence epilepsy").
    pub syndrome: String,
    /// ICD-10 (WHO or CM) code prefixes.
    #[serde(default)]
    pub icd10: Vec<String>,
    /// SNOMED CT concept ids.
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Words that name it in a diagnosis's display.
    #[serde(default)]
    pub names: Vec<String>,
    /// The drug book's ingredients that are no appropriate choice for it (a prodrug is its
    /// active drug: fosphenytoin is phenytoin).
    pub ingredients: Vec<String>,
    /// Why, in a few words, with the source ("may aggravate absence and myoclonic seizures,
    /// NICE NG217").
    pub why: String,
}

/// What drugs begun together as one regimen are to a count of failed trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BegunTogether {
    /// One treatment: the combination failed once (sertraline and mirtazapine begun the same
    /// day and stopped for no response are one failed treatment, not two).
    OneTreatment,
    /// Each drug its own trial, whatever was begun with it.
    EachDrug,
}

/// A drug's blood level an adequate trial reaches, read from the laboratory results taken
/// during the trial. A trial whose recorded levels all fall short of it is not an adequate
/// trial (pseudo-resistance the record documents); one with no level, or fewer at it than
/// asked, is counted with that said.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRule {
    /// The level's name in the reasons ("clozapine level").
    pub name: String,
    pub observation: ObservationSelector,
    /// The level an adequate trial reaches, in ng/mL (µg/L).
    pub min_ng_ml: f64,
    /// How many levels at or above it the source asks for.
    pub min_count: u32,
    /// The drug's molar mass, g/mol: a level in moles per volume (nmol/L) read in ng/mL.
    pub molar_mass_g_per_mol: f64,
}

/// A treatment given as a course of sessions recorded as procedures (an acute course of
/// electroconvulsive therapy), judged like a drug trial: adequate with enough sessions, failed
/// by the criterion's score rule from before the first session to after the last.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureCourse {
    /// The treatment's name in the reasons ("ECT"); also what two failures must differ in.
    pub name: String,
    /// The procedure's codes or words (see `procedure_terms.rs`).
    pub terms: Vec<String>,
    /// Whether a failed adequate course counts among the criterion's failures; when false the
    /// course is only said, among the trials not counted.
    #[serde(default = "yes")]
    pub counted: bool,
    /// Sessions at most this many days apart are one course.
    pub gap_days: i64,
    /// An adequate course has at least this many sessions.
    pub min_sessions: u32,
    /// The course's follow-up scores are read up to this many days after its last session.
    pub follow_up_days: i64,
    /// A course is "begun in remission" (a maintenance series, no acute course to fail) only
    /// by the latest score on or before its first session's day taken at most this many days
    /// before it: an older remission score says nothing of the relapse that led to the course.
    #[serde(default = "remission_baseline_days")]
    pub remission_baseline_days: i64,
}

const fn remission_baseline_days() -> i64 {
    14
}

/// Distinct class groups given at the same time (now, or at the latest time drugs were given).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcurrentClasses {
    /// Group name → drug classes that count as that one group.
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
    pub min_groups: u32,
    /// Drug classes that must all be among the drugs given.
    #[serde(default)]
    pub require_classes: Vec<String>,
    /// At least one of these drug classes must be among them (a diuretic).
    #[serde(default)]
    pub require_any_class: Vec<String>,
    /// Check doses against the drug book's usual maximum (AHA: maximal or maximally tolerated).
    #[serde(default)]
    pub check_max_dose: bool,
}

/// Blood pressure on the current regimen, in and out of the office.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BloodPressure {
    /// `uncontrolled` or `controlled`.
    pub state: String,
    pub office_goal_systolic: f64,
    pub office_goal_diastolic: f64,
    /// Out-of-office thresholds (ACC/AHA equivalents of office 130/80).
    pub awake_goal: [f64; 2],
    pub day24_goal: [f64; 2],
    pub home_goal: [f64; 2],
    /// Readings count once the regimen has been unchanged this long.
    pub stable_days: i64,
    /// Only readings taken within this many days of the run day count.
    pub window_days: i64,
    /// The criterion needs the disease uncontrolled now: without a reading this recent (days
    /// before the run day; `window_days` when absent) the blood pressure is not known.
    #[serde(default)]
    pub recent_days: Option<i64>,
    /// The office blood pressure level is the mean of at least this many readings…
    #[serde(default = "one")]
    pub min_readings: u32,
    /// …taken on at least this many occasions (days). Fewer leave it undecided unless an
    /// ambulatory or home measurement (itself a mean of many readings) decides.
    #[serde(default = "one")]
    pub min_occasions: u32,
    /// Uncontrolled at this many office visits…
    #[serde(default = "one")]
    pub min_visits: u32,
    /// …spread over at least this many days…
    #[serde(default)]
    pub min_span_days: i64,
    /// …or this many calendar months, where the source says months (Acelajado 2012: "within a
    /// minimum 6-month follow-up"): at most one of the two.
    #[serde(default)]
    pub min_span_months: Option<u32>,
    /// The office level now is the mean of the readings of the latest this many occasions
    /// (days) in the window, not of every reading in it; absent: of every reading in it.
    #[serde(default)]
    pub office_occasions: Option<u32>,
    /// Home monitoring is judged on the mean of its latest period: the home readings taken
    /// within this many days up to the latest one (a week's morning and evening readings).
    #[serde(default = "seven")]
    pub home_period_days: i64,
    /// A home series is read only from this many readings… (ESH 2023 / AHA 2017: morning and
    /// evening readings on at least 3 days, ideally 7): fewer decide nothing.
    #[serde(default = "six")]
    pub home_min_readings: u32,
    /// …taken on at least this many days.
    #[serde(default = "three")]
    pub home_min_days: u32,
    /// The classes whose drugs make the regimen.
    pub classes: Vec<String>,
    /// Whether a reading with no unit is read in mmHg (hypertension.toml says why): otherwise
    /// it is named as not read, as one in a unit that is no pressure is (review R7-1).
    #[serde(default = "yes")]
    pub no_unit_is_mmhg: bool,
    /// A reading with no unit below this is no mmHg a living patient has (15.2/9.6, a chart's
    /// cmHg): named as not read, never read as mmHg at goal (review R8-7). Absent: 30.
    #[serde(default = "no_unit_min_mmhg")]
    pub no_unit_min_mmhg: f64,
}

const fn no_unit_min_mmhg() -> f64 {
    30.0
}

const fn one() -> u32 {
    1
}

const fn six() -> u32 {
    6
}

const fn three() -> u32 {
    3
}

const fn seven() -> i64 {
    7
}

/// A score (or measurement) and its cut-off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreCut {
    pub observation: ObservationSelector,
    /// `above` (strictly greater) or `at_least`, `below`, `at_most`.
    pub comparison: String,
    pub value: f64,
}

/// The latest value of one or more scores (each taken within `max_age_days` of the run day)
/// beyond a cut-off: met when any score's latest value is; not met when at least one score was
/// measured and none is; undecided only when none was measured in the window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationThreshold {
    pub scores: Vec<ScoreCut>,
    pub max_age_days: i64,
}

/// A drug of a class given now at or above a daily dose for at least some days
/// (glucocorticoids ≥ 7.5 mg/day prednisone equivalent).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OngoingDose {
    pub classes: Vec<String>,
    pub min_mg_day: f64,
    /// Convert with the drug book's prednisone equivalents.
    #[serde(default)]
    pub prednisone_equivalent: bool,
    pub min_days: i64,
}

/// A line is refractory: best response in a set (with enough cycles for stable disease), or
/// progression on therapy or within a window of the last dose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRefractory {
    /// Best responses that make a line refractory once it is evaluable.
    pub refractory_responses: Vec<String>,
    /// Cycles needed before stable disease counts, first line and later lines.
    #[serde(default)]
    pub min_cycles_first_line: Option<u32>,
    #[serde(default)]
    pub min_cycles_later_lines: Option<u32>,
    /// Progression within this many days of the line's last dose is refractory.
    #[serde(default)]
    pub progression_window_days: Option<i64>,
    /// Which lines: `any`, `first`, `latest` (the most recent line with an outcome) or `all`
    /// (every evaluable line: never responded).
    pub which: String,
    /// Lines shorter than this are not evaluable for stable disease (myeloma: 28 days).
    #[serde(default)]
    pub min_days: i64,
}

/// Responded, then progressed after the end of therapy (beyond the refractory window).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relapse {
    /// Responses that count as having responded.
    pub responses: Vec<String>,
    /// Progression within this many days after the last dose is refractory, not relapse.
    #[serde(default)]
    pub refractory_window_days: i64,
    /// Whether a line's relapse is read only in its own window: after `refractory_window_days`
    /// and before the next line began. A line that progressed on therapy or within that window
    /// is refractory to it, never relapsed from it, and a progression while the next line runs
    /// is that line's (progression on therapy). Without it (AML's courses), any progression
    /// after the window is a relapse from the line's remission.
    #[serde(default)]
    pub line_windows: bool,
    /// An early relapse within this many days of the end of the first line, with no later line
    /// given, gets `early_label`.
    #[serde(default)]
    pub early_days: Option<i64>,
    /// `early_days` in calendar months, where the source says months ("within 12 months of
    /// first-line therapy"): at most one of the two.
    #[serde(default)]
    pub early_months: Option<u32>,
    #[serde(default)]
    pub early_label: Option<String>,
    /// A relapse after this many lines or more (the line it follows counted) gets
    /// `later_label` (LBCL: two, the third-line CAR T-cell label context); the early label is
    /// then never given.
    #[serde(default)]
    pub later_lines: Option<u32>,
    #[serde(default)]
    pub later_label: Option<String>,
    /// The `induction_failure` criterion whose reading of a course's response marrow shows a
    /// remission; a later marrow at or above its remission cut-off is then a relapse (AML).
    #[serde(default)]
    pub marrow_from: Option<String>,
}

/// Relapse or progression within a window after a procedure (12 months after ASCT).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelapseAfterProcedure {
    /// SNOMED codes or display words of the procedure.
    pub procedure: Vec<String>,
    /// The window in days, or in calendar months where the source says months (SCHOLAR-1:
    /// "relapse <= 12 months after ASCT"): exactly one of the two.
    #[serde(default)]
    pub window_days: Option<i64>,
    #[serde(default)]
    pub window_months: Option<u32>,
}

impl RelapseAfterProcedure {
    pub fn window(&self) -> super::dates::Length {
        super::dates::Length::of(self.window_days, self.window_months)
    }
}

/// Refractory to at least one drug of each class group (triple-class refractory myeloma).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRefractory {
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
    /// A drug is refractory when given this long and progression came on it or within
    /// `progression_window_days` of its last dose (or it never reached `min_response`).
    pub min_days_on_drug: i64,
    /// Records of one drug each begun within this many days of the last dose before it are one
    /// course, its time on the drug measured from the first dose to the last (per-dose and
    /// per-cycle records are how infusion centres and cyclic orders send them).
    #[serde(default = "course_gap_days")]
    pub course_gap_days: i64,
    pub progression_window_days: i64,
    pub min_response: String,
    /// Whether progression on a drug given as maintenance at a lower dose than before makes it
    /// refractory (IMWG does not say; by default it does, and the reasons say so).
    #[serde(default = "yes")]
    pub reduced_maintenance_counts: bool,
    /// How many different drugs of a group must be refractory (by group name; 1 when absent):
    /// MAMMOTH's penta-refractory asks for two proteasome inhibitors and two IMiDs.
    #[serde(default)]
    pub min_drugs: std::collections::BTreeMap<String, usize>,
}

const fn course_gap_days() -> i64 {
    42
}

const fn yes() -> bool {
    true
}

/// Induction courses without remission (AML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InductionFailure {
    pub min_courses: u32,
    /// Responses that are remission.
    pub remission_responses: Vec<String>,
    /// A course is intensive if it has a drug of every `intensive_all` class and of at least
    /// one `intensive_any` class, or is a high-dose course of `high_dose_ingredient`.
    pub intensive_all: Vec<String>,
    pub intensive_any: Vec<String>,
    #[serde(default)]
    pub high_dose_ingredient: Option<String>,
    /// The least high dose, in mg/m² (a dose per m² in another mass is converted; a dose in
    /// any other unit is not compared as if it were mg/m²).
    #[serde(default)]
    pub high_dose_min: Option<f64>,
    /// Names of a high-dose course of `high_dose_ingredient` ("HiDAC", "high-dose
    /// cytarabine"): a course recorded by one of them is high dose by its name, as a
    /// combination named without doses is intensive by its drugs.
    #[serde(default)]
    pub high_dose_names: Vec<String>,
    /// Marrow blasts below this after a course are taken as remission when no response is
    /// recorded (with the blood counts of a CR or CRi, when `recovery` is set).
    pub blasts: ObservationSelector,
    pub blasts_remission_below: f64,
    /// Days after the start of a course in which its response assessment is expected.
    pub assessment_days: i64,
    /// Which marrow of a course's window (up to the next course's start) is its response:
    /// `last`, the assessment at count recovery, or `first`, which may be a day-14 nadir
    /// marrow that cannot show a CR (it needs recovered counts).
    #[serde(default = "last_marrow")]
    pub response_marrow: String,
    /// The blood counts that tell a remission (CR, CRi, CRh) from MLFS when the marrow blasts
    /// are below the cut-off; without it, blasts below the cut-off alone are remission.
    #[serde(default)]
    pub recovery: Option<CountRecovery>,
}

/// Blood-count recovery at a response marrow (AML, ELN 2017/2022): the best ANC and platelet
/// count from `window_days` before the marrow to the day the next course starts, or
/// `days_after_marrow` after it when none does. Thresholds are in 10⁹/L.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountRecovery {
    pub window_days: i64,
    /// With no next course, the last day of the recovery read: this many days after the marrow.
    pub days_after_marrow: i64,
    /// CR: both at least these; CRi: one of them; neither: MLFS.
    pub neutrophils_at_least: f64,
    pub platelets_at_least: f64,
    /// CRh (ELN 2022, partial recovery): both at least these; read when CRh is a remission
    /// response.
    pub crh_neutrophils_at_least: f64,
    pub crh_platelets_at_least: f64,
    pub neutrophils: ObservationSelector,
    pub platelets: ObservationSelector,
    /// The units a count may be recorded in, each with how many of it make 1 × 10⁹/L (1 for
    /// 10*9/L, 1000 for /uL); a count in another unit is not read.
    pub units: std::collections::BTreeMap<String, f64>,
}

fn last_marrow() -> String {
    String::from("last")
}

/// Status epilepticus: seizures continuing after a benzodiazepine and second-line drug(s), and
/// the super-refractory stage after anaesthesia.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub first_line_classes: Vec<String>,
    pub second_line_classes: Vec<String>,
    /// How many distinct second-line drugs must have failed (NCS/Hocker: 1; older: 2).
    pub second_line_count: u32,
    pub anaesthetic_classes: Vec<String>,
    pub seizure_activity: ObservationSelector,
    /// `refractory` (after first and second line) or `super_refractory` (≥ `hours` after the
    /// first anaesthetic started).
    pub stage: String,
    #[serde(default)]
    pub hours: i64,
    /// Drugs given this long after the first benzodiazepine belong to the same episode.
    pub episode_hours: i64,
    /// Findings of no seizures this many hours apart, with none seen between, document that
    /// the status stopped: a seizure after the first of them is a recurrence, a new episode,
    /// not the failure of the episode's second-line drug.
    #[serde(default = "default_seizure_free_hours")]
    pub seizure_free_hours: i64,
    /// Seizures this long after an anaesthetic infusion of the episode ended still belong to
    /// it (status that recurs on withdrawal of anaesthesia).
    #[serde(default = "default_withdrawal_hours")]
    pub withdrawal_hours: i64,
}

const fn default_seizure_free_hours() -> i64 {
    24
}

const fn default_withdrawal_hours() -> i64 {
    72
}

/// The disease is documented as current: a measurement, or a drug of one of the classes given,
/// within `window_days` of the run day (depression: the episode the trials belong to is still
/// going on). Undecided, with what is missing, when neither is found.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecentEvidence {
    pub window_days: i64,
    #[serde(default)]
    pub observation: ObservationSelector,
    #[serde(default)]
    pub classes: Vec<String>,
    /// Procedures whose sessions show the disease treated now (ECT for depression: see
    /// `procedure_terms.rs` for the terms), as a drug given does.
    #[serde(default)]
    pub procedures: Vec<String>,
    /// What was looked for, in words for `missing` ("a PHQ-9 or other depression score").
    pub what: String,
}

/// At least one (`any_of`) or every one (`all_of`) of the named criteria.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Composite {
    pub criteria: Vec<String>,
}
