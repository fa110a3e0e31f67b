//! Refractory criteria as data, and their evaluation.
//!
//! Rule sets (`assets/rules/<id>.toml`), the drug knowledge base (`assets/drugs.toml`) and the
//! way-forward options catalogue (`assets/options/<id>.toml`) are embedded in the binary and can
//! be replaced with `--rules DIR`. Evaluation is a pure function of (patient record, rule set,
//! today): it never reads the database or the clock.

pub mod checklist;
mod context;
mod dates;
mod describe;
mod diagnosis_names;
pub(crate) mod dose;
mod drug_levels;
pub mod drugs;
mod engine;
mod episode;
mod given;
mod indication;
mod latest;
pub mod lines;
mod load;
mod m_protein;
mod m_protein_series;
mod measures;
pub mod model;
pub(crate) mod numbers;
mod observations;
mod oncology;
pub mod options;
mod outcome;
mod pressure;
mod procedure_terms;
mod procedure_therapies;
mod progression;
mod ranges;
mod recovery;
mod seizure_days;
mod selectors;
pub mod since;
pub(crate) mod status_epilepticus;
pub mod stop_reasons;
mod toml_file;
mod trials;
pub(crate) mod words;

use std::path::Path;

use chrono::NaiveDate;

pub use diagnosis_names::{condition_matches, selected_by};
pub use drugs::{AdverseEffect, Combination, Drug, DrugBook};
pub use engine::{DECEASED_LABEL, INDICATION_CRITERION, fingerprint, matching_conditions};
pub use measures::recognition_key;
pub use model::MeasureReading;
pub use model::{Citation, RuleSet};
pub use options::{CatalogueOption, OptionCatalogue};
pub use pressure::{blood_pressure_named, blood_pressure_of, bp_setting_of_words, mmhg_per};
pub use selectors::names_test;

use crate::domain::{Assessment, Condition, PatientRecord};

