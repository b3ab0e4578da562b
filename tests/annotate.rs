//! Annotating by keyboard: whole sessions driven by messages, checked in the saved JSON.

mod common;

use common::session::{offset, select_and_label, send, span, spans_of, walk_to, Fixture};
use inkmark::annotation::AnnotationFile;
use inkmark::detect::{sha256_hex, Analysis};
use inkmark::label::{Label, Span};
use inkmark::tui::app::{App, Msg, Progress};
use std::path::Path;
use std::sync::Arc;

const TEXT: &str = "标题：高新区防控纪实\n\n记者高轶鹏报道，高新区纪委2月2日排查4836户。高新区居民说好。\n\n平煤神马集团捐款200万元。\n";

/// Suggestions and word boundaries as the detector would send them.
fn analysis(text: &str) -> Analysis {
    let mut spans: Vec<Span> = [
        span(text, "高新区", 0, Label::LOC),
        span(text, "高轶鹏", 0, Label::PER),
        span(text, "高新区", 1, Label::LOC),
        span(text, "2月2日", 0, Label::TIME),
        span(text, "4836户", 0, Label::QTY),
        span(text, "高新区", 2, Label::LOC),
        span(text, "平煤神马集团", 0, Label::ORG),
        span(text, "200万元", 0, Label::QTY),
    ]
    .into_iter()
    .flatten()
    .collect();
    spans.sort();
    // Word starts: every character, except that the words above are one word each.
    let words = (0..text.chars().count())
        .filter(|&w| !spans.iter().any(|s| s.start < w && w < s.end))
        .collect();
    Analysis {
        spans,
        words,
        ..Default::default()
    }
}

fn open(app: &mut App) {
    app.update(Msg::Open);
    // Reopening in the same session needs no detection.
    if let Some(req) = app.requests.pop() {
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(analysis(&req.text)),
        });
    }
}

fn cursor_to(app: &mut App, needle: &str, nth: usize) {
    walk_to(app, offset(TEXT, needle, nth));
}

fn labels(f: &AnnotationFile) -> Vec<(String, Label, String)> {
    f.entities
        .iter()
        .map(|e| {
            (
                e.text.clone(),
                e.label,
                format!("{:?}", e.source).to_lowercase(),
            )
        })
        .collect()
}

#[test]
fn accept_reject_label_undo_and_save() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    // ] to the first suggestion, a accepts it and moves on, x rejects the next.
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    // The status bar names what the cursor is on now, then what was done.
    assert_eq!(
        app.message.as_deref(),
        Some("now on PER suggested 高轶鹏 · accepted LOC 高新区")
    );
    assert_eq!(app.reader().unwrap().cursor, offset(TEXT, "高轶鹏", 0));
    send(&mut app, &[Msg::Reject]);
    assert_eq!(
        app.message.as_deref(),
        Some("now on LOC suggested 高新区 · rejected PER 高轶鹏")
    );
    // With no selection, a label key labels the word under the cursor.
    cursor_to(&mut app, "高轶鹏", 0);
    send(&mut app, &[Msg::Label(0)]);
    assert_eq!(app.message.as_deref(), Some("labelled: PER 高轶鹏"));
    // v selects; the label covers the selection, cursor's character included.
    cursor_to(&mut app, "纪委", 0);
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Label(2)]);
    assert_eq!(app.message.as_deref(), Some("labelled: ORG 纪委"));
    // u / Ctrl-r.
    send(&mut app, &[Msg::Undo]);
    assert!(app
        .reader()
        .unwrap()
        .ann
        .set
        .entities
        .iter()
        .all(|e| e.text != "纪委"));
    send(&mut app, &[Msg::Redo, Msg::Save]);
    assert_eq!(app.message.as_deref(), Some("saved"));
    let f = fx.saved();
    assert_eq!(
        labels(&f),
        [
            ("高新区".into(), Label::LOC, "accepted".into()),
            ("高轶鹏".into(), Label::PER, "manual".into()),
            ("纪委".into(), Label::ORG, "manual".into()),
        ]
    );
    // 高轶鹏 was rejected, then labelled PER by hand: the rejection was taken back (qa2 9b).
    assert!(f.rejected.is_empty(), "{:?}", f.rejected);
    assert_eq!(f.annotator, "tester");
    assert_eq!(f.article, "a.txt");
    assert_eq!(f.article_sha256, sha256_hex(TEXT.as_bytes()));
    // Offsets are code points into the article.
    let chars: Vec<char> = TEXT.chars().collect();
    for e in &f.entities {
        assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.text);
    }
}

#[test]
fn relabel_delete_edges_status_and_the_library() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, "纪委", 0);
    send(&mut app, &[Msg::Label(2)]);
    let edge = |start, right| Msg::Edge { start, right };
    // Edges move by whole words: the start grows over 高新区 (a suggestion, one word).
    send(&mut app, &[edge(true, false)]);
    assert_eq!(app.message.as_deref(), Some("now: ORG 高新区纪"));
    send(&mut app, &[edge(false, true)]);
    assert_eq!(app.message.as_deref(), Some("now: ORG 高新区纪委"));
    send(&mut app, &[edge(false, false), edge(false, true)]);
    assert_eq!(app.message.as_deref(), Some("now: ORG 高新区纪委"));
    send(&mut app, &[edge(true, true)]);
    assert_eq!(app.message.as_deref(), Some("now: ORG 纪委"));
    send(&mut app, &[edge(true, false)]);
    assert_eq!(app.message.as_deref(), Some("now: ORG 高新区纪委"));
    // An edited span is manual (defect 17: one rule for edges and relabels).
    let r = app.reader().unwrap();
    assert_eq!(
        r.ann.set.entities[0].source,
        inkmark::annotation::Source::Manual
    );
    // r then a label key relabels.
    send(&mut app, &[Msg::Relabel, Msg::Label(1)]);
    assert_eq!(app.message.as_deref(), Some("relabelled: LOC 高新区纪委"));
    send(&mut app, &[Msg::CycleStatus, Msg::CycleStatus]);
    assert_eq!(app.message.as_deref(), Some("status: done"));
    send(&mut app, &[Msg::Back]);
    // Leaving saved; the library shows status and count, the header the totals.
    assert!(app.reader().is_none());
    assert_eq!(
        app.progress[0],
        Progress::Some {
            status: inkmark::annotation::Status::Done,
            entities: 1
        }
    );
    assert_eq!(app.totals(), (1, 1, 1));
    // Delete, undoably.
    open(&mut app);
    cursor_to(&mut app, "纪委", 0);
    send(&mut app, &[Msg::Delete]);
    assert_eq!(app.message.as_deref(), Some("deleted: LOC 高新区纪委"));
    send(&mut app, &[Msg::Save]);
    assert!(fx.saved().entities.is_empty());
}

