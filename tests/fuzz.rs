//! Fuzzing with proptest: parsers and the update function fed random and mutated input
//! must never panic. `INKMARK_FUZZ_CASES=100000 cargo test --release --test fuzz` for a
//! long run (the default keeps CI fast); RELIABILITY.md has the figures.

use inkmark::annotation::AnnotationFile;
use inkmark::export::{self, Offsets};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("INKMARK_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

const VALID_FILE: &str = r#"{
  "format": "inkmark/1",
  "article": "a.txt",
  "article_sha256": "00",
  "annotator": "x",
  "status": "done",
  "updated": "",
  "entities": [
    {"start": 0, "end": 3, "label": "PER", "text": "高轶鹏", "source": "manual"}
  ],
  "rejected": []
}"#;

/// A valid document with a few bytes replaced, inserted or removed.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((0usize..valid.len(), any::<u8>(), 0u8..3), 1..6).prop_map(move |edits| {
        let mut bytes = valid.as_bytes().to_vec();
        for (at, b, kind) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match kind {
                0 => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ => {
                    if !bytes.is_empty() {
                        bytes.remove(at);
                    }
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "高",
            "新",
            "区",
            "😀",
            "e\u{301}",
            "\n",
            "\t",
            " ",
            "O",
            "B-PER",
            "I-LOC",
            "E-ORG",
            "S-QTY",
            "-DOCSTART-",
            "T1\tPER 0 3\t高新区",
            ";",
            "[",
            "]",
            "{",
            "}",
            "\"",
            ":",
            ",",
            "0",
            "99",
            "label",
            "text",
            "start",
        ]),
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn annotation_files_never_panic_the_parser(src in prop_oneof![mutated(VALID_FILE), text_strategy(), any::<String>()]) {
        if let Ok(f) = AnnotationFile::parse(&src) {
            // What parses can be written and read back.
            prop_assert!(AnnotationFile::parse(&f.to_json()).is_ok());
        }
    }

    #[test]
    fn import_parsers_never_panic(src in prop_oneof![text_strategy(), any::<String>()], text in text_strategy()) {
        for unit in [Offsets::Utf16, Offsets::Graphemes] {
            let _ = export::doccano::parse(&src, unit);
        }
        for unit in [Offsets::Codepoints, Offsets::Utf16] {
            let _ = export::labelstudio::parse(&src, unit);
        }
        let _ = export::spacy::parse(&src);
        let _ = export::conll::parse(&src);
        let _ = export::brat::parse_ann(&src, &text, None);
    }

    #[test]
    fn mutated_exports_never_panic_the_importers(seed in mutated(r#"{"text": "😀高新区", "label": [[2, 5, "LOC"]], "article": "a.txt"}"#)) {
        if let Ok(docs) = export::doccano::parse(&seed, Offsets::Utf16) {
            // Applying whatever parsed must not panic either (spans are checked there).
            let dir = tempfile::tempdir().unwrap();
            let corpus = inkmark::corpus::scan(dir.path()).unwrap();
            let _ = export::import::apply(&docs, &corpus, &dir.path().join("ann"), "fuzz", || {});
        }
    }
}

