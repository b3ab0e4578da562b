//! The reader findings of a tester who ran the release binary (each test names its
//! finding): whole sessions through `App::update`, frames through ratatui's `TestBackend`.

mod common;

use common::session::{
    message, offset, screen, select_and_label, send, span, spans_of, walk_to, Fixture,
};
use inkmark::annotation::AnnotationFile;
use inkmark::corpus;
use inkmark::detect::{sha256_hex, Analysis};
use inkmark::label::{Label, Span};
use inkmark::tui::app::{App, Msg};
use std::sync::Arc;

const TEXT: &str = "标题：高新区防控纪实\n\n记者高轶鹏报道，高新区纪委2月2日排查4836户。高新区居民说好。\n\n平煤神马集团捐款200万元。\n";

/// A corpus of `a.txt` and `b.txt` (for `J`).
fn fixture(text: &str) -> Fixture {
    Fixture::with_articles(&[("a.txt", text), ("b.txt", "第二篇文章。\n")])
}

impl Fixture {
    /// Every later save of `a.txt` fails: its annotation file is read-only (a read-only
    /// folder would not stop root, who may run the tests).
    #[cfg(unix)]
    fn make_unwritable(&self, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&self.annotations).unwrap();
        let empty = AnnotationFile::new("a.txt", &sha256_hex(text.as_bytes()), "x");
        std::fs::write(self.file(), empty.to_json()).unwrap();
        std::fs::set_permissions(self.file(), std::fs::Permissions::from_mode(0o444)).unwrap();
    }
}

/// Suggestions and word boundaries as the detector would send them: `words` are the
/// words of the text in order (the rest are one-character words).
fn analysis_with(text: &str, spans: Vec<Span>, words: &[&str]) -> Analysis {
    let mut spans = spans;
    spans.sort();
    let n = text.chars().count();
    let mut inner = vec![false; n];
    let mut from = 0;
    for w in words {
        if let Some(b) = text[from..].find(w) {
            let s = text[..from + b].chars().count();
            inner[s + 1..s + w.chars().count()].fill(true);
            from += b + w.len();
        }
    }
    Analysis {
        spans,
        words: (0..n).filter(|&i| !inner[i]).collect(),
        ..Analysis::default()
    }
}

fn default_analysis(text: &str) -> Analysis {
    let spans: Vec<Span> = [
        span(text, "高新区", 0, Label::LOC),
        span(text, "高轶鹏", 0, Label::PER),
        span(text, "高新区", 1, Label::LOC),
        span(text, "2月2日", 0, Label::TIME),
        span(text, "4836户", 0, Label::QTY),
    ]
    .into_iter()
    .flatten()
    .collect();
    analysis_with(
        text,
        spans,
        &["高新区", "高轶鹏", "高新区", "2月2日", "4836户"],
    )
}

fn open_with(app: &mut App, analysis: impl Fn(&str) -> Analysis) {
    app.update(Msg::Open);
    if let Some(req) = app.requests.pop() {
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(analysis(&req.text)),
        });
    }
}

fn open(app: &mut App) {
    open_with(app, default_analysis);
}

fn cursor_to(app: &mut App, text: &str, needle: &str, nth: usize) {
    walk_to(app, offset(text, needle, nth));
}

fn status_bar(app: &App) -> String {
    screen(app).lines().last().unwrap().to_string()
}

// Finding 1: the warning before discarding unsaved work flashed for a moment (the next
// autosave retry replaced it), and `J` armed `q`.

#[cfg(unix)]
#[test]
fn the_discard_warning_stays_until_the_next_key() {
    let fx = fixture(TEXT);
    fx.make_unwritable(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::AutoSave]);
    assert!(message(&app).contains("NOT SAVED"), "{}", message(&app));
    let warning = "Ctrl-c again: quit without saving (read-only file)";
    app.update(Msg::Quit);
    assert_eq!(message(&app), warning);
    // The shell retries the save every half second while it fails.
    send(&mut app, &[Msg::AutoSave, Msg::AutoSave]);
    assert_eq!(message(&app), warning, "the retry replaced the warning");
    assert!(!app.should_quit);
    app.update(Msg::Quit);
    assert!(app.should_quit);

    // `q` the same.
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::Back]);
    let warning = "q again: leave without saving (read-only file)";
    assert_eq!(message(&app), warning);
    app.update(Msg::AutoSave);
    assert_eq!(message(&app), warning, "the retry replaced the warning");
    assert!(app.reader().is_some());
    app.update(Msg::Back);
    assert!(app.reader().is_none());
}

#[cfg(unix)]
#[test]
fn a_failed_save_on_j_stays_and_arms_nothing() {
    let fx = fixture(TEXT);
    fx.make_unwritable(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::NextArticle]);
    assert_eq!(app.reader().unwrap().title, "标题：高新区防控纪实");
    let m = message(&app);
    assert!(m.contains("not saved"), "{m}");
    assert!(
        !m.contains("again"),
        "J promises nothing about another key: {m}"
    );
    // A second `J` stays too: `J` never leaves unsaved work behind.
    app.update(Msg::NextArticle);
    assert_eq!(app.reader().unwrap().title, "标题：高新区防控纪实");
    // `q` after `J` warns first, as a first `q` does.
    app.update(Msg::Back);
    assert!(
        app.reader().is_some(),
        "a single q after J discarded the work"
    );
    assert_eq!(
        message(&app),
        "q again: leave without saving (read-only file)"
    );
    // And `J` after an armed `q` does not leave either.
    app.update(Msg::NextArticle);
    assert_eq!(app.reader().unwrap().title, "标题：高新区防控纪实");
    assert!(app.unsaved());
}