#[test]
fn accept_all_and_label_everywhere_ask_first() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::AcceptAll]);
    assert_eq!(app.message, None);
    let r = app.reader().unwrap();
    assert!(
        matches!(&r.pending, inkmark::tui::app::Pending::Confirm { prompt, .. } if prompt == "Accept all 3 LOC suggestions? (y/n)")
    );
    send(&mut app, &[Msg::No]);
    assert!(app.reader().unwrap().ann.set.entities.is_empty());
    send(&mut app, &[Msg::AcceptAll, Msg::Yes]);
    assert_eq!(app.reader().unwrap().ann.set.entities.len(), 3);
    send(&mut app, &[Msg::Undo]);
    assert!(
        app.reader().unwrap().ann.set.entities.is_empty(),
        "one undo for the whole batch"
    );
    // * labels the other occurrences of a span's text.
    cursor_to(&mut app, "居民", 0);
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Label(0)]);
    cursor_to(&mut app, "高新区", 0);
    send(&mut app, &[Msg::Label(1), Msg::LabelEverywhere, Msg::Yes]);
    assert_eq!(app.message.as_deref(), Some("labelled 2 spans (u undoes)"));
    let texts: Vec<String> = app
        .reader()
        .unwrap()
        .ann
        .set
        .entities
        .iter()
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(texts, ["高新区", "高新区", "高新区", "居民"]);
}

#[test]
fn autosave_and_quit_save_everything() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    assert!(app.unsaved());
    send(&mut app, &[Msg::AutoSave]);
    assert!(!app.unsaved());
    assert_eq!(fx.saved().entities.len(), 1);
    send(&mut app, &[Msg::Accept, Msg::Quit]);
    assert!(app.should_quit);
    assert_eq!(fx.saved().entities.len(), 2);
}

#[test]
fn a_corrupt_annotation_file_opens_read_only_and_stays_untouched() {
    let fx = Fixture::new(TEXT);
    std::fs::create_dir_all(&fx.annotations).unwrap();
    let broken = "{\n  \"format\": \"inkmark/1\",\n  \"entities\": [\n";
    std::fs::write(fx.file(), broken).unwrap();
    let mut app = fx.app();
    assert!(matches!(app.progress[0], Progress::Broken(_)));
    open(&mut app);
    let m = app.message.clone().unwrap();
    assert!(
        m.contains("read-only") && m.contains("a.json") && m.contains("line 4"),
        "{m}"
    );
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    assert!(app.message.as_deref().unwrap().starts_with("read-only"));
    send(&mut app, &[Msg::Save, Msg::Back, Msg::Quit]);
    assert_eq!(std::fs::read_to_string(fx.file()).unwrap(), broken);
}

#[test]
fn a_changed_article_reanchors_and_keeps_what_it_cannot_place() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, "高轶鹏", 0);
    send(&mut app, &[Msg::Label(0)]);
    cursor_to(&mut app, "居民", 0);
    send(
        &mut app,
        &[Msg::Select, Msg::Right, Msg::Label(0), Msg::Back],
    );
    // Someone edits the article: text inserted before, one annotated word removed.
    let changed = format!("新增一段导语。\n{}", TEXT.replace("居民", "群众"));
    std::fs::write(fx.corpus.join("a.txt"), &changed).unwrap();
    let mut app = fx.app();
    open(&mut app);
    let m = app.message.clone().unwrap();
    assert!(m.contains("1 span moved, 1 could not be placed"), "{m}");
    let r = app.reader().unwrap();
    assert_eq!(r.ann.set.entities[0].start, offset(&changed, "高轶鹏", 0));
    assert_eq!(r.ann.unanchored.len(), 1);
    send(&mut app, &[Msg::Save]);
    let f = fx.saved();
    assert_eq!(f.article_sha256, sha256_hex(changed.as_bytes()));
    assert_eq!(f.unanchored[0].text, "居民");
}

#[test]
fn two_instances_on_one_article_lose_nothing() {
    let fx = Fixture::new(TEXT);
    let mut a = fx.app();
    let mut b = fx.app();
    open(&mut a);
    open(&mut b);
    cursor_to(&mut a, "高轶鹏", 0);
    send(&mut a, &[Msg::Label(0), Msg::Save]);
    cursor_to(&mut b, "居民", 0);
    send(&mut b, &[Msg::Select, Msg::Right, Msg::Label(0), Msg::Save]);
    assert!(
        b.message.as_deref().unwrap().contains("merged"),
        "{:?}",
        b.message
    );
    // B now shows A's span too, and A gets B's on its next save.
    assert_eq!(b.reader().unwrap().ann.set.entities.len(), 2);
    send(&mut a, &[Msg::NextEntity, Msg::Accept, Msg::Save]);
    let texts: Vec<String> = fx.saved().entities.iter().map(|e| e.text.clone()).collect();
    assert_eq!(texts, ["高轶鹏", "高新区", "居民"]);
}

