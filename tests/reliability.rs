//! Faults: a process killed while it saves, signals, a panic in the TUI, a save that
//! cannot be written. See RELIABILITY.md for what is guaranteed and the figures.

use inkmark::annotation::AnnotationFile;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small deterministic generator for kill delays (no dependency, same run every time).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// The version a `__save-loop` file says it is, after checking it is whole.
fn version_of(f: &AnnotationFile) -> u64 {
    let k: u64 = f
        .annotator
        .trim_start_matches('k')
        .parse()
        .expect("annotator k<N>");
    assert_eq!(f.entities.len() as u64, k % 50, "entities of version {k}");
    for (i, e) in f.entities.iter().enumerate() {
        assert_eq!((e.start, e.end, e.text.as_str()), (2 * i, 2 * i + 1, "x"));
    }
    k
}

/// SIGKILL at random moments while a child saves in a loop: every time, the file parses
/// and is one of the versions the child saved.
#[test]
fn killed_while_saving_leaves_a_whole_file() {
    let kills: usize = std::env::var("INKMARK_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.json");
    let mut rng = Lcg(0x1dea);
    let mut seen_versions = 0;
    let started = Instant::now();
    for i in 0..kills {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkmark"))
            .arg("__save-loop")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // 0 to 8 ms: before, during and after the first saves.
        std::thread::sleep(Duration::from_micros(rng.next() % 8_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let f = AnnotationFile::parse(&text)
                    .unwrap_or_else(|e| panic!("kill {i}: torn file ({e}):\n{text}"));
                version_of(&f);
                seen_versions += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {} // killed before any save
            Err(e) => panic!("kill {i}: {e}"),
        }
    }
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    eprintln!(
        "{kills} kills in {:.1} s, file checked whole after {seen_versions} of them; {leftovers} temp files of killed writers left (removed by a later save once a minute old)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        seen_versions > kills / 2,
        "most kills should land after a save"
    );
}

// --- the TUI in tmux: signals and panics ---------------------------------------------------

mod common;
use common::{wait_file, Tmux};

/// `sh -c` that records the pid, runs inkmark on the seeds in `dir`, and records the exit
/// status and the terminal's settings afterwards.
fn command(dir: &Path, env: &str) -> String {
    format!(
        "echo $$ > {d}/pid; {env} INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} seeds --annotations {d}/ann 2>{d}/stderr; echo $? > {d}/exit; stty -a > {d}/stty; sleep 30",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
    )
}

#[test]
fn sigterm_and_sighup_save_pending_annotations() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; signal test skipped");
        return;
    }
    for signal in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        // exec: the shell's pid becomes inkmark's.
        let cmd = format!(
            "echo $$ > {d}/pid; exec env INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} seeds --annotations {d}/ann 2>{d}/stderr",
            d = dir.path().display(),
            bin = env!("CARGO_BIN_EXE_inkmark"),
        );
        let t = Tmux::start(&format!("sig{signal}"), 90, 24, &cmd);
        t.wait_for("0/5 done");
        t.keys(&["Enter"]);
        t.wait_for("PER LOC ORG TIME QTY");
        // Accept a suggestion and signal at once: well inside the autosave delay.
        t.keys(&["]", "a"]);
        t.wait_for("● unsaved");
        let pid = wait_file(&dir.path().join("pid"));
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .unwrap();
        assert!(ok.success());
        let saved = wait_file(&dir.path().join("ann/000_fb090d6bc539e31c.json"));
        let f = AnnotationFile::parse(&saved).unwrap();
        assert_eq!(f.entities.len(), 1, "SIG{signal}: {saved}");
    }
}

#[test]
fn a_panic_restores_the_terminal() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; panic test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = Tmux::start(
        "panic",
        90,
        24,
        &command(dir.path(), "INKMARK_TEST_PANIC_KEY=Z"),
    );
    t.wait_for("0/5 done");
    assert_eq!(
        t.pane("alternate_on"),
        "1",
        "the TUI runs on the alternate screen"
    );
    t.keys(&["Z"]);
    let code = wait_file(&dir.path().join("exit"));
    assert_ne!(code.trim(), "0", "the panic ends the program");
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(stderr.contains("test panic"), "{stderr}");
    let stty = wait_file(&dir.path().join("stty"));
    // Raw mode is off again: line editing and echo are back.
    assert!(
        stty.contains(" icanon") && stty.contains(" echo "),
        "{stty}"
    );
    assert_eq!(t.pane("alternate_on"), "0", "back on the main screen");
    assert_eq!(t.pane("cursor_flag"), "1", "cursor shown");
    assert_eq!(t.pane("mouse_any_flag"), "0", "mouse reporting off");
}

