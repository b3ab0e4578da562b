//! The bytes the program writes, replayed through a model of a terminal: frames are diffed
//! and written exactly as `Terminal::draw` does (ratatui's buffer diff into crossterm's
//! backend) into a Vec<u8>, which a small width-aware screen model below interprets, in
//! the terminal's own width mode (ambiguous characters one or two columns). After every
//! frame the emulated screen must show the intended frame: every character at its
//! column, and the colours a full redraw of that frame gives.

use inkmark::corpus;
use inkmark::detect::Analysis;
use inkmark::label::{Label, Span};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::view;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unicode_width::UnicodeWidthChar;

/// One cell of the model: what is drawn there and with which SGR state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cell {
    text: String,
    style: String,
    /// The right half of a wide character.
    cont: bool,
}

/// The SGR state of a fresh terminal, as `Emulator::style` writes it.
const DEFAULT_STYLE: &str = "fg bg {}";

impl Cell {
    fn blank(style: &str) -> Cell {
        Cell {
            text: " ".into(),
            style: style.into(),
            cont: false,
        }
    }
}

/// A terminal: cursor addressing, SGR, autowrap with scrolling, wide characters that
/// take two cells. Overwriting half of a wide character leaves the other half blank in
/// the colours it had, as xterm does (so stale colours show; urxvt's tofu there is
/// checked on the diff in `overlays_rewrite_both_halves_of_a_cut_wide_character`).
struct Emulator {
    cols: usize,
    rows: usize,
    cells: Vec<Vec<Cell>>,
    x: usize,
    y: usize,
    pending_wrap: bool,
    fg: String,
    bg: String,
    attrs: std::collections::BTreeSet<u16>,
    ambiguous_wide: bool,
}

impl Emulator {
    fn new(cols: u16, rows: u16, ambiguous_wide: bool) -> Emulator {
        let (cols, rows) = (cols as usize, rows as usize);
        Emulator {
            cols,
            rows,
            cells: vec![vec![Cell::blank(DEFAULT_STYLE); cols]; rows],
            x: 0,
            y: 0,
            pending_wrap: false,
            fg: String::new(),
            bg: String::new(),
            attrs: Default::default(),
            ambiguous_wide,
        }
    }

    fn style(&self) -> String {
        format!("fg{} bg{} {:?}", self.fg, self.bg, self.attrs)
    }