#[test]
fn mouse_click_places_the_cursor_and_drag_selects() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    // Row 2 is "记者高轶鹏报道…"; column 1 is the margin, so 记 is at 1, 高 at 5.
    send(&mut app, &[Msg::Click { col: 5, row: 2 }]);
    assert_eq!(app.reader().unwrap().cursor, offset(TEXT, "高轶鹏", 0));
    send(&mut app, &[Msg::Drag { col: 9, row: 2 }, Msg::Label(0)]);
    assert_eq!(app.message.as_deref(), Some("labelled: PER 高轶鹏"));
}

#[test]
fn undoing_everything_returns_to_the_file_as_opened() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    let keys = [
        Msg::NextEntity,
        Msg::Accept,
        Msg::Save,
        Msg::Right,
        Msg::Label(3),
        Msg::Reject,
        Msg::Down,
        Msg::Select,
        Msg::Right,
        Msg::Label(4),
        Msg::Edge {
            start: false,
            right: true,
        },
        Msg::Relabel,
        Msg::Label(0),
        Msg::CycleStatus,
        Msg::Delete,
    ];
    send(&mut app, &keys);
    assert!(app.reader().unwrap().ann.set.entities.len() >= 2);
    loop {
        app.update(Msg::Undo);
        if app.message.as_deref() == Some("nothing to undo") {
            break;
        }
    }
    let r = app.reader().unwrap();
    assert!(r.ann.set.entities.is_empty() && r.ann.set.rejected.is_empty());
    assert_eq!(r.ann.set.status, inkmark::annotation::Status::Todo);
    let _ = Path::new("");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn msg() -> impl Strategy<Value = Msg> {
        prop_oneof![
            Just(Msg::Up),
            Just(Msg::Down),
            Just(Msg::Left),
            Just(Msg::Right),
            Just(Msg::WordNext),
            Just(Msg::WordPrev),
            Just(Msg::PageDown),
            Just(Msg::PageUp),
            Just(Msg::Top),
            Just(Msg::Bottom),
            Just(Msg::NextEntity),
            Just(Msg::PrevEntity),
            Just(Msg::Select),
            Just(Msg::WordEnd),
            Just(Msg::OtherEnd),
            Just(Msg::Zero),
            Just(Msg::NextArticle),
            Just(Msg::PrevArticle),
            (0usize..6).prop_map(Msg::Label),
            Just(Msg::Accept),
            Just(Msg::Reject),
            Just(Msg::AcceptAll),
            Just(Msg::LabelEverywhere),
            Just(Msg::Yes),
            Just(Msg::No),
            Just(Msg::Delete),
            Just(Msg::Relabel),
            (any::<bool>(), any::<bool>()).prop_map(|(start, right)| Msg::Edge { start, right }),
            Just(Msg::Undo),
            Just(Msg::Redo),
            Just(Msg::CycleStatus),
            Just(Msg::Cancel),
            Just(Msg::TogglePanel),
            Just(Msg::SwitchFocus),
            (0u16..70, 0u16..25).prop_map(|(col, row)| Msg::Click { col, row }),
            (0u16..70, 0u16..25).prop_map(|(col, row)| Msg::Drag { col, row }),
            (1u16..120, 1u16..40).prop_map(|(w, h)| Msg::Resize(w, h)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("INKMARK_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64)
        ))]

        /// Any key sequence keeps the annotations valid, on cluster boundaries, matching
        /// the text; undoing everything gives back an empty set; and nothing panics.
        #[test]
        fn editing_sessions_keep_every_invariant(msgs in prop::collection::vec(msg(), 1..80)) {
            let text = "😀标题：高新区e\u{301}防控\n\n记者高轶鹏报道，高新区纪委2月2日排查4836户。👩‍💻高新区居民说好。\n";
            let fx = Fixture::new(text);
            let mut app = fx.app();
            open(&mut app);
            // Leaving the article saves it; history starts again when it is reopened.
            let mut reopened = false;
            for m in msgs {
                app.update(m);
                if app.reader().is_none() {
                    open(&mut app);
                    reopened = true;
                }
                let r = app.reader().unwrap();
                let n = r.text.chars().count();
                prop_assert!(r.ann.set.is_valid(n), "{:?}", r.ann.set.entities);
                prop_assert!(r.cursor <= n);
                for e in &r.ann.set.entities {
                    prop_assert_eq!(r.slice(e.start, e.end), e.text.as_str());
                    prop_assert_eq!(r.cluster_start(e.start), e.start, "start inside a cluster");
                }
            }
            if app.reader().is_some_and(|r| r.panel.is_some()) {
                app.update(Msg::TogglePanel);
            }
            app.update(Msg::No);
            for _ in 0..1000 {
                if !app.reader().unwrap().ann.set.can_undo() {
                    break;
                }
                app.update(Msg::Undo);
            }
            let r = app.reader().unwrap();
            prop_assert!(reopened || (r.ann.set.entities.is_empty() && r.ann.set.rejected.is_empty()));
        }
    }
}

