//! Library rows follow the annotation files on disk.

use inkmark::annotation::file::{annotation_path, Entity, Source};
use inkmark::annotation::AnnotationFile;
use inkmark::corpus;
use inkmark::detect::sha256_hex;
use inkmark::label::Label;
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg, Progress};
use std::path::Path;

fn annotate(dir: &Path, article: &str, text: &str, spans: &[(usize, usize)]) {
    let mut f = AnnotationFile::new(article, &sha256_hex(text.as_bytes()), "t");
    f.entities = spans
        .iter()
        .map(|&(start, end)| Entity {
            start,
            end,
            label: Label::LOC,
            text: text.chars().skip(start).take(end - start).collect(),
            source: Source::Manual,
            by: Vec::new(),
        })
        .collect();
    let path = annotation_path(dir, Path::new(article));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, f.to_json()).unwrap();
}

fn app(root: &Path) -> App {
    let corpus = corpus::scan(&root.join("corpus")).unwrap();
    let mut app = App::new(
        corpus,
        root.join("ann"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(80, 24));
    app
}

#[test]
fn a_row_follows_its_annotation_file_changed_on_disk_after_a_visit() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let text = "北京和上海。";
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    std::fs::write(root.join("corpus/a.txt"), text).unwrap();
    annotate(&root.join("ann"), "a.txt", text, &[(0, 2), (3, 5)]);
    let mut app = app(root);
    assert!(matches!(
        app.progress[0],
        Progress::Some { entities: 2, .. }
    ));
    // Broken from outside: the article opens read-only, and the row says so on return.
    std::fs::write(root.join("ann/a.json"), "{ broken").unwrap();
    app.update(Msg::Open);
    assert!(app.reader().is_some());
    app.update(Msg::Back);
    assert!(app.reader().is_none());
    assert!(
        matches!(app.progress[0], Progress::Broken(_)),
        "{:?}",
        app.progress[0]
    );
}

#[test]
fn a_non_utf8_article_with_a_broken_annotation_file_shows_broken() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    let bytes = b"\xe5\x8c\x97\xe4\xba\xac\xff\xfe\xe5\x92\x8c\xe4\xb8\x8a\xe6\xb5\xb7";
    std::fs::write(root.join("corpus/b.txt"), bytes).unwrap();
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    // Offsets that do not hold the entity's text: the reader opens the file read-only.
    annotate(&root.join("ann"), "b.txt", &lossy, &[(0, 2)]);
    let path = root.join("ann/b.json");
    let json = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, json.replace("\"北京\"", "\"上海\"")).unwrap();
    let mut app = app(root);
    assert!(
        matches!(app.progress[0], Progress::Broken(_)),
        "{:?}",
        app.progress[0]
    );
    app.update(Msg::Open);
    assert!(app.reader().unwrap().ann.read_only.is_some());
    app.update(Msg::Back);
    assert!(
        matches!(app.progress[0], Progress::Broken(_)),
        "{:?}",
        app.progress[0]
    );
}

#[test]
fn only_mine_for_someone_the_plan_does_not_name_says_so_and_shows_all() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    std::fs::write(root.join("corpus/a.txt"), "北京。").unwrap();
    let mut app = app(root);
    app.annotator = "dave".to_string();
    app.assigned = Some(Default::default());
    app.update(Msg::ToggleMine);
    assert!(!app.library.mine);
    assert_eq!(app.library.visible.len(), 1);
    let msg = app.message.clone().unwrap_or_default();
    assert!(
        msg.contains("the assignment plan gives dave no article here"),
        "{msg}"
    );
    // Someone with a share toggles as before.
    app.assigned = Some([std::path::PathBuf::from("a.txt")].into());
    app.update(Msg::ToggleMine);
    assert!(app.library.mine);
    assert!(app
        .message
        .clone()
        .unwrap()
        .starts_with("only mine: 1 assigned to dave"));
}
