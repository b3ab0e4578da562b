//! Terminal keys and mouse events to messages. The only place that knows which key does
//! what. The reader's keys come from a table of named actions that the config file's
//! `[keys]` section can rebind; the number keys stay the labels (and counts).

use super::app::{App, Msg, Pending, Screen};
use super::review::ReviewKey;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// A key as the key map sees it: the code and whether Ctrl was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// Parses a key name as written in the README and the config file: `a`, `G`, `*`,
    /// `Ctrl-r`, `Space`, `Enter`, `Esc`, `Tab`, `Up`, `PgDn`, `Home`, `F1`, ...
    pub fn parse(s: &str) -> Result<Key, String> {
        let (ctrl, rest) = match s.strip_prefix("Ctrl-").or_else(|| s.strip_prefix("C-")) {
            Some(r) => (true, r),
            None => (false, s),
        };
        let code = match rest {
            "Space" => KeyCode::Char(' '),
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Backspace" => KeyCode::Backspace,
            "Up" | "↑" => KeyCode::Up,
            "Down" | "↓" => KeyCode::Down,
            "Left" | "←" => KeyCode::Left,
            "Right" | "→" => KeyCode::Right,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => {
                let ch = c.chars().next().unwrap_or(' ');
                // With Ctrl, terminals send the lower case letter.
                KeyCode::Char(if ctrl { ch.to_ascii_lowercase() } else { ch })
            }
            _ => return Err(format!("unknown key name \"{s}\"")),
        };
        Ok(Key { code, ctrl })
    }

    fn of(code: KeyCode, modifiers: KeyModifiers) -> Key {
        Key {
            code,
            ctrl: modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// The key's name, as [`Key::parse`] reads it.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab | KeyCode::BackTab => "Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// One rebindable reader action: its name in the config file, its message, its default
/// keys and what the help says.
pub struct Action {
    pub name: &'static str,
    pub msg: Msg,
    pub keys: &'static [&'static str],
    pub help: &'static str,
}

const fn edge(start: bool, right: bool) -> Msg {
    Msg::Edge { start, right }
}

/// The reader's actions, in the order the help lists them.
pub const READER_ACTIONS: &[Action] = &[
    act(
        "left",
        Msg::Left,
        &["h", "Left"],
        "cursor left by character",
    ),
    act(
        "right",
        Msg::Right,
        &["l", "Right"],
        "cursor right by character",
    ),
    act(
        "word_next",
        Msg::WordNext,
        &["w"],
        "next word start (selecting: its end)",
    ),
    act(
        "word_prev",
        Msg::WordPrev,
        &["b"],
        "previous word start (selecting: end)",
    ),
    act("word_end", Msg::WordEnd, &["e"], "end of word"),
    act("down", Msg::Down, &["j", "Down", "Enter"], "line down"),
    act("up", Msg::Up, &["k", "Up"], "line up"),
    act(
        "page_down",
        Msg::PageDown,
        &["Space", "PgDn", "Ctrl-f"],
        "page down",
    ),
    act("page_up", Msg::PageUp, &["PgUp", "Ctrl-b"], "page up"),
    act(
        "half_page_down",
        Msg::HalfPageDown,
        &["Ctrl-d"],
        "half page down",
    ),
    act("half_page_up", Msg::HalfPageUp, &["Ctrl-u"], "half page up"),
    act(
        "scroll_down",
        Msg::ScrollDown,
        &["Ctrl-e"],
        "scroll one line down",
    ),
    act(
        "scroll_up",
        Msg::ScrollUp,
        &["Ctrl-y"],
        "scroll one line up",
    ),
    act("top", Msg::Top, &["g", "Home"], "start of the article"),
    act("bottom", Msg::Bottom, &["G", "End"], "end of the article"),
    act("search", Msg::StartPrompt, &["/"], "search (↑ ↓ history)"),
    act("next_match", Msg::NextMatch, &["n"], "next match"),
    act("prev_match", Msg::PrevMatch, &["N"], "previous match"),
    act(
        "next_entity",
        Msg::NextEntity,
        &["]"],
        "next entity (review: open disagreement)",
    ),
    act(
        "prev_entity",
        Msg::PrevEntity,
        &["["],
        "previous entity (review: disagreement)",
    ),
    act(
        "next_article",
        Msg::NextArticle,
        &["J"],
        "next article (saves)",
    ),
    act(
        "prev_article",
        Msg::PrevArticle,
        &["K"],
        "previous article (saves)",
    ),
    act("select", Msg::Select, &["v"], "select (a mark: all of it)"),
    act(
        "other_end",
        Msg::OtherEnd,
        &["o"],
        "other end of the selection",
    ),
    act(
        "accept",
        Msg::Accept,
        &["a"],
        "accept suggestion, go to next",
    ),
    act(
        "reject",
        Msg::Reject,
        &["x"],
        "reject suggestion, go to next",
    ),
    act(
        "accept_all",
        Msg::AcceptAll,
        &["A"],
        "accept all of that label",
    ),
    act("delete", Msg::Delete, &["d"], "delete the annotation"),
    act(
        "relabel",
        Msg::Relabel,
        &["r"],
        "relabel (then a label key, or the label menu)",
    ),
    act(
        "label_menu",
        Msg::LabelMenu,
        &["t"],
        "label menu: every label, by letter or / filter",
    ),
    act(
        "start_left",
        edge(true, false),
        &["H"],
        "start edge a word left",
    ),
    act(
        "start_right",
        edge(true, true),
        &["L"],
        "start edge a word right",
    ),
    act(
        "end_left",
        edge(false, false),
        &["<"],
        "end edge a word left",
    ),
    act(
        "end_right",
        edge(false, true),
        &[">"],
        "end edge a word right",
    ),
    act(
        "label_everywhere",
        Msg::LabelEverywhere,
        &["*"],
        "label every occurrence",
    ),
    act(
        "review_first",
        Msg::Review(ReviewKey::First),
        &[","],
        "review: take the first annotator's version",
    ),
    act(
        "review_second",
        Msg::Review(ReviewKey::Second),
        &["."],
        "review: take the second annotator's version",
    ),
    act(
        "review_both",
        Msg::Review(ReviewKey::Both),
        &["+"],
        "review: take both (where they do not overlap)",
    ),
    act(
        "review_neither",
        Msg::Review(ReviewKey::Neither),
        &["-"],
        "review: take neither (rejects the spans)",
    ),
    act(
        "review_cycle",
        Msg::Review(ReviewKey::Cycle),
        &["c"],
        "review: the next annotator's version",
    ),
    act("undo", Msg::Undo, &["u"], "undo"),
    act("redo", Msg::Redo, &["Ctrl-r"], "redo"),
    act(
        "status",
        Msg::CycleStatus,
        &["s"],
        "cycle the article's status",
    ),
    act("panel", Msg::TogglePanel, &["p"], "entity panel"),
    act(
        "focus",
        Msg::SwitchFocus,
        &["Tab"],
        "keys to / from the panel",
    ),
    act("filter", Msg::FilterMenu, &["f"], "show / hide labels"),
    act("export", Msg::ExportMenu, &["E"], "export the corpus"),
    act(
        "stats",
        Msg::ToggleStats,
        &["S"],
        "stats: charts of the corpus",
    ),
    act("help", Msg::ToggleHelp, &["?", "F1"], "this help"),
    act("back", Msg::Back, &["q"], "back to the library (saves)"),
    act("cancel", Msg::Cancel, &["Esc"], "cancel / clear / close"),
];

const fn act(
    name: &'static str,
    msg: Msg,
    keys: &'static [&'static str],
    help: &'static str,
) -> Action {
    Action {
        name,
        msg,
        keys,
        help,
    }
}

