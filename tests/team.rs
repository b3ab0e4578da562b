//! Teams: `inkmark agree` on annotators' folders, checked against hand-computed values
//! (the unit tests of src/team/agree.rs explain them) and, where available, scikit-learn.

use inkmark::annotation::anchor::fingerprint;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::label::Label::{self, *};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

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
    // A file that does not parse (here: an unknown label) stops the comparison.
    let bob = tmp.path().join("annotations/bob/a.json");
    let text = std::fs::read_to_string(&bob).unwrap();
    std::fs::write(&bob, text.replace("\"LOC\"", "\"PLACE_X\"")).unwrap();
    let out = run(tmp.path(), &["agree", "corpus", "--team", "annotations"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains("does not parse"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&bob).unwrap(),
        text.replace("\"LOC\"", "\"PLACE_X\"")
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
