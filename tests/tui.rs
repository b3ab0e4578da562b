//! The TUI driven by messages and rendered to ratatui's TestBackend.

use inkmark::corpus;
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg, Screen};
use inkmark::tui::view;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use std::path::{Path, PathBuf};

/// The seeds, with annotations in a fresh folder of their own (never the repository's).
fn seeds_app(w: u16, h: u16) -> App {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    seeds_app_named(&format!("{}-{n}", std::process::id()), w, h)
}

/// Like `seeds_app`, in a folder named for snapshots that show it.
fn seeds_app_named(name: &str, w: u16, h: u16) -> App {
    let dir = PathBuf::from("target/test-annotations").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let corpus = corpus::scan(Path::new("seeds")).unwrap();
    let mut app = App::new(corpus, dir, WidthOptions::default(), Positions::default());
    app.annotator = "tester".to_string();
    app.update(Msg::Resize(w, h));
    app
}

fn render(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    t
}

/// The frame as text, one line per row, wide characters once.
fn screen(app: &App) -> String {
    use ratatui::buffer::CellWidth;
    let t = render(app);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let cell = &buf[(x, y)];
            out.push_str(cell.symbol());
            x += cell.cell_width().max(1);
        }
        out.push_str("│\n");
    }
    out
}

fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        app.update(m.clone());
    }
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(Msg::Input(c));
    }
}

#[test]
fn library_80x24() {
    insta::assert_snapshot!(screen(&seeds_app_named("library", 80, 24)));
}

#[test]
fn library_40x12() {
    insta::assert_snapshot!(screen(&seeds_app_named("library", 40, 12)));
}

#[test]
fn reader_80x24() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Open]);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn reader_40x12() {
    let mut app = seeds_app(40, 12);
    send(&mut app, &[Msg::Down, Msg::Open, Msg::PageDown]);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_overlay_40x12() {
    let mut app = seeds_app(40, 12);
    send(&mut app, &[Msg::Open, Msg::ToggleHelp]);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn tiny_terminals_show_a_notice_instead_of_panicking() {
    for (w, h) in [(1, 1), (20, 5), (10, 3), (23, 40), (200, 5)] {
        let mut app = seeds_app(w, h);
        let s = screen(&app);
        assert!(s.contains('T') || w < 2, "{w}x{h}: {s}");
        send(
            &mut app,
            &[Msg::Open, Msg::PageDown, Msg::Bottom, Msg::ToggleHelp],
        );
        render(&app);
    }
    insta::assert_snapshot!(screen(&seeds_app(20, 5)));
}

#[test]
fn every_size_renders_without_panic() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Open]);
    for w in [24, 25, 31, 40, 57, 80, 133, 250] {
        for h in [6, 7, 12, 24, 61] {
            app.update(Msg::Resize(w, h));
            render(&app);
            app.update(Msg::ToggleHelp);
            render(&app);
            app.update(Msg::ToggleHelp);
        }
    }
}

#[test]
fn library_navigation_and_filter() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Down, Msg::Down, Msg::Bottom]);
    assert_eq!(app.library.selected, 4);
    send(&mut app, &[Msg::Top, Msg::StartPrompt]);
    type_text(&mut app, "硝烟");
    assert_eq!(app.library.visible, [3, 4]);
    assert!(screen(&app).contains("/硝烟▏  2 of 5"));
    send(&mut app, &[Msg::Down, Msg::Confirm, Msg::Open]);
    let r = app.reader().expect("opened");
    assert_eq!(r.title, "直面没有硝烟的战场");
    send(&mut app, &[Msg::Back, Msg::Cancel]);
    assert_eq!(app.library.visible.len(), 5);
    assert_eq!(app.library.selected, 4, "selection stays on the article");
    // Filtering by file name works too.
    send(&mut app, &[Msg::StartPrompt]);
    type_text(&mut app, "002");
    assert_eq!(app.library.visible, [2]);
    type_text(&mut app, "x");
    assert!(screen(&app).contains("No article matches"));
}

