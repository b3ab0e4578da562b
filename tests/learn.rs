//! The trained tagger and learning from the annotator, through the real binary: `train`
//! then `detect`, a damaged corpus model, and (in tmux) marking an article done changing
//! the suggestions of another.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

mod common;
use common::Tmux;

fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    // Settings and caches of the user running the tests must not leak in.
    c.env("INKMARK_CONFIG_DIR", "/nonexistent-inkmark-config")
        .env("INKMARK_CACHE_DIR", "/nonexistent-inkmark-cache");
    c
}

/// A paragraph in which the annotator marks 目前 as TIME (the base detector does not
/// suggest it) and 凌昌电力公司 as ORG.
fn paragraph(i: usize) -> String {
    format!("目前，凌昌电力公司第{i}小组已完成检查，记者在现场看到工人正在抢修线路。\n")
}

/// An annotation file for `text` marking every 目前 TIME and every 凌昌电力公司 ORG.
fn annotation(article: &str, text: &str, status: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut entities = Vec::new();
    for (needle, label) in [("目前", "TIME"), ("凌昌电力公司", "ORG")] {
        let n: Vec<char> = needle.chars().collect();
        for i in 0..chars.len().saturating_sub(n.len() - 1) {
            if chars[i..i + n.len()] == n[..] {
                entities.push(serde_json::json!({
                    "start": i, "end": i + n.len(), "label": label, "text": needle, "source": "manual"
                }));
            }
        }
    }
    entities.sort_by_key(|e| e["start"].as_u64());
    serde_json::to_string_pretty(&serde_json::json!({
        "format": "inkmark/1",
        "article": article,
        "article_sha256": inkmark::detect::sha256_hex(text.as_bytes()),
        "annotator": "test",
        "status": status,
        "updated": "2026-12-01T00:00:00Z",
        "entities": entities,
        "rejected": [],
    }))
    .unwrap()
}

/// A corpus of `done` annotated articles plus one unannotated article `new.txt`.
fn corpus(dir: &Path, done: usize, status: &str) {
    corpus_of(dir, done, 60, status)
}

/// [`corpus`] with `per_article` paragraphs per article.
fn corpus_of(dir: &Path, done: usize, per_article: usize, status: &str) {
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::create_dir_all(dir.join("ann")).unwrap();
    for a in 0..done {
        let text: String = (0..per_article)
            .map(|i| paragraph(a * per_article + i))
            .collect();
        let name = format!("a{a}.txt");
        std::fs::write(dir.join("docs").join(&name), &text).unwrap();
        std::fs::write(
            dir.join("ann").join(format!("a{a}.json")),
            annotation(&name, &text, status),
        )
        .unwrap();
    }
    std::fs::write(dir.join("docs/new.txt"), "目前，凌昌电力公司已恢复供电。\n").unwrap();
}

/// `inkmark train FLAGS --annotations DIR/ann DIR/docs`.
fn train(dir: &Path, flags: &[&str]) -> std::process::Output {
    inkmark()
        .arg("train")
        .args(flags)
        .arg("--annotations")
        .arg(dir.join("ann"))
        .arg(dir.join("docs"))
        .output()
        .unwrap()
}

fn detect(dir: &Path, extra: &[&str]) -> (Value, String) {
    let out = inkmark()
        .arg("detect")
        .arg(dir.join("docs/new.txt"))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn has(v: &Value, text: &str, label: &str) -> bool {
    v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == text && e["label"] == label)
}

/// [`has`], suggested by the model (not by the annotator's confirmed texts).
fn model_has(v: &Value, text: &str, label: &str) -> bool {
    v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == text && e["label"] == label && e["source"] == "model")
}

