//! Patterns and term lists (issue 15 point 2): `detect` with a config that names them,
//! `inkmark patterns --from`, a reading session that accepts a pattern's suggestion, and
//! the panel in a real terminal showing where a suggestion comes from.

use inkmark::corpus;
use inkmark::detect::patterns::{Matcher, PatternDef, Patterns};
use inkmark::detect::{Analysis, SuggestionSource};
use inkmark::label::{Label, Span};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg, Screen};
use inkmark::tui::entities::PanelRow;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

mod common;

const SEED: &str = "seeds/000_fb090d6bc539e31c.txt";

fn inkmark(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    // The user's own config, state and cache stay out of the tests.
    c.env("INKMARK_CONFIG_DIR", dir)
        .env("INKMARK_STATE_DIR", dir)
        .env("INKMARK_CACHE_DIR", dir.join("cache"));
    c
}

/// A config folder: `inkmark.toml` naming `p.jsonl` (with `lines`) and a term list.
fn config(lines: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lists")).unwrap();
    std::fs::write(
        dir.path().join("inkmark.toml"),
        "patterns = [\"p.jsonl\"]\nterms = { ORG = \"lists/orgs.txt\" }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("p.jsonl"), lines).unwrap();
    std::fs::write(
        dir.path().join("lists/orgs.txt"),
        "# organisations\n高新区纪委\n",
    )
    .unwrap();
    dir
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn detect_applies_the_configs_patterns_and_says_where_each_entity_comes_from() {
    let dir = config(concat!(
        "{\"label\": \"QTY\", \"regex\": \"\\\\d+盐\"}\n",
        "{\"label\": \"ORG\", \"pattern\": \"高新区各级党组织\"}\n",
    ));
    let cfg = dir.path().join("inkmark.toml");
    let run = |with: bool| {
        let mut c = inkmark(dir.path());
        c.args(["detect", "--rules", SEED]);
        if with {
            c.arg("--config").arg(&cfg);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&out.stdout).remove(0)
    };
    let plain = run(false);
    let with = run(true);
    // The pattern set is part of the detector's name (and of the cache key).
    let (v0, v1) = (
        plain["detector"].as_str().unwrap(),
        with["detector"].as_str().unwrap(),
    );
    assert!(v1.starts_with(v0) && v1.contains("+p"), "{v0} / {v1}");
    let ents = with["entities"].as_array().unwrap();
    let find = |t: &str| ents.iter().find(|e| e["text"] == t).cloned();
    let org = find("高新区各级党组织").expect("the exact pattern");
    assert_eq!(
        (org["label"].as_str(), org["source"].as_str()),
        (Some("ORG"), Some("pattern"))
    );
    let qty = find("66盐").expect("the regex");
    assert_eq!(
        (qty["label"].as_str(), qty["source"].as_str()),
        (Some("QTY"), Some("pattern"))
    );
    let term = find("高新区纪委").expect("the term list, relative to the config");
    assert_eq!(term["source"], "pattern");
    // The rest still comes from the detector, with its fields as before.
    let model = ents.iter().find(|e| e["source"] == "model").unwrap();
    assert!(model["score"].is_number() && model["start"].is_number());
    // Where a pattern matched, the detector's overlapping spans are gone.
    let (s, e) = (org["start"].as_u64().unwrap(), org["end"].as_u64().unwrap());
    assert!(ents
        .iter()
        .filter(|x| x["source"] == "model")
        .all(|x| { x["end"].as_u64().unwrap() <= s || x["start"].as_u64().unwrap() >= e }));
    assert!(plain["entities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["source"] == "model"));
}

#[test]
fn a_bad_pattern_line_stops_detect_and_the_reader_with_one_line() {
    let dir = config(concat!(
        "{\"label\": \"ORG\", \"pattern\": \"高新区\"}\n",
        "{\"label\": \"DISEASE\", \"pattern\": \"新冠肺炎\"}\n",
    ));
    let cfg = dir.path().join("inkmark.toml");
    for args in [vec!["detect", SEED], vec!["seeds"]] {
        let out = inkmark(dir.path())
            .args(&args)
            .arg("--config")
            .arg(&cfg)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing half-done");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("p.jsonl:2: unknown label \"DISEASE\""),
            "{args:?}: {err}"
        );
    }
    // A missing term list is named too.
    std::fs::remove_file(dir.path().join("lists/orgs.txt")).unwrap();
    std::fs::write(dir.path().join("p.jsonl"), "").unwrap();
    let out = inkmark(dir.path())
        .args(["detect", SEED, "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("orgs.txt: no such file"), "{err}");
}

/// An annotation file of `article` confirming `(text, label)`s.
fn annotation(dir: &Path, article: &str, entities: &[(&str, &str)]) {
    let ents: Vec<serde_json::Value> = entities
        .iter()
        .enumerate()
        .map(|(i, (t, l))| {
            serde_json::json!({"start": i * 10, "end": i * 10 + t.chars().count(),
                "label": l, "text": t, "source": "manual"})
        })
        .collect();
    let file = serde_json::json!({
        "format": "inkmark/1", "article": article, "article_sha256": "00",
        "annotator": "t", "status": "done", "updated": "2026-12-01T00:00:00Z",
        "entities": ents, "rejected": []
    });
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(article.replace(".txt", ".json")), file.to_string()).unwrap();
}

#[test]
fn patterns_from_annotations_writes_the_teams_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let ann = dir.path().join("ann");
    annotation(
        &ann,
        "a.txt",
        &[("武汉", "LOC"), ("钟南山", "PER"), ("武汉", "ORG")],
    );
    annotation(
        &ann.join("sub"),
        "b.txt",
        &[("武汉", "LOC"), ("新冠肺炎", "DISEASE")],
    );
    // Other JSON in the folder (a team's assignment plan) is left alone.
    std::fs::write(ann.join("assignment.json"), "{\"plan\": []}").unwrap();
    let out = inkmark(dir.path())
        .args(["patterns", "--from"])
        .arg(&ann)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "{\"label\":\"LOC\",\"pattern\":\"武汉\"}\n{\"label\":\"PER\",\"pattern\":\"钟南山\"}\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ambiguous: 武汉 confirmed as LOC 2, ORG 1; kept LOC"),
        "{err}"
    );
    assert!(
        err.contains("labelled DISEASE: not in the label set"),
        "{err}"
    );

    // To a file: refused when it exists, unless --force.
    let file = dir.path().join("known.jsonl");
    std::fs::write(&file, "keep me\n").unwrap();
    let out = inkmark(dir.path())
        .args(["patterns", "--from"])
        .arg(&ann)
        .arg("-o")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists (--force replaces it)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");
    let out = inkmark(dir.path())
        .args(["patterns", "--force", "--from"])
        .arg(&ann)
        .arg("-o")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
    // The file loads as patterns.
    let p = inkmark::detect::patterns::load(&[file], &[], &inkmark::label::LabelSet::default())
        .unwrap();
    assert_eq!(p.len(), 2);

    // A broken annotation file stops it, naming the file; nothing is written.
    std::fs::write(ann.join("c.json"), "{\"format\": \"inkmark/1\",").unwrap();
    let out = inkmark(dir.path())
        .args(["patterns", "--from"])
        .arg(&ann)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("c.json: line 1"));
}

