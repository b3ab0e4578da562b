//! Review mode (`inkmark review`, issue 18 point 3): sessions driven through
//! `App::update`, the command line, and the real binary in tmux, checked in the gold JSON.

use inkmark::annotation::anchor::fingerprint;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::corpus;
use inkmark::label::Label;
const PER: Label = Label::PER;
const LOC: Label = Label::LOC;
const ORG: Label = Label::ORG;
use inkmark::positions::Positions;
use inkmark::team::Annotator;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::review::{ReviewKey, ReviewSession};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

/// 李培华 agreed; 北京大学 ORG (alice) vs 北京 LOC + 大学 ORG (bob); 张三 (alice) and 李四
/// (bob) touching; 上海市 LOC (alice) vs 上海 LOC (bob).
const TEXT: &str = "李培华在北京大学工作，张三李四来自上海市。";
const ALICE: &[(usize, usize, Label)] = &[(0, 3, PER), (4, 8, ORG), (11, 13, PER), (17, 20, LOC)];
const BOB: &[(usize, usize, Label)] = &[
    (0, 3, PER),
    (4, 6, LOC),
    (6, 8, ORG),
    (13, 15, PER),
    (17, 19, LOC),
];

fn slice(text: &str, s: usize, e: usize) -> String {
    text.chars().skip(s).take(e - s).collect()
}

/// Writes `who`'s annotation file for `article`, made on `text`.
fn annotate(dir: &Path, article: &str, text: &str, spans: &[(usize, usize, Label)], who: &str) {
    let sha = inkmark::detect::sha256_hex(text.as_bytes());
    let mut f = AnnotationFile::new(article, &sha, who);
    f.status = Status::Done;
    f.article_fingerprint = Some(fingerprint(text));
    f.entities = spans
        .iter()
        .map(|&(start, end, label)| Entity {
            start,
            end,
            label,
            text: slice(text, start, end),
            source: Source::Manual,
            by: Vec::new(),
        })
        .collect();
    let path = inkmark::annotation::file::annotation_path(dir, Path::new(article));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, f.to_json()).unwrap();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    /// corpus/a.txt, annotations/alice and annotations/bob (both done).
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("corpus")).unwrap();
        std::fs::write(root.join("corpus/a.txt"), TEXT).unwrap();
        annotate(
            &root.join("annotations/alice"),
            "a.txt",
            TEXT,
            ALICE,
            "alice",
        );
        annotate(&root.join("annotations/bob"), "a.txt", TEXT, BOB, "bob");
        Fixture { _tmp: tmp, root }
    }

    fn gold(&self) -> PathBuf {
        self.root.join("annotations/gold")
    }

    fn app(&self, names: &[&str]) -> App {
        let c = corpus::scan(&self.root.join("corpus")).unwrap();
        let mut app = App::new(
            c,
            self.gold(),
            WidthOptions::default(),
            Positions::default(),
        );
        app.annotator = "rev".into();
        app.review = Some(ReviewSession::new(
            names
                .iter()
                .map(|n| Annotator::from_dir(&self.root.join("annotations").join(n)))
                .collect(),
        ));
        app.update(Msg::Resize(80, 12));
        app
    }

    fn saved(&self) -> AnnotationFile {
        let s = std::fs::read_to_string(self.gold().join("a.json")).unwrap();
        AnnotationFile::parse(&s).unwrap()
    }
}

fn message(app: &App) -> String {
    app.message.clone().unwrap_or_default()
}

fn cursor(app: &App) -> usize {
    app.reader().unwrap().cursor
}

