//! Keys as the console sees them, independent of the terminal library, with the names
//! keys.toml and the help use (`j`, `G`, `Space`, `PageDown`, `Ctrl-z`).

use std::fmt;

/// A key as the console sees it, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Tab,
    BackTab,
    Enter,
    Esc,
    Backspace,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
}

const NAMED: [(&str, KeyCode); 14] = [
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
];

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            code => {
                let name = NAMED.iter().find(|(_, k)| *k == code).map_or("?", |n| n.0);
                f.write_str(name)
            }
        }
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    /// `j`, `G`, `?`, `Space`, `Enter`, `PageDown`, `Ctrl-z` (names are case-insensitive).
    fn from_str(text: &str) -> Result<Key, String> {
        let expected = "expected one character (`j`, `G`, `/`), Space, a key name \
                        (Up Down Left Right Home End PageUp PageDown Tab BackTab Enter Esc \
                        Backspace Delete) or Ctrl- followed by a letter";
        let bad = || format!("`{text}` is not a key; {expected}");
        let (ctrl, rest) = match text.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("ctrl-") && text.len() > 5 => {
                (true, &text[5..])
            }
            _ => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && (!ctrl || c.is_ascii_alphabetic()) => {
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
            _ if rest.eq_ignore_ascii_case("space") && !ctrl => KeyCode::Char(' '),
            _ if !ctrl => NAMED
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(rest))
                .map(|(_, code)| *code)
                .ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        Ok(Key { code, ctrl })
    }
}
