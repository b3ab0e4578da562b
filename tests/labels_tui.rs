//! The reader with a corpus's own label set (tests/fixtures/labels/inkmark.toml: the five
//! plus DISEASE, SYMPTOM, DRUG): label keys from the set, the label menu, the legend at 40
//! and 80 columns, an unknown label, and the real binary in tmux.

use inkmark::annotation::AnnotationFile;
use inkmark::config::Config;
use inkmark::corpus;
use inkmark::detect::Analysis;
use inkmark::label::{Label, LabelSet};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::keys::map_key;
use inkmark::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;
use common::{wait_file, Tmux};

const TEXT: &str = "患者张伟确诊新冠肺炎，出现发热症状，医生给他服用了连花清瘟。\n";
/// jieba's words of TEXT, as the detector would give them.
const WORDS: &[usize] = &[
    0, 2, 4, 6, 10, 11, 13, 15, 17, 18, 20, 21, 22, 24, 25, 29, 30,
];

fn fixture_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labels/inkmark.toml")
}

fn eight() -> LabelSet {
    Config::load(&fixture_config())
        .unwrap()
        .label_set()
        .unwrap()
}

struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    fn new() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
        std::fs::write(dir.path().join("corpus/a.txt"), TEXT).unwrap();
        std::fs::copy(fixture_config(), dir.path().join("corpus/inkmark.toml")).unwrap();
        Fx { dir }
    }

    /// The reader on a.txt with `labels`, detection done (no suggestions).
    fn app(&self, labels: LabelSet, w: u16, h: u16) -> App {
        let c = corpus::scan(&self.dir.path().join("corpus")).unwrap();
        let mut app = App::new(
            c,
            self.dir.path().join("ann"),
            WidthOptions::default(),
            Positions::default(),
        );
        app.annotator = "tester".into();
        app.labels = labels;
        app.update(Msg::Resize(w, h));
        app.update(Msg::Open);
        let req = app.requests.pop().unwrap();
        app.update(Msg::Detected {
            sha: req.sha,
            analysis: Arc::new(Analysis {
                spans: Vec::new(),
                words: WORDS.iter().copied().collect(),
                ..Default::default()
            }),
        });
        app
    }

    fn saved(&self) -> AnnotationFile {
        let path = self.dir.path().join("ann/a.json");
        AnnotationFile::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

/// Keys as the terminal sends them, through the key map.
fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = map_key(app, KeyEvent::new(code, KeyModifiers::NONE)) {
            app.update(msg);
        }
    }
}

/// The cursor onto `needle` by search, highlights cleared.
fn reach(app: &mut App, needle: &str) {
    keys(app, &format!("/{needle}\n\x1b"));
    let want = TEXT[..TEXT.find(needle).unwrap()].chars().count();
    assert_eq!(app.reader().unwrap().cursor, want, "{needle}");
}

fn entities(app: &App) -> Vec<(String, String)> {
    app.reader()
        .unwrap()
        .ann
        .set
        .entities
        .iter()
        .map(|e| (e.text.clone(), e.label.to_string()))
        .collect()
}