    fn feed(&mut self, bytes: &[u8]) {
        let s = std::str::from_utf8(bytes).expect("the program writes UTF-8");
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                match chars.next() {
                    Some('[') => {
                        let mut params = String::new();
                        let mut fin = '\0';
                        for d in chars.by_ref() {
                            if ('\u{40}'..='\u{7e}').contains(&d) {
                                fin = d;
                                break;
                            }
                            params.push(d);
                        }
                        self.csi(&params, fin);
                    }
                    Some(other) => panic!("unexpected escape ESC {other:?}"),
                    None => panic!("a lone ESC"),
                }
                continue;
            }
            assert!(
                !c.is_control(),
                "a control character {c:?} reached the terminal"
            );
            self.print(c);
        }
    }

    fn csi(&mut self, params: &str, fin: char) {
        if params.starts_with('?') {
            return; // modes: cursor visibility and the like
        }
        let nums: Vec<u16> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
        match fin {
            'H' => {
                self.y = (nums[0].max(1) as usize - 1).min(self.rows - 1);
                self.x = (nums.get(1).copied().unwrap_or(1).max(1) as usize - 1).min(self.cols - 1);
                self.pending_wrap = false;
            }
            'm' => self.sgr(&nums),
            'J' if nums[0] == 2 => {
                let style = self.style();
                for row in &mut self.cells {
                    row.fill(Cell::blank(&style));
                }
            }
            _ => panic!("unexpected CSI {params}{fin}"),
        }
    }

    fn sgr(&mut self, nums: &[u16]) {
        let mut i = 0;
        while i < nums.len() {
            let n = nums[i];
            match n {
                0 => {
                    self.attrs.clear();
                    self.fg.clear();
                    self.bg.clear();
                }
                1..=9 => {
                    self.attrs.insert(n);
                }
                22 => {
                    self.attrs.remove(&1);
                    self.attrs.remove(&2);
                }
                23 | 24 | 27 | 28 | 29 => {
                    self.attrs.remove(&(n - 20));
                }
                25 => {
                    self.attrs.remove(&5);
                    self.attrs.remove(&6);
                }
                30..=37 | 90..=97 => self.fg = n.to_string(),
                40..=47 | 100..=107 => self.bg = n.to_string(),
                39 => self.fg.clear(),
                49 => self.bg.clear(),
                38 | 48 | 58 => {
                    let len = if nums.get(i + 1) == Some(&5) { 2 } else { 4 };
                    let value = format!("{:?}", &nums[i + 1..(i + 1 + len).min(nums.len())]);
                    match n {
                        38 => self.fg = value,
                        48 => self.bg = value,
                        _ => {}
                    }
                    i += len;
                }
                59 => {}
                _ => panic!("unexpected SGR {n}"),
            }
            i += 1;
        }
    }

    fn width(&self, c: char) -> usize {
        if self.ambiguous_wide {
            c.width_cjk().unwrap_or(0)
        } else {
            c.width().unwrap_or(0)
        }
    }

    /// Blanks what is left of a wide character cut at column `x`, keeping its colours.
    fn orphan_around(&mut self, x: usize) {
        let y = self.y;
        if self.cells[y][x].cont && x > 0 {
            self.cells[y][x - 1].text = " ".into();
        }
        if x + 1 < self.cols && self.cells[y][x + 1].cont {
            let right = &mut self.cells[y][x + 1];
            right.text = " ".into();
            right.cont = false;
        }
    }

    fn print(&mut self, c: char) {
        let w = self.width(c);
        if w == 0 {
            // Combining: joins the cell before the cursor.
            let x = if self.pending_wrap {
                self.x
            } else {
                self.x.saturating_sub(1)
            };
            self.cells[self.y][x].text.push(c);
            return;
        }
        if self.pending_wrap || self.x + w > self.cols {
            self.x = 0;
            self.pending_wrap = false;
            if self.y + 1 == self.rows {
                self.cells.remove(0);
                self.cells.push(vec![Cell::blank(DEFAULT_STYLE); self.cols]);
            } else {
                self.y += 1;
            }
        }
        for k in 0..w {
            self.orphan_around(self.x + k);
        }
        let style = self.style();
        self.cells[self.y][self.x] = Cell {
            text: c.to_string(),
            style: style.clone(),
            cont: false,
        };
        for k in 1..w {
            self.cells[self.y][self.x + k] = Cell {
                text: String::new(),
                style: style.clone(),
                cont: true,
            };
        }
        if self.x + w == self.cols {
            self.x = self.cols - 1;
            self.pending_wrap = true;
        } else {
            self.x += w;
        }
    }
}