#[test]
fn reader_scrolls_and_clamps() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Open, Msg::ScrollUp]);
    let top = |app: &App| app.reader().unwrap().top;
    assert_eq!(top(&app), 0);
    send(&mut app, &[Msg::ScrollDown, Msg::ScrollDown]);
    assert_eq!(top(&app), 2);
    send(&mut app, &[Msg::PageDown]);
    assert_eq!(top(&app), 2 + 22);
    send(&mut app, &[Msg::PageUp, Msg::Bottom]);
    let r = app.reader().unwrap();
    assert_eq!(r.top, r.layout.lines.len() - 23);
    assert!(screen(&app).contains("100%"));
    send(&mut app, &[Msg::Down, Msg::PageDown]);
    let r = app.reader().unwrap();
    assert_eq!(
        r.top,
        r.layout.lines.len() - 23,
        "no scrolling past the end"
    );
}

#[test]
fn resize_keeps_the_first_visible_character_visible() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Open]);
    for _ in 0..37 {
        app.update(Msg::ScrollDown);
    }
    let anchor = app.reader().unwrap().first_visible_char();
    for (w, h) in [(40, 12), (133, 40), (27, 9), (80, 24)] {
        app.update(Msg::Resize(w, h));
        let r = app.reader().unwrap();
        let line = r.layout.line_of(anchor);
        assert!(
            line >= r.top && line < r.top + (h as usize - 1),
            "{w}x{h}: anchor line {line} not in view from {}",
            r.top
        );
    }
}

#[test]
fn search_is_incremental_highlights_and_wraps() {
    let mut app = seeds_app(80, 24);
    send(&mut app, &[Msg::Open, Msg::StartPrompt]);
    type_text(&mut app, "高");
    assert!(app.reader().unwrap().search.matches.len() > 50);
    type_text(&mut app, "轶鹏");
    {
        let r = app.reader().unwrap();
        assert_eq!(r.search.matches.len(), 6);
        assert_eq!(r.search.current, Some(0));
    }
    send(&mut app, &[Msg::Confirm]);
    assert_eq!(app.message.as_deref(), Some("6 matches for 高轶鹏"));
    // The match is drawn in the current-match colour, the cursor on it included (it
    // must stand out, not turn into plain coloured text), and no search highlight uses
    // a confirmed label's background (issue 13 defect 1, issue 17 item 6).
    let t = render(&app);
    let buf = t.backend().buffer();
    let highlighted: Vec<_> = buf
        .content
        .iter()
        .filter(|c| c.bg == Color::LightCyan)
        .collect();
    assert_eq!(highlighted.len(), 3, "three characters highlighted");
    assert!(highlighted
        .iter()
        .all(|c| !c.modifier.contains(Modifier::REVERSED)));
    let confirmed_bgs = [
        Color::LightRed,
        Color::LightGreen,
        Color::LightBlue,
        Color::LightYellow,
        Color::LightMagenta,
    ];
    // Nothing is confirmed yet: no text cell may wear a confirmed label's background
    // (the status bar's legend does, on purpose).
    let body = &buf.content[..buf.content.len() - buf.area.width as usize];
    assert!(
        body.iter().all(|c| !confirmed_bgs.contains(&c.bg)),
        "a search match looks like a confirmed label"
    );
    send(&mut app, &[Msg::PrevMatch]);
    assert_eq!(
        app.message.as_deref(),
        Some("search hit TOP, continuing at BOTTOM (match 6/6)")
    );
    send(&mut app, &[Msg::NextMatch]);
    assert_eq!(
        app.message.as_deref(),
        Some("search hit BOTTOM, continuing at TOP (match 1/6)")
    );
    send(&mut app, &[Msg::NextMatch]);
    assert_eq!(app.message.as_deref(), Some("match 2/6"));

    // A common word: n walks forward and scrolls the page to show each match.
    send(&mut app, &[Msg::StartPrompt]);
    type_text(&mut app, "疫情防控");
    send(&mut app, &[Msg::Confirm]);
    let n = app.reader().unwrap().search.matches.len();
    assert!(n > 20);
    for _ in 0..n {
        app.update(Msg::NextMatch);
        let r = app.reader().unwrap();
        let (start, _) = r.search.matches[r.search.current.unwrap()];
        let line = r.layout.line_of(start);
        assert!(line >= r.top && line < r.top + 23);
    }

    // Esc while typing returns to where the search started.
    let before = app.reader().unwrap().top;
    send(&mut app, &[Msg::StartPrompt]);
    type_text(&mut app, "纪委");
    send(&mut app, &[Msg::Cancel]);
    assert_eq!(app.reader().unwrap().top, before);

    send(&mut app, &[Msg::StartPrompt]);
    type_text(&mut app, "不存在的词");
    send(&mut app, &[Msg::Confirm]);
    assert_eq!(
        app.message.as_deref(),
        Some("Pattern not found: 不存在的词")
    );
}