fn any_msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        Just(Msg::Up),
        Just(Msg::Down),
        Just(Msg::Left),
        Just(Msg::Right),
        Just(Msg::WordNext),
        Just(Msg::WordPrev),
        Just(Msg::PageUp),
        Just(Msg::PageDown),
        Just(Msg::HalfPageUp),
        Just(Msg::HalfPageDown),
        Just(Msg::ScrollUp),
        Just(Msg::ScrollDown),
        Just(Msg::Top),
        Just(Msg::Bottom),
        Just(Msg::Open),
        Just(Msg::Back),
        Just(Msg::ToggleHelp),
        Just(Msg::StartPrompt),
        any::<char>().prop_map(Msg::Input),
        Just(Msg::Backspace),
        Just(Msg::Confirm),
        Just(Msg::Cancel),
        Just(Msg::NextMatch),
        Just(Msg::PrevMatch),
        (0u16..300, 0u16..100).prop_map(|(w, h)| Msg::Resize(w, h)),
        Just(Msg::NextEntity),
        Just(Msg::PrevEntity),
        Just(Msg::TogglePanel),
        Just(Msg::SwitchFocus),
        Just(Msg::FilterMenu),
        (0usize..10).prop_map(Msg::Label),
        Just(Msg::Select),
        Just(Msg::Accept),
        Just(Msg::Reject),
        Just(Msg::AcceptAll),
        Just(Msg::Delete),
        Just(Msg::Relabel),
        (any::<bool>(), any::<bool>()).prop_map(|(start, right)| Msg::Edge { start, right }),
        Just(Msg::LabelEverywhere),
        Just(Msg::Undo),
        Just(Msg::Redo),
        Just(Msg::Save),
        Just(Msg::AutoSave),
        Just(Msg::CycleStatus),
        Just(Msg::ToggleStats),
        Just(Msg::Yes),
        Just(Msg::YesCorpus),
        Just(Msg::No),
        (0u16..300, 0u16..100).prop_map(|(col, row)| Msg::Click { col, row }),
        (0u16..300, 0u16..100).prop_map(|(col, row)| Msg::Drag { col, row }),
        any::<bool>().prop_map(|down| Msg::Wheel { down }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases() / 10 + 1))]

    /// Random key, mouse and resize sequences over a corpus of hostile little articles:
    /// no panic, and every frame drawn.
    #[test]
    fn the_app_survives_any_message_sequence(msgs in prop::collection::vec(any_msg(), 1..120)) {
        let dir = tempfile::tempdir().unwrap();
        let corpus_dir = dir.path().join("c");
        std::fs::create_dir_all(&corpus_dir).unwrap();
        std::fs::write(corpus_dir.join("a.txt"), "😀标题\u{1b}[31m\n\n记者高轶鹏报道，e\u{301}高新区\u{202e}。\r\n\t2020年1月24日").unwrap();
        std::fs::write(corpus_dir.join("b.txt"), b"\xff\xfe bad \x00 bytes").unwrap();
        std::fs::write(corpus_dir.join("c.txt"), "").unwrap();
        let corpus = inkmark::corpus::scan(&corpus_dir).unwrap();
        let mut app = App::new(corpus, dir.path().join("ann"), WidthOptions::default(), Positions::default());
        app.exports_dir = dir.path().join("exports");
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        let mut late = Vec::new();
        for m in msgs {
            if let Msg::Resize(w, h) = m {
                terminal.backend_mut().resize(w, h);
            }
            app.update(m);
            // Answer detection requests as the worker does for a long text: the part
            // around the reading position at once, the whole a few messages later.
            for req in std::mem::take(&mut app.requests) {
                let spans = vec![inkmark::label::Span::new(1, 3, inkmark::label::Label::PER)];
                app.update(Msg::DetectedNear { sha: req.sha.clone(), analysis: std::sync::Arc::new(inkmark::detect::Analysis { spans, words: [0, 1].into_iter().collect(), ..Default::default() }) });
                late.push((req, 3));
            }
            // The stats view's numbers, as the shell's thread delivers them.
            if std::mem::take(&mut app.stats.wanted) {
                let data = std::sync::Arc::new(inkmark::stats::compute(&inkmark::tui::modes::stats_job(&app)));
                let generation = app.stats.generation;
                app.update(Msg::StatsReady(inkmark::tui::modes::StatsReady { generation, data }));
            }
            for (req, wait) in std::mem::take(&mut late) {
                if wait > 0 {
                    late.push((req, wait - 1));
                    continue;
                }
                let spans = vec![
                    inkmark::label::Span::new(1, 3, inkmark::label::Label::PER),
                    inkmark::label::Span::new(5, 7, inkmark::label::Label::LOC),
                ];
                app.update(Msg::Detected { sha: req.sha, analysis: std::sync::Arc::new(inkmark::detect::Analysis { spans, words: [0, 1, 3, 5].into_iter().collect(), ..Default::default() }) });
            }
            terminal.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
            if app.should_quit {
                break;
            }
        }
    }
}