// Finding 6: an edge move or a label that replaced overlapping annotations said nothing.

const OVERLAP: &str = "自疫情发生以来,高新区迅速成立新型冠状病毒感染的肺炎疫情防控指挥部。\n";

fn overlap_words(text: &str) -> Analysis {
    analysis_with(
        text,
        Vec::new(),
        &[
            "疫情",
            "发生",
            "以来",
            "高新区",
            "迅速",
            "成立",
            "新型",
            "冠状",
            "病毒",
            "感染",
        ],
    )
}

/// An annotation file holding `spans` (text, label) of `text`, written before opening.
fn annotate_beforehand(fx: &Fixture, text: &str, spans: &[(&str, Label)]) {
    use inkmark::annotation::{Entity, Source};
    let mut f = AnnotationFile::new("a.txt", &sha256_hex(text.as_bytes()), "tester");
    for (t, label) in spans {
        let start = offset(text, t, 0);
        f.entities.push(Entity {
            start,
            end: start + t.chars().count(),
            label: *label,
            text: t.to_string(),
            source: Source::Manual,
            by: Vec::new(),
        });
    }
    std::fs::create_dir_all(&fx.annotations).unwrap();
    std::fs::write(fx.file(), f.to_json()).unwrap();
}

#[test]
fn an_edge_move_over_another_annotation_says_what_it_replaced() {
    let fx = fixture(OVERLAP);
    annotate_beforehand(
        &fx,
        OVERLAP,
        &[("高新区", Label::LOC), ("成立新型", Label::ORG)],
    );
    let mut app = fx.app();
    open_with(&mut app, overlap_words);
    cursor_to(&mut app, OVERLAP, "高新区", 0);
    let grow = Msg::Edge {
        start: false,
        right: true,
    };
    app.update(grow.clone());
    assert_eq!(message(&app), "now: LOC 高新区迅速");
    app.update(grow);
    assert_eq!(
        message(&app),
        "now: LOC 高新区迅速成立 · replaced ORG 成立新型"
    );
    // Undo brings it back, as before.
    app.update(Msg::Undo);
    let r = app.reader().unwrap();
    assert!(r.ann.set.entities.iter().any(|e| e.text == "成立新型"));
}

#[test]
fn labelling_over_annotations_says_what_it_replaced() {
    let fx = fixture(OVERLAP);
    annotate_beforehand(
        &fx,
        OVERLAP,
        &[("高新区", Label::LOC), ("成立新型", Label::ORG)],
    );
    let mut app = fx.app();
    open_with(&mut app, overlap_words);
    // A selection 迅速成立 cuts into ORG 成立新型.
    cursor_to(&mut app, OVERLAP, "迅速", 0);
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Right, Msg::Right]);
    app.update(Msg::Label(2));
    assert_eq!(
        message(&app),
        "labelled: ORG 迅速成立 · replaced ORG 成立新型"
    );
    // Relabelling a whole annotation with a selection of the same span names the old one;
    // the same span and label again (only the source differs) replaces nothing visible.
    cursor_to(&mut app, OVERLAP, "高新区", 0);
    send(&mut app, &[Msg::Select, Msg::Label(0)]);
    assert_eq!(message(&app), "labelled: PER 高新区 · replaced LOC 高新区");
    cursor_to(&mut app, OVERLAP, "高新区", 0);
    send(&mut app, &[Msg::Select, Msg::Label(1)]);
    assert_eq!(message(&app), "labelled: LOC 高新区 · replaced PER 高新区");
    let saved_before = app.reader().unwrap().ann.set.entities.len();
    app.update(Msg::Save);
    assert_eq!(fx.saved().entities.len(), saved_before);
}

// Finding 5: a selection across paragraphs was labelled, though `H` and the other edge
// keys refuse a span across a line break.

#[test]
fn a_selection_across_a_line_break_is_not_labelled() {
    let text = "第一行北京\n\n上海第二行\n";
    let fx = fixture(text);
    let mut app = fx.app();
    open_with(&mut app, |t| {
        analysis_with(t, Vec::new(), &["第一", "北京", "上海", "第二"])
    });
    cursor_to(&mut app, text, "北", 0);
    send(&mut app, &[Msg::Select, Msg::Down, Msg::Down]);
    assert!(app.reader().unwrap().cursor > offset(text, "上", 0));
    app.update(Msg::Label(2));
    assert_eq!(message(&app), "a span does not cross a line break");
    let r = app.reader().unwrap();
    assert!(r.ann.set.entities.is_empty(), "{:?}", r.ann.set.entities);
    // The selection stays, to be shortened; within the line it labels as before.
    assert!(r.anchor.is_some());
    send(&mut app, &[Msg::Cancel]);
    cursor_to(&mut app, text, "北", 0);
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Label(1)]);
    assert_eq!(message(&app), "labelled: LOC 北京");
    // A line break other than \n (U+2028) counts too.
    let text = "甲乙北京\u{2028}上海丙\n";
    let fx = fixture(text);
    let mut app = fx.app();
    open_with(&mut app, |t| {
        analysis_with(t, Vec::new(), &["北京", "上海"])
    });
    cursor_to(&mut app, text, "京", 0);
    send(
        &mut app,
        &[Msg::Select, Msg::Right, Msg::Right, Msg::Label(1)],
    );
    assert_eq!(message(&app), "a span does not cross a line break");
}

