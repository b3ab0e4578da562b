//! Importing annotation sets: each imported document is matched to an article of the
//! corpus (by its stored name, else by identical text) or written as a new article, and
//! its spans are added to the article's annotation file (merge-safe, never over a file
//! that does not parse). Every span is checked with `check`'s own code first, so an import
//! never writes a file that `inkmark check` rejects; each span left out is reported with
//! the place it came from.

use crate::annotation::edit::Annotations;
use crate::annotation::file::{annotation_path, utc_now, AnnotationFile};
use crate::annotation::store::{write_atomic, Batch, Done, Loaded, Store};
use crate::annotation::{Source, Status};
use crate::corpus::{read_article, Corpus};
use crate::detect::sha256_hex;
use crate::headless::{check_file, SpanCheck};
use crate::label::{Label, LabelSet, Span};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// One document as a format gives it: code-point spans into `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The article's path relative to the corpus, when the format carried it.
    pub article: Option<String>,
    pub text: String,
    pub spans: Vec<ImportedSpan>,
    /// What the parser left out of this document, each with its place.
    pub problems: Vec<String>,
    /// The status the file gives the document (doccano's and Label Studio's `status`),
    /// kept on import instead of falling back to `todo`.
    pub status: Option<Status>,
}

/// The `status` of a document (absent: `None`); one no article can have is a problem
/// at `place`, and the article's status is left as it is.
pub fn status_of(value: Option<&serde_json::Value>, place: &str) -> Result<Option<Status>, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(parse_status)
            .map(Some)
            .ok_or_else(|| format!("{place}: unknown status {v}; the article's status is kept (todo, in_progress or done)")),
    }
}

/// A status as an exported file names it (`done`, `in_progress`, `todo`); anything else
/// is reported by the caller and the article's status left as it is.
pub fn parse_status(name: &str) -> Option<Status> {
    [Status::Todo, Status::InProgress, Status::Done]
        .into_iter()
        .find(|s| s.name() == name.trim())
}

/// A span and where it came from (`line 12`, `task 3 result 2`), for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSpan {
    pub span: Span,
    pub at: String,
    /// The label as the file names it when no label can carry that name (疾病, "Body
    /// Part"): `--map` must rename it; until then `span.label` is [`UNNAMED`].
    pub foreign: Option<String>,
}

/// The placeholder label of a span whose foreign label cannot be a name; never written.
pub const UNNAMED: Label = Label::from_static("_unnamed_");

impl Imported {
    /// Prefixes every place with `source` (the file the document was read from).
    pub fn from_file(mut self, source: &str) -> Imported {
        for s in &mut self.spans {
            s.at = format!("{source}: {}", s.at);
        }
        for p in &mut self.problems {
            *p = format!("{source}: {p}");
        }
        self
    }
}

/// A label as a foreign file names it, kept as written (mapped to the corpus's labels by
/// [`map_labels`]); a name no label can have is kept beside [`UNNAMED`] for `--map`.
pub fn foreign_label(name: &str) -> (Label, Option<String>) {
    match Label::new(name.trim()) {
        Ok(l) => (l, None),
        Err(_) => (UNNAMED, Some(name.trim().to_string())),
    }
}

/// Parses `--map Person=PER,GPE=LOC` pairs: each target must be in `set`, or, with
/// `add_new` (`--add-labels`), a name a label can have (the caller adds it to the set).
pub fn parse_map(
    pairs: &[String],
    set: &LabelSet,
    add_new: bool,
) -> Result<Vec<(String, Label)>, String> {
    pairs
        .iter()
        .map(|p| {
            let (from, to) = p
                .split_once('=')
                .ok_or_else(|| format!("--map {p:?}: expected FOREIGN=LABEL"))?;
            let to = to.trim();
            let label = match Label::new(to) {
                Ok(l) if set.contains(l) || add_new => l,
                Err(e) if add_new => return Err(format!("--map {p:?}: {e}")),
                _ => {
                    let names: Vec<String> = set.labels().map(|l| l.to_string()).collect();
                    return Err(format!(
                        "--map {p:?}: {to:?} is not in the label set ({}); --add-labels adds it",
                        names.join(", ")
                    ));
                }
            };
            Ok((from.trim().to_string(), label))
        })
        .collect()
}