/// Bumped when a change to the evaluation code can change what an assessment says (the rule
/// files did not change, so their hash alone would not tell): stored assessments are then
/// evaluated again. 2: a negated condition name no longer selects a rule set. 3: a refuted or
/// entered-in-error diagnosis excludes nothing. 4: no new flag for a deceased patient.
/// 5: assessments carry `criteria_met_since` (rows stored before it are evaluated again, which
/// fills it in). 6: two values of one measure at one moment are never chosen between by record
/// order; an evaluation under new rules derives imported records' lines again (so the lines of
/// records imported by an older refract are derived by this one's line rules). 7: a trial
/// whose scores are in doubt (two at one moment that differ) names which one is asked.
/// 8: a trial's baseline and follow-up scores are of one instrument (a PHQ-9 was compared with
/// a MADRS, a PANSS with a BPRS). 9: blood pressure coded as seated or in SNOMED CT is read.
/// 10: a value reported as a bound ("< 5 %") decides only what every value it allows decides.
/// 11: a diagnosis recorded only as provisional, differential or unconfirmed is named.
/// 12: a trial's instrument is the rule's, whatever coded it; a bounded score can decide.
/// 13: a diastolic reading is paired with one systolic only (two readings at one moment).
/// 14: time at an adequate dose, a response at any follow-up, a course's last marrow, AML
/// relapse by marrow blasts, pending LBCL stable disease, myeloma drugs judged by their own
/// lines, as-needed drugs are no schedule, an unknown onset excludes no trial, the
/// long-acting thiazide-like diuretics, drug starts of a month or a year only.
/// 15: AML remission needs the blood counts of a CR or CRi (MLFS is none); myeloma progression
/// and response from the M-protein and free light chain series; doses from a Medication's
/// ingredient strengths and from timing codes.
/// 16: scales grouped by instrument and never read from a part (subscale, item); ICD-10 codes
/// with or without the dot; procedures by their codes and word forms; esketamine judged per
/// session, depot esters by exact label ratios, doses compared within rounding.
/// 17: a scale's total named with its parts' words is the total; a drug's steps at several doses
/// are one trial; procedures by any of their codings, dated by a window of days; a CAR-T
/// procedure is a line; SDAI for RA activity. 18: an undecided higher tier is never answered
/// by a lower one that excludes it (`lower_bounds`); one item named beside "total" is a part;
/// a condition by any of its codings; CNS-directed doses are no line drug or trial; oral and
/// depot forms are two courses of one drug; a status-epilepticus episode from its escalation,
/// not the latest benzodiazepine; responses read from words; AML intensity by dose in mg/m² and
/// by a high-dose course's name. 19: a depot brand's amount as its label states it (US brands
/// the ester's mass); LBCL cycles by the drug's cycle length and a status after a line's last
/// dose its response within a window (from the end of the last cycle), a status on the next
/// line's first day the earlier line's; status-epilepticus lines are the episode's stages, a
/// scheduled course after control maintenance, fosphenytoin phenytoin's prodrug; blood pressure
/// readings grouped by moment in one pass. 20: a prodrug and its active drug one drug (lines,
/// trials, switches); a single-ingredient product naming several strengths no dose of a count;
/// blood pressure under a local code read by its name; a trial of several records described by
/// its whole course. 21: blood pressure by name in abbreviations, with no pressure word (by a
/// pressure unit), in six European languages, never outside vital signs (a result's category);
/// doses read from counts with and without their form, written totals checked, labelled steps,
/// the patient's instruction. 22: myeloma: an M-protein value not read that could be a rise the
/// values after it do not settle is a progression still to be decided (one they settle a
/// note, never a nadir); the 24-hour urine M-protein by its words (Bence Jones protein) and
/// an amount-per-24-hours unit, a urine concentration or ratio to creatinine (and a serum
/// M-protein's name in such a unit) set aside with a note; unit spellings labs print; one
/// value sent twice in two units one value; a second band at one visit said, the band
/// followed read; a line's response from the urine when it is the measurable disease (PR
/// by "< 200 mg/24 h" only with at least the fall of MR); a weekly form of a drug
/// with a daily minimum judged by the label's weekly equivalent (fluoxetine 90 mg weekly for
/// 20 mg/d), or left unjudged as a confounder, never averaged over the week; a cross-taper a
/// switch, not a combination schedule (`cross_taper_days`); the same schedule tried again one
/// failure; a stop reason not understood quoted, never "no reason"; a seizure rate is seizures
/// throughout the period it covers (the rule of three's interval), coded seizure frequencies,
/// a schedule's failure only where its seizures surely fell after the schedule could work and
/// before it ended, as a count's (`rate_current_units`); a drug stopped before its line's end
/// gives the line its reason within the regimen window only (the cross-taper window reaches
/// after the end alone); a Deauville score of 1-3 alone a complete metabolic response; a
/// weekly dose left unjudged only for a drug with a weekly form but no known equivalent
/// (`weekly_form`) at a week that could reach the minimum, else judged (a week below one day's
/// minimum, or a daily average below it with no weekly form: below). 23: blood pressure taken
/// in hospital or the emergency department (`hospital`) read neither as an office nor as an
/// out-of-office reading, and named in the reasons; a status epilepticus
/// episode's seizures read to its end (after anaesthesia, `withdrawal_hours` past it), and not
/// after findings of none over `seizure_free_hours` documented that it stopped; names of parts
/// joined by " + " (marrow blasts in any order of words); count units as labs print them
/// ("x10(3)/mcL", "Thous/uL", "/cmm"); hypertension: the
/// office level now is the mean of the latest occasions (`office_occasions`), home monitoring
/// the mean of its latest period (`home_period_days`); a brand's "HCT" is hydrochlorothiazide,
/// a combination read in part is said; a brand's unnamed strengths read in label order; a
/// recorded secondary cause named; the current episode bounded
/// by an earlier episode's end and the current diagnosis's recorded day (`episode.rs`); an
/// exclusion recorded only as possible asks instead of excluding; an acute ECT course a trial
/// (`procedure_course`); a clozapine trial at levels all below TRRIP's no adequate trial
/// (`level`); drug records naming no known drug said (`unread_drugs`); a drug whose start
/// is only its latest day (a year, a month, an end alone) joins a regimen by the window only
/// where it was surely given with the regimen's drugs; status epilepticus documented stopped
/// ends the episode for every check (a later second-line drug, anaesthesia, a bolus that starts
/// a new episode); a test measured on marrow blasts (chimerism, a CD marker's share, flow, FISH,
/// an allelic ratio) no marrow blast count. Hypertension: a visit is judged by its
/// mean and is a local day; a home series needs `home_min_readings` on `home_min_days`; a
/// recorded secondary cause keeps the screening of the others, and only a current, confirmed
/// one is a cause found; a dose range or "X plus Y" is no partly read combination; an earlier episode's end bounds only before the
/// current onset, the latest evidence of the episode's start wins, a recurrent diagnosis with no
/// onset asks about older trials; a later refutation settles an exclusion; maintenance ECT or a
/// course begun in remission no failed course, a course as one procedure over a period
/// undecided, sessions dated by an end alone counted; clozapine levels reported as bounds read;
/// transdermal selegiline by its generic name; `unread_drugs` without supplements, short.
/// Also in 23: a recurrent diagnosis's onset dates the disorder, so every earlier episode's
/// end bounds; "begun in remission" only by a score at most `remission_baseline_days` before
/// the first session; a session period shorter than a day one session on its start's day.
/// 24: a Deauville 4 or 5 alone is named beside the line's missing response; a trial of several
/// records of one dose is one item of evidence.
/// Also in 24: a recovery the scores show (remission for `[episode] recovery_days`) ends the episode
/// it follows: a treatment begun before its end is an earlier episode's (`episode.rs`).
/// Also in 24: every day the criteria count (a procedure session, a day a drug was given, a score's or
/// a count's day) is the record's local day, by the UTC offset its time was written in.
/// Also in 24: oncology lines: bridging and lymphodepletion are the CAR T line's, mobilisation and
/// conditioning the transplant's (lbcl reads planned sequences too), cytoreduction before a
/// regimen no line, a regimen restarted after a relapse off therapy a new line, and a completed
/// order per cycle a cycle (`[lines]` in lbcl, myeloma, aml).
/// Also in 24: a stop reason's access pair only where its failure word is said of the payer or
/// the drug ("Treatment failed despite full insurance coverage" is no response).
/// Also in 24: a seizure count's day against the day a schedule could work, and a disease status
/// against a line's first dose, are local days on both sides (never a UTC day beside a local one).
/// Also in 24: a CAR T line is judged (response, progression on it, cycles) from the infusion, not
/// its bridging; a regimen that progressed before the lymphodepletion window is a line of its
/// own; dose orders are grouped into cycles as administrations are; a cytoreduction is judged by
/// its course.
/// 25: a later onset of a depression diagnosis still current, with no room for a recovery since
/// an earlier onset of one still current, is the same episode (`episode.rs`), and where a
/// recovery could lie between with nothing recorded, a trial between is undecided; the same
/// course, reading or diagnosis recorded by two sources is one item of evidence citing both
/// records (`Evidence::also`).
/// Also in 25: two onsets of current recurrent depression diagnoses (F33, SNOMED CT
/// recurrent) are joined as single-episode ones are; a trial stopped for no response shows the
/// depression on from its start to that stop (no room for a recovery, and a recovery run breaks
/// at the stop); an earlier episode's recorded end settles a trial the onsets leave undecided; what
/// is missing names each onset's diagnosis and the one the current episode is dated by.
/// Also in 25: a drug put where it acts (a cream, eye or ear drops) is no treatment the
/// criteria read (diltiazem cream is no calcium channel blocker given); a dose in tablets of a
/// combination is one item of evidence only at the same strengths.
/// 26: the same blood pressure values at the same moment and setting are one reading sent
/// twice, counted once (`pressure.rs`).
/// Also in 26: the sessions of an acute ECT course (not begun in remission, no remission score in
/// the 14 days before a session) show the depression on their days, as a trial stopped for no
/// response does through its days: they join two onsets a recovery could otherwise lie between,
/// and break a run of remission scores.
/// Also in 26: a line says cycles only in a rule set whose regimens are given in cycles
/// (`[lines] counts_cycles`: lbcl, myeloma, aml); ward doses of an antiseizure drug are no cycle.
/// Also in 26: on the current antiseizure schedule, seizure freedom is counted from
/// the last seizure on it: sustained freedom since a seizure once it could work is success now
/// (not drug-resistant), undetermined freedom since is no failure, shorter freedom leaves the
/// failure with the freedom so far and what it needs in the reasons.
/// Also in 26: an ECT session in the last 12 months shows a depression episode current, as an
/// antidepressant given does (`recent_evidence.procedures`).
/// Also in 26 (myeloma, lbcl): a line's relapse is read in its own window (`[criterion.relapse]
/// line_windows`): a progression on the line or within its refractory window is refractory to it,
/// one while the next line runs is that line's; myeloma's penta-refractory label
/// (`class_refractory.min_drugs`), triple- or penta-class refractoriness said in the reasons
/// beside another status (`label_when.history`); a rule-out the status's progression shows met
/// is not listed (`unless_progression_confirmed`).
/// Also in 26: an LBCL relapse is labelled by the line count (the second-line CAR T-cell label
/// only while line 1 is the only line, the third-line one after two or more) and every relapse
/// is cited, the current one last (also in myeloma and AML); a relapse after a transplant's
/// window is said with its day, never "no relapse".
/// Also in 26: a brand's strengths joined by slashes ("Exforge HCT 10 mg/320 mg/25 mg",
/// "10mg/320mg/25mg", "Sinemet 100 MG / 25 MG") are its unnamed list, read in label order as
/// the hyphenated form is; a "co-" name is no list of names.
/// Also in 26: a drug whose records say it was given only for other conditions
/// (coded diagnoses none of which is the rule set's) is no trial, class or line drug of this
/// one unless the rule file's `[indication]` says to count it; the evidence lists it as not
/// counted.
/// Also in 26: a seizure count or a score dated by a month or a year alone is every day of it, never
/// its first day: a count in the month a schedule became adequate leaves it undecided
/// (`window_across_adequacy`), a seizure of a month counts freedom from its last day, and a
/// score is a trial's baseline or follow-up, and a disease status or a marrow a line's or a
/// course's, only when the whole month is (`trials.rs`, `seizure_days.rs`, `oncology.rs`).
/// 27: a depression onset, or an earlier episode's end, given as a month or a year alone is
/// every day of it: a trial whose place in or before the current episode turns on its day is
/// undecided and said (`[episode] window_across_bound`, `episode.rs`); an office reading of a
/// month counts on a regimen only when all of its month does, and visits span what surely lay
/// between them (`pressure.rs`); a progression shown by a value or a status of a month counts
/// in a line's (a drug's) window only when all of its month does, and one whose month holds the
/// window's end or the next line's start is attributed to none, said (`oncology.rs`).
/// Also in 27: a drug record whose code names another drug than its words is listed among what
/// to rule out (`drug_names_disagree`); a drug given for a hypertensive crisis or a hypertensive
/// disorder of pregnancy counts for hypertension, one given for dysthymia for depression.
/// Also in 27: a drug given now recorded by several sources is one item saying the course as
/// all its records do (from the first one's month, ongoing while any is, from fills only when
/// all are), never the words of the record begun first, which another source's earlier copy
/// replaced and so reopened a confirmed review (review39 F7, `describe::course_words`).
/// Also in 27: among the reasons a drug set aside for its indication is said once, however
/// many of its records (an order and its fills) were set aside.
/// 28: a serum M-protein (urine, light chain) value of a month is read on its first and its
/// last day: a line's response or a progression the two read differently is undecided, said,
/// and a rise is acted on only by a line begun after all of its month (`m_protein.rs`,
/// `m_protein_series.rs`); a response status or Deauville score whose month runs across a
/// line's window, or a drug's MAMMOTH window, leaves the line (the relapse from it, the drug)
/// undecided where it would decide (`oncology.rs`); so does a recovery count of a month across
/// an AML course's days (`recovery.rs`), a drug level of a month across a trial's first or last
/// day, and a count of no seizures of a month whose day would make freedom sustained
/// (`trials.rs`).
/// Also in 28: drugs begun together as one regimen are one treatment in a count of failed
/// trials (`begun_together`: sertraline with mirtazapine, olanzapine with haloperidol, counted
/// once); thresholds worded in months are calendar months (SCHOLAR-1's 12 months after ASCT,
/// the early-relapse label's 12 months, hypertension's six-month span of visits: `*_months`);
/// a label above the one given says what fell short of it (a clozapine trial too short, an
/// anti-CD38 given under 4 weeks); a status of progressive disease after the response the
/// M-protein shows is a later progression, no conflicting best response.
/// Also in 29 (review r4 R4-2..R4-5, R4-8): a CAR T-cell infusion coded CPT 38228 or by an ICD-10-PCS
/// product code alone is its line, named by the product its code names
/// (`therapy_procedure_products`); a line of lymphodepletion drugs alone over a few days is said
/// as a possible CAR T lymphodepletion (`lymphodepletion_alone`); ECT sessions coded ICD-10-PCS
/// GZB0ZZZ-GZB4ZZZ are sessions; only a video-EEG resolves epilepsy's diagnosis check; only a
/// biopsy of the latest relapse resolves LBCL's biopsy check
/// (`resolved_days_before_progression`); a procedure with no words is named by its code in the
/// reasons and the evidence.
/// Also in 28: a depression score dated by a month or a year alone is every day of it in the
/// episode's recovery runs too: a trial that a recovery sets aside by one day of its month and
/// not another is undecided and said (`episode.rs`, `score_days`); so is one whose place turns
/// on a diagnosis's `recordedDate` of a month (`recorded_precision`). A measurement, an onset
/// or an abatement of a month is there, as of a day, only from its last day on, so the day a
/// flag's criteria were first met is never a first day the record never gave (`since.rs`); the
/// latest recorded data are from a month's last day, said as written (`context.rs`); a record
/// without a status begun in the month another record of its diagnosis ended no longer
/// outweighs it (`Condition::is_current_among`), and a refutation of a month is ordered against
/// the diagnosis by the file within that month (`engine.rs`, `ruled_out_later`); a confounding
/// diagnosis's onset of a year alone is said as that year, never its January. Hypertension:
/// which office visits are the latest (the level now) is read over every day of a visit of a
/// month; a level that turns on it is undecided and said (`pressure.rs`,
/// `latest_visits_turn_on`); a home reading of a month is of a series only when all of its
/// month is (a given mean of a month is its own series, as is an ambulatory reading of a
/// month), and one whose month runs across the series read is said, undecided when the mean
/// turns on it.
/// Also in 28: a drug record no one can identify (codes the drug book does not know, no words)
/// leaves an assessment that would be "not met" undecided, with a rule-out naming its codes
/// (`drugs_unidentified`); a code and words disagree when each names an ingredient the other
/// does not; an ingredient's maximum in a product where it differs (valsartan in
/// sacubitril/valsartan); an office mean says how many of its readings have a diastolic; a
/// name said inside another disease's selects no rule set (`applies_to.not_names`: pulmonary
/// hypertension); RA's "not difficult-to-treat" asks for the signs of activity refract does not
/// read when they alone fall short (`other_active_signs`, `when_met`).
/// Also in 29 (review39 F7, the other rule sets): a trial's copy from
/// another source with a planned end after the run day is the same trial, still given, never a
/// second one ending in the future (`trials::merge_same_period`); copies of one course are said
/// as the course (`describe::course_words`), an ongoing course's time at dose is the course's;
/// a planned end is no time on a glucocorticoid (`observations::ongoing_dose`). A review's
/// fingerprint is made of what the cited items are (`Evidence::content`: drugs and how they
/// stopped, a line's number, regimen, response and stop, a procedure's name), not their words
/// (`Assessment::content_fingerprint`); reviews made on the words' digest still hold
/// (`store::assessments::held_fingerprint`).
/// Also in 28: a procedure whose record says it was done only for other conditions (a transplant
/// for the myeloma), or an observation whose `focus` names only other conditions (the
/// myeloma's disease status), is none of this rule set's findings nor of its derived lines;
/// the reasons and the evidence list it as not counted (review r3 C-1, `indication.rs`).
/// Also in 28: a drug given once over at most `[lines] one_off_max_hours` (24 in epilepsy.toml) and
/// in no maintenance role (a status-epilepticus load) is no schedule, line or add-on of that
/// rule set (review r3 C-6, `Given::is_one_off`).
/// 29: a depression diagnosis sent with the clinical status `recurrence` dates the disorder's
/// first episode, not the current one (over on no day): trials since its onset are undecided
/// and the current episode's onset is asked for (review r5 R5-8, `episode.rs`).
/// Also in 29: the last places that read a date of a month or a year alone as its first
/// day read every day of it. Derived myeloma lines take a progression (an M-protein rise, a
/// worsened status) of a month as its days: a relapse off therapy or a planned sequence's end
/// that only some of them make cuts the line, its reason saying the day cannot be told
/// (`lines.rs`, `m_protein_series::rise_days`); an AML marrow of a month that may be before or
/// after the remission it would relapse from is undecided, said (`oncology::marrow_relapse`); a
/// relapse of a month within a procedure's window for some of its days only is undecided, said
/// (`relapse_after_procedure`); a finished schedule's diary entry of no seizure of a month that
/// may be after the schedule ended, or too early to cover its end, leaves a recorded "no
/// response" undecided (`trials.rs`, `MaybeFreeOnSchedule`); an office reading of a month with a
/// visit on a day of it is not a second occasion, and a level that needs it as one is
/// undecided, said (`pressure.rs`, `own_visits`).
/// Also in 29: a rule set that reads drug courses (`[lines] drug_courses`, RA) keeps a course
/// acting for the drug book's `course_days` (rituximab 168): the next course within the line
/// gap after it is the same line and trial, the infusions of one course (begun within
/// `retreatment_min_days`) one course judged once, whatever stop reason each carries; a dose a
/// day given on one day alone is said as that day's amount ("1000 mg on one day", "on each of
/// 4 days"), no longer "1000 mg/d" (review r3 C-7, `Given::treats_until`,
/// `trials::merge_courses`, `DrugExposure::one_day_amount`).
/// Also in 29 (review r5 R5-1): a trial stopped with no end, known on its first day only,
/// says how long it was given is not recorded, never "for at least 0 days"
/// (`trials::judge`).
/// Also in 29 (review r4 R4-9): a drug or a line whose start is only a bound (a period with an
/// end alone, a year) is said from that bound in the reasons (`≤2022-09`), its length "at
/// least" what the records show, and a trial whose records show one day of it says which
/// ("given until … from a day not recorded", "given from …", "known given on … only"), never
/// "0 weeks" (`describe.rs`, `trials.rs`).
/// Also in 29 (review r4 R4-5 follow-up): status epilepticus' "diagnosis to confirm on EEG" is
/// resolved only by an EEG of the episode assessed, from a day before its first bolus to its
/// end (`resolved_days_before_episode`), never by one of another time.
/// Also in 29 (review r3 C-8): a diagnosis in words selects its rule set as clinicians write it
/// ("HTN", "High blood pressure", "MDD", "Depression", "Myeloma", "Seizure disorder", "NCSE",
/// inverted index forms); an abbreviation with other meanings selects only as written and beside
/// the words that say which (`[[applies_to.abbreviations]]`: "Seropositive RA", "MM, IgG kappa";
/// "AML" never beside a kidney's angiomyolipoma); the other diseases named with a listed word
/// (`not_names`: ST depression, functional seizure disorder, solitary myeloma, an elevated
/// reading without a diagnosis of hypertension) select none, and a drug's stated indication is
/// read the same way (`diagnosis_names::selected_by`).
/// Also in 29 (review r3 C-1 without a tie): a record tied to no condition, of a patient with
/// another disease a rule set reads it for, is attributed between them
/// (`indication::attribute_untied`): an observation (or a reason in words alone) naming the
/// other disease and not this one is the other's; a course or a procedure that ended more than
/// `[indication] untied_margin_days` before this condition's earliest onset, while the other
/// had begun, is no line or finding of this one; where neither tells it counts, with the
/// rule-out `untied_records`.
/// In 30 (fix-month4 1): the last four places that read a date of a month alone as its first
/// day read every day of it: a measurement of a month holding the first day of a threshold's
/// window ("CDAI > 10 in the last 6 months") that may be the latest in it leaves the criterion
/// undecided where its side of the cut differs, said (`observations::straddling_since`); the
/// count read of an AML course after a marrow of a month runs `days_after_marrow` from its
/// first day surely and from its last day maybe, a count between deciding undecided, said
/// (`recovery::at_marrow`); a transplant of a month (or an age) makes a planned-sequence part
/// only where every day of it would, else the line is cut saying its day cannot be told
/// (`lines::planned_part`, `unplanned_transplant`); the current schedule's freedom since a
/// seizure counted in a month is undetermined where its first and last day would read it
/// differently (`trials.rs`, `seizure_days::earliest_last_day`).
/// In 30 (fix-month4 2): a rule set reading depot injections as courses (`[lines]
/// depot_grace_share`, schizophrenia 0.5) reads one injection of a long-acting injectable
/// recorded alone as a course acting for its label interval (`Drug::label_interval_days`:
/// paliperidone 6-monthly 182): injections within the interval and half of it after the last
/// are one line and one trial, from the first to the last's interval (`Given::course_days`,
/// `depot_course_days`, `trials::merge_courses`, `course_end`).
/// In 30 (review C, C-1 follow-up): an untied drug neither words nor dates tell is told by the
/// oncology files' lists of their diseases' own drugs (`[indication] treatment_classes`,
/// `treatment_ingredients`): one only one of the patient's assessed diseases lists is that
/// one's (not counted by the other, counted and said by its own), a drug both list by the
/// untied drugs started with it (`regimen_companion_days`); only what still points both ways or
/// nowhere keeps the rule-out, one item per drug. Also in 30: an untied disease status is
/// read by its value's own words too (`Observation::value_words`, MAPPING 22).
/// In 30 (review r5 R5-9): a review's fingerprint also covers the diagnosis records the
/// assessment reads (`diagnosis_grounds`) and what it says must be ruled out, read before the
/// team's resolutions (`Confounder::content`, `Assessment::grounds`): another diagnosis or a new
/// rule-out asks for a new review; reviews made on the earlier digest hold while the row
/// re-evaluated says nothing changed (`store::assessments::held_fingerprint`, whose first
/// evaluation under this revision records the assessment's own fingerprint beside theirs).
/// In 30 (review R7-1, R7-2, R7-3, R7-8): a blood pressure is read in mmHg only, one stored in
/// another unit named as not read (`no_unit_is_mmhg`: none is mmHg); copies of one reading at
/// one moment are compared within 0.1 kPa (0.75 mmHg), so a kPa copy is one reading; marrow
/// blasts are read in percent only (no unit and a value of 1 or less, or another unit, named
/// as not read); blood counts in /nL, Gpt/L and /L are read (aml.toml).
/// In 30 (review R7-5, R7-7, R7-10): a test's name matches however its words and numbers are
/// parted ("DAS 28", "DAS-28 CRP" are the DAS28: `selectors::names_test`); seizure freedom is
/// counted only over the days the seizure reports document without a gap (a month's rate is
/// that month), and a finished schedule's diary must cover it (`seizure_days::documented`);
/// an aldosterone/renin ratio (or an aldosterone and a renin) screened for primary
/// aldosteronism (`engine::screened_by_tests`).
/// Also in 30 (reviewed at the merge): myeloma's high-dose melphalan within its window of some
/// day of a transplant dated by a month alone is its conditioning, the line continued (`[lines]
/// conditioning_in_transplant_month`), not a second line cut by a day no record gave.
/// Also in 30 (review R8-4, R8-7): doxorubicin, etoposide, cisplatin and bendamustine are
/// listed by myeloma.toml too (a DCEP tells neither cancer); a blood pressure with no unit below
/// `no_unit_min_mmhg` (30) is named as not read, never read as mmHg.
/// Also in 30 (review R8-3): a paliperidone palmitate injection under the generic or RxNorm name acts
/// for its strength's product's interval (3-monthly 273-819 mg, 6-monthly 1092/1560 mg, and
/// their paliperidone amounts: drug book `strength_intervals`), not a month.
/// In 31 (review R8-5): a course tied to no condition begun more than `[indication]
/// untied_begun_margin_days` (30, set by the lymphoma, myeloma and AML files) before the
/// cancer's earliest onset, while another of the patient's assessed diseases was there, is that
/// disease's, no line of the cancer, however long it went on ("begun before the … onset"), and
/// asks the other's assessment nothing (`indication::begun_before_other`); the rheumatoid
/// arthritis file lists its DMARDs as its own drugs (`treatment_is_line_classes`), so its
/// methotrexate and rituximab are told against a myeloma or an AML; a regimen's companions
/// that tell an untied drug are every untied drug begun with it, whichever rule set reads
/// them, one only one file lists telling for that disease (`indication::companion_side`:
/// R-CHOP's vincristine makes its rituximab the lymphoma's, no bDMARD of the arthritis).
/// Also in 31 (review R8-6): a review's fingerprint keys each diagnosis by what the rule file reads
/// it as (`engine::diagnosis_grounds`, `rule_reading`: the records grouped by the lists that
/// recognise them, each group by its ICD-10 codes, else SNOMED CT codes, else words), so a
/// second source's SNOMED CT record of the same diagnosis, or a SNOMED CT coding added to it,
/// no longer asks again; reviews made on ENGINE 30's digest (diagnoses by their codes) hold
/// while nothing changed (`Assessment::coded_fingerprint`, `held_fingerprint`). hypertension.toml
/// reads SNOMED CT 123799005 |Renovascular hypertension| and 31992008 |Secondary hypertension| as
/// I15.0 and I15.9 are read: the rule set's diagnosis and the secondary cause each names.
/// Also in 31 (review R9-3): where the time at an adequate dose is counted, a course's records that
/// give no dose count in it when none of its records is below the dose (fills of a completed
/// order), with the dose in doubt said as a confounder; R9-8: a course of records ending the
/// same day is said with the stop reason one of them gives.
/// Also in 31 (review r9 R9-2): a ward's doses given one at a time (kept as a cycle) and an order or
/// statement of the drug following it (or followed by it) are steps of one trial
/// (`trials::merge_steps`), as two orders one after the other are.
/// Also in 31 (review11 R11-4): a drug of a line begun again, after a pause, within the regimen
/// window before a new drug cuts the next line (rituximab of R-CHOP, then of R-ICE;
/// daratumumab of D-VRd, then of Dara-Kd) is the next line's only (`lines::new_courses`): the
/// line before ends where its own courses ended, with their stop reason, however the records
/// of one day are ordered; a drug given on without a pause is still carried into the next line.
/// Also in 31 (review11 R11-5): myeloma reads a CAR T-cell infusion's response from the M-protein up
/// to 365 days after it (`[m_protein.response] after_end_days_by_class`), and a disease status
/// as its response as long (`[lines] response_days_by_class`), not 30 (56) days after its one
/// dose: "insufficient data" for want of two values within a month of the infusion no longer.
/// In 32 (review R11-7): an adherence rule-out with `drug_levels` reads the record's measured
/// drug levels (`drug_levels.rs`, ranges in the drug book's `[[level_range]]`): it names them
/// (a level below range as possible non-adherence or underdosing, an undetectable one as
/// non-adherence), and with `drug_levels = "resolve"` (epilepsy) levels showing every monitored
/// drug taken resolve it.
/// Also in 32 (review R8-6, its leftovers): a review's fingerprint keys each group of diagnosis
/// records the rule file reads alike by the entries of its lists that recognise them
/// (`engine::diagnosis_grounds`, `recognising_lists`, `diagnosis_names::listed_entries`: the
/// ICD-10 prefix, else the SNOMED CT concept, else the name), no longer by the records' codes:
/// the GP's G40.9 beside the hospital's G40.909 (both under epilepsy.toml's `G40`), or F33.9
/// beside F33.1, no longer asks the team again, while what a list reads apart (F32 for F33,
/// I15.0 for I10, another listed SNOMED CT concept) still does. Reviews made on ENGINE 31's
/// digest hold while nothing changed (`Assessment::reading_fingerprint`, `held_fingerprint`).
/// hypertension.toml reads a GP's SNOMED CT record of a chronic kidney disease stage (431855005,
/// 431856006, 433144002, 431857002, 433146000, 714152005) or of end-stage renal disease
/// (46177005) as N18 is read, a secondary cause, and 1074009 as E26.0 is (primary aldosteronism).
/// Also in 32 (review R9-5, R9-6, R9-7): a course ended by the patient's report that they do not
/// take the drug (stop text "reported not taken", from a statement `not-taken`) is no failed
/// trial unless its reason reads as intolerance (`trials::judge`), and the adherence rule-out
/// of the rule sets that set `names_not_taken` says "patient reported not taking DRUG since
/// DATE (reason)"; hypertension's regimen counts a drug whose start is not recorded as given
/// from a day not known: neither it nor a line it begins moves the day readings count from, and
/// its blood pressure criteria say its start is not known (`pressure::current_regimen`); a dose
/// refract worked out is quoted with where it came from ("dose from quantity/supply").
/// Also in 32 (review OC-8): "given for …, not counted" drugs and "done for / about …, not
/// counted" findings in the same words are one evidence item citing every record (`also`), as
/// counted items are, not one item per record.
/// Also in 32 (review OB1): a combination (`any_of`, `all_of`) undecided only on a question
/// whose every answer decides it the same way is decided (`engine::settled_whatever`): on four
/// antihypertensive classes with a diuretic, "uncontrolled on three with a diuretic, or
/// controlled on four" is met whatever the blood pressure, so a patient with no current reading
/// (none in 12 months, or none yet 4 weeks after a drug was added) is resistant, not
/// "insufficient data"; the reading stays missing and the white-coat effect to rule out.
/// Also in 32 (review OB3): epilepsy reads a seizure diary sent as one Observation per
/// seizure (SNOMED CT 91175000 |Seizure|, valued Present, true or a count) as seizures on their
/// days (`assets/rules/epilepsy.toml`, `events.observation.codes`).
/// Also in 32 (review OA-1 to OA-5): myeloma's drug-refractoriness measures a drug's 4 weeks over
/// its course (records each begun within `course_gap_days` of the last dose before it), not per
/// dose or per cycle record; primary refractory myeloma needs a known best response below a
/// minimal response (a progression with the best response unknown leaves it undecided, said as
/// missing); a light-chain myeloma's response is read from the free light chain difference
/// (`[m_protein.flc_response]`); a myeloma line's cycles are counted in the regimen's rhythm
/// (`[lines] cycle_rhythm_max_days`); AML consolidation after a recorded remission continues the
/// line (`[lines] remission_continues`); intervals near a 60-day window are said in days.
/// In 33 (G3-1, G3-2, G3-3): an AML relapse sent only as a diagnosis (ICD-10-CM "in relapse",
/// a diagnosis named relapsed, a clinicalStatus of relapse or recurrence, a new diagnosis of the
/// leukaemia after the remission: `[lines.relapse_diagnoses]`) ends the remission, so the course
/// after it is a new line, its cut saying the relapse, and is read as a relapse by the relapsed
/// criterion; a remission read from the marrow blasts and the blood counts of the induction's
/// recovery (ELN 2017's CR or CRi, no response recorded) continues the line as a recorded one
/// does, the line's reason saying the measurements; LBCL counts a line's cycles in the
/// regimen's rhythm (`cycle_rhythm_max_days = 28`), and a drug's orders per cycle whose periods
/// follow on with no pause (R-CHOP-21 written day 1 to day 21) give the rhythm by their starts:
/// six such orders were read as one cycle.
/// Also in 33 (G4-1 to G4-3): a drug level is evidence of the course of the drug it was taken
/// during, from its first day to the book's `days_after_stop` (about five half-lives) after its
/// last: an in-range level of an earlier course no longer answers for today's, and every course
/// of a monitored drug needs its own. Levels in mEq/L are read for an ion by its charge
/// (lithium: 1 mEq/L = 1 mmol/L). A lab's own range on the result (`referenceRange`:
/// therapeutic, else normal or untyped) is read before the book's, and its flag (L/LL, H/HH,
/// N) where it gives no range (`rules::drug_levels`).
/// Also in 33 (G2-3): an imaging row (an imported ImagingStudy or radiology report, "Imaging: …")
/// is read only by the checklist's imaging items (`procedure_terms::is_study_one_of`), never
/// as the treatment its words may name ("MRI brain after left temporal lobectomy").
/// Also in 33 (G2-1): a procedure the record gives no date for (a Device affixed to the patient,
/// an implant "in childhood") counts as an option already tried, said "date not recorded"
/// (`options::tried`), after any dated record of it: an implanted stimulator whose day no
/// record gives was still tried.
/// Also in 33 (G1-3): a dose refract worked out (`drug_exposures.dose_from`: from the order, from
/// quantity/supply, a day's total of ward doses) says so where hypertension finds it below its
/// usual maximum, and where a trial's dose is below its minimum effective dose or its
/// chlorpromazine-equivalent minimum, as every cited dose does since R9-7.
/// Also in 33 (G6-1, OB2, R8-5): a long-acting injectable whose product's highest labelled
/// maintenance dose is below TRRIP's 600 mg/d chlorpromazine equivalent by the depot DDD
/// (risperidone and aripiprazole LAIs) is an adequate dose at that maximum (drug book
/// `depot_label_max`, schizophrenia's `depot_label_maximum`), and the reasons say which measure
/// judged it; a salt whose usual maximum differs is judged by its own (`salt_max_mg_day`:
/// perindopril arginine 10 mg/d, not the erbumine's 16; Triplixam's perindopril), metoprolol
/// tartrate and carvedilol phosphate too; an untied methotrexate record of a patient with a
/// rheumatoid arthritis and a lymphoma whose words and dates tell neither is told by its dose
/// (`[[indication.dose_tells]]`: at most 30 mg a week the arthritis's, 500 mg/m² or 1 g or more
/// the lymphoma's), said with the dose.
/// In 34 (TL-1, R8-6): hypertension.toml reads the SNOMED CT concepts of a hypertension that
/// names its cause (VSAC "Non essential Hypertension SNOMEDCT", 2.16.840.1.113762.1.4.1032.10:
/// 28119000 |Renal hypertension|, 57684003, 194788005, 194785008, 89242004, 74451002 as I15.1-
/// I15.9 are read, a secondary hypertension; 39018007, 123800009, 73410007, 194783001 as I15.0
/// is, a renal artery stenosis) as the rule set's diagnosis and the secondary cause each names.
/// A review made on an earlier refract's digest (ENGINE 30's, 31's) holds when the first run
/// after the upgrade is the import that brings another record of the diagnosis the rule file
/// reads alike (the GP's G40.9 beside the hospital's G40.909, a SNOMED CT copy): the earlier
/// digest is also made without the records that add nothing to what the rules read
/// (`engine::earlier_diagnosis_grounds`, `Assessment::earlier_fingerprints`). The timeline's
/// measure charts recognise each kind of result once (`rules::recognition_key`): the same
/// charts, read in milliseconds.
/// Also in 34 (LV-1, LV-2, LV-3, LV-4): the drug levels of an adherence check read only the drugs of
/// the rule set's classes (a lithium level, or lithium given without one, is no evidence about
/// an antiseizure drug); phenytoin (10-20 mg/L, total) and phenobarbital (10-40 mg/L) are
/// monitored by level; a lab's range with one bound judges its side, and one given only as
/// text is read where the text is one range (else said as not read); a level of a drug the
/// book does not monitor is read where the lab judges it (its range or flag), said as the lab's.
/// Also in 34 (ON-1, ON-2, ON-3, ON-4): a myeloma relapse sent only as a diagnosis (ICD-10-CM C90.02
/// "in relapse", words that say relapsed, a clinicalStatus of relapse or recurrence: myeloma's
/// `[lines.relapse_diagnoses]`) is a progression on its day, so a regimen restarted after it off
/// therapy is a new line and the criteria read it (relapsed, refractory); a diagnosis in
/// remission (C92.01, C90.01, SNOMED CT 91860005) is a recorded remission on its day, read as the
/// least response a remission can be (`remission_response`: AML CRi, myeloma PR), wherever a
/// recorded remission is read (a line's response, consolidation continuing the line, the
/// remission a relapse follows), the reasons saying it was read from the diagnosis; AML's
/// remission words no longer read "not having achieved remission" as a remission; AML sets no
/// regimen rhythm (aml.toml says why).
/// In 35 (ON-5, ON-6, ON-7): a diagnosis whose clinicalStatus alone says relapse has no day of
/// its own, for the criteria as for the lines (one reading, `lines::relapse_diagnosis_days`): it
/// is no longer a progression on its onset or recorded day (progression on therapy, relapse
/// within 12 months of a transplant, a relapse off therapy), the reasons say it was seen and
/// that its day would decide, and the lines read it as after the latest remission whatever its
/// own days; large B-cell lymphoma reads a diagnosis in remission (ICD-10-CM FY2025 C83.3A,
/// C85.2A, C83.8A, or the words) as a recorded partial response on its onset, the line's own
/// disease statuses and Deauville scores deciding over it (`results_decide`); no SNOMED CT
/// concept of AML in relapse or of myeloma in relapse or in remission could be verified, so
/// those are still read by their words.
/// Also in 35 (CR-1): a course of a drug read in courses (rituximab in RA, a depot injection
/// recorded alone in schizophrenia) stopped for a failure (a reason among the criterion's
/// `failure_reasons`, "no response") is judged over its action, to `course_days` (the depot's
/// interval) after it began, the next drug of the criterion's classes or the run day, as a
/// course with no stop reason is: the reason written on its infusions is the verdict on the
/// course, not a stop on its last infusion day. One rituximab course so recorded had been "not
/// counted: stopped for no response after 2 weeks", a difficult-to-treat RA "not
/// difficult-to-treat". A course stopped for intolerance still ends where its record ends.
/// Also in 35 (CR-2): epilepsy counts appropriately chosen schedules only (ILAE 2010): a
/// schedule all of whose drugs may aggravate the seizures of the patient's syndrome
/// (`failed_trials.not_appropriate`: carbamazepine, phenytoin and the others NICE lists, in an
/// absence epilepsy or a juvenile myoclonic epilepsy) is not counted, "not appropriately chosen".
/// Also in 35 (CR-3): rheumatoid arthritis' csDMARD failure reads EULAR 2021's "(unless
/// contraindicated)": a recorded reaction to a csDMARD (an AllergyIntolerance of methotrexate,
/// not marked inactive; `failed_trials.unless_contraindicated`) meets it, the reaction named in
/// the reasons and listed to confirm (`contraindication`); it had been "not difficult-to-treat".
/// Also in 35 (RV-3): words of a diagnosis that say its remission was not reached ("never in
/// remission", "failed to achieve complete remission", `remission_denied_by`) name no remission
/// (AML, myeloma, large B-cell lymphoma); they had made a refractory lymphoma "relapsed".
/// In 36 (CR-4, CR-5, CR-6, CR-10): a schedule with seizures recorded after `min_days` is a
/// failure whatever its later stop reason (intolerance, the patient's choice, access), as Kwan
/// 2010 and epilepsy.toml's own choice say; only noncompliance still leaves it uncounted (CR-4).
/// A name denied by the words before it is read as denied across words that only say how it was
/// looked for ("no evidence of relapse", "no signs or symptoms of recurrence", "negative for
/// recurrence", "free of relapse", "rule out relapse") and after it ("relapse-free", "recurrence
/// not seen"), for every rule set that reads names; an AML diagnosis begun after a remission
/// whose words deny a relapse is no new onset (CR-5, CR-10). A csDMARD stopped for intolerance
/// is the contraindication EULAR 2021 allows (`intolerance_contraindicates`), as a recorded
/// reaction is (CR-6).
/// Also in 36 (DK-1, DK-2, DK-3, DK-4): the usual maximum an antihypertensive is judged against is
/// that of the salt, product or release form the record names: perindopril tosilate 10 mg/d
/// (it had been the erbumine's 16), perindopril/indapamide (Coversyl Plus, Bi-Preterax) 10 mg of
/// perindopril, indapamide modified release 1.5 mg/d (the full dose of its one tablet a day; it
/// had been "below its usual maximum (2.5 mg/d)"), nifedipine as Adalat LA, CC or XL 90 mg/d
/// (120 is Procardia XL's), and Lopresor (UK spelling) as the metoprolol tartrate it is.
/// In 37 (OC-1, OC-2, OC-3, OC-4, OC-5): a diagnosis coded as another disease of the block
/// (`applies_to.not_icd10`) is that disease whatever its words: acute promyelocytic (C92.4) or
/// chronic myeloid leukaemia (C92.1) written "AML M3" or "… acute myeloid leukaemia" is no AML,
/// plasma cell leukaemia (C90.1) or a plasmacytoma (C90.2, C90.3) written with "myeloma" no
/// multiple myeloma (OC-2, OC-4), anaplastic large cell lymphoma (C84.6, C84.7, or its inverted
/// index form "Lymphoma, large cell, anaplastic") no large B-cell lymphoma (OC-5). AML reads acute panmyelosis with myelofibrosis (C94.4, its
/// relapse C94.42 and remission C94.41; OC-3) and SNOMED CT 12281000132104 |Relapsing acute
/// myeloid leukemia| as the leukaemia and its relapse, with no display (OC-1).
/// Also in 37 (CR-11, CR-12): a name looked for and not found is no finding, for every rule set that
/// reads names: a negative result after it ("Screening for relapse: negative", "relapse screen
/// negative", "assessed for recurrence — none", "Relapse: nil"), or no result where the words
/// say it was looked for ("Surveillance for relapse"); a positive result states it, a result of
/// something else ("Relapse, no high-risk features") leaves it named, and so does a finding
/// after a name looked for ("Evaluation for relapse — marrow 35 % blasts", RV-1), not a
/// question or a pending study (CR-11). Propranolol is
/// judged against its tablet's 480 mg/d unless the record names a long-acting form (320), and
/// Cardizem LA, Tiazac and Dilacor XR against their labels' 540 mg/d (CR-12). A drug put on
/// hold as not tolerated marks the options giving it and is a contraindication "unless
/// contraindicated" allows, as a stop for intolerance is (RV-2).
///
/// In 38 (ST-10): a trial whose latest record is on hold says the hold as recorded ("on hold:
/// no response (Ineffective) (a pause, not a stop)", "given for 4 weeks only, then on hold:
/// surgery"), never "stopped with no reason".
///
/// Also in 38 (CR-15, CR-16): a perindopril whose record names no salt is told by its strength
/// (`salt_strengths_mg`): 2.5, 5 or 10 mg a unit are the arginine's tablets, judged against its
/// 10 mg/d (had been the erbumine's 16: "perindopril 10 mg" was called below its maximum); 2, 4
/// and 8 mg keep 16; a salt named still decides (CR-15). Tildiem Retard and Adizem-XL are
/// judged against their SmPCs' 360 mg/d in hypertension (CR-16). A product of several
/// ingredients whose dose is recorded in milligrams gives each ingredient a whole number of
/// units of the strengths its name writes (the fewest that fit), never the milligrams to every
/// ingredient ("perindopril 5 mg / indapamide 1.25 mg", 5 mg a day, had been 5 mg of
/// indapamide, at its maximum); with no strength that fits the dose is not known (CR-17).
///
/// Also in 38 (OC-6, OC-7, OC-8): a disease status coded 103338009 or 103337004 (mCODE STU3's
/// remission qualifiers) is a complete or partial response; a progression named beside stable
/// disease is a progression (Lugano 2014, IMWG 2016: progression at any site), and a site's
/// stable answer to progression looked for ("Restaging for progression: bones stable") no
/// finding of it, in statuses and in diagnoses' words; myeloid sarcoma (C92.3, relapse C92.32,
/// remission C92.31) is assessed as AML (WHO 2016, 2022: a presentation of AML).
const ENGINE_REVISION: u32 = 38;

