//! Two readers on one annotation folder (a tester's round-2 findings 1 and 10).

mod common;

use common::session::{message, offset, screen, select_and_label, walk_to, Fixture};
use inkmark::annotation::AnnotationFile;
use inkmark::detect::{sha256_hex, Analysis};
use inkmark::tui::app::{App, Msg};
use inkmark::tui::entities::PanelRow;
use std::sync::Arc;

/// Opens the first article with no suggestions (the keys below label by selection).
fn open(app: &mut App) {
    app.update(Msg::Open);
    if let Some(req) = app.requests.pop() {
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(Analysis::default()),
        });
    }
}

/// Selects `n` characters from the first `needle` and gives them label number `label`.
fn label(app: &mut App, text: &str, needle: &str, n: usize, label: usize) {
    walk_to(app, offset(text, needle, 0));
    select_and_label(app, n, label);
}

/// Every span of `file` matches the text its hash names.
fn consistent(file: &AnnotationFile, versions: &[&str]) -> bool {
    let Some(text) = versions
        .iter()
        .find(|t| sha256_hex(t.as_bytes()) == file.article_sha256)
    else {
        return false;
    };
    let chars: Vec<char> = text.chars().collect();
    file.entities
        .iter()
        .all(|e| chars[e.start..e.end].iter().collect::<String>() == e.text)
}

#[test]
fn a_clash_of_two_writers_is_named_and_listed_first_in_the_panel() {
    let text = "标题\n\n平煤神马集团尼龙化工公司五厂运转站。\n";
    let fx = Fixture::new(text).sized(80, 24);
    let (mut a, mut b) = (fx.app(), fx.app());
    open(&mut a);
    open(&mut b);
    label(&mut a, text, "平煤神马集团", 6, 2);
    a.update(Msg::Save);
    label(&mut b, text, "平煤神马", 4, 1);
    b.update(Msg::Save);
    let m = message(&b);
    assert!(m.contains("merged both"), "{m}");
    assert!(
        m.contains("1 span moved to unanchored") && m.contains("ORG 平煤神马集团"),
        "{m}"
    );
    assert_eq!(fx.saved().unanchored.len(), 1);
    // Listed at the top of the panel (a long article's panel is never scrolled to the
    // end), here and on a fresh open.
    let mut c = fx.app();
    open(&mut c);
    for app in [&mut b, &mut c] {
        app.update(Msg::TogglePanel);
        let rows = &app.reader().unwrap().panel.as_ref().unwrap().rows;
        let aside = rows
            .iter()
            .position(|r| matches!(r, PanelRow::Unanchored { text, .. } if text == "平煤神马集团"));
        let first_item = rows.iter().position(|r| matches!(r, PanelRow::Item { .. }));
        assert!(aside.is_some() && aside < first_item, "{rows:?}");
    }
}

#[test]
fn a_reader_of_an_old_version_never_writes_its_hash_over_new_offsets() {
    let old = "标题\n\n张三来了第三次。\n第九次会议。\n";
    let new = "标题\n\n插入的一行。\n张三来了第三次。\n第九次会议。\n";
    let fx = Fixture::new(old).sized(80, 24);
    let mut first = fx.app();
    open(&mut first);
    label(&mut first, old, "张三", 2, 0);
    first.update(Msg::Save);
    // A opens the old text; then the article changes and B re-anchors and saves.
    let mut a = fx.app();
    open(&mut a);
    std::fs::write(fx.corpus.join("a.txt"), new).unwrap();
    let mut b = fx.app();
    open(&mut b);
    b.update(Msg::Save);
    assert_eq!(fx.saved().article_sha256, sha256_hex(new.as_bytes()));
    // A, still showing the old text, labels and saves: a merge across versions.
    label(&mut a, old, "第九次", 3, 3);
    a.update(Msg::Save);
    assert!(
        message(&a).contains("the article changed on disk since it was opened"),
        "{}",
        message(&a)
    );
    let file = fx.saved();
    assert!(consistent(&file, &[old, new]), "{}", file.to_json());
    // Opened on the new text, every span is where its text is.
    let mut c = fx.app();
    open(&mut c);
    let r = c.reader().unwrap();
    let got: Vec<(usize, String)> = r
        .ann
        .set
        .entities
        .iter()
        .map(|e| (e.start, e.text.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (offset(new, "张三", 0), "张三".to_string()),
            (offset(new, "第九次会议", 0), "第九次".to_string())
        ]
    );
}

#[test]
fn spans_set_aside_come_into_view_with_the_panel_top_key() {
    // Enough suggestions that the panel scrolls.
    let names: Vec<String> = (0..40)
        .map(|i| {
            let c = char::from_u32(0x4e00 + 7 * i).unwrap();
            format!("张{c}")
        })
        .collect();
    let text = format!("标题\n\n{}\n", names.join("说。\n"));
    let fx = Fixture::new(&text).sized(80, 24);
    let mut f = AnnotationFile::new("a.txt", &sha256_hex(text.as_bytes()), "tester");
    f.unanchored = vec![inkmark::annotation::Entity {
        start: 0,
        end: 2,
        label: inkmark::label::Label::ORG,
        text: "别处机构".into(),
        source: inkmark::annotation::Source::Manual,
        by: Vec::new(),
    }];
    std::fs::create_dir_all(&fx.annotations).unwrap();
    std::fs::write(fx.annotations.join("a.json"), f.to_json()).unwrap();
    let mut app = fx.app();
    app.update(Msg::Resize(80, 14));
    app.update(Msg::Open);
    if let Some(req) = app.requests.pop() {
        let spans = names
            .iter()
            .map(|n| {
                let s = offset(&text, n, 0);
                inkmark::label::Span::new(s, s + 2, inkmark::label::Label::PER)
            })
            .collect();
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(Analysis {
                spans,
                ..Analysis::default()
            }),
        });
    }
    app.update(Msg::TogglePanel);
    assert!(screen(&app).contains("别处机构"), "{}", screen(&app));
    app.update(Msg::Bottom);
    assert!(!screen(&app).contains("别处机构"), "{}", screen(&app));
    app.update(Msg::Top);
    let s = screen(&app);
    assert!(s.contains("set aside: 1") && s.contains("别处机构"), "{s}");
}