/// The reader on the first seed, its detection answered by `model` plus the patterns.
fn session(model: Vec<Span>, patterns: &Patterns) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus::scan(Path::new("seeds")).unwrap();
    let mut app = App::new(
        corpus,
        dir.path().join("ann"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.annotator = "tester".into();
    app.update(Msg::Resize(120, 30));
    app.update(Msg::Open);
    let req = app.requests.remove(0);
    let mut analysis = Analysis {
        scores: vec![0.9; model.len()],
        spans: model,
        ..Default::default()
    };
    patterns.apply(&req.text, &mut analysis);
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(analysis),
    });
    (app, dir)
}

fn at(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count()
}

#[test]
fn a_pattern_suggestion_accepted_with_a_becomes_an_annotation() {
    let text = std::fs::read_to_string(SEED).unwrap();
    let group = at(&text, "高新区各级党组织");
    let patterns = Patterns::new(vec![
        PatternDef {
            label: Label::ORG,
            matcher: Matcher::Exact("高新区各级党组织".into()),
        },
        PatternDef {
            label: Label::TIME,
            matcher: Matcher::Regex(r"\d+月\d+日".into()),
        },
    ])
    .unwrap();
    // The model found 高新区 inside the pattern's text: the pattern wins.
    let (mut app, _dir) = session(vec![Span::new(group, group + 3, Label::LOC)], &patterns);
    {
        let r = app.reader().unwrap();
        let a = r.analysis.as_ref().unwrap();
        assert!(!a.spans.contains(&Span::new(group, group + 3, Label::LOC)));
        assert_eq!(
            r.source_of(&Span::new(group, group + 8, Label::ORG)),
            SuggestionSource::Pattern
        );
    }
    // The panel names the source of each suggestion.
    app.update(Msg::TogglePanel);
    let Screen::Reader(r) = &app.screen else {
        unreachable!()
    };
    let row = r
        .panel
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .find_map(|row| match row {
            PanelRow::Item { text, sources, .. } if text == "高新区各级党组织" => {
                Some(*sources)
            }
            _ => None,
        });
    assert_eq!(row.map(|s| s.names()), Some("pattern".to_string()));
    app.update(Msg::TogglePanel);
    // `]` reaches it (the first mark of the article), `a` accepts it.
    app.update(Msg::NextEntity);
    app.update(Msg::Accept);
    let r = app.reader().unwrap();
    let e = r
        .ann
        .set
        .entities
        .iter()
        .find(|e| e.start == group)
        .expect("accepted");
    assert_eq!(
        (e.end, e.label, e.text.as_str()),
        (group + 8, Label::ORG, "高新区各级党组织")
    );
    assert_eq!(e.source, inkmark::annotation::Source::Accepted);
    // Rejected with x, a pattern's suggestion is not suggested again.
    let date = at(&text, "2月2日");
    let span = Span::new(date, date + 4, Label::TIME);
    assert!(r.ann.set.is_open(&span));
    // `a` moved on to the next suggestion: the regex's date.
    assert_eq!(r.cursor, date);
    app.update(Msg::Reject);
    let r = app.reader().unwrap();
    assert!(!r.ann.set.is_open(&span));
    assert!(r.marks().iter().all(|m| m.span != span));
}

