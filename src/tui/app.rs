//! Application state and its update function: a plain function of (state, message), so
//! tests drive whole sessions without a terminal.

use super::search::Search;
use crate::corpus::{read_article, Corpus, Problem};
use crate::positions::Positions;
use crate::text::{layout, Layout, WidthOptions};
use std::path::PathBuf;

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
    pub text: String,
    pub layout: Layout,
    /// First visible display line.
    pub top: usize,
    pub search: Search,
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
}

/// Columns available to article text in a terminal `width` wide (one column of margin on
/// each side). `inkmark show --width N` matches a reader `N + 2` columns wide.
pub fn text_width(width: u16) -> usize {
    (width as usize).saturating_sub(2).max(1)
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
        if !matches!(msg, Msg::Resize(..)) {
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
                if let Screen::Reader(r) = &mut self.screen {
                    r.relayout(text_width(w), self.opts, body_height(h));
                }
                self.library.keep_visible(list_height(h));
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
        let max_top = r.max_top(body);
        match msg {
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
                self.screen = Screen::Reader(Box::new(reader));
            }
            Err(e) => self.message = Some(format!("{}: {e}", entry.rel.display())),
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
            text,
            layout,
            top: 0,
            search: Search::default(),
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
