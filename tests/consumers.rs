//! The exports loaded into the real tools that consume them: spaCy (the README's DocBin
//! lines and `spacy convert`), seqeval, label-studio-sdk / label-studio-converter, and
//! doccano's editor library v-annotator in node. Brat cannot be installed from a registry;
//! its `.ann` files are read the way brat reads them (Python `splitlines()`, code-point
//! slices). `.ci/consumers` installs the tools under target/ and runs this test with
//! `--include-ignored`; a tool that could not be installed is named on a `skipped:` line.

use inkmark::annotation::store::Store;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::detect::{sha256_hex, Detector};
use inkmark::headless::SpanCheck;
use inkmark::label::Label;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Articles that broke exports: astral characters before entities (emoji, CJK Extension
/// B), CR LF, an entity across a line break, U+2028 / U+0085 / form feed / U+001F inside
/// entities, combining marks, ZWJ sequences and flags, spaces inside entities.
/// An article: its path in the corpus, its text, and its entities by text.
type Article = (&'static str, &'static str, &'static [(&'static str, Label)]);

const TRICKY: &[Article] = &[
    (
        "tricky/crlf_emoji.txt",
        "😀北京参加会议。\r\n🐱记者高轶鹏报道：郑州市卫生\r\n健康委员会发布通报。\r\n",
        &[
            ("北京", Label::LOC),
            ("高轶鹏", Label::PER),
            ("郑州市卫生\r\n健康委员会", Label::ORG),
        ],
    ),
    (
        "tricky/ext_b.txt",
        "𠀀𠀁北京和上海。𠀂市政府今天表示，",
        &[
            ("北京", Label::LOC),
            ("上海", Label::LOC),
            ("𠀂市政府", Label::ORG),
            ("今天", Label::TIME),
        ],
    ),
    (
        "tricky/line_separators.txt",
        "甲郑州\u{2028}市乙北\u{85}京丙上\u{c}海丁深\u{1f}圳。\u{2029}捐款200万元。",
        &[
            ("郑州\u{2028}市", Label::LOC),
            ("北\u{85}京", Label::LOC),
            ("上\u{c}海", Label::LOC),
            ("深\u{1f}圳", Label::LOC),
            ("200万元", Label::QTY),
        ],
    ),
    (
        "tricky/graphemes.txt",
        "cafe\u{301}里，👨\u{200d}👩\u{200d}👧在巴黎看🇨🇳中国队。\n",
        &[
            ("cafe\u{301}", Label::LOC),
            ("巴黎", Label::LOC),
            ("🇨🇳中国队", Label::ORG),
        ],
    ),
    (
        "tricky/spaces.txt",
        "他在 Apple 公司工作，New York Times 报道，\u{3000}\u{3000}北京时间1月30日11时30分许。",
        &[
            ("Apple 公司", Label::ORG),
            ("New York Times", Label::ORG),
            ("1月30日11时30分许", Label::TIME),
        ],
    ),
];

fn entity(text: &str, word: &str, label: Label) -> Entity {
    let b = text
        .find(word)
        .unwrap_or_else(|| panic!("{word:?} not in {text:?}"));
    let start = text[..b].chars().count();
    Entity {
        start,
        end: start + word.chars().count(),
        label,
        text: word.to_string(),
        source: Source::Manual,
        by: Vec::new(),
    }
}

fn save(ann: &Path, rel: &str, text: &str, entities: Vec<Entity>) {
    let mut f = AnnotationFile::new(rel, &sha256_hex(text.as_bytes()), "fixture");
    f.status = Status::Done;
    f.entities = entities;
    let (mut store, _) = Store::open(&ann.join(rel).with_extension("json")).unwrap();
    store.save(&f).unwrap();
}

/// The fixture corpus: the seed articles with the detector's entities, and the tricky
/// articles above. Returns the corpus and annotation folders.
fn fixture(root: &Path) -> (PathBuf, PathBuf) {
    let corpus = root.join("corpus");
    let ann = root.join("ann");
    let detector = Detector::new();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    for p in names {
        let rel = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join(&rel), &text).unwrap();
        let check = SpanCheck::new(&text);
        let mut entities: Vec<Entity> = Vec::new();
        for s in detector.detect(&text) {
            let clean = check.problems(s.start, s.end, None).is_empty();
            if clean && entities.last().is_none_or(|l| l.end <= s.start) {
                entities.push(Entity {
                    start: s.start,
                    end: s.end,
                    label: s.label,
                    text: check.slice(s.start, s.end).to_string(),
                    source: Source::Accepted,
                    by: Vec::new(),
                });
            }
        }
        save(&ann, &rel, &text, entities);
    }
    for (rel, text, words) in TRICKY {
        let path = corpus.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let entities = words.iter().map(|&(w, l)| entity(text, w, l)).collect();
        save(&ann, rel, text, entities);
    }
    (corpus, ann)
}