/// The bytes a backend writes, kept where the test can take them.
#[derive(Clone, Default)]
struct Bytes(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Bytes {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Bytes {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// The program's screen as a user's terminal gets it, frame after frame.
struct Session {
    app: App,
    prev: Buffer,
    out: Bytes,
    backend: CrosstermBackend<Bytes>,
    shown: view::Shown,
    /// The cells the last frame rewrote.
    emitted: std::collections::HashSet<(u16, u16)>,
    screen: Emulator,
    /// What was sent, for the failure message.
    frames: usize,
}

impl Session {
    fn new(app: App, terminal_ambiguous_wide: bool) -> Session {
        let (w, h) = app.size;
        let out = Bytes::default();
        let mut s = Session {
            app,
            prev: Buffer::empty(Rect::new(0, 0, w, h)),
            backend: CrosstermBackend::new(out.clone()),
            out,
            shown: view::Shown::default(),
            emitted: Default::default(),
            screen: Emulator::new(w, h, terminal_ambiguous_wide),
            frames: 0,
        };
        s.draw();
        s
    }

    fn frame(&self) -> Buffer {
        let (w, h) = self.app.size;
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        view::draw_app(&self.app, area, &mut buf);
        buf
    }

    /// What the program's loop does: render (`view::draw_shown`), then what
    /// `Terminal::draw` does: diff against the last frame, write.
    fn draw(&mut self) {
        let mut next = self.frame();
        view::after_draw(&mut self.shown, &mut next);
        let diff = self.prev.diff(&next);
        self.emitted = diff.iter().map(|&(x, y, _)| (x, y)).collect();
        self.backend.draw(diff.into_iter()).unwrap();
        Backend::flush(&mut self.backend).unwrap();
        let bytes = self.out.take();
        self.screen.feed(&bytes);
        self.frames += 1;
        self.check(&next);
        self.prev = next;
    }

    fn send(&mut self, msgs: &[Msg]) {
        for m in msgs {
            self.app.update(m.clone());
            self.draw();
        }
    }

    /// The emulated screen against the frame: characters at their columns (wide ones
    /// followed by their right half), and the colours of a full redraw of the frame.
    fn check(&self, frame: &Buffer) {
        let mut fresh = Emulator::new(
            frame.area.width,
            frame.area.height,
            self.screen.ambiguous_wide,
        );
        let out = Bytes::default();
        let mut backend = CrosstermBackend::new(out.clone());
        let empty = Buffer::empty(frame.area);
        backend.draw(empty.diff(frame).into_iter()).unwrap();
        Backend::flush(&mut backend).unwrap();
        fresh.feed(&out.take());
        let intended = intended_rows(frame);
        for (y, want) in intended.iter().enumerate() {
            let got = row_text(&self.screen.cells[y]);
            assert_eq!(
                &got, want,
                "frame {}, row {y}: the terminal shows\n{got}\ninstead of\n{want}",
                self.frames
            );
            let fresh_row = row_text(&fresh.cells[y]);
            assert_eq!(&fresh_row, want, "full redraw, row {y}");
            for x in 0..frame.area.width as usize {
                let (a, b) = (&self.screen.cells[y][x], &fresh.cells[y][x]);
                assert_eq!(
                    a.style, b.style,
                    "frame {}, row {y}, column {x} ({:?}): stale colours\n{got}",
                    self.frames, a.text
                );
            }
        }
    }
}

/// A row of the model as text: wide characters once, followed by "·" for their right
/// half so that columns can be compared.
fn row_text(cells: &[Cell]) -> String {
    cells
        .iter()
        .map(|c| if c.cont { "·" } else { c.text.as_str() })
        .collect()
}

/// The frame as the program means it: every cell's symbol at its column, the cells under
/// a wide character (by the width the program gave it) as "·"; those must be blank.
fn intended_rows(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            let mut out = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let cell = &buf[(x, y)];
                let w = cell.cell_width().max(1);
                out.push_str(cell.symbol());
                for k in 1..w.min(buf.area.width - x) {
                    // ratatui's diff skips these cells: anything drawn there is lost.
                    let under = buf[(x + k, y)].symbol();
                    assert_eq!(
                        under,
                        " ",
                        "({}, {y}) draws {under:?} over the right half of {:?}",
                        x + k,
                        cell.symbol()
                    );
                    out.push('·');
                }
                x += w;
            }
            out
        })
        .collect()
}

