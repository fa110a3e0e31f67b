//! The parser never panics, whatever it is given: random bytes, random JSON (FHIR-shaped or not,
//! deeply nested, huge numbers, unicode), every truncation of a valid bundle, and byte flips of
//! it. It may accept or refuse; it must return. Deterministic (seeded) and bounded in time.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use refract::demo::Rng;
use refract::fhir::parse_file;
use refract::rules::Rules;

use super::fixtures;

/// Parses `bytes`, turning a panic into a test failure that shows the input.
fn survives(rules: &Rules, what: &str, bytes: &[u8]) -> bool {
    let Ok(result) = catch_unwind(AssertUnwindSafe(|| parse_file(bytes, rules))) else {
        let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).into();
        panic!(
            "parse_file panicked on {what} ({} bytes): {shown}",
            bytes.len()
        );
    };
    result.is_ok()
}

const TYPES: [&str; 14] = [
    "Bundle",
    "Patient",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "Medication",
    "Procedure",
    "Encounter",
    "Claim",
    "patient",
    "",
    "Bündle",
];

/// Element names refract reads (and some it does not), so that random JSON reaches the mapping
/// code and not only the tokenizer.
const KEYS: [&str; 52] = [
    "resourceType",
    "id",
    "type",
    "entry",
    "fullUrl",
    "resource",
    "subject",
    "reference",
    "identifier",
    "value",
    "system",
    "code",
    "coding",
    "display",
    "text",
    "name",
    "family",
    "given",
    "use",
    "gender",
    "birthDate",
    "deceasedDateTime",
    "status",
    "statusReason",
    "clinicalStatus",
    "verificationStatus",
    "onsetDateTime",
    "onsetPeriod",
    "abatementDateTime",
    "medicationCodeableConcept",
    "medicationReference",
    "contained",
    "authoredOn",
    "effectiveDateTime",
    "effectivePeriod",
    "start",
    "end",
    "dosageInstruction",
    "dosage",
    "timing",
    "repeat",
    "boundsPeriod",
    "frequency",
    "period",
    "periodUnit",
    "doseAndRate",
    "doseQuantity",
    "dose",
    "rateQuantity",
    "valueQuantity",
    "component",
    "extension",
];

const LEAVES: [&str; 30] = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "-1e308",
    "1e999",
    "-1e999",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "18446744073709551616",
    "0.0000000000000000000000000000001",
    "\"\"",
    "\"2019\"",
    "\"2023-02-30\"",
    "\"2019-03-01T10:00:00.123+01:00\"",
    "\"urn:uuid:p\"",
    "\"Patient/p\"",
    "\"#med\"",
    "\"mg\"",
    "\"{tbl}\"",
    "\"d\"",
    "\"h\"",
    "\"266721009\"",
    "\"8480-6\"",
    "\"http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-termination-reason\"",
];

const UNICODE: [&str; 10] = [
    "Åberg",
    "Ñandú",
    "日本語",
    "😀🧠💊",
    "e\u{301}",
    "\u{200b}",
    "\u{feff}",
    "\\u0000",
    "\\ud83d\\ude00",
    "\\ud800",
];

fn string(rng: &mut Rng, out: &mut String) {
    out.push('"');
    for _ in 0..rng.below(6) {
        match rng.below(4) {
            0 => out.push_str(rng.pick(&UNICODE)),
            1 => out.push_str(rng.pick(&KEYS)),
            2 => out.push_str(rng.pick(&TYPES)),
            _ => {
                let _ = write!(out, "{}", rng.next_u64());
            }
        }
    }
    out.push('"');
}

/// A random JSON value, FHIR-shaped more often than not, nested at most `depth` deep.
fn value(rng: &mut Rng, depth: u32, out: &mut String) {
    let choice = if depth == 0 {
        4 + rng.below(2)
    } else {
        rng.below(6)
    };
    match choice {
        0 | 1 => {
            out.push('{');
            let fields = rng.below(7);
            for i in 0..fields {
                if i > 0 {
                    out.push(',');
                }
                if rng.chance(0.85) {
                    let _ = write!(out, "\"{}\"", rng.pick(&KEYS));
                } else {
                    string(rng, out);
                }
                out.push(':');
                if rng.chance(0.15) {
                    let _ = write!(out, "\"{}\"", rng.pick(&TYPES));
                } else {
                    value(rng, depth - 1, out);
                }
            }
            out.push('}');
        }
        2 => {
            out.push('[');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                value(rng, depth - 1, out);
            }
            out.push(']');
        }
        3 => resource(rng, depth - 1, out),
        4 => out.push_str(rng.pick(&LEAVES)),
        _ => string(rng, out),
    }
}