#[test]
fn label_everywhere_in_the_corpus_after_a_confirmation() {
    let fx = Fixture::new(TEXT);
    std::fs::write(fx.corpus.join("b.txt"), "高新区又一篇。高新区纪委。").unwrap();
    std::fs::write(fx.corpus.join("c.txt"), "没有那个词。").unwrap();
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, "高新区", 1);
    send(&mut app, &[Msg::Label(1), Msg::LabelEverywhere]);
    let r = app.reader().unwrap();
    assert!(
        matches!(&r.pending, inkmark::tui::app::Pending::Confirm { prompt, .. } if prompt.starts_with("Label 2 more occurrences of 高新区 as LOC here?")),
        "{:?}",
        r.pending
    );
    send(&mut app, &[Msg::YesCorpus]);
    let m = app.message.clone().unwrap();
    assert_eq!(
        m,
        "labelled 2 spans (u undoes); 2 more in 1 other article (saved; not undoable there)"
    );
    let b = AnnotationFile::parse(&std::fs::read_to_string(fx.annotations.join("b.json")).unwrap())
        .unwrap();
    assert_eq!(spans_of(&b), [(0, 3), (7, 10)]);
    assert!(!fx.annotations.join("c.json").exists());
    assert_eq!(app.totals().2, 2, "b's two; a is not saved yet");
}

#[test]
fn label_everywhere_saves_many_articles_with_one_sync_and_names_a_broken_file() {
    use inkmark::annotation::store::syncs_by_this_thread;
    let fx = Fixture::new(TEXT);
    for i in 0..40 {
        let p = fx.corpus.join(format!("d{}/{i:02}.txt", i % 4));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("第{i}篇：高新区又一篇。")).unwrap();
    }
    std::fs::create_dir_all(fx.annotations.join("d1")).unwrap();
    std::fs::write(fx.annotations.join("d1/01.json"), "{ broken").unwrap();
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, "高新区", 1);
    send(&mut app, &[Msg::Label(1), Msg::LabelEverywhere]);
    let before = syncs_by_this_thread();
    send(&mut app, &[Msg::YesCorpus]);
    // One syncfs and one fsync per folder (4): not two per article (78).
    let syncs = syncs_by_this_thread() - before;
    assert!(syncs <= 1 + 4, "{syncs}");
    let m = app.message.clone().unwrap();
    assert!(m.contains("39 more in 39 other articles"), "{m}");
    assert!(
        m.contains("skipped 1 article") && m.ends_with(": d1/01.txt"),
        "{m}"
    );
    assert_eq!(
        std::fs::read(fx.annotations.join("d1/01.json")).unwrap(),
        b"{ broken"
    );
    for i in (0..40).filter(|&i| i != 1) {
        let f = fx.annotations.join(format!("d{}/{i:02}.json", i % 4));
        let f = AnnotationFile::parse(&std::fs::read_to_string(f).unwrap()).unwrap();
        assert_eq!(f.entities.len(), 1, "article {i}");
        assert_eq!(f.entities[0].label, Label::LOC);
    }
    assert_eq!(app.totals().2, 39, "the library counts what was saved");
}

#[test]
fn export_from_the_reader() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    app.exports_dir = fx.annotations.parent().unwrap().join("exports");
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::ExportMenu]);
    assert!(app.export_menu);
    send(&mut app, &[Msg::Label(0)]);
    let m = app.message.clone().unwrap();
    assert!(
        m.starts_with("exported 1 article to ") && m.ends_with("exports/doccano.jsonl"),
        "{m}"
    );
    let out = std::fs::read_to_string(app.exports_dir.join("doccano.jsonl")).unwrap();
    assert!(out.contains("[[3,6,\"LOC\"]]"), "{out}");
    // brat goes to a folder.
    send(&mut app, &[Msg::ExportMenu, Msg::Label(2)]);
    assert!(app.exports_dir.join("brat/a.ann").exists());
}

#[test]
fn search_moves_the_cursor_to_the_match() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(
        &mut app,
        &[
            Msg::StartPrompt,
            Msg::Input('居'),
            Msg::Input('民'),
            Msg::Confirm,
        ],
    );
    assert_eq!(app.reader().unwrap().cursor, offset(TEXT, "居民", 0));
    // A label key now labels the word found, and Esc during a search goes back.
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Label(0)]);
    assert_eq!(app.message.as_deref(), Some("labelled: PER 居民"));
    send(
        &mut app,
        &[Msg::Top, Msg::StartPrompt, Msg::Input('平'), Msg::Cancel],
    );
    assert_eq!(app.reader().unwrap().cursor, 0);
}

/// A long article (2 MB here; 10 MB in the benchmarks) works end to end: open, go to the
/// end, search, label, save.
#[test]
fn a_long_article_works_end_to_end() {
    let seeds = inkmark::corpus::read_texts(Path::new("seeds"))
        .unwrap()
        .join("\n");
    let mut text = String::new();
    while text.len() < 2_000_000 {
        text.push_str(&seeds);
    }
    text.push_str("\n结尾处的独特词语：紫荆花园。\n");
    let fx = Fixture::new(&text);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::Bottom]);
    let r = app.reader().unwrap();
    assert_eq!(r.top, r.max_top(19));
    send(&mut app, &[Msg::Top, Msg::StartPrompt]);
    for c in "紫荆花园".chars() {
        app.update(Msg::Input(c));
    }
    send(
        &mut app,
        &[
            Msg::Confirm,
            Msg::Select,
            Msg::Right,
            Msg::Right,
            Msg::Right,
            Msg::Label(1),
            Msg::Save,
        ],
    );
    assert_eq!(app.message.as_deref(), Some("saved"));
    let f = fx.saved();
    assert_eq!(f.entities.len(), 1);
    assert_eq!(f.entities[0].text, "紫荆花园");
    assert_eq!(f.entities[0].start, text.chars().count() - 6);
}