/// Labels of imported spans that are still unknown: name -> (spans, first place).
pub type Unknown = BTreeMap<String, (usize, String)>;

/// Renames the spans' foreign labels to the set's: `map` first (exact names), then the
/// set's own names and the default labels' synonyms (PERSON, GPE, DATE...). Returns the
/// labels that stay unknown, with counts, leaving those spans as they are.
pub fn map_labels(docs: &mut [Imported], set: &LabelSet, map: &[(String, Label)]) -> Unknown {
    let mut unknown = Unknown::new();
    for doc in docs {
        for s in &mut doc.spans {
            let name = s
                .foreign
                .clone()
                .unwrap_or_else(|| s.span.label.to_string());
            let to = map
                .iter()
                .find(|(from, _)| *from == name)
                .map(|(_, to)| *to)
                .or_else(|| set.resolve(&name));
            match to {
                Some(l) => {
                    s.span.label = l;
                    s.foreign = None;
                }
                None => unknown.entry(name).or_insert_with(|| (0, s.at.clone())).0 += 1,
            }
        }
    }
    unknown
}

/// The config text with `add` appended as `[[labels]]` tables, the rest kept as written.
/// A file that defines no labels gets the current set first, so that adding labels never
/// drops the ones in use (a corpus list replaces the user's and the default whole).
pub fn append_labels(text: &str, defines_labels: bool, set: &LabelSet, add: &[Label]) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let mut table = |name: &str, description: &str| {
        out.push_str(&format!("\n[[labels]]\nname = \"{name}\"\n"));
        if !description.is_empty() {
            let d = toml::Value::String(description.to_string());
            out.push_str(&format!("description = {d}\n"));
        }
    };
    if !defines_labels {
        for d in set.defs() {
            table(d.label.name(), &d.description);
        }
    }
    for l in add {
        table(l.name(), "added by inkmark import");
    }
    out
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub articles: usize,
    pub created: Vec<String>,
    pub entities: usize,
    /// Existing spans an imported one overlapped and so replaced (said in the summary:
    /// nothing of the user's goes without a word).
    pub replaced: usize,
    pub problems: Vec<String>,
    /// Worth saying but no failure: a document matched by text to one of several
    /// articles with that very text (the one used is named).
    pub notes: Vec<String>,
}

/// The note for a document matched by its text to `used` among `all` (two or more
/// articles with the same text): which one took the spans.
fn same_text_note(all: &[PathBuf], used: &Path) -> String {
    let names: Vec<String> = all.iter().map(|p| p.display().to_string()).collect();
    format!(
        "a document matches {} articles by text: {}; used {} (name the article in the file to choose)",
        all.len(),
        names.join(", "),
        used.display()
    )
}

/// The span's own copy of its text, for formats that carry it (spaCy, Label Studio),
/// against the article: offsets counted in another unit, or into another version of the
/// text, would label the wrong characters without a word (as brat import checks too).
pub struct TextCheck<'t> {
    text: &'t str,
    chars: Vec<char>,
    /// Mismatches, and how many of them the offsets read in `other` would explain.
    mismatched: usize,
    explained: usize,
    other: super::Offsets,
    /// Built at the first mismatch (most files have none).
    map: Option<super::OffsetMap<'t>>,
}

