//! Application state and its update function: a plain function of (state, message), so
//! tests drive whole sessions without a terminal.

use super::annotate::{Annotating, SaveState};
use super::entities::Panel;
pub use super::reader::{Pending, Reader};
use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::{AnnotationFile, Status};
use crate::corpus::{read_article, Corpus, Problem};
use crate::detect::{sha256_hex, Analysis};
use crate::label::{HiddenLabels, LabelSet};
use crate::positions::Positions;
use crate::team::peers::PeerStates;
use crate::text::{sanitize_line, WidthOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Smallest terminal the views are drawn in; below it a "too small" notice is shown.
pub const MIN_WIDTH: u16 = 24;
pub const MIN_HEIGHT: u16 = 6;

/// Notice for entity keys pressed before detection finished.
pub const STILL_DETECTING: &str = "Entities are still being detected…";

/// What the user asked for, independent of which key said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Up,
    Down,
    Left,
    Right,
    WordNext,
    WordPrev,
    /// `e`: the end of the word (of the next one when already at an end).
    WordEnd,
    HalfPageUp,
    HalfPageDown,
    PageUp,
    PageDown,
    /// Scroll the view one line without moving the cursor (unless it leaves the view).
    ScrollUp,
    ScrollDown,
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
    /// `p`: open or close the entity panel.
    TogglePanel,
    /// `J` / `K`: the next / previous article of the library (saving first).
    NextArticle,
    PrevArticle,
    /// `o`: the cursor to the other end of the selection.
    OtherEnd,
    /// `0`: continues a count (`10j`); a count starts with a number key.
    Zero,
    /// Tab: move the keys between the text and the entity panel.
    SwitchFocus,
    /// `f`: open or close the label filter menu.
    FilterMenu,
    /// `E`: open or close the export menu (a number key then exports).
    ExportMenu,
    /// A label's key: label `n` (0-based, in the set's order) in the reader, toggle it
    /// in the filter menu; a number key in the export menu.
    Label(usize),
    /// A number key that is no label's, or a digit of a count (`03w`).
    Digit(u8),
    /// `t`: open the label menu (every label, by letter or filter).
    LabelMenu,
    /// `v`: start or end a selection.
    Select,
    Accept,
    Reject,
    AcceptAll,
    Delete,
    Relabel,
    /// `H` `L` `<` `>`: move the start (or end) edge left (or right).
    Edge {
        start: bool,
        right: bool,
    },
    LabelEverywhere,
    Undo,
    Redo,
    Save,
    /// Sent by the shell a moment after the last change.
    AutoSave,
    CycleStatus,
    /// `m` in the library: only the articles assigned to this annotator, or all.
    ToggleMine,
    /// `S`: open or close the stats view.
    ToggleStats,
    /// The stats view's numbers, computed off the UI thread.
    StatsReady(super::modes::StatsReady),
    /// Their computation failed (the thread panicked): what to say instead.
    StatsFailed {
        generation: u64,
        error: String,
    },
    Yes,
    /// `c` at a `*` prompt: yes, and in every other article of the corpus too.
    YesCorpus,
    No,
    /// Mouse: press, drag and wheel at a screen cell.
    Click {
        col: u16,
        row: u16,
    },
    Drag {
        col: u16,
        row: u16,
    },
    Wheel {
        down: bool,
    },
    /// The detector finished loading its dictionary (milliseconds).
    DetectorReady(u64),
    /// The entity panel: least certain suggestions first, or most mentioned first.
    PanelOrder,
    /// A choice in review mode (`inkmark review`).
    Review(super::review::ReviewKey),
    /// A notice from a background task, for the status bar.
    Notice(String),
    /// The texts confirmed in the annotation folder in earlier sessions (read at start on a
    /// thread of its own): suggested wherever they occur and nothing else was found.
    CorpusLexicon(Vec<(String, crate::label::Label)>),
    /// Background training (after an article was marked done) finished: what to tell the
    /// user, and whether a new corpus model was written (then suggestions are refreshed).
    Trained {
        message: String,
        kept: bool,
    },
    /// Entities and word boundaries of the text with this SHA-256.
    Detected {
        sha: String,
        analysis: Arc<Analysis>,
    },
    /// Entities of the paragraphs around the reading position of a long text, sent
    /// before those of the whole (which replace them).
    DetectedNear {
        sha: String,
        analysis: Arc<Analysis>,
    },
    /// Detection failed for a text.
    DetectFailed {
        sha: String,
        error: String,
    },
    /// The background loader read these library entries (index, entry, progress).
    Loaded(Vec<(usize, crate::corpus::Entry, Progress)>),
    /// Other annotators' states of these entries (index, path, states by peer).
    Peers(Vec<(usize, PathBuf, PeerStates)>),
    /// The complete layout of a long article, computed off the UI thread.
    LaidOut {
        sha: String,
        layout: Box<crate::text::Layout>,
    },
}