/// Keys the key map may not take: quitting, saving, the labels and counts.
fn reserved(key: &Key) -> bool {
    matches!(key.code, KeyCode::Char('0'..='9')) && !key.ctrl
        || key.ctrl && matches!(key.code, KeyCode::Char('c' | 's'))
}

/// The reader's key bindings: defaults, with the config file's `[keys]` on top.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<Key, usize>,
    /// Per action (index into [`READER_ACTIONS`]), its keys.
    keys: Vec<Vec<Key>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::new(&BTreeMap::new(), &BTreeMap::new())
            .unwrap_or_else(|e| unreachable!("the default key map is valid: {e}"))
    }
}

impl KeyMap {
    /// Builds the map from `[keys]` (action name -> key names; each replaces the
    /// action's default keys). `origin` names the file each binding came from, for errors.
    pub fn new(
        config: &BTreeMap<String, Vec<String>>,
        origin: &BTreeMap<String, PathBuf>,
    ) -> Result<KeyMap, String> {
        let whence = |action: &str| {
            origin
                .get(action)
                .map_or("config".to_string(), |p| p.display().to_string())
        };
        for name in config.keys() {
            if !READER_ACTIONS.iter().any(|a| a.name == name.as_str()) {
                let known: Vec<&str> = READER_ACTIONS.iter().map(|a| a.name).collect();
                return Err(format!(
                    "{}: [keys]: unknown action \"{name}\" (actions: {})",
                    whence(name),
                    known.join(", ")
                ));
            }
        }
        let mut keys = Vec::new();
        for a in READER_ACTIONS {
            let list: Vec<Key> = match config.get(a.name) {
                Some(names) => names
                    .iter()
                    .map(|n| {
                        let k = Key::parse(n)
                            .map_err(|e| format!("{}: [keys] {}: {e}", whence(a.name), a.name))?;
                        if reserved(&k) {
                            return Err(format!(
                                "{}: [keys] {}: \"{n}\" is reserved (labels, counts, Ctrl-c, Ctrl-s)",
                                whence(a.name),
                                a.name
                            ));
                        }
                        Ok(k)
                    })
                    .collect::<Result<_, String>>()?,
                None => a
                    .keys
                    .iter()
                    .map(|n| Key::parse(n).map_err(|e| format!("default {}: {e}", a.name)))
                    .collect::<Result<_, String>>()?,
            };
            keys.push(list);
        }
        let mut by_key = HashMap::new();
        for (i, list) in keys.iter().enumerate() {
            for k in list {
                if let Some(&j) = by_key.get(k) {
                    let j: usize = j;
                    let (a, b) = (READER_ACTIONS[j].name, READER_ACTIONS[i].name);
                    let files = [whence(a), whence(b)];
                    let file = if config.contains_key(b) {
                        &files[1]
                    } else {
                        &files[0]
                    };
                    return Err(format!(
                        "{file}: [keys]: {} is bound to both {a} and {b}; give one of them other keys",
                        k.name()
                    ));
                }
                by_key.insert(*k, i);
            }
        }
        Ok(KeyMap { by_key, keys })
    }