#[test]
fn train_then_detect_suggests_what_the_annotator_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 3, "done");
    let ann = dir.path().join("ann");
    let ann_arg = ann.to_str().unwrap();
    let (before, _) = detect(dir.path(), &["--annotations", ann_arg]);
    assert!(!model_has(&before, "目前", "TIME"), "{before}");
    // Every entity has a score between 0 and 1.
    for e in before["entities"].as_array().unwrap() {
        let s = e["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s), "{e}");
    }

    let out = train(dir.path(), &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["articles"], 3, "{report}");
    assert_eq!(report["kept"], true, "{report}");
    assert!(
        report["new_f1"].as_f64().unwrap() > report["current_f1"].as_f64().unwrap(),
        "{report}"
    );
    assert!(report["labels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "TIME"));
    assert!(ann.join("model.inkm").exists());
    let history = std::fs::read_to_string(ann.join("train-history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);

    let (after, _) = detect(dir.path(), &["--annotations", ann_arg]);
    assert!(model_has(&after, "目前", "TIME"), "{after}");
    assert!(model_has(&after, "凌昌电力公司", "ORG"), "{after}");
    assert_ne!(after["detector"], before["detector"]);
    // --no-model goes back to the base model.
    let (base, _) = detect(dir.path(), &["--annotations", ann_arg, "--no-model"]);
    assert_eq!(base["detector"], before["detector"]);
}

#[test]
fn detect_with_annotations_suggests_what_was_confirmed_there_before_any_training() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 1, "in_progress");
    let (plain, _) = detect(dir.path(), &[]);
    assert!(!has(&plain, "目前", "TIME"), "{plain}");
    let ann = dir.path().join("ann");
    let (v, _) = detect(dir.path(), &["--annotations", ann.to_str().unwrap()]);
    let lexicon: Vec<&Value> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "lexicon")
        .collect();
    assert!(
        lexicon
            .iter()
            .any(|e| e["text"] == "目前" && e["label"] == "TIME"),
        "{v}"
    );
    // Only where the model found nothing: never two entities over one character.
    let mut spans: Vec<(u64, u64)> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap()))
        .collect();
    spans.sort();
    assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "{v}");
}

#[test]
fn min_score_leaves_out_the_less_certain_suggestions() {
    let run = |extra: &[&str]| -> Vec<f64> {
        let out = inkmark()
            .args(["detect", "seeds/000_fb090d6bc539e31c.txt"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["score"].as_f64().unwrap())
            .collect()
    };
    let all = run(&[]);
    assert!(all.iter().all(|s| (0.0..=1.0).contains(s)));
    let sure = run(&["--min-score", "0.9"]);
    assert!(sure.len() < all.len(), "{} vs {}", sure.len(), all.len());
    assert!(sure.iter().all(|&s| s >= 0.9));
    assert_eq!(sure.len(), all.iter().filter(|&&s| s >= 0.9).count());
}

#[test]
fn train_needs_done_articles_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 2, "in_progress");
    let ann = dir.path().join("ann");
    let out = train(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no article is marked done"), "{err}");
    assert!(!ann.join("model.inkm").exists());
    // With --include-in-progress it learns from them.
    let out = train(dir.path(), &["--include-in-progress"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("learned from 2 articles"));
}

#[test]
fn a_damaged_corpus_model_gives_one_line_and_the_base_model() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 1, "done");
    let ann = dir.path().join("ann");
    std::fs::write(ann.join("model.inkm"), b"INKMTAG\0 not really a model").unwrap();
    let (v, err) = detect(dir.path(), &["--annotations", ann.to_str().unwrap()]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("model.inkm") && err.contains("using the base model"),
        "{err}"
    );
    let (base, _) = detect(dir.path(), &["--no-model"]);
    assert_eq!(v["detector"], base["detector"]);
}

