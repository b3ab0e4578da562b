//! Hostile input: every file of the hostile corpus is listed or reported, drawn without
//! letting an escape sequence reach the terminal, and handled by `show`, `detect` and
//! `export` (which work or fail with one clear line); nothing panics.

use inkmark::corpus::{self, Problem};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The committed fixtures plus the files that cannot be committed as text.
fn hostile_corpus(dir: &Path) -> PathBuf {
    let root = dir.join("hostile");
    std::fs::create_dir_all(&root).unwrap();
    for e in std::fs::read_dir("tests/fixtures/hostile").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            std::fs::copy(&p, root.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        root.join("latin1.txt"),
        b"caf\xe9 \xff\xfe broken \xe4\xb8 utf-8\n",
    )
    .unwrap();
    std::fs::write(root.join("nul.txt"), b"before\0after\0\0\n").unwrap();
    std::fs::write(root.join("empty.txt"), b"").unwrap();
    let line: String = "高新区疫情防控".repeat(1_000_000 / 21 + 1);
    std::fs::write(root.join("one-mb-line.txt"), line.as_bytes()).unwrap();
    std::fs::create_dir_all(root.join("folder.txt")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = root.join("unreadable.txt");
        std::fs::write(&locked, "secret").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling.txt")).unwrap();
    }
    root
}

fn no_raw_controls(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    })
}

#[test]
fn every_hostile_file_is_listed_and_drawn_safely() {
    let dir = tempfile::tempdir().unwrap();
    let root = hostile_corpus(dir.path());
    let c = corpus::scan(&root).unwrap();
    let names: Vec<String> = c
        .entries
        .iter()
        .map(|e| e.rel.to_string_lossy().into_owned())
        .collect();
    for want in [
        "ansi.txt",
        "bidi.txt",
        "bom.txt",
        "c1.txt",
        "combining.txt",
        "crlf-cr.txt",
        "empty.txt",
        "latin1.txt",
        "nul.txt",
        "one-mb-line.txt",
        "regional.txt",
        "zwj-emoji.txt",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} not listed: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "folder.txt"),
        "a folder is not an article"
    );
    let latin1 = c
        .entries
        .iter()
        .find(|e| e.rel == Path::new("latin1.txt"))
        .unwrap();
    assert!(matches!(latin1.problem, Some(Problem::NotUtf8 { .. })));
    #[cfg(unix)]
    {
        assert!(
            c.warnings.iter().any(|w| w.contains("symlink loop")),
            "{:?}",
            c.warnings
        );
        let dangling = c
            .entries
            .iter()
            .find(|e| e.rel == Path::new("dangling.txt"))
            .unwrap();
        assert!(matches!(dangling.problem, Some(Problem::Unreadable(_))));
    }
    // Titles are safe to draw.
    assert!(
        c.entries.iter().all(|e| no_raw_controls(&e.title)),
        "{:?}",
        c.entries
    );

    let mut app = App::new(
        c,
        dir.path().join("ann"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.exports_dir = dir.path().join("exports");
    for (w, h) in [(80, 24), (30, 8), (200, 50)] {
        app.update(Msg::Resize(w, h));
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        for i in 0..app.library.visible.len() {
            app.library.selected = i;
            app.update(Msg::Open);
            // Walk the article a little, annotate, search for an escape character.
            for m in [
                Msg::Bottom,
                Msg::Top,
                Msg::Right,
                Msg::Right,
                Msg::Label(0),
                Msg::StartPrompt,
                Msg::Input('\u{1b}'),
                Msg::Confirm,
                Msg::NextMatch,
                Msg::TogglePanel,
            ] {
                app.update(m);
                term.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
                for cell in term.backend().buffer().content.iter() {
                    assert!(
                        no_raw_controls(cell.symbol()),
                        "raw control {:?} drawn for article {i}",
                        cell.symbol()
                    );
                }
            }
            app.update(Msg::TogglePanel);
            app.update(Msg::Back);
            app.update(Msg::Cancel);
        }
    }
    // Whatever was labelled exports in every format.
    for f in inkmark::export::Format::ALL {
        app.update(Msg::ExportMenu);
        app.update(Msg::Label(f as usize));
        let m = app.message.clone().unwrap_or_default();
        assert!(m.starts_with("exported"), "{f:?}: {m}");
    }
}

#[test]
fn show_detect_and_export_work_or_fail_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = hostile_corpus(dir.path());
    let bin = env!("CARGO_BIN_EXE_inkmark");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        for args in [vec!["show", "-w", "20"], vec!["detect"]] {
            let out = Command::new(bin).args(&args).arg(f).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stderr.contains("panicked"),
                "{args:?} {}: {stderr}",
                f.display()
            );
            if out.status.success() {
                if args[0] == "show" {
                    assert!(
                        no_raw_controls(&stdout),
                        "{}: raw control in show output",
                        f.display()
                    );
                }
            } else {
                assert_eq!(out.status.code(), Some(1), "{args:?} {}", f.display());
                assert_eq!(
                    stderr.lines().count(),
                    1,
                    "{args:?} {}: {stderr}",
                    f.display()
                );
                assert!(stderr.starts_with("inkmark: "), "{stderr}");
            }
        }
    }
    for format in ["doccano", "labelstudio", "brat", "conll", "spacy"] {
        let out = Command::new(bin)
            .args(["export", "-f", format, "--no-predictions", "-o"])
            .arg(dir.path().join(format!("out-{format}")))
            .arg("--annotations")
            .arg(dir.path().join("ann"))
            .arg(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