/// A random object with a resourceType, often a Bundle of more of them.
fn resource(rng: &mut Rng, depth: u32, out: &mut String) {
    let kind = rng.pick(&TYPES);
    let _ = write!(
        out,
        "{{\"resourceType\":\"{kind}\",\"id\":\"r{}\"",
        rng.below(4)
    );
    if kind == "Bundle" && depth > 0 {
        out.push_str(",\"entry\":[");
        for i in 0..rng.below(5) {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"fullUrl\":\"urn:uuid:r{}\",\"resource\":",
                rng.below(4)
            );
            resource(rng, depth - 1, out);
            out.push('}');
        }
        out.push(']');
    }
    for _ in 0..rng.below(6) {
        let _ = write!(out, ",\"{}\":", rng.pick(&KEYS));
        value(rng, depth.saturating_sub(1), out);
    }
    out.push('}');
}

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    let mut text = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push_str(inner);
    for _ in 0..depth {
        text.push_str(close);
    }
    text
}

#[test]
fn parse_file_never_panics() {
    let rules = Rules::embedded().unwrap();
    let started = Instant::now();
    let mut rng = Rng::new(0x5eed_f41e);
    let mut accepted = 0usize;

    // Random bytes, some dressed as JSON or NDJSON.
    for round in 0..3_000 {
        let len = rng.below(300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        match round % 4 {
            0 => bytes.insert(0, b'{'),
            1 => {
                for b in &mut bytes {
                    *b = b" {}[]\":,\n0123456789abcdefnulltrue\\"[(*b as usize) % 33];
                }
                bytes.insert(0, b'{');
            }
            _ => {}
        }
        survives(&rules, "random bytes", &bytes);
    }

    // Random JSON values and resources; NDJSON of them.
    for round in 0..4_000 {
        let mut text = String::new();
        match round % 3 {
            0 => value(&mut rng, 6, &mut text),
            1 => resource(&mut rng, 5, &mut text),
            _ => {
                for _ in 0..=rng.below(4) {
                    resource(&mut rng, 3, &mut text);
                    text.push('\n');
                }
            }
        }
        if survives(&rules, "random JSON", text.as_bytes()) {
            accepted += 1;
        }
    }
    assert!(accepted > 0, "some random FHIR-shaped input is accepted");

    // Deep nesting, at the top and inside a resource, past serde_json's recursion limit.
    for depth in [50, 127, 128, 129, 200, 1_000, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let deep = nested(depth, open, close, "1");
            survives(&rules, "deep nesting", deep.as_bytes());
            let inside =
                format!("{{\"resourceType\":\"Patient\",\"id\":\"p\",\"extension\":{deep}}}");
            survives(&rules, "deep nesting in a Patient", inside.as_bytes());
            let in_bundle = format!(
                "{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{{\"resourceType\":\"Claim\",\"x\":{deep}}}}}]}}"
            );
            survives(&rules, "deep nesting in a bundle", in_bundle.as_bytes());
        }
    }

    // Every truncation of a valid bundle, then byte flips, deletions and duplications of it.
    let valid = std::fs::read(fixtures().join("small-bundle.json")).unwrap();
    assert!(survives(&rules, "the valid bundle", &valid));
    for end in 0..valid.len() {
        let ok = survives(&rules, "a truncation", &valid[..end]);
        // Only the whole document is a document (and the end is just whitespace).
        assert!(
            !ok || valid[end..].iter().all(u8::is_ascii_whitespace),
            "a truncation at byte {end} was accepted"
        );
    }
    for _ in 0..3_000 {
        let mut bytes = valid.clone();
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len() as u64) as usize;
            match rng.below(4) {
                0 => bytes[at] = rng.next_u64() as u8,
                1 => bytes[at] ^= 1 << rng.below(8),
                2 => {
                    bytes.remove(at);
                }
                _ => {
                    let b = bytes[at];
                    bytes.insert(at, b);
                }
            }
        }
        survives(&rules, "a mutated bundle", &bytes);
    }

    let elapsed = started.elapsed();
    eprintln!(
        "parse_file_never_panics: {elapsed:?}, {accepted} random FHIR-shaped inputs accepted"
    );
    assert!(
        elapsed < Duration::from_secs(60),
        "the robustness pass took {elapsed:?}"
    );
}
