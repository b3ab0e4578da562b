//! Command-line and corpus findings of a tester (fixed on branch fixcli).

mod common;

use common::cli::{inkmark, put, run_in, text};
use std::path::Path;
use std::process::Output;

#[test]
fn exports_and_annotation_folders_are_never_read_as_articles() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("a.txt"), "北京是首都。\n");
    // What `E` writes in a corpus opened as `.`, and stray texts in the annotation folders.
    put(&root.join("exports/brat/a.txt"), "北京是首都。\n");
    put(
        &root.join("exports/brat/.inkmark-export"),
        "inkmark export\n",
    );
    put(&root.join("annotations/notes.txt"), "笔记\n");
    put(&root.join("mine/notes.md"), "笔记\n");
    // An export written anywhere else carries the marker.
    put(&root.join("sub/out/b.txt"), "上海\n");
    put(&root.join("sub/out/.inkmark-export"), "inkmark export\n");
    let out = run_in(root, &["stats", ".", "--annotations", "mine"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("articles   1 "), "{stdout}");
    let out = run_in(root, &["check", ".", "--annotations", "mine"]);
    assert!(
        !text(&out.stdout).contains("notes"),
        "{}",
        text(&out.stdout)
    );
}

/// Runs `args` with stdout a pipe whose reading end is already closed (`| head -c1` after
/// head has left): every write to stdout fails with a broken pipe.
fn run_with_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    inkmark()
        .current_dir(dir)
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn every_command_exits_quietly_when_stdout_is_closed() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = "seeds/000_fb090d6bc539e31c.txt";
    let ann = tempfile::tempdir().unwrap();
    let ann = ann.path().to_str().unwrap();
    for args in [
        &["completions", "zsh"][..],
        &["show", seed],
        &["detect", seed],
        &["stats", "seeds"],
        &["check", "seeds"],
        &["export", "--format", "conll", "seeds", "--annotations", ann],
        &["train", "seeds", "--json", "--annotations", ann],
    ] {
        let out = run_with_closed_stdout(crate_root, args);
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn detect_uses_the_corpus_model_of_the_usual_annotation_folder() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("a.txt"), "北京是首都。\n");
    // A model file that cannot be read: detect says so only when it looks there.
    put(&root.join("annotations/model.inkm"), "garbage");
    put(&root.join("annotations/alice/model.inkm"), "garbage");
    let out = run_in(root, &["detect", "a.txt"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("annotations/model.inkm"),
        "{}",
        text(&out.stderr)
    );
    let out = run_in(root, &["detect", "a.txt", "--annotator", "alice"]);
    assert!(
        text(&out.stderr).contains("annotations/alice/model.inkm"),
        "{}",
        text(&out.stderr)
    );
    let out = run_in(root, &["detect", "a.txt", "--no-model"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stderr), "");
}

fn status_in(path: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["status"].as_str().unwrap().to_string()
}

