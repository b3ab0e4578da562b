//! Storing annotation files safely: atomic writes (temp file in the same folder, fsync,
//! rename, fsync the folder), never overwriting a file that does not parse, and merging
//! instead of clobbering when another program changed the file since it was read.

use super::file::{AnnotationFile, Entity, ParseError, Rejected};
use crate::corpus::read_regular;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What was found on disk.
// One per file read, never stored in bulk: boxing the file would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Missing,
    Found(AnnotationFile),
    /// The file does not parse: it must not be overwritten.
    Corrupt(ParseError),
}

/// How a save went.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written as given.
    Written,
    /// The file had changed on disk; both sides were merged and written. The caller
    /// should adopt the merged annotations.
    Merged(AnnotationFile),
}

#[derive(Debug)]
pub enum SaveError {
    /// The file on disk changed and no longer parses: not touched.
    Corrupt(PathBuf, ParseError),
    /// The file's permissions say it must not be written (0444): respected, not replaced.
    ReadOnly(PathBuf),
    /// Not a regular file (a FIFO, a device, a folder): never read or replaced.
    NotAFile(PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Corrupt(p, e) => write!(
                f,
                "{} changed on disk and does not parse ({e}); not overwritten",
                p.display()
            ),
            SaveError::ReadOnly(p) => write!(
                f,
                "{} is read-only (no write permission); make it writable to save",
                p.display()
            ),
            SaveError::NotAFile(p) => write!(f, "{} is not a regular file", p.display()),
            SaveError::Io(p, e) => write!(f, "cannot save {}: {e}", p.display()),
        }
    }
}

/// Points in an atomic write where tests inject failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    TempWritten,
    BeforeRename,
}

/// One annotation file and what this program last read or wrote there.
#[derive(Debug, Clone)]
pub struct Store {
    pub path: PathBuf,
    /// Bytes last read from or written to `path` (`None`: there was no file).
    last_bytes: Option<Vec<u8>>,
    /// Their parsed content: the common ancestor for merges.
    base: Option<AnnotationFile>,
}

impl Store {
    /// A store for `path` that has read nothing (the file is treated as absent).
    pub fn detached(path: &Path) -> Store {
        Store {
            path: path.to_path_buf(),
            last_bytes: None,
            base: None,
        }
    }