#[test]
fn marking_an_article_done_changes_the_suggestions_of_another() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; learning end-to-end test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // One article, long enough for a held-out tenth to judge the model.
    corpus_of(dir.path(), 1, 200, "in_progress");
    let d = dir.path().display();
    let cmd = format!(
        "INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} {d}/docs --annotations {d}/ann 2>{d}/stderr; echo $? > {d}/exit",
        bin = env!("CARGO_BIN_EXE_inkmark"),
    );
    let t = Tmux::start("learn", 100, 30, &cmd);
    t.wait_for("new.txt");
    // new.txt first: the base model does not suggest 目前; what a0 confirmed does (the
    // panel names who suggests each text).
    t.keys(&["j", "Enter"]);
    t.wait_for("恢复供电");
    t.wait_for("PER LOC ORG");
    t.keys(&["p"]);
    let s = t.wait_for("Entities");
    // The panel's row of 目前 (the panel is drawn right of the text, inside │ │).
    let row = |s: &str| -> String {
        s.lines()
            .filter_map(|l| l.split_once('│').map(|(_, panel)| panel))
            .find(|p| p.contains("目前"))
            .unwrap_or_default()
            .to_string()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut s = s;
    while !row(&s).contains("lexicon") {
        assert!(std::time::Instant::now() < deadline, "no lexicon row: {s}");
        std::thread::sleep(std::time::Duration::from_millis(200));
        s = t.screen();
    }
    assert!(!row(&s).contains("model"), "{s}");
    t.keys(&["p"]);
    // Back, open a0 (in progress), mark it done: training runs in the background.
    t.keys(&["q"]);
    t.keys(&["k", "Enter"]);
    t.wait_for("抢修线路");
    t.keys(&["s"]);
    t.wait_for("corpus model updated");
    t.keys(&["q", "j", "Enter"]);
    t.wait_for("恢复供电");
    // The new suggestions arrive from the worker: look until the model suggests 目前.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let s = t.screen();
        if !s.contains("Entities") {
            t.keys(&["p"]);
        } else if row(&s).contains("model") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the model does not suggest 目前: {s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
fn too_few_held_out_entities_keep_the_current_model() {
    let dir = tempfile::tempdir().unwrap();
    corpus_of(dir.path(), 1, 8, "done");
    let ann = dir.path().join("ann");
    let out = train(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("not kept: only"), "{said}");
    assert!(!ann.join("model.inkm").exists());
    // --force keeps it anyway.
    let out = train(dir.path(), &["--force"]);
    assert!(out.status.success());
    assert!(ann.join("model.inkm").exists());
}

#[test]
fn base_data_is_mixed_in_without_unteaching_the_annotator_s_own_labels() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 3, "done");
    // Public-style BIO data that marks people and places only: the annotator's very
    // sentences with every character O. After mixing them in, the annotator's TIME and ORG
    // are still suggested (the mechanism that keeps them, labels a sentence says nothing
    // about, is tested in `tagger::train`).
    let mut bio = String::new();
    for (c, tag) in "张三在北京。"
        .chars()
        .zip(["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"])
    {
        bio.push_str(&format!("{c}\t{tag}\n"));
    }
    bio.push('\n');
    for i in 0..1000 {
        for c in paragraph(i).trim_end().chars() {
            bio.push_str(&format!("{c}\tO\n"));
        }
        bio.push('\n');
    }
    let base = dir.path().join("base.bio");
    std::fs::write(&base, bio).unwrap();
    let out = train(
        dir.path(),
        &["--json", "--base-data", base.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Up to twice the annotator's training sentences (about 160 here).
    let mixed = report["base_sentences"].as_u64().unwrap();
    assert!((250..=400).contains(&mixed), "{report}");
    assert_eq!(report["kept"], true, "{report}");
    let ann = dir.path().join("ann");
    let (after, _) = detect(dir.path(), &["--annotations", ann.to_str().unwrap()]);
    assert!(model_has(&after, "目前", "TIME"), "{after}");
    // A file that is not there is one clear error, and nothing is written.
    std::fs::remove_file(ann.join("model.inkm")).unwrap();
    let out = train(dir.path(), &["--base-data", "/nonexistent/base.bio"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/base.bio"));
    assert!(!ann.join("model.inkm").exists());
}
