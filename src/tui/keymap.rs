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
    /// After a save refused because a colleague changed the same thing, on any screen, while
    /// typing too (these keys are looked up first then, and only then).
    Conflict,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingFile {
    keys: toml::Spanned<Vec<String>>,
    action: Action,
    context: Context,
    /// Optional in a user's file when it re-binds a built-in action (the built-in words stay).
    help: Option<String>,
    footer: Option<bool>,
    /// The footer's one word for the binding (else the help's first words).
    label: Option<String>,
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

/// A footer entry: the key as shown, and its word.
pub type FooterEntry = (String, String);

/// One binding, resolved.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub context: Context,
    pub help: String,
    pub footer: bool,
    /// The footer's word for it ("search"); the help's first words when the file gives none.
    pub label: String,
}

/// Errors in a keymap file name the file and the line.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("{}: cannot read: {}", crate::text::one_line(.file), crate::text::one_line(.detail))]
    Read { file: String, detail: String },
    #[error("{}: {}", crate::text::one_line(.file), crate::text::one_line(.detail))]
    Invalid { file: String, detail: String },
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

/// Where the built-in keymap comes from, as its errors name it.
const EMBEDDED_NAME: &str = "assets/keymap.toml";

impl Keymap {
    pub fn embedded() -> Result<Self, KeymapError> {
        Self::parse(DEFAULT_KEYMAP)
    }

    /// The built-in keymap with the bindings of `text` (the words of a keymap file) laid over
    /// it: a binding there replaces the built-in binding of the same action on the same screen,
    /// or adds one. `file` names the file in errors.
    pub fn with_overrides(file: &str, text: &str) -> Result<Self, KeymapError> {
        let mut keymap = Self::embedded()?;
        let overrides = read_bindings(file, text)?;
        for (line, binding) in overrides {
            let replaced = keymap
                .bindings
                .iter()
                .position(|b| b.action == binding.action && b.context == binding.context)
                .map(|index| keymap.bindings.remove(index));
            let (help, footer, label) = if let Some(replaced) = replaced {
                let label = binding
                    .label
                    .clone()
                    .unwrap_or_else(|| binding.help.as_deref().map_or(replaced.label, short));
                (
                    binding.help.unwrap_or(replaced.help),
                    binding.footer.unwrap_or(replaced.footer),
                    label,
                )
            } else {
                let help = binding
                    .help
                    .ok_or_else(|| invalid(file, line, "a new binding needs `help`"))?;
                let label = binding.label.clone().unwrap_or_else(|| short(&help));
                (help, binding.footer.unwrap_or(false), label)
            };
            keymap.bindings.push(Binding {
                keys: binding.keys,
                action: binding.action,
                context: binding.context,
                help,
                footer,
                label,
            });
        }
        keymap.check_conflicts(file)?;
        Ok(keymap)
    }

    /// The keymap the dashboard uses: `path`, else `$REFRACT_KEYMAP`, over the built-in one.
    pub fn load(path: Option<&std::path::Path>) -> Result<Self, KeymapError> {
        let Some(path) = Self::file(path) else {
            return Self::embedded();
        };
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|err| KeymapError::Read {
            file: file.clone(),
            detail: err.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| KeymapError::Invalid {
            file: file.clone(),
            detail: String::from("not UTF-8 text"),
        })?;
        Self::with_overrides(&file, &text)
    }

    /// The keymap file [`Keymap::load`] reads: `path`, else `$REFRACT_KEYMAP`; none for the
    /// built-in keys alone.
    pub fn file(path: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
        path.map(std::path::Path::to_path_buf).or_else(|| {
            std::env::var_os("REFRACT_KEYMAP")
                .filter(|value| !value.is_empty())
                .map(std::path::PathBuf::from)
        })
    }

