//! Storing annotation files safely: atomic writes (temp file in the same folder, fsync,
//! rename, fsync the folder), never overwriting a file that does not parse, and merging
//! instead of clobbering when another program changed the file since it was read.

use super::file::{AnnotationFile, Entity, ParseError, Rejected};
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What was found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Missing,
    Found(AnnotationFile),
    /// The file does not parse: it must not be overwritten.
    Corrupt(ParseError),
}

/// How a save went.
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
        let loaded = match fs::read(path) {
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
        let on_disk = match fs::read(&self.path) {
            Ok(b) => Some(b),
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
        let (file, outcome) = match theirs {
            Some(theirs) if on_disk != self.last_bytes => {
                let merged = merge(self.base.as_ref(), ours, &theirs);
                (merged.clone(), Saved::Merged(merged))
            }
            _ => (ours.clone(), Saved::Written),
        };
        let bytes = file.to_json().into_bytes();
        write_atomic(&self.path, &bytes, hook).map_err(io_err)?;
        self.last_bytes = Some(bytes);
        self.base = Some(file);
        Ok(outcome)
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
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
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

/// Temp files of writers killed mid-save (`.NAME.PID.tmp`), once they are a minute old:
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
    let added: Vec<&Entity> = o.difference(&b).collect();
    let removed: BTreeSet<&Entity> = b.difference(&o).collect();
    let mut entities: Vec<Entity> = t
        .iter()
        .filter(|e| !removed.contains(e))
        .filter(|e| !added.iter().any(|a| a.start < e.end && e.start < a.end))
        .cloned()
        .collect();
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
        }
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
        // No temp files are left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
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
            assert_eq!(
                fs::read_dir(dir.path()).unwrap().count(),
                1,
                "temp file removed"
            );
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