// --- a full disk ---------------------------------------------------------------------------

/// A 64 KiB tmpfs, unmounted on drop; `None` where mounting is not permitted.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(at: &Path) -> Option<TinyDisk> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then(|| TinyDisk(at.to_path_buf()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_keeps_the_previous_file_and_says_so() {
    use inkmark::positions::Positions;
    use inkmark::text::WidthOptions;
    use inkmark::tui::app::{App, Msg};
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = TinyDisk::mount(&dir.path().join("disk")) else {
        eprintln!("note: cannot mount a tmpfs here; full-disk test skipped");
        return;
    };
    std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
    std::fs::copy(
        "seeds/000_fb090d6bc539e31c.txt",
        dir.path().join("corpus/a.txt"),
    )
    .unwrap();
    let ann = disk.0.join("ann");
    let corpus = inkmark::corpus::scan(&dir.path().join("corpus")).unwrap();
    let mut app = App::new(
        corpus,
        ann.clone(),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(80, 24));
    app.update(Msg::Open);
    let req = app.requests.pop().unwrap();
    let spans = inkmark::detect::Detector::new().analyse(&req.text);
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: std::sync::Arc::new(spans),
    });
    app.update(Msg::NextEntity);
    app.update(Msg::Accept);
    app.update(Msg::Save);
    let file = ann.join("a.json");
    let before = std::fs::read(&file).unwrap();
    // Fill the disk.
    let filler = disk.0.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![b'x'; 4096];
    while std::io::Write::write_all(&mut f, &block).is_ok() {}
    drop(f);
    for _ in 0..20 {
        app.update(Msg::Accept);
    }
    app.update(Msg::Save);
    let m = app.message.clone().unwrap();
    assert!(
        m.starts_with("NOT SAVED") && m.contains("No space left"),
        "{m}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the previous file survives"
    );
    // Quitting asks again rather than losing the work.
    app.update(Msg::Quit);
    assert!(!app.should_quit);
    assert!(app.message.as_deref().unwrap().contains("Ctrl-c again"));
    // Space again: the next save goes through.
    std::fs::remove_file(&filler).unwrap();
    app.update(Msg::Save);
    assert_eq!(app.message.as_deref(), Some("saved"));
    let saved = AnnotationFile::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        saved.entities.len(),
        app.reader().unwrap().ann.set.entities.len()
    );
    assert!(saved.entities.len() > 1);
}

// --- re-anchoring after the article changed ------------------------------------------

mod reanchoring {
    use inkmark::annotation::anchor::{fingerprint, reanchor};
    use inkmark::annotation::{Entity, Source};

    /// Every suggestion of the detector on a seed, accepted.
    fn accepted(text: &str) -> Vec<Entity> {
        let chars: Vec<char> = text.chars().collect();
        inkmark::detect::Detector::new()
            .detect(text)
            .into_iter()
            .map(|s| Entity {
                start: s.start,
                end: s.end,
                label: s.label,
                text: chars[s.start..s.end].iter().collect(),
                source: Source::Accepted,
            })
            .collect()
    }

    /// An edit of the text: `at` (code points) loses `delete` characters and gains `insert`.
    struct Edit {
        at: usize,
        delete: usize,
        insert: &'static str,
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        // From the end, so that earlier offsets stay valid.
        for e in edits.iter().rev() {
            chars.splice(e.at..e.at + e.delete, e.insert.chars());
        }
        chars.into_iter().collect()
    }

    /// Where an entity must land after the edits; `None` when its text was deleted.
    fn expected(e: &Entity, edits: &[Edit]) -> Option<usize> {
        let mut shift = 0isize;
        for ed in edits {
            if e.end <= ed.at {
                continue;
            }
            if e.start < ed.at + ed.delete {
                return None;
            }
            shift += ed.insert.chars().count() as isize - ed.delete as isize;
        }
        Some((e.start as isize + shift) as usize)
    }