/// The gold set as (start, end, label, by).
fn gold_spans(app: &App) -> Vec<(usize, usize, Label, Vec<String>)> {
    app.reader()
        .unwrap()
        .ann
        .set
        .entities
        .iter()
        .map(|e| (e.start, e.end, e.label, e.by.clone()))
        .collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_review_session_walks_chooses_undoes_and_reopens_as_left() {
    let fx = Fixture::new();
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    // The agreed span is in the gold set at once; three disagreements wait.
    assert_eq!(
        gold_spans(&app),
        vec![(0, 3, PER, names(&["alice", "bob"]))]
    );
    let m = message(&app);
    assert!(m.contains("3 of 3 disagreements left"), "{m}");
    assert!(m.contains("1 agreed spans taken"), "{m}");

    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 4);
    assert_eq!(
        message(&app),
        "alice:ORG 北京大学 · bob:LOC 北京 + ORG 大学 (1 of 3, 3 left)"
    );
    app.update(Msg::Review(ReviewKey::Second));
    assert_eq!(
        message(&app),
        "took bob's: LOC 北京 + ORG 大学 (1 of 3, resolved; 2 left)"
    );
    // Changing one's mind on the same disagreement.
    app.update(Msg::Review(ReviewKey::First));
    assert!(message(&app).starts_with("took alice's: ORG 北京大学"));

    // `]` skips resolved ones: 张三|李四 next; both touch, so both can be kept.
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 11);
    assert!(message(&app).contains("alice:PER 张三 · bob:PER 李四"));
    app.update(Msg::Review(ReviewKey::Both));
    assert_eq!(
        message(&app),
        "took every version (2 of 3, resolved; 1 left)"
    );

    // 上海市 vs 上海 overlap: both is refused, with the reason.
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 17);
    app.update(Msg::Review(ReviewKey::Both));
    assert!(message(&app).contains("overlap"), "{}", message(&app));
    app.update(Msg::Review(ReviewKey::Neither));
    assert!(message(&app).ends_with("(3 of 3, resolved; 0 left)"));
    app.update(Msg::NextEntity);
    assert!(message(&app).contains("all disagreements resolved"));
    // Undo reopens it; `]` finds it again; the editing keys resolve it by hand.
    app.update(Msg::Undo);
    app.update(Msg::Top);
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 17);
    assert!(
        message(&app).ends_with("(3 of 3, 1 left)"),
        "{}",
        message(&app)
    );
    app.update(Msg::Select);
    app.update(Msg::Right);
    app.update(Msg::Right);
    app.update(Msg::Label(1)); // LOC over 上海市 by hand
    app.update(Msg::Top);
    app.update(Msg::NextEntity);
    assert!(message(&app).contains("all disagreements resolved"));

    app.update(Msg::Save);
    let f = fx.saved();
    assert_eq!(
        f.extra.get("source").and_then(|v| v.as_str()),
        Some("review")
    );
    assert_eq!(
        f.extra.get("reviewed"),
        Some(&serde_json::json!(["alice", "bob"]))
    );
    let got: Vec<(String, Source, Vec<String>)> = f
        .entities
        .iter()
        .map(|e| (e.text.clone(), e.source, e.by.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("李培华".into(), Source::Review, names(&["alice", "bob"])),
            ("北京大学".into(), Source::Review, names(&["alice"])),
            ("张三".into(), Source::Review, names(&["alice"])),
            ("李四".into(), Source::Review, names(&["bob"])),
            ("上海市".into(), Source::Manual, vec![]),
        ]
    );

    // Reopened: what was decided, nothing taken twice, nothing left.
    app.update(Msg::Back);
    app.update(Msg::Open);
    assert!(
        message(&app).contains("0 of 3 disagreements left"),
        "{}",
        message(&app)
    );
    assert!(!message(&app).contains("not written by review"));
    assert_eq!(gold_spans(&app).len(), 5);
    // Deleting a hand fix in the reopened article reopens its disagreement.
    app.update(Msg::Top);
    for _ in 0..17 {
        app.update(Msg::Right);
    }
    app.update(Msg::Delete);
    app.update(Msg::Top);
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 17);
}

