//! The keys a patient is sorted and searched by: names folded so that what a person types finds
//! what another system wrote ("emile", "Émile" and "ÉMILE" all find Émile; "muller" finds
//! Müller, "soren" finds Søren), and so that the list's name order puts Émond among the Es.
//!
//! SQLite's own `lower()` folds ASCII only, and its text order is by bytes: both would leave an
//! accented name unfound by its plain spelling, or by its own spelling typed in lower case, and
//! sorted after Z. The keys are computed here, in Rust, and stored beside the names (the
//! indexes are on the stored keys, so the database needs no function of refract's to be read
//! or written by another program).
//!
//! Folding is character by character (lower case, canonical decomposition, combining marks
//! dropped, and the Latin letters that do not decompose written as their base letters), so
//! the fold of a prefix is a prefix of the fold: a search is a range of the stored keys.

use rusqlite::Connection;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::Result;

/// The sort and family-name search key: the folded "family, given".
pub fn name_key(family: &str, given: &str) -> String {
    let mut key = String::with_capacity(family.len() + given.len() + 2);
    fold_into(family, &mut key);
    key.push_str(", ");
    fold_into(given, &mut key);
    key
}

/// The given-name search key.
pub fn given_key(given: &str) -> String {
    fold(given)
}

/// `text` folded for searching: see the module's comment.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    fold_into(text, &mut folded);
    folded
}

fn fold_into(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            if let Some(base) = base_letters(lower) {
                out.push_str(base);
                continue;
            }
            decompose_canonical(lower, |part| {
                if !is_combining_mark(part) {
                    out.push(part);
                }
            });
        }
    }
}

/// Lower-case letters with no canonical decomposition that a person typing on a plain keyboard
/// writes as base letters (Søren as Soren, Łukasz as Lukasz, Straße as Strasse), and the final
/// sigma, which is a sigma wherever the word is cut.
fn base_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ŋ' => "n",
        'ĸ' => "k",
        'ς' => "σ",
        _ => return None,
    })
}

/// Writes every patient's keys (the schema step that introduced folding): a file written
/// before it holds lower-cased name keys and no given-name key.
pub(super) fn fill_search_keys(conn: &Connection) -> Result<()> {
    let mut read = conn.prepare("SELECT id, family_name, given_name FROM patients")?;
    let mut write =
        conn.prepare("UPDATE patients SET name_key = ?2, given_key = ?3 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let family: String = row.get(1)?;
        let given: String = row.get(2)?;
        write.execute(rusqlite::params![
            id,
            name_key(&family, &given),
            given_key(&given)
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_letters_of_their_own_fold_to_what_is_typed() {
        assert_eq!(name_key("Müller", "Émile"), "muller, emile");
        assert_eq!(name_key("ØBERG", "Søren"), "oberg, soren");
        assert_eq!(given_key("Łukasz"), "lukasz");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("Nguyễn"), "nguyen");
        assert_eq!(fold("ΟΔΥΣΣΕΑΣ"), fold("Οδυσσεας"));
        assert_eq!(fold("O'Brien-Smith"), "o'brien-smith");
        // Scripts without case or marks are kept as they are.
        assert_eq!(fold("张伟"), "张伟");
    }

    #[test]
    fn the_fold_of_a_prefix_is_a_prefix_of_the_fold() {
        for name in [
            "Émilie-Zoë Øster",
            "Łódź",
            "ǅemal",
            "Ἀθηνᾶ",
            "İstanbul",
            "ﬁnch",
        ] {
            let whole = fold(name);
            let mut end = 0;
            for (at, c) in name.char_indices() {
                end = at + c.len_utf8();
                assert!(
                    whole.starts_with(&fold(&name[..end])),
                    "{name}: {} is not a prefix of {whole}",
                    fold(&name[..end])
                );
            }
            assert_eq!(end, name.len());
        }
    }
}
