-- Who this file is: a random UUID (version 4), made once. refract's own MRNs (no identifier
-- system: the demo's, patients entered by hand) are numbered per file, so two files' RF-0000001
-- are two people; the FHIR export writes them under the system `urn:uuid:<file_id>`, which
-- keeps them apart in a third file and lets an import recognise this file's own patients.
INSERT OR IGNORE INTO meta (key, value) VALUES (
    'file_id',
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-'
        || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
        || '-' || lower(hex(randomblob(6)))
);