    /// Reads `path`. A missing file is fine; an unreadable one is an error.
    pub fn open(path: &Path) -> io::Result<(Store, Loaded)> {
        let mut store = Store {
            path: path.to_path_buf(),
            last_bytes: None,
            base: None,
        };
        let loaded = match read_regular(path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                store.last_bytes = Some(bytes);
                match AnnotationFile::parse(&text) {
                    Ok(file) => {
                        store.base = Some(file.clone());
                        Loaded::Found(file)
                    }
                    Err(e) => Loaded::Corrupt(e),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Loaded::Missing,
            Err(e) => return Err(e),
        };
        Ok((store, loaded))
    }

    /// Saves `ours`, merging with the file on disk if it changed since it was read.
    pub fn save(&mut self, ours: &AnnotationFile) -> Result<Saved, SaveError> {
        self.save_with(ours, &|_| Ok(()))
    }

    /// [`Store::save`] with a hook called at each [`Stage`] (tests inject failures).
    pub fn save_with(
        &mut self,
        ours: &AnnotationFile,
        hook: &dyn Fn(Stage) -> io::Result<()>,
    ) -> Result<Saved, SaveError> {
        let io_err = |e| SaveError::Io(self.path.clone(), e);
        // A symlinked annotation file is written through to its target, which stays the
        // one file both names show.
        let target = resolve_symlinks(&self.path).map_err(io_err)?;
        // Read, merge and write under one lock, so that a second writer waits for this one
        // and then merges with what it wrote (without it, two saves at the same instant
        // both read the old file and the later rename drops the other's spans).
        let _lock = lock_beside(&target).map_err(io_err)?;
        let on_disk = match fs::symlink_metadata(&target) {
            Ok(meta) if !meta.is_file() => return Err(SaveError::NotAFile(self.path.clone())),
            Ok(meta) if meta.permissions().readonly() => {
                return Err(SaveError::ReadOnly(self.path.clone()))
            }
            Ok(_) => Some(read_regular(&target).map_err(io_err)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(e)),
        };
        // Whatever is on disk must parse before it may be replaced: a file the user broke
        // by hand is theirs to fix.
        let theirs = match &on_disk {
            Some(bytes) => Some(
                AnnotationFile::parse(&String::from_utf8_lossy(bytes))
                    .map_err(|e| SaveError::Corrupt(self.path.clone(), e))?,
            ),
            None => None,
        };
        let (mut file, outcome) = match &theirs {
            Some(theirs) if on_disk != self.last_bytes => {
                let merged = merge(self.base.as_ref(), ours, theirs);
                (merged.clone(), Saved::Merged(merged))
            }
            _ => (ours.clone(), Saved::Written),
        };
        if let Some(theirs) = &theirs {
            // Keys a newer inkmark or another tool added are not ours to drop.
            for (k, v) in &theirs.extra {
                file.extra.entry(k.clone()).or_insert_with(|| v.clone());
            }
            if file.article_fingerprint.is_none() && file.article_sha256 == theirs.article_sha256 {
                file.article_fingerprint = theirs.article_fingerprint.clone();
            }
        }
        let bytes = file.to_json().into_bytes();
        write_atomic(&target, &bytes, hook).map_err(io_err)?;
        self.last_bytes = Some(bytes);
        self.base = Some(file);
        Ok(outcome)
    }
}

/// What `path` names once its symlinks are followed (a chain, link by link; a dangling
/// one gives its missing target, which the save then creates).
fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// The lock file of a folder of annotation files.
pub const LOCK_FILE: &str = ".inkmark.lock";

/// How long a save waits for another writer's lock before it gives up and says so.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An exclusive advisory lock on `.inkmark.lock` in the folder of `path`, held until
/// dropped. Every inkmark writer takes it around read-merge-write. One per folder rather
/// than per file: saves are short, and the folder does not fill with lock files.
fn lock_beside(path: &Path) -> io::Result<Option<fs::File>> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK_FILE))?;
    let started = std::time::Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(Some(lock)),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another inkmark has been saving this file for 10 s (lock held); try again",
                ))
            }
            // A file system without locks (some network mounts): save as before.
            Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
                return Ok(None)
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// Writes `bytes` to `path` so that a crash at any moment leaves the old file or the new
/// one, never a mix: temp file in the same folder, fsync, rename, fsync the folder.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    hook: &dyn Fn(Stage) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per write, not only per process: two threads may save at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        // The replacement keeps the file's permissions (a 0600 or 0664 file stays so).
        if let Ok(meta) = fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        hook(Stage::TempWritten)?;
        f.sync_all()?;
        drop(f);
        hook(Stage::BeforeRename)?;
        fs::rename(&tmp, path)?;
        // The rename itself must reach the disk too.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else {
        remove_stale_temps(dir, &name);
    }
    result
}