/// A long article is first laid out only around where reading starts; the rest arrives
/// from the layout thread (or is done at once when a key needs it).
#[test]
fn a_long_article_shows_before_it_is_laid_out() {
    let seeds = inkmark::corpus::read_texts(Path::new("seeds"))
        .unwrap()
        .join("\n");
    let mut text = String::new();
    while text.len() < 3_000_000 {
        text.push_str(&seeds);
    }
    let fx = Fixture::new(&text);
    let mut app = fx.app();
    open(&mut app);
    let r = app.reader().unwrap();
    assert!(r.partial);
    let full = inkmark::text::layout(&text, r.layout.width, r.layout.opts);
    assert!(
        r.layout.lines.len() < full.lines.len() / 4,
        "only a part laid out"
    );
    assert_eq!(
        r.layout.lines[..],
        full.lines[..r.layout.lines.len()],
        "the part matches the whole"
    );
    assert_eq!(app.layout_requests.len(), 1);
    // Local moves stay on the part, and so do ], [, a and x to marks inside it (they
    // used to lay out the whole text first, freezing the keys for a moment).
    send(&mut app, &[Msg::PageDown, Msg::Down, Msg::Right]);
    assert!(app.reader().unwrap().partial);
    let before = app.reader().unwrap().cursor;
    send(
        &mut app,
        &[Msg::NextEntity, Msg::NextEntity, Msg::PrevEntity],
    );
    assert!(app.reader().unwrap().partial);
    assert!(app.reader().unwrap().cursor > before, "] moved");
    send(&mut app, &[Msg::Accept, Msg::Reject]);
    let r = app.reader().unwrap();
    assert!(r.partial);
    assert_eq!(r.ann.set.entities.len(), 1, "a accepted");
    assert_eq!(r.ann.set.rejected.len(), 1, "x rejected");
    // The layout thread's answer replaces it, keeping the view.
    let top_char = app.reader().unwrap().first_visible_char();
    let req = app.layout_requests.pop().unwrap();
    let laid = inkmark::text::layout(&req.text, req.width, req.opts);
    app.update(Msg::LaidOut {
        sha: req.sha,
        layout: Box::new(laid),
    });
    let r = app.reader().unwrap();
    assert!(!r.partial);
    assert_eq!(r.layout.lines.len(), full.lines.len());
    assert_eq!(r.first_visible_char(), top_char);
    // Without the thread, a key that needs the whole (G) lays it out at once.
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::Bottom]);
    let r = app.reader().unwrap();
    assert!(!r.partial);
    assert_eq!(r.top, r.max_top(19));
}

/// A long text without line breaks is cut mid-paragraph for the first frame; only the
/// lines just before the cut differ from the whole layout, and they are replaced.
#[test]
fn a_long_line_shows_before_it_is_laid_out() {
    let seeds: String = inkmark::corpus::read_texts(Path::new("seeds"))
        .unwrap()
        .concat()
        .split_whitespace()
        .collect();
    let text = seeds.repeat(3_000_000 / seeds.len() + 1);
    let fx = Fixture::new(&text);
    let mut app = fx.app();
    open(&mut app);
    let r = app.reader().unwrap();
    assert!(r.partial);
    let full = inkmark::text::layout(&text, r.layout.width, r.layout.opts);
    let n = r.layout.lines.len();
    assert!(n < full.lines.len() / 4, "only a part laid out");
    assert_eq!(r.layout.lines[..n - 4], full.lines[..n - 4]);
    send(&mut app, &[Msg::Bottom]);
    let r = app.reader().unwrap();
    assert!(!r.partial);
    assert_eq!(r.layout.lines, full.lines);
}

#[test]
fn next_and_previous_entity_visit_every_mark_in_order_with_its_number() {
    // Three copies of the marks, the first two 24,000 characters apart: `]` must look
    // well past its first window.
    let filler = "这是一段没有实体的文字。".repeat(2_000);
    let text = format!("{TEXT}{filler}\n{TEXT}{TEXT}");
    let n = TEXT.chars().count();
    let bases = [
        0,
        n + filler.chars().count() + 1,
        2 * n + filler.chars().count() + 1,
    ];
    let one = analysis(TEXT).spans;
    let spans: Vec<Span> = bases
        .iter()
        .flat_map(|&b| {
            one.iter()
                .map(move |s| Span::new(s.start + b, s.end + b, s.label))
        })
        .collect();
    let fx = Fixture::new(&text);
    let mut app = fx.app();
    app.update(Msg::Open);
    let req = app.requests.pop().unwrap();
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(Analysis {
            spans: spans.clone(),
            words: Default::default(),
            ..Default::default()
        }),
    });
    let total = spans.len();
    let cursor = |app: &App| app.reader().unwrap().cursor;
    let notice = |app: &App| app.message.clone().unwrap_or_default();
    for (k, s) in spans.iter().enumerate() {
        app.update(Msg::NextEntity);
        assert_eq!(cursor(&app), s.start, "mark {k}");
        assert!(
            notice(&app).ends_with(&format!("({} of {total})", k + 1)),
            "{}",
            notice(&app)
        );
    }
    app.update(Msg::NextEntity);
    assert!(
        notice(&app).starts_with("wrapped to the first"),
        "{}",
        notice(&app)
    );
    assert_eq!(cursor(&app), spans[0].start);
    app.update(Msg::PrevEntity);
    assert!(
        notice(&app).starts_with("wrapped to the last"),
        "{}",
        notice(&app)
    );
    assert!(notice(&app).ends_with(&format!("({total} of {total})")));
    for k in (0..total - 1).rev() {
        app.update(Msg::PrevEntity);
        assert_eq!(cursor(&app), spans[k].start, "mark {k} backwards");
        assert!(notice(&app).ends_with(&format!("({} of {total})", k + 1)));
    }
    // Accepting keeps the mark (now confirmed); hiding LOC takes its marks out of the count.
    send(&mut app, &[Msg::Accept, Msg::Top]);
    let shown = spans.iter().filter(|s| s.label != Label::LOC).count();
    send(&mut app, &[Msg::FilterMenu, Msg::Label(1), Msg::FilterMenu]);
    for s in spans.iter().filter(|s| s.label != Label::LOC) {
        app.update(Msg::NextEntity);
        assert_eq!(cursor(&app), s.start);
        assert!(
            notice(&app).contains(&format!(" of {shown})")),
            "{}",
            notice(&app)
        );
    }
}

