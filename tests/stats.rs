//! The stats view (`S` in the library) and `inkmark stats` on a terminal: rendered
//! frames, the keys that open and close it, the computation off the UI thread, and the
//! command piped (plain text as before) and in tmux (charts).

use inkmark::annotation::file::{annotation_path, Entity, Source};
use inkmark::annotation::{AnnotationFile, Status};
use inkmark::detect::sha256_hex;
use inkmark::label::Label;
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::modes::{spawn_stats, stats_job, StatsReady};
use inkmark::tui::{keys, stats_view, view};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

mod common;

const PER: Label = Label::PER;
const LOC: Label = Label::LOC;
const ORG: Label = Label::ORG;
const TIME: Label = Label::TIME;
const QTY: Label = Label::QTY;

const TEXT: &str = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉";

fn write(dir: &Path, article: &str, status: Status, spans: &[(usize, usize, Label)]) {
    let mut f = AnnotationFile::new(article, &sha256_hex(TEXT.as_bytes()), "t");
    f.status = status;
    f.entities = spans
        .iter()
        .map(|&(start, end, label)| Entity {
            start,
            end,
            label,
            text: TEXT.chars().skip(start).take(end - start).collect(),
            source: Source::Manual,
            by: Vec::new(),
        })
        .collect();
    let path = annotation_path(dir, Path::new(article));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, f.to_json()).unwrap();
}

/// A corpus of four articles under `root/corpus`; alice's folder `root/ann/alice` and
/// bob's beside it (span F1 0.4 on the one article both marked done); three train runs.
/// Returns (corpus, alice's folder).
fn team_fixture(root: &Path) -> (PathBuf, PathBuf) {
    let corpus = root.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for a in ["a", "b", "c", "d"] {
        std::fs::write(corpus.join(format!("{a}.txt")), TEXT).unwrap();
    }
    let (alice, bob) = (root.join("ann/alice"), root.join("ann/bob"));
    let a_spans = [
        (0, 2, PER),
        (3, 5, LOC),
        (6, 9, ORG),
        (10, 12, PER),
        (15, 17, TIME),
    ];
    let b_spans = [
        (0, 2, PER),
        (3, 5, ORG),
        (6, 8, ORG),
        (13, 14, LOC),
        (15, 17, TIME),
    ];
    write(&alice, "a.txt", Status::Done, &a_spans);
    write(&alice, "b.txt", Status::InProgress, &[(1, 3, QTY)]);
    write(&alice, "c.txt", Status::Todo, &[]);
    write(&bob, "a.txt", Status::Done, &b_spans);
    write(&bob, "b.txt", Status::Done, &[(1, 3, QTY)]);
    std::fs::write(
        alice.join(inkmark::learn::HISTORY_FILE),
        [
            r#"{"current_f1":0.41,"new_f1":0.52,"kept":true}"#,
            r#"{"current_f1":0.52,"new_f1":0.49,"kept":false}"#,
            r#"{"current_f1":0.52,"new_f1":0.64,"kept":true}"#,
            "",
        ]
        .join("\n"),
    )
    .unwrap();
    (corpus, alice)
}

fn team_app(root: &Path, w: u16, h: u16) -> App {
    let (corpus, alice) = team_fixture(root);
    let corpus = inkmark::corpus::scan(&corpus).unwrap();
    let mut app = App::new(corpus, alice, WidthOptions::default(), Positions::default());
    app.peers = inkmark::team::peers::siblings(&app.annotations_dir);
    app.update(Msg::Resize(w, h));
    app
}

/// Opens the stats view and delivers its numbers as the shell would (computed here,
/// synchronously).
fn open_stats(app: &mut App) {
    app.update(Msg::ToggleStats);
    assert!(app.stats.open && app.stats.wanted);
    app.stats.wanted = false;
    let data = Arc::new(inkmark::stats::compute(&stats_job(app)));
    let generation = app.stats.generation;
    app.update(Msg::StatsReady(StatsReady { generation, data }));
}

fn screen(app: &App) -> String {
    use ratatui::buffer::CellWidth;
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let cell = &buf[(x, y)];
            out.push_str(cell.symbol());
            x += cell.cell_width().max(1);
        }
        out.push_str("│\n");
    }
    out
}