    /// A whole keymap (the built-in file's format: every binding has its words).
    pub fn parse(text: &str) -> Result<Self, KeymapError> {
        let mut bindings = Vec::new();
        for (line, binding) in read_bindings(EMBEDDED_NAME, text)? {
            let help = binding
                .help
                .ok_or_else(|| invalid(EMBEDDED_NAME, line, "missing field `help`"))?;
            bindings.push(Binding {
                keys: binding.keys,
                action: binding.action,
                context: binding.context,
                label: binding.label.unwrap_or_else(|| short(&help)),
                help,
                footer: binding.footer.unwrap_or(false),
            });
        }
        let keymap = Keymap { bindings };
        keymap.check_conflicts(EMBEDDED_NAME)?;
        Ok(keymap)
    }

    /// One key, two actions on the same screen: the second would never run.
    fn check_conflicts(&self, file: &str) -> Result<(), KeymapError> {
        for (index, binding) in self.bindings.iter().enumerate() {
            for other in &self.bindings[index + 1..] {
                if other.context != binding.context {
                    continue;
                }
                if let Some(key) = binding.keys.iter().find(|k| other.keys.contains(k)) {
                    return Err(KeymapError::Invalid {
                        file: file.to_owned(),
                        detail: format!(
                            "key '{}' does two things {}: {} and {}",
                            key.label(),
                            match binding.context {
                                Context::Global => String::from("on every screen"),
                                context => format!("on the {} screen", snake_case(&context)),
                            },
                            snake_case(&binding.action),
                            snake_case(&other.action)
                        ),
                    });
                }
            }
        }
        Ok(())
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

    /// The action of `key` among `context`'s own bindings only (no global fallback): the keys of
    /// a refused save, looked up before the text being typed gets the key.
    pub fn action_in(&self, context: Context, key: Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.keys.contains(&key))
            .map(|b| b.action)
    }

    /// The footer of a screen as (keys, word): its own footer bindings in the file's order
    /// (most used first), then the global ones, and last `? help` and `q quit`.
    pub fn footer(&self, context: Context) -> Vec<(String, String)> {
        let (mut out, pinned) = self.footer_split(context);
        out.extend(pinned);
        out
    }

    /// [`Keymap::footer`] in two parts: what may be left out when the terminal is narrow (the
    /// help lists it), and what the footer always shows at its end (help, then quit).
    pub fn footer_split(&self, context: Context) -> (Vec<FooterEntry>, Vec<FooterEntry>) {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut pinned: Vec<(Action, (String, String))> = Vec::new();
        for wanted in [context, Context::Global] {
            for binding in self
                .bindings
                .iter()
                .filter(|b| b.context == wanted && b.footer)
            {
                if out
                    .iter()
                    .chain(pinned.iter().map(|(_, entry)| entry))
                    .any(|(_, label)| *label == binding.label)
                {
                    continue;
                }
                let keys = binding.keys.first().map(|k| k.label()).unwrap_or_default();
                let entry = (keys, binding.label.clone());
                if matches!(binding.action, Action::Help | Action::Quit) {
                    pinned.push((binding.action, entry));
                } else {
                    out.push(entry);
                }
            }
        }
        pinned.sort_by_key(|(action, _)| *action == Action::Quit);
        (out, pinned.into_iter().map(|(_, entry)| entry).collect())
    }

    /// The footer bindings of `context` alone, as (keys, words): what the footer shows after a
    /// refused save.
    pub fn own_footer(&self, context: Context) -> Vec<(String, String)> {
        self.bindings
            .iter()
            .filter(|b| b.context == context && b.footer)
            .map(|b| {
                let keys = b.keys.first().map(|k| k.label()).unwrap_or_default();
                (keys, b.label.clone())
            })
            .collect()
    }

    /// The first key bound to `action` on `context`, as the footer shows it.
    pub fn key_for(&self, context: Context, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .and_then(|b| b.keys.first())
            .map(|k| k.label())
    }

