//! Terminal events to actions: keys go through the keymap, or to the filter line while
//! it is being edited.

use crossterm::event::{Event, KeyCode as TermCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::Action;
use crate::app::action::InputRequest;
use crate::app::keymap::{Key, KeyCode, Keymap};

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

/// The action for a terminal event; `editing_filter` sends typing to the filter line.
pub fn action(event: &Event, keymap: &Keymap, editing_filter: bool) -> Option<Action> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let key = key(k)?;
            if editing_filter {
                // Ctrl-Z still suspends while filtering.
                if let Some(crate::app::keymap::Command::Suspend) = keymap.command_for(key) {
                    return Some(Action::Command(crate::app::keymap::Command::Suspend));
                }
                return filter_action(key);
            }
            keymap.command_for(key).map(Action::Command)
        }
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}
