//! Observation codes refract writes and reads: LOINC where the references name a code, and
//! `refract:` local codes for measurements whose LOINC code we could not verify (rule files match
//! those by display name as well, so imported data with other codes is still recognised).

pub const SYSTOLIC_BP: &str = "8480-6";
pub const DIASTOLIC_BP: &str = "8462-4";
/// Blood pressure panels whose components are the systolic and diastolic readings.
pub const BP_PANELS: [&str; 2] = ["85354-9", "55284-4"];
pub const PHQ9_TOTAL: &str = "44261-6";
pub const ECOG: &str = "89247-1";
/// mCODE CancerDiseaseStatus; the value is a SNOMED CT ConditionStatusTrend code.
pub const DISEASE_STATUS: &str = "97509-4";
pub const CDAI_TOTAL: &str = "75847-4";

pub const SEIZURES_PER_MONTH: &str = "refract:seizures-per-month";
pub const PANSS_TOTAL: &str = "refract:panss-total";
pub const M_PROTEIN: &str = "refract:m-protein";
pub const MARROW_BLASTS: &str = "refract:marrow-blasts";
pub const CLOZAPINE_LEVEL: &str = "refract:clozapine-level";
/// Seizure activity seen (1) or not (0), clinically or on EEG, at a time (status epilepticus).
pub const SEIZURE_ACTIVITY: &str = "refract:seizure-activity";
pub const DAS28_ESR: &str = "refract:das28-esr";

/// Coded answers that say a finding (seizure activity on an EEG, for instance) was present or
/// absent. An observation with one of these as its coded value and no number is a yes or a no;
/// any other code leaves the finding unknown, never zero.
pub mod finding {
    /// SNOMED CT 52101004 "Present", LOINC answer LA9633-4 "Present".
    pub const PRESENT: [&str; 2] = ["52101004", "LA9633-4"];
    /// SNOMED CT 2667000 "Absent", LOINC answer LA9634-2 "Absent".
    pub const ABSENT: [&str; 2] = ["2667000", "LA9634-2"];

    /// Other answers that mean yes (SNOMED CT Positive, Detected, Yes; LOINC LA33-6 Yes,
    /// LA6576-8 Positive, LA11882-0 Detected): an import writes them as [`PRESENT`]`[0]`.
    pub const YES: [&str; 6] = [
        "10828004",
        "260373001",
        "373066001",
        "LA33-6",
        "LA6576-8",
        "LA11882-0",
    ];
    /// Other answers that mean no (SNOMED CT Negative, Not detected, No; LOINC LA32-8 No,
    /// LA6577-6 Negative, LA11883-8 Not detected): an import writes them as [`ABSENT`]`[0]`.
    pub const NO: [&str; 6] = [
        "260385009",
        "260415000",
        "373067005",
        "LA32-8",
        "LA6577-6",
        "LA11883-8",
    ];

    /// Yes or no from a code, if it is an answer that says so.
    pub fn of_code(code: &str) -> Option<bool> {
        if PRESENT.contains(&code) || YES.contains(&code) {
            Some(true)
        } else if ABSENT.contains(&code) || NO.contains(&code) {
            Some(false)
        } else {
            None
        }
    }

    /// Yes or no from words ("Present", "negative", "not detected"), if they say so.
    pub fn of_words(words: &str) -> Option<bool> {
        let words = words.trim().trim_end_matches('.').to_lowercase();
        match words.as_str() {
            "present" | "positive" | "yes" | "detected" | "seen" | "true" | "pos" | "+" => {
                Some(true)
            }
            "absent" | "negative" | "no" | "not detected" | "not seen" | "none" | "false"
            | "neg" | "-" => Some(false),
            _ => None,
        }
    }
}

/// SNOMED CT ConditionStatusTrend values of a disease-status observation.
pub mod disease_status {
    pub const IMPROVED: &str = "268910001";
    pub const STABLE: &str = "359746009";
    pub const WORSENED: &str = "271299001";
    pub const UNDETERMINED: &str = "709137006";
    pub const FULL_REMISSION: &str = "550991000124107";
    pub const PARTIAL_REMISSION: &str = "551001000124108";
}