/// A long article the shell should lay out completely off the UI thread.
#[derive(Debug, Clone)]
pub struct LayoutRequest {
    pub sha: String,
    pub text: Arc<String>,
    pub width: usize,
    pub opts: WidthOptions,
}

/// Text the shell should hand to the detection worker.
#[derive(Debug, Clone)]
pub struct DetectRequest {
    pub sha: String,
    pub text: Arc<String>,
    /// Code point where reading starts: a long text is analysed around it first.
    pub focus: usize,
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
    /// `m`: only the articles the assignment plan gives this annotator.
    pub mine: bool,
    /// Per corpus entry, the lowercased title and path the filter searches (kept, not
    /// recomputed per key: 20,000 titles).
    pub keys: Vec<String>,
}

/// What the library filter searches in an entry.
fn filter_key(entry: &crate::corpus::Entry) -> String {
    format!("{} {}", entry.title, entry.rel.display()).to_lowercase()
}

/// An article's annotation progress, for the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    None,
    Some {
        status: Status,
        entities: usize,
    },
    /// The annotation file does not parse.
    Broken(String),
}

pub struct App {
    pub corpus: Corpus,
    pub annotations_dir: PathBuf,
    pub annotator: String,
    pub opts: WidthOptions,
    pub no_color: bool,
    pub size: (u16, u16),
    pub screen: Screen,
    pub library: Library,
    /// Annotation progress per corpus entry.
    pub progress: Vec<Progress>,
    /// The other annotators of a team (folders beside the annotation folder).
    pub peers: Vec<crate::team::Annotator>,
    /// Per corpus entry, the peers that have a file for it and its state (filled in by
    /// a background thread of its own).
    pub peer_states: Vec<PeerStates>,
    /// The articles the assignment plan gives this annotator (`None`: no plan).
    pub assigned: Option<std::collections::HashSet<PathBuf>>,
    pub help: super::modes::Help,
    /// The reader's keys (defaults and the config's `[keys]`).
    pub keymap: super::keys::KeyMap,
    /// One-line notice for the status bar, cleared by the next key.
    pub message: Option<String>,
    pub positions: Positions,
    pub should_quit: bool,
    /// Set when quitting failed to save: a second quit leaves anyway. Armed only while
    /// its warning is on screen: any other key disarms it.
    quit_armed: bool,
    /// The same for `q` leaving the article.
    leave_armed: bool,
    /// What quitting left unsaved, for the shell to print once the terminal is back.
    pub lost: Option<String>,
    /// The corpus's labels (config `[[labels]]`, else the default five).
    pub labels: LabelSet,
    /// Labels whose highlighting is off.
    pub hidden: HiddenLabels,
    /// The label filter menu is open.
    pub filter_menu: bool,
    /// The filter menu's highlighted row (labels without a key are toggled there).
    pub filter_cursor: usize,
    /// The label menu, while it is open.
    pub label_menu: Option<super::modes::LabelMenu>,
    /// The export menu is open.
    pub export_menu: bool,
    /// Where `E` writes.
    pub exports_dir: PathBuf,
    pub detector: DetectorState,
    /// Detection results of this session by text hash: reopening is instant.
    pub detected: HashMap<String, Arc<Analysis>>,
    /// Detection requests for the shell to send to the worker (drained by it).
    pub requests: Vec<DetectRequest>,
    /// Layout requests for long articles (drained by the shell).
    pub layout_requests: Vec<LayoutRequest>,
    /// Suggestions scored under this are hidden (config `min_score`).
    pub min_score: f32,
    /// The config's patterns and term lists, for the detection worker.
    pub patterns: Arc<crate::detect::patterns::Patterns>,
    /// An article was marked done: the shell trains the corpus model once it is saved.
    pub train_wanted: bool,
    /// Texts confirmed in the articles of this session (with their labels): suggested in
    /// the others too.
    pub lexicon: Vec<(String, crate::label::Label)>,
    /// `lexicon` (its labels in the set) as one automaton, rebuilt when it changes.
    lexicon_index: Arc<crate::detect::confirmed::Lexicon>,
    /// The corpus model is being trained in the background.
    pub training: bool,
    /// Review mode: the annotators compared into the gold set (the annotation folder).
    pub review: Option<super::review::ReviewSession>,
    /// The stats view (`S`).
    pub stats: super::modes::Stats,
    /// The undo history of each article left in this session (by path in the corpus),
    /// with the text hash its offsets refer to; the most recently left last.
    histories: Vec<(PathBuf, String, crate::annotation::edit::History)>,
}

/// Articles whose undo history is kept after leaving them, and changes kept per article.
const KEPT_HISTORIES: usize = 50;
const KEPT_CHANGES: usize = 200;

/// The warning when leaving would lose unsaved annotations. Short enough (at most 50
/// columns) to be read whole in an 80-column status bar beside the `NOT SAVED` state and
/// the position; the full reason was the previous notice and is printed after quitting.
fn lose_warning(why: &str, key: &str) -> String {
    let action = if key == "q" {
        "leave without saving"
    } else {
        "quit without saving"
    };
    format!("{key} again: {action} ({})", short_reason(why))
}