// Finding 4: `*` said "none in other articles" though an article with a broken
// annotation file had the text, and the note after `c` was cut at 100 columns.

/// The bottom `rows` rows of the screen joined, margins trimmed: a wrapped notice.
fn bottom_text(app: &App, rows: usize) -> String {
    let s = screen(app);
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len() - rows..]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn label_everywhere_names_the_articles_it_will_skip_and_the_note_is_whole() {
    let fx = fixture(TEXT);
    std::fs::write(fx.corpus.join("c.txt"), "又见高新区。高新区。\n").unwrap();
    std::fs::create_dir_all(&fx.annotations).unwrap();
    std::fs::write(fx.annotations.join("c.json"), "{ broken").unwrap();
    let mut app = fx.app();
    app.update(Msg::Resize(100, 20));
    open(&mut app);
    send(
        &mut app,
        &[Msg::NextEntity, Msg::Label(1), Msg::LabelEverywhere],
    );
    let prompt = match &app.reader().unwrap().pending {
        inkmark::tui::app::Pending::Confirm { prompt, .. } => prompt.clone(),
        p => panic!("no prompt: {p:?} {:?}", app.message),
    };
    assert!(prompt.starts_with("Label 2 more occurrences of 高新区 as LOC here? (y/n; "));
    assert!(
        prompt.contains("it would skip 1 article") && prompt.contains("c.txt"),
        "{prompt}"
    );
    assert!(
        !prompt.contains("(y/n; none in other articles)"),
        "{prompt}"
    );
    // The question is shown whole, over as many rows as it needs.
    let shown = bottom_text(&app, 3);
    assert!(shown.contains("c.txt)"), "{shown}");
    app.update(Msg::YesCorpus);
    let m = message(&app);
    assert_eq!(
        m,
        "labelled 2 spans (u undoes); none in other articles; skipped 1 article (annotation \
         file broken, unwritable or made for another version of the text): c.txt"
    );
    // At 100 columns the note is whole: it grows the status bar upwards.
    let shown = bottom_text(&app, 2);
    assert!(shown.ends_with("text): c.txt"), "{shown}");
    assert!(shown.contains("skipped 1 article"), "{shown}");
    // The broken file is untouched.
    assert_eq!(
        std::fs::read_to_string(fx.annotations.join("c.json")).unwrap(),
        "{ broken"
    );
}

// Finding 10: the entity panel cut the problems it lists, so the reason an article is
// read-only could not be read in the reader.

#[test]
fn the_panel_shows_a_long_problem_whole() {
    let fx = fixture(TEXT);
    // A span whose text is not the article's there: the file is invalid, read-only.
    let mut f = AnnotationFile::new("a.txt", &sha256_hex(TEXT.as_bytes()), "tester");
    f.entities.push(inkmark::annotation::Entity {
        start: 2,
        end: 6,
        label: Label::LOC,
        text: "天安门广场".chars().take(4).collect(),
        source: inkmark::annotation::Source::Manual,
        by: Vec::new(),
    });
    std::fs::create_dir_all(&fx.annotations).unwrap();
    std::fs::write(fx.file(), f.to_json()).unwrap();
    let mut app = fx.app();
    app.update(Msg::Resize(100, 20));
    open(&mut app);
    assert!(app.reader().unwrap().ann.read_only.is_some());
    let problem = app.reader().unwrap().ann.problems[0].clone();
    assert!(problem.chars().count() > 40, "{problem}");
    app.update(Msg::TogglePanel);
    let s = screen(&app);
    // The panel's column, rows joined: the whole problem, nothing cut.
    let panel: String = s
        .lines()
        .map(|l| {
            let cells: Vec<char> = l.chars().collect();
            let at = cells.iter().rposition(|&c| c == '│').unwrap_or(0);
            let from = cells[..at]
                .iter()
                .rposition(|&c| c == '│')
                .map_or(0, |i| i + 1);
            cells[from..at]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("");
    let want: String = format!("! {problem}").split_whitespace().collect();
    let got: String = panel.split_whitespace().collect();
    assert!(got.contains(&want), "{want}\n{s}");
    assert!(!s.contains('…'), "{s}");
    // The entities below it are still listed, the selected one in view.
    assert!(s.contains("高新区"), "{s}");
}

// Finding 24 (run-together status messages): `saved now on …` read as one sentence.

#[test]
fn the_save_state_stands_apart_from_a_notice() {
    let fx = fixture(TEXT);
    let mut app = fx.app();
    app.update(Msg::Resize(100, 20));
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Save, Msg::Accept]);
    let bar = status_bar(&app);
    assert!(
        bar.contains("● unsaved │ now on PER suggested 高轶鹏 · accepted LOC 高新区"),
        "{bar}"
    );
    app.update(Msg::Save);
    assert!(bar_starts(&app, "saved"), "{}", status_bar(&app));
}