/// Errors of loading rule files or the drug knowledge base; each renders as one line naming the
/// file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{origin}:{line}: {}", crate::text::one_line(.message))]
    Parse {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("{origin}: {}", crate::text::one_line(.message))]
    Invalid { origin: String, message: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Every rule-set id shipped with refract, in the order they are listed, with one of its
/// files from `assets/<folder>/<id>.toml` (the rule set itself, its options catalogue).
macro_rules! shipped {
    ($folder:literal) => {
        $crate::rules::shipped!(
            $folder:
            "epilepsy",
            "status_epilepticus",
            "hypertension",
            "depression",
            "lbcl",
            "myeloma",
            "rheumatoid_arthritis",
            "aml",
            "schizophrenia"
        )
    };
    ($folder:literal: $($id:literal),*) => {
        &[$((
            $id,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $folder, "/", $id, ".toml")),
        )),*]
    };
}
pub(crate) use shipped;

/// The rule sets shipped with refract, by id, in the order they are listed.
pub const EMBEDDED: &[(&str, &str)] = shipped!("rules");

/// Every rule set with the drug book they use.
#[derive(Debug, Clone)]
pub struct Rules {
    pub sets: Vec<RuleSet>,
    pub book: DrugBook,
    /// What the words and codes of a stop reason mean (read when records are imported).
    pub stop_reasons: stop_reasons::StopReasons,
    /// A digest of what an import's mapping reads from the rules (the stop-reason words): a
    /// file imported under another is read again rather than skipped.
    pub mapping_stamp: i64,
    /// Every measurement any criterion reads, by code and by name: an import names a test by
    /// the code or words the criteria know, among all those the record gives.
    pub observation_terms: ObservationTerms,
    /// A digest of every rule and drug file's text: stored assessments computed under another
    /// stamp are evaluated again.
    pub stamp: String,
    /// The way-forward options catalogue of each rule set (not in the stamp: options never
    /// change an assessment).
    pub options: Vec<OptionCatalogue>,
}

