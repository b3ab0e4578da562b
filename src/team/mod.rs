//! Several annotators on one corpus: each has a folder of annotation files; `agree`
//! compares them. No terminal here.

pub mod agree;
pub mod assign;
pub mod peers;
pub mod review;

use crate::annotation::anchor::reanchor;
use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::{AnnotationFile, Status};
use crate::corpus::{read_article, Corpus};
use crate::detect::sha256_hex;
use crate::label::{LabelSet, Span};
use agree::{compare_article, pairs, Agreement, PairCounts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One annotator: a name (the folder's) and the folder of their annotation files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotator {
    pub name: String,
    pub dir: PathBuf,
}

impl Annotator {
    pub fn from_dir(dir: &Path) -> Annotator {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Annotator {
            name,
            dir: dir.to_path_buf(),
        }
    }
}

/// Whether `dir` holds at least one annotation file (`*.json`, searched recursively).
/// Stops at the first one found.
pub fn has_annotation_files(dir: &Path) -> std::io::Result<bool> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            let p = entry.path();
            if ft.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Whether `dir` is a gold folder written by `inkmark review` (its annotation files say
/// `"source": "review"` at the top level; the first one found decides).
pub fn is_gold_folder(dir: &Path) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut children: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
        children.sort();
        for p in children {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let Ok(bytes) = crate::corpus::read_regular(&p) else {
                    continue;
                };
                let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                    continue;
                };
                return v.get("source").and_then(|s| s.as_str()) == Some("review");
            }
        }
    }
    false
}

/// The annotators of a team folder: every subfolder that holds annotation files, sorted
/// by name. Hidden folders are skipped, and so are gold folders ([`is_gold_folder`]):
/// review's choices are no annotator's, and their articles (rarely all done) would leave
/// every pair of annotators with nothing to compare.
pub fn team_folders(root: &Path) -> Result<Vec<Annotator>, String> {
    let read = std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| format!("{}: {e}", root.display()))?;
        let p = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden || !p.is_dir() {
            continue;
        }
        if has_annotation_files(&p).map_err(|e| format!("{}: {e}", p.display()))?
            && !is_gold_folder(&p)
        {
            out.push(Annotator::from_dir(&p));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Checks the folders to compare: each exists, is a folder and holds annotation files;
/// names are unique. One line per problem.
pub fn check_folders(annotators: &[Annotator]) -> Vec<String> {
    let mut problems = Vec::new();
    for a in annotators {
        let shown = a.dir.display();
        if !a.dir.exists() {
            problems.push(format!("{shown}: no such folder"));
        } else if !a.dir.is_dir() {
            problems.push(format!("{shown}: not a folder"));
        } else {
            match has_annotation_files(&a.dir) {
                Ok(true) => {}
                Ok(false) => problems.push(format!("{shown}: no annotation files (*.json)")),
                Err(e) => problems.push(format!("{shown}: cannot be read: {e}")),
            }
        }
    }
    let mut seen = BTreeMap::new();
    for a in annotators {
        if let Some(first) = seen.insert(a.name.clone(), a.dir.clone()) {
            problems.push(format!(
                "{} and {}: two annotators named {:?} (compare folders with different names)",
                first.display(),
                a.dir.display(),
                a.name
            ));
        }
    }
    problems
}

/// What `agree` compares.
#[derive(Debug, Clone, Copy)]
pub struct AgreeOptions {
    /// Articles of any status (each annotator must still have a file); otherwise only
    /// the ones every annotator marked done.
    pub all: bool,
    pub threads: usize,
}

/// One article's outcome.
enum Outcome {
    Compared {
        article: String,
        agreement: Agreement,
        reanchored: bool,
    },
    /// Not compared, with the reason for the report (e.g. spans that could not be
    /// re-anchored after the article changed).
    Skipped(String, String),
    /// Not done by everyone, or not annotated by everyone: not counted, not reported.
    NotEligible,
    /// Annotation files that cannot be read: `agree` fails.
    Errors(Vec<String>),
}

/// One article of `--by-article`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleRow {
    pub article: String,
    /// Mean exact-span F1 over the pairs (1.0 when nobody marked anything).
    pub f1: f64,
    pub disagreements: u64,
}