#[test]
fn the_panel_shows_a_pattern_suggestion_and_its_source_in_a_real_terminal() {
    if !common::Tmux::available() {
        eprintln!("note: tmux not installed; end-to-end test skipped");
        return;
    }
    // A name the model finds too: the pattern wins at every mention.
    let dir = config("{\"label\": \"PER\", \"pattern\": \"钱永刚\"}\n");
    let command = format!(
        "INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} seeds --config {d}/inkmark.toml --annotations {d}/ann 2>{d}/stderr; echo $? > {d}/exit",
        d = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
    );
    let t = common::Tmux::start("patterns", 120, 30, &command);
    t.wait_for("0/5 done");
    t.keys(&["Enter"]);
    t.wait_for("守住东大门");
    t.wait_for("PER LOC ORG TIME QTY");
    t.keys(&["p"]);
    let s = t.wait_for("pattern");
    let line = s
        .lines()
        .find(|l| l.contains("钱永刚") && l.contains("pattern"))
        .unwrap_or_else(|| panic!("no panel row with its source:\n{s}"));
    assert!(line.contains("pattern ×17"), "{line}");
    assert!(
        s.contains("model ×"),
        "the model's suggestions say so too:\n{s}"
    );
    // q closes the panel, then leaves the article (not Esc: Esc then q can arrive as
    // Alt-q).
    t.keys(&["q"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    t.keys(&["q"]);
    t.wait_for("0/5 done");
    t.keys(&["q"]);
    let code = common::wait_file(&dir.path().join("exit"));
    assert_eq!(code.trim(), "0");
}

#[test]
fn label_studio_predictions_include_the_patterns_suggestions() {
    let dir = config("{\"label\": \"ORG\", \"pattern\": \"高新区各级党组织\"}\n");
    let ann = dir.path().join("ann");
    let text = std::fs::read_to_string(SEED).unwrap();
    let mut file = inkmark::annotation::AnnotationFile::new(
        "000_fb090d6bc539e31c.txt",
        &inkmark::detect::sha256_hex(text.as_bytes()),
        "t",
    );
    file.status = inkmark::annotation::Status::InProgress;
    std::fs::create_dir_all(&ann).unwrap();
    std::fs::write(ann.join("000_fb090d6bc539e31c.json"), file.to_json()).unwrap();
    let export = |with: bool| {
        let mut c = inkmark(dir.path());
        c.args(["export", "-f", "labelstudio", "seeds", "--annotations"])
            .arg(&ann);
        if with {
            c.arg("--config").arg(dir.path().join("inkmark.toml"));
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tasks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        tasks[0]["predictions"][0]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["value"]["text"].as_str().unwrap().to_string(),
                    r["value"]["labels"][0].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let pattern = ("高新区各级党组织".to_string(), "ORG".to_string());
    assert!(!export(false).contains(&pattern));
    assert!(export(true).contains(&pattern));
}