/// The codes and names of every measurement the criteria read (their `ObservationSelector`s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservationTerms {
    pub codes: std::collections::BTreeSet<String>,
    pub names: Vec<String>,
    /// What imports named the tests they met under these terms.
    pub naming: NamingMemo,
}

/// A test as an import names it: (code, name, the code's system).
pub type TestNaming = Option<(String, String, String)>;

/// What imports named each test they met (see `fhir::parse`'s `test_of`), by a key of
/// everything the naming reads of a result: an export holds tens of thousands of results under
/// a few dozen tests, and naming one tries every name the criteria read. Emptied when full; a
/// copy of the terms starts empty, and it is never part of what the terms are (equality).
#[derive(Default)]
pub struct NamingMemo {
    named: std::sync::Mutex<std::collections::HashMap<String, TestNaming>>,
}

impl NamingMemo {
    /// Far more tests than any export names, few enough to stay a few MB.
    const MOST: usize = 20_000;

    /// The naming kept under `key`, else `name()`'s, kept.
    pub fn named(&self, key: String, name: impl FnOnce() -> TestNaming) -> TestNaming {
        // A lock poisoned by a panicking reader names afresh: the memo only saves work.
        if let Ok(named) = self.named.lock()
            && let Some(naming) = named.get(&key)
        {
            return naming.clone();
        }
        let naming = name();
        if let Ok(mut named) = self.named.lock() {
            if named.len() >= Self::MOST {
                named.clear();
            }
            named.insert(key, naming.clone());
        }
        naming
    }
}