/// Temp files of writers killed mid-save (`.NAME.PID.N.tmp`), once they are a minute old:
/// younger ones may belong to a writer still at work.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        if !(file.starts_with(&prefix) && file.ends_with(".tmp")) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() >= 60);
        if old {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Three-way merge: what `ours` added or removed since `base`, applied to `theirs`.
/// Entities we added win over overlapping ones of theirs; nobody's work is lost silently.
pub fn merge(
    base: Option<&AnnotationFile>,
    ours: &AnnotationFile,
    theirs: &AnnotationFile,
) -> AnnotationFile {
    let set = |v: &[Entity]| v.iter().cloned().collect::<BTreeSet<Entity>>();
    let rset = |v: &[Rejected]| v.iter().cloned().collect::<BTreeSet<Rejected>>();
    let empty = AnnotationFile::new(&ours.article, &ours.article_sha256, &ours.annotator);
    let base = base.unwrap_or(&empty);
    let (b, o, t) = (
        set(&base.entities),
        set(&ours.entities),
        set(&theirs.entities),
    );
    // Ours are valid, so sorted by start they are sorted by end too: overlap tests are a
    // binary search, not a scan of every pair.
    let added: Vec<&Entity> = o.difference(&b).collect();
    let removed: BTreeSet<&Entity> = b.difference(&o).collect();
    let overlaps_ours = |e: &Entity| {
        let i = added.partition_point(|a| a.end <= e.start);
        added.get(i).is_some_and(|a| a.start < e.end)
    };
    let mut entities: Vec<Entity> = Vec::new();
    // Spans they added that clash with spans we added: both sides' work is kept, theirs
    // aside (listed with the unplaced ones) for the user to choose.
    let mut clashing: Vec<Entity> = Vec::new();
    for e in &t {
        if removed.contains(e) {
            continue;
        }
        if overlaps_ours(e) {
            if !b.contains(e) && !o.contains(e) {
                clashing.push(e.clone());
            }
            continue;
        }
        entities.push(e.clone());
    }
    entities.extend(added.into_iter().cloned());
    entities.sort();
    entities.dedup();
    let (rb, ro, rt) = (
        rset(&base.rejected),
        rset(&ours.rejected),
        rset(&theirs.rejected),
    );
    let r_removed: BTreeSet<&Rejected> = rb.difference(&ro).collect();
    let mut rejected: Vec<Rejected> = rt
        .iter()
        .filter(|r| !r_removed.contains(r))
        .cloned()
        .collect();
    rejected.extend(ro.difference(&rb).cloned());
    rejected.sort();
    rejected.dedup();
    let mut unanchored: Vec<Entity> = theirs
        .unanchored
        .iter()
        .chain(&ours.unanchored)
        .chain(&clashing)
        .cloned()
        .collect();
    unanchored.sort();
    unanchored.dedup();
    AnnotationFile {
        status: if ours.status != base.status {
            ours.status
        } else {
            theirs.status
        },
        entities,
        rejected,
        unanchored,
        ..ours.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::{Source, Status};
    use crate::label::Label;

    fn ent(start: usize, end: usize, label: Label) -> Entity {
        Entity {
            start,
            end,
            label,
            text: "x".repeat(end - start),
            source: Source::Manual,
            by: Vec::new(),
        }
    }

    /// Files in `dir` other than the lock file.
    fn files_in(dir: &Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != LOCK_FILE)
            .count()
    }

    fn file(entities: Vec<Entity>) -> AnnotationFile {
        let mut f = AnnotationFile::new("a.txt", &"0".repeat(64), "me");
        f.entities = entities;
        f
    }

    #[test]
    fn round_trip_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.json");
        let (mut store, loaded) = Store::open(&path).unwrap();
        assert_eq!(loaded, Loaded::Missing);
        let f = file(vec![ent(0, 2, Label::PER)]);
        assert_eq!(store.save(&f).unwrap(), Saved::Written);
        let (_, loaded) = Store::open(&path).unwrap();
        assert_eq!(loaded, Loaded::Found(f));
        // No temp files are left behind (the folder's lock file stays).
        assert_eq!(files_in(path.parent().unwrap()), 1);
    }

    #[test]
    fn a_corrupt_file_is_reported_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        fs::write(
            &path,
            "{\n  \"format\": \"inkmark/1\",\n  \"entities\": [,]\n}",
        )
        .unwrap();
        let (mut store, loaded) = Store::open(&path).unwrap();
        let Loaded::Corrupt(e) = loaded else {
            panic!("{loaded:?}")
        };
        assert_eq!(e.line, 3);
        // Even a save attempt does not touch it.
        let before = fs::read(&path).unwrap();
        assert!(matches!(
            store.save(&file(vec![])),
            Err(SaveError::Corrupt(..))
        ));
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (mut store, _) = Store::open(&path).unwrap();
        store.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
        let before = fs::read(&path).unwrap();
        for stage in [Stage::TempWritten, Stage::BeforeRename] {
            let fail = |s: Stage| {
                if s == stage {
                    Err(io::Error::other("disk full (simulated)"))
                } else {
                    Ok(())
                }
            };
            let err = store
                .save_with(&file(vec![ent(4, 6, Label::LOC)]), &fail)
                .unwrap_err();
            assert!(err.to_string().contains("disk full"), "{err}");
            assert_eq!(fs::read(&path).unwrap(), before);
            assert_eq!(files_in(dir.path()), 1, "temp file removed");
        }
    }

    #[test]
    fn two_writers_on_one_file_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (mut a, _) = Store::open(&path).unwrap();
        let (mut b, _) = Store::open(&path).unwrap();
        let a1 = file(vec![ent(0, 2, Label::PER)]);
        a.save(&a1).unwrap();
        // B never saw A's span; it adds its own.
        let b1 = file(vec![ent(10, 12, Label::LOC)]);
        let Saved::Merged(m) = b.save(&b1).unwrap() else {
            panic!("expected a merge")
        };
        assert_eq!(
            m.entities,
            vec![ent(0, 2, Label::PER), ent(10, 12, Label::LOC)]
        );
        // A deletes its span and adds another, still unaware of B's.
        let a2 = file(vec![ent(20, 22, Label::ORG)]);
        let Saved::Merged(m) = a.save(&a2).unwrap() else {
            panic!("expected a merge")
        };
        assert_eq!(
            m.entities,
            vec![ent(10, 12, Label::LOC), ent(20, 22, Label::ORG)]
        );
        let (_, Loaded::Found(on_disk)) = Store::open(&path).unwrap() else {
            panic!()
        };
        assert_eq!(on_disk.entities, m.entities);
    }

    #[test]
    fn merge_prefers_our_new_spans_and_our_status_change() {
        let base = file(vec![ent(0, 4, Label::PER)]);
        let mut ours = file(vec![ent(0, 4, Label::PER), ent(6, 9, Label::LOC)]);
        ours.status = Status::Done;
        let theirs = file(vec![ent(0, 4, Label::PER), ent(7, 10, Label::ORG)]);
        let m = merge(Some(&base), &ours, &theirs);
        assert_eq!(
            m.entities,
            vec![ent(0, 4, Label::PER), ent(6, 9, Label::LOC)]
        );
        assert_eq!(m.status, Status::Done);
    }

    /// Rounds of the two-writer race (`INKMARK_WRITER_ROUNDS` raises it).
    fn writer_rounds() -> usize {
        std::env::var("INKMARK_WRITER_ROUNDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100)
    }

    /// Two writers that both read the same file add one span each and save at the same
    /// instant (or `jitter` apart): the file must end with both spans, every round.
    fn race(jitter: bool) -> usize {
        let mut lost = 0;
        let mut seed = 0x5eed_u64;
        for round in 0..writer_rounds() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.json");
            Store::open(&path)
                .unwrap()
                .0
                .save(&file(vec![ent(0, 2, Label::PER)]))
                .unwrap();
            let barrier = std::sync::Barrier::new(2);
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let delay = if jitter { (seed >> 33) % 3_000 } else { 0 };
            std::thread::scope(|s| {
                for (k, label) in [(0u64, Label::LOC), (1, Label::ORG)] {
                    let (path, barrier) = (&path, &barrier);
                    s.spawn(move || {
                        let (mut store, _) = Store::open(path).unwrap();
                        let mine = file(vec![
                            ent(0, 2, Label::PER),
                            ent(10 + 10 * k as usize, 12 + 10 * k as usize, label),
                        ]);
                        barrier.wait();
                        if k == 1 {
                            std::thread::sleep(std::time::Duration::from_micros(delay));
                        }
                        store.save(&mine).unwrap();
                    });
                }
            });
            let (_, Loaded::Found(f)) = Store::open(&path).unwrap() else {
                panic!("round {round}: no file")
            };
            lost += 3 - f.entities.len();
        }
        lost
    }

    #[test]
    fn two_writers_saving_at_the_same_instant_lose_no_span() {
        assert_eq!(race(false), 0, "spans lost in {} rounds", writer_rounds());
    }

    #[test]
    fn two_writers_saving_with_varied_timing_lose_no_span() {
        assert_eq!(race(true), 0, "spans lost in {} rounds", writer_rounds());
    }

    #[test]
    fn clashing_additions_of_both_sides_are_both_kept() {
        let base = file(vec![]);
        let ours = file(vec![ent(0, 4, Label::PER)]);
        let theirs = file(vec![ent(2, 6, Label::ORG), ent(8, 9, Label::LOC)]);
        let m = merge(Some(&base), &ours, &theirs);
        assert_eq!(
            m.entities,
            vec![ent(0, 4, Label::PER), ent(8, 9, Label::LOC)]
        );
        assert_eq!(m.unanchored, vec![ent(2, 6, Label::ORG)]);
    }

    #[test]
    fn unknown_keys_and_the_fingerprint_on_disk_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let mut f = file(vec![ent(0, 2, Label::PER)]);
        f.article_fingerprint = Some("fp".into());
        let json = f
            .to_json()
            .replacen("{\n", "{\n  \"reviewer\": {\"name\": \"li\"},\n", 1);
        fs::write(&path, format!("\u{FEFF}{json}")).unwrap();
        let (mut store, Loaded::Found(loaded)) = Store::open(&path).unwrap() else {
            panic!("a BOM before the JSON must load")
        };
        assert_eq!(loaded.extra["reviewer"]["name"], "li");
        // A writer that knows nothing of either (as the library's status key).
        let mut ours = file(vec![ent(0, 2, Label::PER), ent(4, 6, Label::LOC)]);
        ours.status = Status::Done;
        store.save(&ours).unwrap();
        let (_, Loaded::Found(back)) = Store::open(&path).unwrap() else {
            panic!()
        };
        assert_eq!(back.extra["reviewer"]["name"], "li");
        assert_eq!(back.article_fingerprint.as_deref(), Some("fp"));
        assert_eq!(back.entities.len(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_refused_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (mut store, _) = Store::open(&path).unwrap();
        store.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let before = fs::read(&path).unwrap();
        let err = store.save(&file(vec![])).unwrap_err();
        assert!(matches!(err, SaveError::ReadOnly(_)), "{err}");
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), before);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444, "the file's mode is respected");
    }

    #[cfg(unix)]
    #[test]
    fn a_save_keeps_the_file_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (mut store, _) = Store::open(&path).unwrap();
        store.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
        for mode in [0o600, 0o664] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            store.save(&file(vec![ent(4, 6, Label::LOC)])).unwrap();
            store.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
            let now = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(now, mode);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real/a.json");
        let link = dir.path().join("ann/a.json");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        Store::open(&real)
            .unwrap()
            .0
            .save(&file(vec![ent(0, 2, Label::PER)]))
            .unwrap();
        std::os::unix::fs::symlink("../real/a.json", &link).unwrap();
        let (mut store, _) = Store::open(&link).unwrap();
        store
            .save(&file(vec![ent(0, 2, Label::PER), ent(4, 6, Label::LOC)]))
            .unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let (_, Loaded::Found(f)) = Store::open(&real).unwrap() else {
            panic!()
        };
        assert_eq!(f.entities.len(), 2, "the target holds the save");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let ok = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return; // no mkfifo here
        }
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = Store::detached(&path).save(&file(vec![])).unwrap_err();
        assert!(matches!(err, SaveError::NotAFile(_)), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_folder_is_an_error_and_keeps_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (mut store, _) = Store::open(&path).unwrap();
        store.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
        let before = fs::read(&path).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
        let probe = fs::File::create(dir.path().join("probe"));
        if probe.is_ok() {
            // Root ignores permissions: nothing to test here.
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
            return;
        }
        assert!(store.save(&file(vec![])).is_err());
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), before);
    }
}
