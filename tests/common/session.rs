//! A reader session without a terminal: a corpus in a temporary folder, an `App` driven by
//! messages, frames drawn on ratatui's `TestBackend`.

use inkmark::annotation::AnnotationFile;
use inkmark::corpus;
use inkmark::label::{Label, Span};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::view;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::PathBuf;

/// A temporary folder with `corpus/` and `annotations/` (created on the first save).
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub corpus: PathBuf,
    pub annotations: PathBuf,
    size: (u16, u16),
}

impl Fixture {
    /// A corpus of `a.txt` alone, read in a 60 x 20 terminal.
    pub fn new(text: &str) -> Fixture {
        Fixture::with_articles(&[("a.txt", text)])
    }

    /// A corpus of the given (file name, text) articles, read in a 60 x 20 terminal.
    pub fn with_articles(articles: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        let annotations = dir.path().join("annotations");
        std::fs::create_dir_all(&corpus).unwrap();
        for (name, text) in articles {
            std::fs::write(corpus.join(name), text).unwrap();
        }
        Fixture {
            _dir: dir,
            corpus,
            annotations,
            size: (60, 20),
        }
    }

    /// The terminal size `app` starts with.
    pub fn sized(mut self, width: u16, height: u16) -> Fixture {
        self.size = (width, height);
        self
    }

    /// A reader on the corpus, as annotator `tester`, resized to the fixture's size.
    pub fn app(&self) -> App {
        let c = corpus::scan(&self.corpus).unwrap();
        let mut app = App::new(
            c,
            self.annotations.clone(),
            WidthOptions::default(),
            Positions::default(),
        );
        app.annotator = "tester".into();
        app.update(Msg::Resize(self.size.0, self.size.1));
        app
    }

    /// The annotation file of `a.txt`.
    pub fn file(&self) -> PathBuf {
        self.annotations.join("a.json")
    }

    pub fn saved(&self) -> AnnotationFile {
        AnnotationFile::parse(&std::fs::read_to_string(self.file()).unwrap()).unwrap()
    }
}

/// The (start, end) of every entity of `f`, in the file's order.
pub fn spans_of(f: &AnnotationFile) -> Vec<(usize, usize)> {
    f.entities.iter().map(|e| (e.start, e.end)).collect()
}

/// The code point offset of the `nth` (from 0) `needle` in `text`.
pub fn offset(text: &str, needle: &str, nth: usize) -> usize {
    let b = text.match_indices(needle).nth(nth).unwrap().0;
    text[..b].chars().count()
}

/// A span over the `nth` `word` of `text`, if there is one.
pub fn span(text: &str, word: &str, nth: usize, label: Label) -> Option<Span> {
    let b = text.match_indices(word).nth(nth)?.0;
    let s = text[..b].chars().count();
    Some(Span::new(s, s + word.chars().count(), label))
}

pub fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        app.update(m.clone());
    }
}

pub fn message(app: &App) -> String {
    app.message.clone().unwrap_or_default()
}

/// Walks the cursor to code point `target` by keys, as a user would: lines first, then
/// characters.
pub fn walk_to(app: &mut App, target: usize) {
    for _ in 0..400 {
        let r = app.reader().unwrap();
        let c = r.cursor;
        if c == target {
            return;
        }
        let (cl, tl) = (r.layout.line_of(c), r.layout.line_of(target));
        app.update(if cl < tl {
            Msg::Down
        } else if cl > tl {
            Msg::Up
        } else if c < target {
            Msg::Right
        } else {
            Msg::Left
        });
    }
    panic!("cursor never reached {target}");
}

/// Selects `n` characters from the cursor and gives them label number `label`.
pub fn select_and_label(app: &mut App, n: usize, label: usize) {
    app.update(Msg::Select);
    for _ in 1..n {
        app.update(Msg::Right);
    }
    app.update(Msg::Label(label));
}

/// One frame of the reader, drawn at its size.
pub fn render(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    t
}

/// The frame as text, one line a row; a wide character counts once.
pub fn screen(app: &App) -> String {
    let t = render(app);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            out.push_str(s);
        }
        out.push('\n');
    }
    out
}
