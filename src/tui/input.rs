//! Terminal events to actions: keys go through the keymap, or to the filter line while
//! it is being edited.

use crossterm::event::{Event, KeyCode as TermCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::Action;
use crate::app::action::InputRequest;
use crate::app::keymap::{Command, Key, KeyCode, Keymap};

/// The console's key for a terminal key, if it has one.
pub fn key(event: &KeyEvent) -> Option<Key> {
    let code = match event.code {
        TermCode::Char(c) => KeyCode::Char(c),
        TermCode::Up => KeyCode::Up,
        TermCode::Down => KeyCode::Down,
        TermCode::Left => KeyCode::Left,
        TermCode::Right => KeyCode::Right,
        TermCode::Home => KeyCode::Home,
        TermCode::End => KeyCode::End,
        TermCode::PageUp => KeyCode::PageUp,
        TermCode::PageDown => KeyCode::PageDown,
        TermCode::Tab => KeyCode::Tab,
        TermCode::BackTab => KeyCode::BackTab,
        TermCode::Enter => KeyCode::Enter,
        TermCode::Esc => KeyCode::Esc,
        TermCode::Backspace => KeyCode::Backspace,
        TermCode::Delete => KeyCode::Delete,
        _ => return None,
    };
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let code = match code {
        KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
        other => other,
    };
    Some(Key { code, ctrl })
}

/// Where typed text goes, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEntry {
    /// Keys are commands.
    None,
    /// The filter line.
    Filter,
    /// The prompt line of a decision.
    Prompt,
}

impl TextEntry {
    pub fn of(model: &crate::app::Model) -> TextEntry {
        if model.prompt.is_some() {
            TextEntry::Prompt
        } else if model.editing_filter {
            TextEntry::Filter
        } else {
            TextEntry::None
        }
    }
}

/// What a key does while a text line is edited.
fn text_action(key: Key, entry: TextEntry) -> Option<Action> {
    let (keep, clear) = match entry {
        TextEntry::Prompt => (Action::PromptSubmit, Action::PromptCancel),
        _ => (Action::FilterKeep, Action::FilterClear),
    };
    let request = match (key.code, key.ctrl) {
        (KeyCode::Enter, _) => return Some(keep),
        (KeyCode::Esc, _) => return Some(clear),
        (KeyCode::Char('u'), true) => InputRequest::DeleteLine,
        (KeyCode::Char('w'), true) => InputRequest::DeletePrevWord,
        (KeyCode::Char(_), true) => return None,
        (KeyCode::Char(c), false) => InputRequest::InsertChar(c),
        (KeyCode::Backspace, _) => InputRequest::DeletePrevChar,
        (KeyCode::Delete, _) => InputRequest::DeleteNextChar,
        (KeyCode::Left, _) => InputRequest::GoToPrevChar,
        (KeyCode::Right, _) => InputRequest::GoToNextChar,
        (KeyCode::Home, _) => InputRequest::GoToStart,
        (KeyCode::End, _) => InputRequest::GoToEnd,
        _ => return None,
    };
    Some(match entry {
        TextEntry::Prompt => Action::PromptEdit(request),
        _ => Action::FilterEdit(request),
    })
}

/// The action for one key, through the keymap or to the line being edited.
fn key_action(key: Key, keymap: &Keymap, entry: TextEntry) -> Option<Action> {
    if entry != TextEntry::None {
        // Ctrl-Z still suspends while typing.
        if keymap.command_for(key) == Some(Command::Suspend) {
            return Some(Action::Command(Command::Suspend));
        }
        return text_action(key, entry);
    }
    keymap.command_for(key).map(Action::Command)
}

/// The actions for a terminal event; `entry` sends typing to a text line.
/// An Alt-modified key is what a terminal reports when Esc and the next key arrive together
/// (slow or bursty links): it counts as Esc, then the key.
pub fn actions(event: &Event, keymap: &Keymap, entry: TextEntry) -> Vec<Action> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let Some(key) = key(k) else {
                return Vec::new();
            };
            let mut actions = Vec::new();
            let mut entry = entry;
            if k.modifiers.contains(KeyModifiers::ALT) {
                let esc = key_action(Key::plain(KeyCode::Esc), keymap, entry);
                if esc.is_some() {
                    entry = TextEntry::None;
                }
                actions.extend(esc);
            }
            actions.extend(key_action(key, keymap, entry));
            actions
        }
        Event::Resize(width, height) => vec![Action::Resize {
            width: *width,
            height: *height,
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: TermCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn keys_go_through_the_keymap_or_to_the_filter_line() {
        let keymap = Keymap::default();
        let j = press(TermCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(
            actions(&j, &keymap, TextEntry::None),
            vec![Action::Command(Command::Down)]
        );
        assert_eq!(
            actions(&j, &keymap, TextEntry::Filter),
            vec![Action::FilterEdit(InputRequest::InsertChar('j'))]
        );
        let ctrl_z = press(TermCode::Char('z'), KeyModifiers::CONTROL);
        assert_eq!(
            actions(&ctrl_z, &keymap, TextEntry::Prompt),
            vec![Action::Command(Command::Suspend)]
        );
    }

    #[test]
    fn esc_merged_with_the_next_key_counts_as_both() {
        let keymap = Keymap::default();
        let alt_j = press(TermCode::Char('j'), KeyModifiers::ALT);
        assert_eq!(
            actions(&alt_j, &keymap, TextEntry::None),
            vec![
                Action::Command(Command::Back),
                Action::Command(Command::Down)
            ]
        );
        assert_eq!(
            actions(&alt_j, &keymap, TextEntry::Filter),
            vec![Action::FilterClear, Action::Command(Command::Down)]
        );
    }
}