/// Entities around the reading position arrive first for a long article; until the
/// whole article's arrive, what needs all of them says so instead of acting on a part.
#[test]
fn a_first_part_of_the_entities_is_usable_and_says_so() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    app.update(Msg::Open);
    let req = app.requests.pop().unwrap();
    assert_eq!(req.focus, 0);
    let whole = analysis(&req.text);
    let part = Analysis {
        spans: whole.spans[..3].to_vec(),
        words: Default::default(),
        ..Default::default()
    };
    app.update(Msg::DetectedNear {
        sha: req.sha.clone(),
        analysis: Arc::new(part),
    });
    assert!(app.reader().unwrap().analysis_partial);
    app.update(Msg::NextEntity);
    let notice = app.message.clone().unwrap();
    assert!(notice.ends_with("(1 of 3 so far)"), "{notice}");
    app.update(Msg::AcceptAll);
    assert_eq!(
        app.message.as_deref(),
        Some(inkmark::tui::app::STILL_DETECTING)
    );
    app.update(Msg::TogglePanel);
    assert_eq!(
        app.message.as_deref(),
        Some(inkmark::tui::app::STILL_DETECTING)
    );
    assert!(app.reader().unwrap().panel.is_none());
    // A suggestion of the part can be accepted already.
    app.update(Msg::Accept);
    // The whole arrives and replaces the part; a late part is ignored.
    let total = whole.spans.len();
    app.update(Msg::Detected {
        sha: req.sha.clone(),
        analysis: Arc::new(whole),
    });
    app.update(Msg::DetectedNear {
        sha: req.sha,
        analysis: Arc::new(Analysis::default()),
    });
    let r = app.reader().unwrap();
    assert!(!r.analysis_partial);
    assert_eq!(r.analysis.as_ref().unwrap().spans.len(), total);
    send(&mut app, &[Msg::Top, Msg::NextEntity]);
    let notice = app.message.clone().unwrap();
    assert!(notice.ends_with(&format!("(1 of {total})")), "{notice}");
    app.update(Msg::TogglePanel);
    assert!(app.reader().unwrap().panel.is_some());
}

// --- issue 13: annotating at the speed of reading ----------------------------------

/// Opens the fixture's article and answers detection with `spans` (words: every
/// character, except that each span is one word).
fn open_with(app: &mut App, spans: &[(&str, usize, Label)]) {
    app.update(Msg::Open);
    let req = app.requests.pop().unwrap();
    let mut found: Vec<Span> = spans
        .iter()
        .map(|(w, nth, l)| span(&req.text, w, *nth, *l).unwrap())
        .collect();
    found.sort();
    let words = (0..req.text.chars().count())
        .filter(|&w| !found.iter().any(|s| s.start < w && w < s.end))
        .collect();
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(Analysis {
            spans: found,
            words,
            ..Default::default()
        }),
    });
}

fn entity_list(app: &App) -> Vec<(String, Label, String)> {
    let r = app.reader().unwrap();
    r.ann
        .set
        .entities
        .iter()
        .map(|e| {
            (
                e.text.clone(),
                e.label,
                format!("{:?}", e.source).to_lowercase(),
            )
        })
        .collect()
}

#[test]
fn a_number_key_on_a_suggestion_relabels_and_accepts_it() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    // One key: 2月2日 suggested as TIME becomes QTY (it used to label only "2").
    cursor_to(&mut app, "2月2日", 0);
    send(&mut app, &[Msg::Label(4)]);
    assert_eq!(
        app.message.as_deref(),
        Some("relabelled and accepted: QTY 2月2日")
    );
    // The same label accepts as suggested; on an annotation a number key relabels it.
    cursor_to(&mut app, "4836户", 0);
    send(&mut app, &[Msg::Label(4)]);
    send(&mut app, &[Msg::Label(3)]);
    assert_eq!(app.message.as_deref(), Some("relabelled: TIME 4836户"));
    // r on a suggestion (defect 3) then a label key.
    cursor_to(&mut app, "平煤神马集团", 0);
    send(&mut app, &[Msg::Relabel]);
    assert_eq!(
        app.message.as_deref(),
        Some("relabel: press the new label's key (t: the label menu)")
    );
    send(&mut app, &[Msg::Label(1)]);
    assert_eq!(
        entity_list(&app),
        [
            ("2月2日".into(), Label::QTY, "manual".into()),
            ("4836户".into(), Label::TIME, "manual".into()),
            ("平煤神马集团".into(), Label::LOC, "manual".into()),
        ]
    );
    cursor_to(&mut app, "200万元", 0);
    send(&mut app, &[Msg::Label(4)]);
    assert_eq!(
        entity_list(&app)[3],
        ("200万元".into(), Label::QTY, "accepted".into())
    );
}

#[test]
fn v_on_a_suggestion_selects_it_and_e_grows_it_by_words() {
    let text = "记者说，平煤神马集团尼龙化工公司捐款。\n";
    let fx = Fixture::new(text);
    let mut app = fx.app();
    open_with(
        &mut app,
        &[("平煤神马集团", 0, Label::ORG), ("尼龙化工", 0, Label::ORG)],
    );
    let at = |app: &App| app.reader().unwrap().cursor;
    // e: the end of the word (尼龙化工 is one word), then of the next.
    cursor_to_in(&mut app, text, "尼龙化工");
    send(&mut app, &[Msg::WordEnd]);
    assert_eq!(at(&app), offset(text, "工公司", 0));
    send(&mut app, &[Msg::WordEnd]);
    assert_eq!(at(&app), offset(text, "公司", 0));
    // v on a suggestion selects all of it, the cursor at its end.
    cursor_to_in(&mut app, text, "平煤神马集团");
    send(&mut app, &[Msg::Select]);
    assert_eq!(
        app.reader().unwrap().selection(),
        Some((offset(text, "平煤", 0), offset(text, "尼龙", 0)))
    );
    // e e grow it by whole words; 3 labels: 4 keys for a span of several words.
    send(&mut app, &[Msg::WordEnd, Msg::WordEnd, Msg::Label(2)]);
    assert_eq!(
        entity_list(&app),
        [("平煤神马集团尼龙化工公".into(), Label::ORG, "manual".into())]
    );
    // o swaps the ends of a selection.
    cursor_to_in(&mut app, text, "捐款");
    send(&mut app, &[Msg::Select, Msg::Right, Msg::OtherEnd]);
    assert_eq!(at(&app), offset(text, "捐款", 0));
    assert_eq!(app.reader().unwrap().anchor, Some(offset(text, "款", 0)));
}

