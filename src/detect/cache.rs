//! Detection results cached on disk, keyed by the article's content hash and the
//! detector version, so reopening an article (even after a restart) is instant.

use super::Analysis;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Changes with the layout of the cached [`Analysis`], so older files are not misread.
// a3: suggestions that split a grapheme cluster are no longer made (older entries have them).
const FORMAT: &str = "a3";

#[derive(Debug, Clone, Default)]
pub struct DetectCache {
    /// `None` disables the disk cache.
    pub dir: Option<PathBuf>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    detector: String,
    sha256: String,
    analysis: Analysis,
}

impl DetectCache {
    /// `$INKMARK_CACHE_DIR`, else the platform cache folder + `inkmark/detect`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("INKMARK_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        dirs::cache_dir().map(|d| d.join("inkmark").join("detect"))
    }

    fn file(&self, sha: &str, detector: &str) -> Option<PathBuf> {
        // Hex only: the name can never escape the folder.
        if sha.is_empty() || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let version: String = detector
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{sha}.{version}.{FORMAT}.json")))
    }

    /// Cached spans for this content and detector ([`super::Detector::version`], which
    /// names the model too); anything unreadable or stale counts as a miss.
    pub fn load(&self, sha: &str, detector: &str) -> Option<Analysis> {
        // Streamed: a long article's analysis is tens of megabytes of JSON.
        let file = fs::File::open(self.file(sha, detector)?).ok()?;
        let entry: Entry = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
        (entry.detector == detector && entry.sha256 == sha).then_some(entry.analysis)
    }

    /// Stores spans (best effort: a cache that cannot be written only costs time).
    pub fn store(&self, sha: &str, detector: &str, analysis: &Analysis) -> std::io::Result<()> {
        let Some(path) = self.file(sha, detector) else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let entry = Entry {
            detector: detector.to_string(),
            sha256: sha.to_string(),
            analysis: analysis.clone(),
        };
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        {
            let mut f = std::io::BufWriter::new(fs::File::create(&tmp)?);
            serde_json::to_writer(&mut f, &entry)?;
            f.flush()?;
        }
        fs::rename(&tmp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::{Label, Span};

    #[test]
    fn round_trip_miss_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DetectCache {
            dir: Some(dir.path().join("c")),
        };
        let sha = "ab".repeat(32);
        let v = "inkmark-detect-4+abc";
        assert!(cache.load(&sha, v).is_none());
        let analysis = Analysis {
            spans: vec![Span::new(1, 3, Label::PER)],
            words: [0, 1, 3].into_iter().collect(),
            scores: vec![0.75],
            sources: vec![crate::detect::SuggestionSource::Pattern],
        };
        cache.store(&sha, v, &analysis).unwrap();
        assert_eq!(cache.load(&sha, v), Some(analysis));
        // Another model's results are a miss.
        assert!(cache.load(&sha, "inkmark-detect-4+def").is_none());
        let file = cache.file(&sha, v).unwrap();
        fs::write(&file, "{broken").unwrap();
        assert!(cache.load(&sha, v).is_none());
        assert!(cache.load("../../etc/passwd", v).is_none());
    }
}