#[test]
fn three_annotators_cycle_and_a_changed_article_skips_with_one_line() {
    let fx = Fixture::new();
    // carol marked 上海 as ORG.
    annotate(
        &fx.root.join("annotations/carol"),
        "a.txt",
        TEXT,
        &[(0, 3, PER), (17, 19, ORG)],
        "carol",
    );
    let mut app = fx.app(&["alice", "bob", "carol"]);
    app.update(Msg::Open);
    // 李培华 is the only span all three had.
    assert_eq!(gold_spans(&app).len(), 1);
    app.update(Msg::Bottom);
    app.update(Msg::PrevEntity);
    assert_eq!(cursor(&app), 17);
    assert!(
        message(&app).contains("carol:ORG 上海"),
        "{}",
        message(&app)
    );
    let mut taken = Vec::new();
    for _ in 0..4 {
        app.update(Msg::Review(ReviewKey::Cycle));
        taken.push(message(&app));
    }
    assert!(
        taken[0].starts_with("took alice's: LOC 上海市"),
        "{taken:?}"
    );
    assert!(taken[1].starts_with("took bob's: LOC 上海"), "{taken:?}");
    assert!(taken[2].starts_with("took carol's: ORG 上海"), "{taken:?}");
    assert!(taken[3].starts_with("took alice's"), "{taken:?}");
    let spans = gold_spans(&app);
    assert_eq!(spans.last().unwrap().0..spans.last().unwrap().1, 17..20);

    // alice's file was made on another version of the article, and her spans cannot be
    // found in this one: she is left out of it, with one line; never misaligned.
    let other = "完全不同的一篇文章，没有这些名字。";
    annotate(
        &fx.root.join("annotations/alice"),
        "a.txt",
        other,
        &[(0, 2, PER), (5, 7, ORG)],
        "alice",
    );
    let fx2_gold = fx.gold().join("a.json");
    std::fs::remove_file(&fx2_gold).ok();
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    let m = message(&app);
    assert!(
        m.contains("skipped alice: the article changed since alice annotated it"),
        "{m}"
    );
    // Only bob is compared: nothing counts as agreed, each of his spans waits.
    assert!(gold_spans(&app).is_empty());
    assert!(m.contains("4 of 4 disagreements left"), "{m}");
}

#[test]
fn a_file_made_on_an_older_version_of_the_article_is_re_anchored() {
    let fx = Fixture::new();
    // The article gained two characters at the start; alice annotated the new text,
    // bob's file is from before.
    let new_text = format!("今天{TEXT}");
    std::fs::write(fx.root.join("corpus/a.txt"), &new_text).unwrap();
    let shifted: Vec<(usize, usize, Label)> =
        ALICE.iter().map(|&(s, e, l)| (s + 2, e + 2, l)).collect();
    annotate(
        &fx.root.join("annotations/alice"),
        "a.txt",
        &new_text,
        &shifted,
        "alice",
    );
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    let m = message(&app);
    assert!(!m.contains("skipped"), "{m}");
    // 李培华 still agreed, at its new place; the three disagreements as before.
    assert_eq!(
        gold_spans(&app),
        vec![(2, 5, PER, names(&["alice", "bob"]))]
    );
    assert!(m.contains("3 of 3 disagreements left"), "{m}");
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 6);
    assert!(message(&app).starts_with("alice:ORG 北京大学 · bob:LOC 北京 + ORG 大学"));
}

#[test]
fn a_gold_folder_that_is_someones_annotations_is_said_and_kept() {
    let fx = Fixture::new();
    // An ordinary annotation file where the gold file would go.
    annotate(&fx.gold(), "a.txt", TEXT, &[(11, 13, ORG)], "carol");
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    let m = message(&app);
    assert!(m.contains("not written by review"), "{m}");
    // Nothing taken into it unasked; its span stands (and resolves the one under it).
    assert_eq!(gold_spans(&app), vec![(11, 13, ORG, vec![])]);
    assert!(m.contains("2 of 3 disagreements left"), "{m}");
}

#[test]
fn a_merge_on_save_with_another_writer_updates_what_is_left() {
    let fx = Fixture::new();
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    app.update(Msg::Save);
    // Another inkmark settles 张三|李四 in the same gold file meanwhile.
    let mut theirs = fx.saved();
    theirs.entities.push(Entity {
        start: 11,
        end: 13,
        label: PER,
        text: "张三".into(),
        source: Source::Manual,
        by: Vec::new(),
    });
    std::fs::write(fx.gold().join("a.json"), theirs.to_json()).unwrap();
    app.update(Msg::NextEntity);
    app.update(Msg::Review(ReviewKey::First));
    app.update(Msg::Save);
    assert!(message(&app).contains("merged"), "{}", message(&app));
    // Both decisions count at once, before any other key.
    assert_eq!(inkmark::tui::review::left(&app).unwrap(), "1/3 to review");
}

