//! The keymap: `assets/keymap.toml` parsed into key → action per screen. The same table draws
//! the footer and the help screen, so what they say is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a binding works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Patients,
    Overview,
    Patient,
    WayForward,
    Meetings,
    Meeting,
    Presentation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingFile {
    keys: Vec<String>,
    action: Action,
    context: Context,
    help: String,
    #[serde(default)]
    footer: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    binding: Vec<BindingFile>,
}

/// A key as the keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// The key of a terminal event. Shifted letters arrive as upper-case characters on every
    /// platform once SHIFT is dropped.
    pub fn from_event(event: &KeyEvent) -> Self {
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let (ctrl, name) = match text.strip_prefix("ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match name {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            other if other.starts_with('f') && other.len() > 1 => {
                KeyCode::F(other[1..].parse().ok()?)
            }
            other => {
                let mut chars = other.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key { code, ctrl })
    }

    /// The key as the footer and help show it.
    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Up => String::from("↑"),
            KeyCode::Down => String::from("↓"),
            KeyCode::Left => String::from("←"),
            KeyCode::Right => String::from("→"),
            KeyCode::PageUp => String::from("PgUp"),
            KeyCode::PageDown => String::from("PgDn"),
            KeyCode::Home => String::from("Home"),
            KeyCode::End => String::from("End"),
            KeyCode::Enter => String::from("⏎"),
            KeyCode::Esc => String::from("Esc"),
            KeyCode::Tab => String::from("Tab"),
            KeyCode::BackTab => String::from("S-Tab"),
            KeyCode::Backspace => String::from("Bksp"),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => String::from("Space"),
            KeyCode::Char(c) => c.to_string(),
            _ => String::from("?"),
        };
        if self.ctrl { format!("^{name}") } else { name }
    }
}

/// One binding, resolved.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub context: Context,
    pub help: String,
    pub footer: bool,
}

/// Errors in a keymap file name the binding.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("assets/keymap.toml: {}", crate::text::one_line(.0))]
    Parse(String),
    #[error("assets/keymap.toml: unknown key '{}'", crate::text::one_line(.0))]
    UnknownKey(String),
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Keymap {
    pub fn embedded() -> Result<Self, KeymapError> {
        Self::parse(DEFAULT_KEYMAP)
    }

    pub fn parse(text: &str) -> Result<Self, KeymapError> {
        let file: KeymapFile = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| {
                text[..span.start.min(text.len())].matches('\n').count() + 1
            });
            KeymapError::Parse(format!("line {line}: {}", err.message()))
        })?;
        let mut bindings = Vec::with_capacity(file.binding.len());
        for binding in file.binding {
            let keys = binding
                .keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| KeymapError::UnknownKey(k.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            bindings.push(Binding {
                keys,
                action: binding.action,
                context: binding.context,
                help: binding.help,
                footer: binding.footer,
            });
        }
        Ok(Keymap { bindings })
    }

    /// The action of `key` on a screen: the screen's own bindings first, then global ones.
    pub fn action(&self, context: Context, key: Key) -> Option<Action> {
        let find = |wanted: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == wanted && b.keys.contains(&key))
                .map(|b| b.action)
        };
        find(context).or_else(|| find(Context::Global))
    }

    /// The footer of a screen: its own footer bindings, then the global ones, as (keys, words).
    pub fn footer(&self, context: Context) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for wanted in [context, Context::Global] {
            for binding in self
                .bindings
                .iter()
                .filter(|b| b.context == wanted && b.footer)
            {
                if out
                    .iter()
                    .any(|(_, help): &(String, String)| *help == short(&binding.help))
                {
                    continue;
                }
                let keys = binding
                    .keys
                    .iter()
                    .take(1)
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((keys, short(&binding.help)));
            }
        }
        out
    }

    /// Every binding that works on a screen, for the help overlay.
    pub fn help(&self, context: Context) -> Vec<(String, String)> {
        self.bindings
            .iter()
            .filter(|b| b.context == context || b.context == Context::Global)
            .map(|b| {
                (
                    b.keys
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(" "),
                    b.help.clone(),
                )
            })
            .collect()
    }
}

/// The first words of a help text, for the footer ("help: every key" → "help").
fn short(help: &str) -> String {
    help.split(':')
        .next()
        .unwrap_or(help)
        .split(" (")
        .next()
        .unwrap_or(help)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_keymap_parses_and_covers_design_keys() {
        let keymap = Keymap::embedded().unwrap();
        let key = |c: char| Key {
            code: KeyCode::Char(c),
            ctrl: false,
        };
        assert_eq!(
            keymap.action(Context::Patients, key('q')),
            Some(Action::Quit)
        );
        assert_eq!(keymap.action(Context::Patient, key('q')), None);
        assert_eq!(
            keymap.action(Context::Patients, key('j')),
            Some(Action::MoveDown)
        );
        assert_eq!(
            keymap.action(Context::Patient, key('c')),
            Some(Action::Confirm)
        );
        assert_eq!(
            keymap.action(Context::Patients, key('/')),
            Some(Action::Search)
        );
        assert_eq!(
            keymap.action(Context::Patients, key('M')),
            Some(Action::ToggleMask)
        );
        let down = Key {
            code: KeyCode::Down,
            ctrl: false,
        };
        assert_eq!(
            keymap.action(Context::Overview, down),
            Some(Action::MoveDown)
        );
    }

    #[test]
    fn footer_and_help_come_from_the_bindings() {
        let keymap = Keymap::embedded().unwrap();
        let footer = keymap.footer(Context::Patients);
        assert!(
            footer
                .iter()
                .any(|(k, h)| k == "/" && h.starts_with("search"))
        );
        assert!(footer.iter().any(|(k, h)| k == "q" && h == "quit refract"));
        let help = keymap.help(Context::Patient);
        assert!(help.iter().any(|(k, _)| k == "c"));
        assert!(help.iter().all(|(_, h)| !h.is_empty()));
    }

    #[test]
    fn a_bad_keymap_is_an_error_with_a_line() {
        let bad =
            "[[binding]]\nkeys = [\"j\"]\naction = \"fly\"\ncontext = \"global\"\nhelp = \"x\"\n";
        let err = Keymap::parse(bad).unwrap_err().to_string();
        assert!(err.contains("line"), "{err}");
        let bad = "[[binding]]\nkeys = [\"hyper-j\"]\naction = \"quit\"\ncontext = \"global\"\nhelp = \"x\"\n";
        assert!(
            Keymap::parse(bad)
                .unwrap_err()
                .to_string()
                .contains("hyper-j")
        );
    }
}