impl std::fmt::Debug for NamingMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NamingMemo")
    }
}

impl Clone for NamingMemo {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for NamingMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for NamingMemo {}

impl ObservationTerms {
    /// Gathers the selectors of a rule file: the tables that hold only `codes` and `names`
    /// (and the words that leave parts of a test out; a scale's name).
    fn collect(&mut self, value: &toml::Value) {
        match value {
            toml::Value::Table(table) => {
                let selector = (table.contains_key("codes") || table.contains_key("names"))
                    && table.keys().all(|key| {
                        matches!(
                            key.as_str(),
                            "codes" | "names" | "not_names" | "short_forms" | "name"
                        )
                    });
                if selector {
                    let strings = |key: &str| {
                        table
                            .get(key)
                            .and_then(toml::Value::as_array)
                            .map(|items| {
                                items
                                    .iter()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect::<Vec<_>>()
                            })
                            .unwrap_or_default()
                    };
                    self.codes.extend(strings("codes"));
                    for name in strings("names") {
                        if !self.names.contains(&name) {
                            self.names.push(name);
                        }
                    }
                    return;
                }
                for child in table.values() {
                    self.collect(child);
                }
            }
            toml::Value::Array(items) => {
                for child in items {
                    self.collect(child);
                }
            }
            _ => {}
        }
    }

