//! Export and import: golden files per format, round trips, offsets checked the way the
//! consumers count them, and the stats / check commands.

use inkmark::annotation::store::Store;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::corpus;
use inkmark::detect::sha256_hex;
use inkmark::export::{self, conll, Doc, Filter, Format, Offsets, Options, Scheme};
use inkmark::label::Label;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chinese, ASCII, an emoji (astral) before entities, and a combining mark.
const TEXT: &str = "😀记者高轶鹏报道：Apple公司在cafe\u{301}捐款200万元。\n第二段：高新区。";

fn ent(text: &str, word: &str, label: Label, source: Source) -> Entity {
    let b = text.find(word).unwrap();
    let start = text[..b].chars().count();
    Entity {
        start,
        end: start + word.chars().count(),
        label,
        text: word.to_string(),
        source,
        by: Vec::new(),
    }
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("corpus/sub")).unwrap();
        std::fs::write(dir.path().join("corpus/sub/a.txt"), TEXT).unwrap();
        std::fs::write(dir.path().join("corpus/b.txt"), "没有标注的文章。").unwrap();
        let mut f = AnnotationFile::new("sub/a.txt", &sha256_hex(TEXT.as_bytes()), "tester");
        f.status = Status::Done;
        f.updated = "2026-11-24T00:00:00Z".into();
        f.entities = vec![
            ent(TEXT, "高轶鹏", Label::PER, Source::Manual),
            ent(TEXT, "Apple公司", Label::ORG, Source::Accepted),
            ent(TEXT, "cafe\u{301}", Label::LOC, Source::Manual),
            ent(TEXT, "200万元", Label::QTY, Source::Accepted),
            ent(TEXT, "高新区", Label::LOC, Source::Manual),
        ];
        let (mut store, _) = Store::open(&dir.path().join("ann/sub/a.json")).unwrap();
        store.save(&f).unwrap();
        Fixture { dir }
    }

    fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    fn ann(&self) -> PathBuf {
        self.dir.path().join("ann")
    }

    fn docs(&self) -> Vec<Doc> {
        let c = corpus::scan(&self.corpus()).unwrap();
        let (docs, skipped) = export::collect(&c, &self.ann(), &Filter::default(), || {});
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(docs.len(), 1, "only annotated articles are exported");
        docs
    }
}

#[test]
fn golden_files() {
    let fx = Fixture::new();
    let docs = fx.docs();
    insta::assert_snapshot!(
        "doccano",
        export::render(Format::Doccano, &docs, Scheme::Bio)
    );
    insta::assert_snapshot!(
        "labelstudio",
        export::render(Format::Labelstudio, &docs, Scheme::Bio)
    );
    insta::assert_snapshot!("brat", export::brat::ann(&docs[0]));
    insta::assert_snapshot!("conll_bio", conll::render(&docs, Scheme::Bio));
    insta::assert_snapshot!("conll_bioes", conll::render(&docs, Scheme::Bioes));
    insta::assert_snapshot!("spacy", export::render(Format::Spacy, &docs, Scheme::Bio));
    insta::assert_snapshot!("annotation_conf", export::brat::annotation_conf());
}

#[test]
fn filters_by_status_and_label() {
    let fx = Fixture::new();
    let c = corpus::scan(&fx.corpus()).unwrap();
    let only_todo = Filter {
        status: Some(Status::Todo),
        labels: vec![],
    };
    assert!(export::collect(&c, &fx.ann(), &only_todo, || {})
        .0
        .is_empty());
    let locs = Filter {
        status: Some(Status::Done),
        labels: vec![Label::LOC],
    };
    let docs = export::collect(&c, &fx.ann(), &locs, || {}).0;
    assert_eq!(docs[0].entities.len(), 2);
}

fn spans(f: &AnnotationFile) -> Vec<(usize, usize, Label)> {
    let mut v: Vec<_> = f
        .entities
        .iter()
        .map(|e| (e.start, e.end, e.label))
        .collect();
    v.sort();
    v
}