#[test]
fn the_first_bracket_stops_on_a_disagreement_at_the_cursor() {
    let fx = Fixture::new();
    // The very first characters are in dispute; the article opens with the cursor there.
    annotate(
        &fx.root.join("annotations/bob"),
        "a.txt",
        TEXT,
        &[(0, 3, LOC)],
        "bob",
    );
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    assert_eq!(cursor(&app), 0);
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 0);
    assert!(
        message(&app).starts_with("alice:PER 李培华 · bob:LOC 李培华 (1 of 4, 4 left)"),
        "{}",
        message(&app)
    );
    // Not fresh any more: on to the next.
    app.update(Msg::NextEntity);
    assert_eq!(cursor(&app), 4);
}

#[test]
fn bracket_in_a_long_article_reaches_a_disagreement_past_the_laid_out_part() {
    let fx = Fixture::new();
    // Over 1 MB: the reader lays out the beginning first. An agreed span near the start
    // (a mark well inside that part), the only disagreement near the end.
    let long: String = "一二三四五六七八九十。\n".repeat(100_000);
    let n = long.chars().count();
    std::fs::write(fx.root.join("corpus/a.txt"), &long).unwrap();
    let agreed = (100, 102, PER);
    annotate(
        &fx.root.join("annotations/alice"),
        "a.txt",
        &long,
        &[agreed, (n - 6, n - 4, LOC)],
        "alice",
    );
    annotate(
        &fx.root.join("annotations/bob"),
        "a.txt",
        &long,
        &[agreed],
        "bob",
    );
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    assert!(
        app.reader().unwrap().partial,
        "the test needs a partial layout"
    );
    app.update(Msg::NextEntity);
    let r = app.reader().unwrap();
    assert_eq!(r.cursor, n - 6);
    assert!(!r.partial, "laid out whole before jumping there");
    let line = r.layout.line_of(r.cursor);
    assert!(r.top <= line && line < r.top + 11, "on screen");
}

#[test]
fn reviewable_articles_and_the_corpus_figure() {
    let fx = Fixture::new();
    // b.txt: both done and alike (nothing to settle); c.txt: bob not done; d.txt: alice only.
    for (name, bob_status) in [("b.txt", Status::Done), ("c.txt", Status::InProgress)] {
        std::fs::write(fx.root.join("corpus").join(name), TEXT).unwrap();
        annotate(
            &fx.root.join("annotations/alice"),
            name,
            TEXT,
            ALICE,
            "alice",
        );
        annotate(&fx.root.join("annotations/bob"), name, TEXT, ALICE, "bob");
        let p = fx
            .root
            .join("annotations/bob")
            .join(name)
            .with_extension("json");
        let f = AnnotationFile::parse(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let mut f = f;
        f.status = bob_status;
        std::fs::write(&p, f.to_json()).unwrap();
    }
    std::fs::write(fx.root.join("corpus/d.txt"), TEXT).unwrap();
    annotate(
        &fx.root.join("annotations/alice"),
        "d.txt",
        TEXT,
        ALICE,
        "alice",
    );
    let annotators: Vec<Annotator> = ["alice", "bob"]
        .iter()
        .map(|n| Annotator::from_dir(&fx.root.join("annotations").join(n)))
        .collect();
    let corpus = corpus::list(&fx.root.join("corpus")).unwrap();
    let kept = inkmark::team::review::reviewable(&corpus, &annotators, &fx.gold(), false, 2, || {})
        .unwrap();
    // a: 3 open, b: nothing to settle, c and d: not reviewed.
    assert_eq!(kept, vec![Some(Some(3)), Some(Some(0)), None, None]);
    let all = inkmark::team::review::reviewable(&corpus, &annotators, &fx.gold(), true, 1, || {})
        .unwrap();
    assert_eq!(all, vec![Some(Some(3)), Some(Some(0)), Some(Some(0)), None]);

    // In the reader: this article's figure and the corpus's, kept up to date.
    let mut app = fx.app(&["alice", "bob"]);
    if let Some(s) = app.review.as_mut() {
        s.counts = vec![Some(3), Some(0), Some(0), Some(2)];
    }
    app.update(Msg::Open);
    let left = inkmark::tui::review::left(&app).unwrap();
    assert_eq!(left, "3/3 to review (corpus 5)");
    app.update(Msg::NextEntity);
    app.update(Msg::Review(ReviewKey::First));
    assert_eq!(
        inkmark::tui::review::left(&app).unwrap(),
        "2/3 to review (corpus 4)"
    );
    // A gold file already there: its decisions count before the article is opened.
    app.update(Msg::Back);
    let again =
        inkmark::team::review::reviewable(&corpus, &annotators, &fx.gold(), false, 1, || {})
            .unwrap();
    assert_eq!(again[0], Some(Some(2)));
}

#[test]
fn open_disagreements_are_marked_in_the_text_with_and_without_colour() {
    use ratatui::backend::TestBackend;
    use ratatui::style::Modifier;
    use ratatui::Terminal;
    for no_color in [false, true] {
        let fx = Fixture::new();
        let mut app = fx.app(&["alice", "bob"]);
        app.no_color = no_color;
        app.update(Msg::Open);
        let mut t = Terminal::new(TestBackend::new(80, 12)).unwrap();
        t.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        // Row 0: the text from column 1, two columns per character. 北 (offset 4) is in
        // an open disagreement; 在 (offset 3) is in none; 李 (offset 0) is agreed.
        let cell = |offset: u16| &buf[(1 + 2 * offset, 0)];
        assert_eq!(cell(4).symbol(), "北");
        assert!(
            cell(4).modifier.contains(Modifier::CROSSED_OUT),
            "no_color {no_color}"
        );
        assert!(!cell(3).modifier.contains(Modifier::CROSSED_OUT));
        assert!(!cell(0).modifier.contains(Modifier::CROSSED_OUT));
        // Resolved: no longer marked.
        app.update(Msg::NextEntity);
        app.update(Msg::Review(ReviewKey::First));
        t.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        assert!(!buf[(1 + 2 * 5, 0)].modifier.contains(Modifier::CROSSED_OUT));
        // The status bar counts what is left.
        let bar: String = (0..80).map(|x| buf[(x, 11)].symbol().to_string()).collect();
        assert!(bar.contains("(1 of 3, resolved; 2 left)"), "{bar}");
    }
}

fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    let empty = std::env::temp_dir().join("inkmark-review-test-empty");
    c.env("INKMARK_CONFIG_DIR", &empty)
        .env("INKMARK_STATE_DIR", &empty);
    c
}

