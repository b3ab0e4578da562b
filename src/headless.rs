//! `inkmark stats` and `inkmark check`: the annotation set summarised and validated.

use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::{AnnotationFile, Source};
use crate::corpus::{read_article, Corpus};
use crate::detect::sha256_hex;
use crate::label::LabelSet;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub articles: usize,
    pub annotated: usize,
    /// Articles by status ("todo", "in_progress", "done", "none" for no file).
    pub by_status: BTreeMap<String, usize>,
    pub by_label: BTreeMap<String, usize>,
    pub by_source: BTreeMap<String, usize>,
    /// Most frequent texts per label, with counts.
    pub top: BTreeMap<String, Vec<(String, usize)>>,
    /// Annotation files that could not be read.
    pub unreadable: Vec<String>,
    /// Spans kept aside under `unanchored` (lost their place, or clashed in a merge):
    /// in no count above, never exported.
    #[serde(skip_serializing_if = "is_zero")]
    pub unanchored: usize,
    /// Labels the files use that the label set does not define (a stale scheme).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_labels: Vec<String>,
    /// The set's label names, in its order (the table lists them all, even unused).
    #[serde(skip)]
    pub set: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn stats(corpus: &Corpus, annotations: &Path, top_n: usize, tick: impl FnMut()) -> Stats {
    stats_with(corpus, annotations, &LabelSet::default(), top_n, tick)
}

/// [`stats`] with the corpus's label set: its labels in order, then the unknown ones.
pub fn stats_with(
    corpus: &Corpus,
    annotations: &Path,
    set: &LabelSet,
    top_n: usize,
    mut tick: impl FnMut(),
) -> Stats {
    let mut s = Stats {
        articles: corpus.entries.len(),
        set: set.labels().map(|l| l.to_string()).collect(),
        ..Stats::default()
    };
    let mut texts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for e in &corpus.entries {
        tick();
        if let Some(crate::corpus::Problem::Unreadable(err)) = &e.problem {
            s.unreadable.push(format!(
                "{}: the article cannot be read: {err}",
                e.path.display()
            ));
        }
        // Problems name the annotation file: that is the file to fix.
        let path = annotation_path(annotations, &e.rel);
        match Store::open_for(&path, &e.rel) {
            Ok((_, Loaded::Found(f))) => {
                s.annotated += 1;
                s.unanchored += f.unanchored.len();
                let status = serde_json::to_value(f.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                *s.by_status.entry(status).or_default() += 1;
                for ent in &f.entities {
                    *s.by_label.entry(ent.label.name().to_string()).or_default() += 1;
                    let src = match ent.source {
                        Source::Manual => "manual",
                        Source::Accepted => "accepted",
                        Source::Review => "review",
                    };
                    *s.by_source.entry(src.to_string()).or_default() += 1;
                    *texts
                        .entry(ent.label.name().to_string())
                        .or_default()
                        .entry(ent.text.clone())
                        .or_default() += 1;
                }
            }
            Ok((_, Loaded::Missing)) => *s.by_status.entry("none".into()).or_default() += 1,
            Ok((_, Loaded::Corrupt(err))) => {
                s.unreadable
                    .push(format!("{}: {}", path.display(), err.describe()))
            }
            Err(err) => s.unreadable.push(format!("{}: {err}", path.display())),
        }
    }
    for (label, counts) in texts {
        let mut v: Vec<(String, usize)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(top_n);
        s.top.insert(label, v);
    }
    s.unknown_labels = s
        .by_label
        .keys()
        .filter(|l| !s.set.contains(l))
        .cloned()
        .collect();
    s
}

impl Stats {
    /// The table for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "articles   {} ({} with annotations)\n",
            self.articles, self.annotated
        ));
        out.push_str("status    ");
        for k in ["todo", "in_progress", "done", "none"] {
            out.push_str(&format!(
                " {k} {}",
                self.by_status.get(k).copied().unwrap_or(0)
            ));
        }
        out.push('\n');
        let total: usize = self.by_label.values().sum();
        out.push_str(&format!("entities   {total}\n"));
        // The set's labels in its order, then the ones it does not define, marked.
        let names: Vec<&str> = self.set.iter().map(String::as_str).collect();
        let names: Vec<&str> = names
            .into_iter()
            .chain(self.unknown_labels.iter().map(String::as_str))
            .collect();
        // Columns line up whatever the names' lengths.
        let w = names.iter().map(|n| n.len()).max().unwrap_or(0).max(5);
        for l in names {
            let n = self.by_label.get(l).copied().unwrap_or(0);
            let top: Vec<String> = self
                .top
                .get(l)
                .map(|v| v.iter().map(|(t, c)| format!("{t} ×{c}")).collect())
                .unwrap_or_default();
            let unknown = if self.set.iter().any(|x| x == l) {
                ""
            } else {
                " (not in the label set)"
            };
            out.push_str(&format!("  {l:<w$}{n:>6}   {}{unknown}\n", top.join(", ")));
        }
        out.push_str("source    ");
        for k in ["manual", "accepted"] {
            out.push_str(&format!(
                " {k} {}",
                self.by_source.get(k).copied().unwrap_or(0)
            ));
        }
        out.push('\n');
        if self.unanchored > 0 {
            out.push_str(&format!(
                "set aside {} under unanchored (not counted above; inkmark check names them)\n",
                crate::text::count(self.unanchored, "span", "spans")
            ));
        }
        for u in &self.unreadable {
            out.push_str(&format!("unreadable: {u}\n"));
        }
        out
    }
}