#[test]
fn reading_position_is_remembered_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("positions.json");
    let offset = {
        let (positions, _) = Positions::load(Some(file.clone()));
        let mut app = seeds_app(80, 24);
        app.positions = positions;
        send(
            &mut app,
            &[Msg::Down, Msg::Open, Msg::PageDown, Msg::ScrollDown],
        );
        let offset = app.reader().unwrap().first_visible_char();
        assert!(offset > 0);
        send(&mut app, &[Msg::Quit]);
        app.positions.save().unwrap();
        offset
    };
    let (positions, _) = Positions::load(Some(file));
    let mut app = seeds_app(80, 24);
    app.positions = positions;
    send(&mut app, &[Msg::Down, Msg::Open]);
    assert_eq!(app.reader().unwrap().first_visible_char(), offset);
}

#[test]
fn hostile_articles_render_without_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.txt"),
        "\u{1b}]0;pwned\u{7}标题\u{1b}[2J\n\n正文\u{1b}]52;c;ZWNobyBoaQ==\u{7}\u{202e}abc\u{9b}31m\0",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"\xff\xfe\xfd \xe4\xb8").unwrap();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    let corpus = corpus::scan(dir.path()).unwrap();
    let mut app = App::new(
        corpus,
        PathBuf::from("annotations"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(60, 10));
    for i in 0..3 {
        app.library.selected = i;
        app.update(Msg::Open);
        let t = render(&app);
        for cell in t.backend().buffer().content.iter() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "raw control in a cell: {:?}",
                cell.symbol()
            );
        }
        app.update(Msg::Back);
    }
    // The non-UTF-8 file is flagged in the library and opens with a notice.
    app.library.selected = 0;
    let s = screen(&app);
    assert!(s.contains("not valid UTF-8"), "{s}");
    app.update(Msg::Open);
    assert!(matches!(app.screen, Screen::Reader(_)));
    assert!(app.message.as_deref().unwrap().contains("not valid UTF-8"));
}