fn screen(app: &App) -> String {
    use ratatui::buffer::CellWidth;
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
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

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn labelling_by_key_and_by_menu_relabelling_and_saving() {
    let fx = Fx::new();
    let mut app = fx.app(eight(), 80, 24);
    // 6 is DISEASE's key in this set: it labels the word under the cursor.
    reach(&mut app, "新冠肺炎");
    keys(&mut app, "6");
    assert_eq!(entities(&app), pairs(&[("新冠肺炎", "DISEASE")]));
    // The menu: t, then DRUG's letter (d is DISEASE's, so r).
    reach(&mut app, "连花清瘟");
    keys(&mut app, "t");
    insta::assert_snapshot!("label_menu_80x24", screen(&app));
    // At 40 x 8 the list scrolls with the highlighted row (here DRUG, the last).
    app.update(Msg::Resize(40, 8));
    keys(&mut app, "/");
    for _ in 0..9 {
        app.update(Msg::Down);
    }
    let s = screen(&app);
    assert!(s.contains("DRUG 药物") && !s.contains("PER person"), "{s}");
    insta::assert_snapshot!("label_menu_40x8", s);
    app.update(Msg::Resize(80, 24));
    keys(&mut app, "\x1b");
    assert!(app.label_menu.is_none(), "Esc closes the menu");
    keys(&mut app, "tr");
    assert!(app.label_menu.is_none());
    assert_eq!(
        entities(&app),
        pairs(&[("新冠肺炎", "DISEASE"), ("连花清瘟", "DRUG")])
    );
    // Or / and a fuzzy filter, then Enter.
    reach(&mut app, "发热");
    keys(&mut app, "t/smp");
    let menu = app.label_menu.as_ref().unwrap();
    let rows: Vec<String> = menu
        .rows(&app.labels)
        .iter()
        .map(|(_, l)| l.to_string())
        .collect();
    assert_eq!(rows, ["SYMPTOM"]);
    keys(&mut app, "\n");
    assert_eq!(entities(&app)[1], ("发热".into(), "SYMPTOM".into()));
    // r then the menu relabels; Esc in the menu cancels both.
    reach(&mut app, "新冠肺炎");
    keys(&mut app, "rt\x1b");
    assert_eq!(entities(&app)[0].1, "DISEASE");
    keys(&mut app, "rts");
    assert_eq!(entities(&app)[0], ("新冠肺炎".into(), "SYMPTOM".into()));
    keys(&mut app, "u");
    assert_eq!(entities(&app)[0].1, "DISEASE");
    // A number key no label has says so instead of labelling.
    keys(&mut app, "9");
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .starts_with("no label on key 9"));
    app.update(Msg::Save);
    let labels: Vec<String> = fx
        .saved()
        .entities
        .iter()
        .map(|e| e.label.to_string())
        .collect();
    assert_eq!(labels, ["DISEASE", "SYMPTOM", "DRUG"]);
}

#[test]
fn more_than_nine_labels_reach_the_rest_through_the_menu() {
    let fx = Fx::new();
    let mut toml = String::new();
    for i in 1..=11 {
        toml.push_str(&format!("[[labels]]\nname = \"L{i}\"\n"));
    }
    let path = fx.dir.path().join("corpus/inkmark.toml");
    std::fs::write(&path, toml).unwrap();
    let set = Config::load(&path).unwrap().label_set().unwrap();
    let mut app = fx.app(set, 80, 24);
    reach(&mut app, "张伟");
    keys(&mut app, "9");
    assert_eq!(entities(&app), pairs(&[("张伟", "L9")]));
    // L10 and L11 have no key: the menu's filter reaches them.
    reach(&mut app, "医生");
    keys(&mut app, "t/11\n");
    assert_eq!(entities(&app)[1], ("医生".into(), "L11".into()));
    // The help lists all eleven, the last two on the menu key.
    let help = app.keymap.reader_help_with(&app.labels);
    assert_eq!(help[9], ("t …".to_string(), "label L10".to_string()));
    // On a small screen the filter menu scrolls to the highlighted label; Space toggles
    // the keyless ones.
    app.update(Msg::Resize(40, 12));
    keys(&mut app, "f");
    assert!(!screen(&app).contains("L11"));
    keys(&mut app, &"j".repeat(10));
    let s = screen(&app);
    assert!(s.contains("  [x] L11") && !s.contains("[x] L1 "), "{s}");
    keys(&mut app, " ");
    assert!(app.hidden.contains(Label::new("L11").unwrap()));
    assert!(screen(&app).contains("  [ ] L11"));
}

#[test]
fn the_legend_shortens_at_40_columns_and_reads_whole_at_80() {
    let fx = Fx::new();
    let app = fx.app(eight(), 80, 24);
    let s = screen(&app);
    let bar = s.lines().last().unwrap();
    assert!(
        bar.contains("PER LOC ORG TIME QTY DISEASE SYMPTOM DRUG"),
        "{bar}"
    );
    insta::assert_snapshot!("legend_80x24", s);
    let app = fx.app(eight(), 40, 12);
    let s = screen(&app);
    let bar = s.lines().last().unwrap();
    assert!(bar.contains("│ 12345678 "), "{bar}");
    insta::assert_snapshot!("legend_40x12", s);
    // Between the two, names are cut before they go.
    let app = fx.app(eight(), 72, 12);
    let bar = screen(&app).lines().last().unwrap().to_string();
    assert!(bar.contains("PER LOC ORG TIM QTY DIS SYM DRU"), "{bar}");
    // The filter menu lists the set with descriptions.
    let mut app = fx.app(eight(), 80, 24);
    keys(&mut app, "f");
    let s = screen(&app);
    assert!(s.contains("6 [x] DISEASE 疾病名称, e.g. 新冠肺炎"), "{s}");
    keys(&mut app, "6");
    assert!(app.hidden.contains(Label::new("DISEASE").unwrap()));
}

