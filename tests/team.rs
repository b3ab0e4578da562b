//! Teams: `inkmark agree` on annotators' folders, checked against hand-computed values
//! (the unit tests of src/team/agree.rs explain them) and, where available, scikit-learn.

use inkmark::annotation::anchor::fingerprint;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::label::Label;

const PER: Label = Label::PER;
const LOC: Label = Label::LOC;
const ORG: Label = Label::ORG;
const TIME: Label = Label::TIME;
const QTY: Label = Label::QTY;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

mod common;

fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    let empty = std::env::temp_dir().join("inkmark-team-test-empty");
    c.env("INKMARK_CONFIG_DIR", &empty)
        .env("INKMARK_STATE_DIR", &empty);
    c
}

/// 20 characters, as the unit fixture.
const TEXT: &str = "王明在北京见到华为公司代表李雷，今天上午";

const A: &[(usize, usize, Label)] = &[
    (0, 2, PER),
    (3, 5, LOC),
    (6, 9, ORG),
    (10, 12, PER),
    (15, 17, TIME),
];
const B: &[(usize, usize, Label)] = &[
    (0, 2, PER),
    (3, 5, ORG),
    (6, 8, ORG),
    (13, 14, LOC),
    (15, 17, TIME),
];

fn slice(text: &str, s: usize, e: usize) -> String {
    text.chars().skip(s).take(e - s).collect()
}

/// Writes `who`'s annotation file for `article` (its text `text`) into `dir`.
fn annotate(
    dir: &Path,
    article: &str,
    text: &str,
    spans: &[(usize, usize, Label)],
    status: Status,
    who: &str,
) {
    let sha = inkmark::detect::sha256_hex(text.as_bytes());
    let mut f = AnnotationFile::new(article, &sha, who);
    f.status = status;
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

/// A corpus with the fixture article (`a.txt`) and a second one (`b.txt`) that only
/// alice finished; alice and bob annotated both.
fn fixture(root: &Path) {
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    std::fs::write(root.join("corpus/a.txt"), TEXT).unwrap();
    std::fs::write(root.join("corpus/b.txt"), TEXT).unwrap();
    let team = root.join("annotations");
    annotate(&team.join("alice"), "a.txt", TEXT, A, Status::Done, "alice");
    annotate(&team.join("bob"), "a.txt", TEXT, B, Status::Done, "bob");
    annotate(&team.join("alice"), "b.txt", TEXT, A, Status::Done, "alice");
    annotate(
        &team.join("bob"),
        "b.txt",
        TEXT,
        A,
        Status::InProgress,
        "bob",
    );
}

fn run(root: &Path, args: &[&str]) -> Output {
    inkmark().current_dir(root).args(args).output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[test]
fn agree_reports_the_hand_computed_figures_on_done_articles() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let out = run(
        tmp.path(),
        &[
            "agree",
            "corpus",
            "--annotations",
            "annotations/alice",
            "--annotations",
            "annotations/bob",
            "--json",
        ],
    );
    let r = json(&out);
    // b.txt is not done by bob: only a.txt counts.
    assert_eq!(r["articles"], 1);
    let p = &r["pairs"][0];
    assert_eq!(
        (p["a"].as_str(), p["b"].as_str()),
        (Some("alice"), Some("bob"))
    );
    assert!(close(&p["f1"], 0.4));
    assert!(close(&p["kappa"], 31.0 / 55.0));
    assert!(close(&p["labels"]["PER"]["f1"], 2.0 / 3.0));
    assert!(p["labels"]["QTY"]["f1"].is_null());
    let d = &p["disagreements"];
    assert_eq!(
        [&d["label"], &d["boundary"], &d["only_a"], &d["only_b"]],
        [1, 1, 1, 1]
    );
    assert!(r["fleiss_kappa"].is_null());

    // --all takes b.txt too, where they agree fully: counts double, 2 of them exact.
    let r = json(&run(
        tmp.path(),
        &[
            "agree",
            "corpus",
            "--team",
            "annotations",
            "--all",
            "--json",
            "--by-article",
        ],
    ));
    assert_eq!(r["articles"], 2);
    // 2 + 5 matched of 5 + 5 and 5 + 5 spans: F1 = 14/20.
    assert!(close(&r["pairs"][0]["f1"], 0.7));
    let rows = r["by_article"].as_array().unwrap();
    assert_eq!(rows[0]["article"], "a.txt", "worst first");
    assert!(close(&rows[0]["f1"], 0.4));
    assert!(close(&rows[1]["f1"], 1.0));

    // The text report says the same for people.
    let out = run(tmp.path(), &["agree", "corpus", "--team", "annotations"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("alice vs bob: span F1 0.400, kappa 0.564"),
        "{text}"
    );
    assert!(
        text.contains("disagreements 4: label 1, boundary 1"),
        "{text}"
    );
    // Labels in the label set's order.
    let at = |l: &str| text.find(&format!("  {l} ")).unwrap();
    assert!(at("PER") < at("LOC") && at("LOC") < at("ORG") && at("ORG") < at("TIME"));
}

#[test]
fn three_annotators_get_fleiss_kappa() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    annotate(
        &tmp.path().join("annotations/carol"),
        "a.txt",
        TEXT,
        A,
        Status::Done,
        "carol",
    );
    let r = json(&run(
        tmp.path(),
        &["agree", "corpus", "--team", "annotations", "--json"],
    ));
    assert_eq!(
        r["annotators"],
        serde_json::json!(["alice", "bob", "carol"])
    );
    assert_eq!(r["pairs"].as_array().unwrap().len(), 3);
    // Hand computation in src/team/agree.rs: 889/1249.
    assert!(close(&r["fleiss_kappa"], 889.0 / 1249.0));
}

#[test]
fn a_changed_article_is_reanchored_or_reported_never_compared_misaligned() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    // A line added above: every offset moves by 6, and re-anchoring follows the text.
    std::fs::write(
        tmp.path().join("corpus/a.txt"),
        format!("新华社电。\n{TEXT}"),
    )
    .unwrap();
    let args = ["agree", "corpus", "--team", "annotations", "--json"];
    let r = json(&run(tmp.path(), &args));
    assert_eq!(
        (r["articles"].as_u64(), r["reanchored"].as_u64()),
        (Some(1), Some(1))
    );
    // Same figures on the shifted text, except that kappa counts the 6 new O characters.
    assert!(close(&r["pairs"][0]["f1"], 0.4));
    assert_eq!(r["pairs"][0]["disagreements"]["label"], 1);

    // A text that lost bob's spans: reported, not compared.
    std::fs::write(tmp.path().join("corpus/a.txt"), "完全不同的文章。").unwrap();
    let r = json(&run(tmp.path(), &args));
    assert_eq!(r["articles"], 0);
    let skipped = &r["skipped"][0];
    assert_eq!(skipped["article"], "a.txt");
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .contains("cannot be re-anchored"),
        "{skipped}"
    );
}