fn bar_starts(app: &App, s: &str) -> bool {
    status_bar(app).trim_start().starts_with(s)
}

// Finding 11: at 40 columns the label legend went while the title kept growing.

#[test]
fn at_40_columns_the_title_shrinks_before_the_legend_goes() {
    let long = format!("守住东大门 打好阻击战\n\n{}", TEXT.repeat(40));
    let fx = fixture(&long);
    let mut app = fx.app();
    app.update(Msg::Resize(40, 12));
    open(&mut app);
    send(
        &mut app,
        &[Msg::NextEntity, Msg::Accept, Msg::Save, Msg::Down],
    );
    assert!(app.message.is_none());
    let bar = status_bar(&app);
    assert!(bar.trim_start().starts_with("saved 守住"), "{bar}");
    // The keys of the legend, in their colours, after the cut title.
    assert!(bar.contains("… │ 12345"), "{bar}");
    // Wider, the title is whole again and the legend spells the names.
    app.update(Msg::Resize(80, 12));
    let bar = status_bar(&app);
    assert!(bar.contains("守住东大门 打好阻击战 │"), "{bar}");
    assert!(bar.contains("PER LOC ORG TIME QTY"), "{bar}");
}

// Finding 13: `v` then `w` took the first character of the next word (ORG 新增一).

#[test]
fn a_selection_grows_and_shrinks_by_whole_words() {
    let text = "今天新增一句话。\n";
    let fx = fixture(text);
    let mut app = fx.app();
    let words = |t: &str| analysis_with(t, Vec::new(), &["今天", "新增", "一句", "话"]);
    open_with(&mut app, words);
    cursor_to(&mut app, text, "新", 0);
    send(&mut app, &[Msg::Select, Msg::WordNext, Msg::Label(2)]);
    assert_eq!(message(&app), "labelled: ORG 新增");
    app.update(Msg::Undo);
    cursor_to(&mut app, text, "新", 0);
    send(&mut app, &[Msg::Select, Msg::WordNext, Msg::WordNext]);
    assert_eq!(app.reader().unwrap().selection(), Some((2, 6)), "新增一句");
    // `b` gives the last word back, whole.
    app.update(Msg::WordPrev);
    assert_eq!(app.reader().unwrap().selection(), Some((2, 4)), "新增");
    // At the start end (`o`), `b` and `w` move that edge to word starts as before.
    send(&mut app, &[Msg::OtherEnd, Msg::WordPrev]);
    assert_eq!(app.reader().unwrap().selection(), Some((0, 4)), "今天新增");
    send(&mut app, &[Msg::WordNext, Msg::Label(2)]);
    assert_eq!(message(&app), "labelled: ORG 新增");
    // Without a selection `w` still goes to the next word's start.
    cursor_to(&mut app, text, "今", 0);
    app.update(Msg::WordNext);
    assert_eq!(app.reader().unwrap().cursor, 2);
}

// Finding 14: `>` grew an end edge onto punctuation (2020年1月24日( ).

#[test]
fn edge_moves_pass_over_punctuation() {
    let text = "据悉,2020年1月24日(农历除夕),高新区纪委开会。\n";
    let fx = fixture(text);
    let mut app = fx.app();
    let analysis = |t: &str| {
        analysis_with(
            t,
            span(t, "2020年1月24日", 0, Label::TIME)
                .into_iter()
                .collect(),
            &[
                "据悉",
                "2020年",
                "1月",
                "24日",
                "农历",
                "除夕",
                "高新区",
                "纪委",
                "开会",
            ],
        )
    };
    open_with(&mut app, analysis);
    cursor_to(&mut app, text, "2020", 0);
    let edge = |start, right| Msg::Edge { start, right };
    app.update(edge(false, true));
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历");
    app.update(edge(false, true));
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历除夕");
    app.update(edge(false, true));
    // The closing bracket may end it: its partner is inside.
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历除夕)");
    app.update(edge(false, true));
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历除夕),高新区");
    // Back again: never onto the comma.
    app.update(edge(false, false));
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历除夕)");
    // The start edge the same: left over the comma to 据悉, right back past it.
    app.update(edge(true, false));
    assert_eq!(message(&app), "now: TIME 据悉,2020年1月24日(农历除夕)");
    app.update(edge(true, true));
    assert_eq!(message(&app), "now: TIME 2020年1月24日(农历除夕)");
    // At the end of the line only punctuation is left before the line break: the edge
    // stays, and says why.
    cursor_to(&mut app, text, "开会", 0);
    send(&mut app, &[Msg::Label(0)]);
    app.update(edge(false, true));
    assert_eq!(message(&app), "a span does not cross a line break");
    let r = app.reader().unwrap();
    assert!(r.ann.set.entities.iter().any(|e| e.text == "开会"));
    // A quantity's sign is no punctuation: 50% grows onto %.
    let text = "增长50%以上。\n";
    let fx = fixture(text);
    let mut app = fx.app();
    let analysis = |t: &str| {
        analysis_with(
            t,
            span(t, "50", 0, Label::QTY).into_iter().collect(),
            &["增长", "50", "%", "以上"],
        )
    };
    open_with(&mut app, analysis);
    cursor_to(&mut app, text, "50", 0);
    app.update(edge(false, true));
    assert_eq!(message(&app), "now: QTY 50%");
}

