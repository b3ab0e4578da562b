//! `*`: labelling every other occurrence of an annotation's text, in the article and
//! (with `c`) in the rest of the corpus, counted before anything is written.

use super::app::{read_progress, App, Pending, Screen};
use crate::annotation::file::annotation_path;
use crate::annotation::store::{Batch, Done, Loaded, Store};
use crate::annotation::AnnotationFile;
use crate::corpus::read_article;
use crate::detect::sha256_hex;

/// Up to this many other articles, `*` counts what `c` would label before asking.
const PRECOUNT_MAX_ARTICLES: usize = 2000;

impl App {
    /// `*`: the prompt says how many occurrences it will label here and in the other
    /// articles before anything is written; with none anywhere, it just says so.
    pub(crate) fn finish_everywhere_prompt(&mut self) {
        let template = match self.reader().map(|r| &r.pending) {
            Some(Pending::Confirm {
                corpus: Some(e), ..
            }) => e.clone(),
            _ => return,
        };
        // Counting reads every article: past a few thousand, `*` would stall the keys.
        let others = self.corpus.entries.len().saturating_sub(1);
        let there =
            (others <= PRECOUNT_MAX_ARTICLES).then(|| self.label_in_corpus(&template, false));
        let Screen::Reader(r) = &mut self.screen else {
            return;
        };
        let Pending::Confirm { prompt, change, .. } = &mut r.pending else {
            return;
        };
        let here = change.ops.len();
        let (text, label) = (&template.text, template.label);
        let occurrences = crate::text::count(here, "more occurrence", "more occurrences");
        let Some(there) = there else {
            *prompt = format!(
                "Label {occurrences} of {text} as {label} here? (y/n; c: also in the {others} other articles, not counted ahead in a corpus this large)"
            );
            return;
        };
        if here == 0 && there.added == 0 {
            r.pending = Pending::None;
            self.message = Some(match there.skipped.len() {
                0 => format!("no other free occurrence of {text}, here or in other articles"),
                _ => format!(
                    "no other free occurrence of {text}; not checked: {}",
                    there.skipped_note()
                ),
            });
            return;
        }
        // Articles `c` would skip are named before the answer, not only after it: "none
        // in other articles" must not hide an article that has the text but cannot be
        // written.
        let corpus = if there.added > 0 {
            format!("c: also {}", there.describe(false))
        } else if there.skipped.is_empty() {
            "none in other articles".to_string()
        } else {
            format!(
                "none in other articles that c can write; it would skip {}",
                there.skipped_note()
            )
        };
        *prompt = if here == 0 {
            format!("No other free occurrence of {text} here. {corpus}? (c/n)")
        } else {
            format!("Label {occurrences} of {text} as {label} here? (y/n; {corpus})")
        };
    }

