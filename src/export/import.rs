//! Importing annotation sets: each imported document is matched to an article of the
//! corpus (by its stored name, else by identical text) or written as a new article, and
//! its spans are added to the article's annotation file (merge-safe, never over a file
//! that does not parse).

use crate::annotation::edit::Annotations;
use crate::annotation::file::{annotation_path, utc_now, AnnotationFile};
use crate::annotation::store::{write_atomic, Loaded, Store};
use crate::annotation::Source;
use crate::corpus::{read_article, Corpus};
use crate::detect::sha256_hex;
use crate::label::Span;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One document as a format gives it: code-point spans into `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The article's path relative to the corpus, when the format carried it.
    pub article: Option<String>,
    pub text: String,
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub articles: usize,
    pub created: Vec<String>,
    pub entities: usize,
    pub problems: Vec<String>,
}

/// A relative article path that stays inside the corpus folder.
fn safe_relative(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(rel);
    let ok = !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then_some(p)
}

/// Adds `docs` to the corpus at `corpus_dir` (scanned as `corpus`) and its annotations.
pub fn apply(
    docs: &[Imported],
    corpus: &Corpus,
    annotations: &Path,
    annotator: &str,
    mut tick: impl FnMut(),
) -> Report {
    let mut report = Report::default();
    // Articles by content, to match documents that carry no name.
    let mut by_sha: HashMap<String, PathBuf> = HashMap::new();
    for e in &corpus.entries {
        if let Ok(a) = read_article(&e.path) {
            by_sha.insert(sha256_hex(a.text.as_bytes()), e.rel.clone());
        }
    }
    for (i, doc) in docs.iter().enumerate() {
        tick();
        let sha = sha256_hex(doc.text.as_bytes());
        let named = doc.article.as_deref().and_then(safe_relative);
        let rel = match (&named, by_sha.get(&sha)) {
            (Some(rel), _) if corpus.root.join(rel).exists() => {
                let existing = read_article(&corpus.root.join(rel))
                    .map(|a| a.text)
                    .unwrap_or_default();
                if existing != doc.text {
                    report.problems.push(format!(
                        "{}: the imported text differs from the article's; not imported",
                        rel.display()
                    ));
                    continue;
                }
                rel.clone()
            }
            (_, Some(rel)) => rel.clone(),
            (named, None) => {
                let rel = named.clone().unwrap_or_else(|| {
                    PathBuf::from(format!("imported/{}-{}.txt", i + 1, &sha[..8]))
                });
                if let Err(e) =
                    write_atomic(&corpus.root.join(&rel), doc.text.as_bytes(), &|_| Ok(()))
                {
                    report
                        .problems
                        .push(format!("{}: cannot create the article: {e}", rel.display()));
                    continue;
                }
                by_sha.insert(sha.clone(), rel.clone());
                report.created.push(rel.display().to_string());
                rel
            }
        };
        let path = annotation_path(annotations, &rel);
        let (mut store, loaded) = match Store::open(&path) {
            Ok(x) => x,
            Err(e) => {
                report.problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let article = rel.to_string_lossy().replace('\\', "/");
        let mut file = match loaded {
            Loaded::Found(f) if f.article_sha256 == sha => f,
            Loaded::Found(_) => {
                report.problems.push(format!(
                    "{}: the article changed since it was annotated; open it in inkmark first",
                    path.display()
                ));
                continue;
            }
            Loaded::Missing => AnnotationFile::new(&article, &sha, annotator),
            Loaded::Corrupt(e) => {
                report.problems.push(format!(
                    "{}: does not parse ({e}); not touched",
                    path.display()
                ));
                continue;
            }
        };
        // Never launder a file `check` rejects: importing would drop its bad entries.
        let invalid = crate::annotation::validate::validate(&file.entities, Some(&doc.text));
        if let Some(p) = invalid.first() {
            report.problems.push(format!(
                "{}: {} invalid entities (first: {}); not touched, see inkmark check",
                path.display(),
                invalid.len(),
                p.message
            ));
            continue;
        }
        if file.article_fingerprint.is_none() {
            file.article_fingerprint = Some(crate::annotation::anchor::fingerprint(&doc.text));
        }
        let chars: Vec<char> = doc.text.chars().collect();
        let mut set = Annotations::new(file.entities.clone(), file.rejected.clone(), file.status);
        let mut added = 0;
        for s in &doc.spans {
            if s.start >= s.end || s.end > chars.len() {
                report.problems.push(format!(
                    "{article}: span {}..{} is outside the text; skipped",
                    s.start, s.end
                ));
                continue;
            }
            let text: String = chars[s.start..s.end].iter().collect();
            // An identical existing span keeps its source (an accepted suggestion stays so).
            if set
                .entities
                .iter()
                .any(|e| e.start == s.start && e.end == s.end && e.label == s.label)
            {
                continue;
            }
            let change = set.label_change(s.start, s.end, s.label, &text, Source::Manual);
            if set.apply(change) {
                added += 1;
            }
        }
        file.entities = set.entities;
        file.updated = utc_now();
        if let Err(e) = store.save(&file) {
            report.problems.push(e.to_string());
            continue;
        }
        report.articles += 1;
        report.entities += added;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_escape_the_corpus() {
        assert!(safe_relative("a/b.txt").is_some());
        assert!(safe_relative("../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("").is_none());
    }
}