// qa3 N3: `u` on a span another writer had changed (or a merge had set aside) said
// `undone` and changed nothing.

#[test]
fn undo_of_a_span_another_writer_changed_says_nothing_was_undone() {
    let text = "标题\n\n通讯员张宏伟报道。\n";
    let fx = Fixture::new(text);
    std::fs::write(fx.corpus.join("b.txt"), "第二篇。\n").unwrap();
    let mut a = fx.app();
    open(&mut a);
    label(&mut a, text, "张宏伟", 3, 0);
    // `J`: the article is saved and its undo kept.
    a.update(Msg::NextArticle);
    // The second writer relabels the same span ORG.
    let mut b = fx.app();
    open(&mut b);
    label(&mut b, text, "张宏伟", 3, 2);
    b.update(Msg::Save);
    a.update(Msg::PrevArticle);
    if let Some(req) = a.requests.pop() {
        a.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(Analysis::default()),
        });
    }
    a.update(Msg::Undo);
    assert_eq!(
        message(&a),
        "nothing undone: PER 张宏伟 was changed by another writer (now ORG 张宏伟)"
    );
    a.update(Msg::Save);
    let labels: Vec<_> = fx.saved().entities.iter().map(|e| e.label).collect();
    assert_eq!(labels, [inkmark::label::Label::ORG]);
}

#[test]
fn undo_of_a_span_set_aside_by_a_merge_says_so() {
    let text = "标题\n\n平煤神马集团尼龙化工公司五厂运转站。\n";
    let fx = Fixture::new(text);
    std::fs::write(fx.corpus.join("b.txt"), "第二篇。\n").unwrap();
    let (mut a, mut b) = (fx.app(), fx.app());
    open(&mut a);
    open(&mut b);
    label(&mut a, text, "平煤神马集团", 6, 2);
    a.update(Msg::NextArticle);
    label(&mut b, text, "平煤神马", 4, 1);
    b.update(Msg::Save);
    a.update(Msg::PrevArticle);
    a.update(Msg::Undo);
    let m = message(&a);
    assert!(
        m.starts_with("nothing undone: ORG 平煤神马集团 was set aside by a merge"),
        "{m}"
    );
    assert_eq!(fx.saved().unanchored.len(), 1);
}

// qa3 N4: the panel's set-aside rows could not be selected, were cut, and showed no place.

#[test]
fn a_set_aside_span_is_shown_whole_with_its_old_place_and_enter_goes_there() {
    let text = "标题\n\n平煤神马集团尼龙化工公司五厂运转站。\n";
    let fx = Fixture::new(text).sized(80, 24);
    let (mut a, mut b) = (fx.app(), fx.app());
    open(&mut a);
    open(&mut b);
    label(&mut a, text, "平煤神马集团", 6, 2);
    a.update(Msg::Save);
    label(&mut b, text, "平煤神马", 4, 1);
    b.update(Msg::Save);
    walk_to(&mut b, offset(text, "站", 0));
    b.update(Msg::TogglePanel);
    b.update(Msg::Top);
    let s = screen(&b);
    assert!(
        s.contains("? ORG 平煤神马集团 (was") && s.contains("4..10)"),
        "{s}"
    );
    b.update(Msg::Open);
    assert_eq!(b.reader().unwrap().cursor, offset(text, "平煤神马集团", 0));
    assert!(
        message(&b).starts_with("set aside ORG 平煤神马集团, was at 4..10: still there"),
        "{}",
        message(&b)
    );
}

#[test]
fn a_long_set_aside_span_wraps_and_enter_says_its_place_changed() {
    let text = "标题\n\n张三说。\n";
    let long = "中华人民共和国国家卫生健康委员会疾病预防控制局第二处";
    let fx = Fixture::new(text).sized(80, 24);
    let mut f = AnnotationFile::new("a.txt", &sha256_hex(text.as_bytes()), "tester");
    f.unanchored = vec![inkmark::annotation::Entity {
        start: 0,
        end: 2,
        label: inkmark::label::Label::ORG,
        text: long.into(),
        source: inkmark::annotation::Source::Manual,
        by: Vec::new(),
    }];
    std::fs::create_dir_all(&fx.annotations).unwrap();
    std::fs::write(fx.annotations.join("a.json"), f.to_json()).unwrap();
    let mut app = fx.app();
    open(&mut app);
    app.update(Msg::TogglePanel);
    let s = screen(&app);
    // Wrapped over rows of the panel: its end and its old place are on screen.
    assert!(s.contains("控制局第二处"), "{s}");
    assert!(s.contains("0..2)"), "{s}");
    app.update(Msg::Top);
    let before = app.reader().unwrap().cursor;
    app.update(Msg::Open);
    assert_eq!(
        message(&app),
        format!("set aside ORG {long}, was at 0..2: the text there is now \"标题\"")
    );
    assert_eq!(app.reader().unwrap().cursor, before);
}
