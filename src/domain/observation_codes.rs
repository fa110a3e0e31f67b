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
