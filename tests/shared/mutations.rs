//! Damage to a text file, line by line, for the property tests of the loaders (rule files,
//! the keymap): delete, duplicate, swap or insert lines, give a `key = value` line another value,
//! cut the file short. Indexes wrap around the file's length, so any number is a valid change.

use proptest::prelude::*;

/// One change to a file's lines (indexes wrap around the file's length).
#[derive(Debug, Clone)]
pub enum Change {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    /// `key = value` gets another value (any other line is replaced by the text).
    Value(usize, String),
    Insert(usize, String),
    /// The file ends at this byte (moved back to a character boundary).
    Truncate(usize),
}

/// Values of every TOML type, of the wrong type, out of range, and malformed.
pub const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2147483648",
    "99999999999999999999",
    "-9223372036854775808",
    "1.5",
    "1e400",
    "nan",
    "-inf",
    "true",
    "\"\"",
    "\"x\"",
    "\"a\\nb\\u001b[2J\"",
    "\"epilepsy\"",
    "\"asm\"",
    "[]",
    "[\"x\"]",
    "[\"asm\", \"asm\"]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "\"unterminated",
    "'''",
    "[",
];

/// A change, inserting lines from `lines` (or any text).
pub fn change(lines: &'static [&'static str]) -> impl Strategy<Value = Change> {
    let value = prop_oneof![
        4 => prop::sample::select(VALUES).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| format!("{s:?}")),
    ];
    let line = prop_oneof![
        4 => prop::sample::select(lines).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    prop_oneof![
        2 => any::<usize>().prop_map(Change::Delete),
        1 => any::<usize>().prop_map(Change::Duplicate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Change::Swap(a, b)),
        4 => (any::<usize>(), value).prop_map(|(at, v)| Change::Value(at, v)),
        2 => (any::<usize>(), line).prop_map(|(at, l)| Change::Insert(at, l)),
        1 => any::<usize>().prop_map(Change::Truncate),
    ]
}

/// `text` with `changes` made, in order.
pub fn apply(text: &str, changes: &[Change]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for change in changes {
        let n = lines.len().max(1);
        match change {
            Change::Delete(at) if !lines.is_empty() => {
                lines.remove(at % n);
            }
            Change::Duplicate(at) if !lines.is_empty() => {
                let copy = lines[at % n].clone();
                lines.insert(at % n, copy);
            }
            Change::Swap(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Change::Value(at, value) if !lines.is_empty() => {
                let line = &mut lines[at % n];
                *line = match line.split_once('=') {
                    Some((key, _)) => format!("{key}= {value}"),
                    None => value.clone(),
                };
            }
            Change::Insert(at, line) => lines.insert(at % (lines.len() + 1), line.clone()),
            Change::Truncate(at) => {
                let mut joined = lines.join("\n");
                let mut cut = at % (joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                joined.truncate(cut);
                lines = joined.lines().map(str::to_owned).collect();
            }
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}