    /// Every binding that works on a screen, for the help overlay. (The keys of a refused save
    /// are not among them: like Enter and Esc while typing, they show in the footer when they
    /// apply.)
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

/// A binding as a file gives it, its keys parsed.
struct ReadBinding {
    keys: Vec<Key>,
    action: Action,
    context: Context,
    help: Option<String>,
    footer: Option<bool>,
    label: Option<String>,
}

/// The bindings of a keymap file with the line each starts on.
fn read_bindings(file: &str, text: &str) -> Result<Vec<(usize, ReadBinding)>, KeymapError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let parsed: KeymapFile = toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_of(span.start));
        invalid(file, line, err.message())
    })?;
    if parsed.binding.is_empty() {
        return Err(KeymapError::Invalid {
            file: file.to_owned(),
            detail: String::from("no [[binding]] in the file"),
        });
    }
    parsed
        .binding
        .into_iter()
        .map(|binding| {
            let line = line_of(binding.keys.span().start);
            let names = binding.keys.into_inner();
            if names.is_empty() {
                return Err(invalid(file, line, "a binding needs at least one key"));
            }
            let keys = names
                .iter()
                .map(|name| {
                    Key::parse(name).ok_or_else(|| {
                        invalid(
                            file,
                            line,
                            &format!("unknown key '{}'", crate::text::one_line(name)),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((
                line,
                ReadBinding {
                    keys,
                    action: binding.action,
                    context: binding.context,
                    help: binding.help,
                    footer: binding.footer,
                    label: binding.label,
                },
            ))
        })
        .collect()
}

/// A unit variant's name as the keymap file spells it (`MoveDown` → `move_down`).
fn snake_case(value: &impl std::fmt::Debug) -> String {
    let mut out = String::new();
    for (index, c) in format!("{value:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn invalid(file: &str, line: usize, detail: &str) -> KeymapError {
    KeymapError::Invalid {
        file: file.to_owned(),
        detail: format!("line {line}: {detail}"),
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
        // Help, then quit, always last (the footer keeps them when the rest does not fit).
        let (_, pinned) = keymap.footer_split(Context::Patients);
        assert_eq!(
            pinned,
            vec![
                (String::from("?"), String::from("help")),
                (String::from("q"), String::from("quit"))
            ]
        );
        assert_eq!(
            footer.last(),
            Some(&(String::from("q"), String::from("quit")))
        );
        let (_, pinned) = keymap.footer_split(Context::WayForward);
        assert_eq!(pinned, vec![(String::from("?"), String::from("help"))]);
        let help = keymap.help(Context::Patient);
        assert!(help.iter().any(|(k, _)| k == "c"));
        assert!(help.iter().all(|(_, h)| !h.is_empty()));
    }

    #[test]
    fn a_keymap_file_rebinds_an_action_and_keeps_its_words() {
        let key = |c: char| Key {
            code: KeyCode::Char(c),
            ctrl: false,
        };
        let text =
            "[[binding]]\nkeys = [\"n\", \"down\"]\naction = \"move_down\"\ncontext = \"global\"\n";
        let keymap = Keymap::with_overrides("mine.toml", text).unwrap();
        assert_eq!(
            keymap.action(Context::Patients, key('n')),
            Some(Action::MoveDown)
        );
        assert_eq!(keymap.action(Context::Patients, key('j')), None);
        let embedded = Keymap::embedded().unwrap();
        let words = |keymap: &Keymap| {
            keymap
                .bindings
                .iter()
                .find(|b| b.action == Action::MoveDown && b.context == Context::Global)
                .map(|b| (b.help.clone(), b.footer))
        };
        assert_eq!(words(&keymap), words(&embedded));
        assert_eq!(keymap.bindings.len(), embedded.bindings.len());
        // A key given a second job on the same screen is refused, naming both.
        let twice = "[[binding]]\nkeys = [\"j\"]\naction = \"quit\"\ncontext = \"global\"\n";
        let err = Keymap::with_overrides("mine.toml", twice)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("mine.toml: key 'j' does two things on every screen"),
            "{err}"
        );
        assert!(err.contains("move_down") && err.contains("quit"), "{err}");
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