/// Everything wrong with the annotation files of a corpus, one line each.
pub fn check(corpus: &Corpus, annotations: &Path, tick: impl FnMut()) -> Vec<String> {
    check_with(corpus, annotations, &LabelSet::default(), tick)
}

/// [`check`] against the corpus's label set: a span whose label the set does not define
/// (renamed in the config only, or a file from an older scheme) is a problem too.
pub fn check_with(
    corpus: &Corpus,
    annotations: &Path,
    set: &LabelSet,
    mut tick: impl FnMut(),
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut known = HashSet::new();
    for e in &corpus.entries {
        tick();
        let path = annotation_path(annotations, &e.rel);
        known.insert(path.clone());
        let shown = path.display().to_string();
        if let Some(crate::corpus::Problem::Unreadable(err)) = &e.problem {
            problems.push(format!(
                "{}: the article cannot be read: {err}",
                e.path.display()
            ));
            continue;
        }
        let file = match Store::open_for(&path, &e.rel) {
            Ok((_, Loaded::Found(f))) => f,
            Ok((_, Loaded::Missing)) => continue,
            Ok((_, Loaded::Corrupt(err))) => {
                problems.push(format!("{shown}: {}", err.describe()));
                continue;
            }
            Err(err) => {
                problems.push(format!("{shown}: {err}"));
                continue;
            }
        };
        let text = match read_article(&e.path) {
            Ok(a) => a.text,
            Err(err) => {
                problems.push(format!(
                    "{shown}: cannot read the article {}: {err}",
                    e.rel.display()
                ));
                continue;
            }
        };
        problems.extend(
            check_file(&file, &text)
                .into_iter()
                .map(|p| format!("{shown}: {p}")),
        );
        problems.extend(unknown_in(&file, set).map(|p| format!("{shown}: {p}")));
    }
    // Annotation files whose article is gone.
    let mut stack = vec![annotations.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in read.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && !known.contains(&p)
                // The team's assignment plan lives beside the annotation files.
                && p != annotations.join(crate::team::assign::PLAN_FILE)
            {
                problems.push(orphan(corpus, annotations, &p));
            }
        }
    }
    // Numbers compare as numbers: `17..20` before `1064..1067`, as in the file.
    problems.sort_by(|a, b| natural_cmp(a, b).then_with(|| a.cmp(b)));
    group(problems)
}