    /// The message of `key` in the reader, if bound.
    pub fn get(&self, key: Key) -> Option<Msg> {
        let key = match key.code {
            KeyCode::BackTab => Key {
                code: KeyCode::Tab,
                ..key
            },
            _ => key,
        };
        self.by_key
            .get(&key)
            .map(|&i| READER_ACTIONS[i].msg.clone())
    }

    /// The action a plain character key runs in the reader (a label key may not take
    /// one).
    pub fn action_of_char(&self, c: char) -> Option<&'static str> {
        let key = Key {
            code: KeyCode::Char(c),
            ctrl: false,
        };
        self.by_key.get(&key).map(|&i| READER_ACTIONS[i].name)
    }

    /// The keys of action `name`, as written in the help (`h ←`).
    pub fn keys_of(&self, name: &str) -> String {
        READER_ACTIONS
            .iter()
            .position(|a| a.name == name)
            .map(|i| {
                self.keys[i]
                    .iter()
                    .map(Key::name)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }

    /// The help rows of the reader with the default labels.
    pub fn reader_help(&self) -> Vec<(String, String)> {
        self.reader_help_with(&crate::label::LabelSet::default())
    }

    /// The help rows of the reader: each label with its key and description, every
    /// action with its current keys, then the keys that are not rebindable.
    pub fn reader_help_with(&self, labels: &crate::label::LabelSet) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = READER_ACTIONS
            .iter()
            .map(|a| (self.keys_of(a.name), a.help.to_string()))
            .collect();
        let menu = self.keys_of("label_menu");
        let label_rows: Vec<(String, String)> = labels
            .defs()
            .iter()
            .map(|d| {
                let key = d.key.map_or(format!("{menu} …"), |k| k.to_string());
                let what = if d.description.is_empty() {
                    format!("label {}", d.label)
                } else {
                    format!("label {}: {}", d.label, d.description)
                };
                (key, what)
            })
            .collect();
        let n = label_rows.len();
        rows.splice(0..0, label_rows);
        rows.insert(
            n,
            (
                "0 digits motion".to_string(),
                "a count: 03w, 012j, 05> (grow 5 words)".to_string(),
            ),
        );
        rows.push(("Ctrl-s".to_string(), "save now".to_string()));
        rows.push(("Ctrl-c".to_string(), "quit (saves)".to_string()));
        rows
    }
}

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
    if app.help.open {
        return help_key(key.code, ctrl);
    }
    if app.label_menu.is_some() {
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
    if app.stats.open {
        return match key.code {
            KeyCode::Esc | KeyCode::Char('q') => Some(Msg::Cancel),
            KeyCode::Char('?') | KeyCode::F(1) => Some(Msg::ToggleHelp),
            _ => app
                .keymap
                .get(Key::of(key.code, key.modifiers))
                .filter(|m| *m == Msg::ToggleStats),
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
            KeyCode::Char(c) if !ctrl && label_of(app, c).is_some() => label_of(app, c),
            KeyCode::Char('j') | KeyCode::Down => Some(Msg::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
            KeyCode::Char(' ') => Some(Msg::Select),
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
        // The stats key is the key map's (configurable), also in the library.
        Screen::Library => match app.keymap.get(Key::of(key.code, key.modifiers)) {
            Some(Msg::ToggleStats) => Some(Msg::ToggleStats),
            _ => library_key(key.code, ctrl),
        },
        Screen::Reader(r) if matches!(r.pending, Pending::Confirm { .. }) => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Msg::Yes),
            KeyCode::Char('c' | 'C') => Some(Msg::YesCorpus),
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(Msg::No),
            _ => None,
        },
        Screen::Reader(r) if r.panel.as_ref().is_some_and(|p| p.focused) => {
            // In review, the choice keys work from the panel too (on the disagreement
            // its Enter went to).
            panel_key(key.code, ctrl).or_else(|| {
                app.keymap
                    .get(Key::of(key.code, key.modifiers))
                    .filter(|m| app.review.is_some() && matches!(m, Msg::Review(_)))
            })
        }
        Screen::Reader(r) => match key.code {
            // After `0`, number keys are the count's digits, whatever label they carry.
            KeyCode::Char(c @ '1'..='9') if !ctrl && r.count.is_some() => {
                Some(Msg::Digit(c as u8 - b'0'))
            }
            KeyCode::Char('0') if !ctrl => Some(Msg::Zero),
            KeyCode::Char(c) if !ctrl && label_of(app, c).is_some() => label_of(app, c),
            KeyCode::Char(c @ '1'..='9') if !ctrl => Some(Msg::Digit(c as u8 - b'0')),
            _ => app.keymap.get(Key::of(key.code, key.modifiers)),
        },
    }
}