#[test]
fn bad_input_is_one_clear_line_and_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    std::fs::create_dir_all(tmp.path().join("annotations/empty")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--annotations",
                "annotations/alice",
                "--annotations",
                "annotations/nobody",
            ],
            "annotations/nobody: no such folder",
        ),
        (
            &[
                "--annotations",
                "annotations/alice",
                "--annotations",
                "annotations/empty",
            ],
            "annotations/empty: no annotation files",
        ),
        (
            &["--annotations", "annotations/alice"],
            "two or more annotators",
        ),
        (&["--team", "missing"], "no folder missing"),
        (
            &[
                "--annotations",
                "annotations/alice",
                "--annotations",
                "annotations",
            ],
            "annotations: no annotation file for any article of corpus",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["agree", "corpus"];
        all.extend_from_slice(args);
        let out = run(tmp.path(), &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // A file that does not parse (here: a label name no set can hold) stops the comparison.
    let bob = tmp.path().join("annotations/bob/a.json");
    let text = std::fs::read_to_string(&bob).unwrap();
    std::fs::write(&bob, text.replace("\"LOC\"", "\"地点\"")).unwrap();
    let out = run(tmp.path(), &["agree", "corpus", "--team", "annotations"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains("does not parse"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&bob).unwrap(),
        text.replace("\"LOC\"", "\"地点\"")
    );
}

/// Cohen's kappa against scikit-learn's `cohen_kappa_score`, on the characters of the
/// fixture. Needs a venv with scikit-learn in target/skvenv (`python3 -m venv
/// target/skvenv && target/skvenv/bin/pip install scikit-learn`); skipped otherwise.
#[test]
fn cohen_kappa_matches_scikit_learn() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/skvenv/bin/python3");
    let has_sklearn = Command::new(&python)
        .args(["-c", "import sklearn"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_sklearn {
        eprintln!("SKIPPED: no scikit-learn in {}", python.display());
        return;
    }
    // Several articles of different lengths, so that the added-up counts are checked.
    let cases: Vec<(usize, Vec<inkmark::label::Span>, Vec<inkmark::label::Span>)> = vec![
        (20, spans(A), spans(B)),
        (
            30,
            spans(&[(1, 4, LOC), (10, 20, ORG)]),
            spans(&[(1, 3, LOC), (12, 20, ORG), (25, 27, QTY)]),
        ),
        (
            8,
            spans(&[(0, 8, TIME)]),
            spans(&[(0, 4, TIME), (4, 8, QTY)]),
        ),
    ];
    let mut total = inkmark::team::agree::Agreement::new(2);
    let (mut ya, mut yb) = (Vec::new(), Vec::new());
    for (len, a, b) in &cases {
        total.add(&inkmark::team::agree::compare_article(
            *len,
            &[a.clone(), b.clone()],
        ));
        ya.extend(chars(*len, a));
        yb.extend(chars(*len, b));
    }
    let script = format!(
        "from sklearn.metrics import cohen_kappa_score\nprint(repr(cohen_kappa_score({ya:?}, {yb:?})))"
    );
    let out = Command::new(&python)
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let ours = total.pairs[0].kappa().unwrap();
    assert!(
        (ours - theirs).abs() < 1e-12,
        "ours {ours}, scikit-learn {theirs}"
    );
}

fn spans(v: &[(usize, usize, Label)]) -> Vec<inkmark::label::Span> {
    v.iter()
        .map(|&(s, e, l)| inkmark::label::Span::new(s, e, l))
        .collect()
}

/// Each character's label name, "O" outside spans: what scikit-learn is given.
fn chars(len: usize, spans: &[inkmark::label::Span]) -> Vec<String> {
    let mut v = vec!["O".to_string(); len];
    for s in spans {
        for c in &mut v[s.start..s.end] {
            *c = s.label.name().to_string();
        }
    }
    v
}

/// The library of alice, in a team where bob finished a.txt and carol started b.txt.
fn team_library(root: &Path) -> inkmark::tui::app::App {
    use inkmark::tui::app::{App, Msg};
    fixture(root);
    annotate(
        &root.join("annotations/carol"),
        "b.txt",
        TEXT,
        A,
        Status::InProgress,
        "carol",
    );
    let corpus = inkmark::corpus::scan(&root.join("corpus")).unwrap();
    let mine = root.join("annotations/alice");
    let mut app = App::new(
        corpus,
        mine.clone(),
        inkmark::text::WidthOptions::default(),
        inkmark::positions::Positions::default(),
    );
    app.annotator = "alice".into();
    app.peers = inkmark::team::peers::siblings(&mine);
    // What the shell's peer loader sends.
    let batch = app
        .corpus
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                i,
                e.rel.clone(),
                inkmark::team::peers::states(&app.peers, &e.rel),
            )
        })
        .collect();
    app.update(Msg::Peers(batch));
    app.update(Msg::Resize(100, 8));
    app
}

