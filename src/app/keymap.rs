//! The keymap: which key runs which command. Every command has a plain printable key,
//! because escape sequences (arrows, PgUp) split on slow serial links. Overridable from
//! TOML (`[keys] down = ["j", "Down"]`); a key bound to two commands is an error.

use std::collections::BTreeMap;

use serde::Deserialize;
use thiserror::Error;

pub use super::key::{Key, KeyCode};

/// What a key can do: the vocabulary of the keymap and of the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    Open,
    Back,
    Checklist,
    Journal,
    Filter,
    Sort,
    Help,
    Suspend,
    Quit,
    Run,
    Follow,
    Proceed,
    Pause,
    Skip,
    Abort,
    RollBack,
    RollBackWave,
    RollBackRun,
}

impl Command {
    pub const ALL: [Command; 25] = [
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::NextPane,
        Command::Open,
        Command::Back,
        Command::Checklist,
        Command::Journal,
        Command::Filter,
        Command::Sort,
        Command::Help,
        Command::Suspend,
        Command::Quit,
        Command::Run,
        Command::Follow,
        Command::Proceed,
        Command::Pause,
        Command::Skip,
        Command::Abort,
        Command::RollBack,
        Command::RollBackWave,
        Command::RollBackRun,
    ];

    /// The name used in keys.toml.
    pub fn name(self) -> &'static str {
        match self {
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::NextPane => "next_pane",
            Command::Open => "open",
            Command::Back => "back",
            Command::Checklist => "checklist",
            Command::Journal => "journal",
            Command::Filter => "filter",
            Command::Sort => "sort",
            Command::Help => "help",
            Command::Suspend => "suspend",
            Command::Quit => "quit",
            Command::Run => "run",
            Command::Follow => "follow",
            Command::Proceed => "proceed",
            Command::Pause => "pause",
            Command::Skip => "skip",
            Command::Abort => "abort",
            Command::RollBack => "roll_back",
            Command::RollBackWave => "roll_back_wave",
            Command::RollBackRun => "roll_back_run",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Command::Up => "move up one row",
            Command::Down => "move down one row",
            Command::PageUp => "up one page (on a detail screen: scroll its text)",
            Command::PageDown => "down one page (on a detail screen: scroll its text)",
            Command::Top => "go to the first row",
            Command::Bottom => "go to the last row",
            Command::NextPane => "switch between the patch queue and the assets",
            Command::Open => "open the selection (details, then checklist)",
            Command::Back => "go back; clear the filter",
            Command::Checklist => "open the checklist of the selected patch",
            Command::Journal => "the audit journal, newest entries first",
            Command::Filter => "filter the list (Enter keeps it, Esc clears it)",
            Command::Sort => "cycle the sort order",
            Command::Help => "show or hide this help",
            Command::Suspend => "suspend to the shell (fg resumes)",
            Command::Quit => "quit (asks first while work is running)",
            Command::Run => "checklist: start the rollout (type the patch id); else open it",
            Command::Follow => "rollout log: follow the selected host / all hosts",
            Command::Proceed => "at a question: proceed (type the patch id for production)",
            Command::Pause => "at a question: pause (journaled; the question stays)",
            Command::Skip => "at a question: skip the next wave / the rollback, with a reason",
            Command::Abort => "at a question: abort the run",
            Command::RollBack => "roll back: as the answer, or the selected host after the run",
            Command::RollBackWave => "after the run: roll back the selected host's wave",
            Command::RollBackRun => "after the run: roll back every host it changed",
        }
    }

    fn defaults(self) -> Vec<Key> {
        use KeyCode as K;
        const fn ctrl(c: char) -> Key {
            Key {
                code: KeyCode::Char(c),
                ctrl: true,
            }
        }
        match self {
            Command::Up => vec![Key::plain(K::Up), Key::char('k')],
            Command::Down => vec![Key::plain(K::Down), Key::char('j')],
            Command::PageUp => vec![Key::plain(K::PageUp), Key::char('u')],
            Command::PageDown => vec![Key::plain(K::PageDown), Key::char('d')],
            Command::Top => vec![Key::plain(K::Home), Key::char('g')],
            Command::Bottom => vec![Key::plain(K::End), Key::char('G')],
            Command::NextPane => vec![Key::plain(K::Tab), Key::plain(K::BackTab), Key::char('t')],
            Command::Open => vec![Key::plain(K::Enter), Key::plain(K::Right), Key::char('l')],
            Command::Back => vec![Key::plain(K::Esc), Key::plain(K::Left), Key::char('h')],
            Command::Checklist => vec![Key::char('c')],
            Command::Journal => vec![Key::char('J')],
            Command::Filter => vec![Key::char('/')],
            Command::Sort => vec![Key::char('s')],
            Command::Help => vec![Key::char('?')],
            Command::Suspend => vec![ctrl('z')],
            Command::Quit => vec![Key::char('q')],
            Command::Run => vec![Key::char('r')],
            Command::Follow => vec![Key::char('f')],
            Command::Proceed => vec![Key::char('y')],
            Command::Pause => vec![Key::char('p')],
            Command::Skip => vec![Key::char('x')],
            Command::Abort => vec![Key::char('a')],
            Command::RollBack => vec![Key::char('b')],
            Command::RollBackWave => vec![Key::char('w')],
            Command::RollBackRun => vec![Key::char('R')],
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("{file}: not valid TOML: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {}", problems.join("; "))]
    Invalid { file: String, problems: Vec<String> },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
}