/// What `check` says of an annotation file no article maps to: which article it names,
/// and where that article's annotations are read from (a misnamed file is not an orphan).
fn orphan(corpus: &Corpus, annotations: &Path, p: &Path) -> String {
    let named = crate::annotation::file::article_of(p);
    let owner = named.as_deref().and_then(|a| {
        corpus
            .entries
            .iter()
            .find(|e| e.rel.to_string_lossy().replace('\\', "/") == a)
    });
    match (named.as_deref(), owner) {
        (Some(a), Some(e)) => {
            let q = annotation_path(annotations, &e.rel);
            if q.exists() {
                format!(
                    "{}: belongs to {a}, whose annotations are read from {} (not from this file; merge them by hand)",
                    p.display(),
                    q.display()
                )
            } else {
                format!(
                    "{}: belongs to {a} (rename it to {})",
                    p.display(),
                    q.display()
                )
            }
        }
        (Some(a), None) => format!(
            "{}: no article for this annotation file in {} (it names {a})",
            p.display(),
            corpus.root.display()
        ),
        (None, _) => format!(
            "{}: no article for this annotation file in {}",
            p.display(),
            corpus.root.display()
        ),
    }
}

/// One line per annotation file holding spans set aside under `unanchored` (their text
/// vanished when the article changed, or they clashed with another writer's in a merge):
/// not errors, but work that no export or count includes until it is placed again.
pub fn set_aside(corpus: &Corpus, annotations: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in &corpus.entries {
        let path = annotation_path(annotations, &e.rel);
        if let Ok((_, Loaded::Found(f))) = Store::open_for(&path, &e.rel) {
            if let Some(first) = f.unanchored.first() {
                out.push(format!(
                    "{}: {} set aside under unanchored (lost its place or clashed in a merge; shown in the reader's panel), first: {} {:?}",
                    path.display(),
                    crate::text::count(f.unanchored.len(), "span", "spans"),
                    first.label,
                    first.text
                ));
            }
        }
    }
    out
}

/// Compares runs of ASCII digits by value and everything else by character.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a, b);
    loop {
        let (Some(ca), Some(cb)) = (a.chars().next(), b.chars().next()) else {
            return a.len().cmp(&b.len());
        };
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let na = a.find(|c: char| !c.is_ascii_digit()).unwrap_or(a.len());
            let nb = b.find(|c: char| !c.is_ascii_digit()).unwrap_or(b.len());
            // Without leading zeros, a longer run is a larger number.
            let (da, db) = (
                a[..na].trim_start_matches('0'),
                b[..nb].trim_start_matches('0'),
            );
            let ord = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
            if ord != Ordering::Equal {
                return ord;
            }
            (a, b) = (&a[na..], &b[nb..]);
        } else {
            if ca != cb {
                return ca.cmp(&cb);
            }
            (a, b) = (&a[ca.len_utf8()..], &b[cb.len_utf8()..]);
        }
    }
}

/// The spans of `file` whose label `set` does not define, as `check` reports them.
fn unknown_in<'a>(
    file: &'a AnnotationFile,
    set: &'a LabelSet,
) -> impl Iterator<Item = String> + 'a {
    file.entities
        .iter()
        .filter(|e| !set.contains(e.label))
        .map(|e| {
            format!(
                "{}..{} {:?}: label {} is not in the label set (inkmark relabel renames it)",
                e.start, e.end, e.text, e.label
            )
        })
}

/// Labels that annotation files in `dirs` use and `set` does not define: one line per
/// label, with its count and first place. What `agree` and `train` refuse to start with.
pub fn labels_outside(corpus: &Corpus, dirs: &[&Path], set: &LabelSet) -> Vec<String> {
    let mut found: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for dir in dirs {
        for e in &corpus.entries {
            let path = annotation_path(dir, &e.rel);
            let Ok((_, Loaded::Found(f))) = Store::open_for(&path, &e.rel) else {
                continue;
            };
            for ent in f.entities.iter().filter(|x| !set.contains(x.label)) {
                let slot = found.entry(ent.label.to_string()).or_insert_with(|| {
                    (
                        0,
                        format!("{} at {}..{}", path.display(), ent.start, ent.end),
                    )
                });
                slot.0 += 1;
            }
        }
    }
    found
        .into_iter()
        .map(|(label, (n, first))| {
            format!(
                "label {label} is not in the label set: {}, the first in {first} (add it to [[labels]] or inkmark relabel it)",
                crate::text::count(n, "span", "spans")
            )
        })
        .collect()
}

