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
    /// The file on disk was written meanwhile for another version of the article (its
    /// SHA-256 differs) and no text was given to bring it to ours: merging would mix
    /// offsets of two texts under one hash. Not touched.
    OtherVersion(PathBuf),
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
            SaveError::OtherVersion(p) => write!(
                f,
                "{} was saved meanwhile for another version of the article; not merged (open the article again)",
                p.display()
            ),
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

    /// [`Store::open`] of article `rel`'s file: a file that names another article is
    /// refused (reported as broken, so never edited or rewritten), never taken as this
    /// article's drifted spans.
    pub fn open_for(path: &Path, rel: &Path) -> io::Result<(Store, Loaded)> {
        let (store, loaded) = Store::open(path)?;
        let wanted = rel.to_string_lossy().replace('\\', "/");
        let loaded = match loaded {
            Loaded::Found(f) if !f.article.is_empty() && f.article.replace('\\', "/") != wanted => {
                Loaded::Corrupt(ParseError {
                    line: 0,
                    column: 0,
                    message: format!(
                        "this file belongs to article {:?}, not to {wanted:?}: not used for it (rename it to the other article's annotation file, or remove it)",
                        f.article
                    ),
                })
            }
            other => other,
        };
        Ok((store, loaded))
    }

    /// Saves `ours`, merging with the file on disk if it changed since it was read.
    pub fn save(&mut self, ours: &AnnotationFile) -> Result<Saved, SaveError> {
        self.save_with(ours, &|_| Ok(()))
    }

    /// [`Store::save`] for annotations of `text` (the article as this session shows it,
    /// whose hash `ours` carries): a file saved meanwhile for another version of the
    /// article is first re-anchored onto `text`, so the merge never mixes offsets of two
    /// texts (spans that cannot be placed go to `unanchored`).
    pub fn save_onto(&mut self, ours: &AnnotationFile, text: &str) -> Result<Saved, SaveError> {
        self.save_inner(ours, Some(text), &|_| Ok(()))
    }

    /// [`Store::save`] with a hook called at each [`Stage`] (tests inject failures).
    pub fn save_with(
        &mut self,
        ours: &AnnotationFile,
        hook: &dyn Fn(Stage) -> io::Result<()>,
    ) -> Result<Saved, SaveError> {
        self.save_inner(ours, None, hook)
    }

    fn save_inner(
        &mut self,
        ours: &AnnotationFile,
        text: Option<&str>,
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
        let prepared = self.prepare(&target, ours, text)?;
        write_atomic(&target, &prepared.bytes, hook).map_err(io_err)?;
        Ok(self.adopt(prepared))
    }

    /// What saving `ours` over `target` writes, read and merged with the file on disk.
    /// The caller holds the folder's lock from here until the rename.
    fn prepare(
        &self,
        target: &Path,
        ours: &AnnotationFile,
        text: Option<&str>,
    ) -> Result<Prepared, SaveError> {
        let io_err = |e| SaveError::Io(self.path.clone(), e);
        let on_disk = match fs::symlink_metadata(target) {
            Ok(meta) if !meta.is_file() => return Err(SaveError::NotAFile(self.path.clone())),
            Ok(meta) if meta.permissions().readonly() => {
                return Err(SaveError::ReadOnly(self.path.clone()))
            }
            Ok(_) => Some(read_regular(target).map_err(io_err)?),
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
                // Both sides and the ancestor on one version of the article (ours), or
                // no merge at all.
                let onto = |f: &AnnotationFile| -> Result<AnnotationFile, SaveError> {
                    if f.article_sha256 == ours.article_sha256 {
                        return Ok(f.clone());
                    }
                    let text = text.ok_or_else(|| SaveError::OtherVersion(self.path.clone()))?;
                    Ok(onto_version(f, ours, text))
                };
                let theirs = onto(theirs)?;
                let base = self.base.as_ref().map(onto).transpose()?;
                let merged = merge(base.as_ref(), ours, &theirs);
                (merged.clone(), Saved::Merged(merged))
            }
            _ => (ours.clone(), Saved::Written),
        };
        if let Some(theirs) = &theirs {
            // Keys a newer inkmark or another tool added are not ours to drop, on the
            // file or on its entities.
            for (k, v) in &theirs.extra {
                file.extra.entry(k.clone()).or_insert_with(|| v.clone());
            }
            if let Some(bytes) = &on_disk {
                for (at, extra) in super::file::entity_extras(&String::from_utf8_lossy(bytes)) {
                    file.entity_extra.entry(at).or_insert(extra);
                }
            }
            if file.article_fingerprint.is_none() && file.article_sha256 == theirs.article_sha256 {
                file.article_fingerprint = theirs.article_fingerprint.clone();
            }
        }
        let bytes = file.to_json().into_bytes();
        Ok(Prepared {
            file,
            bytes,
            outcome,
        })
    }

    /// Records a prepared save as written.
    fn adopt(&mut self, prepared: Prepared) -> Saved {
        self.last_bytes = Some(prepared.bytes);
        self.base = Some(prepared.file);
        prepared.outcome
    }
}