/// One pair of annotators in the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairReport {
    pub a: String,
    pub b: String,
    /// Exact-span F1, all labels (`null`: neither marked anything).
    pub f1: Option<f64>,
    /// Per label: F1 and the span counts behind it.
    pub labels: BTreeMap<String, LabelReport>,
    /// Character-level Cohen's kappa (`null` when undefined).
    pub kappa: Option<f64>,
    pub disagreements: agree::Disagreements,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelReport {
    pub f1: Option<f64>,
    pub matched: u64,
    pub spans_a: u64,
    pub spans_b: u64,
}

/// Everything `agree` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub annotators: Vec<String>,
    /// Articles compared.
    pub articles: usize,
    /// Of them, articles whose annotation files were re-anchored to a changed article.
    pub reanchored: usize,
    /// Articles not compared, with the reason.
    pub skipped: Vec<Skipped>,
    pub pairs: Vec<PairReport>,
    /// Fleiss' kappa over characters, with three or more annotators.
    pub fleiss_kappa: Option<f64>,
    /// Worst first; only with `--by-article`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_article: Option<Vec<ArticleRow>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub article: String,
    pub reason: String,
}

/// The spans of one annotator's file on `text`, re-anchored when the file was made for
/// another version of the article. `Err`: spans that cannot be placed (never compared
/// at the wrong offsets).
pub(crate) fn spans_on(
    file: &AnnotationFile,
    text: &str,
    sha: &str,
) -> Result<(Vec<Span>, bool), String> {
    if file.article_sha256 == sha {
        let mut v: Vec<Span> = file.entities.iter().map(|e| e.span()).collect();
        v.sort();
        return Ok((v, false));
    }
    let r = reanchor(
        text,
        file.article_fingerprint.as_deref(),
        &file.entities,
        &[],
    );
    if !r.unanchored.is_empty() {
        return Err(format!(
            "the article changed since {} annotated it and {} of its spans cannot be re-anchored",
            file.annotator,
            r.unanchored.len()
        ));
    }
    let mut v: Vec<Span> = r.entities.iter().map(|e| e.span()).collect();
    v.sort();
    Ok((v, true))
}

/// One article's outcome, and which annotators have a file for it.
fn one_article(
    corpus: &Corpus,
    rel: &Path,
    annotators: &[Annotator],
    all: bool,
) -> (Outcome, Vec<bool>) {
    let mut present = vec![true; annotators.len()];
    let mut files = Vec::with_capacity(annotators.len());
    let mut errors = Vec::new();
    let mut eligible = true;
    for (k, a) in annotators.iter().enumerate() {
        let path = annotation_path(&a.dir, rel);
        match Store::open_for(&path, rel) {
            Ok((_, Loaded::Found(f))) => {
                eligible &= all || f.status == Status::Done;
                files.push(f);
            }
            Ok((_, Loaded::Missing)) => {
                present[k] = false;
                eligible = false;
            }
            Ok((_, Loaded::Corrupt(e))) => {
                errors.push(format!("{}: {}", path.display(), e.describe()))
            }
            Err(e) => errors.push(format!("{}: cannot be read: {e}", path.display())),
        }
    }
    if !errors.is_empty() {
        return (Outcome::Errors(errors), present);
    }
    if !eligible {
        return (Outcome::NotEligible, present);
    }
    let article = rel.to_string_lossy().into_owned();
    let text = match read_article(&corpus.root.join(rel)) {
        Ok(a) => a.text,
        Err(e) => {
            let reason = format!("the article cannot be read: {e}");
            return (Outcome::Skipped(article, reason), present);
        }
    };
    let sha = sha256_hex(text.as_bytes());
    let mut spans = Vec::with_capacity(files.len());
    let mut reanchored = false;
    for f in &files {
        match spans_on(f, &text, &sha) {
            Ok((s, moved)) => {
                reanchored |= moved;
                spans.push(s);
            }
            Err(reason) => return (Outcome::Skipped(article, reason), present),
        }
    }
    let len = text.chars().count();
    let outcome = Outcome::Compared {
        article,
        agreement: compare_article(len, &spans),
        reanchored,
    };
    (outcome, present)
}