/// Identical lines once, with their count: a file with 1.3 M copies of one entity is
/// one line of `check`, not 1.3 M.
fn group(sorted: Vec<String>) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for p in sorted {
        match out.last_mut() {
            Some((last, n)) if *last == p => *n += 1,
            _ => out.push((p, 1)),
        }
    }
    out.into_iter()
        .map(|(p, n)| if n == 1 { p } else { format!("{p} (×{n})") })
        .collect()
}

/// What is wrong with one span of a text, as `check` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanProblem {
    Empty,
    /// The end comes before the start.
    Reversed,
    PastEnd(usize),
    /// The text differs from the article's there.
    TextDiffers(String),
    /// Starts or ends inside a grapheme cluster.
    SplitsCluster,
}

impl std::fmt::Display for SpanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpanProblem::Empty => f.write_str("empty span"),
            SpanProblem::Reversed => f.write_str("reversed span (the end is before the start)"),
            SpanProblem::PastEnd(n) => write!(f, "past the end of the article ({n} characters)"),
            SpanProblem::TextDiffers(actual) => write!(f, "the article has {actual:?} there"),
            SpanProblem::SplitsCluster => f.write_str("splits a character (grapheme cluster)"),
        }
    }
}

/// The span checks of `check`, shared with the importers so that nothing they write is
/// rejected by `check`. Sparse offsets and grapheme checks at the spans only: a 10 MB
/// article's 3.5 M characters are never collected.
pub struct SpanCheck<'t> {
    text: &'t str,
    slicer: crate::detect::CharSlicer<'t>,
}

impl<'t> SpanCheck<'t> {
    pub fn new(text: &'t str) -> SpanCheck<'t> {
        SpanCheck {
            text,
            slicer: crate::detect::CharSlicer::new(text),
        }
    }

    fn is_boundary(&self, offset: usize) -> bool {
        let byte = self.slicer.byte(offset);
        unicode_segmentation::GraphemeCursor::new(byte, self.text.len(), true)
            .is_boundary(self.text, 0)
            .unwrap_or(true)
    }

    /// The problems of code points `start..end` (whose stored text is `text`, if any).
    /// An empty or reversed span or one past the end has that one problem only.
    pub fn problems(&self, start: usize, end: usize, text: Option<&str>) -> Vec<SpanProblem> {
        if start > end {
            return vec![SpanProblem::Reversed];
        }
        if start == end {
            return vec![SpanProblem::Empty];
        }
        if end > self.slicer.len() {
            return vec![SpanProblem::PastEnd(self.slicer.len())];
        }
        let mut out = Vec::new();
        let actual = self.slicer.slice(start, end);
        if text.is_some_and(|t| t != actual) {
            out.push(SpanProblem::TextDiffers(actual.to_string()));
        }
        if !self.is_boundary(start) || !self.is_boundary(end) {
            out.push(SpanProblem::SplitsCluster);
        }
        out
    }

    pub fn slice(&self, start: usize, end: usize) -> &'t str {
        self.slicer.slice(start, end)
    }
}

/// The problems of one annotation file against its article's text.
pub fn check_file(file: &AnnotationFile, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let drift = file.article_sha256 != sha256_hex(text.as_bytes());
    if drift {
        out.push(
            "the article changed since it was annotated (drift): open it in inkmark to re-anchor"
                .to_string(),
        );
    }
    // After drift the offsets refer to the old text: only what needs no text is checked.
    let text = (!drift).then_some(text);
    out.extend(
        crate::annotation::validate::validate(&file.entities, text)
            .into_iter()
            .map(|p| p.message),
    );
    out
}