#[test]
fn empty_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus::scan(dir.path()).unwrap();
    let mut app = App::new(
        corpus,
        PathBuf::from("annotations"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(80, 24));
    send(&mut app, &[Msg::Open, Msg::Down, Msg::Bottom]);
    assert!(screen(&app).contains("No .txt or .md articles in"));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_listed_and_does_not_block_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("a_locked.txt");
    std::fs::write(&locked, "秘密").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::write(dir.path().join("b_open.txt"), "公开").unwrap();
    if std::fs::read(&locked).is_ok() {
        return; // running as root: permissions do not stop reads
    }
    let corpus = corpus::scan(dir.path()).unwrap();
    let mut app = App::new(
        corpus,
        PathBuf::from("annotations"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(80, 24));
    app.update(Msg::Open);
    assert!(app.reader().is_none());
    assert!(app.message.as_deref().unwrap().contains("denied"));
    send(&mut app, &[Msg::Down, Msg::Open]);
    assert_eq!(&*app.reader().unwrap().text, "公开");
}

// --- entities ------------------------------------------------------------------------

use inkmark::detect::Analysis;
use inkmark::label::{Label, Span};
use std::sync::Arc;

/// Opens the first seed and answers its detection request with `spans`.
fn reader_with_entities(w: u16, h: u16, spans: Vec<Span>) -> App {
    let mut app = seeds_app(w, h);
    app.update(Msg::Open);
    assert_eq!(
        app.requests.len(),
        1,
        "opening asks the worker for entities"
    );
    let sha = app.requests.remove(0).sha;
    app.update(Msg::Detected {
        sha,
        analysis: Arc::new(Analysis {
            spans,
            words: Default::default(),
            ..Default::default()
        }),
    });
    app
}

/// Spans for every occurrence of some words of the first seed.
fn seed_spans() -> Vec<Span> {
    let text = std::fs::read_to_string("seeds/000_fb090d6bc539e31c.txt").unwrap();
    let mut spans = Vec::new();
    for (word, label) in [
        ("高轶鹏", Label::PER),
        ("文尚龙", Label::PER),
        ("高新区", Label::LOC),
        ("2月2日", Label::TIME),
        ("督查组", Label::ORG),
    ] {
        let n = word.chars().count();
        let mut chars = 0;
        let mut byte = 0;
        for (b, _) in text.match_indices(word) {
            chars += text[byte..b].chars().count();
            byte = b;
            spans.push(Span::new(chars, chars + n, label));
        }
    }
    spans.sort();
    spans
}

#[test]
fn detecting_is_shown_until_results_arrive() {
    let mut app = seeds_app(100, 20);
    app.update(Msg::Open);
    assert!(screen(&app).contains("loading dictionary…"));
    app.update(Msg::DetectorReady(120));
    assert!(screen(&app).contains("detecting entities…"));
    let sha = app.requests[0].sha.clone();
    app.update(Msg::Detected {
        sha,
        analysis: Arc::new(Analysis {
            spans: seed_spans(),
            words: Default::default(),
            ..Default::default()
        }),
    });
    let s = screen(&app);
    assert!(s.contains("PER LOC ORG TIME QTY"), "{s}");
}

#[test]
fn entities_are_drawn_in_their_label_colour() {
    let app = reader_with_entities(80, 24, seed_spans());
    let t = render(&app);
    let buf = t.backend().buffer();
    // "高轶鹏" on the ninth row is a person: red (#d70000 of the 256-colour cube), underlined.
    let row: String = (0..80).map(|x| buf[(x, 8)].symbol().to_string()).collect();
    let col = row.find("高").map(|b| row[..b].chars().count()).unwrap();
    assert_eq!(buf[(col as u16, 8)].fg, Color::Indexed(160));
    assert!(buf[(col as u16, 8)]
        .modifier
        .contains(ratatui::style::Modifier::UNDERLINED));
}

#[test]
fn reopening_an_article_reuses_the_results() {
    let mut app = reader_with_entities(80, 24, seed_spans());
    send(&mut app, &[Msg::Back, Msg::Open]);
    assert!(app.requests.is_empty(), "no second request");
    assert!(app.reader().unwrap().analysis.is_some());
}

#[test]
fn results_for_another_article_are_kept_but_not_shown() {
    let mut app = seeds_app(80, 24);
    app.update(Msg::Open);
    app.update(Msg::Detected {
        sha: "0".repeat(64),
        analysis: Arc::new(Analysis {
            spans: vec![Span::new(0, 2, Label::PER)],
            words: Default::default(),
            ..Default::default()
        }),
    });
    assert!(app.reader().unwrap().analysis.is_none());
}

#[test]
fn bracket_keys_walk_through_entities_and_wrap() {
    let spans = seed_spans();
    let mut app = reader_with_entities(80, 24, spans.clone());
    app.update(Msg::NextEntity);
    assert_eq!(app.reader().unwrap().cursor, spans[0].start);
    let first = app.message.clone().unwrap();
    assert!(first.starts_with("LOC suggested 高新区 (1 of"), "{first}");
    app.update(Msg::PrevEntity);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .starts_with("wrapped to the last"));
    assert_eq!(app.reader().unwrap().cursor, spans[spans.len() - 1].start);
    // The last entity is scrolled into view.
    let r = app.reader().unwrap();
    let line = r.layout.line_of(spans[spans.len() - 1].start);
    assert!(line >= r.top && line < r.top + 23);
}

#[test]
fn hidden_labels_are_skipped_and_not_drawn() {
    let mut app = reader_with_entities(80, 24, seed_spans());
    send(&mut app, &[Msg::FilterMenu, Msg::Label(1)]);
    assert!(screen(&app).contains("[ ] LOC"));
    send(&mut app, &[Msg::FilterMenu, Msg::NextEntity]);
    assert!(!app.filter_menu);
    let m = app.message.clone().unwrap();
    assert!(m.starts_with("PER suggested 高轶鹏"), "{m}");
    let t = render(&app);
    assert!(t
        .backend()
        .buffer()
        .content
        .iter()
        .all(|c| c.fg != Color::Indexed(28)));
}

