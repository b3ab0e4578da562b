//! Application state and its update function: a plain function of (state, message), so
//! tests drive whole sessions without a terminal.

use super::entities::{Entities, Panel};
use super::search::Search;
use crate::corpus::{read_article, Corpus, Problem};
use crate::detect::sha256_hex;
use crate::label::Span;
use crate::positions::Positions;
use crate::text::{layout, Layout, WidthOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Smallest terminal the views are drawn in; below it a "too small" notice is shown.
pub const MIN_WIDTH: u16 = 24;
pub const MIN_HEIGHT: u16 = 6;

/// What the user asked for, independent of which key said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Up,
    Down,
    HalfPageUp,
    HalfPageDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Quit,
    ToggleHelp,
    /// `/`: filter the library or search the article.
    StartPrompt,
    Input(char),
    Backspace,
    Confirm,
    Cancel,
    NextMatch,
    PrevMatch,
    Resize(u16, u16),
    /// `]` / `[`: next / previous entity.
    NextEntity,
    PrevEntity,
    /// `e`: open or close the entity panel.
    TogglePanel,
    /// Tab: move the keys between the text and the entity panel.
    SwitchFocus,
    /// `f`: open or close the label filter menu.
    FilterMenu,
    /// In the filter menu: show or hide label `n` (0-based).
    ToggleLabel(usize),
    /// The detector finished loading its dictionary (milliseconds).
    DetectorReady(u64),
    /// Entities of the text with this SHA-256.
    Detected {
        sha: String,
        spans: Arc<Vec<Span>>,
    },
    /// Detection failed for a text.
    DetectFailed {
        sha: String,
        error: String,
    },
}

/// Notice for entity keys pressed before detection finished.
pub const STILL_DETECTING: &str = "Entities are still being detected…";

/// Text the shell should hand to the detection worker.
#[derive(Debug, Clone)]
pub struct DetectRequest {
    pub sha: String,
    pub text: Arc<str>,
}

/// State of the background detector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetectorState {
    Loading,
    Ready { load_ms: u64 },
}

pub enum Screen {
    Library,
    Reader(Box<Reader>),
}

/// The library's selection and filter.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Indices into `corpus.entries` that pass the filter.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    /// First row shown (scrolling).
    pub scroll: usize,
    pub filter: String,
    pub editing: bool,
}

/// An open article.
pub struct Reader {
    pub entry: usize,
    pub title: String,
    pub text: Arc<str>,
    /// SHA-256 of the text: the key of detection results.
    pub sha: String,
    pub layout: Layout,
    /// First visible display line.
    pub top: usize,
    pub search: Search,
    pub entities: Entities,
}

pub struct App {
    pub corpus: Corpus,
    pub annotations_dir: PathBuf,
    pub opts: WidthOptions,
    pub no_color: bool,
    pub size: (u16, u16),
    pub screen: Screen,
    pub library: Library,
    pub help: bool,
    /// One-line notice for the status bar, cleared by the next key.
    pub message: Option<String>,
    pub positions: Positions,
    pub should_quit: bool,
    /// Labels whose highlighting is off (indexed by `Label::index`).
    pub hidden: [bool; 5],
    /// The label filter menu is open.
    pub filter_menu: bool,
    pub detector: DetectorState,
    /// Detection results of this session by text hash: reopening is instant.
    pub detected: HashMap<String, Arc<Vec<Span>>>,
    /// Detection requests for the shell to send to the worker (drained by it).
    pub requests: Vec<DetectRequest>,
}

/// Columns available to article text in a terminal `width` wide (one column of margin on
/// each side). `inkmark show --width N` matches a reader `N + 2` columns wide.
pub fn text_width(width: u16) -> usize {
    (width as usize).saturating_sub(2).max(1)
}

/// Terminals at least this wide show the entity panel beside the text; narrower ones
/// show it instead of the text.
pub const PANEL_SIDE_BY_SIDE: u16 = 70;

/// Columns of the entity panel beside the text.
pub fn panel_width(width: u16) -> u16 {
    if width >= PANEL_SIDE_BY_SIDE {
        (width / 3).clamp(24, 40)
    } else {
        width
    }
}

/// Columns for the text area of the reader, given whether the entity panel is open.
pub fn reader_area_width(width: u16, panel_open: bool) -> u16 {
    if panel_open && width >= PANEL_SIDE_BY_SIDE {
        width - panel_width(width)
    } else {
        width
    }
}

/// Rows of article text: everything but the status bar.
pub fn body_height(height: u16) -> usize {
    (height as usize).saturating_sub(1).max(1)
}