fn read_ann(path: &Path) -> AnnotationFile {
    AnnotationFile::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn export_then_import_gives_back_the_annotations() {
    let fx = Fixture::new();
    let docs = fx.docs();
    let original = read_ann(&fx.ann().join("sub/a.json"));
    for format in [
        Format::Doccano,
        Format::Labelstudio,
        Format::Spacy,
        Format::Brat,
    ] {
        let parsed = match format {
            Format::Doccano => {
                export::doccano::parse(&export::render(format, &docs, Scheme::Bio), Offsets::Utf16)
                    .unwrap()
            }
            Format::Labelstudio => export::labelstudio::parse(
                &export::render(format, &docs, Scheme::Bio),
                Offsets::Codepoints,
            )
            .unwrap(),
            Format::Spacy => {
                export::spacy::parse(&export::render(format, &docs, Scheme::Bio)).unwrap()
            }
            _ => vec![export::brat::parse_ann(
                &export::brat::ann(&docs[0]),
                TEXT,
                Some("sub/a.txt".into()),
            )
            .unwrap()],
        };
        // Into a fresh annotation folder: the same spans come back.
        let fresh = fx.dir.path().join(format!("fresh-{}", format.name()));
        let c = corpus::scan(&fx.corpus()).unwrap();
        let report = export::import::apply(&parsed, &c, &fresh, "importer", || {});
        assert!(report.problems.is_empty(), "{format:?}: {report:?}");
        assert!(
            report.created.is_empty(),
            "{format:?}: matched the existing article"
        );
        let back = read_ann(&fresh.join("sub/a.json"));
        assert_eq!(spans(&back), spans(&original), "{format:?}");
        for e in &back.entities {
            assert_eq!(export::slice(TEXT, e.start, e.end), e.text);
        }
    }
}

#[test]
fn conll_round_trip_keeps_texts_and_labels() {
    let fx = Fixture::new();
    let docs = fx.docs();
    for scheme in [Scheme::Bio, Scheme::Bioes] {
        let options = Options {
            scheme,
            docstart: true,
            ..Options::default()
        };
        let out = conll::render_opts(&docs, &options);
        let back = conll::parse(&out).unwrap();
        assert_eq!(back.len(), 1);
        let got: Vec<(String, Label)> = back[0]
            .spans
            .iter()
            .map(|s| {
                let s = s.span;
                (export::slice(&back[0].text, s.start, s.end), s.label)
            })
            .collect();
        // Whitespace is not written in CoNLL; the texts come back without it.
        let want: Vec<(String, Label)> = docs[0]
            .entities
            .iter()
            .map(|e| (e.text.replace(' ', ""), e.label))
            .collect();
        assert_eq!(got, want, "{scheme:?}");
    }
}

#[test]
fn import_creates_articles_that_do_not_exist() {
    let fx = Fixture::new();
    let line = r#"{"text": "新文章：高新区", "label": [[4, 7, "LOC"]]}"#;
    let docs = export::doccano::parse(line, Offsets::Utf16).unwrap();
    let c = corpus::scan(&fx.corpus()).unwrap();
    let report = export::import::apply(&docs, &c, &fx.ann(), "importer", || {});
    assert_eq!(report.created.len(), 1, "{report:?}");
    let created = fx.corpus().join(&report.created[0]);
    assert_eq!(std::fs::read_to_string(&created).unwrap(), "新文章：高新区");
    let f = read_ann(&fx.ann().join(&report.created[0]).with_extension("json"));
    assert_eq!(f.entities[0].text, "高新区");
}

#[test]
fn malformed_imports_are_reported_with_their_place() {
    let problems = |s: &str| {
        export::doccano::parse(s, Offsets::Utf16).unwrap()[0]
            .problems
            .clone()
    };
    // A label no name can carry is kept by its name, for `import --map`.
    let d = export::doccano::parse(
        "{\"text\": \"a\", \"label\": [[0, 1, \"疾病\"]]}",
        Offsets::Utf16,
    )
    .unwrap();
    assert_eq!(d[0].spans[0].foreign.as_deref(), Some("疾病"));
    // UTF-16 offset inside the surrogate pair of an emoji.
    assert!(
        problems("{\"text\": \"😀a\", \"label\": [[1, 3, \"PER\"]]}")[0]
            .contains("character boundaries")
    );
    assert!(export::doccano::parse("{broken", Offsets::Utf16)
        .unwrap_err()
        .contains("line 1"));
    assert!(conll::parse("字 B-PER\n坏\n")
        .unwrap_err()
        .contains("line 2"));
}

/// Offsets checked the way the consumers count: Python string slices for code-point
/// formats (spaCy, brat, Label Studio), UTF-16 slices for doccano.
#[test]
fn consumers_read_the_same_entity_texts() {
    let python = Command::new("python3").arg("--version").output();
    if python.is_err() {
        eprintln!("note: python3 not found; consumer check skipped");
        return;
    }
    let fx = Fixture::new();
    let docs = fx.docs();
    let out = fx.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    for f in [Format::Doccano, Format::Labelstudio, Format::Spacy] {
        std::fs::write(
            out.join(f.default_file()),
            export::render(f, &docs, Scheme::Bio),
        )
        .unwrap();
    }
    export::write(Format::Brat, &docs, &out.join("brat"), Scheme::Bio).unwrap();
    let script = r#"
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
want = {"高轶鹏", "Apple公司", "cafe\u0301", "200万元", "高新区"}
def u16(text, s, e):
    b = text.encode("utf-16-le")
    return b[2 * s:2 * e].decode("utf-16-le")
for line in open(out / "doccano.jsonl", encoding="utf-8"):
    d = json.loads(line)
    got = {u16(d["text"], s, e) for s, e, _ in d["label"]}
    assert got == want, ("doccano", got)
for task in json.load(open(out / "labelstudio.json", encoding="utf-8")):
    text = task["data"]["text"]
    for r in task["annotations"][0]["result"]:
        v = r["value"]
        assert text[v["start"]:v["end"]] == v["text"], ("labelstudio", v)
for line in open(out / "spacy.jsonl", encoding="utf-8"):
    d = json.loads(line)
    got = {d["text"][s["start"]:s["end"]] for s in d["spans"]}
    assert got == want, ("spacy", got)
text = (out / "brat" / "sub" / "a.txt").read_text(encoding="utf-8")
got = set()
for line in (out / "brat" / "sub" / "a.ann").read_text(encoding="utf-8").splitlines():
    tid, mid, t = line.split("\t")
    _, s, e = mid.split(" ")
    assert text[int(s):int(e)] == t, ("brat", line)
    got.add(t)
assert got == want, ("brat", got)
print("ok")
"#;
    let res = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&res.stdout).trim(), "ok");
}