#[test]
fn stats_view_80x24() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    open_stats(&mut app);
    let s = screen(&app);
    assert!(s.contains("Agreement"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn stats_view_40x12() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 40, 12);
    open_stats(&mut app);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn stats_view_wide_shows_two_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 120, 20);
    open_stats(&mut app);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn computing_is_shown_until_the_numbers_arrive_and_stale_ones_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    app.update(Msg::ToggleStats);
    assert!(screen(&app).contains("computing…"));
    let data = Arc::new(inkmark::stats::compute(&stats_job(&app)));
    // Numbers of an earlier opening are not shown.
    let stale = app.stats.generation - 1;
    app.update(Msg::StatsReady(StatsReady {
        generation: stale,
        data: data.clone(),
    }));
    assert!(screen(&app).contains("computing…"));
    let generation = app.stats.generation;
    app.update(Msg::StatsReady(StatsReady { generation, data }));
    let s = screen(&app);
    assert!(
        !s.contains("computing…") && s.contains("Articles by status"),
        "{s}"
    );
}

#[test]
fn reopening_while_a_computation_runs_waits_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    app.update(Msg::ToggleStats);
    // The shell starts the first computation.
    app.stats.wanted = false;
    app.stats.running = true;
    let first = app.stats.generation;
    app.update(Msg::ToggleStats);
    app.update(Msg::ToggleStats);
    assert!(app.stats.open && app.stats.wanted);
    assert!(app.stats.running, "the shell starts no second one yet");
    // The first one's numbers arrive: not shown (an earlier opening), and the shell may
    // now start the one wanted.
    let data = Arc::new(inkmark::stats::compute(&stats_job(&app)));
    app.update(Msg::StatsReady(StatsReady {
        generation: first,
        data,
    }));
    assert!(!app.stats.running && app.stats.wanted);
    assert!(app.stats.data.is_none());
    // A failure says so instead of `computing…`.
    app.stats.running = true;
    let generation = app.stats.generation;
    app.update(Msg::StatsFailed {
        generation,
        error: "the computation crashed".into(),
    });
    assert!(!app.stats.running);
    assert!(screen(&app).contains("stats failed: the computation crashed"));
}

#[test]
fn the_numbers_are_computed_on_a_thread_and_arrive_as_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    app.update(Msg::ToggleStats);
    let (tx, rx) = std::sync::mpsc::channel();
    let ui = std::thread::current().id();
    spawn_stats(stats_job(&app), app.stats.generation, move |m| {
        tx.send((std::thread::current().id(), m)).unwrap();
    });
    let (worker, msg) = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    assert_ne!(worker, ui, "computed off the calling thread");
    let Msg::StatsReady(ready) = &msg else {
        panic!("{msg:?}")
    };
    assert_eq!(ready.data.articles, 4);
    app.update(msg);
    assert!(app.stats.data.is_some());
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Presses a key as the shell does: mapped, then applied.
fn press(app: &mut App, c: KeyCode) {
    if let Some(m) = keys::map_key(app, key(c)) {
        app.update(m);
    }
}

#[test]
fn the_stats_key_opens_it_and_esc_q_or_the_key_again_close_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    for close in [KeyCode::Esc, KeyCode::Char('q'), KeyCode::Char('S')] {
        press(&mut app, KeyCode::Char('S'));
        assert!(app.stats.open, "S opens the stats view");
        // Library keys do nothing behind it.
        let selected = app.library.selected;
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Char('s'));
        assert_eq!(app.library.selected, selected);
        assert!(app.stats.open);
        press(&mut app, close);
        assert!(!app.stats.open, "{close:?} closes it");
        assert!(!app.should_quit, "q closes the view, not the program");
    }
    // From the reader too, which saves first: the figures come from the files.
    press(&mut app, KeyCode::Enter);
    assert!(app.reader().is_some());
    // `v` `l` on alice's PER 0..2 selects just it (qa2 9g): LOC is a change.
    for m in [Msg::Select, Msg::Right, Msg::Label(1)] {
        app.update(m);
    }
    assert!(app.unsaved());
    press(&mut app, KeyCode::Char('S'));
    assert!(app.stats.open);
    assert!(!app.unsaved(), "saved on opening");
    press(&mut app, KeyCode::Esc);
    assert!(!app.stats.open && app.reader().is_some());
}