    /// (misplaced, unplaced, spans) for the edits, with the fingerprint or without.
    fn run(text: &str, es: &[Entity], edits: &[Edit], with_fingerprint: bool) -> (usize, usize) {
        let new = apply(text, edits);
        let fp = fingerprint(text);
        let r = reanchor(&new, with_fingerprint.then_some(fp.as_str()), es, &[]);
        let (mut misplaced, mut unplaced) = (0, 0);
        for e in es {
            let placed = r.entities.iter().find(|p| {
                p.text == e.text && p.label == e.label && expected(e, edits) == Some(p.start)
            });
            match expected(e, edits) {
                Some(_) if placed.is_some() => {}
                Some(_) if r.unanchored.contains(e) => unplaced += 1,
                Some(_) => misplaced += 1,
                // Deleted: it must not turn up on another mention.
                None if r.unanchored.contains(e) => {}
                None => misplaced += 1,
            }
        }
        (misplaced, unplaced)
    }

    /// The paragraph (line) holding the `n`th entity: (start, length with its line break).
    fn paragraph_of(text: &str, at: usize) -> (usize, usize) {
        let chars: Vec<char> = text.chars().collect();
        let start = chars[..at]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |i| i + 1);
        let end = chars[at..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(chars.len(), |i| at + i + 1);
        (start, end - start)
    }

    #[test]
    fn seeds_keep_every_span_through_inserts_and_a_deleted_paragraph() {
        for seed in ["000_fb090d6bc539e31c", "004_7312ebe8faf5dbae"] {
            let text = std::fs::read_to_string(format!("seeds/{seed}.txt")).unwrap();
            let es = accepted(&text);
            assert!(es.len() > 100, "{seed}: {} suggestions", es.len());
            let note11 = "编者按：本文有删改。\n";
            let note62 = "【编者按】本文原载于内部通讯，转载时略有删改，文中数据截至发稿时，特此说明！感谢读者的理解与支持，欢迎来信批评指正，谢谢。！";
            assert_eq!(note11.chars().count(), 11);
            assert_eq!(note62.chars().count(), 62);
            // A paragraph from the second half, with entities in it.
            let (p_at, p_len) = paragraph_of(&text, es[es.len() * 2 / 3].start);
            // Between two entities of one sentence: that sentence's spans are searched for.
            let mid = es
                .windows(2)
                .find(|w| w[1].start > w[0].end + 2 && w[0].start > text.chars().count() / 3)
                .map(|w| w[0].end + 1)
                .unwrap();
            let cases: Vec<(&str, Vec<Edit>)> = vec![
                (
                    "3 inside a sentence",
                    vec![Edit {
                        at: mid,
                        delete: 0,
                        insert: "（注）",
                    }],
                ),
                (
                    "11 at the top",
                    vec![Edit {
                        at: 0,
                        delete: 0,
                        insert: note11,
                    }],
                ),
                (
                    "62 at the top",
                    vec![Edit {
                        at: 0,
                        delete: 0,
                        insert: note62,
                    }],
                ),
                (
                    "a paragraph deleted",
                    vec![Edit {
                        at: p_at,
                        delete: p_len,
                        insert: "",
                    }],
                ),
                (
                    "62 at the top and a paragraph deleted",
                    vec![
                        Edit {
                            at: 0,
                            delete: 0,
                            insert: note62,
                        },
                        Edit {
                            at: p_at,
                            delete: p_len,
                            insert: "",
                        },
                    ],
                ),
            ];
            for (what, edits) in &cases {
                let (misplaced, unplaced) = run(&text, &es, edits, true);
                let before = run(&text, &es, edits, false);
                eprintln!(
                    "{seed} {what}: {} spans, {misplaced} misplaced, {unplaced} unplaced (without a fingerprint: {} misplaced, {} unplaced)",
                    es.len(),
                    before.0,
                    before.1
                );
                assert_eq!((misplaced, unplaced), (0, 0), "{seed}: {what}");
            }
        }
    }
}
