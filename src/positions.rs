//! Remembered reading positions: the first visible character of each article, kept
//! across restarts in the user's state folder (never next to the annotations).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// Where they are saved; `None` keeps them in memory only.
    pub file: Option<PathBuf>,
    /// Absolute article path -> code-point offset of the first visible character.
    pub offsets: BTreeMap<String, usize>,
    pub dirty: bool,
}

impl Positions {
    /// `$INKMARK_STATE_DIR/positions.json`, else the platform state (or data) folder.
    pub fn default_file() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("INKMARK_STATE_DIR") {
            return Some(PathBuf::from(dir).join("positions.json"));
        }
        dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .map(|d| d.join("inkmark").join("positions.json"))
    }

    /// Loads positions; a missing or unreadable file starts empty (positions are a
    /// convenience: losing them must never stop the reader).
    pub fn load(file: Option<PathBuf>) -> (Positions, Option<String>) {
        let mut p = Positions {
            file,
            ..Positions::default()
        };
        let Some(path) = &p.file else {
            return (p, None);
        };
        match fs::read_to_string(path) {
            Ok(s) => match serde_json::from_str(&s) {
                Ok(map) => p.offsets = map,
                Err(e) => {
                    return (
                        p.clone(),
                        Some(format!(
                            "ignoring reading positions in {}: {e}",
                            path.display()
                        )),
                    )
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return (p.clone(), Some(format!("{}: {e}", path.display()))),
        }
        (p, None)
    }

    pub fn key(article: &Path) -> String {
        fs::canonicalize(article)
            .unwrap_or_else(|_| article.to_path_buf())
            .to_string_lossy()
            .into_owned()
    }

    pub fn get(&self, article: &Path) -> Option<usize> {
        self.offsets.get(&Positions::key(article)).copied()
    }

    pub fn set(&mut self, article: &Path, offset: usize) {
        let key = Positions::key(article);
        if self.offsets.get(&key) != Some(&offset) {
            self.offsets.insert(key, offset);
            self.dirty = true;
        }
    }

    /// Writes the file if anything changed: temp file, fsync, rename.
    pub fn save(&mut self) -> io::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let tmp = path.with_extension("json.tmp");
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(serde_json::to_string_pretty(&self.offsets)?.as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/positions.json");
        let (mut p, warn) = Positions::load(Some(file.clone()));
        assert!(warn.is_none());
        p.set(Path::new("/a/b.txt"), 42);
        p.save().unwrap();
        let (q, _) = Positions::load(Some(file.clone()));
        assert_eq!(q.get(Path::new("/a/b.txt")), Some(42));
        fs::write(&file, "{not json").unwrap();
        let (r, warn) = Positions::load(Some(file));
        assert!(warn.unwrap().contains("ignoring"));
        assert!(r.offsets.is_empty());
    }
}