#[test]
fn entity_panel_lists_groups_and_jumps_to_mentions() {
    let mut app = reader_with_entities(100, 30, seed_spans());
    app.update(Msg::TogglePanel);
    let s = screen(&app);
    assert!(s.contains("PER person"), "{s}");
    assert!(s.contains("高新区"), "{s}");
    // The text reflowed to the narrower area left of the panel.
    assert!(app.reader().unwrap().layout.width < 98);
    // First item: the most frequent person; Enter jumps to its first mention, n onwards.
    send(&mut app, &[Msg::Open]);
    assert_eq!(app.message.as_deref(), Some("mention 1 of 6"));
    send(&mut app, &[Msg::NextMatch, Msg::NextMatch]);
    assert_eq!(app.message.as_deref(), Some("mention 3 of 6"));
    let r = app.reader().unwrap();
    let line = r.layout.line_of(r.cursor);
    assert!(line >= r.top && line < r.top + 29);
    assert_eq!(r.slice(r.cursor, r.cursor + 3), "高轶鹏");
    // Tab gives the keys back to the text; Esc closes the panel.
    send(&mut app, &[Msg::SwitchFocus, Msg::Down, Msg::Cancel]);
    assert!(app.reader().unwrap().panel.is_none());
    assert!(app.reader().is_some(), "still reading");
}

#[test]
fn reader_with_panel_snapshots() {
    let mut app = reader_with_entities(100, 24, seed_spans());
    send(&mut app, &[Msg::TogglePanel, Msg::Down]);
    insta::assert_snapshot!("panel_100x24", screen(&app));
    let mut app = reader_with_entities(40, 12, seed_spans());
    send(&mut app, &[Msg::TogglePanel]);
    insta::assert_snapshot!("panel_40x12", screen(&app));
}

#[test]
fn real_detection_through_the_worker() {
    use inkmark::detect::cache::DetectCache;
    let dir = tempfile::tempdir().unwrap();
    let cache = DetectCache {
        dir: Some(dir.path().to_path_buf()),
    };
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    let worker = inkmark::tui::worker::spawn(
        cache.clone(),
        inkmark::tui::worker::ModelSettings::default(),
        tx,
        |m| m,
    );
    let mut app = seeds_app(80, 24);
    app.update(Msg::Open);
    for req in app.requests.drain(..) {
        worker.send(req).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while app.reader().unwrap().analysis.is_none() {
        let msg = rx
            .recv_timeout(deadline - std::time::Instant::now())
            .expect("detection finished");
        app.update(msg);
    }
    let r = app.reader().unwrap();
    let analysis = r.analysis.clone().unwrap();
    assert!(analysis.spans.len() > 100);
    assert!(analysis.words.len() > 1000, "word boundaries for w/b");
    // The result was cached on disk for the next session.
    let version =
        inkmark::detect::version_of(inkmark::detect::tagger::Tagger::base().ok().as_ref());
    assert_eq!(
        cache.load(&r.sha, &version).as_ref(),
        Some(analysis.as_ref())
    );
}

#[test]
fn the_library_shows_names_first_and_fills_in_titles() {
    let corpus = corpus::list(Path::new("seeds")).unwrap();
    assert!(corpus.entries.iter().all(|e| !e.loaded));
    let mut app = App::new(
        corpus,
        PathBuf::from("target/test-annotations/lazy"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(100, 12));
    let s = screen(&app);
    assert!(
        s.contains("reading 0/5") && s.contains("000_fb090d6bc539e31c.txt"),
        "{s}"
    );
    // A filter typed while loading applies to what arrives.
    send(&mut app, &[Msg::StartPrompt]);
    type_text(&mut app, "硝烟");
    assert!(app.library.visible.is_empty());
    let batch = app
        .corpus
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                i,
                corpus::load_entry(Path::new("seeds"), e.rel.clone()),
                inkmark::tui::app::Progress::None,
            )
        })
        .collect();
    app.update(Msg::Loaded(batch));
    assert_eq!(app.library.visible, [3, 4]);
    let s = screen(&app);
    assert!(
        !s.contains("reading") && s.contains("直面没有硝烟的战场"),
        "{s}"
    );
}

// --- issue 13 and 17: screens that misled ------------------------------------------