/// Like `cursor_to`, for another text.
fn cursor_to_in(app: &mut App, text: &str, needle: &str) {
    walk_to(app, offset(text, needle, 0));
}

#[test]
fn edge_keys_grow_a_suggestion_by_whole_words_and_counts_repeat_them() {
    let text = "自疫情以来，成立新型冠状病毒感染的肺炎疫情防控指挥部，并设立。\n";
    let fx = Fixture::new(text);
    let mut app = fx.app();
    open_with(
        &mut app,
        &[
            ("新型", 0, Label::ORG),
            ("冠状病毒", 0, Label::ORG),
            ("疫情防控指挥部", 0, Label::ORG),
        ],
    );
    // Suggestion 疫情防控指挥部: 0 4 H grows its start by four words (肺, 炎, 的, 感…
    // each one character here, 冠状病毒 one word): an edited suggestion is manual.
    cursor_to_in(&mut app, text, "疫情防控指挥部");
    send(&mut app, &[Msg::Zero]);
    assert!(app.message.as_deref().unwrap().starts_with("count"));
    send(
        &mut app,
        &[
            Msg::Digit(5),
            Msg::Edge {
                start: true,
                right: false,
            },
        ],
    );
    assert_eq!(
        entity_list(&app),
        [(
            "感染的肺炎疫情防控指挥部".into(),
            Label::ORG,
            "manual".into()
        )]
    );
    // A count never turns a number key after a motion into anything but a label.
    send(
        &mut app,
        &[
            Msg::Edge {
                start: true,
                right: false,
            },
            Msg::Edge {
                start: true,
                right: false,
            },
        ],
    );
    assert_eq!(
        entity_list(&app)[0].0,
        "新型冠状病毒感染的肺炎疫情防控指挥部"
    );
    // A span does not grow over a line break (nor end on the 。 before it).
    send(
        &mut app,
        &[
            Msg::Zero,
            Msg::Digit(9),
            Msg::Edge {
                start: false,
                right: true,
            },
        ],
    );
    assert_eq!(
        entity_list(&app)[0].0,
        "新型冠状病毒感染的肺炎疫情防控指挥部，并设立"
    );
    // A number key and then a motion: the label stays (labelling and moving on).
    cursor_to_in(&mut app, text, "自疫情");
    send(&mut app, &[Msg::Label(1), Msg::Right, Msg::Right]);
    assert_eq!(
        entity_list(&app)[0],
        ("自".into(), Label::LOC, "manual".into())
    );
    // 0 3 l moves three characters.
    let before = app.reader().unwrap().cursor;
    send(&mut app, &[Msg::Zero, Msg::Digit(3), Msg::Right]);
    assert_eq!(app.reader().unwrap().cursor, before + 3);
}

#[test]
fn next_entity_from_a_fresh_article_starts_with_the_one_under_the_cursor() {
    let text = "高新区纪委排查4836户。\n";
    let fx = Fixture::new(text);
    let mut app = fx.app();
    open_with(
        &mut app,
        &[("高新区", 0, Label::LOC), ("4836户", 0, Label::QTY)],
    );
    send(&mut app, &[Msg::NextEntity]);
    assert_eq!(
        app.message.as_deref(),
        Some("LOC suggested 高新区 (1 of 2)")
    );
    send(&mut app, &[Msg::NextEntity]);
    assert_eq!(
        app.message.as_deref(),
        Some("QTY suggested 4836户 (2 of 2)")
    );
    // Once the user has moved, ] means the next one, as before.
    send(&mut app, &[Msg::Top, Msg::NextEntity]);
    assert_eq!(
        app.message.as_deref(),
        Some("QTY suggested 4836户 (2 of 2)")
    );
}

#[test]
fn label_everywhere_keeps_longer_suggestions_and_counts_before_asking() {
    let text = "高新区管委会说，高新区好。高新区居民。\n";
    let fx = Fixture::new(text);
    std::fs::write(fx.corpus.join("b.txt"), "又见高新区。高新区。\n").unwrap();
    let mut app = fx.app();
    open_with(
        &mut app,
        &[
            ("高新区管委会", 0, Label::ORG),
            ("高新区", 1, Label::LOC),
            ("高新区", 2, Label::LOC),
        ],
    );
    cursor_to_in(&mut app, text, "高新区好");
    send(&mut app, &[Msg::Label(1), Msg::LabelEverywhere]);
    {
        let r = app.reader().unwrap();
        let inkmark::tui::app::Pending::Confirm { prompt, .. } = &r.pending else {
            panic!("no prompt: {:?}", app.message)
        };
        // One here (not the one inside 高新区管委会), two in b.txt, said before writing.
        assert_eq!(
            prompt,
            "Label 1 more occurrence of 高新区 as LOC here? (y/n; c: also 2 in 1 other article)"
        );
    }
    assert!(!fx.annotations.join("b.json").exists());
    send(&mut app, &[Msg::YesCorpus]);
    assert_eq!(entity_list(&app).len(), 2);
    // The longer suggestion is still there, open.
    let r = app.reader().unwrap();
    let marks = r.marks();
    assert!(marks
        .iter()
        .any(|m| m.span.len() == 6 && m.kind == inkmark::tui::entities::MarkKind::Suggested));
    let b: AnnotationFile =
        AnnotationFile::parse(&std::fs::read_to_string(fx.annotations.join("b.json")).unwrap())
            .unwrap();
    assert_eq!(b.entities.len(), 2);
}

