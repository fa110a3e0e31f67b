-- How sure the record is of a drug reaction (R4 AllergyIntolerance `verificationStatus`:
-- "unconfirmed", "presumed" or "confirmed"; refuted and entered-in-error ones are not kept), so
-- that the FHIR export writes back what the record said rather than a certainty it never gave.
-- NULL when the record stated none (and for rows imported before this migration).
ALTER TABLE drug_reactions ADD COLUMN verification_status TEXT;