/// Exact-span agreement of every pair of annotators, each pair over the articles both
/// marked done (what `agree` reports for those two folders), in one pass that reads each
/// file once: the stats view's grid. Per pair, in the order of [`pairs`]: the counts and
/// the articles compared. `Err`: one line per annotation file that cannot be read.
pub fn pairwise(
    corpus: &Corpus,
    annotators: &[Annotator],
    threads: usize,
) -> Result<Vec<(PairCounts, usize)>, Vec<String>> {
    let all = pairs(annotators.len());
    let mut totals = vec![(PairCounts::default(), 0usize); all.len()];
    let mut errors = Vec::new();
    crate::parallel::for_each_in_order(
        &corpus.entries,
        threads,
        |e| pairwise_article(corpus, &e.rel, annotators),
        |result| {
            match result {
                Ok(counts) => {
                    for (k, c) in counts {
                        totals[k].0.add(&c);
                        totals[k].1 += 1;
                    }
                }
                Err(e) => errors.extend(e),
            }
            true
        },
    );
    if errors.is_empty() {
        Ok(totals)
    } else {
        Err(errors)
    }
}

/// One article's counts per pair (by index into [`pairs`]) of annotators who both marked
/// it done; a file that cannot be re-anchored to a changed article leaves its pairs out.
fn pairwise_article(
    corpus: &Corpus,
    rel: &Path,
    annotators: &[Annotator],
) -> Result<Vec<(usize, PairCounts)>, Vec<String>> {
    let mut done: Vec<Option<AnnotationFile>> = Vec::with_capacity(annotators.len());
    let mut errors = Vec::new();
    for a in annotators {
        let path = annotation_path(&a.dir, rel);
        match Store::open_for(&path, rel) {
            Ok((_, Loaded::Found(f))) => done.push((f.status == Status::Done).then_some(f)),
            Ok((_, Loaded::Missing)) => done.push(None),
            Ok((_, Loaded::Corrupt(e))) => {
                errors.push(format!("{}: {}", path.display(), e.describe()))
            }
            Err(e) => errors.push(format!("{}: cannot be read: {e}", path.display())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if done.iter().flatten().count() < 2 {
        return Ok(Vec::new());
    }
    let Ok(article) = read_article(&corpus.root.join(rel)) else {
        return Ok(Vec::new());
    };
    let sha = sha256_hex(article.text.as_bytes());
    let spans: Vec<Option<Vec<Span>>> = done
        .iter()
        .map(|f| {
            f.as_ref()
                .and_then(|f| spans_on(f, &article.text, &sha).ok().map(|(s, _)| s))
        })
        .collect();
    let len = article.text.chars().count();
    let mut out = Vec::new();
    for (k, &(i, j)) in pairs(annotators.len()).iter().enumerate() {
        if let (Some(a), Some(b)) = (&spans[i], &spans[j]) {
            let mut ag = compare_article(len, &[a.clone(), b.clone()]);
            out.push((k, ag.pairs.swap_remove(0)));
        }
    }
    Ok(out)
}

/// Compares the annotators' files over the corpus, reading articles on `threads`
/// threads. `Err`: one line per annotation file that cannot be read.
pub fn agree(
    corpus: &Corpus,
    annotators: &[Annotator],
    opts: AgreeOptions,
    by_article: bool,
    mut tick: impl FnMut(),
) -> Result<Report, Vec<String>> {
    let mut total = Agreement::new(annotators.len());
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    let (mut articles, mut reanchored) = (0, 0);
    let mut found = vec![0usize; annotators.len()];
    crate::parallel::for_each_in_order(
        &corpus.entries,
        opts.threads,
        |e| one_article(corpus, &e.rel, annotators, opts.all),
        |(outcome, present)| {
            tick();
            for (n, p) in found.iter_mut().zip(present) {
                *n += usize::from(p);
            }
            match outcome {
                Outcome::Compared {
                    article,
                    agreement,
                    reanchored: moved,
                } => {
                    articles += 1;
                    reanchored += usize::from(moved);
                    if by_article {
                        rows.push(ArticleRow {
                            article,
                            f1: agreement.mean_f1(),
                            disagreements: agreement
                                .pairs
                                .iter()
                                .map(|p| p.disagreements.total())
                                .sum(),
                        });
                    }
                    total.add(&agreement);
                }
                Outcome::Skipped(article, reason) => skipped.push(Skipped { article, reason }),
                Outcome::NotEligible => {}
                Outcome::Errors(e) => errors.extend(e),
            }
            true
        },
    );
    // A folder with files for none of the articles is not an annotator's folder of this
    // corpus (often the team's folder itself, or another corpus's).
    for (a, n) in annotators.iter().zip(&found) {
        if *n == 0 {
            errors.push(format!(
                "{}: no annotation file for any article of {} (a folder of annotators' folders? use --team)",
                a.dir.display(),
                corpus.root.display()
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    rows.sort_by(|a, b| {
        a.f1.total_cmp(&b.f1)
            .then(b.disagreements.cmp(&a.disagreements))
            .then_with(|| a.article.cmp(&b.article))
    });
    let names: Vec<String> = annotators.iter().map(|a| a.name.clone()).collect();
    let pair_reports = pairs(annotators.len())
        .into_iter()
        .zip(&total.pairs)
        .map(|((i, j), p)| PairReport {
            a: names[i].clone(),
            b: names[j].clone(),
            f1: p.f1(None),
            labels: p
                .labels()
                .into_iter()
                .map(|l| {
                    (
                        l.name().to_string(),
                        LabelReport {
                            f1: p.f1(Some(l)),
                            matched: PairCounts::count(&p.matched, l),
                            spans_a: PairCounts::count(&p.spans_a, l),
                            spans_b: PairCounts::count(&p.spans_b, l),
                        },
                    )
                })
                .collect(),
            kappa: p.kappa(),
            disagreements: p.disagreements,
        })
        .collect();
    Ok(Report {
        annotators: names,
        articles,
        reanchored,
        skipped,
        pairs: pair_reports,
        fleiss_kappa: total.fleiss.as_ref().and_then(|f| f.kappa()),
        by_article: by_article.then_some(rows),
    })
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"))
}

impl Report {
    /// The report for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "annotators {}; {} articles compared",
            self.annotators.join(", "),
            self.articles
        ));
        if self.reanchored > 0 {
            out.push_str(&format!(
                " ({} re-anchored to a changed article)",
                self.reanchored
            ));
        }
        out.push('\n');
        for p in &self.pairs {
            let d = &p.disagreements;
            out.push_str(&format!(
                "\n{} vs {}: span F1 {}, kappa {}\n",
                p.a,
                p.b,
                num(p.f1),
                num(p.kappa)
            ));
            // In the label set's order (PER LOC ORG TIME QTY), as everywhere else.
            for label in LabelSet::default().order(p.labels.keys().map(String::as_str)) {
                let Some(l) = p.labels.get(label) else {
                    continue;
                };
                if l.spans_a + l.spans_b == 0 {
                    continue;
                }
                out.push_str(&format!(
                    "  {label:<5} F1 {}  ({} matched; {} {}, {} {})\n",
                    num(l.f1),
                    l.matched,
                    p.a,
                    l.spans_a,
                    p.b,
                    l.spans_b
                ));
            }
            out.push_str(&format!(
                "  disagreements {}: label {}, boundary {}, label+boundary {}, only {} {}, only {} {}\n",
                d.total(),
                d.label,
                d.boundary,
                d.label_and_boundary,
                p.a,
                d.only_a,
                p.b,
                d.only_b
            ));
        }
        if self.annotators.len() >= 3 {
            out.push_str(&format!("\nFleiss' kappa {}\n", num(self.fleiss_kappa)));
        }
        if let Some(rows) = &self.by_article {
            out.push_str("\nby article, worst first (mean span F1, disagreements)\n");
            for r in rows {
                out.push_str(&format!(
                    "  {:.3} {:>5}  {}\n",
                    r.f1, r.disagreements, r.article
                ));
            }
        }
        for s in &self.skipped {
            out.push_str(&format!("not compared: {}: {}\n", s.article, s.reason));
        }
        out
    }
}