/// A failed save's reason in a few words, for the status bar.
fn short_reason(why: &str) -> &'static str {
    if why.contains("read-only") {
        "read-only file"
    } else if why.contains("No space") || why.contains("quota") {
        "disk full"
    } else if why.contains("ermission denied") || why.contains("not permitted") {
        "no permission"
    } else if why.contains("does not parse") {
        "file broken"
    } else if why.contains("lock held") {
        "file locked"
    } else {
        "save failed"
    }
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

/// Rows for the article list: everything but the header and the footer.
pub fn list_height(height: u16) -> usize {
    (height as usize).saturating_sub(2).max(1)
}

/// The annotator's name when nothing else says: $USER, else "anonymous".
pub fn default_annotator() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "anonymous".to_string())
}

/// An article's annotation progress, read from its annotation file.
pub fn read_progress(dir: &std::path::Path, rel: &std::path::Path) -> Progress {
    progress_of(dir, rel, None)
}

/// [`read_progress`], also checking the entities against the article at `article` as
/// the reader does when it opens it (same text: same checks), so that a file the reader
/// will open read-only shows `broken!` before a visit too.
pub fn read_progress_checked(
    dir: &std::path::Path,
    rel: &std::path::Path,
    article: &std::path::Path,
) -> Progress {
    progress_of(dir, rel, Some(article))
}

fn progress_of(
    dir: &std::path::Path,
    rel: &std::path::Path,
    article: Option<&std::path::Path>,
) -> Progress {
    match Store::open_for(&annotation_path(dir, rel), rel) {
        Ok((_, Loaded::Found(f))) => {
            // Read only for an annotated article, and only used when it is the text the
            // file was made for (else the reader re-anchors instead).
            let text = article
                .and_then(|p| read_article(p).ok())
                .map(|a| a.text)
                .filter(|t| sha256_hex(t.as_bytes()) == f.article_sha256);
            // The reader opens such a file read-only: the library says why, instead of
            // counting entities the reader will not show.
            let problems = crate::annotation::validate::validate(&f.entities, text.as_deref());
            match problems.first() {
                Some(p) => Progress::Broken(format!(
                    "{} invalid entities, first: {}",
                    problems.len(),
                    crate::text::sanitize_line(&p.message)
                )),
                None => Progress::Some {
                    status: f.status,
                    entities: f.entities.len(),
                },
            }
        }
        Ok((_, Loaded::Missing)) => Progress::None,
        Ok((_, Loaded::Corrupt(e))) => Progress::Broken(e.to_string()),
        Err(e) => Progress::Broken(e.to_string()),
    }
}