fn library_rows(app: &inkmark::tui::app::App) -> Vec<String> {
    let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    inkmark::tui::view::draw_app(app, area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

#[test]
fn the_library_shows_who_else_annotated_each_article() {
    let tmp = tempfile::tempdir().unwrap();
    let app = team_library(tmp.path());
    let names: Vec<&str> = app.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["bob", "carol"]);
    let rows = library_rows(&app);
    let a = rows.iter().find(|r| r.contains("a.txt")).unwrap();
    let b = rows.iter().find(|r| r.contains("b.txt")).unwrap();
    // a.txt: bob done; b.txt: bob in progress, carol in progress.
    assert!(a.contains("bob✓ ") && !a.contains("carol"), "{a}");
    assert!(b.contains("bob~ carol~"), "{b}");
}

#[test]
fn assign_writes_a_plan_and_the_library_filters_to_mine() {
    use inkmark::tui::app::Msg;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    for i in 0..10 {
        std::fs::write(root.join(format!("corpus/{i:02}.txt")), format!("第{i}篇")).unwrap();
    }
    let args = [
        "assign",
        "corpus",
        "--team",
        "alice,bob",
        "--overlap",
        "0.2",
    ];
    let out = run(root, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(root.join("annotations/assignment.json")).unwrap();
    let plan: Value = serde_json::from_str(&text).unwrap();
    // 2 doubles + 8 singles: 6 each.
    assert_eq!(plan["double"].as_array().unwrap().len(), 2);
    assert_eq!(plan["annotators"]["alice"].as_array().unwrap().len(), 6);
    assert_eq!(plan["annotators"]["bob"].as_array().unwrap().len(), 6);
    // A second run does not replace the plan people work from, unless told to.
    let again = run(root, &args);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(root.join("annotations/assignment.json")).unwrap(),
        text
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(run(root, &forced).status.success());
    assert_eq!(
        std::fs::read_to_string(root.join("annotations/assignment.json")).unwrap(),
        text,
        "deterministic"
    );

    // `check` on the folder does not take the plan for an annotation file.
    let out = run(root, &["check", "corpus", "--annotations", "annotations"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // alice's library: `m` shows only her six.
    let corpus = inkmark::corpus::scan(&root.join("corpus")).unwrap();
    let mine = root.join("annotations/alice");
    let mut app = inkmark::tui::app::App::new(
        corpus,
        mine.clone(),
        inkmark::text::WidthOptions::default(),
        inkmark::positions::Positions::default(),
    );
    app.annotator = "alice".into();
    app.assigned = inkmark::team::assign::mine(&mine, "alice").unwrap();
    assert_eq!(app.library.visible.len(), 10);
    app.update(Msg::ToggleMine);
    let shown: Vec<String> = app
        .library
        .visible
        .iter()
        .map(|&i| app.corpus.entries[i].rel.to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = plan["annotators"]["alice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, want);
    app.update(Msg::ToggleMine);
    assert_eq!(app.library.visible.len(), 10);
}

#[test]
fn a_named_annotator_gets_a_folder_of_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    // `check` (like every command) finds alice's folder from --annotator alone.
    let out = run(tmp.path(), &["check", "corpus", "--annotator", "alice"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("annotations/alice"), "{stdout}");
    // And from the user config.
    let cfg = tmp.path().join("cfg");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("config.toml"), "annotator = \"bob\"\n").unwrap();
    let out = inkmark()
        .current_dir(tmp.path())
        .env("INKMARK_CONFIG_DIR", &cfg)
        .args(["stats", "corpus", "--json"])
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["by_status"]["in_progress"], 1, "bob's b.txt: {s}");
    // Without a name: annotations/ as before (it holds no files of its own here).
    let out = run(tmp.path(), &["stats", "corpus", "--json"]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["annotated"], 0, "{s}");
}

/// Runs git in `dir` with a fixed identity; panics with git's words on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "pull.rebase=false",
        ])
        .args(args)
        .env("INKMARK", env!("CARGO_BIN_EXE_inkmark"))
        .env("INKMARK_CORPUS", "corpus")
        .env(
            "INKMARK_CONFIG_DIR",
            std::env::temp_dir().join("inkmark-team-test-empty"),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The team workflow of the README: one repository, two clones, each annotator commits
/// only their folder through the pre-commit hook; pulls merge without conflicts and
/// `agree` reads both folders.
#[test]
fn two_clones_annotate_apart_and_merge_without_conflict() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no git");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    git(t, &["init", "--bare", "-q", "origin.git"]);
    git(t, &["clone", "-q", "origin.git", "alice"]);
    let (a, b) = (t.join("alice"), t.join("bob"));
    // The corpus and the hook, committed once.
    std::fs::create_dir_all(a.join("corpus")).unwrap();
    std::fs::write(a.join("corpus/a.txt"), TEXT).unwrap();
    std::fs::create_dir_all(a.join("hooks")).unwrap();
    let hook = a.join("hooks/pre-commit");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit"),
        &hook,
    )
    .unwrap();
    git(&a, &["add", "."]);
    git(&a, &["commit", "-q", "-m", "corpus"]);
    git(&a, &["push", "-q", "origin", "HEAD:main"]);
    git(t, &["clone", "-q", "-b", "main", "origin.git", "bob"]);
    for clone in [&a, &b] {
        git(clone, &["config", "core.hooksPath", "hooks"]);
    }

    // Each annotates in their own folder and commits it (the hook checks it).
    annotate(
        &a.join("annotations/alice"),
        "a.txt",
        TEXT,
        A,
        Status::Done,
        "alice",
    );
    git(&a, &["add", "annotations"]);
    git(&a, &["commit", "-q", "-m", "alice: a.txt"]);
    annotate(
        &b.join("annotations/bob"),
        "a.txt",
        TEXT,
        B,
        Status::Done,
        "bob",
    );
    git(&b, &["add", "annotations"]);
    git(&b, &["commit", "-q", "-m", "bob: a.txt"]);

    // alice pushes first; bob pulls (a merge: no conflict) and pushes; alice pulls.
    git(&a, &["push", "-q", "origin", "HEAD:main"]);
    git(&b, &["pull", "-q", "--no-edit", "origin", "main"]);
    git(&b, &["push", "-q", "origin", "HEAD:main"]);
    git(&a, &["pull", "-q", "--no-edit", "origin", "main"]);
    for clone in [&a, &b] {
        assert!(git(clone, &["status", "--porcelain"]).is_empty());
        let r = json(&run(
            clone,
            &["agree", "corpus", "--team", "annotations", "--json"],
        ));
        assert_eq!(r["annotators"], serde_json::json!(["alice", "bob"]));
        assert_eq!(r["articles"], 1);
        assert!(close(&r["pairs"][0]["f1"], 0.4));
    }

    // The hook refuses a broken annotation file, and the commit does not happen.
    let path = a.join("annotations/alice/a.json");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, good.replace("\"start\": 0", "\"start\": 1")).unwrap();
    git(&a, &["add", "annotations"]);
    let out = Command::new("git")
        .current_dir(&a)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["commit", "-q", "-m", "broken"])
        .env("INKMARK", env!("CARGO_BIN_EXE_inkmark"))
        .env("INKMARK_CORPUS", "corpus")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the hook let a broken file through");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not pass inkmark check"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(git(&a, &["log", "-1", "--format=%s"]).trim(), "broken");
}