fn inkmark(root: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_inkmark"))
        .current_dir(root)
        .env("INKMARK_CONFIG_DIR", root.join("no-config"))
        .env("INKMARK_STATE_DIR", root.join("state"))
        .args(args)
        .args(["--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "inkmark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every export the consumers read, plus `truth.json`: each article's text and entities in
/// code points, straight from the annotation files.
fn export_all(root: &Path) {
    let (corpus, ann) = fixture(root);
    let out = root.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let exports: &[(&str, &[&str])] = &[
        ("doccano.jsonl", &["-f", "doccano"]),
        (
            "doccano-graphemes.jsonl",
            &["-f", "doccano", "--offsets", "graphemes"],
        ),
        ("labelstudio.json", &["-f", "labelstudio"]),
        (
            "labelstudio-utf16.json",
            &["-f", "labelstudio", "--offsets", "utf16"],
        ),
        ("spacy.jsonl", &["-f", "spacy"]),
        ("conll.txt", &["-f", "conll"]),
        ("conll-docstart.txt", &["-f", "conll", "--docstart"]),
        ("conll-bioes.txt", &["-f", "conll", "--scheme", "bioes"]),
        ("conll-space.txt", &["-f", "conll", "--sep", "space"]),
        ("brat", &["-f", "brat"]),
    ];
    for (file, args) in exports {
        let target = format!("out/{file}");
        let mut all: Vec<&str> = vec!["export"];
        all.extend_from_slice(args);
        all.extend(["-o", &target]);
        inkmark(root, &all);
    }
    let c = inkmark::corpus::scan(&corpus).unwrap();
    let (docs, skipped) =
        inkmark::export::collect(&c, &ann, &inkmark::export::Filter::default(), || {});
    assert!(skipped.is_empty(), "{skipped:?}");
    let truth: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| {
            let entities: Vec<serde_json::Value> = d
                .entities
                .iter()
                .map(|e| serde_json::json!([e.start, e.end, e.label.name(), e.text]))
                .collect();
            serde_json::json!({"article": d.article, "text": d.text, "entities": entities})
        })
        .collect();
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_string(&truth).unwrap(),
    )
    .unwrap();
}

/// A program to run with, from `var` (set by `.ci/consumers`) or the cached default; or
/// why not.
fn tool(var: &str, default: &str) -> Result<PathBuf, String> {
    if let Ok(why) = std::env::var(format!("{var}_SKIP")) {
        return Err(why);
    }
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(default));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not installed (run .ci/consumers)",
            path.display()
        ))
    }
}

fn run(what: &str, cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "{what} failed:\n{stdout}\n{stderr}");
}

#[test]
#[ignore = "loads the exports into spaCy, seqeval, Label Studio and v-annotator: .ci/consumers runs it"]
fn real_consumers_load_every_export() {
    let dir = tempfile::tempdir().unwrap();
    // INKMARK_CONSUMER_DIR keeps the corpus and the exports for a look afterwards.
    let root = std::env::var_os("INKMARK_CONSUMER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&root).unwrap();
    export_all(&root);
    let out = root.join("out");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/consumers");
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    match tool("INKMARK_CONSUMER_PYTHON", "target/consumer-venv/bin/python") {
        Ok(python) => run(
            "the Python consumers",
            Command::new(python)
                .arg(here.join("check.py"))
                .arg(&out)
                .arg(&readme)
                .current_dir(&out),
        ),
        Err(why) => {
            println!("skipped: spaCy, seqeval, Label Studio: {why}");
            // What needs no package still runs: brat and the offset slicing.
            run(
                "the stdlib checks",
                Command::new("python3")
                    .arg(here.join("check.py"))
                    .arg(&out)
                    .arg(&readme)
                    .arg("--stdlib-only")
                    .current_dir(&out),
            );
        }
    }
    match tool(
        "INKMARK_CONSUMER_NODE_MODULES",
        "target/consumer-node/node_modules",
    ) {
        Ok(modules) => run(
            "doccano's v-annotator",
            Command::new("node")
                .arg(here.join("doccano.js"))
                .arg(&out)
                .env("NODE_PATH", modules),
        ),
        Err(why) => println!("skipped: doccano (v-annotator): {why}"),
    }
}