impl App {
    pub fn new(
        corpus: Corpus,
        annotations_dir: PathBuf,
        opts: WidthOptions,
        positions: Positions,
    ) -> App {
        // Entries not read yet (a fast `corpus::list`) get theirs from the loader.
        let progress: Vec<Progress> = corpus
            .entries
            .iter()
            .map(|e| {
                if e.loaded {
                    read_progress_checked(&annotations_dir, &e.rel, &e.path)
                } else {
                    Progress::None
                }
            })
            .collect();
        let mut app = App {
            corpus,
            annotations_dir,
            annotator: default_annotator(),
            opts,
            no_color: false,
            size: (80, 24),
            screen: Screen::Library,
            library: Library::default(),
            peer_states: vec![Vec::new(); progress.len()],
            progress,
            peers: Vec::new(),
            assigned: None,
            help: super::modes::Help::default(),
            keymap: super::keys::KeyMap::default(),
            message: None,
            positions,
            should_quit: false,
            quit_armed: false,
            leave_armed: false,
            lost: None,
            labels: LabelSet::default(),
            hidden: HiddenLabels::default(),
            filter_menu: false,
            filter_cursor: 0,
            label_menu: None,
            export_menu: false,
            exports_dir: PathBuf::from("exports"),
            detector: DetectorState::Loading,
            detected: HashMap::new(),
            requests: Vec::new(),
            layout_requests: Vec::new(),
            min_score: 0.0,
            patterns: Arc::default(),
            train_wanted: false,
            training: false,
            lexicon: Vec::new(),
            lexicon_index: Arc::default(),
            histories: Vec::new(),
            review: None,
            stats: Default::default(),
        };
        app.library.keys = app.corpus.entries.iter().map(filter_key).collect();
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

    /// True when the open article has changes not yet written.
    pub fn unsaved(&self) -> bool {
        self.reader().is_some_and(|r| r.ann.dirty())
    }

    /// Totals for the library header: (done, articles, confirmed entities).
    pub fn totals(&self) -> (usize, usize, usize) {
        let done = self
            .progress
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    Progress::Some {
                        status: Status::Done,
                        ..
                    }
                )
            })
            .count();
        let entities = self
            .progress
            .iter()
            .map(|p| match p {
                Progress::Some { entities, .. } => *entities,
                _ => 0,
            })
            .sum();
        (done, self.progress.len(), entities)
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) {
        self.update_inner(msg);
        // A second Ctrl-c or `q` discards work only right after the warning: whatever
        // replaced the warning on screen (another key, a notice) disarms it, so no
        // discarding press can come without the warning in view.
        if (self.quit_armed || self.leave_armed)
            && !self
                .message
                .as_deref()
                .is_some_and(|m| self.is_armed_warning(m))
        {
            self.quit_armed = false;
            self.leave_armed = false;
        }
    }

    fn update_inner(&mut self, msg: Msg) {
        // A key clears the last notice; resizes and worker results do not.
        let background = matches!(
            msg,
            Msg::Resize(..)
                | Msg::Loaded(_)
                | Msg::Peers(_)
                | Msg::LaidOut { .. }
                | Msg::DetectorReady(_)
                | Msg::Notice(_)
                | Msg::Trained { .. }
                | Msg::CorpusLexicon(_)
                | Msg::StatsReady(_)
                | Msg::StatsFailed { .. }
                | Msg::Detected { .. }
                | Msg::DetectedNear { .. }
                | Msg::DetectFailed { .. }
                | Msg::AutoSave
        );
        if !background {
            self.message = None;
        }
        if !self.unsaved() {
            self.quit_armed = false;
            self.leave_armed = false;
        }
        self.reload_if_fixed();
        // A reload may have replaced the gold set.
        super::review::sync(self);
        match msg {
            Msg::Quit => {
                self.remember_position();
                if self.unsaved() {
                    let problem = self.save();
                    if self.unsaved() {
                        let why = self.save_problem().or(problem).unwrap_or_default();
                        if !self.quit_armed {
                            self.message = Some(lose_warning(&why, "Ctrl-c"));
                            self.quit_armed = true;
                            self.leave_armed = false;
                            return;
                        }
                        self.lost = Some(format!("annotations NOT SAVED: {why}"));
                    }
                }
                self.should_quit = true;
                return;
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.reflow();
                self.library.keep_visible(list_height(h));
                return;
            }
            Msg::LaidOut { sha, layout } => {
                let body = body_height(self.size.1);
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha {
                        r.adopt_layout(*layout);
                        r.relayout(r.layout.width, r.layout.opts, body);
                    }
                }
                return;
            }
            Msg::Loaded(batch) => {
                for (idx, entry, progress) in batch {
                    // Entries removed since the list was made shift the indices: find it
                    // by its path then (the entries are sorted by it).
                    let idx = match self.corpus.entries.get(idx) {
                        Some(e) if e.rel == entry.rel => idx,
                        _ => match self
                            .corpus
                            .entries
                            .binary_search_by(|e| e.rel.cmp(&entry.rel))
                        {
                            Ok(i) => i,
                            Err(_) => continue,
                        },
                    };
                    if idx < self.corpus.entries.len() {
                        self.library.keys[idx] = filter_key(&entry);
                        self.corpus.entries[idx] = entry;
                        self.progress[idx] = progress;
                    }
                }
                if !self.library.filter.is_empty() {
                    self.refilter();
                }
                return;
            }
            Msg::Peers(batch) => {
                for (idx, rel, states) in batch {
                    // As for `Loaded`: indices shift when entries are removed.
                    let idx = match self.corpus.entries.get(idx) {
                        Some(e) if e.rel == rel => idx,
                        _ => match self.corpus.entries.binary_search_by(|e| e.rel.cmp(&rel)) {
                            Ok(i) => i,
                            Err(_) => continue,
                        },
                    };
                    if let Some(slot) = self.peer_states.get_mut(idx) {
                        *slot = states;
                    }
                }
                return;
            }
            Msg::DetectorReady(ms) => {
                self.detector = DetectorState::Ready { load_ms: ms };
                return;
            }
            Msg::Notice(text) => {
                // The training result says more than "the model changed", and the
                // warning before discarding work must stay until the next key.
                if !self
                    .message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("corpus model") || self.is_armed_warning(m))
                {
                    self.message = Some(text);
                }
                return;
            }
            Msg::CorpusLexicon(texts) => {
                // This session's confirmations are newer: they keep their label.
                let mut merged = self.lexicon.clone();
                if let Screen::Reader(r) = &self.screen {
                    merged.extend(r.confirmed_texts());
                }
                merged.sort_by(|a, b| a.0.cmp(&b.0));
                merged.dedup_by(|a, b| a.0 == b.0);
                for (text, label) in texts {
                    if let Err(at) = merged.binary_search_by(|(t, _)| t.cmp(&text)) {
                        merged.insert(at, (text, label));
                    }
                }
                self.set_lexicon(merged);
                if let Screen::Reader(r) = &mut self.screen {
                    r.set_lexicon(self.lexicon.clone(), self.lexicon_index.clone());
                    let hidden = self.hidden.clone();
                    r.rebuild_panel(&hidden);
                }
                return;
            }
            Msg::Trained { message, kept } => {
                self.training = false;
                self.message = Some(message);
                if kept {
                    // Every article's suggestions came from the old model.
                    self.detected.clear();
                    if let Screen::Reader(r) = &self.screen {
                        self.requests.push(DetectRequest {
                            sha: r.sha.clone(),
                            text: r.text.clone(),
                            focus: r.first_visible_char(),
                        });
                    }
                }
                return;
            }
            Msg::Detected { sha, analysis } => {
                let hidden = self.hidden.clone();
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha {
                        r.set_analysis(analysis.clone());
                        r.analysis_partial = false;
                        r.rebuild_panel(&hidden);
                        if self.message.as_deref() == Some(STILL_DETECTING) {
                            self.message = None;
                        }
                    }
                }
                self.detected.insert(sha, analysis);
                return;
            }
            Msg::DetectedNear { sha, analysis } => {
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha && r.analysis.is_none() {
                        r.set_analysis(analysis);
                        r.analysis_partial = true;
                    }
                }
                return;
            }
            Msg::DetectFailed { sha, error } => {
                if let Screen::Reader(r) = &mut self.screen {
                    if r.sha == sha {
                        r.set_analysis(Arc::new(Analysis::default()));
                        r.analysis_partial = false;
                        self.message = Some(format!("entity detection failed: {error}"));
                    }
                }
                return;
            }
            Msg::Save if self.reader().is_some_and(|r| r.ann.read_only.is_some()) => {
                self.message = Some("read-only: nothing saved (see the panel, p)".to_string());
                return;
            }
            Msg::AutoSave | Msg::Save => {
                // A failure's notice (or the warning it armed) must not stay beside
                // `saved` once a retry succeeds.
                let failure_shown = self
                    .message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("NOT SAVED") || self.is_armed_warning(m));
                if let Some(m) = self.save() {
                    // While the next Ctrl-c (or q) would discard the work, a failed retry
                    // repeats that warning rather than replacing it with the bare error.
                    self.message = Some(self.armed_warning().unwrap_or(m));
                } else if msg == Msg::Save {
                    self.message = Some("saved".to_string());
                } else if failure_shown && !self.unsaved() {
                    // The bar's save state says `saved` already.
                    self.message = None;
                }
                // A merge with the file on disk may have changed the gold set.
                super::review::sync(self);
                return;
            }
            _ => {}
        }
        if super::modes::dispatch(super::modes::OVERLAYS, self, &msg) {
            return;
        }
        match self.screen {
            Screen::Library => self.update_library(msg),
            Screen::Reader(_) => self.update_reader(msg),
        }
    }

    /// Leaving for good (a signal): remember the position and save what is pending.
    pub fn shutdown(&mut self) -> Option<String> {
        self.remember_position();
        self.should_quit = true;
        self.save()
    }

    /// Saves the open article's annotations if they changed; returns a notice.
    pub fn save(&mut self) -> Option<String> {
        let Screen::Reader(r) = &mut self.screen else {
            return None;
        };
        if !r.ann.dirty() {
            return None;
        }
        let mut notice = r.ann.save(&r.text);
        // Another writer saved: if that was because the article itself changed since this
        // reader read it, the user should see the new text (the file keeps this text's
        // offsets, consistently, until the article is opened again).
        if notice
            .as_deref()
            .is_some_and(|n| n.starts_with(super::annotate::MERGED))
        {
            let changed = read_article(&self.corpus.entries[r.entry].path)
                .is_ok_and(|a| sha256_hex(a.text.as_bytes()) != r.sha);
            if changed {
                if let Some(n) = notice.as_mut() {
                    n.push_str("; the article changed on disk since it was opened: leave it and open it again to see the new text");
                }
            }
        }
        if r.ann.state == SaveState::Saved {
            self.progress[r.entry] = Progress::Some {
                status: r.ann.set.status,
                entities: r.ann.set.entities.len(),
            };
            let hidden = self.hidden.clone();
            r.rebuild_panel(&hidden);
        }
        notice
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
            Msg::CycleStatus => self.message = self.cycle_library_status(),
            Msg::ToggleMine => self.toggle_mine(),
            _ => {}
        }
        self.library.keep_visible(rows);
    }

    /// `m` in the library: only the articles assigned to this annotator, or all again.
    fn toggle_mine(&mut self) {
        let Some(mine) = &self.assigned else {
            self.message =
                Some("no assignment plan here (make one: inkmark assign --team ...)".to_string());
            return;
        };
        // Someone the plan does not name (or whose share is elsewhere) would get an empty
        // list that looks like a failed search: say so and keep showing all.
        if !self.library.mine && !self.corpus.entries.iter().any(|e| mine.contains(&e.rel)) {
            self.message = Some(format!(
                "the assignment plan gives {} no article here (not in its team?): showing all",
                sanitize_line(&self.annotator)
            ));
            return;
        }
        self.library.mine = !self.library.mine;
        self.message = Some(if self.library.mine {
            format!(
                "only mine: {} assigned to {} (m: all)",
                mine.len(),
                sanitize_line(&self.annotator)
            )
        } else {
            "all articles (m: only mine)".to_string()
        });
        self.refilter();
    }

    /// `s` in the library: cycle the selected article's status in its annotation file.
    fn cycle_library_status(&mut self) -> Option<String> {
        let &idx = self.library.visible.get(self.library.selected)?;
        let entry = &self.corpus.entries[idx];
        let path = annotation_path(&self.annotations_dir, &entry.rel);
        let (mut store, loaded) = match Store::open_for(&path, &entry.rel) {
            Ok(x) => x,
            Err(e) => return Some(format!("cannot read {}: {e}", path.display())),
        };
        let mut file = match loaded {
            Loaded::Found(f) => f,
            Loaded::Missing => {
                let sha = match std::fs::read(&entry.path) {
                    Ok(bytes) => sha256_hex(&bytes),
                    Err(e) => return Some(format!("{}: {e}", entry.rel.display())),
                };
                AnnotationFile::new(&entry.rel.to_string_lossy(), &sha, &self.annotator)
            }
            Loaded::Corrupt(e) => {
                return Some(format!(
                    "{} does not parse ({e}); fix it first",
                    path.display()
                ))
            }
        };
        file.status = file.status.next();
        file.updated = crate::annotation::file::utc_now();
        match store.save(&file) {
            Ok(_) => {
                self.progress[idx] = read_progress(&self.annotations_dir, &entry.rel);
                Some(format!("{}: {}", entry.rel.display(), file.status.name()))
            }
            Err(e) => Some(e.to_string()),
        }
    }

    /// The reader's keys go through its modes (search prompt, confirm prompt, panel,
    /// pending keys, then the text itself: see [`super::modes`]).
    pub(crate) fn update_reader(&mut self, msg: Msg) {
        let body = body_height(self.size.1);
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        // A long article laid out only in part: local moves away from the end of the part
        // stay cheap; anything else needs the whole layout first.
        if r.partial {
            let local = matches!(
                msg,
                Msg::Up
                    | Msg::Down
                    | Msg::Left
                    | Msg::Right
                    | Msg::WordNext
                    | Msg::WordPrev
                    | Msg::WordEnd
                    | Msg::OtherEnd
                    | Msg::Zero
                    | Msg::ScrollUp
                    | Msg::ScrollDown
                    | Msg::PageUp
                    | Msg::PageDown
                    | Msg::HalfPageUp
                    | Msg::HalfPageDown
                    | Msg::Wheel { .. }
                    | Msg::Click { .. }
                    | Msg::Drag { .. }
                    | Msg::Select
                    | Msg::Label(_)
                    | Msg::Digit(_)
                    | Msg::Review(_)
            );
            let near_end = r.top + 3 * body >= r.layout.lines.len();
            let hidden = self.hidden.clone();
            // In review `]` walks disagreements, which may lie past the next mark.
            let stays = self.review.is_none() && r.mark_move_stays_in_part(&msg, &hidden, body);
            if !(local || stays) || near_end {
                r.complete_layout();
            }
        }
        let entry = r.entry;
        super::modes::dispatch(super::modes::READER, self, &msg);
        super::review::sync(self);
        // Any key in the article ends its freshness (see `Reader::fresh`).
        if let Screen::Reader(r) = &mut self.screen {
            if r.entry == entry {
                r.fresh = false;
            }
        }
    }

    /// `E` then a number: the whole corpus in `format` under the exports folder (the open
    /// article saved first).
    pub(crate) fn export(&mut self, format: crate::export::Format) -> String {
        use crate::export::{self, Filter, Scheme};
        if let Some(m) = self.save() {
            if self.unsaved() {
                return format!("not exported: {m}");
            }
        }
        let (docs, skipped) = export::collect(
            &self.corpus,
            &self.annotations_dir,
            &Filter::default(),
            || {},
        );
        let out = self.exports_dir.join(format.default_file());
        let options = export::Options {
            scheme: Scheme::Bio,
            ..export::Options::default()
        };
        match export::write_labelled(format, &docs, &out, &options, &self.labels) {
            Ok(msg) if skipped.is_empty() => format!("exported {msg}"),
            Ok(msg) => format!(
                "exported {msg}; skipped {} (run inkmark check)",
                skipped.len()
            ),
            Err(e) => format!("export failed: {}: {e}", out.display()),
        }
    }

    /// `J` / `K`: leave the article (saving, remembering the position) and open the next
    /// or previous one in the library's order.
    pub(crate) fn next_article(&mut self, forward: bool) {
        let Some(current) = self.reader().map(|r| r.entry) else {
            return;
        };
        let visible = &self.library.visible;
        let at = visible.iter().position(|&i| i == current);
        let target = match (at, forward) {
            (Some(p), true) if p + 1 < visible.len() => p + 1,
            (Some(p), false) if p > 0 => p - 1,
            (None, _) if !visible.is_empty() => 0,
            _ => {
                let which = if forward { "last" } else { "first" };
                self.message = Some(format!("this is the {which} article"));
                return;
            }
        };
        // `J` never leaves unsaved work behind, and arms nothing: only `q` and Ctrl-c
        // warn that a second press discards.
        if let Some(m) = self.save() {
            if self.unsaved() {
                let why = self.save_problem().unwrap_or(m);
                self.message = Some(format!(
                    "not saved ({}): staying on this article",
                    short_reason(&why)
                ));
                return;
            }
        }
        self.leave_reader();
        if self.reader().is_some() {
            return; // not saved: stay (leave_reader said why)
        }
        self.library.selected = target;
        self.library.keep_visible(list_height(self.size.1));
        self.open_selected();
        if self.message.is_none() {
            if let Some(r) = self.reader() {
                self.message = Some(format!(
                    "article {} of {}: {}",
                    target + 1,
                    self.library.visible.len(),
                    r.title
                ));
            }
        }
    }

    /// Back to the library: saves first (a failed save keeps the reader open and says so;
    /// a second `q` leaves anyway).
    pub(crate) fn leave_reader(&mut self) {
        let mut discarded = false;
        if let Some(m) = self.save() {
            if self.unsaved() {
                let why = self.save_problem().unwrap_or(m);
                if !self.leave_armed {
                    self.message = Some(lose_warning(&why, "q"));
                    self.leave_armed = true;
                    self.quit_armed = false;
                    return;
                }
                self.leave_armed = false;
                self.message = Some("left without saving".to_string());
                discarded = true;
            }
        }
        self.remember_position();
        self.keep_history(discarded);
        // What was confirmed here is suggested in the next articles of the session.
        let texts = match &self.screen {
            Screen::Reader(r) => Some(r.confirmed_texts()),
            _ => None,
        };
        if let Some(texts) = texts.filter(|t| *t != self.lexicon) {
            self.set_lexicon(texts);
        }
        if let Screen::Reader(r) = &self.screen {
            // The row follows the file as it is now (changed from outside, or opened
            // read-only), not as it was when the library was read.
            let e = &self.corpus.entries[r.entry];
            self.progress[r.entry] = match &r.ann.read_only {
                Some(why) => Progress::Broken(why.clone()),
                None => read_progress_checked(&self.annotations_dir, &e.rel, &e.path),
            };
        }
        self.screen = Screen::Library;
    }

    /// Keeps the open article's undo history for when it is opened again in this session
    /// (`u` undoes "any change of the session"). Not after leaving without saving: those
    /// changes are not in the file any more.
    fn keep_history(&mut self, discarded: bool) {
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        let rel = self.corpus.entries[r.entry].rel.clone();
        self.histories.retain(|(p, _, _)| *p != rel);
        if discarded || r.ann.read_only.is_some() {
            return;
        }
        let history = r.ann.set.take_history(KEPT_CHANGES);
        if history.is_empty() {
            return;
        }
        if self.histories.len() >= KEPT_HISTORIES {
            self.histories.remove(0);
        }
        self.histories.push((rel, r.sha.clone(), history));
    }

    /// The warning of an armed Ctrl-c (or `q`) while saves still fail.
    fn armed_warning(&self) -> Option<String> {
        let why = self.save_problem()?;
        if self.quit_armed {
            Some(lose_warning(&why, "Ctrl-c"))
        } else if self.leave_armed {
            Some(lose_warning(&why, "q"))
        } else {
            None
        }
    }

    fn is_armed_warning(&self, message: &str) -> bool {
        self.armed_warning().as_deref() == Some(message)
    }

    /// The texts confirmed elsewhere, and their automaton (built here, once per change).
    fn set_lexicon(&mut self, texts: Vec<(String, crate::label::Label)>) {
        let in_set: Vec<(String, crate::label::Label)> = texts
            .iter()
            .filter(|(_, l)| self.labels.contains(*l))
            .cloned()
            .collect();
        self.lexicon_index = Arc::new(crate::detect::confirmed::Lexicon::new(&in_set));
        self.lexicon = texts;
    }

    /// The reason the last save of the open article failed, if it did.
    fn save_problem(&self) -> Option<String> {
        match &self.reader()?.ann.state {
            SaveState::Failed(e) => Some(e.clone()),
            _ => None,
        }
    }

    /// A read-only article whose annotation file was fixed on disk opens it again, so the
    /// fix shows without closing the article.
    fn reload_if_fixed(&mut self) {
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        if !r.ann.changed_on_disk() {
            return;
        }
        let rel = self.corpus.entries[r.entry].rel.clone();
        let opened = Annotating::open(
            &self.annotations_dir,
            &rel,
            &r.text,
            &r.sha,
            &self.annotator,
        );
        let editable = opened.ann.read_only.is_none();
        self.progress[r.entry] = match &opened.ann.read_only {
            None => Progress::Some {
                status: opened.ann.set.status,
                entities: opened.ann.set.entities.len(),
            },
            Some(why) => Progress::Broken(why.clone()),
        };
        r.ann = opened.ann;
        let hidden = self.hidden.clone();
        r.rebuild_panel(&hidden);
        self.message = Some(if editable {
            "the annotation file was fixed on disk: reloaded, editing is on".to_string()
        } else {
            format!(
                "the annotation file changed on disk: reloaded, {}",
                opened.notice.unwrap_or_else(|| "still read-only".into())
            )
        });
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
                let mut notices = Vec::new();
                if let Some(at) = article.invalid_utf8_at {
                    notices.push(format!(
                        "not valid UTF-8 from byte {at}: bad bytes are shown as �"
                    ));
                }
                let sha = sha256_hex(article.text.as_bytes());
                let opened = Annotating::open(
                    &self.annotations_dir,
                    &entry.rel,
                    &article.text,
                    &sha,
                    &self.annotator,
                );
                notices.extend(opened.notice);
                let body = body_height(self.size.1);
                let saved = self.positions.get(&entry.path).unwrap_or(0);
                let mut reader = Reader::new_from(
                    idx,
                    entry.title.clone(),
                    article.text,
                    sha,
                    text_width(self.size.0),
                    self.opts,
                    opened.ann,
                    saved,
                );
                reader.labels = self.labels.clone();
                // The history of an earlier visit, if the text is still the one its
                // offsets refer to (an edited article starts a new one).
                if let Some(at) = self.histories.iter().position(|(p, _, _)| *p == entry.rel) {
                    let (_, sha, history) = self.histories.remove(at);
                    if sha == reader.sha && reader.ann.read_only.is_none() {
                        reader.ann.set.restore_history(history);
                    }
                }
                if reader.partial {
                    self.layout_requests.push(LayoutRequest {
                        sha: reader.sha.clone(),
                        text: reader.text.clone(),
                        width: reader.layout.width,
                        opts: reader.layout.opts,
                    });
                }
                reader.set_lexicon(self.lexicon.clone(), self.lexicon_index.clone());
                reader.top = reader.layout.line_of(saved).min(reader.max_top(body));
                reader.cursor = reader.first_visible_char();
                reader.keep_cursor_in_view(body);
                match self.detected.get(&reader.sha) {
                    Some(a) => reader.set_analysis(a.clone()),
                    None => self.requests.push(DetectRequest {
                        sha: reader.sha.clone(),
                        text: reader.text.clone(),
                        focus: reader.first_visible_char(),
                    }),
                }
                if !notices.is_empty() {
                    self.message = Some(notices.join("; "));
                }
                self.screen = Screen::Reader(Box::new(reader));
                super::review::start(self);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Deleted since the library was listed: it goes from the list too.
                self.message = Some(format!(
                    "{}: deleted; removed from the library",
                    sanitize_line(&entry.rel.display().to_string())
                ));
                self.corpus.entries.remove(idx);
                self.progress.remove(idx);
                if idx < self.peer_states.len() {
                    self.peer_states.remove(idx);
                }
                self.library.keys.remove(idx);
                self.refilter();
            }
            Err(e) => {
                self.message = Some(format!(
                    "{}: {e}",
                    sanitize_line(&entry.rel.display().to_string())
                ))
            }
        }
    }

    /// Lays the reader's text out again for the current size and panel.
    pub(crate) fn reflow(&mut self) {
        let (w, h) = self.size;
        if let Screen::Reader(r) = &mut self.screen {
            let area = reader_area_width(w, r.panel.is_some());
            r.relayout(text_width(area), self.opts, body_height(h));
            if let Some(p) = &mut r.panel {
                // Inside the panel's box.
                p.keep_visible(body_height(h).saturating_sub(2));
            }
        }
    }

    pub(crate) fn toggle_panel(&mut self) {
        let hidden = self.hidden.clone();
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        if r.panel.is_some() {
            r.panel = None;
        } else {
            let mut panel = Panel::build(r, &hidden);
            // Start on the entity under the cursor, if listed.
            if let Some(row) = panel.rows.iter().position(|row| {
                matches!(row, super::entities::PanelRow::Item { mentions, .. }
                    if mentions.iter().any(|m| m.start <= r.cursor && r.cursor < m.end))
            }) {
                panel.selected = row;
            }
            r.panel = Some(panel);
        }
        self.reflow();
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
        let mine = match (&self.assigned, self.library.mine) {
            (Some(set), true) => Some(set),
            _ => None,
        };
        let entries = &self.corpus.entries;
        self.library.visible = self
            .library
            .keys
            .iter()
            .enumerate()
            .filter(|(_, key)| words.iter().all(|w| key.contains(w.as_str())))
            .filter(|(i, _)| {
                mine.is_none_or(|m| entries.get(*i).is_some_and(|e| m.contains(&e.rel)))
            })
            .map(|(i, _)| i)
            .collect();
        self.library.selected = keep
            .and_then(|k| self.library.visible.iter().position(|&i| i == k))
            .unwrap_or(0);
    }
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