/// Keys for every command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Command, Vec<Key>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: Command::ALL
                .into_iter()
                .map(|c| (c, c.defaults()))
                .collect(),
        }
    }
}

impl Keymap {
    /// The defaults with the commands `text` names rebound. `file` names the source in errors.
    pub fn with_overrides(file: &str, text: &str) -> Result<Keymap, KeymapError> {
        let parsed: KeysFile = toml::from_str(text).map_err(|e| KeymapError::Syntax {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut keymap = Keymap::default();
        let mut problems = Vec::new();
        for (name, keys) in parsed.keys {
            let Some(command) = Command::from_name(&name) else {
                let known: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
                problems.push(format!(
                    "[keys] `{name}` is not a command; expected one of {}",
                    known.join(", ")
                ));
                continue;
            };
            let mut parsed_keys = Vec::new();
            for key in keys {
                match key.parse::<Key>() {
                    Ok(key) => parsed_keys.push(key),
                    Err(e) => problems.push(format!("[keys] {name}: {e}")),
                }
            }
            if parsed_keys.is_empty() {
                problems.push(format!("[keys] {name}: give at least one key"));
            } else if !parsed_keys.iter().any(|k| is_plain_letter(*k)) {
                problems.push(format!(
                    "[keys] {name}: needs at least one plain printable key (escape sequences \
                     split on serial links)"
                ));
            }
            if let Some(slot) = keymap.bindings.iter_mut().find(|(c, _)| *c == command) {
                slot.1 = parsed_keys;
            }
        }
        problems.extend(keymap.duplicates());
        if problems.is_empty() {
            Ok(keymap)
        } else {
            Err(KeymapError::Invalid {
                file: file.to_string(),
                problems,
            })
        }
    }

    fn duplicates(&self) -> Vec<String> {
        let mut owner: BTreeMap<Key, Command> = BTreeMap::new();
        let mut problems = Vec::new();
        for (command, keys) in &self.bindings {
            for key in keys {
                match owner.get(key) {
                    Some(other) if other != command => problems.push(format!(
                        "key `{key}` is bound to both `{}` and `{}`",
                        other.name(),
                        command.name()
                    )),
                    _ => {
                        owner.insert(*key, *command);
                    }
                }
            }
        }
        problems
    }

    pub fn command_for(&self, key: Key) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(c, _)| *c)
    }

    pub fn keys_for(&self, command: Command) -> &[Key] {
        self.bindings
            .iter()
            .find(|(c, _)| *c == command)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// Help lines: keys, then what they do, in the order of `Command::ALL`.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .map(|(command, keys)| {
                let keys: Vec<String> = keys.iter().map(Key::to_string).collect();
                (keys.join(" "), command.description())
            })
            .collect()
    }
}

/// A key a serial line delivers as one byte: a printable character, or Ctrl with a letter.
fn is_plain_letter(key: Key) -> bool {
    matches!(key.code, KeyCode::Char(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_command_has_a_plain_key_and_no_key_is_shared() {
        let keymap = Keymap::default();
        for command in Command::ALL {
            assert!(
                keymap.keys_for(command).iter().any(|k| is_plain_letter(*k)),
                "{command:?}"
            );
        }
        assert!(keymap.duplicates().is_empty());
        assert_eq!(keymap.command_for(Key::char('j')), Some(Command::Down));
    }

    #[test]
    fn overrides_replace_a_commands_keys() {
        let keymap =
            Keymap::with_overrides("keys.toml", "[keys]\ndown = [\"n\", \"Down\"]\n").unwrap();
        assert_eq!(keymap.command_for(Key::char('n')), Some(Command::Down));
        assert_eq!(keymap.command_for(Key::char('j')), None);
    }

    #[test]
    fn a_key_bound_twice_is_reported_with_both_commands() {
        let err = Keymap::with_overrides("keys.toml", "[keys]\ntop = [\"j\"]\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "keys.toml: key `j` is bound to both `down` and `top`"
        );
    }

    #[test]
    fn unknown_commands_and_keys_are_named() {
        let err = Keymap::with_overrides(
            "k.toml",
            "[keys]\njump = [\"x\"]\nquit = [\"Ctrl-\"]\nhelp = [\"F1\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`jump` is not a command"), "{err}");
        assert!(err.contains("quit: `Ctrl-` is not a key"), "{err}");
        assert!(err.contains("help: `F1` is not a key"), "{err}");
    }

    #[test]
    fn key_names_round_trip() {
        for text in ["j", "G", "/", "Space", "PageDown", "Ctrl-z", "Enter"] {
            assert_eq!(text.parse::<Key>().unwrap().to_string(), text);
        }
    }
}
