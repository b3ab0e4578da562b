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

/// Runs the binary with a deadline: a command that hangs fails the test instead of
/// stopping it. Returns (exit code, stdout, stderr).
fn run_with_deadline(args: &[&std::ffi::OsStr], secs: u64) -> (Option<i32>, String, String) {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkmark"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() >= secs {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{args:?} still running after {secs} s; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Bytes a terminal acts on: C0 controls but line breaks and tabs, DEL, C1 controls.
fn terminal_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            let cp = c as u32;
            (cp < 0x20 && c != '\n' && c != '\t') || (0x7f..0xa0).contains(&cp)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn headless_commands_never_print_a_hostile_name_or_text_raw() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    // Title, clipboard (OSC 52) and clear-screen sequences in a file name.
    let name = "a\u{1b}]0;PWNED\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2J.txt";
    let text = "记者\u{1b}P1$r\u{1b}\\高轶鹏\u{9b}2J报道\0。\n";
    std::fs::write(root.join(name), text).unwrap();
    let ann = dir.path().join("ann");
    std::fs::create_dir_all(&ann).unwrap();
    // An annotation file whose entity texts hold ESC, DCS, CSI (U+009B) and NUL, one of
    // them over the wrong text so that `check` quotes both.
    let json = format!(
        "{{\"format\": \"inkmark/1\", \"article\": {}, \"article_sha256\": \"{}\", \"annotator\": \"x\", \"status\": \"done\", \"updated\": \"\", \"entities\": [{{\"start\": 2, \"end\": 11, \"label\": \"PER\", \"text\": \"\\u001bP1$r\\u001b\\\\高轶鹏\", \"source\": \"manual\"}}, {{\"start\": 11, \"end\": 16, \"label\": \"ORG\", \"text\": \"\\u009b2J\\u0000x\", \"source\": \"manual\"}}], \"rejected\": []}}",
        serde_json::to_string(name).unwrap(),
        inkmark::detect::sha256_hex(text.as_bytes())
    );
    std::fs::write(
        ann.join(std::path::Path::new(name).with_extension("json")),
        json,
    )
    .unwrap();
    let os = |s: &str| std::ffi::OsString::from(s);
    let (r, a) = (root.clone().into_os_string(), ann.clone().into_os_string());
    let file = root.join(name).into_os_string();
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec![os("check"), os("--annotations"), a.clone(), r.clone()],
        vec![os("stats"), os("--annotations"), a.clone(), r.clone()],
        vec![
            os("stats"),
            os("--json"),
            os("--annotations"),
            a.clone(),
            r.clone(),
        ],
        vec![
            os("export"),
            os("-f"),
            os("doccano"),
            os("--annotations"),
            a.clone(),
            r.clone(),
        ],
        vec![
            os("export"),
            os("-f"),
            os("labelstudio"),
            os("--no-predictions"),
            os("--annotations"),
            a.clone(),
            r.clone(),
        ],
        vec![
            os("export"),
            os("-f"),
            os("brat"),
            os("-o"),
            dir.path().join("brat").into_os_string(),
            os("--annotations"),
            a.clone(),
            r.clone(),
        ],
        vec![os("detect"), file.clone()],
        vec![os("show"), file.clone()],
        vec![
            os("show"),
            root.join("missing\u{1b}[2J.txt").into_os_string(),
        ],
    ];
    for args in &runs {
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (_, stdout, stderr) = run_with_deadline(&refs, 60);
        assert_eq!(
            terminal_controls(&stdout),
            vec![],
            "{args:?} stdout:\n{stdout}"
        );
        assert_eq!(
            terminal_controls(&stderr),
            vec![],
            "{args:?} stderr:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The placeholders say what was there.
    let refs: Vec<&std::ffi::OsStr> = runs[0].iter().map(|a| a.as_os_str()).collect();
    let (_, stdout, _) = run_with_deadline(&refs, 60);
    assert!(stdout.contains("a␛]0;PWNED␇"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_and_the_other_files_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("a.txt"), "记者高轶鹏报道。\n").unwrap();
    std::fs::write(root.join("c.txt"), "高新区全力防控。\n").unwrap();
    let fifo = root.join("b.txt");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: no mkfifo; FIFO test skipped");
        return;
    }
    let p = |n: &str| root.join(n).into_os_string();
    let (code, stdout, stderr) = run_with_deadline(
        &[
            "detect".as_ref(),
            p("a.txt").as_os_str(),
            p("b.txt").as_os_str(),
            p("c.txt").as_os_str(),
        ],
        60,
    );
    assert_eq!(
        stdout.lines().count(),
        2,
        "a.txt and c.txt detected: {stdout}"
    );
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert_eq!(code, Some(1));
    let (code, _, stderr) = run_with_deadline(&["show".as_ref(), p("b.txt").as_os_str()], 60);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("not a regular file"), "{stderr}");
    // The library lists it with the reason; the headless commands name it.
    let c = corpus::scan(&root).unwrap();
    let b = c
        .entries
        .iter()
        .find(|e| e.rel == Path::new("b.txt"))
        .unwrap();
    assert!(
        matches!(&b.problem, Some(Problem::Unreadable(e)) if e.contains("not a regular file")),
        "{:?}",
        b.problem
    );
    // check refuses a missing annotation folder (qa3 N5): an empty one is checked.
    std::fs::create_dir_all(dir.path().join("ann")).unwrap();
    let ann = dir.path().join("ann").into_os_string();
    let r = root.clone().into_os_string();
    for cmd in ["check", "stats"] {
        let (_, stdout, stderr) =
            run_with_deadline(&[cmd.as_ref(), "--annotations".as_ref(), &ann, &r], 60);
        assert!(
            format!("{stdout}{stderr}")
                .contains("b.txt: the article cannot be read: not a regular file"),
            "{cmd}: {stdout}{stderr}"
        );
    }
    let (code, _, stderr) = run_with_deadline(
        &[
            "export".as_ref(),
            "-f".as_ref(),
            "doccano".as_ref(),
            "--annotations".as_ref(),
            &ann,
            &r,
        ],
        60,
    );
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("skipped b.txt: cannot read the article: not a regular file"),
        "{stderr}"
    );
}