// Finding 21: at 10x3 the too-small notice said `q quits`, but in the reader `q` goes
// back to the library.

#[test]
fn the_too_small_notice_names_what_q_does_where_it_is() {
    let fx = fixture(TEXT);
    let mut app = fx.app();
    app.update(Msg::Resize(10, 3));
    assert!(screen(&app).contains("q quits"), "{}", screen(&app));
    open(&mut app);
    let s = screen(&app);
    assert!(!s.contains("quits"), "{s}");
    assert!(s.contains("q: library"), "{s}");
    app.update(Msg::Back);
    assert!(app.reader().is_none() && !app.should_quit);
    app.update(Msg::Resize(20, 5));
    open(&mut app);
    assert!(screen(&app).contains("Ctrl-c: quit"), "{}", screen(&app));
}

// Finding 23: a merge with another writer's file cleared this session's undo history.

fn entity_texts(app: &App) -> Vec<String> {
    let r = app.reader().unwrap();
    r.ann.set.entities.iter().map(|e| e.text.clone()).collect()
}

#[test]
fn undo_survives_a_merge_with_another_writer_and_never_overlaps_their_spans() {
    let fx = fixture(TEXT);
    let (mut a, mut b) = (fx.app(), fx.app());
    open(&mut a);
    open(&mut b);
    // A labels 高轶鹏 and saves; B, unaware, labels 纪委 and saves: a merge.
    cursor_to(&mut a, TEXT, "高轶鹏", 0);
    send(&mut a, &[Msg::Label(0), Msg::Save]);
    cursor_to(&mut b, TEXT, "纪委", 0);
    send(&mut b, &[Msg::Select, Msg::Right, Msg::Label(2), Msg::Save]);
    assert_eq!(
        message(&b),
        "the annotation file had changed on disk: merged both"
    );
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委"]);
    // B's own change is still undoable, A's span stays.
    b.update(Msg::Undo);
    assert_eq!(message(&b), "undone");
    assert_eq!(entity_texts(&b), ["高轶鹏"]);
    send(&mut b, &[Msg::Redo, Msg::Save]);
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委"]);
    // B deletes 纪委; A, after B saved, labels 纪委2 over that place.
    cursor_to(&mut b, TEXT, "纪委", 0);
    send(&mut b, &[Msg::Delete, Msg::Save]);
    cursor_to(&mut a, TEXT, "纪委", 0);
    send(
        &mut a,
        &[
            Msg::Select,
            Msg::Right,
            Msg::Right,
            Msg::Label(1),
            Msg::Save,
        ],
    );
    assert_eq!(entity_texts(&a), ["高轶鹏", "纪委2"]);
    // B labels something else and saves: A's 纪委2 comes in.
    cursor_to(&mut b, TEXT, "平煤神马集团", 0);
    send(
        &mut b,
        &[
            Msg::Select,
            Msg::Right,
            Msg::Right,
            Msg::Right,
            Msg::Right,
            Msg::Right,
            Msg::Label(2),
            Msg::Save,
        ],
    );
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委2", "平煤神马集团"]);
    b.update(Msg::Undo);
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委2"]);
    // Undoing the delete would put 纪委 back over A's 纪委2: refused, nothing changes,
    // and the history stays (redo still gives 平煤神马集团 back).
    b.update(Msg::Undo);
    assert_eq!(
        message(&b),
        "cannot undo: LOC 纪委2 (merged from the file on disk) overlaps it; delete it first"
    );
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委2"]);
    send(&mut b, &[Msg::Redo, Msg::Save]);
    assert_eq!(entity_texts(&b), ["高轶鹏", "纪委2", "平煤神马集团"]);
    assert_eq!(fx.saved().entities.len(), 3);
}

// qa2 finding 4/4b: after a failed save, `J` (or any other key) removed the warning but
// kept the arm: the next `q` / Ctrl-c discarded the work with no warning on screen.

