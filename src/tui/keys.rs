//! Terminal keys and mouse events to messages. The only place that knows which key does
//! what.

use super::app::{App, Msg, Pending, Screen};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

pub fn map_key(app: &App, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    if ctrl && key.code == KeyCode::Char('s') {
        return Some(Msg::Save);
    }
    if app.help {
        return match key.code {
            KeyCode::Char('?') => Some(Msg::ToggleHelp),
            KeyCode::Esc | KeyCode::Char('q') => Some(Msg::Cancel),
            _ => None,
        };
    }
    if app.export_menu {
        return match key.code {
            KeyCode::Char(c @ '1'..='9') => Some(Msg::Label(c as usize - '1' as usize)),
            _ => Some(Msg::ExportMenu),
        };
    }
    if app.filter_menu {
        return match key.code {
            KeyCode::Char(c @ '1'..='9') => Some(Msg::Label(c as usize - '1' as usize)),
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
    match &app.screen {
        Screen::Library => library_key(key.code, ctrl),
        Screen::Reader(r) if matches!(r.pending, Pending::Confirm { .. }) => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Msg::Yes),
            KeyCode::Char('c' | 'C') => Some(Msg::YesCorpus),
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(Msg::No),
            _ => None,
        },
        Screen::Reader(r) if r.panel.as_ref().is_some_and(|p| p.focused) => {
            panel_key(key.code, ctrl)
        }
        Screen::Reader(_) => reader_key(key.code, ctrl),
    }
}

fn paging(code: KeyCode, ctrl: bool) -> Option<Msg> {
    match code {
        KeyCode::Char('d') if ctrl => Some(Msg::HalfPageDown),
        KeyCode::Char('u') if ctrl => Some(Msg::HalfPageUp),
        KeyCode::Char('f') if ctrl => Some(Msg::PageDown),
        KeyCode::Char('b') if ctrl => Some(Msg::PageUp),
        KeyCode::PageDown => Some(Msg::PageDown),
        KeyCode::PageUp => Some(Msg::PageUp),
        KeyCode::Home => Some(Msg::Top),
        KeyCode::End => Some(Msg::Bottom),
        KeyCode::F(1) => Some(Msg::ToggleHelp),
        _ => None,
    }
}

