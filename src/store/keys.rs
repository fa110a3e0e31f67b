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
//! Folding is character by character (compatibility decomposition, lower case, the accents of
//! Latin, Greek and Cyrillic letters dropped, and the Latin letters that do not decompose
//! written as their base letters), so the fold of a prefix is a prefix of the fold: a search is
//! a range of the stored keys. Other scripts' marks are kept: they are part of the name.

use rusqlite::Connection;
use unicode_normalization::char::decompose_compatible;

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
        // Compatibility decomposition also writes a ligature (ﬁ) or a full-width letter (Ｓ)
        // as the letters typed for it; a part can be upper case again (ℌ is H).
        decompose_compatible(c, |part| {
            for lower in part.to_lowercase() {
                if is_accent(lower) {
                    continue;
                }
                match base_letters(lower) {
                    Some(base) => out.push_str(base),
                    None => out.push(lower),
                }
            }
        });
    }
}

/// The marks that decomposition separates from Latin, Greek and Cyrillic letters (acute,
/// grave, diaeresis, ring, caron, cedilla…): accents a person may leave out. The marks of
/// other scripts are kept: an Indic vowel sign or virama, or the kana voicing mark, is part of
/// the name (कमल and कोमल, カトウ and ガトウ are different names).
fn is_accent(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
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
        // A damaged name (bytes that are not UTF-8) must not stop the upgrade, or no command
        // could open the file, `check` included, which names such a row: its keys are made
        // from what can be read of it.
        let text = |column: usize| -> Result<String> {
            let value = row.get_ref(column)?;
            Ok(match value {
                rusqlite::types::ValueRef::Text(bytes) | rusqlite::types::ValueRef::Blob(bytes) => {
                    String::from_utf8_lossy(bytes).into_owned()
                }
                _ => String::new(),
            })
        };
        let (family, given) = (text(1)?, text(2)?);
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
        // A letter with an accent and a letter of its own, a ligature, full width.
        assert_eq!(fold("Ǿrsted"), "orsted");
        assert_eq!(fold("Ǣsa"), "aesa");
        assert_eq!(fold("ﬁnch"), "finch");
        assert_eq!(fold("Ｓｍｉｔｈ"), "smith");
    }

    #[test]
    fn the_marks_of_other_scripts_are_part_of_the_name() {
        assert_ne!(fold("कोमल"), fold("कमल"));
        assert_ne!(fold("ガトウ"), fold("カトウ"));
        // Hangul decomposes into letters, which are kept.
        assert!(!fold("김").is_empty());
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