    /// Whether a criterion reads the test of this code or these words.
    pub fn knows(&self, code: Option<&str>, words: Option<&str>) -> bool {
        code.is_some_and(|code| self.codes.contains(code))
            || words.is_some_and(|words| {
                // The import asks this of every measurement's names: a name is tried only when
                // a word of `words` starts with its first letter (what `names_test` requires).
                let starts = word_starts(words);
                self.names.iter().any(|name| {
                    name.bytes()
                        .next()
                        .is_none_or(|first| starts.may_start(first))
                        && selectors::names_test(words, name)
                })
            })
    }
}

/// The letters the words of a text start with (ASCII, without case): a test of which names a
/// text may hold. A text or name outside ASCII is never ruled out by it.
struct WordStarts {
    bits: [u64; 4],
    any: bool,
}

impl WordStarts {
    fn may_start(&self, first: u8) -> bool {
        self.any || {
            let byte = first.to_ascii_lowercase();
            !first.is_ascii() || self.bits[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
        }
    }
}

fn word_starts(text: &str) -> WordStarts {
    let mut starts = WordStarts {
        bits: [0; 4],
        any: !text.is_ascii(),
    };
    let mut after_word = false;
    for byte in text.bytes() {
        if !after_word {
            let lower = byte.to_ascii_lowercase();
            starts.bits[usize::from(lower >> 6)] |= 1 << (lower & 63);
        }
        after_word = byte.is_ascii_alphanumeric();
    }
    starts
}

/// The keys of a rule file whose values are lists of procedure terms its criteria or lines
/// read (`procedure_terms.rs`): what it reads of a patient's procedures, for another rule set
/// to know which untied procedure may be this one's (see `rules::indication`). A biopsy or an
/// EEG that resolves a rule-out (`resolved_by_procedure`) is no treatment of either.
const PROCEDURE_TERM_KEYS: [&str; 5] = [
    "procedure",
    "procedures",
    "transplant",
    "cycle_procedures",
    "therapy_procedures",
];

/// Every list of procedure terms under [`PROCEDURE_TERM_KEYS`] in a rule file's tree, each kept
/// whole (its `!` exclusions are its own).
fn collect_procedure_terms(tree: &toml::Value, lists: &mut Vec<Vec<String>>) {
    match tree {
        toml::Value::Table(table) => {
            for (key, value) in table {
                if let toml::Value::Array(items) = value
                    && PROCEDURE_TERM_KEYS.contains(&key.as_str())
                {
                    let terms: Vec<String> = items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_owned))
                        .collect();
                    if !terms.is_empty() && !lists.contains(&terms) {
                        lists.push(terms);
                    }
                    continue;
                }
                collect_procedure_terms(value, lists);
            }
        }
        toml::Value::Array(items) => {
            for item in items {
                collect_procedure_terms(item, lists);
            }
        }
        _ => {}
    }
}