#[test]
fn zero_width_joiners_never_reach_the_terminal_as_cells() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("a.txt"), "标题\n甲\u{200d}乙丙丁戊己庚辛\n").unwrap();
    std::fs::write(root.join("b.txt"), "零宽\u{200d}连wj\u{200c}接\n正文\n").unwrap();
    let c = corpus::scan(&root).unwrap();
    let mut app = App::new(
        c,
        dir.path().join("ann"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(60, 10));
    let mut term = Terminal::new(TestBackend::new(60, 10)).unwrap();
    let zero_width = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}'))
    };
    let rows = |term: &Terminal<TestBackend>| -> Vec<Vec<String>> {
        let buf = term.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    };
    term.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
    let library = rows(&term);
    assert!(
        !library.iter().flatten().any(|s| zero_width(s)),
        "{library:?}"
    );
    let title: Vec<String> = "零宽连wj接".chars().map(|c| c.to_string()).collect();
    assert!(
        library.iter().any(|row| {
            let cells: Vec<&String> = row.iter().filter(|s| !s.is_empty() && *s != " ").collect();
            cells
                .windows(title.len())
                .any(|w| w.iter().zip(&title).all(|(a, b)| *a == b))
        }),
        "the library row reads 零宽连wj接: {library:?}"
    );
    app.library.selected = 0;
    app.update(Msg::Open);
    term.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
    let reader = rows(&term);
    assert!(
        !reader.iter().flatten().any(|s| zero_width(s)),
        "{reader:?}"
    );
    // 甲 takes two columns and 乙 starts right after it: nothing joined, nothing shifted.
    let row = reader
        .iter()
        .find(|r| r.iter().any(|s| s.starts_with('甲')))
        .expect("a row with 甲");
    let x = row.iter().position(|s| s.starts_with('甲')).unwrap();
    assert_eq!(row[x], "甲");
    assert_eq!(row[x + 2], "乙", "{row:?}");
    assert_eq!(row[x + 4], "丙", "{row:?}");
}