impl App {
    pub fn new(
        corpus: Corpus,
        annotations_dir: PathBuf,
        opts: WidthOptions,
        positions: Positions,
    ) -> App {
        let mut app = App {
            corpus,
            annotations_dir,
            opts,
            no_color: false,
            size: (80, 24),
            screen: Screen::Library,
            library: Library::default(),
            help: false,
            message: None,
            positions,
            should_quit: false,
            hidden: [false; 5],
            filter_menu: false,
            detector: DetectorState::Loading,
            detected: HashMap::new(),
            requests: Vec::new(),
        };
        app.refilter();
        if !app.corpus.warnings.is_empty() {
            app.message = Some(app.corpus.warnings.join("; "));
        }
        app
    }

    pub fn reader(&self) -> Option<&Reader> {
        match &self.screen {
            Screen::Reader(r) => Some(r),
            Screen::Library => None,
        }
    }

    /// True while a text prompt (library filter, article search) takes the keys.
    pub fn is_editing(&self) -> bool {
        match &self.screen {
            Screen::Library => self.library.editing,
            Screen::Reader(r) => r.search.editing,
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) {
        // A key clears the last notice; resizes and worker results do not.
        let from_worker = matches!(
            msg,
            Msg::Resize(..)
                | Msg::DetectorReady(_)
                | Msg::Detected { .. }
                | Msg::DetectFailed { .. }
        );
        if !from_worker {
            self.message = None;
        }
        match msg {
            Msg::Quit => {
                self.remember_position();
                self.should_quit = true;
                return;
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.reflow();
                self.library.keep_visible(list_height(h));
                return;
            }
            Msg::DetectorReady(ms) => {
                self.detector = DetectorState::Ready { load_ms: ms };
                return;
            }
            Msg::Detected { sha, spans } => {
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha {
                        r.entities.spans = Some(spans.clone());
                        if self.message.as_deref() == Some(STILL_DETECTING) {
                            self.message = None;
                        }
                    }
                }
                self.detected.insert(sha, spans);
                return;
            }
            Msg::DetectFailed { sha, error } => {
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha {
                        r.entities.spans = Some(Arc::new(Vec::new()));
                        self.message = Some(format!("entity detection failed: {error}"));
                    }
                }
                return;
            }
            _ if self.filter_menu => {
                match msg {
                    Msg::ToggleLabel(i) if i < 5 => {
                        self.hidden[i] = !self.hidden[i];
                        self.rebuild_panel();
                    }
                    Msg::FilterMenu | Msg::Cancel | Msg::Confirm | Msg::Back => {
                        self.filter_menu = false
                    }
                    _ => {}
                }
                return;
            }
            Msg::ToggleHelp if !self.is_editing() => {
                self.help = !self.help;
                return;
            }
            _ if self.help => {
                if matches!(msg, Msg::Cancel | Msg::Back) {
                    self.help = false;
                }
                return;
            }
            _ => {}
        }
        match self.screen {
            Screen::Library => self.update_library(msg),
            Screen::Reader(_) => self.update_reader(msg),
        }
    }

    fn update_library(&mut self, msg: Msg) {
        let rows = list_height(self.size.1);
        let lib = &mut self.library;
        let last = lib.visible.len().saturating_sub(1);
        match msg {
            Msg::Up => lib.selected = lib.selected.saturating_sub(1),
            Msg::Down => lib.selected = (lib.selected + 1).min(last),
            Msg::PageUp => lib.selected = lib.selected.saturating_sub(rows),
            Msg::PageDown => lib.selected = (lib.selected + rows).min(last),
            Msg::HalfPageUp => lib.selected = lib.selected.saturating_sub(rows / 2),
            Msg::HalfPageDown => lib.selected = (lib.selected + rows / 2).min(last),
            Msg::Top => lib.selected = 0,
            Msg::Bottom => lib.selected = last,
            Msg::StartPrompt => lib.editing = true,
            Msg::Input(c) => {
                lib.filter.push(c);
                self.refilter();
            }
            Msg::Backspace => {
                lib.filter.pop();
                self.refilter();
            }
            Msg::Confirm => lib.editing = false,
            Msg::Cancel | Msg::Back => {
                lib.editing = false;
                if !lib.filter.is_empty() {
                    lib.filter.clear();
                    self.refilter();
                }
            }
            Msg::Open => self.open_selected(),
            _ => {}
        }
        self.library.keep_visible(rows);
    }

    fn update_reader(&mut self, msg: Msg) {
        let body = body_height(self.size.1);
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        if r.search.editing {
            match msg {
                Msg::Input(c) => {
                    r.search.query.push(c);
                    r.search_changed(body);
                }
                Msg::Backspace => {
                    r.search.query.pop();
                    r.search_changed(body);
                }
                Msg::Confirm => self.message = r.search_confirm(body),
                Msg::Cancel => r.search_cancel(),
                _ => {}
            }
            return;
        }
        if r.entities.panel.as_ref().is_some_and(|p| p.focused) {
            self.update_panel(msg);
            return;
        }
        let max_top = r.max_top(body);
        match msg {
            Msg::NextEntity => self.message = r.jump_entity(true, &self.hidden, body),
            Msg::PrevEntity => self.message = r.jump_entity(false, &self.hidden, body),
            Msg::TogglePanel => self.open_panel(),
            Msg::SwitchFocus => {
                if let Some(p) = &mut r.entities.panel {
                    p.focused = true;
                }
            }
            Msg::FilterMenu => self.filter_menu = true,
            Msg::Up => r.top = r.top.saturating_sub(1),
            Msg::Down => r.top = (r.top + 1).min(max_top),
            Msg::PageUp => r.top = r.top.saturating_sub(body.saturating_sub(1).max(1)),
            Msg::PageDown => r.top = (r.top + body.saturating_sub(1).max(1)).min(max_top),
            Msg::HalfPageUp => r.top = r.top.saturating_sub((body / 2).max(1)),
            Msg::HalfPageDown => r.top = (r.top + (body / 2).max(1)).min(max_top),
            Msg::Top => r.top = 0,
            Msg::Bottom => r.top = max_top,
            Msg::StartPrompt => r.search_start(),
            Msg::NextMatch => self.message = r.jump_match(true, body),
            Msg::PrevMatch => self.message = r.jump_match(false, body),
            Msg::Back | Msg::Cancel => {
                if !r.search.matches.is_empty() && msg == Msg::Cancel {
                    // Esc first clears the highlighted matches, like :noh.
                    r.search.clear_matches();
                    return;
                }
                if r.entities.panel.is_some() && msg == Msg::Cancel {
                    r.entities.panel = None;
                    self.reflow();
                    return;
                }
                self.remember_position();
                self.screen = Screen::Library;
            }
            _ => {}
        }
    }

    fn open_selected(&mut self) {
        let Some(&idx) = self.library.visible.get(self.library.selected) else {
            return;
        };
        let entry = &self.corpus.entries[idx];
        if let Some(Problem::Unreadable(e)) = &entry.problem {
            self.message = Some(format!("{}: {e}", entry.rel.display()));
            return;
        }
        match read_article(&entry.path) {
            Ok(article) => {
                if let Some(at) = article.invalid_utf8_at {
                    self.message = Some(format!(
                        "not valid UTF-8 from byte {at}: bad bytes are shown as �"
                    ));
                }
                let saved = self.positions.get(&entry.path).unwrap_or(0);
                let mut reader =
                    Reader::new(idx, entry.title.clone(), article.text, self.opts, self.size);
                reader.top = reader
                    .layout
                    .line_of(saved)
                    .min(reader.max_top(body_height(self.size.1)));
                match self.detected.get(&reader.sha) {
                    Some(spans) => reader.entities.spans = Some(spans.clone()),
                    None => self.requests.push(DetectRequest {
                        sha: reader.sha.clone(),
                        text: reader.text.clone(),
                    }),
                }
                self.screen = Screen::Reader(Box::new(reader));
                // The panel may be open from an earlier article: lay out for it.
                self.reflow();
            }
            Err(e) => self.message = Some(format!("{}: {e}", entry.rel.display())),
        }
    }

    /// Lays the reader's text out again for the current size and panel.
    fn reflow(&mut self) {
        let (w, h) = self.size;
        if let Screen::Reader(r) = &mut self.screen {
            let area = reader_area_width(w, r.entities.panel.is_some());
            r.relayout(text_width(area), self.opts, body_height(h));
            if let Some(p) = &mut r.entities.panel {
                p.keep_visible(body_height(h).saturating_sub(1));
            }
        }
    }

    fn open_panel(&mut self) {
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        if r.entities.panel.is_some() {
            r.entities.panel = None;
        } else {
            let Some(spans) = &r.entities.spans else {
                self.message = Some(STILL_DETECTING.to_string());
                return;
            };
            let mut panel = Panel::build(&r.text, spans, &self.hidden);
            // Start on the entity jumped to last, if any.
            if let Some(f) = r.entities.focus {
                if let Some(row) = panel.rows.iter().position(|row| {
                    matches!(row, super::entities::PanelRow::Item { mentions, .. } if mentions.contains(&f))
                }) {
                    panel.selected = row;
                }
            }
            r.entities.panel = Some(panel);
        }
        self.reflow();
    }

    /// Rebuilds the panel after the label filter changed.
    fn rebuild_panel(&mut self) {
        if let Screen::Reader(r) = &mut self.screen {
            if let (Some(p), Some(spans)) = (&r.entities.panel, &r.entities.spans) {
                let focused = p.focused;
                let mut panel = Panel::build(&r.text, spans, &self.hidden);
                panel.focused = focused;
                r.entities.panel = Some(panel);
            }
        }
    }

    fn update_panel(&mut self, msg: Msg) {
        let body = body_height(self.size.1);
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        let Some(panel) = r.entities.panel.as_mut() else {
            return;
        };
        match msg {
            Msg::Up => panel.move_by(-1),
            Msg::Down => panel.move_by(1),
            Msg::PageUp | Msg::HalfPageUp => panel.move_by(-(body as isize / 2).max(1)),
            Msg::PageDown | Msg::HalfPageDown => panel.move_by((body as isize / 2).max(1)),
            Msg::Top => panel.select_first(),
            Msg::Bottom => panel.select_last(),
            Msg::Open | Msg::Confirm => self.message = r.jump_mention(0, body),
            Msg::NextMatch => self.message = r.jump_mention(1, body),
            Msg::PrevMatch => self.message = r.jump_mention(-1, body),
            Msg::SwitchFocus => panel.focused = false,
            Msg::FilterMenu => self.filter_menu = true,
            Msg::TogglePanel | Msg::Cancel | Msg::Back => {
                r.entities.panel = None;
                self.reflow();
                return;
            }
            _ => {}
        }
        if let Some(p) = &mut r.entities.panel {
            p.keep_visible(body.saturating_sub(1));
        }
    }

    /// Stores the reader's first visible character for the next session.
    fn remember_position(&mut self) {
        if let Screen::Reader(r) = &self.screen {
            let offset = r.first_visible_char();
            let path = self.corpus.entries[r.entry].path.clone();
            self.positions.set(&path, offset);
        }
    }

    /// Recomputes the filtered list, keeping the selected article when it stays visible.
    fn refilter(&mut self) {
        let keep = self.library.visible.get(self.library.selected).copied();
        let words: Vec<String> = self
            .library
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.library.visible = self
            .corpus
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let hay = format!("{} {}", e.title, e.rel.display()).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        self.library.selected = keep
            .and_then(|k| self.library.visible.iter().position(|&i| i == k))
            .unwrap_or(0);
    }
}