/// The cell of the first occurrence of `word` on screen: (column, row).
fn find_on_screen(app: &App, word: &str) -> (u16, u16) {
    let t = render(app);
    let buf = t.backend().buffer();
    let first = word.chars().next().unwrap().to_string();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() == first {
                let mut s = String::new();
                let mut cx = x;
                while cx < buf.area.width && s.chars().count() < word.chars().count() {
                    s.push_str(buf[(cx, y)].symbol());
                    cx += 2;
                }
                if s == word {
                    return (x, y);
                }
            }
        }
    }
    panic!("{word} not on screen:\n{}", screen(app));
}

#[test]
fn help_scrolls_on_a_small_terminal() {
    let mut app = seeds_app(40, 12);
    send(&mut app, &[Msg::Open, Msg::ToggleHelp]);
    let first = screen(&app);
    assert!(first.contains("1-9/"), "{first}");
    assert!(!first.contains("back to the library"), "{first}");
    send(&mut app, &[Msg::Down]);
    assert!(screen(&app).contains("2-10/"));
    send(&mut app, &[Msg::Bottom]);
    let last = screen(&app);
    assert!(last.contains("quit (saves)"), "{last}");
    send(&mut app, &[Msg::PageUp, Msg::Top]);
    assert!(screen(&app).contains("1-9/"));
    // ? closes it, and it opens at the top again.
    send(&mut app, &[Msg::ToggleHelp, Msg::ToggleHelp]);
    assert!(screen(&app).contains("1-9/"));
}

#[test]
fn help_leaves_the_status_bar_visible() {
    // Seen in xterm: the help's bottom border covered the status bar.
    for (w, h) in [(100, 30), (40, 12)] {
        let mut app = seeds_app(w, h);
        send(&mut app, &[Msg::Open]);
        let bar = screen(&app).lines().last().unwrap().to_string();
        send(&mut app, &[Msg::ToggleHelp]);
        let s = screen(&app);
        assert_eq!(s.lines().last().unwrap(), bar, "{w}x{h}:\n{s}");
    }
}

#[test]
fn help_lists_every_reader_key_and_the_readme_agrees() {
    use inkmark::tui::keys::{KeyMap, READER_ACTIONS};
    let readme = std::fs::read_to_string("README.md").unwrap();
    let help = KeyMap::default().reader_help();
    for a in READER_ACTIONS {
        let keys = KeyMap::default().keys_of(a.name);
        assert!(help.iter().any(|(k, _)| *k == keys), "{} not in ?", a.name);
        for k in keys.split(' ') {
            assert!(
                readme.contains(&format!("`{k}`")),
                "README does not list key {k} of {}",
                a.name
            );
        }
        assert!(
            readme.contains(&format!("`{}`", a.name)),
            "README does not name the action {} for [keys]",
            a.name
        );
    }
}

#[test]
fn the_quit_warning_fits_100_columns_and_says_not_saved_once() {
    let dir = tempfile::tempdir().unwrap();
    let ann = dir.path().join("ann");
    let corpus = corpus::scan(Path::new("seeds")).unwrap();
    let mut app = App::new(
        corpus,
        ann.clone(),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(100, 30));
    let spans = seed_spans();
    app.update(Msg::Open);
    let sha = app.requests.remove(0).sha;
    app.update(Msg::Detected {
        sha,
        analysis: Arc::new(Analysis {
            spans,
            words: Default::default(),
            ..Default::default()
        }),
    });
    send(&mut app, &[Msg::NextEntity, Msg::Accept]);
    // The annotation folder turns into a file: every save fails from now on.
    let _ = std::fs::remove_dir_all(&ann);
    std::fs::write(&ann, "not a folder").unwrap();
    send(&mut app, &[Msg::Quit]);
    assert!(!app.should_quit);
    let s = screen(&app);
    let bar = s.lines().last().unwrap();
    assert!(bar.contains("Ctrl-c again: quit without saving"), "{bar}");
    assert_eq!(bar.matches("NOT SAVED").count(), 1, "{bar}");
    send(&mut app, &[Msg::Quit]);
    assert!(app.should_quit);
}

#[test]
fn the_entity_panel_is_boxed_at_every_width() {
    for w in [70, 100, 200] {
        let mut app = reader_with_entities(w, 24, seed_spans());
        app.update(Msg::TogglePanel);
        let t = render(&app);
        let buf = t.backend().buffer();
        assert_eq!(buf[(w - 1, 0)].symbol(), "┐", "{w} columns");
        assert_eq!(buf[(w - 1, 5)].symbol(), "│", "{w} columns");
    }
}

