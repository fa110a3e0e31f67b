-- A result's ranges as the lab gave them (R4 `Observation.referenceRange`: low, high, their unit,
-- type, appliesTo/age, text), a JSON list of `domain::ReferenceRange`, and the lab's flag on the
-- value (R4 `interpretation`, HL7 ObservationInterpretation's code: "L", "HH", "N"…): a drug
-- level is read against the lab's own therapeutic range, tied to its method, before the drug
-- book's (review G4-3). NULL when the record gives none; rows written before are NULL until
-- their files are read again.
ALTER TABLE observations ADD COLUMN reference_ranges TEXT;
ALTER TABLE observations ADD COLUMN interpretation TEXT;
