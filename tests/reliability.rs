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

/// SIGKILL at random moments while `inkmark relabel` saves 150 files in a batch: every
/// file parses and is either the old version (LOC) or the new one (GPE), never torn.
#[test]
fn killed_while_relabelling_leaves_every_file_old_or_new() {
    use inkmark::annotation::{Entity, Source};
    use inkmark::label::Label;
    let kills: usize = std::env::var("INKMARK_KILLS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(12, |k| k / 40);
    let dir = tempfile::tempdir().unwrap();
    let (corpus, ann) = (dir.path().join("corpus"), dir.path().join("ann"));
    std::fs::create_dir_all(&corpus).unwrap();
    let files: Vec<_> = (0..150)
        .map(|i| ann.join(format!("d{}/{i:03}.json", i % 3)))
        .collect();
    let mut old = AnnotationFile::new("a.txt", &"0".repeat(64), "me");
    old.entities = (0..40)
        .map(|i| Entity {
            start: 2 * i,
            end: 2 * i + 1,
            label: Label::LOC,
            text: "x".into(),
            source: Source::Manual,
            by: Vec::new(),
        })
        .collect();
    let old = old.to_json();
    let reset = || {
        for f in &files {
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, &old).unwrap();
        }
        // On the disk before the relabel starts, so that its one sync times its own files.
        // SAFETY: sync(2) takes no arguments and cannot fail.
        unsafe { libc::sync() };
    };
    let relabel = || {
        Command::new(env!("CARGO_BIN_EXE_inkmark"))
            .args(["relabel", "LOC", "GPE"])
            .arg(&corpus)
            .arg("--annotations")
            .arg(&ann)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Whole runs, to know how long one takes (the shortest: the first is slowed by a
    // cold cache).
    let whole = (0..3)
        .map(|_| {
            reset();
            let started = Instant::now();
            relabel().wait().unwrap();
            started.elapsed()
        })
        .min()
        .unwrap();
    let gpe = Label::new("GPE").unwrap();
    let (mut rng, mut mixed, mut done) = (Lcg(0xba7c), 0, 0);
    for i in 0..kills {
        reset();
        let mut child = relabel();
        // The renames come last: most kills land in the second half of a run, some after.
        let w = whole.as_micros() as u64 + 1;
        std::thread::sleep(Duration::from_micros(w / 3 + rng.next() % (w * 3 / 4)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut new = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let parsed = AnnotationFile::parse(&text)
                .unwrap_or_else(|e| panic!("kill {i}: {} torn ({e})", f.display()));
            let labels: std::collections::BTreeSet<Label> =
                parsed.entities.iter().map(|e| e.label).collect();
            assert_eq!(parsed.entities.len(), 40, "kill {i}: {}", f.display());
            if labels == [gpe].into() {
                new += 1;
            } else {
                assert_eq!(labels, [Label::LOC].into(), "kill {i}: {}", f.display());
            }
        }
        mixed += usize::from(new > 0 && new < files.len());
        done += usize::from(new == files.len());
    }
    eprintln!(
        "{kills} kills of a relabel of 150 files ({} ms a whole run): every file old or new; {mixed} kills landed between the first and the last rename, {done} after the last",
        whole.as_millis()
    );
}

/// Two processes, each as an instance that read the file, added a span and pressed
/// Ctrl-s: at the same instant (`jitter` false) or up to 3 ms apart. Returns spans lost.
fn two_process_rounds(rounds: usize, jitter: bool) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(0xface);
    let mut lost = 0;
    for round in 0..rounds {
        let file = dir.path().join(format!("r{round}.json"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        // Both read the (missing) file at start-up, then save at the same instant.
        let at = now + 40;
        let children: Vec<_> = [(0, 0), (2, if jitter { rng.next() % 4 } else { 0 })]
            .into_iter()
            .map(|(start, delay)| {
                Command::new(env!("CARGO_BIN_EXE_inkmark"))
                    .arg("__add-span")
                    .arg(&file)
                    .arg(start.to_string())
                    .arg((at + delay).to_string())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let f = AnnotationFile::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
        lost += 2 - f.entities.len();
    }
    lost
}

#[test]
fn two_processes_saving_at_once_lose_no_span() {
    let rounds: usize = std::env::var("INKMARK_WRITER_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let started = Instant::now();
    let same = two_process_rounds(rounds, false);
    let varied = two_process_rounds(rounds, true);
    eprintln!(
        "{rounds} same-instant and {rounds} varied-timing rounds of two processes in {:.1} s: {same} + {varied} spans lost",
        started.elapsed().as_secs_f64()
    );
    assert_eq!((same, varied), (0, 0));
}

// --- power loss: an ext4 image whose page cache is lost ------------------------------------

/// A mount of an image file through a loop device, unmounted on drop.
struct Mounted(std::path::PathBuf);

impl Mounted {
    fn new(image: &Path, at: &Path, options: &str) -> Option<Mounted> {
        std::fs::create_dir_all(at).ok()?;
        let out = Command::new("mount")
            .args(["-o", &format!("loop,{options}")])
            .arg(image)
            .arg(at)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("mount: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        out.status.success().then(|| Mounted(at.to_path_buf()))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Waits (at most a second) until the block device `name` has no request in flight.
fn settle(name: &str) {
    let path = format!("/sys/block/{name}/inflight");
    for _ in 0..200 {
        match std::fs::read_to_string(&path) {
            Ok(s) if s.split_whitespace().any(|n| n != "0") => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => return,
        }
    }
}

/// A power cut without cutting the power: a writer saves in a loop on an ext4 image
/// mounted through a loop device (journal commits hourly, so nothing reaches the
/// image unless fsync sends it); it is killed at a random moment and the image file is
/// copied at once: the copy is the disk as a power cut would leave it (the killed
/// writer's data still in the page cache is not in it). Mounting the copy replays the
/// journal; the file must be whole and hold the last version whose save returned, or
/// the one after it.
#[test]
fn a_power_cut_keeps_every_completed_save() {
    let cuts: usize = std::env::var("INKMARK_POWER_CUTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("disk.img");
    let made = std::fs::File::create(&image)
        .and_then(|f| f.set_len(32 << 20))
        .is_ok()
        && Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(&image)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    let disk = made
        .then(|| Mounted::new(&image, &dir.path().join("disk"), "commit=3600"))
        .flatten();
    let Some(disk) = disk else {
        eprintln!("note: cannot make and mount an ext4 image here (root and loop devices needed); power-cut test skipped");
        return;
    };
    let file = disk.0.join("ann/a.json");
    let loop_device = std::fs::read_to_string("/proc/mounts")
        .unwrap()
        .lines()
        .find(|l| l.split(' ').nth(1) == disk.0.to_str())
        .and_then(|l| l.split(' ').next())
        .and_then(|d| d.strip_prefix("/dev/"))
        .unwrap_or_default()
        .to_string();
    let mut rng = Lcg(0xc0ffee);
    let (mut landed_mid_save, started) = (0, Instant::now());
    for cut in 0..cuts {
        let tag = format!("cut{cut}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkmark"))
            .arg("__save-loop")
            .arg(&file)
            .arg(&tag)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(5_000 + rng.next() % 40_000));
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        // Writes the dead writer had already sent to the device still complete (the cut
        // comes a moment after the kill); what it left in the page cache never does.
        settle(&loop_device);
        let snapshot = dir.path().join("snapshot.img");
        std::fs::copy(&image, &snapshot).unwrap();
        let done: Option<u64> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.parse().ok())
            .next_back();
        let after = Mounted::new(&snapshot, &dir.path().join("after"), "rw")
            .expect("the image after the cut mounts (journal replayed)");
        let text = std::fs::read_to_string(after.0.join("ann/a.json"));
        drop(after);
        let Some(done) = done else {
            continue; // killed before its first save returned: nothing was promised
        };
        let text =
            text.unwrap_or_else(|e| panic!("cut {cut}: version {done} was saved, file gone: {e}"));
        let f = AnnotationFile::parse(&text)
            .unwrap_or_else(|e| panic!("cut {cut}: torn file ({e}):\n{text}"));
        let k = version_of(&f);
        assert_eq!(
            f.article, tag,
            "cut {cut}: an older run's file after version {done} was saved"
        );
        assert!(
            k == done || k == done + 1,
            "cut {cut}: version {done} was saved, the disk has {k}"
        );
        landed_mid_save += usize::from(k == done + 1);
    }
    eprintln!(
        "{cuts} power cuts in {:.1} s: every completed save was on the disk; {landed_mid_save} cuts kept the save in flight too",
        started.elapsed().as_secs_f64()
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
    // An accept inside the autosave delay, then the panic: the accept is saved.
    t.keys(&["Enter"]);
    t.wait_for("PER LOC ORG TIME QTY");
    t.keys(&["]", "a"]);
    t.wait_for("● unsaved");
    t.keys(&["Z"]);
    let code = wait_file(&dir.path().join("exit"));
    assert_ne!(code.trim(), "0", "the panic ends the program");
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(stderr.contains("test panic"), "{stderr}");
    assert!(
        stderr.contains("pending annotations were saved"),
        "{stderr}"
    );
    let saved = std::fs::read_to_string(dir.path().join("ann/000_fb090d6bc539e31c.json")).unwrap();
    assert_eq!(
        AnnotationFile::parse(&saved).unwrap().entities.len(),
        1,
        "{saved}"
    );
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

/// The real binary with real keys: saves fail (a read-only annotation file); `Ctrl-c`, a
/// pause longer than the autosave retry, `Ctrl-c` again: inkmark exits, and says on stderr
/// what was not saved. The warning fits the 80-column pane.
#[cfg(unix)]
#[test]
fn ctrl_c_twice_quits_while_saves_fail() {
    use std::os::unix::fs::PermissionsExt;
    if !Tmux::available() {
        eprintln!("note: tmux not installed; Ctrl-c test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ann = dir.path().join("ann");
    std::fs::create_dir_all(&ann).unwrap();
    let text = std::fs::read("seeds/000_fb090d6bc539e31c.txt").unwrap();
    let sha = inkmark::detect::sha256_hex(&text);
    let file = ann.join("000_fb090d6bc539e31c.json");
    std::fs::write(
        &file,
        AnnotationFile::new("000_fb090d6bc539e31c.txt", &sha, "x").to_json(),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let t = Tmux::start("ctrlc", 80, 24, &command(dir.path(), ""));
    t.wait_for("0/5 done");
    t.keys(&["Enter"]);
    t.wait_for("PER LOC ORG TIME QTY");
    t.keys(&["]", "a"]);
    t.wait_for("NOT SAVED");
    t.keys(&["C-c"]);
    // The whole warning is on screen.
    t.wait_for("Ctrl-c again: quit without saving (read-only file)");
    // Longer than the autosave delay: the retry used to disarm the second Ctrl-c.
    std::thread::sleep(Duration::from_millis(1200));
    t.keys(&["C-c"]);
    let code = wait_file(&dir.path().join("exit"));
    // Work was dropped: a failure for scripts too.
    assert_eq!(code.trim(), "1");
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(
        stderr.contains("quit with annotations NOT SAVED"),
        "{stderr}"
    );
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
    use inkmark::annotation::AnnotationFile;
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
                by: Vec::new(),
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

    /// The whole way through the reader: every suggestion of seed 000 accepted with `a`,
    /// saved, quit; 62 characters put at the top of the article on disk; reopened.
    #[test]
    fn the_reader_reanchors_a_whole_seed_after_an_insert_at_the_top() {
        use inkmark::positions::Positions;
        use inkmark::text::WidthOptions;
        use inkmark::tui::app::{App, Msg};
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        let text = std::fs::read_to_string("seeds/000_fb090d6bc539e31c.txt").unwrap();
        std::fs::write(corpus.join("a.txt"), &text).unwrap();
        let detector = inkmark::detect::Detector::new();
        let app = |dir: &std::path::Path| {
            let mut app = App::new(
                inkmark::corpus::scan(&corpus).unwrap(),
                dir.join("ann"),
                WidthOptions::default(),
                Positions::default(),
            );
            app.update(Msg::Resize(100, 30));
            app.update(Msg::Open);
            let req = app.requests.pop().unwrap();
            app.update(Msg::Detected {
                sha: req.sha,
                analysis: std::sync::Arc::new(detector.analyse(&req.text)),
            });
            app
        };
        let mut a = app(dir.path());
        a.update(Msg::NextEntity);
        // `a` accepts and moves to the next suggestion.
        for _ in 0..1000 {
            a.update(Msg::Accept);
        }
        a.update(Msg::Quit);
        let before =
            AnnotationFile::parse(&std::fs::read_to_string(dir.path().join("ann/a.json")).unwrap())
                .unwrap();
        assert!(before.entities.len() > 100, "{}", before.entities.len());
        assert!(before.article_fingerprint.is_some());
        let note = "【编者按】本文原载于内部通讯，转载时略有删改，文中数据截至发稿时，特此说明！感谢读者的理解与支持，欢迎来信批评指正，谢谢。！";
        assert_eq!(note.chars().count(), 62);
        std::fs::write(corpus.join("a.txt"), format!("{note}{text}")).unwrap();
        let b = app(dir.path());
        let m = b.message.clone().unwrap_or_default();
        assert!(m.contains("0 could not be placed"), "{m}");
        let now = &b.reader().unwrap().ann.set.entities;
        let moved: Vec<(usize, &str)> = now.iter().map(|e| (e.start, e.text.as_str())).collect();
        let expected: Vec<(usize, &str)> = before
            .entities
            .iter()
            .map(|e| (e.start + 62, e.text.as_str()))
            .collect();
        assert_eq!(moved, expected, "every span at its old offset + 62");
        eprintln!(
            "reader: {} accepted spans, all at old offset + 62 after reopening",
            moved.len()
        );
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

// --- the reader when saves fail or the file is not what it should be -----------------------

mod reader_faults {
    use inkmark::annotation::AnnotationFile;
    use inkmark::corpus;
    use inkmark::detect::{sha256_hex, Analysis};
    use inkmark::label::{Label, Span};
    use inkmark::positions::Positions;
    use inkmark::text::WidthOptions;
    use inkmark::tui::app::{App, Msg, Progress};
    use std::path::PathBuf;
    use std::sync::Arc;

    const TEXT: &str = "记者高轶鹏报道，高新区纪委排查。咖啡馆👨‍👩‍👧🇨🇳e\u{301}。\n";

    struct Fx {
        _dir: tempfile::TempDir,
        corpus: PathBuf,
        ann: PathBuf,
    }

    impl Fx {
        fn new() -> Fx {
            let dir = tempfile::tempdir().unwrap();
            let corpus = dir.path().join("corpus");
            std::fs::create_dir_all(&corpus).unwrap();
            std::fs::write(corpus.join("a.txt"), TEXT).unwrap();
            Fx {
                corpus,
                ann: dir.path().join("ann"),
                _dir: dir,
            }
        }

        fn app(&self) -> App {
            let mut app = App::new(
                corpus::scan(&self.corpus).unwrap(),
                self.ann.clone(),
                WidthOptions::default(),
                Positions::default(),
            );
            app.update(Msg::Resize(80, 20));
            app
        }

        fn file(&self) -> PathBuf {
            self.ann.join("a.json")
        }
    }

    fn open(app: &mut App) {
        app.update(Msg::Open);
        if let Some(req) = app.requests.pop() {
            let at = |w: &str| {
                let b = req.text.find(w).unwrap();
                req.text[..b].chars().count()
            };
            let spans = vec![
                Span::new(at("高轶鹏"), at("高轶鹏") + 3, Label::PER),
                Span::new(at("高新区"), at("高新区") + 3, Label::LOC),
            ];
            let words = (0..req.text.chars().count()).collect();
            app.update(Msg::Detected {
                sha: req.sha,
                analysis: Arc::new(Analysis {
                    spans,
                    words,
                    ..Default::default()
                }),
            });
        }
    }

    fn message(app: &App) -> String {
        app.message.clone().unwrap_or_default()
    }

    #[cfg(unix)]
    #[test]
    fn the_second_ctrl_c_quits_right_after_the_warning_while_saves_fail() {
        let fx = Fx::new();
        // A read-only annotation file: every save fails (as in a read-only folder, which
        // root, running the tests, could still write).
        std::fs::create_dir_all(&fx.ann).unwrap();
        let empty = AnnotationFile::new("a.txt", &sha256_hex(TEXT.as_bytes()), "x");
        std::fs::write(fx.file(), empty.to_json()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(fx.file(), std::fs::Permissions::from_mode(0o444)).unwrap();
        let mut app = fx.app();
        open(&mut app);
        app.update(Msg::NextEntity);
        app.update(Msg::Accept);
        app.update(Msg::AutoSave);
        assert!(message(&app).contains("NOT SAVED"), "{}", message(&app));
        app.update(Msg::Quit);
        let warning = message(&app);
        assert!(!app.should_quit);
        assert_eq!(
            warning,
            "Ctrl-c again: quit without saving (read-only file)"
        );
        // The status bar gives a message about 50 of 80 columns (the state and the
        // position take the rest).
        assert!(warning.chars().count() <= 50, "{warning}");
        // The autosave retry used to disarm the second Ctrl-c; a key in between does
        // (the warning is gone from the screen), so Ctrl-c then warns again.
        app.update(Msg::AutoSave);
        app.update(Msg::Down);
        app.update(Msg::AutoSave);
        app.update(Msg::Quit);
        assert!(!app.should_quit, "Ctrl-c quit with no warning on screen");
        app.update(Msg::AutoSave);
        app.update(Msg::Quit);
        assert!(app.should_quit, "the second Ctrl-c quits");
        let lost = app.lost.clone().unwrap();
        assert!(lost.contains("NOT SAVED"), "{lost}");
        // `q` too: the second one leaves the article.
        let mut app = fx.app();
        open(&mut app);
        app.update(Msg::NextEntity);
        app.update(Msg::Accept);
        app.update(Msg::Back);
        assert!(app.reader().is_some());
        assert_eq!(
            message(&app),
            "q again: leave without saving (read-only file)"
        );
        app.update(Msg::AutoSave);
        app.update(Msg::Back);
        assert!(app.reader().is_none(), "the second q leaves");
    }

    /// A file that parses but that `check` rejects, in every way the attack found.
    fn invalid_file() -> String {
        let sha = sha256_hex(TEXT.as_bytes());
        format!(
            r#"{{
  "format": "inkmark/1",
  "article": "a.txt",
  "article_sha256": "{sha}",
  "annotator": "x",
  "status": "in_progress",
  "updated": "",
  "entities": [
    {{"start": 2, "end": 5, "label": "PER", "text": "高轶鹏", "source": "manual"}},
    {{"start": 3, "end": 6, "label": "LOC", "text": "轶鹏报", "source": "manual"}},
    {{"start": 30, "end": 20, "label": "LOC", "text": "x", "source": "manual"}},
    {{"start": 18446744073709551614, "end": 18446744073709551615, "label": "LOC", "text": "x", "source": "manual"}},
    {{"start": 16, "end": 19, "label": "ORG", "text": "不对的", "source": "manual"}},
    {{"start": 19, "end": 21, "label": "PER", "text": "👨‍", "source": "manual"}},
    {{"start": 8, "end": 11, "label": "LOC", "text": "高新区", "source": "manual"}}
  ],
  "rejected": [],
  "mystery": {{"kept": true}}
}}
"#
        )
    }

    #[test]
    fn an_invalid_file_opens_read_only_shows_its_valid_entities_and_reloads_when_fixed() {
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        let bad = invalid_file();
        std::fs::write(fx.file(), &bad).unwrap();
        let mut app = fx.app();
        assert!(
            matches!(&app.progress[0], Progress::Broken(e) if e.contains("invalid")),
            "{:?}",
            app.progress[0]
        );
        open(&mut app);
        let m = message(&app);
        assert!(m.contains("read-only") && m.contains("invalid"), "{m}");
        let r = app.reader().unwrap();
        assert!(r.ann.read_only.is_some());
        // The valid ones are shown: 高新区 (高轶鹏 overlaps 轶鹏报, so both are suspect).
        let shown: Vec<&str> = r.ann.set.entities.iter().map(|e| e.text.as_str()).collect();
        assert!(shown.contains(&"高新区"), "{shown:?}");
        app.update(Msg::NextEntity);
        app.update(Msg::Accept);
        app.update(Msg::Save);
        assert!(
            !message(&app).contains("saved") || message(&app).contains("nothing saved"),
            "{}",
            message(&app)
        );
        assert!(message(&app).starts_with("read-only"), "{}", message(&app));
        // The panel lists the problems.
        app.update(Msg::TogglePanel);
        let rows = &app.reader().unwrap().panel.as_ref().unwrap().rows;
        let problems: Vec<String> = rows
            .iter()
            .filter_map(|r| match r {
                inkmark::tui::entities::PanelRow::Problem(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        for what in [
            "overlaps",
            "reversed",
            "past the end",
            "不对的",
            "splits a character",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(what)),
                "{what}: {problems:?}"
            );
        }
        app.update(Msg::Quit);
        assert_eq!(
            std::fs::read_to_string(fx.file()).unwrap(),
            bad,
            "untouched"
        );

        // Fixed in an editor while the article is open: picked up without reopening.
        let mut app = fx.app();
        open(&mut app);
        let mut fixed = AnnotationFile::parse(&bad).unwrap();
        fixed.entities.retain(|e| e.text == "高新区");
        std::fs::write(fx.file(), fixed.to_json()).unwrap();
        app.update(Msg::AutoSave); // the reader's one-second look at a read-only file
        let r = app.reader().unwrap();
        assert!(r.ann.read_only.is_none(), "{}", message(&app));
        assert!(message(&app).contains("reloaded"), "{}", message(&app));
        assert_eq!(r.ann.set.entities.len(), 1);
        app.update(Msg::NextEntity);
        app.update(Msg::Accept);
        app.update(Msg::Save);
        let saved = AnnotationFile::parse(&std::fs::read_to_string(fx.file()).unwrap()).unwrap();
        assert_eq!(saved.entities.len(), 2);
        assert_eq!(saved.extra["mystery"]["kept"], true, "unknown keys kept");
    }

    #[test]
    fn duplicates_are_reported_the_same_in_library_reader_and_check() {
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        let mut f = AnnotationFile::new("a.txt", &sha256_hex(TEXT.as_bytes()), "x");
        let e = inkmark::annotation::Entity {
            start: 2,
            end: 5,
            label: Label::PER,
            text: "高轶鹏".into(),
            source: inkmark::annotation::Source::Manual,
            by: Vec::new(),
        };
        f.entities = vec![e; 20_000];
        std::fs::write(fx.file(), f.to_json()).unwrap();
        let mut app = fx.app();
        assert!(
            matches!(&app.progress[0], Progress::Broken(m) if m.starts_with("19999 invalid")),
            "{:?}",
            app.progress[0]
        );
        open(&mut app);
        assert!(message(&app).contains("19999 invalid"), "{}", message(&app));
        let c = corpus::scan(&fx.corpus).unwrap();
        let problems = inkmark::headless::check(&c, &fx.ann, || {});
        assert_eq!(
            problems.len(),
            1,
            "{:?}",
            &problems[..problems.len().min(3)]
        );
        assert!(
            problems[0].ends_with("listed twice (×19999)"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_file_that_does_not_parse_shows_what_can_be_read() {
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        // Valid JSON, not a valid file (an unknown status): its entities are still shown.
        let mut f = AnnotationFile::new("a.txt", &sha256_hex(TEXT.as_bytes()), "x");
        f.entities = vec![inkmark::annotation::Entity {
            start: 8,
            end: 11,
            label: Label::LOC,
            text: "高新区".into(),
            source: inkmark::annotation::Source::Manual,
            by: Vec::new(),
        }];
        let bad = f.to_json().replace("\"todo\"", "\"finished\"");
        std::fs::write(fx.file(), &bad).unwrap();
        let mut app = fx.app();
        open(&mut app);
        let r = app.reader().unwrap();
        assert!(r.ann.read_only.is_some());
        assert_eq!(r.ann.set.entities.len(), 1, "{}", message(&app));
        app.update(Msg::Quit);
        assert_eq!(std::fs::read_to_string(fx.file()).unwrap(), bad);
    }

    #[test]
    fn import_leaves_an_invalid_file_alone_and_fingerprints_new_ones() {
        use inkmark::export::import::{apply, Imported, ImportedSpan};
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        let bad = invalid_file();
        std::fs::write(fx.file(), &bad).unwrap();
        let doc = Imported {
            article: Some("a.txt".into()),
            text: TEXT.into(),
            spans: vec![ImportedSpan {
                span: Span::new(8, 11, Label::LOC),
                at: "test".into(),
                foreign: None,
            }],
            problems: Vec::new(),
            status: None,
        };
        let c = corpus::scan(&fx.corpus).unwrap();
        let report = apply(std::slice::from_ref(&doc), &c, &fx.ann, "me", || {});
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("invalid entities")),
            "{:?}",
            report.problems
        );
        assert_eq!(
            std::fs::read_to_string(fx.file()).unwrap(),
            bad,
            "untouched"
        );
        std::fs::remove_file(fx.file()).unwrap();
        let report = apply(&[doc], &c, &fx.ann, "me", || {});
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let f = AnnotationFile::parse(&std::fs::read_to_string(fx.file()).unwrap()).unwrap();
        assert!(f.article_fingerprint.is_some());
    }

    #[test]
    fn read_only_is_never_reported_as_saved() {
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        std::fs::write(fx.file(), "{ broken").unwrap();
        let mut app = fx.app();
        open(&mut app);
        app.update(Msg::Save);
        let m = message(&app);
        assert!(m.starts_with("read-only") && !m.ends_with(" saved"), "{m}");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_annotation_file_is_not_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let fx = Fx::new();
        let mut app = fx.app();
        open(&mut app);
        app.update(Msg::NextEntity);
        app.update(Msg::Accept);
        app.update(Msg::Save);
        let before = std::fs::read(fx.file()).unwrap();
        std::fs::set_permissions(fx.file(), std::fs::Permissions::from_mode(0o444)).unwrap();
        // The accept moved the cursor to the next suggestion.
        app.update(Msg::Accept);
        app.update(Msg::Save);
        let m = message(&app);
        assert!(m.starts_with("NOT SAVED") && m.contains("read-only"), "{m}");
        assert_eq!(std::fs::read(fx.file()).unwrap(), before);
        let mode = std::fs::metadata(fx.file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444);
    }

    #[test]
    fn a_deleted_article_leaves_the_library() {
        let fx = Fx::new();
        std::fs::write(fx.corpus.join("b.txt"), "乙\n").unwrap();
        let mut app = fx.app();
        assert_eq!(app.corpus.entries.len(), 2);
        std::fs::remove_file(fx.corpus.join("a.txt")).unwrap();
        app.update(Msg::Open);
        assert!(app.reader().is_none());
        assert!(message(&app).contains("deleted"), "{}", message(&app));
        assert_eq!(app.corpus.entries.len(), 1);
        assert_eq!(app.library.visible, vec![0]);
        app.update(Msg::Open);
        assert!(app.reader().is_some(), "b.txt still opens");
    }

    #[test]
    fn stats_names_the_broken_annotation_file_not_the_article() {
        let fx = Fx::new();
        std::fs::create_dir_all(&fx.ann).unwrap();
        std::fs::write(fx.file(), "{ broken").unwrap();
        let c = corpus::scan(&fx.corpus).unwrap();
        let s = inkmark::headless::stats(&c, &fx.ann, 5, || {});
        assert_eq!(s.unreadable.len(), 1);
        assert!(s.unreadable[0].contains("a.json"), "{}", s.unreadable[0]);
        assert!(!s.unreadable[0].starts_with("a.txt"), "{}", s.unreadable[0]);
    }
}