#[test]
fn the_stats_key_is_configurable() {
    use std::collections::BTreeMap;
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    let cfg: BTreeMap<String, Vec<String>> = [("stats".to_string(), vec!["F5".to_string()])]
        .into_iter()
        .collect();
    app.keymap = keys::KeyMap::new(&cfg, &BTreeMap::new()).unwrap();
    press(&mut app, KeyCode::Char('S'));
    assert!(!app.stats.open, "S is no longer the stats key");
    press(&mut app, KeyCode::F(5));
    assert!(app.stats.open);
    assert!(screen(&app).contains("F5 Esc q close"));
    press(&mut app, KeyCode::F(5));
    assert!(!app.stats.open);
    // The library's help names the key in effect.
    press(&mut app, KeyCode::Char('?'));
    assert!(screen(&app).contains("F5"));
}

/// Every row inside the view's box ends at its right border: nothing overflows.
#[test]
fn every_size_renders_inside_its_box_without_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    open_stats(&mut app);
    for (w, h) in [
        (24, 6),
        (30, 8),
        (40, 12),
        (60, 15),
        (80, 24),
        (99, 30),
        (100, 10),
        (200, 60),
    ] {
        app.update(Msg::Resize(w, h));
        let s = screen(&app);
        let rows: Vec<&str> = s.lines().collect();
        for row in &rows[1..rows.len() - 1] {
            let cells: Vec<char> = row.chars().collect();
            assert_eq!(cells[cells.len() - 2], '│', "{w}x{h}:\n{s}");
        }
    }
    // Tiny areas, straight through the drawing function.
    let data = app.stats.data.clone().unwrap();
    for (w, h) in [(1, 1), (10, 3), (3, 10), (15, 2)] {
        let area = ratatui::layout::Rect::new(0, 0, w, h);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        stats_view::render(Some(&data), area, &mut buf, &stats_view::Look::default());
    }
    app.update(Msg::Resize(10, 3));
    screen(&app);
}

#[test]
fn sections_without_data_say_so_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), TEXT).unwrap();
    let corpus = inkmark::corpus::scan(&corpus).unwrap();
    let mut app = App::new(
        corpus,
        tmp.path().join("annotations"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(80, 24));
    open_stats(&mut app);
    let s = screen(&app);
    for line in [
        "entities: none confirmed yet",
        "annotators: one (no team folders beside this one)",
        "agreement: needs two annotators' folders",
        "model: no train runs yet (inkmark train)",
    ] {
        assert!(s.contains(line), "{line}:\n{s}");
    }
    assert!(s.contains("Articles by status · 1"), "{s}");
}

#[test]
fn labels_are_drawn_in_their_reader_colours() {
    use ratatui::style::Color;
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    open_stats(&mut app);
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view::draw(&app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    // The bar of each label row has the label's colour (the reader's PER is 160, LOC 28).
    let row_of = |label: &str| {
        (0..24)
            .find(|&y| {
                let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
                line.trim_start_matches('│').starts_with(label)
            })
            .unwrap()
    };
    for (label, colour) in [("PER", 160), ("LOC", 28)] {
        let y = row_of(label);
        let x = (1..80).find(|&x| buf[(x, y)].symbol() == "█").unwrap();
        assert_eq!(buf[(x, y)].fg, Color::Indexed(colour), "{label}");
    }
}

fn inkmark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_inkmark"))
}

#[test]
fn stats_piped_is_the_plain_table_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, alice) = team_fixture(tmp.path());
    let out = inkmark()
        .env("INKMARK_CONFIG_DIR", tmp.path())
        .arg("stats")
        .arg(&corpus)
        .arg("--annotations")
        .arg(&alice)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let c = inkmark::corpus::scan(&corpus).unwrap();
    let want = inkmark::headless::stats(&c, &alice, 5, || {}).render();
    assert_eq!(text, want);
    assert!(!text.contains('\x1b') && !text.contains('█'));
    assert!(
        text.starts_with("articles   4 (3 with annotations)\n"),
        "{text}"
    );
}