#[test]
fn adjacent_spans_of_one_label_show_their_boundary() {
    // 高新区 then 纪委 right after it, both confirmed LOC.
    let mut app = reader_with_entities(80, 24, Vec::new());
    let text = app.reader().unwrap().text.clone();
    let start = text[..text.find("高新区纪委").unwrap()].chars().count();
    {
        let Screen::Reader(r) = &mut app.screen else {
            unreachable!()
        };
        for (s, e) in [(start, start + 3), (start + 3, start + 5)] {
            let t: String = text.chars().skip(s).take(e - s).collect();
            let c =
                r.ann
                    .set
                    .label_change(s, e, Label::LOC, &t, inkmark::annotation::Source::Manual);
            r.ann.set.apply(c);
        }
    }
    // Scroll so the words are on screen, the cursor elsewhere.
    while !screen(&app).contains("高新区纪委") {
        app.update(Msg::ScrollDown);
    }
    let (x, y) = find_on_screen(&app, "高新区纪委");
    let t = render(&app);
    let buf = t.backend().buffer();
    let first = buf[(x + 4, y)].modifier;
    let second = buf[(x + 6, y)].modifier;
    assert_eq!(buf[(x + 4, y)].bg, buf[(x + 6, y)].bg);
    assert_ne!(first, second, "the second span must look different");
}

#[test]
fn no_color_shows_which_label_a_confirmed_span_has() {
    let mut app = reader_with_entities(80, 24, Vec::new());
    app.no_color = true;
    let text = app.reader().unwrap().text.clone();
    let at = |w: &str| text[..text.find(w).unwrap()].chars().count();
    let (per, org) = (at("高轶鹏"), at("督查组"));
    {
        let Screen::Reader(r) = &mut app.screen else {
            unreachable!()
        };
        for (s, label) in [(per, Label::PER), (org, Label::ORG)] {
            let t: String = text.chars().skip(s).take(3).collect();
            let c =
                r.ann
                    .set
                    .label_change(s, s + 3, label, &t, inkmark::annotation::Source::Manual);
            r.ann.set.apply(c);
        }
    }
    app.update(Msg::Resize(200, 60));
    let t = render(&app);
    let buf = t.backend().buffer();
    let r = app.reader().unwrap();
    let style_of = |off: usize| {
        let (line, col) = r.layout.position_of(&r.text, off);
        buf[((col + 1) as u16, (line - r.top) as u16)].modifier
    };
    assert_ne!(style_of(per + 1), style_of(org + 1));
}

#[test]
fn statuses_have_one_name_everywhere() {
    let mut app = reader_with_entities(40, 12, seed_spans());
    send(&mut app, &[Msg::CycleStatus]);
    assert_eq!(app.message.as_deref(), Some("status: in_progress"));
    send(&mut app, &[Msg::Back]);
    // The library keeps a status column at 40 columns too.
    let s = screen(&app);
    assert!(s.contains("in_progress 0"), "{s}");
}

#[test]
fn f_says_how_the_label_menu_works() {
    let mut app = reader_with_entities(80, 24, seed_spans());
    send(&mut app, &[Msg::FilterMenu]);
    assert_eq!(
        app.message.as_deref(),
        Some("labels: a label's key or j/k and Space show / hide, Esc closes")
    );
}

#[test]
fn next_and_previous_article_from_the_reader() {
    let mut app = reader_with_entities(80, 24, seed_spans());
    send(&mut app, &[Msg::PrevArticle]);
    assert_eq!(app.message.as_deref(), Some("this is the first article"));
    send(&mut app, &[Msg::NextEntity, Msg::Accept, Msg::NextArticle]);
    let r = app.reader().unwrap();
    assert_eq!(r.entry, 1);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .starts_with("article 2 of 5: "));
    // The first article was saved on the way.
    assert!(matches!(
        app.progress[0],
        inkmark::tui::app::Progress::Some { entities: 1, .. }
    ));
    send(&mut app, &[Msg::PrevArticle]);
    assert_eq!(app.reader().unwrap().entry, 0);
}