    /// `*` then `c`: label the entity's text in every other article (skipping
    /// occurrences that overlap annotations there, and longer suggestions where this
    /// session detected that article). Saved at once; not undoable. With `write` false,
    /// only counts.
    pub(crate) fn label_in_corpus(
        &mut self,
        template: &crate::annotation::Entity,
        write: bool,
    ) -> CorpusLabels {
        let current = self.reader().map(|r| r.entry);
        let (mut added, mut articles, mut skipped) = (0, 0, Vec::new());
        // Spans found per article queued: a save that fails takes them out of the count.
        let mut found_in: std::collections::HashMap<usize, usize> = Default::default();
        // Saved in batches (one sync each, not two fsyncs per article): the UI waits for
        // this, so it must be quick. The tag is the article's index.
        let mut batch: Batch<usize> = Batch::new();
        for (idx, entry) in self.corpus.entries.iter().enumerate() {
            if Some(idx) == current || entry.problem.is_some() {
                continue;
            }
            let Ok(article) = read_article(&entry.path) else {
                continue;
            };
            let path = annotation_path(&self.annotations_dir, &entry.rel);
            let (store, loaded) = match Store::open_for(&path, &entry.rel) {
                Ok(x) => x,
                Err(_) => {
                    skipped.push(entry.rel.display().to_string());
                    continue;
                }
            };
            let sha = sha256_hex(article.text.as_bytes());
            let mut file = match loaded {
                Loaded::Found(f) if f.article_sha256 == sha => f,
                Loaded::Missing => {
                    AnnotationFile::new(&entry.rel.to_string_lossy(), &sha, &self.annotator)
                }
                // Files that need re-anchoring or fixing are left to their own session.
                _ => {
                    skipped.push(entry.rel.display().to_string());
                    continue;
                }
            };
            let detected = self.detected.get(&sha);
            let found: Vec<(usize, usize)> = crate::annotation::edit::free_occurrences(
                &article.text,
                &template.text,
                &file.entities,
            )
            .into_iter()
            .filter(|&(s, e)| {
                !detected.is_some_and(|a| {
                    a.spans
                        .iter()
                        .any(|x| x.start < e && s < x.end && !(s <= x.start && x.end <= e))
                })
            })
            .collect();
            if found.is_empty() {
                continue;
            }
            added += found.len();
            articles += 1;
            if !write {
                continue;
            }
            found_in.insert(idx, found.len());
            file.entities.extend(
                found
                    .into_iter()
                    .map(|(start, end)| crate::annotation::Entity {
                        start,
                        end,
                        ..template.clone()
                    }),
            );
            file.entities.sort();
            file.updated = crate::annotation::file::utc_now();
            batch.push(store, file, idx);
            if batch.is_full() {
                for idx in saved_in_corpus(
                    &self.corpus.entries,
                    &self.annotations_dir,
                    &mut self.progress,
                    batch.flush(),
                    &mut skipped,
                ) {
                    added -= found_in.get(&idx).copied().unwrap_or(0);
                    articles -= 1;
                }
            }
        }
        for idx in saved_in_corpus(
            &self.corpus.entries,
            &self.annotations_dir,
            &mut self.progress,
            batch.flush(),
            &mut skipped,
        ) {
            added -= found_in.get(&idx).copied().unwrap_or(0);
            articles -= 1;
        }
        CorpusLabels {
            added,
            articles,
            skipped,
        }
    }
}

/// Updates the library's progress of each article saved; lists the others with why and
/// returns their indices (they are then not counted as labelled).
fn saved_in_corpus(
    entries: &[crate::corpus::Entry],
    annotations: &std::path::Path,
    progress: &mut [crate::tui::app::Progress],
    done: Vec<Done<usize>>,
    skipped: &mut Vec<String>,
) -> Vec<usize> {
    let mut failed = Vec::new();
    for d in done {
        let rel = &entries[d.tag].rel;
        match d.result {
            Ok(_) => progress[d.tag] = read_progress(annotations, rel),
            Err(e) => {
                skipped.push(format!("{} ({e})", rel.display()));
                failed.push(d.tag);
            }
        }
    }
    failed
}

/// What `*` then `c` labels (or would label) in the other articles.
pub(crate) struct CorpusLabels {
    added: usize,
    articles: usize,
    skipped: Vec<String>,
}

/// At most this many skipped articles are named in the status bar; `inkmark check` lists
/// them all.
const NAMED_SKIPPED: usize = 3;

impl CorpusLabels {
    pub(crate) fn describe(&self, done: bool) -> String {
        let articles = crate::text::count(self.articles, "other article", "other articles");
        let mut out = if !done {
            format!("{} in {articles}", self.added)
        } else if self.added == 0 {
            "none in other articles".to_string()
        } else {
            format!(
                "{} more in {articles} (saved; not undoable there)",
                self.added
            )
        };
        if !self.skipped.is_empty() {
            out.push_str(&format!("; skipped {}", self.skipped_note()));
        }
        out
    }

    /// The skipped articles and why, a few by name: `1 article (annotation file broken
    /// or made for another version of the text): 003_x.txt`.
    pub(crate) fn skipped_note(&self) -> String {
        let n = self.skipped.len();
        let mut names = self.skipped[..n.min(NAMED_SKIPPED)].join(", ");
        if n > NAMED_SKIPPED {
            names.push_str(&format!(
                " and {} more (inkmark check lists them)",
                n - NAMED_SKIPPED
            ));
        }
        format!(
            "{} (annotation file broken, unwritable or made for another version of the text): {names}",
            crate::text::count(n, "article", "articles")
        )
    }
}
