//! Terminal keys to messages. The only place that knows which key does what.

use super::app::{App, Msg, Screen};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn map_key(app: &App, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    if app.help {
        return match key.code {
            KeyCode::Char('?') => Some(Msg::ToggleHelp),
            KeyCode::Esc | KeyCode::Char('q') => Some(Msg::Cancel),
            _ => None,
        };
    }
    if app.filter_menu {
        return match key.code {
            KeyCode::Char(c @ '1'..='9') => Some(Msg::ToggleLabel(c as usize - '1' as usize)),
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('f' | 'q') => Some(Msg::FilterMenu),
            _ => None,
        };
    }
    if app.is_editing() {
        return match key.code {
            KeyCode::Esc => Some(Msg::Cancel),
            KeyCode::Enter => Some(Msg::Confirm),
            KeyCode::Backspace => Some(Msg::Backspace),
            KeyCode::Up => Some(Msg::Up),
            KeyCode::Down => Some(Msg::Down),
            KeyCode::Char(c) if !ctrl => Some(Msg::Input(c)),
            _ => None,
        };
    }
    let common = match key.code {
        KeyCode::Char('d') if ctrl => Some(Msg::HalfPageDown),
        KeyCode::Char('u') if ctrl => Some(Msg::HalfPageUp),
        KeyCode::Char('f') if ctrl => Some(Msg::PageDown),
        KeyCode::Char('b') if ctrl => Some(Msg::PageUp),
        _ if ctrl => None,
        KeyCode::Char('j') | KeyCode::Down => Some(Msg::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
        KeyCode::PageDown => Some(Msg::PageDown),
        KeyCode::PageUp => Some(Msg::PageUp),
        KeyCode::Char('g') | KeyCode::Home => Some(Msg::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Msg::Bottom),
        KeyCode::Char('/') => Some(Msg::StartPrompt),
        KeyCode::Char('?') | KeyCode::F(1) => Some(Msg::ToggleHelp),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match app.screen {
        Screen::Library => match key.code {
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => Some(Msg::Open),
            KeyCode::Char('q') => Some(Msg::Quit),
            KeyCode::Esc => Some(Msg::Cancel),
            KeyCode::Char(' ') => Some(Msg::PageDown),
            KeyCode::Char('b') => Some(Msg::PageUp),
            _ => None,
        },
        Screen::Reader(ref r) if r.entities.panel.as_ref().is_some_and(|p| p.focused) => {
            match key.code {
                KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => Some(Msg::Open),
                KeyCode::Char('n') => Some(Msg::NextMatch),
                KeyCode::Char('N') => Some(Msg::PrevMatch),
                KeyCode::Char(' ') => Some(Msg::PageDown),
                KeyCode::Char('b') => Some(Msg::PageUp),
                KeyCode::Tab | KeyCode::BackTab => Some(Msg::SwitchFocus),
                KeyCode::Char('e' | 'q') | KeyCode::Esc => Some(Msg::TogglePanel),
                KeyCode::Char('f') => Some(Msg::FilterMenu),
                _ => None,
            }
        }
        Screen::Reader(_) => match key.code {
            KeyCode::Char(']') => Some(Msg::NextEntity),
            KeyCode::Char('[') => Some(Msg::PrevEntity),
            KeyCode::Char('e') => Some(Msg::TogglePanel),
            KeyCode::Tab | KeyCode::BackTab => Some(Msg::SwitchFocus),
            KeyCode::Char('f') => Some(Msg::FilterMenu),
            KeyCode::Char(' ') => Some(Msg::PageDown),
            KeyCode::Char('b') => Some(Msg::PageUp),
            KeyCode::Enter => Some(Msg::Down),
            KeyCode::Char('n') => Some(Msg::NextMatch),
            KeyCode::Char('N') => Some(Msg::PrevMatch),
            KeyCode::Char('q') | KeyCode::Left => Some(Msg::Back),
            KeyCode::Esc => Some(Msg::Cancel),
            _ => None,
        },
    }
}

/// Every key, for the help overlay: (keys, what they do).
pub const LIBRARY_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("Space b PgDn/Up", "page down / up"),
    ("g G Home End", "first / last"),
    ("Enter l →", "open the article"),
    ("/", "filter: title, file"),
    ("Esc", "clear the filter"),
    ("?", "this help"),
    ("q Ctrl-c", "quit"),
];

pub const READER_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑ Enter", "line down / up"),
    ("Space b PgDn/Up", "page down / up"),
    ("Ctrl-d Ctrl-u", "half page down / up"),
    ("g G Home End", "start / end"),
    ("/", "search as you type"),
    ("n N", "next / previous match"),
    ("] [", "next / previous entity"),
    ("e", "entity panel (Tab: focus)"),
    ("f", "show / hide labels"),
    ("Esc", "clear matches, back"),
    ("q ←", "back to the library"),
    ("?", "this help"),
    ("Ctrl-c", "quit"),
];

pub const PANEL_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("Enter", "first mention"),
    ("n N", "next / previous mention"),
    ("Tab", "keys back to the text"),
    ("f", "show / hide labels"),
    ("e Esc q", "close the panel"),
];