#[test]
fn stats_on_a_terminal_draws_bars() {
    if !common::Tmux::available() {
        eprintln!("note: tmux not installed; tmux test skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, alice) = team_fixture(tmp.path());
    let done = tmp.path().join("exit");
    let command = format!(
        "INKMARK_CONFIG_DIR={d} {bin} stats {c} --annotations {a}; echo $? > {e}; sleep 60",
        d = tmp.path().display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
        c = corpus.display(),
        a = alice.display(),
        e = done.display(),
    );
    let t = common::Tmux::start("stats", 80, 30, &command);
    assert_eq!(common::wait_file(&done).trim(), "0");
    let s = t.wait_for("latest");
    assert!(s.contains("█"), "bars drawn:\n{s}");
    assert!(s.contains("Done per annotator"), "{s}");
    assert!(s.contains("alice/bob"), "{s}");
    assert!(s.contains("latest 0.64"), "{s}");
}

#[test]
fn ambiguous_wide_terminals_get_ascii_bars_and_no_color_plain_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = team_app(tmp.path(), 80, 24);
    app.opts.ambiguous_wide = true;
    app.no_color = true;
    open_stats(&mut app);
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view::draw(&app, f)).unwrap();
    let buf = t.backend().buffer();
    let s = screen(&app);
    assert!(s.contains("PER  2 ###"), "{s}");
    for cell in buf.content() {
        let sym = cell.symbol();
        assert!(sym.is_ascii(), "{sym:?} is not narrow in both modes:\n{s}");
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{s}");
    }
    // The same for `inkmark stats` on such a terminal.
    let look = stats_view::Look {
        no_color: true,
        ascii: true,
        labels: Default::default(),
    };
    let out = stats_view::to_ansi(app.stats.data.as_deref().unwrap(), 80, &look, app.opts);
    let plain = out.replace("\x1b[0m", "").replace("\x1b[7m", "");
    assert!(plain.contains("PER  2 ###"), "{out}");
    assert!(!out.contains("38;5"), "no colours: {out}");
}

#[test]
fn s_in_the_library_of_a_real_terminal_shows_the_charts_and_esc_closes_them() {
    if !common::Tmux::available() {
        eprintln!("note: tmux not installed; tmux test skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, alice) = team_fixture(tmp.path());
    let done = tmp.path().join("exit");
    let command = format!(
        "INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} {c} --annotations {a}; echo $? > {e}",
        d = tmp.path().display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
        c = corpus.display(),
        a = alice.display(),
        e = done.display(),
    );
    let t = common::Tmux::start("stats-tui", 80, 24, &command);
    t.wait_for("1/4 done");
    t.keys(&["S"]);
    // Computed by the shell's thread, then drawn.
    let s = t.wait_for("Corpus model held-out F1");
    assert!(s.contains("alice/bob 0.40"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("a.txt");
    t.keys(&["q"]);
    assert_eq!(common::wait_file(&done).trim(), "0");
}

#[test]
fn labels_outside_the_set_are_marked_and_numbers_stand_apart_from_bars() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, alice) = team_fixture(tmp.path());
    let gpe = Label::new("GPE").unwrap();
    write(&alice, "d.txt", Status::Todo, &[(0, 2, gpe), (3, 5, gpe)]);
    let mut app = team_app(tmp.path(), 80, 30);
    open_stats(&mut app);
    let s = screen(&app);
    assert!(s.contains("GPE  2 (not in the label set) "), "{s}");
    assert!(!s.contains("PER  (not"), "{s}");
    assert!(s.contains("todo        2 █"), "{s}");
    assert!(s.contains("alice 1/4, 1 in progress █"), "{s}");
    // `inkmark stats` on a terminal marks it too.
    let d = app.stats.data.as_deref().unwrap();
    let look = stats_view::Look::default();
    let out = stats_view::to_ansi(d, 200, &look, app.opts);
    assert!(out.contains("(not in the label set)"), "{out}");
}