impl<'t> TextCheck<'t> {
    /// For spans of `text` whose offsets were read in `unit`.
    pub fn new(text: &'t str, unit: super::Offsets) -> TextCheck<'t> {
        let other = match unit {
            super::Offsets::Utf16 => super::Offsets::Codepoints,
            _ => super::Offsets::Utf16,
        };
        TextCheck {
            text,
            chars: text.chars().collect(),
            mismatched: 0,
            explained: 0,
            other,
            map: None,
        }
    }

    /// The problem (with `place`) when `written` is not the article's text at `s..e`
    /// (code points; `raw` are the offsets as the file wrote them). Out-of-range spans
    /// are left to the import's own checks.
    pub fn differs(
        &mut self,
        place: &str,
        (s, e): (usize, usize),
        raw: (usize, usize),
        written: Option<&str>,
    ) -> Option<String> {
        let written = written?;
        if s > e || e > self.chars.len() {
            return None;
        }
        let there: String = self.chars[s..e].iter().collect();
        if there == written {
            return None;
        }
        self.mismatched += 1;
        let (text, other) = (self.text, self.other);
        let map = self
            .map
            .get_or_insert_with(|| super::OffsetMap::new(text, other));
        if let (Some(a), Some(b)) = (map.to_code_point(raw.0), map.to_code_point(raw.1)) {
            if a <= b
                && b <= self.chars.len()
                && self.chars[a..b].iter().collect::<String>() == written
            {
                self.explained += 1;
            }
        }
        Some(format!(
            "{place}: text {written:?} ≠ article {there:?} at {s}..{e}; not imported"
        ))
    }

    /// One more line when every mismatch is explained by the other offset unit: what the
    /// user most likely must change (`fix` says how, per format).
    pub fn hint(&self, fix: &str) -> Option<String> {
        (self.mismatched > 0 && self.explained == self.mismatched).then(|| {
            format!(
                "{}: the offsets match the text when counted in {} units: {fix}",
                crate::text::count(self.mismatched, "mismatching span", "mismatching spans"),
                self.other.name()
            )
        })
    }
}

/// CoNLL writes no whitespace, so a CoNLL document is never identical to its article: one
/// whose text is an article's with the whitespace left out is given that article (name
/// and text) and its spans are moved onto the article's offsets. Without this, export then
/// import would create a copy of every article.
/// Returns a note for each document that matched several articles (the first is used).
pub fn align_unspaced(docs: &mut [Imported], corpus: &Corpus) -> Vec<String> {
    let mut notes = Vec::new();
    use super::conll::is_skipped;
    let squeeze = |t: &str| -> String { t.chars().filter(|c| !is_skipped(*c)).collect() };
    let mut exact: HashSet<String> = HashSet::new();
    // All articles by squeezed text, in corpus order: the first one is used.
    let mut by_squeezed: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for e in &corpus.entries {
        if let Ok(a) = read_article(&e.path) {
            exact.insert(sha256_hex(a.text.as_bytes()));
            by_squeezed
                .entry(sha256_hex(squeeze(&a.text).as_bytes()))
                .or_default()
                .push(e.rel.clone());
        }
    }
    for doc in docs.iter_mut() {
        if doc.article.is_some() || exact.contains(&sha256_hex(doc.text.as_bytes())) {
            continue;
        }
        let Some(all) = by_squeezed.get(&sha256_hex(squeeze(&doc.text).as_bytes())) else {
            continue;
        };
        let rel = &all[0];
        if all.len() > 1 {
            notes.push(same_text_note(all, rel));
        }
        let Ok(article) = read_article(&corpus.root.join(rel)) else {
            continue;
        };
        // The article's offset of each kept character, by its rank among the kept ones;
        // and each document offset's rank.
        let kept: Vec<usize> = article
            .text
            .chars()
            .enumerate()
            .filter(|(_, c)| !is_skipped(*c))
            .map(|(i, _)| i)
            .collect();
        let mut rank = Vec::new();
        let mut k = 0;
        for c in doc.text.chars() {
            rank.push(k);
            k += usize::from(!is_skipped(c));
        }
        rank.push(k);
        for s in &mut doc.spans {
            let last = rank.len() - 1;
            let (a, b) = (rank[s.span.start.min(last)], rank[s.span.end.min(last)]);
            if a < b && b <= kept.len() {
                s.span = Span::new(kept[a], kept[b - 1] + 1, s.span.label);
            }
        }
        doc.text = article.text;
        doc.article = Some(rel.to_string_lossy().replace('\\', "/"));
    }
    notes
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
    // Annotation files are saved in batches (one sync each, not two fsyncs per file);
    // the tag is the number of entities the save adds and of those it replaces.
    let mut batch: Batch<(usize, usize)> = Batch::new();
    let mut queued: HashSet<PathBuf> = HashSet::new();
    // Articles by content, to match documents that carry no name.
    // The first article in corpus order with a text takes documents matched by it; all
    // of them are kept to say so when there are several.
    let mut by_sha: HashMap<String, PathBuf> = HashMap::new();
    let mut same_text: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for e in &corpus.entries {
        if let Ok(a) = read_article(&e.path) {
            let sha = sha256_hex(a.text.as_bytes());
            by_sha.entry(sha.clone()).or_insert_with(|| e.rel.clone());
            same_text.entry(sha).or_default().push(e.rel.clone());
        }
    }
    for (i, doc) in docs.iter().enumerate() {
        tick();
        report.problems.extend(doc.problems.iter().cloned());
        let sha = sha256_hex(doc.text.as_bytes());
        let mut named = doc.article.as_deref().and_then(safe_relative);
        // A name the corpus would not list (hidden, not .txt/.md, inside exports/): its
        // annotations would be seen nowhere. The same text under a listed name takes them.
        if let Some(reason) = named.as_deref().and_then(|rel| {
            crate::corpus::unlisted_reason(&corpus.root, rel, &[annotations.to_path_buf()])
        }) {
            let rel = named.take().unwrap_or_default();
            if !by_sha.contains_key(&sha) {
                report.problems.push(format!(
                    "{}: the corpus would not list this article ({reason}); not imported",
                    rel.display()
                ));
                continue;
            }
        }
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
            (_, Some(rel)) => {
                if let Some(all) = same_text.get(&sha).filter(|all| all.len() > 1) {
                    report.notes.push(same_text_note(all, rel));
                }
                rel.clone()
            }
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
        if !queued.insert(path.clone()) {
            // A second document for the same article reads what the first one saved.
            record(&mut report, batch.flush());
            queued = HashSet::from([path.clone()]);
        }
        let (store, loaded) = match Store::open_for(&path, &rel) {
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
                report
                    .problems
                    .push(format!("{}: {}; not touched", path.display(), e.describe()));
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
        let bounds = SpanCheck::new(&doc.text);
        let mut set = Annotations::new(file.entities.clone(), file.rejected.clone(), file.status);
        let mut added = 0;
        let mut replaced = 0;
        // Outer spans first: inkmark has no nested or overlapping entities, so of two
        // imported spans that overlap the one that starts first (the longer at a tie) is
        // kept and the other reported, never silently replaced.
        let mut spans: Vec<&ImportedSpan> = doc.spans.iter().collect();
        spans.sort_by_key(|s| (s.span.start, std::cmp::Reverse(s.span.end)));
        let mut kept: Vec<&ImportedSpan> = Vec::new();
        for s in spans {
            let Span { start, end, label } = s.span;
            if let Some(name) = &s.foreign {
                // Not mapped to a label (`inkmark import --map` does): never written.
                report.problems.push(format!(
                    "{}: {start}..{end}: unknown label {name:?}; not imported",
                    s.at
                ));
                continue;
            }
            let what = format!("{label} {start}..{end}");
            if let Some(p) = bounds.problems(start, end, None).first() {
                report
                    .problems
                    .push(format!("{}: {what}: {p}; not imported", s.at));
                continue;
            }
            let text = bounds.slice(start, end);
            // Kept spans are sorted and disjoint: only the last can reach this one.
            if let Some(k) = kept.last().filter(|k| k.span.overlaps(&s.span)) {
                if k.span != s.span {
                    report.problems.push(format!(
                        "{}: {what} {text:?} overlaps {} {}..{} ({}); inkmark has no nested \
                         entities; not imported",
                        s.at, k.span.label, k.span.start, k.span.end, k.at
                    ));
                }
                continue;
            }
            kept.push(s);
            // An identical existing span keeps its source (an accepted suggestion stays so).
            if set
                .entities
                .iter()
                .any(|e| e.start == start && e.end == end && e.label == label)
            {
                continue;
            }
            let change = set.label_change(start, end, label, text, Source::Manual);
            // Imported spans are disjoint: every span this removes was in the file before.
            let removes = change
                .ops
                .iter()
                .filter(|op| matches!(op, crate::annotation::edit::Op::Remove(_)))
                .count();
            if set.apply(change) {
                added += 1;
                replaced += removes;
            }
        }
        // The result goes through `check`: anything it would reject (and did not before)
        // keeps the file as it was.
        let before = check_file(&file, &doc.text);
        file.entities = set.entities;
        if let Some(status) = doc.status {
            file.status = status;
        }
        file.updated = utc_now();
        let new: Vec<String> = check_file(&file, &doc.text)
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        if !new.is_empty() {
            report.problems.push(format!(
                "{}: the import would fail inkmark check ({}); not imported",
                path.display(),
                new.join("; ")
            ));
            continue;
        }
        batch.push(store, file, (added, replaced));
        if batch.is_full() {
            record(&mut report, batch.flush());
            queued.clear();
        }
    }
    record(&mut report, batch.flush());
    report
}

/// Counts the saves that went through; the others are problems, each naming its file.
fn record(report: &mut Report, done: Vec<Done<(usize, usize)>>) {
    for d in done {
        match d.result {
            Ok(_) => {
                report.articles += 1;
                report.entities += d.tag.0;
                report.replaced += d.tag.1;
            }
            Err(e) => report.problems.push(e.to_string()),
        }
    }
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

    #[test]
    fn an_import_of_many_articles_syncs_once_per_batch_and_names_a_broken_file() {
        use crate::annotation::store::syncs_by_this_thread;
        let dir = tempfile::tempdir().unwrap();
        let (root, ann) = (dir.path().join("corpus"), dir.path().join("ann"));
        let text = |i: usize| format!("第{i}篇：张三在北京。");
        for i in 0..30 {
            let p = root.join(format!("d{}/{i}.txt", i % 3));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text(i)).unwrap();
        }
        std::fs::create_dir_all(ann.join("d1")).unwrap();
        std::fs::write(ann.join("d1/1.json"), "{ broken").unwrap();
        let corpus = crate::corpus::scan(&root).unwrap();
        let doc = |i: usize, start: usize, end: usize, label: Label| Imported {
            article: Some(format!("d{}/{i}.txt", i % 3)),
            text: text(i),
            spans: vec![ImportedSpan {
                span: Span::new(start, end, label),
                at: format!("line {i}"),
                foreign: None,
            }],
            problems: Vec::new(),
            status: None,
        };
        let mut docs: Vec<Imported> = (0..30).map(|i| doc(i, 4, 6, Label::PER)).collect();
        // The same article twice: the second document adds to what the first saved.
        docs.push(doc(5, 7, 9, Label::LOC));
        let before = syncs_by_this_thread();
        let report = apply(&docs, &corpus, &ann, "me", || {});
        // One syncfs and one fsync per folder for each of the two batches (the repeated
        // article starts the second): not two per file (60).
        let syncs = syncs_by_this_thread() - before;
        assert!(syncs <= 2 * (1 + 3), "{syncs}");
        assert_eq!(report.articles, 30, "{:?}", report.problems);
        assert_eq!(report.entities, 30);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].contains("1.json"),
            "{:?}",
            report.problems
        );
        assert_eq!(std::fs::read(ann.join("d1/1.json")).unwrap(), b"{ broken");
        let (_, Loaded::Found(f)) = Store::open(&ann.join("d2/5.json")).unwrap() else {
            panic!()
        };
        let spans: Vec<Span> = f.entities.iter().map(|e| e.span()).collect();
        assert_eq!(
            spans,
            [Span::new(4, 6, Label::PER), Span::new(7, 9, Label::LOC)]
        );
    }
    #[test]
    fn a_malformed_spacy_span_is_reported_alone_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let (root, ann) = (dir.path().join("corpus"), dir.path().join("ann"));
        let text = "张三在北京见到李四和王五。";
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.txt"), text).unwrap();
        let corpus = crate::corpus::scan(&root).unwrap();
        let line = serde_json::json!({
            "text": text,
            "meta": {"article": "a.txt"},
            "spans": [
                {"start": 0, "end": 2, "label": "PER"},
                {"start": -1, "end": 2, "label": "PER"},
                {"start": 1.5, "end": 2, "label": "PER"},
                {"start": 3, "end": 5, "label": "LOC"},
                {"start": 9, "end": 7, "label": "PER"},
                {"start": 7, "end": 9, "label": "PER"},
            ],
        });
        let docs = super::super::spacy::parse(&line.to_string()).unwrap();
        let report = apply(&docs, &corpus, &ann, "me", || {});
        assert_eq!(
            report.problems,
            [
                "line 1 span 2: start -1 is negative; not imported",
                "line 1 span 3: start 1.5 is not a whole number; not imported",
                "line 1 span 5: PER 9..7: reversed span (the end is before the start); not imported",
            ]
        );
        assert_eq!(report.entities, 3);
        let (_, Loaded::Found(f)) = Store::open(&ann.join("a.json")).unwrap() else {
            panic!()
        };
        let texts: Vec<&str> = f.entities.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["张三", "北京", "李四"]);
    }
}