impl Rules {
    /// The embedded rule sets and drug book.
    pub fn embedded() -> Result<Self, RulesError> {
        Self::load(None)
    }

    /// The embedded rules, with files from `dir` replacing or adding to them: `dir/drugs.toml`
    /// replaces the drug book, `dir/<id>.toml` the rule set `<id>`, `dir/options/<id>.toml` the
    /// options catalogue of `<id>`.
    pub fn load(dir: Option<&Path>) -> Result<Self, RulesError> {
        let mut sources: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(id, text)| (format!("assets/rules/{id}.toml"), (*text).to_owned()))
            .collect();
        let mut book_source = (
            String::from("assets/drugs.toml"),
            drugs::DEFAULT_DRUGS.to_owned(),
        );
        // A team's own stop-reason words are read before the built-in ones.
        let mut stop_sources = vec![(
            String::from("assets/stop_reasons.toml"),
            stop_reasons::DEFAULT_STOP_REASONS.to_owned(),
        )];
        if let Some(dir) = dir {
            let io = |source| RulesError::Io {
                path: dir.display().to_string(),
                source,
            };
            let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
                .collect();
            entries.sort();
            for path in entries {
                let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                let origin = path.display().to_string();
                if path.file_name().is_some_and(|name| name == "drugs.toml") {
                    book_source = (origin, text);
                    continue;
                }
                if path
                    .file_name()
                    .is_some_and(|name| name == "stop_reasons.toml")
                {
                    stop_sources.insert(0, (origin, text));
                    continue;
                }
                let id = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match sources
                    .iter_mut()
                    .find(|(existing, _)| existing.ends_with(&format!("/{id}.toml")))
                {
                    Some(slot) => *slot = (origin, text),
                    None => sources.push((origin, text)),
                }
            }
        }
        let book = DrugBook::parse(&book_source.0, &book_source.1)?;
        let stop_reasons = stop_reasons::StopReasons::load(&stop_sources)?;
        let mapping_stamp = {
            use sha2::{Digest, Sha256};
            let mut hasher = Sha256::new();
            for (_, text) in &stop_sources {
                hasher.update(text.as_bytes());
                hasher.update([0]);
            }
            let digest = hasher.finalize();
            let mut bytes = [0u8; 8];
            bytes[1..].copy_from_slice(&digest[..7]);
            i64::from_be_bytes(bytes)
        };
        let stamp = {
            use sha2::{Digest, Sha256};
            let mut hasher = Sha256::new();
            hasher.update(ENGINE_REVISION.to_le_bytes());
            for (_, text) in std::iter::once(&book_source).chain(sources.iter()) {
                hasher.update(text.as_bytes());
                hasher.update([0]);
            }
            crate::digest::short_hex(&hasher.finalize())
        };
        let mut sets = Vec::with_capacity(sources.len());
        let mut observation_terms = ObservationTerms::default();
        for (origin, text) in &sources {
            let mut set: RuleSet = toml_file::parse_toml(origin, text)?;
            if set.indication.treatment_is_line_classes {
                for class in &set.lines.classes {
                    if !set.indication.treatment_classes.contains(class) {
                        set.indication.treatment_classes.push(class.clone());
                    }
                }
            }
            if let Ok(tree) = toml::from_str::<toml::Value>(text) {
                observation_terms.collect(&tree);
                collect_procedure_terms(&tree, &mut set.procedure_terms);
                measures::attach(&mut set.measures, set.m_protein.as_ref(), &tree);
            }
            load::validate(origin, text, &set, &book)?;
            if sets.iter().any(|s: &RuleSet| s.id == set.id) {
                return Err(RulesError::Invalid {
                    origin: origin.clone(),
                    message: format!("rule set id '{}' is defined twice", set.id),
                });
            }
            sets.push(set);
        }
        let neighbours: Vec<model::Neighbour> = sets
            .iter()
            .map(|set| model::Neighbour {
                id: set.id.clone(),
                name: set.name.clone(),
                indication: set.indication.clone(),
                applies_to: set.applies_to.clone(),
                also: set.indication.also.clone(),
                classes: set.lines.classes.clone(),
                procedures: set.procedure_terms.clone(),
            })
            .collect();
        for set in &mut sets {
            set.neighbours = neighbours
                .iter()
                .filter(|other| other.id != set.id)
                .cloned()
                .collect();
        }
        let options = options::load(dir, &book, &sets)?;
        // The catalogues' implantations say which procedure dates an imported Device (DV-1):
        // a site's own change to them reads the stored files again, as a stop reason's does.
        let mapping_stamp = {
            use sha2::{Digest, Sha256};
            let mut hasher = Sha256::new();
            hasher.update(mapping_stamp.to_be_bytes());
            for option in options.iter().flat_map(|catalogue| &catalogue.options) {
                for term in &option.implanted_by {
                    hasher.update(option.key.as_bytes());
                    hasher.update([0]);
                    hasher.update(term.as_bytes());
                    hasher.update([0]);
                }
            }
            let digest = hasher.finalize();
            let mut bytes = [0u8; 8];
            bytes[1..].copy_from_slice(&digest[..7]);
            i64::from_be_bytes(bytes)
        };
        Ok(Rules {
            sets,
            book,
            stop_reasons,
            mapping_stamp,
            observation_terms,
            stamp,
            options,
        })
    }

    /// The options catalogue of rule set `ruleset`; empty when it has none.
    pub fn options(&self, ruleset: &str) -> &[CatalogueOption] {
        self.options
            .iter()
            .find(|catalogue| catalogue.ruleset == ruleset)
            .map_or(&[], |catalogue| catalogue.options.as_slice())
    }

    /// Whether a test is one a criterion counts seizure-type events by (a failed-trials
    /// criterion's `events.observation`): its coded answers are then read as seizure
    /// frequencies ("Weekly", "Seizure free"), which on another test they are not.
    pub fn counts_events(&self, observation: &crate::domain::Observation) -> bool {
        self.sets
            .iter()
            .flat_map(|set| &set.criteria)
            .filter_map(|criterion| criterion.failed_trials.as_ref()?.events.as_ref())
            .any(|events| selectors::selects(&events.observation, observation))
    }

    /// Whether a criterion reads this observation in percent (marrow blasts): a number
    /// fraction sent for it (UCUM `1`, 0.25) is put in percent at import (review R7-2).
    pub fn reads_in_percent(&self, observation: &crate::domain::Observation) -> bool {
        self.sets
            .iter()
            .flat_map(|set| &set.criteria)
            .filter_map(|criterion| criterion.induction_failure.as_ref())
            .any(|spec| selectors::selects(&spec.blasts, observation))
    }

    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|set| set.id == id)
    }

    /// The patient's current diagnoses that refract knows by their words alone (no ICD-10 or
    /// SNOMED CT code: typed by hand, or under a local code) and that no rule set reads: none
    /// selects it, none names it among its exclusions. Such a diagnosis may be one of refract's
    /// conditions written in words no rule set lists ("RA" alone): the screens name it, for the
    /// team to code it, rather than let it vanish (review r3 C-8). A coded diagnosis no rule set
    /// lists is simply another disease, and is not among these.
    pub fn unrecognised_conditions<'r>(&self, record: &'r PatientRecord) -> Vec<&'r Condition> {
        record
            .conditions
            .iter()
            .filter(|condition| {
                condition.is_current_in(&record.conditions)
                    && condition.known_by_words_alone()
                    && !condition.name().trim().is_empty()
                    && !self.sets.iter().any(|set| {
                        selected_by(condition, &set.applies_to)
                            || set.exclusions.iter().any(|exclusion| {
                                condition_matches(
                                    condition,
                                    &exclusion.icd10,
                                    &exclusion.snomed,
                                    &exclusion.names,
                                )
                            })
                    })
            })
            .collect()
    }

    /// Evaluates every rule set that applies to the patient. A flag's `criteria_met_since` is
    /// left unknown (`None`): searching it costs 2–8 more evaluations per flag, so it is done
    /// after the flags are stored, by [`Rules::criteria_met_since`] (the dating pass of
    /// `assess`), and a flag waits for nothing.
    pub fn evaluate(&self, record: &PatientRecord, today: NaiveDate) -> Vec<Assessment> {
        self.evaluate_keeping(record, today, |_| None)
    }

    /// [`Rules::evaluate`], taking a flag's `criteria_met_since` from `known(ruleset)` where it
    /// gives one: the evaluation pass gives the stored day when only the day has moved since
    /// the last evaluation (same record, same rules), since evaluations as of earlier days read
    /// only what the record held then.
    pub fn evaluate_keeping(
        &self,
        record: &PatientRecord,
        today: NaiveDate,
        known: impl Fn(&str) -> Option<NaiveDate>,
    ) -> Vec<Assessment> {
        self.sets
            .iter()
            .filter_map(|set| {
                let mut assessment = engine::evaluate(record, set, &self.book, today)?;
                if assessment.status.asks_for_review() {
                    assessment.criteria_met_since = known(&set.id);
                }
                Some(assessment)
            })
            .collect()
    }

    /// [`Rules::evaluate`] with every flag dated (the search of [`since`] run at once): for a
    /// caller that needs the day now rather than after the dating pass.
    pub fn evaluate_dated(&self, record: &PatientRecord, today: NaiveDate) -> Vec<Assessment> {
        self.sets
            .iter()
            .filter_map(|set| self.evaluate_one(record, set, today))
            .collect()
    }

    /// The day from which rule set `ruleset`'s flag on `record` (as evaluated on `today`) has
    /// been met: what the dating pass stores for a flag evaluated without it. `None` when the
    /// rule set is unknown or gives no flag.
    pub fn criteria_met_since(
        &self,
        record: &PatientRecord,
        ruleset: &str,
        today: NaiveDate,
    ) -> Option<NaiveDate> {
        let set = self.get(ruleset)?;
        self.evaluate_one(record, set, today)?.criteria_met_since
    }

    /// Treatment lines derived from the record's drug exposures for every rule set that applies
    /// to the patient, except rule sets whose lines a clinician entered or corrected (theirs
    /// stand). Lines are numbered per rule set; ids are placeholders.
    pub fn derive_lines(
        &self,
        record: &PatientRecord,
        today: NaiveDate,
    ) -> Vec<crate::domain::TreatmentLine> {
        // A deceased patient's lines end at death, as their drugs do.
        let closed = engine::as_of_death(record, today);
        let (record, today) = match &closed {
            Some((closed, day)) => (closed, *day),
            None => (record, today),
        };
        let mut lines = Vec::new();
        for set in &self.sets {
            if matching_conditions(set, record).is_empty() {
                continue;
            }
            let owned_by_clinician = record.lines.iter().any(|line| {
                line.ruleset == set.id && line.origin != crate::domain::LineOrigin::Derived
            });
            if owned_by_clinician {
                continue;
            }
            // As the criteria read them (see `engine::evaluate_living`, `Context::new`).
            let own = indication::own_record(record, set, &self.book);
            let record = own.as_ref().unwrap_or(record);
            let with_therapies = procedure_therapies::with_therapies(record, set, &self.book);
            let record = with_therapies.as_ref().unwrap_or(record);
            let given = given::treatments(record, &self.book, set);
            lines.extend(lines::derive(&given, set, record, today));
        }
        if closed.is_some() {
            // A drug that ran until death reads as running on the day of death, which the
            // derivation calls ongoing: the line ends there, as stored too.
            for line in &mut lines {
                if line.end.is_none_or(|end| end > today) {
                    line.end = Some(today.max(line.start));
                }
            }
        }
        lines
    }

    /// Evaluates one rule set, a flag dated (see [`since`]); `None` when it does not apply to
    /// the patient.
    pub fn evaluate_one(
        &self,
        record: &PatientRecord,
        set: &RuleSet,
        today: NaiveDate,
    ) -> Option<Assessment> {
        let mut assessment = engine::evaluate(record, set, &self.book, today)?;
        assessment.criteria_met_since =
            since::criteria_met_since(record, set, &self.book, today, &assessment);
        Some(assessment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-letter test rules out only names `names_test` would refuse.
    #[test]
    fn knows_finds_what_every_name_tried_in_turn_finds() {
        let terms = ObservationTerms {
            codes: std::collections::BTreeSet::new(),
            names: [
                "seizure",
                "electrographic seizure",
                "(free) kappa",
                "Systolic blood pressure",
                "ANC",
                "ß2-microglobulin",
                "Ü",
                "-score",
            ]
            .map(str::to_owned)
            .to_vec(),
            naming: NamingMemo::default(),
        };
        for text in [
            "Electrographic seizures",
            "Seizure frequency",
            "seizures/month",
            "(free) kappa light chain",
            "serum (free) kappa",
            "systolic BLOOD pressure",
            "Absolute neutrophil count (ANC)",
            "β2-microglobulin",
            "ß2-microglobulin",
            "Übersicht Ü",
            "PHQ-9 t-score",
            "nothing known",
            "",
        ] {
            let brute = terms
                .names
                .iter()
                .any(|name| selectors::names_test(text, name));
            assert_eq!(terms.knows(None, Some(text)), brute, "{text}");
        }
    }
}