#[test]
fn resizing_keeps_the_cursor_and_the_selection_on_their_characters() {
    let mut app = reader_with_entities(100, 30, seed_spans());
    // The cursor on a 高新区 near the bottom of the screen, a selection from there.
    send(&mut app, &[Msg::PageDown]);
    let r = app.reader().unwrap();
    let bottom = r.layout.lines[r.top + 27].char_start;
    let text = r.text.clone();
    let target = text
        .char_indices()
        .map(|(b, _)| b)
        .enumerate()
        .skip(bottom)
        .find(|(_, b)| text[*b..].starts_with("高新区"))
        .map(|(i, _)| i)
        .unwrap();
    while app.reader().unwrap().cursor < target {
        app.update(Msg::Right);
    }
    send(&mut app, &[Msg::Select, Msg::Right]);
    let before = app.reader().unwrap().selection();
    let cursor = app.reader().unwrap().cursor;
    for (w, h) in [(72, 25), (100, 30), (40, 12), (100, 30)] {
        app.update(Msg::Resize(w, h));
        let r = app.reader().unwrap();
        assert_eq!(r.cursor, cursor, "{w}x{h}");
        assert_eq!(r.selection(), before, "{w}x{h}");
        let line = r.layout.line_of(r.cursor);
        assert!(
            line >= r.top && line < r.top + h as usize - 1,
            "{w}x{h}: cursor off screen"
        );
    }
}

#[test]
fn the_status_bar_says_when_the_corpus_model_is_training() {
    let mut app = seeds_app(100, 30);
    send(&mut app, &[Msg::Open]);
    assert!(!screen(&app).lines().last().unwrap().contains("training"));
    app.training = true;
    let bar = screen(&app).lines().last().unwrap().to_string();
    assert!(bar.contains("todo 0 · training"), "{bar}");
    app.update(Msg::Trained {
        message: "corpus model updated".into(),
        kept: false,
    });
    assert!(!app.training);
}

#[test]
fn s_in_the_panel_lists_the_least_certain_suggestions_first() {
    let mut app = seeds_app(100, 30);
    app.update(Msg::Open);
    let req = app.requests.remove(0);
    let text = req.text.as_str();
    let at = |w: &str| {
        let b = text.find(w).unwrap();
        let s = text[..b].chars().count();
        Span::new(s, s + w.chars().count(), Label::PER)
    };
    // 高轶鹏 is mentioned more often than 文尚龙, but the detector is less sure of 文尚龙.
    let (a, b) = (at("高轶鹏"), at("文尚龙"));
    let mut second = a;
    let later = text[text.find("高轶鹏").unwrap() + 9..]
        .find("高轶鹏")
        .unwrap()
        + text.find("高轶鹏").unwrap()
        + 9;
    second.start = text[..later].chars().count();
    second.end = second.start + 3;
    let mut spans = [(a, 0.95f32), (b, 0.41), (second, 0.9)];
    spans.sort_by_key(|(s, _)| *s);
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(Analysis {
            spans: spans.iter().map(|(s, _)| *s).collect(),
            words: Default::default(),
            scores: spans.iter().map(|(_, p)| *p).collect(),
            ..Default::default()
        }),
    });
    let items = |app: &App| -> Vec<String> {
        app.reader()
            .unwrap()
            .panel
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .filter_map(|r| match r {
                inkmark::tui::entities::PanelRow::Item { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    send(&mut app, &[Msg::TogglePanel]);
    assert_eq!(items(&app), vec!["高轶鹏", "文尚龙"]);
    // `s` in the focused panel.
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let s_key = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE);
    let order = inkmark::tui::keys::map_key(&app, s_key).unwrap();
    assert_eq!(order, Msg::PanelOrder);
    send(&mut app, &[order]);
    assert_eq!(items(&app), vec!["文尚龙", "高轶鹏"]);
    let s = screen(&app);
    assert!(s.contains("least certain first"), "{s}");
    assert!(s.contains("文尚龙") && s.contains("41%"), "{s}");
    // The article's status did not change: `s` belongs to the panel there.
    assert_eq!(
        app.reader().unwrap().ann.set.status,
        inkmark::annotation::Status::Todo
    );
    send(&mut app, &[Msg::PanelOrder]);
    assert_eq!(items(&app), vec!["高轶鹏", "文尚龙"]);
}