#[cfg(unix)]
#[test]
fn any_other_key_disarms_the_discarding_press() {
    let fx = fixture(TEXT);
    fx.make_unwritable(TEXT);
    let leave = "q again: leave without saving (read-only file)";
    let quit = "Ctrl-c again: quit without saving (read-only file)";

    // q, J, q: the second q warns again instead of leaving.
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::Back]);
    assert_eq!(message(&app), leave);
    app.update(Msg::NextArticle);
    assert!(message(&app).contains("staying on this article"));
    app.update(Msg::Back);
    assert!(app.reader().is_some(), "q after J discarded the work");
    assert_eq!(message(&app), leave);
    // Right after the warning, the confirming key still leaves.
    app.update(Msg::Back);
    assert!(app.reader().is_none());

    // Ctrl-c, j, Ctrl-c: the second Ctrl-c warns again instead of quitting.
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::Quit]);
    assert_eq!(message(&app), quit);
    // An autosave retry in between is no key: the warning and the arm stay.
    send(&mut app, &[Msg::AutoSave, Msg::Down]);
    assert!(!message(&app).contains("again"), "{}", message(&app));
    // A retry after that key shows the bare error, not a warning the arm no longer backs.
    app.update(Msg::AutoSave);
    assert!(message(&app).starts_with("NOT SAVED"), "{}", message(&app));
    app.update(Msg::Quit);
    assert!(!app.should_quit, "Ctrl-c with no warning on screen quit");
    assert_eq!(message(&app), quit);
    app.update(Msg::Quit);
    assert!(app.should_quit);
    assert!(app.lost.is_some());

    // q then Ctrl-c: Ctrl-c warns for itself, and q is no longer the confirming key.
    let mut app = fx.app();
    open(&mut app);
    send(
        &mut app,
        &[Msg::NextEntity, Msg::Accept, Msg::Back, Msg::Quit],
    );
    assert_eq!(message(&app), quit);
    app.update(Msg::Back);
    assert!(app.reader().is_some(), "q confirmed a Ctrl-c warning");
}

// qa2 finding 4 (cosmetic) and 9m: once a retry succeeds, the failure's notice and the
// warning gave way to `saved` only at the next key.

#[cfg(unix)]
#[test]
fn a_retry_that_succeeds_replaces_the_failure_notice() {
    use std::os::unix::fs::PermissionsExt;
    let fx = fixture(TEXT);
    fx.make_unwritable(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::Back]);
    assert!(message(&app).starts_with("q again"));
    std::fs::set_permissions(fx.file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    app.update(Msg::AutoSave);
    assert!(!app.unsaved());
    assert_eq!(app.message, None);
    assert!(
        status_bar(&app).starts_with(" saved "),
        "{}",
        status_bar(&app)
    );
    // No arm is left: q leaves normally.
    app.update(Msg::Back);
    assert!(app.reader().is_none());
    assert_eq!(fx.saved().entities.len(), 1);
}

// qa2 finding 3/3b: accepting a suggestion that ends before a zero-width joiner (one the
// detection cache kept from an older version) and `*` `c` wrote spans that split a
// grapheme cluster: the files turned read-only, even articles never opened.

const ZWJ_TEXT: &str = "标题\n\n赵六来了。赵六\u{200D}说。李四\u{200D}在上海。\n";

#[test]
fn no_edit_writes_a_span_that_splits_a_cluster() {
    let fx = fixture(ZWJ_TEXT);
    std::fs::write(
        fx.corpus.join("b.txt"),
        "标题二\n\n赵六\u{200D}又来了。赵六走了。\n",
    )
    .unwrap();
    let mut app = fx.app();
    open_with(&mut app, |text| {
        let spans: Vec<Span> = [
            span(text, "赵六", 0, Label::PER),
            span(text, "李四", 0, Label::PER),
        ]
        .into_iter()
        .flatten()
        .collect();
        analysis_with(text, spans, &["赵六", "来了", "赵六", "李四", "上海"])
    });
    // The cached suggestion 李四 (before the joiner) cannot be accepted.
    cursor_to(&mut app, ZWJ_TEXT, "李四", 0);
    app.update(Msg::Accept);
    assert_eq!(
        message(&app),
        "not labelled: PER 李四 would split a character (grapheme cluster)"
    );
    assert!(app.reader().unwrap().ann.set.entities.is_empty());
    // 赵六 accepted; `*` `c` labels neither the one before the joiner here nor in b.txt.
    cursor_to(&mut app, ZWJ_TEXT, "赵六", 0);
    app.update(Msg::Accept);
    cursor_to(&mut app, ZWJ_TEXT, "赵六", 0);
    app.update(Msg::LabelEverywhere);
    let prompt = message(&app);
    send(&mut app, &[Msg::YesCorpus, Msg::Save]);
    assert_eq!(fx.saved().entities.len(), 1, "{prompt} / {}", message(&app));
    let b = AnnotationFile::parse(
        &std::fs::read_to_string(fx.annotations.join("b.json"))
            .unwrap_or_else(|_| panic!("{prompt} / {}", message(&app))),
    )
    .unwrap();
    assert_eq!(spans_of(&b), [(12, 14)]);
    let problems =
        inkmark::headless::check(&corpus::scan(&fx.corpus).unwrap(), &fx.annotations, || {});
    assert!(problems.is_empty(), "{problems:?}");
}

// qa2 9o: relabelling a text left its other lexicon suggestions in the article under the
// old label, so `a` there confirmed the label just corrected.

