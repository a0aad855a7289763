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

/// What a key does while the filter line is edited.
fn filter_action(key: Key) -> Option<Action> {
    let request = match (key.code, key.ctrl) {
        (KeyCode::Enter, _) => return Some(Action::FilterKeep),
        (KeyCode::Esc, _) => return Some(Action::FilterClear),
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
    Some(Action::FilterEdit(request))
}

/// The action for one key, through the keymap or to the filter line.
fn key_action(key: Key, keymap: &Keymap, editing_filter: bool) -> Option<Action> {
    if editing_filter {
        // Ctrl-Z still suspends while filtering.
        if keymap.command_for(key) == Some(Command::Suspend) {
            return Some(Action::Command(Command::Suspend));
        }
        return filter_action(key);
    }
    keymap.command_for(key).map(Action::Command)
}

/// The actions for a terminal event; `editing_filter` sends typing to the filter line.
/// An Alt-modified key is what a terminal reports when Esc and the next key arrive together
/// (slow or bursty links): it counts as Esc, then the key.
pub fn actions(event: &Event, keymap: &Keymap, editing_filter: bool) -> Vec<Action> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let Some(key) = key(k) else {
                return Vec::new();
            };
            let mut actions = Vec::new();
            let mut editing = editing_filter;
            if k.modifiers.contains(KeyModifiers::ALT) {
                let esc = key_action(Key::plain(KeyCode::Esc), keymap, editing);
                if esc.is_some() && editing {
                    editing = false;
                }
                actions.extend(esc);
            }
            actions.extend(key_action(key, keymap, editing));
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
            actions(&j, &keymap, false),
            vec![Action::Command(Command::Down)]
        );
        assert_eq!(
            actions(&j, &keymap, true),
            vec![Action::FilterEdit(InputRequest::InsertChar('j'))]
        );
        let ctrl_z = press(TermCode::Char('z'), KeyModifiers::CONTROL);
        assert_eq!(
            actions(&ctrl_z, &keymap, true),
            vec![Action::Command(Command::Suspend)]
        );
    }

    #[test]
    fn esc_merged_with_the_next_key_counts_as_both() {
        let keymap = Keymap::default();
        let alt_j = press(TermCode::Char('j'), KeyModifiers::ALT);
        assert_eq!(
            actions(&alt_j, &keymap, false),
            vec![
                Action::Command(Command::Back),
                Action::Command(Command::Down)
            ]
        );
        assert_eq!(
            actions(&alt_j, &keymap, true),
            vec![Action::FilterClear, Action::Command(Command::Down)]
        );
    }
}