/// doccano projects that count grapheme clusters: read as UTF-16 (the default), the spans
/// split a cluster; the import reports each with its line and writes nothing `check`
/// rejects. `--offsets graphemes` reads them right, and writes them back the same way.
#[test]
fn imports_never_write_what_check_rejects_and_doccano_grapheme_offsets() {
    let fx = Fixture::new();
    let text = "cafe\u{301}高轶鹏👨\u{200d}👩\u{200d}👧北京";
    // Graphemes: c a f é 高 轶 鹏 👨‍👩‍👧 北 京
    let line = format!(r#"{{"text": "{text}", "label": [[4, 7, "PER"], [8, 10, "LOC"]]}}"#);
    let c = corpus::scan(&fx.corpus()).unwrap();
    let as_utf16 = export::doccano::parse(&line, Offsets::Utf16).unwrap();
    let report = export::import::apply(&as_utf16, &c, &fx.ann(), "importer", || {});
    assert_eq!(report.entities, 0, "{report:?}");
    assert_eq!(report.problems.len(), 2, "{report:?}");
    let created = report.created[0].clone();
    assert!(report.problems[0].starts_with("line 1: PER 4..7: splits a character"));
    assert!(
        report.problems[1].starts_with("line 1: LOC 8..9: splits a character"),
        "{report:?}"
    );
    let c = corpus::scan(&fx.corpus()).unwrap();
    let check = inkmark::headless::check(&c, &fx.ann(), || {});
    assert!(check.is_empty(), "{check:?}");

    let as_graphemes = export::doccano::parse(&line, Offsets::Graphemes).unwrap();
    let c = corpus::scan(&fx.corpus()).unwrap();
    let report = export::import::apply(&as_graphemes, &c, &fx.ann(), "importer", || {});
    assert!(report.problems.is_empty(), "{report:?}");
    let f = read_ann(&fx.ann().join(&created).with_extension("json"));
    let texts: Vec<&str> = f.entities.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["高轶鹏", "北京"]);
    // Export in graphemes gives the same numbers back.
    let c = corpus::scan(&fx.corpus()).unwrap();
    let (docs, _) = export::collect(&c, &fx.ann(), &Filter::default(), || {});
    let doc = docs.iter().find(|d| d.text == text).unwrap();
    let options = Options {
        offsets: Some(Offsets::Graphemes),
        ..Options::default()
    };
    let out = export::render_with(Format::Doccano, std::slice::from_ref(doc), &options).unwrap();
    assert!(
        out.contains(r#""label":[[4,7,"PER"],[8,10,"LOC"]]"#),
        "{out}"
    );
    // A unit the format does not count in is refused.
    let spacy = Options {
        offsets: Some(Offsets::Utf16),
        ..Options::default()
    };
    assert!(export::render_with(Format::Spacy, &docs, &spacy)
        .unwrap_err()
        .contains("spacy offsets cannot be utf16"));
}

/// A brat folder as brat keeps it: a nested LOC inside an ORG, a discontinuous entity, an
/// unknown type, and an article in a subfolder with CR LF line ends and an emoji.
#[test]
fn brat_import_reports_what_it_cannot_take_and_keeps_subfolders() {
    let fx = Fixture::new();
    let brat = fx.dir.path().join("bratin");
    std::fs::create_dir_all(brat.join("tricky")).unwrap();
    std::fs::write(
        brat.join("annotation.conf"),
        export::brat::annotation_conf(),
    )
    .unwrap();
    let text = "😀中国的政府说：\r\n郑州市卫生健康委员会和高轶鹏在北京。";
    std::fs::write(brat.join("tricky/crlf_emoji.txt"), text).unwrap();
    let at = |w: &str| {
        let b = text.find(w).unwrap();
        let s = text[..b].chars().count();
        format!("{s} {}", s + w.chars().count())
    };
    let ann = format!(
        "T1\tORG {}\t郑州市卫生健康委员会\nT2\tPER {}\t高轶鹏\nT3\tLOC {}\t北京\n\
         T4\tLOC {}\t中国\nT5\tLOC {}\t郑州市\nT6\tORG {};{}\t中国 政府\n\
         T7\t疾病 {}\t北京\n#1\tAnnotatorNotes T1\tnote\n",
        at("郑州市卫生健康委员会"),
        at("高轶鹏"),
        at("北京"),
        at("中国"),
        at("郑州市"),
        at("中国"),
        at("政府"),
        at("北京"),
    );
    std::fs::write(brat.join("tricky/crlf_emoji.ann"), ann).unwrap();
    // A type outside the label set stops the import before anything is written.
    let out = inkmark(&fx)
        .args(["import", "-f", "brat", "bratin/tricky/crlf_emoji.ann"])
        .args(["--dir", "fresh", "--annotations", "fresh-ann"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("label 疾病 is not in the label set: 1 span (first: bratin/tricky/crlf_emoji.ann: line 7 (T7))"), "{err}");
    assert!(!fx.dir.path().join("fresh/tricky").exists());
    // Mapped, T7 is the LOC 北京 of T3 again: kept once.
    let out = inkmark(&fx)
        .args(["import", "-f", "brat", "bratin/tricky/crlf_emoji.ann"])
        .args([
            "--dir",
            "fresh",
            "--annotations",
            "fresh-ann",
            "--map",
            "疾病=LOC",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("imported 4 entities into 1 article ("),
        "{err}"
    );
    let created = fx.dir.path().join("fresh/tricky/crlf_emoji.txt");
    assert_eq!(std::fs::read_to_string(&created).unwrap(), text);
    let f = read_ann(&fx.dir.path().join("fresh-ann/tricky/crlf_emoji.json"));
    let texts: Vec<&str> = f.entities.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["中国", "郑州市卫生健康委员会", "高轶鹏", "北京"]);
    for needle in [
        "crlf_emoji.ann: line 5 (T5): LOC 10..13 \"郑州市\" overlaps ORG 10..20 (bratin/tricky/crlf_emoji.ann: line 1 (T1)); inkmark has no nested entities; not imported",
        "crlf_emoji.ann: line 6: T6 ORG: a discontinuous entity",
    ] {
        assert!(err.contains(needle), "{needle:?} missing in:\n{err}");
    }
}

// --- the commands -----------------------------------------------------------------------

fn inkmark(fx: &Fixture) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    c.current_dir(fx.dir.path())
        .env("INKMARK_CONFIG_DIR", fx.dir.path().join("no-config"))
        .env("INKMARK_STATE_DIR", fx.dir.path().join("state"));
    c
}

#[test]
fn export_and_import_commands() {
    let fx = Fixture::new();
    let out = inkmark(&fx)
        .args(["export", "-f", "doccano", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jsonl = String::from_utf8(out.stdout).unwrap();
    assert_eq!(jsonl.lines().count(), 1);
    std::fs::write(fx.dir.path().join("in.jsonl"), &jsonl).unwrap();
    let out = inkmark(&fx)
        .args([
            "import",
            "-f",
            "doccano",
            "in.jsonl",
            "--dir",
            "corpus",
            "--annotations",
            "ann2",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("imported 5 entities into 1 article ("),
        "{err}"
    );
    // brat needs a folder and says where it wrote.
    let out = inkmark(&fx)
        .args([
            "export",
            "-f",
            "brat",
            "-o",
            "bratout",
            "--annotations",
            "ann",
            "corpus",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("bratout"));
    assert!(fx.dir.path().join("bratout/sub/a.ann").exists());
    assert!(fx.dir.path().join("bratout/annotation.conf").exists());
    // Without -o: exports/brat, the folder `E` writes too (it was export-brat/).
    let out = inkmark(&fx)
        .args(["export", "-f", "brat", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exports/brat/"), "{err}");
    assert!(fx.dir.path().join("exports/brat/sub/a.ann").exists());
    assert!(!fx.dir.path().join("export-brat").exists());
    // An offset unit the format does not count in is refused before any work.
    let out = inkmark(&fx)
        .args(["export", "-f", "labelstudio", "--offsets", "graphemes"])
        .args(["--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("labelstudio offsets cannot be graphemes (it takes codepoints or utf16)"),
        "{err}"
    );
}

#[test]
fn stats_command() {
    let fx = Fixture::new();
    let out = inkmark(&fx)
        .args(["stats", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("articles   2 (1 with annotations)"), "{s}");
    assert!(s.contains("done 1"), "{s}");
    assert!(s.contains("LOC       2   cafe\u{301} ×1, 高新区 ×1"), "{s}");
    assert!(s.contains("manual 3 accepted 2"), "{s}");
    let out = inkmark(&fx)
        .args(["stats", "--json", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["by_label"]["LOC"], 2);
    assert_eq!(v["by_status"]["none"], 1);
}

#[test]
fn check_command_lists_every_problem() {
    let fx = Fixture::new();
    let ok = inkmark(&fx)
        .args(["check", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // Break things: a span off its text and inside a cluster, an overlap, a broken file,
    // an orphan file, and drift.
    let path = fx.ann().join("sub/a.json");
    let mut f = read_ann(&path);
    f.entities[0].text = "别的".into();
    let combining = f
        .entities
        .iter()
        .position(|e| e.label == Label::LOC)
        .unwrap();
    f.entities[combining].end -= 1;
    f.entities[combining].text = "cafe".into();
    f.entities.push(Entity {
        start: 4,
        end: 6,
        label: Label::ORG,
        text: "轶鹏".into(),
        source: Source::Manual,
        by: Vec::new(),
    });
    std::fs::write(&path, f.to_json()).unwrap();
    std::fs::write(fx.ann().join("b.json"), "{ not json").unwrap();
    std::fs::write(fx.ann().join("gone.json"), f.to_json()).unwrap();
    let out = inkmark(&fx)
        .args(["check", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "the article has \"高轶鹏\" there",
        "splits a character",
        "overlaps PER",
        "b.json: does not parse: line 1, column 3",
        // A copy of sub/a.txt's file under another name: check says whose it is.
        "gone.json: belongs to sub/a.txt, whose annotations are read from",
    ] {
        assert!(s.contains(needle), "{needle:?} missing in:\n{s}");
    }
    std::fs::write(fx.corpus().join("sub/a.txt"), format!("{TEXT}追加")).unwrap();
    let out = inkmark(&fx)
        .args(["check", "--annotations", "ann", "corpus"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("drift"));
}

#[test]
fn completions_for_bash() {
    let fx = Fixture::new();
    let out = inkmark(&fx).args(["completions", "bash"]).output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("export") && s.contains("labelstudio"),
        "{}",
        &s[..200.min(s.len())]
    );
}
