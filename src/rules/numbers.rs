//! Numbers as the rules write them in words and errors: 1500 rather than 1500.0.

use std::fmt::Write as _;

/// 1500 rather than 1500.0; 2.5 stays 2.5.
pub fn trim_number(value: f64) -> String {
    let mut out = String::new();
    push_number(&mut out, value);
    out
}

/// Appends `value` as [`trim_number`] writes it.
pub fn push_number(out: &mut String, value: f64) {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let _ = write!(out, "{}", value as i64);
    } else {
        let from = out.len();
        let _ = write!(out, "{value:.2}");
        let kept = out[from..]
            .trim_end_matches('0')
            .trim_end_matches('.')
            .len();
        out.truncate(from + kept);
    }
}