#[test]
fn a_label_the_set_lacks_is_shown_named_unknown_and_can_be_relabelled() {
    let fx = Fx::new();
    let mut app = fx.app(eight(), 80, 24);
    reach(&mut app, "连花清瘟");
    keys(&mut app, "8");
    app.update(Msg::Save);
    // The scheme drops DRUG: the file's DRUG is unknown now.
    let without: Vec<_> = eight()
        .defs()
        .iter()
        .filter(|d| d.label.name() != "DRUG")
        .cloned()
        .collect();
    let mut app = fx.app(LabelSet::new(without), 80, 24);
    reach(&mut app, "连花清瘟");
    let bar = screen(&app).lines().last().unwrap().to_string();
    assert!(
        bar.contains("DRUG: unknown label, not in the set (r relabels)"),
        "{bar}"
    );
    keys(&mut app, "r6");
    assert_eq!(entities(&app), pairs(&[("连花清瘟", "DISEASE")]));
}

/// The release (or debug) binary in tmux: DISEASE by its key, DRUG by the menu, saved.
#[test]
fn tmux_labels_disease_by_key_and_drug_by_menu() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; end-to-end test skipped");
        return;
    }
    let fx = Fx::new();
    let d = fx.dir.path();
    // The tagger's unsure 连花清 (LOC, 0.31) would take the selection's first `v`.
    let cfg = std::fs::read_to_string(fixture_config()).unwrap();
    std::fs::write(
        d.join("corpus/inkmark.toml"),
        format!("min_score = 0.5\n{cfg}"),
    )
    .unwrap();
    let command = format!(
        "INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} {d}/corpus --annotations {d}/ann 2>{d}/stderr; echo $? > {d}/exit",
        d = d.display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
    );
    let t = Tmux::start("labels", 100, 30, &command);
    t.wait_for("0/1 done");
    t.keys(&["Enter"]);
    t.wait_for("DISEASE SYMPTOM DRUG");
    t.keys(&["/", "新冠肺炎", "Enter"]);
    t.wait_for("for 新冠肺炎");
    t.keys(&["v", "l", "l", "l", "6"]);
    t.wait_for("DISEASE 新冠肺炎");
    t.keys(&["/", "连花清瘟", "Enter"]);
    t.wait_for("for 连花清瘟");
    t.keys(&["v", "l", "l", "l", "t"]);
    t.wait_for("Label as");
    t.keys(&["r"]);
    t.wait_for("DRUG 连花清瘟");
    t.keys(&["C-s"]);
    t.wait_for("saved");
    t.keys(&["q"]);
    t.wait_for("0/1 done");
    t.keys(&["q"]);
    let code = wait_file(&d.join("exit"));
    let stderr = std::fs::read_to_string(d.join("stderr")).unwrap_or_default();
    assert_eq!(code.trim(), "0", "exit status; stderr: {stderr}");
    let saved = fx.saved();
    let got: Vec<(String, String)> = saved
        .entities
        .iter()
        .map(|e| (e.text.clone(), e.label.to_string()))
        .collect();
    assert_eq!(got, pairs(&[("新冠肺炎", "DISEASE"), ("连花清瘟", "DRUG")]));
}

// qa2 9h: at 40 columns the label menu covered the first row of its own wrapped prompt
// (only " cancels" showed below it).
#[test]
fn at_40_columns_the_label_menu_leaves_its_wrapped_prompt_whole() {
    let fx = Fx::new();
    let mut app = fx.app(eight(), 40, 12);
    reach(&mut app, "连花清瘟");
    keys(&mut app, "t");
    let s = screen(&app);
    let rows: Vec<&str> = s.lines().collect();
    let prompt_at = rows
        .iter()
        .position(|r| r.contains("label: a letter"))
        .unwrap_or_else(|| panic!("the prompt's first row is covered:\n{s}"));
    assert!(rows[prompt_at..].join(" ").contains("cancels"), "{s}");
    // The menu ends above the prompt.
    let menu_end = rows.iter().rposition(|r| r.contains('└')).unwrap();
    assert!(menu_end < prompt_at, "{s}");
}