fn library_key(code: KeyCode, ctrl: bool) -> Option<Msg> {
    if let Some(m) = paging(code, ctrl) {
        return Some(m);
    }
    if ctrl {
        return None;
    }
    match code {
        KeyCode::Char('j') | KeyCode::Down => Some(Msg::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
        KeyCode::Char('g') => Some(Msg::Top),
        KeyCode::Char('G') => Some(Msg::Bottom),
        KeyCode::Char(' ') => Some(Msg::PageDown),
        KeyCode::Char('b') => Some(Msg::PageUp),
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => Some(Msg::Open),
        KeyCode::Char('/') => Some(Msg::StartPrompt),
        KeyCode::Char('s') => Some(Msg::CycleStatus),
        KeyCode::Char('E') => Some(Msg::ExportMenu),
        KeyCode::Char('?') => Some(Msg::ToggleHelp),
        KeyCode::Char('q') => Some(Msg::Quit),
        KeyCode::Esc => Some(Msg::Cancel),
        _ => None,
    }
}

fn panel_key(code: KeyCode, ctrl: bool) -> Option<Msg> {
    if let Some(m) = paging(code, ctrl) {
        return Some(m);
    }
    match code {
        KeyCode::Char('j') | KeyCode::Down => Some(Msg::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
        KeyCode::Char('g') => Some(Msg::Top),
        KeyCode::Char('G') => Some(Msg::Bottom),
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => Some(Msg::Open),
        KeyCode::Char('n') => Some(Msg::NextMatch),
        KeyCode::Char('N') => Some(Msg::PrevMatch),
        KeyCode::Tab | KeyCode::BackTab => Some(Msg::SwitchFocus),
        KeyCode::Char('e' | 'q') | KeyCode::Esc => Some(Msg::TogglePanel),
        KeyCode::Char('f') => Some(Msg::FilterMenu),
        KeyCode::Char('?') => Some(Msg::ToggleHelp),
        _ => None,
    }
}

fn reader_key(code: KeyCode, ctrl: bool) -> Option<Msg> {
    if let Some(m) = paging(code, ctrl) {
        return Some(m);
    }
    if ctrl {
        return match code {
            KeyCode::Char('r') => Some(Msg::Redo),
            KeyCode::Char('e') => Some(Msg::ScrollDown),
            KeyCode::Char('y') => Some(Msg::ScrollUp),
            _ => None,
        };
    }
    match code {
        KeyCode::Char('j') | KeyCode::Down | KeyCode::Enter => Some(Msg::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
        KeyCode::Char('h') | KeyCode::Left => Some(Msg::Left),
        KeyCode::Char('l') | KeyCode::Right => Some(Msg::Right),
        KeyCode::Char('w') => Some(Msg::WordNext),
        KeyCode::Char('b') => Some(Msg::WordPrev),
        KeyCode::Char(' ') => Some(Msg::PageDown),
        KeyCode::Char('g') => Some(Msg::Top),
        KeyCode::Char('G') => Some(Msg::Bottom),
        KeyCode::Char('/') => Some(Msg::StartPrompt),
        KeyCode::Char('n') => Some(Msg::NextMatch),
        KeyCode::Char('N') => Some(Msg::PrevMatch),
        KeyCode::Char(']') => Some(Msg::NextEntity),
        KeyCode::Char('[') => Some(Msg::PrevEntity),
        KeyCode::Char('e') => Some(Msg::TogglePanel),
        KeyCode::Tab | KeyCode::BackTab => Some(Msg::SwitchFocus),
        KeyCode::Char('f') => Some(Msg::FilterMenu),
        KeyCode::Char(c @ '1'..='9') => Some(Msg::Label(c as usize - '1' as usize)),
        KeyCode::Char('v') => Some(Msg::Select),
        KeyCode::Char('a') => Some(Msg::Accept),
        KeyCode::Char('x') => Some(Msg::Reject),
        KeyCode::Char('A') => Some(Msg::AcceptAll),
        KeyCode::Char('d') => Some(Msg::Delete),
        KeyCode::Char('r') => Some(Msg::Relabel),
        KeyCode::Char('H') => Some(Msg::Edge {
            start: true,
            right: false,
        }),
        KeyCode::Char('L') => Some(Msg::Edge {
            start: true,
            right: true,
        }),
        KeyCode::Char('<') => Some(Msg::Edge {
            start: false,
            right: false,
        }),
        KeyCode::Char('>') => Some(Msg::Edge {
            start: false,
            right: true,
        }),
        KeyCode::Char('*') => Some(Msg::LabelEverywhere),
        KeyCode::Char('u') => Some(Msg::Undo),
        KeyCode::Char('s') => Some(Msg::CycleStatus),
        KeyCode::Char('E') => Some(Msg::ExportMenu),
        KeyCode::Char('?') => Some(Msg::ToggleHelp),
        KeyCode::Char('q') => Some(Msg::Back),
        KeyCode::Esc => Some(Msg::Cancel),
        _ => None,
    }
}

/// Mouse: a left click places the cursor, a drag selects, the wheel scrolls.
pub fn map_mouse(app: &App, m: MouseEvent) -> Option<Msg> {
    if app.reader().is_none() || app.help || app.filter_menu {
        return None;
    }
    let (col, row) = (m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Msg::Click { col, row }),
        MouseEventKind::Drag(MouseButton::Left) => Some(Msg::Drag { col, row }),
        MouseEventKind::ScrollDown => Some(Msg::Wheel { down: true }),
        MouseEventKind::ScrollUp => Some(Msg::Wheel { down: false }),
        _ => None,
    }
}

/// Every key, for the help overlay: (keys, what they do).
pub const LIBRARY_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("Space b PgDn/Up", "page down / up"),
    ("g G Home End", "first / last"),
    ("Enter l →", "open the article"),
    ("/", "filter: title, file"),
    ("s", "cycle status"),
    ("E", "export the corpus"),
    ("Esc", "clear the filter"),
    ("?", "this help"),
    ("q Ctrl-c", "quit"),
];

pub const READER_KEYS: &[(&str, &str)] = &[
    ("h l ← →", "cursor by character"),
    ("w b", "cursor by word"),
    ("j k ↓ ↑", "cursor by line"),
    ("Space PgDn PgUp", "page down / up"),
    ("g G", "start / end"),
    ("/ n N", "search, next, previous"),
    ("] [", "next / previous entity"),
    ("v", "select (then a label)"),
    ("1-5", "label: PER LOC ORG TIME QTY"),
    ("a x", "accept / reject suggestion"),
    ("A", "accept all of that label"),
    ("d r", "delete / relabel"),
    ("H L", "move start edge"),
    ("< >", "move end edge"),
    ("*", "label every occurrence"),
    ("u Ctrl-r", "undo / redo"),
    ("s Ctrl-s", "status / save now"),
    ("e f", "entity panel / labels"),
    ("E", "export the corpus"),
    ("q", "back to the library"),
];

pub const PANEL_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("Enter", "first mention"),
    ("n N", "next / previous mention"),
    ("Tab", "keys back to the text"),
    ("f", "show / hide labels"),
    ("e Esc q", "close the panel"),
];