fn seeds_app(w: u16, h: u16, ambiguous_wide: bool) -> App {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = PathBuf::from("target/test-annotations")
        .join(format!("terminal-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let corpus = corpus::scan(Path::new("seeds")).unwrap();
    let opts = WidthOptions {
        ambiguous_wide,
        tab_width: 4,
    };
    let mut app = App::new(corpus, dir, opts, Positions::default());
    app.annotator = "tester".to_string();
    app.update(Msg::Resize(w, h));
    app
}

/// Opens the first seed with entities at some of its words (no dictionary needed).
fn open_with_entities(app: &mut App) {
    app.update(Msg::Open);
    let sha = app.requests.remove(0).sha;
    let text = std::fs::read_to_string("seeds/000_fb090d6bc539e31c.txt").unwrap();
    let mut spans = Vec::new();
    for (word, label) in [
        ("高轶鹏", Label::PER),
        ("高新区", Label::LOC),
        ("2月2日", Label::TIME),
        ("督查组", Label::ORG),
    ] {
        let n = word.chars().count();
        for (b, _) in text.match_indices(word) {
            let start = text[..b].chars().count();
            spans.push(Span::new(start, start + n, label));
        }
    }
    spans.sort();
    app.update(Msg::Detected {
        sha,
        analysis: Arc::new(Analysis {
            spans,
            words: Default::default(),
            ..Default::default()
        }),
    });
}

/// Both width settings, each on a terminal that measures the same way.
const MODES: [bool; 2] = [false, true];

#[test]
fn library_on_both_terminals() {
    for wide in MODES {
        let mut s = Session::new(seeds_app(100, 30, wide), wide);
        s.send(&[
            Msg::Down,
            Msg::Down,
            Msg::ToggleHelp,
            Msg::ToggleHelp,
            Msg::Up,
        ]);
    }
}

#[test]
fn reader_on_both_terminals() {
    for wide in MODES {
        let mut app = seeds_app(100, 30, wide);
        open_with_entities(&mut app);
        let mut s = Session::new(app, wide);
        s.send(&[Msg::PageDown, Msg::Down, Msg::NextEntity, Msg::PageUp]);
    }
}

#[test]
fn panel_and_help_on_both_terminals() {
    for wide in MODES {
        for (w, h) in [(100, 30), (72, 25)] {
            let mut app = seeds_app(w, h, wide);
            open_with_entities(&mut app);
            let mut s = Session::new(app, wide);
            s.send(&[
                Msg::TogglePanel,
                Msg::SwitchFocus,
                Msg::Down,
                Msg::Down,
                Msg::SwitchFocus,
                Msg::PageDown,
                Msg::ToggleHelp,
                Msg::ToggleHelp,
                Msg::TogglePanel,
                Msg::ToggleHelp,
                Msg::PageDown,
                Msg::ToggleHelp,
            ]);
        }
    }
}

#[test]
fn cancelling_a_selection_leaves_no_ink() {
    for wide in MODES {
        for (w, h) in [(100, 30), (72, 25), (80, 24)] {
            let mut app = seeds_app(w, h, wide);
            open_with_entities(&mut app);
            let mut s = Session::new(app, wide);
            s.send(&[Msg::Down, Msg::Right, Msg::Select]);
            // Far enough down to scroll while selecting, then cancel.
            s.send(&vec![Msg::Down; h as usize + 5]);
            s.send(&[Msg::Cancel]);
            s.send(&[
                Msg::Select,
                Msg::HalfPageDown,
                Msg::HalfPageDown,
                Msg::Cancel,
            ]);
        }
    }
}

/// Where an overlay (the entity panel, the help) is drawn over half of a wide character,
/// both halves are rewritten: the diff must include the cell that held the right half, or
/// terminals such as urxvt keep the cut character's half there as tofu.
#[test]
fn overlays_rewrite_both_halves_of_a_cut_wide_character() {
    for wide in MODES {
        for (w, h) in [(100, 30), (72, 25), (80, 24), (81, 24), (83, 27)] {
            for overlay in [Msg::TogglePanel, Msg::ToggleHelp] {
                let mut app = seeds_app(w, h, wide);
                open_with_entities(&mut app);
                let mut s = Session::new(app, wide);
                let before = s.prev.clone();
                s.send(std::slice::from_ref(&overlay));
                let after = s.prev.clone();
                let emitted = &s.emitted;
                let mut cut = 0;
                for y in 0..h {
                    for x in 1..w {
                        let (old, new) = (&before[(x - 1, y)], &after[(x - 1, y)]);
                        // A new wide character there is written over both cells.
                        if old.cell_width() > 1 && new.cell_width() <= 1 {
                            cut += 1;
                            assert!(
                                emitted.contains(&(x, y)),
                                "{overlay:?} at {w}x{h}: the right half at ({x}, {y}) of {:?} is not rewritten",
                                old.symbol()
                            );
                        }
                    }
                }
                assert!(cut > 0, "{overlay:?} at {w}x{h} cuts no wide character");
            }
        }
    }
}

/// A notice too long for the status bar grows it upwards over article text: the cells of
/// the text (wide characters with a forced width) must reach the terminal as the notice's
/// characters, every one of them.
#[test]
fn a_long_notice_over_the_text_reaches_the_terminal_whole() {
    let long = format!(
        "NOT SAVED: {}/annotations/000_fb090d6bc539e31c.json is read-only (no write permission); make it writable to save",
        "/tmp/a-rather-long-folder-name".repeat(2)
    );
    for wide in MODES {
        let mut app = seeds_app(80, 24, wide);
        open_with_entities(&mut app);
        let mut s = Session::new(app, wide);
        s.send(&[Msg::Down, Msg::Notice(long.clone())]);
        let last = (0..24)
            .map(|y| row_text(&s.screen.cells[y]))
            .collect::<Vec<_>>();
        let shown: String = last[21..].iter().map(|r| r.trim()).collect();
        assert!(
            shown.contains("is read-only (no write permission)"),
            "{last:#?}"
        );
        s.send(&[Msg::Down]);
    }
}