/// A save computed under the lock, not yet on disk.
struct Prepared {
    file: AnnotationFile,
    bytes: Vec<u8>,
    outcome: Saved,
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
    lock_dir(folder_of(path))
}

/// The folder `path` is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// [`lock_beside`] given the folder.
fn lock_dir(dir: &Path) -> io::Result<Option<fs::File>> {
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
    let dir = folder_of(path);
    fs::create_dir_all(dir)?;
    let name = file_name(path);
    let tmp = temp_path(dir, &name);
    let result = (|| {
        let f = fill_temp(&tmp, path, bytes)?;
        hook(Stage::TempWritten)?;
        fsync(&f)?;
        drop(f);
        hook(Stage::BeforeRename)?;
        fs::rename(&tmp, path)?;
        // The rename itself must reach the disk too.
        if let Ok(d) = fs::File::open(dir) {
            let _ = fsync(&d);
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else {
        let prefix = format!(".{name}.");
        remove_stale_temps(dir, &|f| f.starts_with(&prefix) && f.ends_with(".tmp"));
    }
    result
}

/// The temp file `tmp` holding `bytes`, with the permissions of `target` when it exists
/// (a 0600 or 0664 file stays so after the rename).
fn fill_temp(tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<fs::File> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)?;
    f.write_all(bytes)?;
    if let Ok(meta) = fs::metadata(target) {
        f.set_permissions(meta.permissions())?;
    }
    Ok(f)
}

thread_local! {
    static SYNCS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts a flush to the disk (`fsync` or `syncfs`) made by this thread.
fn count_sync() {
    SYNCS.with(|n| n.set(n.get() + 1));
}

/// `fsync`, counted: every one in this module goes through here.
fn fsync(f: &fs::File) -> io::Result<()> {
    count_sync();
    f.sync_all()
}

/// How many times this thread asked the disk to flush (`fsync`, `syncfs`) while saving:
/// the cost a batch saves, which tests check.
#[doc(hidden)]
pub fn syncs_by_this_thread() -> usize {
    SYNCS.with(|n| n.get())
}

/// The last component of `path` as text.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A fresh temp file name for `name` in `dir`: `.NAME.PID.N.tmp`.
fn temp_path(dir: &Path, name: &str) -> PathBuf {
    // Unique per write, not only per process: two threads may save at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Temp files of writers killed mid-save (`.NAME.PID.N.tmp`, those `matches` accepts),
/// once they are a minute old: younger ones may belong to a writer still at work.
fn remove_stale_temps(dir: &Path, matches: &dyn Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        if !matches(&file) {
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

/// Whether `file` is named like a temp file of [`temp_path`] (`.NAME.PID.N.tmp`), for any
/// NAME: a batch cleans its folders once for all their files.
fn is_temp_name(file: &str) -> bool {
    let Some(rest) = file.strip_prefix('.').and_then(|f| f.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, '.');
    let digits =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_some_and(|n| !n.is_empty())
}

/// How many files a [`Batch`] holds before its caller should flush it. The folder locks
/// are held while one flush reads, writes and renames (a few hundred ms for this many),
/// far below the 10 s another writer waits for a lock.
pub const BATCH_FILES: usize = 500;

/// Many saves made durable together: each file is read, merged and checked exactly as
/// [`Store::save`] does, under its folder's lock; the temp files are all written, then
/// made durable with one `syncfs` per file system (Linux; elsewhere an `fsync` each),
/// renamed over their targets, and each folder touched is `fsync`ed once. A crash at any
/// point leaves each file old or new; every failure names its file and stops only that
/// file. The fsyncs of one save (file, then folder) cost about 12 ms a file.
pub struct Batch<T> {
    items: Vec<(Store, AnnotationFile, T)>,
    /// Folders whose stale temps this batch already removed: one scan per folder.
    scanned: BTreeSet<PathBuf>,
    hook: Box<BatchHook>,
}

/// Called with each [`Stage`] of each file (its name as given); tests inject failures.
pub type BatchHook = dyn Fn(Stage, &Path) -> io::Result<()>;

/// One save of a [`Batch`]: the store (updated when the save succeeded), the caller's tag
/// and how the save went.
#[derive(Debug)]
pub struct Done<T> {
    pub store: Store,
    pub tag: T,
    pub result: Result<Saved, SaveError>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch::with_hook(|_, _| Ok(()))
    }
}

impl<T> Batch<T> {
    pub fn new() -> Self {
        Batch::default()
    }

    /// A batch that calls `hook` at each stage of each file.
    pub fn with_hook(hook: impl Fn(Stage, &Path) -> io::Result<()> + 'static) -> Self {
        Batch {
            items: Vec::new(),
            scanned: BTreeSet::new(),
            hook: Box::new(hook),
        }
    }

    /// Queues `file` to be saved through `store`; nothing is written until [`Batch::flush`].
    pub fn push(&mut self, store: Store, file: AnnotationFile, tag: T) {
        self.items.push((store, file, tag));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the caller should flush now ([`BATCH_FILES`] queued).
    pub fn is_full(&self) -> bool {
        self.items.len() >= BATCH_FILES
    }

    /// Saves everything queued; the results come in the order pushed.
    pub fn flush(&mut self) -> Vec<Done<T>> {
        let items = std::mem::take(&mut self.items);
        let mut slots: Vec<Option<Result<Saved, SaveError>>> = Vec::new();
        let mut stores = Vec::new();
        let mut rest = Vec::new();
        for (i, (store, file, tag)) in items.into_iter().enumerate() {
            slots.push(None);
            stores.push((store, tag));
            rest.push((i, file));
        }
        // Where each file goes: its folder by a canonical name, so that two spellings of
        // one folder share one lock (this process would otherwise wait on itself).
        let mut jobs = Vec::new();
        for (i, file) in rest {
            let store = &stores[i].0;
            match place(&store.path) {
                Ok((dir, target)) => jobs.push(Job {
                    i,
                    file,
                    dir,
                    target,
                }),
                Err(e) => slots[i] = Some(Err(SaveError::Io(store.path.clone(), e))),
            }
        }
        // A file named twice waits for the next round and then merges with the first, as
        // two saves one after the other would.
        while !jobs.is_empty() {
            let mut seen = BTreeSet::new();
            let (round, later): (Vec<Job>, Vec<Job>) = jobs
                .into_iter()
                .partition(|j| seen.insert(j.target.clone()));
            jobs = later;
            for (i, result) in self.round(round, &mut stores) {
                slots[i] = Some(result);
            }
        }
        stores
            .into_iter()
            .zip(slots)
            .map(|((store, tag), result)| Done {
                store,
                tag,
                result: result.expect("every queued save has a result"),
            })
            .collect()
    }

    /// Saves `jobs` (distinct targets) with one sync: locks, read and merge, temps,
    /// sync, renames, folder fsyncs, unlock.
    fn round(
        &mut self,
        jobs: Vec<Job>,
        stores: &mut [(Store, T)],
    ) -> Vec<(usize, Result<Saved, SaveError>)> {
        let mut out = Vec::new();
        let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<Job>> = Default::default();
        for j in jobs {
            by_dir.entry(j.dir.clone()).or_default().push(j);
        }
        // Locks in one order (sorted canonical folders), so that two batches never hold
        // one each while waiting for the other's.
        let mut locks = Vec::new();
        let mut written = Vec::new();
        for (dir, jobs) in by_dir {
            match lock_dir(&dir) {
                Ok(lock) => locks.push(lock),
                Err(e) => {
                    for j in jobs {
                        let path = stores[j.i].0.path.clone();
                        out.push((j.i, Err(SaveError::Io(path, copy_error(&e)))));
                    }
                    continue;
                }
            }
            for j in jobs {
                let store = &stores[j.i].0;
                let temp = store.prepare(&j.target, &j.file, None).and_then(|p| {
                    write_temp(&j.dir, &j.target, &p.bytes, &|s| {
                        (self.hook)(s, &store.path)
                    })
                    .map(|tmp| (tmp, p))
                    .map_err(|e| SaveError::Io(store.path.clone(), e))
                });
                match temp {
                    Ok((tmp, prepared)) => written.push((j, tmp, prepared)),
                    Err(e) => out.push((j.i, Err(e))),
                }
            }
        }
        let synced = sync_all(
            written
                .iter()
                .map(|(j, tmp, _)| (j.dir.as_path(), tmp.as_path())),
        );
        let mut renamed_in = BTreeSet::new();
        for ((j, tmp, prepared), synced) in written.into_iter().zip(synced) {
            let store = &mut stores[j.i].0;
            let done = synced
                .and_then(|()| (self.hook)(Stage::BeforeRename, &store.path))
                .and_then(|()| fs::rename(&tmp, &j.target));
            match done {
                Ok(()) => {
                    renamed_in.insert(j.dir);
                    out.push((j.i, Ok(store.adopt(prepared))));
                }
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    out.push((j.i, Err(SaveError::Io(store.path.clone(), e))));
                }
            }
        }
        // The renames must reach the disk too: one fsync per folder covers all of its.
        for dir in &renamed_in {
            if let Ok(d) = fs::File::open(dir) {
                let _ = fsync(&d);
            }
        }
        drop(locks);
        for dir in renamed_in {
            if self.scanned.insert(dir.clone()) {
                remove_stale_temps(&dir, &is_temp_name);
            }
        }
        out
    }
}

/// One queued save: the index of its store, its content, and where it goes.
struct Job {
    i: usize,
    file: AnnotationFile,
    /// The target's folder, canonical.
    dir: PathBuf,
    /// The file written: symlinks followed, in `dir`.
    target: PathBuf,
}

/// The canonical folder and the target of a save to `path` (its symlinks followed); the
/// folder is created if missing, as a single save does.
fn place(path: &Path) -> io::Result<(PathBuf, PathBuf)> {
    let target = resolve_symlinks(path)?;
    let dir = folder_of(&target);
    fs::create_dir_all(dir)?;
    let dir = fs::canonicalize(dir)?;
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{}: not a file name", path.display())))?;
    let target = dir.join(name);
    Ok((dir, target))
}

/// The same error again (`io::Error` is not `Clone`), for each file it stopped.
fn copy_error(e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), e.to_string())
}

/// Writes `bytes` to a fresh temp file beside `target`, with `target`'s permissions, not
/// yet synced (outside Linux it is synced here); removed again on failure.
fn write_temp(
    dir: &Path,
    target: &Path,
    bytes: &[u8],
    hook: &dyn Fn(Stage) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let tmp = temp_path(dir, &file_name(target));
    let result = (|| {
        let _f = fill_temp(&tmp, target, bytes)?;
        hook(Stage::TempWritten)?;
        #[cfg(not(target_os = "linux"))]
        fsync(&_f)?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Makes the temp files durable before any is renamed: on Linux one `syncfs` per file
/// system their folders are on (data and inodes of everything written there, with a
/// flush of the disk's cache); elsewhere [`write_temp`] synced each already. One result
/// per file, in order.
fn sync_all<'a>(files: impl Iterator<Item = (&'a Path, &'a Path)>) -> Vec<io::Result<()>> {
    let files: Vec<(&Path, &Path)> = files.collect();
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::MetadataExt;
        let mut by_device: std::collections::BTreeMap<u64, Result<(), String>> = Default::default();
        let mut results = Vec::new();
        for (dir, _) in &files {
            let dev = match fs::metadata(dir) {
                Ok(m) => m.dev(),
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let synced = by_device.entry(dev).or_insert_with(|| {
                let d = fs::File::open(dir).map_err(|e| e.to_string())?;
                count_sync();
                // SAFETY: syncfs takes an open file descriptor, which `d` keeps open.
                if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
                    return Err(io::Error::last_os_error().to_string());
                }
                Ok(())
            });
            results.push(synced.clone().map_err(io::Error::other));
        }
        results
    }
    #[cfg(not(target_os = "linux"))]
    {
        files.iter().map(|_| Ok(())).collect()
    }
}

/// `f` (annotations of another version of the article) moved onto `text`, the version
/// `ours` was made for; spans that cannot be placed are kept under `unanchored`.
fn onto_version(f: &AnnotationFile, ours: &AnnotationFile, text: &str) -> AnnotationFile {
    let r = super::anchor::reanchor(
        text,
        f.article_fingerprint.as_deref(),
        &f.entities,
        &f.rejected,
    );
    let mut unanchored = f.unanchored.clone();
    unanchored.extend(r.unanchored);
    AnnotationFile {
        article_sha256: ours.article_sha256.clone(),
        article_fingerprint: ours.article_fingerprint.clone(),
        entities: r.entities,
        rejected: r.rejected,
        unanchored,
        ..f.clone()
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

    #[test]
    fn another_articles_file_is_refused_not_reanchored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md.json");
        let mut f = AnnotationFile::new("a.md.txt", "00", "t");
        f.entities.push(ent(0, 2, Label::LOC));
        fs::write(&path, f.to_json()).unwrap();
        let (_, loaded) = Store::open_for(&path, Path::new("a.md")).unwrap();
        let Loaded::Corrupt(e) = loaded else {
            panic!("taken as a.md's: {loaded:?}")
        };
        let message = e.describe();
        assert!(message.contains("\"a.md.txt\"") && message.contains("\"a.md\""));
        assert!(!message.contains("does not parse"), "{message}");
        // Its own article reads it.
        let (_, loaded) = Store::open_for(&path, Path::new("a.md.txt")).unwrap();
        assert!(matches!(loaded, Loaded::Found(_)));
    }

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
    fn a_file_saved_meanwhile_for_another_version_is_moved_onto_ours_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let (old, new) = ("张三来了。\n", "前言。\n张三来了。\n");
        let of = |text: &str, start: usize| {
            let mut f =
                AnnotationFile::new("a.txt", &crate::detect::sha256_hex(text.as_bytes()), "t");
            f.article_fingerprint = Some(super::super::anchor::fingerprint(text));
            f.entities = vec![Entity {
                text: "张三".into(),
                ..ent(start, start + 2, Label::PER)
            }];
            f
        };
        fs::write(&path, of(old, 0).to_json()).unwrap();
        let (mut stale, _) = Store::open(&path).unwrap();
        // Another writer moved the file onto the new text.
        fs::write(&path, of(new, 4).to_json()).unwrap();
        let on_disk = fs::read(&path).unwrap();
        let mut ours = of(old, 0);
        ours.entities.push(Entity {
            text: "来了".into(),
            ..ent(2, 4, Label::LOC)
        });
        // Without the text, no merge across versions: the file is kept as it is.
        assert!(matches!(
            stale.clone().save(&ours),
            Err(SaveError::OtherVersion(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), on_disk);
        // With it, theirs is brought onto our version first: one hash, its offsets.
        let Ok(Saved::Merged(m)) = stale.save_onto(&ours, old) else {
            panic!("not merged");
        };
        assert_eq!(m.article_sha256, ours.article_sha256);
        let spans: Vec<(usize, usize)> = m.entities.iter().map(|e| (e.start, e.end)).collect();
        assert_eq!(spans, [(0, 2), (2, 4)]);
    }

    #[test]
    fn unknown_keys_of_entities_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let f = file(vec![ent(0, 2, Label::PER), ent(3, 4, Label::LOC)]);
        let json = f.to_json().replacen(
            "\"source\": \"manual\"}",
            "\"source\": \"manual\", \"note\": \"keep me\", \"n\": [1, 2]}",
            1,
        );
        fs::write(&path, &json).unwrap();
        let (mut store, Loaded::Found(mut ours)) = Store::open(&path).unwrap() else {
            panic!("not found");
        };
        ours.entities.push(ent(5, 6, Label::ORG));
        store.save(&ours).unwrap();
        let back = fs::read_to_string(&path).unwrap();
        let line = back.lines().find(|l| l.contains("\"start\": 0,")).unwrap();
        assert!(
            line.contains("\"source\": \"manual\", \"note\": \"keep me\", \"n\": [1,2]}"),
            "{back}"
        );
        assert_eq!(AnnotationFile::parse(&back).unwrap().entities.len(), 3);
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

    /// Entities from (gap, length, label) triples: sorted, disjoint, valid.
    fn spans(raw: &[(usize, usize, usize)]) -> Vec<Entity> {
        let mut at = 0;
        raw.iter()
            .map(|&(gap, len, k)| {
                let e = ent(
                    at + gap,
                    at + gap + len,
                    Label::DEFAULTS[k % Label::DEFAULTS.len()],
                );
                at = e.end;
                e
            })
            .collect()
    }

    /// How one file of a batch starts: on disk before it is read, changed by another
    /// writer after it is read, and what we save.
    #[derive(Debug, Clone)]
    struct Case {
        /// 0: no file, 1: a file, 2: a file that does not parse.
        before: u8,
        on_disk: Vec<(usize, usize, usize)>,
        /// Another writer's save between our read and our save.
        theirs: Option<Vec<(usize, usize, usize)>>,
        ours: Vec<(usize, usize, usize)>,
        /// Saved under the name of an earlier file of the batch (a second store on it).
        same_as: Option<usize>,
    }

    fn case() -> impl proptest::strategy::Strategy<Value = Case> {
        use proptest::prelude::*;
        let raw = || prop::collection::vec((0usize..4, 1usize..4, 0usize..5), 0..6);
        (
            0u8..3,
            raw(),
            prop::option::of(raw()),
            raw(),
            prop::option::weighted(0.2, 0usize..8),
        )
            .prop_map(|(before, on_disk, theirs, ours, same_as)| Case {
                before,
                on_disk,
                theirs,
                ours,
                same_as,
            })
    }

    /// Sets `cases` up in `dir` and returns the stores (opened before the other writer's
    /// change) with what each saves.
    fn set_up(dir: &Path, cases: &[Case]) -> Vec<(Store, AnnotationFile)> {
        let owner = |i: usize| cases[i].same_as.filter(|&j| j < i).unwrap_or(i);
        let name = |i: usize| {
            let j = owner(i);
            dir.join(format!("d{}/{j}.json", j % 3))
        };
        for (i, c) in cases.iter().enumerate() {
            let path = name(i);
            if owner(i) != i {
                continue; // a second name for an earlier file: set up there
            }
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            match c.before {
                1 => fs::write(&path, file(spans(&c.on_disk)).to_json()).unwrap(),
                2 => fs::write(&path, "{ not json").unwrap(),
                _ => {}
            }
        }
        let stores: Vec<Store> = (0..cases.len())
            .map(|i| Store::open(&name(i)).unwrap().0)
            .collect();
        for (i, c) in cases.iter().enumerate() {
            if let (Some(theirs), 1, true) = (&c.theirs, c.before, owner(i) == i) {
                let (mut other, _) = Store::open(&name(i)).unwrap();
                other.save(&file(spans(theirs))).unwrap();
            }
        }
        stores
            .into_iter()
            .zip(cases)
            .map(|(s, c)| (s, file(spans(&c.ours))))
            .collect()
    }

    /// A result without the folder it ran in, to compare two runs.
    fn outcome(r: &Result<Saved, SaveError>, dir: &Path) -> String {
        match r {
            Ok(s) => format!("{s:?}"),
            Err(e) => e.to_string().replace(&dir.display().to_string(), "DIR"),
        }
    }

    /// Every file under `dir` (temps included) with its bytes.
    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for d in fs::read_dir(dir).unwrap() {
            let d = d.unwrap().path();
            for f in fs::read_dir(&d).unwrap() {
                let f = f.unwrap().path();
                let rel = f.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, fs::read(&f).unwrap()));
            }
        }
        out.sort();
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("INKMARK_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(32)
        ))]
        #[test]
        fn a_batch_writes_the_same_files_as_saves_one_by_one(
            cases in proptest::collection::vec(case(), 1..9)
        ) {
            let one = tempfile::tempdir().unwrap();
            let many = tempfile::tempdir().unwrap();
            let single: Vec<String> = set_up(one.path(), &cases)
                .into_iter()
                .map(|(mut store, f)| outcome(&store.save(&f), one.path()))
                .collect();
            let mut batch = Batch::new();
            for (store, f) in set_up(many.path(), &cases) {
                batch.push(store, f, ());
            }
            let batched: Vec<String> = batch
                .flush()
                .iter()
                .map(|d| outcome(&d.result, many.path()))
                .collect();
            proptest::prop_assert_eq!(single, batched);
            proptest::prop_assert_eq!(tree(one.path()), tree(many.path()));
        }
    }

    /// `n` annotation files in `dir`, each with one span, opened.
    fn saved_files(dir: &Path, n: usize) -> Vec<Store> {
        (0..n)
            .map(|i| {
                let (mut s, _) = Store::open(&dir.join(format!("{i}.json"))).unwrap();
                s.save(&file(vec![ent(0, 2, Label::PER)])).unwrap();
                s
            })
            .collect()
    }

    #[test]
    fn a_failure_mid_batch_leaves_each_file_old_or_new_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let stores = saved_files(dir.path(), 6);
        let old = fs::read(dir.path().join("0.json")).unwrap();
        // The disk fills while 2.json's temp is written and before 4.json's rename.
        let mut batch = Batch::with_hook(|stage, path: &Path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match (stage, name.as_str()) {
                (Stage::TempWritten, "2.json") | (Stage::BeforeRename, "4.json") => {
                    Err(io::Error::other("disk full (simulated)"))
                }
                _ => Ok(()),
            }
        });
        let new = file(vec![ent(0, 2, Label::PER), ent(4, 6, Label::LOC)]);
        for (i, s) in stores.into_iter().enumerate() {
            batch.push(s, new.clone(), i);
        }
        for d in batch.flush() {
            let on_disk = fs::read(dir.path().join(format!("{}.json", d.tag))).unwrap();
            if d.tag == 2 || d.tag == 4 {
                let err = d.result.unwrap_err().to_string();
                assert!(err.contains(&format!("{}.json", d.tag)), "{err}");
                assert!(err.contains("disk full"), "{err}");
                assert_eq!(on_disk, old, "file {} keeps its old version", d.tag);
            } else {
                assert_eq!(d.result.unwrap(), Saved::Written);
                assert_eq!(on_disk, new.to_json().into_bytes());
            }
        }
        assert_eq!(files_in(dir.path()), 6, "no temp file is left");
    }

    #[test]
    fn a_broken_or_read_only_file_in_a_batch_is_named_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut stores = saved_files(dir.path(), 3);
        let broken = dir.path().join("1.json");
        fs::write(&broken, "{ \"format\": ").unwrap();
        fs::set_permissions(dir.path().join("2.json"), fs::Permissions::from_mode(0o444)).unwrap();
        let kept = [
            fs::read(&broken).unwrap(),
            fs::read(dir.path().join("2.json")).unwrap(),
        ];
        // One folder under three spellings: one lock, no wait on ourselves.
        fs::create_dir_all(dir.path().join("sub")).unwrap();
        stores.push(Store::open(&dir.path().join("./sub/../3.json")).unwrap().0);
        let started = std::time::Instant::now();
        let mut batch = Batch::new();
        for (i, s) in stores.into_iter().enumerate() {
            batch.push(s, file(vec![ent(4, 6, Label::ORG)]), i);
        }
        let done = batch.flush();
        assert!(started.elapsed() < LOCK_WAIT / 2, "waited on its own lock");
        assert!(done[0].result.is_ok() && done[3].result.is_ok());
        let err = done[1].result.as_ref().unwrap_err();
        assert!(matches!(err, SaveError::Corrupt(..)), "{err}");
        assert!(err.to_string().contains("1.json"), "{err}");
        let err = done[2].result.as_ref().unwrap_err();
        assert!(matches!(err, SaveError::ReadOnly(_)), "{err}");
        assert_eq!(fs::read(&broken).unwrap(), kept[0]);
        assert_eq!(fs::read(dir.path().join("2.json")).unwrap(), kept[1]);
        assert!(dir.path().join("3.json").is_file());
    }

    #[test]
    fn a_change_between_read_and_batch_is_merged() {
        let dir = tempfile::tempdir().unwrap();
        let stores = saved_files(dir.path(), 2);
        // Another writer adds a span to 1.json after we read it.
        let (mut other, _) = Store::open(&dir.path().join("1.json")).unwrap();
        other
            .save(&file(vec![ent(0, 2, Label::PER), ent(10, 12, Label::LOC)]))
            .unwrap();
        let mut batch = Batch::new();
        for s in stores {
            batch.push(
                s,
                file(vec![ent(0, 2, Label::PER), ent(20, 22, Label::ORG)]),
                (),
            );
        }
        let done = batch.flush();
        assert_eq!(done[0].result.as_ref().unwrap(), &Saved::Written);
        let both = vec![
            ent(0, 2, Label::PER),
            ent(10, 12, Label::LOC),
            ent(20, 22, Label::ORG),
        ];
        let Ok(Saved::Merged(m)) = &done[1].result else {
            panic!("{:?}", done[1].result)
        };
        assert_eq!(m.entities, both);
        let (_, Loaded::Found(f)) = Store::open(&dir.path().join("1.json")).unwrap() else {
            panic!()
        };
        assert_eq!(f.entities, both);
    }

    #[test]
    fn a_batch_racing_single_saves_loses_no_span() {
        let rounds = writer_rounds().div_ceil(10);
        for round in 0..rounds {
            let dir = tempfile::tempdir().unwrap();
            let n = 20;
            saved_files(dir.path(), n);
            let barrier = std::sync::Barrier::new(2);
            std::thread::scope(|s| {
                let (dir, barrier) = (dir.path(), &barrier);
                s.spawn(move || {
                    let mut batch = Batch::new();
                    for i in 0..n {
                        let (store, _) = Store::open(&dir.join(format!("{i}.json"))).unwrap();
                        batch.push(
                            store,
                            file(vec![ent(0, 2, Label::PER), ent(10, 12, Label::LOC)]),
                            (),
                        );
                    }
                    barrier.wait();
                    assert!(batch.flush().iter().all(|d| d.result.is_ok()));
                });
                s.spawn(move || {
                    let mut stores: Vec<Store> = (0..n)
                        .map(|i| Store::open(&dir.join(format!("{i}.json"))).unwrap().0)
                        .collect();
                    barrier.wait();
                    for s in &mut stores {
                        s.save(&file(vec![ent(0, 2, Label::PER), ent(20, 22, Label::ORG)]))
                            .unwrap();
                    }
                });
            });
            for i in 0..n {
                let (_, Loaded::Found(f)) =
                    Store::open(&dir.path().join(format!("{i}.json"))).unwrap()
                else {
                    panic!()
                };
                assert_eq!(
                    f.entities.len(),
                    3,
                    "round {round}, file {i}: {:?}",
                    f.entities
                );
            }
        }
    }

    #[test]
    fn a_batch_removes_stale_temps_once_per_folder_and_keeps_young_ones() {
        let dir = tempfile::tempdir().unwrap();
        let stores = saved_files(dir.path(), 3);
        let stale = dir.path().join(".9.json.4242.7.tmp");
        let young = dir.path().join(".8.json.4242.8.tmp");
        let theirs = dir.path().join(".notes.tmp");
        for p in [&stale, &young, &theirs] {
            fs::write(p, "x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for p in [&stale, &theirs] {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let mut batch = Batch::new();
        for s in stores {
            batch.push(s, file(vec![]), ());
        }
        assert!(batch.flush().iter().all(|d| d.result.is_ok()));
        assert!(!stale.exists(), "a killed writer's old temp is removed");
        assert!(young.exists(), "a young temp may be another writer's");
        assert!(
            theirs.exists(),
            "a file not named like our temps is not ours"
        );
        assert_eq!(batch.scanned.len(), 1);
        assert!(is_temp_name(".a.json.12.3.tmp") && !is_temp_name(".a.json.x.3.tmp"));
    }
}
