//! Store, import and export findings of a tester (round 2, branch fixstore2).

use std::path::Path;
use std::process::{Command, Output};

fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    // Keep the user's own config and state out of the tests.
    let empty = std::env::temp_dir().join("inkmark-cli-store-test-empty");
    c.env("INKMARK_CONFIG_DIR", &empty)
        .env("INKMARK_STATE_DIR", &empty)
        .env("USER", "tester");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    inkmark().current_dir(dir).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn put(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn same_stem_articles_keep_their_own_annotations() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let (a_txt, a_md) = ("标题甲\n\n张三在北京。\n", "# 标题乙\n\n李四在上海工作了很多年。\n");
    put(&root.join("col/a.txt"), a_txt);
    put(&root.join("col/a.md"), a_md);
    let doc = |t: &str, s: usize, e: usize, art: &str| {
        serde_json::json!({"text": t, "label": [[s, e, "PER"]], "article": art}).to_string()
    };
    put(
        &root.join("d.jsonl"),
        &format!("{}\n{}\n", doc(a_md, 7, 9, "a.md"), doc(a_txt, 5, 7, "a.txt")),
    );
    let out = run_in(root, &["import", "--format", "doccano", "d.jsonl", "--dir", "col"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run_in(root, &["check", "col"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let md = read(&root.join("annotations/a.md.json"));
    assert!(md.contains("\"李四\"") && !md.contains("张三"), "{md}");
    let txt = read(&root.join("annotations/a.json"));
    assert!(txt.contains("\"张三\"") && !txt.contains("李四"), "{txt}");
    let out = run_in(root, &["stats", "col", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["by_label"]["PER"], 2, "{stats}");
}

#[test]
fn export_never_replaces_articles_annotations_or_files_without_force() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("c/a.txt"), "标题\n\n张三在北京。\n");
    put(
        &root.join("d.jsonl"),
        &format!(
            "{}\n",
            serde_json::json!({"text": "标题\n\n张三在北京。\n", "label": [[4, 6, "PER"]], "article": "a.txt"})
        ),
    );
    let out = run_in(root, &["import", "--format", "doccano", "d.jsonl", "--dir", "c"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let article = read(&root.join("c/a.txt"));
    let ann = read(&root.join("annotations/a.json"));
    for (target, force) in [
        ("c/a.txt", true),
        ("annotations/a.json", true),
        ("annotations/new.jsonl", false),
        ("c/new.txt", false),
    ] {
        let mut args = vec!["export", "--format", "spacy", "--out", target, "c"];
        if force {
            args.push("--force");
        }
        let out = run_in(root, &args);
        assert!(!out.status.success(), "{target}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(target), "{}", text(&out.stderr));
    }
    assert_eq!(read(&root.join("c/a.txt")), article);
    assert_eq!(read(&root.join("annotations/a.json")), ann);
    assert!(!root.join("c/new.txt").exists());
    // An ordinary file: written once, then only with --force.
    put(&root.join("x.jsonl"), "keep\n");
    let out = run_in(root, &["export", "--format", "spacy", "--out", "x.jsonl", "c"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    assert_eq!(read(&root.join("x.jsonl")), "keep\n");
    let out = run_in(root, &["export", "--format", "spacy", "--out", "x.jsonl", "--force", "c"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(read(&root.join("x.jsonl")).contains("张三"));
}

#[test]
fn an_empty_export_says_so() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("c/a.txt"), "标题\n\n张三在北京。\n");
    let out = run_in(root, &["export", "--format", "spacy", "c"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("0 articles"), "{}", text(&out.stderr));
}

#[test]
fn import_refuses_names_the_corpus_would_not_list() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let lines: Vec<String> = [".hidden/x.txt", "x.csv", "noext", "exports/y.txt", "ok/z.txt"]
        .iter()
        .map(|a| serde_json::json!({"text": format!("赵六{a}。"), "label": [[0, 2, "PER"]], "article": a}).to_string())
        .collect();
    put(&root.join("d.jsonl"), &(lines.join("\n") + "\n"));
    let out = run_in(root, &["import", "--format", "doccano", "d.jsonl", "--dir", "."]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for refused in [".hidden/x.txt", "x.csv", "noext", "exports/y.txt"] {
        assert!(
            err.contains(&format!("{refused}: the corpus would not list")),
            "{refused}: {err}"
        );
        assert!(!root.join(refused).exists(), "{refused}");
    }
    assert!(root.join("ok/z.txt").is_file());
    let out = run_in(root, &["check", "."]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}