/// The real binary in tmux: `--annotator alice` alone picks annotations/alice, the
/// peers' loader fills in bob's and carol's marks, and `m` filters to alice's plan.
#[test]
fn the_reader_in_a_terminal_shows_peers_and_filters_to_mine() {
    if !common::Tmux::available() {
        eprintln!("note: tmux not installed; end-to-end test skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fixture(root);
    annotate(
        &root.join("annotations/carol"),
        "b.txt",
        TEXT,
        A,
        Status::InProgress,
        "carol",
    );
    let plan = r#"{"format": "inkmark-assign/1", "team": ["alice", "bob"], "overlap": 0.0,
        "double": [], "annotators": {"alice": ["b.txt"], "bob": ["a.txt"]}}"#;
    std::fs::write(root.join("annotations/assignment.json"), plan).unwrap();
    let state = root.join("state");
    let command = format!(
        "cd '{}' && INKMARK_CONFIG_DIR='{s}' INKMARK_STATE_DIR='{s}' '{}' corpus --annotator alice",
        root.display(),
        env!("CARGO_BIN_EXE_inkmark"),
        s = state.display(),
    );
    let t = common::Tmux::start("team", 110, 8, &command);
    let s = t.wait_for("bob~ carol~");
    assert!(s.contains("annotations in annotations/alice/"), "{s}");
    assert!(s.contains("bob✓"), "{s}");
    t.keys(&["m"]);
    let s = t.wait_for("only mine: 1 assigned to alice");
    assert!(s.contains("b.txt") && !s.contains("a.txt"), "{s}");
    t.keys(&["q"]);
}
