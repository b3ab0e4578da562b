//! Store, import and export findings of a tester (round 2, branch fixstore2).

mod common;

use common::cli::{put, read, run_in, text};
use std::process::Output;

#[test]
fn same_stem_articles_keep_their_own_annotations() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let (a_txt, a_md) = (
        "标题甲\n\n张三在北京。\n",
        "# 标题乙\n\n李四在上海工作了很多年。\n",
    );
    put(&root.join("col/a.txt"), a_txt);
    put(&root.join("col/a.md"), a_md);
    let doc = |t: &str, s: usize, e: usize, art: &str| {
        serde_json::json!({"text": t, "label": [[s, e, "PER"]], "article": art}).to_string()
    };
    put(
        &root.join("d.jsonl"),
        &format!(
            "{}\n{}\n",
            doc(a_md, 7, 9, "a.md"),
            doc(a_txt, 5, 7, "a.txt")
        ),
    );
    let out = run_in(
        root,
        &["import", "--format", "doccano", "d.jsonl", "--dir", "col"],
    );
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
    // A brat export keeps both apart too, and imports back to each.
    let out = run_in(root, &["export", "--format", "brat", "--out", "b", "col"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(read(&root.join("b/a.txt")), a_txt);
    assert_eq!(read(&root.join("b/a.md.txt")), a_md);
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "brat",
            "b/a.md.ann",
            "b/a.ann",
            "--dir",
            "col",
            "--annotations",
            "back",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(read(&root.join("back/a.md.json")).contains("\"李四\""));
    assert!(read(&root.join("back/a.json")).contains("\"张三\""));
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
    let out = run_in(
        root,
        &["import", "--format", "doccano", "d.jsonl", "--dir", "c"],
    );
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
    // brat: a folder of its own, never among the annotation files.
    let out = run_in(
        root,
        &[
            "export",
            "--format",
            "brat",
            "--out",
            "annotations/brat",
            "c",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("inside the annotation folder"),
        "{}",
        text(&out.stderr)
    );
    assert!(!root.join("annotations/brat").exists());
    assert_eq!(read(&root.join("c/a.txt")), article);
    assert_eq!(read(&root.join("annotations/a.json")), ann);
    assert!(!root.join("c/new.txt").exists());
    // An ordinary file: written once, then only with --force.
    put(&root.join("x.jsonl"), "keep\n");
    let out = run_in(
        root,
        &["export", "--format", "spacy", "--out", "x.jsonl", "c"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(read(&root.join("x.jsonl")), "keep\n");
    let out = run_in(
        root,
        &[
            "export", "--format", "spacy", "--out", "x.jsonl", "--force", "c",
        ],
    );
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
    assert!(
        text(&out.stderr).contains("0 articles"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn import_refuses_names_the_corpus_would_not_list() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let lines: Vec<String> = [
        ".hidden/x.txt",
        "x.csv",
        "noext",
        "exports/y.txt",
        "ok/z.txt",
    ]
    .iter()
    .map(|a| {
        serde_json::json!({"text": format!("赵六{a}。"), "label": [[0, 2, "PER"]], "article": a})
            .to_string()
    })
    .collect();
    put(&root.join("d.jsonl"), &(lines.join("\n") + "\n"));
    let out = run_in(
        root,
        &["import", "--format", "doccano", "d.jsonl", "--dir", "."],
    );
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

#[test]
fn check_and_stats_mention_spans_set_aside() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let article = "标题\n\n平煤神马集团尼龙化工公司。\n";
    put(&root.join("c/a.txt"), article);
    let mut f = inkmark::annotation::AnnotationFile::new(
        "a.txt",
        &inkmark::detect::sha256_hex(article.as_bytes()),
        "tester",
    );
    f.unanchored = vec![inkmark::annotation::Entity {
        start: 4,
        end: 10,
        label: inkmark::label::Label::ORG,
        text: "平煤神马集团".into(),
        source: inkmark::annotation::Source::Manual,
        by: Vec::new(),
    }];
    put(&root.join("annotations/a.json"), &f.to_json());
    let out = run_in(root, &["check", "c"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("1 span set aside under unanchored") && stdout.contains("平煤神马集团"),
        "{stdout}"
    );
    let out = run_in(root, &["stats", "c", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["unanchored"], 1, "{stats}");
}

#[test]
fn spacy_and_label_studio_spans_must_match_the_article_text() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let text = "𠀀标题\n\n记者张三丰和李四在北京报道。\n";
    put(&root.join("c/x.txt"), text);
    let cp = |w: &str| text[..text.find(w).unwrap()].chars().count();
    let u16 = |w: &str| text[..text.find(w).unwrap()].encode_utf16().count();
    // spaCy: one right span, one whose text is not the article's there.
    let line = serde_json::json!({"text": text, "meta": {"article": "x.txt"}, "spans": [
        {"start": cp("张三丰"), "end": cp("张三丰") + 3, "label": "PER", "text": "张三丰"},
        {"start": cp("北京"), "end": cp("北京") + 2, "label": "LOC", "text": "上海"},
    ]});
    put(&root.join("s.jsonl"), &format!("{line}\n"));
    let out = run_in(
        root,
        &["import", "--format", "spacy", "s.jsonl", "--dir", "c"],
    );
    let err = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("line 1 span 2: text \"上海\" ≠ article \"北京\""),
        "{err}"
    );
    let ann = read(&root.join("annotations/x.json"));
    assert!(ann.contains("张三丰") && !ann.contains("北京"), "{ann}");
    // Label Studio with UTF-16 offsets read as code points: every span is off by one,
    // each is reported, and the hint names the option.
    let result = |w: &str, l: &str| {
        let n = w.chars().count();
        serde_json::json!({"type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": u16(w), "end": u16(w) + n, "text": w, "labels": [l]}})
    };
    let task = serde_json::json!([{"data": {"text": text, "article": "x.txt"},
        "annotations": [{"result": [result("李四", "PER"), result("北京", "LOC")]}]}]);
    put(&root.join("ls.json"), &task.to_string());
    let out = run_in(
        root,
        &["import", "--format", "labelstudio", "ls.json", "--dir", "c"],
    );
    let err = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("task 1 result 1: text \"李四\" ≠ article"),
        "{err}"
    );
    assert!(err.contains("--offsets utf16"), "{err}");
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "labelstudio",
            "ls.json",
            "--dir",
            "c",
            "--offsets",
            "utf16",
        ],
    );
    assert!(out.status.success(), "{}", text_of(&out));
    let ann = read(&root.join("annotations/x.json"));
    assert!(
        ann.contains("\"李四\"") && ann.contains("\"北京\""),
        "{ann}"
    );
}

fn text_of(out: &Output) -> String {
    text(&out.stderr)
}

/// An annotation file of `article` (text `text`) with `spans` (start, end, label).
fn ann_file(article: &str, text: &str, status: &str, spans: &[(usize, usize, &str)]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let entities: Vec<serde_json::Value> = spans
        .iter()
        .map(|&(s, e, l)| {
            serde_json::json!({"start": s, "end": e, "label": l,
                "text": chars[s..e].iter().collect::<String>(), "source": "manual"})
        })
        .collect();
    serde_json::json!({"format": "inkmark/1", "article": article,
        "article_sha256": inkmark::detect::sha256_hex(text.as_bytes()),
        "annotator": "x", "status": status, "updated": "2026-11-23T07:00:00Z",
        "entities": entities, "rejected": []})
    .to_string()
}

#[test]
fn a_gold_folder_in_the_team_folder_is_no_annotator() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let t = "标题\n\n张三在北京开会。\n";
    put(&root.join("c/a.txt"), t);
    put(
        &root.join("tann/alice/a.json"),
        &ann_file("a.txt", t, "done", &[(4, 6, "PER"), (7, 9, "LOC")]),
    );
    put(
        &root.join("tann/bob/a.json"),
        &ann_file("a.txt", t, "done", &[(4, 6, "PER")]),
    );
    // A review under way: in progress, and marked as review's.
    let mut gold: serde_json::Value =
        serde_json::from_str(&ann_file("a.txt", t, "in_progress", &[(4, 6, "PER")])).unwrap();
    gold["source"] = "review".into();
    put(&root.join("tann/gold/a.json"), &gold.to_string());
    let out = run_in(root, &["agree", "c", "--team", "tann", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(!report.contains("gold"), "{report}");
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["articles"], 1, "{report}");
    // --to naming an annotator's folder: refused for that reason.
    let out = run_in(
        root,
        &["review", "c", "--team", "tann", "--to", "tann/alice"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is alice's folder"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn global_flags_work_before_the_command() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    put(&root.join("c/a.txt"), "标题\n\n张三在北京。\n");
    put(&root.join("x.toml"), "");
    // check refuses a missing annotation folder (qa3 N5).
    std::fs::create_dir_all(root.join("annotations")).unwrap();
    for args in [
        &["--config", "x.toml", "check", "c"][..],
        &["--config=x.toml", "--ambiguous-wide", "check", "c"][..],
        &["--annotations", "elsewhere", "stats", "c"][..],
        &["--ambiguous-wide", "show", "c/a.txt", "--width", "21"][..],
    ] {
        let out = run_in(root, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    // The flag reaches the command: a broken config is read and refused.
    put(&root.join("bad.toml"), "[[labels]\n");
    let out = run_in(root, &["--config", "bad.toml", "check", "c"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("bad.toml"),
        "{}",
        text(&out.stderr)
    );
    // A flag the command does not take is named, not given clap's `-- --annotations` tip
    // (qa3 N6).
    let out = run_in(root, &["--annotations", "elsewhere", "show", "c/a.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "inkmark: --annotations does not apply to `inkmark show`"
    );
}

#[test]
fn a_conll_round_trip_finds_its_articles_again() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let t = "标题 一\n\n记者 张三 在北京。\n第二段 李四。\n";
    put(&root.join("c/a.txt"), t);
    let at = |w: &str| t[..t.find(w).unwrap()].chars().count();
    put(
        &root.join("annotations/a.json"),
        &ann_file(
            "a.txt",
            t,
            "done",
            &[
                (at("张三"), at("张三") + 2, "PER"),
                (at("北京"), at("北京") + 2, "LOC"),
                (at("李四"), at("李四") + 2, "PER"),
            ],
        ),
    );
    let out = run_in(
        root,
        &[
            "export",
            "--format",
            "conll",
            "--docstart",
            "--out",
            "x.conll",
            "c",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "conll",
            "x.conll",
            "--dir",
            "c",
            "--annotations",
            "back",
        ],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("created article"), "{err}");
    let back = read(&root.join("back/a.json"));
    let v: serde_json::Value = serde_json::from_str(&back).unwrap();
    let spans: Vec<(u64, String)> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_u64().unwrap(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            (at("张三") as u64, "张三".to_string()),
            (at("北京") as u64, "北京".to_string()),
            (at("李四") as u64, "李四".to_string())
        ]
    );
}

#[test]
fn train_refuses_base_data_that_is_not_bio() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let t = "标题\n\n张三在北京开会。\n";
    put(&root.join("c/a.txt"), t);
    put(
        &root.join("annotations/a.json"),
        &ann_file("a.txt", t, "done", &[(4, 6, "PER")]),
    );
    put(&root.join("bad.bio"), "abc def ghi\nxyz\n\n");
    put(&root.join("foo.bio"), "张\tB-FOO\n");
    for (file, says) in [
        ("bad.bio", "bad.bio:2: \"xyz\" is not CHAR<TAB>TAG"),
        ("foo.bio", "foo.bio:1: label FOO is not in the label set"),
    ] {
        let out = run_in(root, &["train", "c", "--base-data", file]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(says), "{err}");
    }
    assert!(!root.join("annotations/model.inkm").exists());
}

/// qa3 N1 (import path): `a.md.txt` imported first no longer takes `a.md.json`, so `a.md`
/// imported next gets its own file; an older folder where `a.md.json` is `a.md.txt`'s is
/// refused for `a.md`, naming both, and left as it was.
#[test]
fn a_md_txt_and_a_md_never_share_an_annotation_file() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let (md, md_txt) = (
        "# 标题乙\n\n李四在上海工作了很多年。\n",
        "标题丙\n\n王五去了广州和深圳。\n",
    );
    put(&root.join("col/a.md"), md);
    put(&root.join("col/a.md.txt"), md_txt);
    let doc = |t: &str, s: usize, e: usize, art: &str| {
        serde_json::json!({"text": t, "label": [[s, e, "LOC"]], "article": art}).to_string()
    };
    put(&root.join("s1.jsonl"), &doc(md_txt, 9, 11, "a.md.txt"));
    put(&root.join("s2.jsonl"), &doc(md, 10, 12, "a.md"));
    for s in ["s1.jsonl", "s2.jsonl"] {
        let out = run_in(root, &["import", "--format", "doccano", s, "--dir", "col"]);
        assert!(out.status.success(), "{s}: {}", text(&out.stderr));
    }
    let f = read(&root.join("annotations/a.md.txt.json"));
    assert!(f.contains("\"广州\"") && f.contains("\"a.md.txt\""), "{f}");
    let f = read(&root.join("annotations/a.md.json"));
    assert!(f.contains("\"上海\"") && !f.contains("广州"), "{f}");
    let out = run_in(root, &["check", "col"]);
    assert!(out.status.success(), "{}", text(&out.stdout));

    // An older inkmark wrote a.md.txt's spans to a.md.json: a.md.txt still reads them,
    // and a.md is refused (not given them as its drifted spans).
    let old = ann_file("a.md.txt", md_txt, "done", &[(9, 11, "LOC")]);
    put(&root.join("old/a.md.json"), &old);
    let out = run_in(root, &["stats", "col", "--annotations", "old", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["by_label"]["LOC"], 1, "{stats}");
    let out = run_in(
        root,
        &[
            "import",
            "--format",
            "doccano",
            "s2.jsonl",
            "--dir",
            "col",
            "--annotations",
            "old",
        ],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("belongs to article \"a.md.txt\", not to \"a.md\""),
        "{err}"
    );
    assert!(!err.contains("changed since"), "{err}");
    assert_eq!(read(&root.join("old/a.md.json")), old);
}

/// qa3 N10: `a.txt.json` stays `a.txt`'s once the other article's `a.json` is gone, and
/// `check` says which article a misnamed file belongs to.
#[test]
fn a_txt_json_is_found_and_check_names_a_files_article() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let t = "标题甲\n\n王五在北京。\n";
    put(&root.join("col/a.txt"), t);
    put(
        &root.join("ann/a.txt.json"),
        &ann_file("a.txt", t, "done", &[(5, 7, "PER")]),
    );
    let out = run_in(root, &["check", "col", "--annotations", "ann"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = run_in(
        root,
        &[
            "export",
            "--format",
            "spacy",
            "--out",
            "x.jsonl",
            "col",
            "--annotations",
            "ann",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(read(&root.join("x.jsonl")).contains("\"PER\""));
    // A file under another name: check says whose it is and what to do.
    put(&root.join("col/b.txt"), t);
    put(
        &root.join("ann/sub/b.json"),
        &ann_file("b.txt", t, "done", &[]),
    );
    put(
        &root.join("ann/c.json"),
        &ann_file("gone.txt", t, "done", &[]),
    );
    let out = run_in(root, &["check", "col", "--annotations", "ann"]);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("b.json: belongs to b.txt (rename it to ") && said.contains("b.json)"),
        "{said}"
    );
    assert!(
        said.contains("c.json: no article for this annotation file")
            && said.contains("(it names gone.txt)"),
        "{said}"
    );
}

/// qa3 N2: a brat export of `a.md` beside a real `a.md.txt` writes both.
#[test]
fn brat_export_gives_every_article_a_pair_of_its_own() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let (md, md_txt, txt) = (
        "# 标题乙\n\n李四在上海工作了很多年。\n",
        "标题丙\n\n王五去了广州和深圳。\n",
        "标题甲\n\n张三在北京。\n",
    );
    put(&root.join("col/a.md"), md);
    put(&root.join("col/a.md.txt"), md_txt);
    put(&root.join("col/a.txt"), txt);
    put(
        &root.join("annotations/a.md.json"),
        &ann_file("a.md", md, "done", &[(10, 12, "LOC")]),
    );
    put(
        &root.join("annotations/a.md.txt.json"),
        &ann_file("a.md.txt", md_txt, "done", &[(9, 11, "LOC")]),
    );
    put(
        &root.join("annotations/a.json"),
        &ann_file("a.txt", txt, "done", &[(5, 7, "PER")]),
    );
    let out = run_in(root, &["export", "--format", "brat", "--out", "b", "col"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("exported 3 articles") && err.contains("a.md as a.md-1.txt"),
        "{err}"
    );
    let mut txts: Vec<String> = std::fs::read_dir(root.join("b"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt") || n.ends_with(".ann"))
        .collect();
    txts.sort();
    assert_eq!(
        txts,
        [
            "a.ann",
            "a.md-1.ann",
            "a.md-1.txt",
            "a.md.ann",
            "a.md.txt",
            "a.txt"
        ]
    );
    assert_eq!(read(&root.join("b/a.md.txt")), md_txt);
    assert_eq!(read(&root.join("b/a.md-1.txt")), md);
    assert!(read(&root.join("b/a.md-1.ann")).contains("上海"));
}

/// qa3 N12: a CoNLL document matching two articles by text says which one it went to.
#[test]
fn conll_import_says_which_of_two_same_text_articles_it_used() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let t = "标题\n\n王五在北京。\n";
    put(&root.join("dupt/a.txt"), t);
    put(&root.join("dupt/b.txt"), t);
    put(
        &root.join("dupt.conll"),
        "标 O\n题 O\n\n王 B-PER\n五 I-PER\n在 O\n北 B-LOC\n京 I-LOC\n。 O\n\n",
    );
    let out = run_in(
        root,
        &["import", "--format", "conll", "dupt.conll", "--dir", "dupt"],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("note: a document matches 2 articles by text: a.txt, b.txt; used a.txt"),
        "{err}"
    );
    assert!(read(&root.join("annotations/a.json")).contains("\"王五\""));
    assert!(!root.join("annotations/b.json").exists());
}