#[test]
fn label_everywhere_with_nothing_to_do_says_so_instead_of_asking() {
    let text = "高新区好。\n";
    let fx = Fixture::new(text);
    let mut app = fx.app();
    open_with(&mut app, &[("高新区", 0, Label::LOC)]);
    send(&mut app, &[Msg::Label(1), Msg::LabelEverywhere]);
    assert_eq!(
        app.message.as_deref(),
        Some("no other free occurrence of 高新区, here or in other articles")
    );
    assert_eq!(
        app.reader().unwrap().pending,
        inkmark::tui::app::Pending::None
    );
}

#[test]
fn search_history_and_repeating_after_esc() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    let search = |app: &mut App, q: &str| {
        app.update(Msg::StartPrompt);
        for c in q.chars() {
            app.update(Msg::Input(c));
        }
        app.update(Msg::Confirm);
    };
    search(&mut app, "高新区");
    assert_eq!(app.message.as_deref(), Some("3 matches for 高新区"));
    // Esc clears the highlights; / Enter repeats the last search (defect 9).
    send(&mut app, &[Msg::Cancel]);
    assert!(app.reader().unwrap().search.matches.is_empty());
    send(&mut app, &[Msg::StartPrompt, Msg::Confirm]);
    assert_eq!(app.message.as_deref(), Some("3 matches for 高新区"));
    // ↑ ↓ walk the history in the prompt.
    search(&mut app, "居民");
    send(&mut app, &[Msg::StartPrompt, Msg::Up]);
    assert_eq!(app.reader().unwrap().search.query, "居民");
    send(&mut app, &[Msg::Up]);
    assert_eq!(app.reader().unwrap().search.query, "高新区");
    assert_eq!(app.reader().unwrap().search.matches.len(), 3);
    send(&mut app, &[Msg::Down, Msg::Down]);
    assert_eq!(app.reader().unwrap().search.query, "");
    send(&mut app, &[Msg::Up, Msg::Confirm]);
    assert_eq!(app.message.as_deref(), Some("1 match for 居民"));
}

#[test]
fn edited_spans_are_manual_whatever_the_edit() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, "平煤神马集团", 0);
    send(&mut app, &[Msg::Accept]);
    cursor_to(&mut app, "平煤神马集团", 0);
    send(
        &mut app,
        &[Msg::Edge {
            start: false,
            right: true,
        }],
    );
    assert_eq!(
        entity_list(&app)[0],
        ("平煤神马集团捐".into(), Label::ORG, "manual".into())
    );
}

#[test]
fn a_confirmed_text_is_suggested_elsewhere_at_once_and_in_the_next_article() {
    let text = "标题\n\n凌昌公司今天开会。凌昌公司明天放假。\n";
    let f = Fixture::new(text);
    std::fs::write(f.corpus.join("b.txt"), "另一篇\n\n凌昌公司也来了。\n").unwrap();
    let mut app = f.app();
    open_with(&mut app, &[]);
    let second = span(text, "凌昌公司", 1, Label::ORG).unwrap();
    let suggested = |app: &App, s: Span| {
        app.reader()
            .unwrap()
            .analysis
            .as_ref()
            .is_some_and(|a| a.spans.contains(&s))
    };
    assert!(!suggested(&app, second));
    cursor_to_in(&mut app, text, "凌昌公司");
    select_and_label(&mut app, 4, 2);
    assert_eq!(entity_list(&app)[0].0, "凌昌公司");
    // The other occurrence is a suggestion now, and accepting it works like any other.
    assert!(suggested(&app, second));
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    assert_eq!(entity_list(&app).len(), 2);
    // Undoing the label takes the suggestion back.
    send(&mut app, &[Msg::Undo, Msg::Undo]);
    assert!(!suggested(&app, second));
    send(&mut app, &[Msg::Redo]);
    assert!(suggested(&app, second));
    // The next article of the session gets it too.
    send(&mut app, &[Msg::Back, Msg::Down]);
    open_with(&mut app, &[]);
    let b = "另一篇\n\n凌昌公司也来了。\n";
    assert!(suggested(&app, span(b, "凌昌公司", 0, Label::ORG).unwrap()));
}

#[test]
fn texts_confirmed_in_earlier_sessions_are_suggested_once_read() {
    let text = "标题\n\n凌昌公司今天开会。\n";
    let f = Fixture::new(text);
    let mut app = f.app();
    open_with(&mut app, &[]);
    let s = span(text, "凌昌公司", 0, Label::ORG).unwrap();
    let source_of = |app: &App| {
        let a = app.reader().unwrap().analysis.clone().unwrap();
        a.spans.iter().position(|x| *x == s).map(|i| a.source(i))
    };
    assert_eq!(source_of(&app), None);
    // What the start-up thread reads from the annotation folder arrives as a message.
    app.update(Msg::CorpusLexicon(vec![("凌昌公司".into(), Label::ORG)]));
    assert_eq!(
        source_of(&app),
        Some(inkmark::detect::SuggestionSource::Lexicon)
    );
    // It is a suggestion like any other: accepting it confirms it.
    cursor_to_in(&mut app, text, "凌昌公司");
    send(&mut app, &[Msg::Accept]);
    assert_eq!(entity_list(&app)[0].0, "凌昌公司");
}