#[test]
fn cli_checks_the_folders_before_anything_is_written() {
    let fx = Fixture::new();
    let run = |args: &[&str]| {
        let out = inkmark()
            .current_dir(&fx.root)
            .arg("review")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // A missing folder: one line, exit 1.
    let (code, err) = run(&[
        "corpus",
        "--annotations",
        "annotations/alice",
        "--annotations",
        "annotations/nobody",
        "--to",
        "annotations/gold",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(err.trim(), "inkmark: annotations/nobody: no such folder");
    // The gold folder must not be an annotator's.
    let (code, err) = run(&[
        "corpus",
        "--annotations",
        "annotations/alice",
        "--annotations",
        "annotations/bob",
        "--to",
        "annotations/bob",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("is bob's folder"), "{err}");
    // --to is required.
    let (code, _) = run(&["corpus", "--team", "annotations"]);
    assert_eq!(code, Some(2));
    // Nothing done by both: nothing to review (unless --all).
    annotate(&fx.root.join("annotations/bob"), "a.txt", TEXT, BOB, "bob");
    let path = fx.root.join("annotations/bob/a.json");
    let s = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, s.replace("\"done\"", "\"in_progress\"")).unwrap();
    let (code, err) = run(&[
        "corpus",
        "--team",
        "annotations",
        "--to",
        "annotations/gold",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("nothing to review"), "{err}");
    assert!(err.contains("alice, bob"), "{err}");
    // With --all (and --team, which leaves the gold folder out) the folders are fine:
    // only the terminal is missing here.
    std::fs::create_dir_all(fx.gold()).unwrap();
    annotate(&fx.gold(), "a.txt", TEXT, &[(0, 3, PER)], "rev");
    // A gold folder is known by its files' mark (review writes it); without it, a
    // subfolder holding annotation files is an annotator's.
    let path = fx.gold().join("a.json");
    let mut f = AnnotationFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    f.extra.insert("source".into(), "review".into());
    std::fs::write(&path, f.to_json()).unwrap();
    let before = std::fs::read_to_string(fx.gold().join("a.json")).unwrap();
    let (code, err) = run(&[
        "corpus",
        "--team",
        "annotations",
        "--to",
        "annotations/gold",
        "--all",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("needs a terminal"), "{err}");
    let after = std::fs::read_to_string(fx.gold().join("a.json")).unwrap();
    assert_eq!(before, after, "nothing written");
}

#[test]
fn tmux_review_takes_a_and_b_and_writes_the_gold_file() {
    if !common::Tmux::available() {
        eprintln!("note: tmux not installed; review end-to-end test skipped");
        return;
    }
    let fx = Fixture::new();
    let state = fx.root.join("state");
    let command = format!(
        "cd '{}' && INKMARK_CONFIG_DIR='{s}' INKMARK_STATE_DIR='{s}' '{}' review corpus --annotations annotations/alice --annotations annotations/bob --to annotations/gold --annotator rev",
        fx.root.display(),
        env!("CARGO_BIN_EXE_inkmark"),
        s = state.display(),
    );
    let t = common::Tmux::start("review", 100, 10, &command);
    t.wait_for("review: 1 article;");
    t.keys(&["Enter"]);
    t.wait_for("3 of 3 disagreements left");
    t.keys(&["]"]);
    t.wait_for("alice:ORG 北京大学 · bob:LOC 北京 + ORG 大学 (1 of 3, 3 left)");
    t.keys(&[","]);
    t.wait_for("took alice's: ORG 北京大学");
    t.keys(&["]"]);
    t.wait_for("alice:PER 张三 · bob:PER 李四");
    t.keys(&["."]);
    t.wait_for("took bob's: PER 李四 (2 of 3, resolved; 1 left)");
    // Back to the library saves.
    t.keys(&["q"]);
    t.wait_for("Enter open");
    let json = std::fs::read_to_string(fx.gold().join("a.json")).unwrap();
    t.keys(&["q"]);
    let f = AnnotationFile::parse(&json).unwrap();
    assert_eq!(f.annotator, "rev");
    assert_eq!(
        f.extra.get("source").and_then(|v| v.as_str()),
        Some("review")
    );
    let got: Vec<(usize, usize, Label, Vec<String>)> = f
        .entities
        .iter()
        .map(|e| (e.start, e.end, e.label, e.by.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 3, PER, names(&["alice", "bob"])),
            (4, 8, ORG, names(&["alice"])),
            (13, 15, PER, names(&["bob"])),
        ]
    );
    assert!(
        json.contains(r#""source": "review", "by": ["bob"]"#),
        "{json}"
    );
}

#[test]
fn the_entity_panel_lists_who_said_what_in_each_open_disagreement() {
    let fx = Fixture::new();
    let mut app = fx.app(&["alice", "bob"]);
    app.update(Msg::Open);
    app.update(Msg::TogglePanel);
    let rows = |app: &App| -> Vec<String> {
        let r = app.reader().unwrap();
        r.panel
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .filter_map(|row| match row {
                inkmark::tui::entities::PanelRow::Section(s) => Some(format!("# {s}")),
                inkmark::tui::entities::PanelRow::Item { text, .. } if text.contains(':') => {
                    Some(text.clone())
                }
                _ => None,
            })
            .collect()
    };
    let before = rows(&app);
    assert_eq!(before[0], "# to review: 3 open", "{before:?}");
    assert!(
        before.contains(&"alice:ORG 北京大学 · bob:LOC 北京 + ORG 大学".to_string()),
        "{before:?}"
    );
    // Enter on it goes there, as for any entity of the panel (the first item: `g`).
    app.update(Msg::Top);
    app.update(Msg::Confirm);
    assert_eq!(cursor(&app), 4);
    // A choice takes it off the list.
    app.update(Msg::Review(ReviewKey::Second));
    assert!(
        message(&app).contains("resolved; 2 left"),
        "{}",
        message(&app)
    );
    let after = rows(&app);
    assert_eq!(after[0], "# to review: 2 open", "{after:?}");
    assert!(!after.iter().any(|r| r.contains("北京大学")), "{after:?}");
}