/// The label whose key is `c`, as its message (its position in the set).
fn label_of(app: &App, c: char) -> Option<Msg> {
    app.labels
        .defs()
        .iter()
        .position(|d| d.key == Some(c))
        .map(Msg::Label)
}

/// The help overlay scrolls like a pager.
fn help_key(code: KeyCode, ctrl: bool) -> Option<Msg> {
    match code {
        KeyCode::Char('?') | KeyCode::F(1) => Some(Msg::ToggleHelp),
        KeyCode::Esc | KeyCode::Char('q') => Some(Msg::Cancel),
        KeyCode::Char('j') | KeyCode::Down | KeyCode::Enter => Some(Msg::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Msg::Up),
        KeyCode::Char('d' | 'f') if ctrl => Some(Msg::PageDown),
        KeyCode::Char('u' | 'b') if ctrl => Some(Msg::PageUp),
        KeyCode::Char(' ') | KeyCode::PageDown => Some(Msg::PageDown),
        KeyCode::Char('b') | KeyCode::PageUp => Some(Msg::PageUp),
        KeyCode::Char('g') | KeyCode::Home => Some(Msg::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Msg::Bottom),
        _ => None,
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
        KeyCode::Char('m') => Some(Msg::ToggleMine),
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
        KeyCode::Char('p' | 'q') | KeyCode::Esc => Some(Msg::TogglePanel),
        KeyCode::Char('f') => Some(Msg::FilterMenu),
        KeyCode::Char('s') => Some(Msg::PanelOrder),
        KeyCode::Char('?') => Some(Msg::ToggleHelp),
        _ => None,
    }
}