#[test]
fn relabelling_a_text_relabels_its_other_suggestions() {
    let a_text = "我们去那里看看风景。\n";
    let b_text = "大家都来看看风景吧。看看风景很好。\n";
    let fx = fixture(a_text);
    std::fs::write(fx.corpus.join("b.txt"), b_text).unwrap();
    let mut app = fx.app();
    open_with(&mut app, |t| analysis_with(t, Vec::new(), &["看看风景"]));
    cursor_to(&mut app, a_text, "看看风景", 0);
    select_and_label(&mut app, 4, 2);
    assert!(message(&app).contains("ORG 看看风景"), "{}", message(&app));
    app.update(Msg::NextArticle);
    let req = app.requests.pop().unwrap();
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(analysis_with(
            &req.text,
            Vec::new(),
            &["看看风景", "看看风景"],
        )),
    });
    let labels = |app: &App| -> Vec<Label> {
        let r = app.reader().unwrap();
        r.analysis
            .as_ref()
            .unwrap()
            .spans
            .iter()
            .map(|s| s.label)
            .collect()
    };
    assert_eq!(labels(&app), [Label::ORG, Label::ORG]);
    cursor_to(&mut app, b_text, "看看风景", 0);
    app.update(Msg::Label(0));
    assert!(message(&app).contains("PER 看看风景"), "{}", message(&app));
    // The other occurrence now suggests the corrected label.
    assert_eq!(labels(&app), [Label::PER]);
    app.update(Msg::NextEntity);
    assert!(message(&app).contains("PER"), "{}", message(&app));
}

// qa2 finding 5: `03>` reaching a line break applied two of the three moves and said only
// "a span does not cross a line break".

#[test]
fn a_counted_edge_move_cut_short_by_a_line_break_says_what_it_applied() {
    let text = "标题\n\n记者 李一 通讯员 张宏伟\n第二行。\n";
    let fx = fixture(text);
    let mut app = fx.app();
    open_with(&mut app, |t| {
        let spans: Vec<Span> = [
            span(t, "李一", 0, Label::PER),
            span(t, "张宏伟", 0, Label::PER),
        ]
        .into_iter()
        .flatten()
        .collect();
        analysis_with(
            t,
            spans,
            &["标题", "记者", "李一", "通讯员", "张宏伟", "第二行"],
        )
    });
    cursor_to(&mut app, text, "李一", 0);
    app.update(Msg::Accept);
    cursor_to(&mut app, text, "李一", 0);
    let grow = Msg::Edge {
        start: false,
        right: true,
    };
    send(&mut app, &[Msg::Zero, Msg::Digit(3), grow.clone()]);
    assert_eq!(
        message(&app),
        "now: PER 李一 通讯员 张宏伟 · 2 of 3 moves: stopped at the line break"
    );
    let texts = |app: &App| -> Vec<String> {
        let r = app.reader().unwrap();
        r.ann.set.entities.iter().map(|e| e.text.clone()).collect()
    };
    assert_eq!(texts(&app), ["李一 通讯员 张宏伟"]);
    // The count is one change: one `u` gives 李一 back.
    app.update(Msg::Undo);
    assert_eq!(texts(&app), ["李一"]);
    // A count whose first move already crosses changes nothing and says so.
    cursor_to(&mut app, text, "李一", 0);
    send(
        &mut app,
        &[
            Msg::Zero,
            Msg::Digit(2),
            grow.clone(),
            Msg::Zero,
            Msg::Digit(5),
            grow,
        ],
    );
    assert_eq!(message(&app), "a span does not cross a line break");
    assert_eq!(texts(&app), ["李一 通讯员 张宏伟"]);
}

// qa2 finding 6: the undo history was lost on leaving an article (J/K/q), though `u`
// undoes "any change of the session".

fn open_next(app: &mut App, forward: bool) {
    app.update(if forward {
        Msg::NextArticle
    } else {
        Msg::PrevArticle
    });
    if let Some(req) = app.requests.pop() {
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(default_analysis(&req.text)),
        });
    }
}

#[test]
fn undo_history_survives_leaving_and_coming_back() {
    let fx = fixture(TEXT);
    std::fs::write(fx.corpus.join("b.txt"), TEXT).unwrap();
    let mut app = fx.app();
    open(&mut app);
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    open_next(&mut app, true);
    assert_eq!(app.reader().unwrap().entry, 1);
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    open_next(&mut app, false);
    assert_eq!(app.reader().unwrap().entry, 0);
    app.update(Msg::Undo);
    assert_eq!(message(&app), "undone");
    app.update(Msg::Undo);
    assert_eq!(message(&app), "nothing to undo");
    // Redo is kept too, and `q` then Enter keeps it as J/K do.
    send(&mut app, &[Msg::Back, Msg::Open]);
    app.update(Msg::Redo);
    assert_eq!(message(&app), "redone");
    app.update(Msg::Save);
    assert_eq!(fx.saved().entities.len(), 1);
    open_next(&mut app, true);
    app.update(Msg::Undo);
    assert_eq!(message(&app), "undone");
    assert!(app.reader().unwrap().ann.set.entities.is_empty());

    // An article edited while it was closed starts a new history: the old offsets would
    // land on other text.
    open_next(&mut app, false);
    app.update(Msg::Undo);
    assert_eq!(message(&app), "undone");
    app.update(Msg::Redo);
    open_next(&mut app, true);
    std::fs::write(fx.corpus.join("a.txt"), format!("新的一段。\n{TEXT}")).unwrap();
    open_next(&mut app, false);
    app.update(Msg::Undo);
    assert_eq!(message(&app), "nothing to undo");
}