/// Rows for the article list: everything but the header and the footer.
pub fn list_height(height: u16) -> usize {
    (height as usize).saturating_sub(2).max(1)
}

impl Library {
    /// Scrolls so the selection is on screen.
    fn keep_visible(&mut self, rows: usize) {
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
        self.scroll = self.scroll.min(self.visible.len().saturating_sub(rows));
    }
}

impl Reader {
    pub fn new(
        entry: usize,
        title: String,
        text: String,
        opts: WidthOptions,
        size: (u16, u16),
    ) -> Reader {
        let layout = layout(&text, text_width(size.0), opts);
        Reader {
            entry,
            title,
            sha: sha256_hex(text.as_bytes()),
            text: Arc::from(text),
            layout,
            top: 0,
            search: Search::default(),
            entities: Entities::default(),
        }
    }

    pub fn max_top(&self, body: usize) -> usize {
        self.layout.lines.len().saturating_sub(body)
    }

    pub fn first_visible_char(&self) -> usize {
        self.layout.lines.get(self.top).map_or(0, |l| l.char_start)
    }

    /// Lays the text out for a new width, keeping the first visible character on screen.
    fn relayout(&mut self, width: usize, opts: WidthOptions, body: usize) {
        if width == self.layout.width && opts == self.layout.opts {
            // Same layout: only the page height may have changed.
            self.top = self.top.min(self.max_top(body));
            return;
        }
        let anchor = self.first_visible_char();
        self.layout = layout(&self.text, width, opts);
        // Past the end, pulling back to the last page still shows the anchor line.
        self.top = self.layout.line_of(anchor).min(self.max_top(body));
    }

    /// Scrolls so that display line `line` is visible, a third of the way down when it
    /// was off screen.
    pub fn reveal_line(&mut self, line: usize, body: usize) {
        if line < self.top || line >= self.top + body {
            self.top = line.saturating_sub(body / 3).min(self.max_top(body));
        }
    }
}