#[test]
fn import_keeps_the_status_the_file_carries() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article = "北京是首都。上海是城市。";
    put(&root.join("corpus/a.txt"), article);
    put(&root.join("corpus/b.txt"), "广州很热。");
    let line = serde_json::json!({"text": article, "label": [[0, 2, "LOC"]], "article": "a.txt", "status": "done"});
    put(&root.join("a.jsonl"), &format!("{line}\n"));
    let out = run_in(
        root,
        &[
            "import", "--format", "doccano", "a.jsonl", "--dir", "corpus",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(status_in(&root.join("annotations/a.json")), "done");
    // Label Studio: a task's data.status, and a round trip through export keeps it.
    let task = serde_json::json!([{
        "data": {"text": "广州很热。", "article": "b.txt", "status": "in_progress"},
        "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 2, "labels": ["LOC"]}}]}]
    }]);
    put(&root.join("b.json"), &task.to_string());
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "labelstudio",
            "b.json",
            "--dir",
            "corpus",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(status_in(&root.join("annotations/b.json")), "in_progress");
    let out = run_in(root, &["export", "--format", "labelstudio", "corpus"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::remove_dir_all(root.join("annotations")).unwrap();
    put(&root.join("round.json"), &text(&out.stdout));
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "labelstudio",
            "round.json",
            "--dir",
            "corpus",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(status_in(&root.join("annotations/a.json")), "done");
    assert_eq!(status_in(&root.join("annotations/b.json")), "in_progress");
    // A status no article can have is named, and the rest imported.
    let line =
        serde_json::json!({"text": article, "label": [], "article": "a.txt", "status": "finished"});
    put(&root.join("bad.jsonl"), &format!("{line}\n"));
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "doccano",
            "bad.jsonl",
            "--dir",
            "corpus",
        ],
    );
    assert!(
        text(&out.stderr).contains("unknown status \"finished\""),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(status_in(&root.join("annotations/a.json")), "done");
}

#[test]
fn import_says_how_many_existing_spans_it_replaced() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article = "北京是首都。上海是城市。";
    put(&root.join("corpus/a.txt"), article);
    let first = serde_json::json!({"text": article, "label": [[0, 5, "QTY"], [6, 8, "LOC"]], "article": "a.txt"});
    put(&root.join("first.jsonl"), &format!("{first}\n"));
    let out = run_in(
        root,
        &["import", "-f", "doccano", "first.jsonl", "--dir", "corpus"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("imported 2 entities into 1 article (1 annotation file in annotations)"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("replaced"),
        "{}",
        text(&out.stderr)
    );
    // LOC 0..2 overlaps QTY 0..5; LOC 6..8 is identical, nothing replaced there.
    let second = serde_json::json!({"text": article, "label": [[0, 2, "LOC"], [6, 8, "LOC"]], "article": "a.txt"});
    put(&root.join("second.jsonl"), &format!("{second}\n"));
    let out = run_in(
        root,
        &["import", "-f", "doccano", "second.jsonl", "--dir", "corpus"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 1 entity into 1 article (1 annotation file in annotations); 1 existing span replaced"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn add_labels_adds_the_targets_of_map_too() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article = "他得了流感。";
    put(&root.join("corpus/a.txt"), article);
    let line = serde_json::json!({"text": article, "label": [[3, 5, "疾病"], [0, 1, "PER"]], "article": "a.txt"});
    put(&root.join("a.jsonl"), &format!("{line}\n"));
    let args = [
        "import",
        "-f",
        "doccano",
        "a.jsonl",
        "--dir",
        "corpus",
        "--map",
        "疾病=DISEASE",
    ];
    // Without --add-labels: refused, with the way out named, nothing written.
    let out = run_in(root, &args);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--add-labels adds it"),
        "{}",
        text(&out.stderr)
    );
    assert!(!root.join("annotations/a.json").exists());
    let out = run_in(root, &[&args[..], &["--add-labels"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(root.join("corpus/inkmark.toml")).unwrap();
    assert!(config.contains("name = \"DISEASE\""), "{config}");
    let ann = std::fs::read_to_string(root.join("annotations/a.json")).unwrap();
    assert!(
        ann.contains("\"DISEASE\"") && ann.contains("\"PER\""),
        "{ann}"
    );
}

#[test]
fn an_unknown_word_lists_every_command() {
    let d = tempfile::tempdir().unwrap();
    let out = run_in(d.path(), &["nope"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for c in [
        "detect",
        "export",
        "import",
        "stats",
        "check",
        "relabel",
        "agree",
        "assign",
        "review",
        "show",
        "completions",
        "train",
    ] {
        assert!(
            err.contains(&format!(" {c},")) || err.contains(&format!(" {c};")),
            "{c}: {err}"
        );
    }
}

#[test]
fn check_sorts_offsets_as_numbers() {
    use inkmark::headless::natural_cmp;
    use std::cmp::Ordering;
    assert_eq!(
        natural_cmp("a.json: 17..20 x", "a.json: 1064..1067 x"),
        Ordering::Less
    );
    assert_eq!(
        natural_cmp("a.json: 1064..1067", "a.json: 17..20"),
        Ordering::Greater
    );
    assert_eq!(natural_cmp("b2", "b10"), Ordering::Less);
    assert_eq!(natural_cmp("x", "x"), Ordering::Equal);

    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article: String = "甲".repeat(1100);
    put(&root.join("corpus/a.txt"), &article);
    let sha = inkmark::detect::sha256_hex(article.as_bytes());
    let mut f = inkmark::annotation::AnnotationFile::new("a.txt", &sha, "t");
    for start in [17usize, 1064] {
        f.entities.push(inkmark::annotation::file::Entity {
            start,
            end: start + 3,
            label: inkmark::label::Label::LOC,
            text: "乙乙乙".into(),
            source: inkmark::annotation::Source::Manual,
            by: Vec::new(),
        });
    }
    put(&root.join("annotations/a.json"), &f.to_json());
    let out = run_in(root, &["check", "corpus"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let first = all.find("17..20").expect(&all);
    let second = all.find("1064..1067").expect(&all);
    assert!(first < second, "{all}");
}

#[test]
fn relabel_of_a_label_no_file_uses_says_so() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article = "北京是首都。";
    put(&root.join("corpus/a.txt"), article);
    let line = serde_json::json!({"text": article, "label": [[0, 2, "LOC"]], "article": "a.txt"});
    put(&root.join("a.jsonl"), &format!("{line}\n"));
    let out = run_in(
        root,
        &["import", "-f", "doccano", "a.jsonl", "--dir", "corpus"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run_in(root, &["relabel", "NOPE", "LOC", "corpus"]);
    assert!(
        text(&out.stderr).contains("no annotation file in annotations uses the label NOPE"),
        "{}",
        text(&out.stderr)
    );
    let out = run_in(root, &["relabel", "LOC", "GPE", "corpus"]);
    assert!(
        text(&out.stdout).contains("changed 1 span in 1 of 1 annotation file\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stderr).contains("no annotation file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_min_score_out_of_range_in_the_config_stops_check_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("corpus/a.txt"), "北京。");
    put(
        &root.join("corpus/inkmark.toml"),
        "annotator = \"a\"\nmin_score = 1.5\n",
    );
    let out = run_in(root, &["check", "corpus"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("corpus/inkmark.toml:2: min_score must be a number from 0 to 1 (got 1.5)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_annotation_folder_is_named_not_called_valid() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("c/a.txt"), "北京是首都。\n");
    let out = run_in(root, &["check", "c", "--annotations", "nonexist"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("no annotation folder nonexist"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("valid"),
        "{}",
        text(&out.stdout)
    );
    let out = run_in(
        root,
        &[
            "export",
            "c",
            "--format",
            "spacy",
            "--annotations",
            "nonexist",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no annotation folder nonexist") && stderr.contains("exported 0 articles"),
        "{stderr}"
    );
    // stats and export still run (a corpus not yet annotated) but say the folder is not
    // there.
    let out = run_in(root, &["stats", "c", "--annotations", "nonexist"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no annotation folder nonexist"),
        "{}",
        text(&out.stderr)
    );
}