/// Mouse: a left click places the cursor, a drag selects, the wheel scrolls.
pub fn map_mouse(app: &App, m: MouseEvent) -> Option<Msg> {
    if app.reader().is_none() || app.help.open || app.filter_menu {
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
    ("m", "only my assigned articles / all"),
    ("E", "export the corpus"),
    ("Esc", "clear the filter"),
    ("?", "this help"),
    ("q Ctrl-c", "quit"),
];

pub const PANEL_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move"),
    ("Enter", "first mention (a set-aside span: its old place)"),
    ("n N", "next / previous mention"),
    ("Tab", "keys back to the text"),
    ("s", "least certain first / most mentioned first"),
    ("f", "show / hide labels"),
    ("p Esc q", "close the panel"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(a, ks)| (a.to_string(), ks.iter().map(|k| k.to_string()).collect()))
            .collect()
    }

    fn origin(pairs: &[&str]) -> BTreeMap<String, PathBuf> {
        pairs
            .iter()
            .map(|a| (a.to_string(), PathBuf::from("inkmark.toml")))
            .collect()
    }

    #[test]
    fn defaults_map_the_documented_keys() {
        let m = KeyMap::default();
        let k = |s: &str| Key::parse(s).unwrap();
        assert_eq!(m.get(k("e")), Some(Msg::WordEnd));
        assert_eq!(m.get(k("p")), Some(Msg::TogglePanel));
        assert_eq!(m.get(k("Ctrl-r")), Some(Msg::Redo));
        assert_eq!(m.get(k("J")), Some(Msg::NextArticle));
        assert_eq!(m.get(k("Space")), Some(Msg::PageDown));
        assert_eq!(m.keys_of("left"), "h ←");
    }

    #[test]
    fn config_rebinds_an_action() {
        let m = KeyMap::new(&cfg(&[("panel", &["P", "F2"])]), &origin(&["panel"])).unwrap();
        let k = |s: &str| Key::parse(s).unwrap();
        assert_eq!(m.get(k("P")), Some(Msg::TogglePanel));
        assert_eq!(m.get(k("F2")), Some(Msg::TogglePanel));
        assert_eq!(m.get(k("p")), None, "the default key is replaced");
        assert!(m.reader_help().iter().any(|(k, _)| k == "P F2"));
    }

    #[test]
    fn unknown_actions_bad_keys_and_clashes_are_clear_errors() {
        let e = KeyMap::new(&cfg(&[("acept", &["a"])]), &origin(&["acept"])).unwrap_err();
        assert!(
            e.starts_with("inkmark.toml: [keys]: unknown action \"acept\""),
            "{e}"
        );
        assert!(e.contains("accept"), "lists the actions: {e}");
        let e = KeyMap::new(&cfg(&[("accept", &["Hyper-x"])]), &origin(&["accept"])).unwrap_err();
        assert!(e.contains("unknown key name \"Hyper-x\""), "{e}");
        let e = KeyMap::new(&cfg(&[("panel", &["a"])]), &origin(&["panel"])).unwrap_err();
        assert!(e.contains("a is bound to both"), "{e}");
        assert!(e.contains("accept") && e.contains("panel"), "{e}");
        let e = KeyMap::new(&cfg(&[("panel", &["3"])]), &origin(&["panel"])).unwrap_err();
        assert!(e.contains("reserved"), "{e}");
        // Moving the clashing default away first is fine.
        KeyMap::new(
            &cfg(&[("panel", &["a"]), ("accept", &["Enter"]), ("down", &["j"])]),
            &origin(&["panel", "accept", "down"]),
        )
        .unwrap();
    }
}