// qa2 9g: `v` on a suggestion selected all of it with the cursor at its end, so the
// natural `v` `l` `l` `2` from its first character labelled past it (LOC 云梦泽看看).

#[test]
fn v_then_l_on_a_suggestion_selects_from_the_cursor() {
    let text = "标题\n\n我们去云梦泽看看风景。\n";
    let fx = fixture(text);
    let mut app = fx.app();
    let analysis = |t: &str| {
        let spans: Vec<Span> = span(t, "云梦泽", 0, Label::LOC).into_iter().collect();
        analysis_with(t, spans, &["标题", "我们", "云梦泽", "看看", "风景"])
    };
    open_with(&mut app, analysis);
    let entities = |app: &App| -> Vec<String> {
        let r = app.reader().unwrap();
        r.ann
            .set
            .entities
            .iter()
            .map(|e| format!("{} {}", e.label, e.text))
            .collect()
    };
    cursor_to(&mut app, text, "云梦泽", 0);
    app.update(Msg::Select);
    assert!(
        message(&app).contains("h/l select from the cursor"),
        "{}",
        message(&app)
    );
    send(&mut app, &[Msg::Right, Msg::Right, Msg::Label(1)]);
    assert_eq!(entities(&app), ["LOC 云梦泽"]);
    app.update(Msg::Undo);
    // From the middle: `v` `l` selects 梦泽.
    cursor_to(&mut app, text, "梦泽", 0);
    send(&mut app, &[Msg::Select, Msg::Right, Msg::Label(2)]);
    assert_eq!(entities(&app), ["ORG 梦泽"]);
    app.update(Msg::Undo);
    // `v` then a label key still takes the whole suggestion, and `e` grows it.
    cursor_to(&mut app, text, "梦泽", 0);
    send(&mut app, &[Msg::Select, Msg::Label(0)]);
    assert_eq!(entities(&app), ["PER 云梦泽"]);
    app.update(Msg::Undo);
    cursor_to(&mut app, text, "云梦泽", 0);
    send(
        &mut app,
        &[Msg::Select, Msg::WordEnd, Msg::Right, Msg::Label(1)],
    );
    assert_eq!(entities(&app), ["LOC 云梦泽看看风"]);
}

// qa2 finding 6, with another writer: a history kept across leaving never puts a span
// over one that the file on disk gained meanwhile.
#[test]
fn a_kept_history_refuses_to_redo_over_another_writers_span() {
    let fx = fixture(TEXT);
    let mut app = fx.app();
    open(&mut app);
    send(
        &mut app,
        &[Msg::NextEntity, Msg::Accept, Msg::Undo, Msg::Save],
    );
    assert!(fx.saved().entities.is_empty());
    open_next(&mut app, true);
    // Another writer labels 高新区防控 in a.txt meanwhile.
    let start = offset(TEXT, "高新区防控", 0);
    let sha = sha256_hex(TEXT.as_bytes());
    std::fs::write(
        fx.file(),
        format!(
            r#"{{"format": "inkmark/1", "article": "a.txt", "article_sha256": "{sha}", "annotator": "other", "status": "in_progress", "updated": "2026-12-01T00:00:00Z", "entities": [{{"start": {start}, "end": {}, "label": "ORG", "text": "高新区防控", "source": "manual"}}]}}"#,
            start + 5
        ),
    )
    .unwrap();
    open_next(&mut app, false);
    app.update(Msg::Redo);
    assert_eq!(
        message(&app),
        "cannot redo: ORG 高新区防控 (merged from the file on disk) overlaps it; delete it first"
    );
    let r = app.reader().unwrap();
    let texts: Vec<&str> = r.ann.set.entities.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["高新区防控"]);
}

// qa3 N9: Esc on a pending count left the article; a count before a key that takes none
// was dropped silently (`05a` accepted one suggestion).

#[test]
fn esc_cancels_a_count_and_a_key_without_a_count_says_so() {
    let fx = Fixture::new(TEXT);
    let mut app = fx.app();
    open(&mut app);
    cursor_to(&mut app, TEXT, "高新区", 1);
    let confirmed = |app: &App| app.reader().unwrap().ann.set.entities.len();
    send(&mut app, &[Msg::Zero, Msg::Digit(5), Msg::Accept]);
    assert_eq!(
        message(&app),
        "a count needs a motion or an edge key: count 5 dropped, the key did nothing"
    );
    assert_eq!(confirmed(&app), 0);
    send(&mut app, &[Msg::Zero, Msg::Select]);
    assert!(message(&app).starts_with("a count needs a motion"));
    assert!(app.reader().unwrap().anchor.is_none());
    send(&mut app, &[Msg::Zero, Msg::Digit(2), Msg::Cancel]);
    assert!(app.reader().is_some(), "Esc left the article");
    assert_eq!(message(&app), "count 2 cancelled");
    // The count is gone: the keys work alone again.
    send(&mut app, &[Msg::Accept]);
    assert_eq!(confirmed(&app), 1);
    send(&mut app, &[Msg::Cancel]);
    assert!(app.reader().is_none());
}
