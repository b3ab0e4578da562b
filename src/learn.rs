//! Learning from the annotator: `inkmark train` fits a corpus model on the articles marked
//! done, starting from the base model, and keeps it only when it beats the current
//! detector on a held-out tenth of the user's sentences. The model lives in the
//! annotations folder, so it travels with the annotations (and the team's git repo).

use crate::annotation::file::Status;
use crate::annotation::store::write_atomic;
use crate::corpus::Corpus;
use crate::detect::tagger::{train, Example, Tagger};
use crate::detect::{Detector, DETECTOR_VERSION};
use crate::export::{collect, Doc, Filter};
use crate::label::Label;
use std::path::{Path, PathBuf};

/// The corpus model's file name inside the annotations folder.
pub const MODEL_FILE: &str = "model.inkm";
/// One JSON line per `train` run (scores, sizes, whether the model was kept).
pub const HISTORY_FILE: &str = "train-history.jsonl";

pub fn model_path(annotations: &Path) -> PathBuf {
    annotations.join(MODEL_FILE)
}

/// The corpus model of `annotations`, if there is one. A file that cannot be used gives
/// one line for the user (the caller falls back to the base model).
pub fn corpus_tagger(annotations: &Path) -> Result<Option<Tagger>, String> {
    let path = model_path(annotations);
    if !path.exists() {
        return Ok(None);
    }
    Tagger::load(&path)
        .map(Some)
        .map_err(|e| format!("{e}; using the base model"))
}

/// The detector for a corpus: its corpus model when there is one (unless `no_model`),
/// else the base model; plus a warning when the corpus model could not be read.
pub fn detector_for(annotations: Option<&Path>, no_model: bool) -> (Detector, Option<String>) {
    let detector = Detector::new();
    let Some(dir) = annotations.filter(|_| !no_model) else {
        return (detector, None);
    };
    match corpus_tagger(dir) {
        Ok(Some(t)) => (detector.with_tagger(Some(t)), None),
        Ok(None) => (detector, None),
        Err(warning) => (detector, Some(warning)),
    }
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Also learn from articles in progress (a half-done article teaches wrong negatives).
    pub include_in_progress: bool,
    /// Keep the new model even when it does not beat the current one.
    pub force: bool,
    pub epochs: usize,
    /// Character-level BIO files (the base model's corpora, e.g. ../shared/data) whose
    /// sentences are mixed in, up to twice as many as the annotator's, so that a few
    /// articles do not make the model forget.
    pub base_data: Vec<PathBuf>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            include_in_progress: false,
            force: false,
            epochs: 8,
            base_data: Vec::new(),
        }
    }
}

/// Sentences of BIO files as training examples for `labels`: up to `max` of them, spread
/// evenly over the files' sentences (the same ones every run). The labels these files do
/// not mark (dates and quantities, the annotator's own) are left unlabelled there, so they
/// do not teach "no entity".
fn base_examples(
    files: &[PathBuf],
    labels: &[String],
    max: usize,
    features: &Detector,
) -> Result<(Vec<Example>, usize), String> {
    let mut sents = Vec::new();
    for f in files {
        let raw =
            std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        check_bio(f, &raw, labels)?;
        sents.extend(crate::detect::tagger::bio::parse(&raw));
    }
    if sents.is_empty() || max == 0 {
        return Ok((Vec::new(), 0));
    }
    let mut marked: Vec<&str> = sents
        .iter()
        .flat_map(|s| s.spans.iter().map(|(_, _, l)| l.as_str()))
        .collect();
    marked.sort_unstable();
    marked.dedup();
    let unlabelled = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !marked.contains(&l.as_str()))
        .fold(0u64, |m, (k, _)| m | (1 << k));
    let step = sents.len().div_ceil(max).max(1);
    let chosen: Vec<&crate::detect::tagger::bio::Sentence> = sents.iter().step_by(step).collect();
    let out = chosen
        .iter()
        .map(|s| {
            let spans: Vec<(usize, usize, usize)> = s
                .spans
                .iter()
                .filter_map(|(a, b, l)| labels.iter().position(|x| x == l).map(|k| (*a, *b, k)))
                .collect();
            features
                .example(&s.text, &spans)
                .with_unlabelled(unlabelled)
        })
        .collect();
    Ok((out, chosen.len()))
}

/// `--base-data` must be character BIO (`CHAR<TAB>TAG` or `CHAR TAG` per line, a blank
/// line between sentences; tags `O`, `B-X`, `I-X`, also `E-X`/`S-X`) over the labels being
/// trained: anything else would be mixed in as garbage without a word. The first
/// problems, one `FILE:LINE:` line each.
fn check_bio(path: &Path, raw: &str, labels: &[String]) -> Result<(), String> {
    const SHOWN: usize = 5;
    let mut problems = Vec::new();
    let mut count = 0;
    for (n, line) in raw.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let split = line.split_once('\t').or_else(|| line.rsplit_once(' '));
        let problem = match split {
            None => Some(format!("{line:?} is not CHAR<TAB>TAG")),
            Some((ch, _)) if ch.chars().count() != 1 => Some(format!(
                "{line:?} is not CHAR<TAB>TAG (one character, then its tag)"
            )),
            Some((_, tag)) => {
                let tag = tag.trim();
                match tag.split_once('-') {
                    _ if tag == "O" => None,
                    Some((k, l)) if matches!(k, "B" | "I" | "E" | "S") && !l.is_empty() => {
                        (!labels.iter().any(|x| x == l)).then(|| {
                            format!(
                                "label {l} is not in the label set ({}); map or remove it",
                                labels.join(", ")
                            )
                        })
                    }
                    _ => Some(format!("tag {tag:?} is not O, B-X or I-X")),
                }
            }
        };
        if let Some(p) = problem {
            count += 1;
            if problems.len() < SHOWN {
                problems.push(format!("{}:{}: {p}", path.display(), n + 1));
            }
        }
    }
    if count > SHOWN {
        problems.push(format!("… and {} more", count - SHOWN));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "--base-data is not character BIO:\n{}",
            problems.join("\n")
        ))
    }
}

/// What a training run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainReport {
    pub articles: usize,
    pub sentences: usize,
    pub held_out_sentences: usize,
    pub held_out_entities: usize,
    /// Sentences mixed in from `--base-data`.
    pub base_sentences: usize,
    pub labels: Vec<String>,
    /// All-label micro-F1 on the held-out sentences: the detector before, and the new one.
    pub current_f1: f64,
    pub new_f1: f64,
    /// Per label: (name, current F1, new F1) on the held-out sentences.
    pub per_label: Vec<(String, f64, f64)>,
    pub kept: bool,
    /// Whether the held-out sentences had enough entities to judge the model.
    pub enough_held_out: bool,
    pub model: String,
    pub seconds: f64,
    pub updated: String,
}

/// One sentence of an annotated article with its entities (label names).
struct UserSentence {
    text: String,
    spans: Vec<(usize, usize, Label)>,
    held_out: bool,
    /// The labels its article uses at all: the others it says nothing about.
    article_labels: Vec<Label>,
}

/// A model kept automatically must have been compared on at least this many held-out
/// entities: on fewer, one lucky sentence decides (`--force` overrides).
pub const MIN_HELD_OUT_ENTITIES: usize = 20;

/// The sentences of the annotated articles, a tenth of them (chosen by a hash of the
/// article and the sentence's place, so the split is the same every run) held out.
fn user_sentences(docs: &[Doc]) -> Vec<UserSentence> {
    let mut out = Vec::new();
    for doc in docs {
        let mut article_labels: Vec<Label> = doc.entities.iter().map(|e| e.label).collect();
        article_labels.sort();
        article_labels.dedup();
        for (k, (base, piece)) in Detector::sentences(&doc.text).into_iter().enumerate() {
            let n = piece.chars().count();
            let spans = doc
                .entities
                .iter()
                .filter(|e| e.start >= base && e.end <= base + n)
                .map(|e| (e.start - base, e.end - base, e.label))
                .collect();
            let h = crate::detect::sha256_hex(format!("{}#{k}", doc.article).as_bytes());
            let held_out = u8::from_str_radix(&h[..2], 16)
                .unwrap_or(0)
                .is_multiple_of(10);
            out.push(UserSentence {
                text: piece.to_string(),
                spans,
                held_out,
                article_labels: article_labels.clone(),
            });
        }
    }
    out
}

/// Scores a detector on sentences, over the labels in `labels`.
fn score(detector: &Detector, sents: &[&UserSentence], labels: &[Label]) -> train::Score {
    let idx = |l: Label| labels.iter().position(|&x| x == l);
    let mut s = train::Score {
        per_label: vec![(0, 0, 0); labels.len()],
    };
    for sent in sents {
        let pred: Vec<(usize, usize, usize)> = detector
            .detect(&sent.text)
            .iter()
            .filter_map(|sp| idx(sp.label).map(|k| (sp.start, sp.end, k)))
            .collect();
        let gold: Vec<(usize, usize, usize)> = sent
            .spans
            .iter()
            .filter_map(|&(a, b, l)| idx(l).map(|k| (a, b, k)))
            .collect();
        s.add(&pred, &gold);
    }
    s
}

/// Trains a corpus model on the annotated articles of `corpus` in `annotations`, and writes
/// it there when it beats the current detector on the held-out sentences (or `force`).
pub fn train_corpus(
    corpus: &Corpus,
    annotations: &Path,
    opts: &TrainOptions,
    mut progress: impl FnMut(&str),
) -> Result<TrainReport, String> {
    let started = std::time::Instant::now();
    let mut docs = collect(
        corpus,
        annotations,
        &Filter {
            status: Some(Status::Done),
            labels: Vec::new(),
        },
        || {},
    )
    .0;
    if opts.include_in_progress {
        docs.extend(
            collect(
                corpus,
                annotations,
                &Filter {
                    status: Some(Status::InProgress),
                    labels: Vec::new(),
                },
                || {},
            )
            .0,
        );
    }
    if docs.is_empty() {
        return Err(format!(
            "no article is marked done in {} (mark articles done with `s` in the reader, or pass --include-in-progress)",
            annotations.display()
        ));
    }
    progress("reading the articles");
    let sentences = user_sentences(&docs);
    let base = Tagger::base().map_err(|e| format!("the base model: {e}"))?;
    // The labels: the base model's, then those the annotator uses that it does not know.
    let used: std::collections::BTreeSet<Label> = sentences
        .iter()
        .flat_map(|s| s.spans.iter().map(|sp| sp.2))
        .collect();
    let mut labels: Vec<String> = base.model().labels.clone();
    for l in &used {
        if !labels.iter().any(|x| x == l.name()) {
            labels.push(l.name().to_string());
        }
    }
    // The labels taught, in the model's order.
    let label_set: Vec<Label> = labels
        .iter()
        .filter_map(|n| Label::new(n).ok())
        .filter(|l| used.contains(l))
        .collect();
    let features = Detector::rules_only();
    let example = |s: &UserSentence| -> Example {
        let spans: Vec<(usize, usize, usize)> = s
            .spans
            .iter()
            .filter_map(|&(a, b, l)| labels.iter().position(|x| x == l.name()).map(|k| (a, b, k)))
            .collect();
        // Labels the article never uses are not taught as "no entity here".
        let unlabelled = labels
            .iter()
            .enumerate()
            .filter(|(_, l)| !s.article_labels.iter().any(|a| a.name() == l.as_str()))
            .fold(0u64, |m, (k, _)| m | (1 << k));
        features
            .example(&s.text, &spans)
            .with_unlabelled(unlabelled)
    };
    let mut train_ex: Vec<Example> = sentences
        .iter()
        .filter(|s| !s.held_out)
        .map(example)
        .collect();
    let (base_ex, base_sentences) =
        base_examples(&opts.base_data, &labels, 2 * train_ex.len(), &features)?;
    train_ex.extend(base_ex);
    let held: Vec<&UserSentence> = sentences.iter().filter(|s| s.held_out).collect();
    let held_ex: Vec<Example> = held.iter().map(|s| example(s)).collect();
    progress("training");
    let topts = train::Options {
        epochs: opts.epochs,
        min_count: 1,
        max_features: base.model().index.len() + 50_000,
        ..train::Options::default()
    };
    let mut model = train::train(
        &train_ex,
        labels.clone(),
        &topts,
        Some(base.model()),
        |e, n| progress(&format!("training: pass {e} of {n}")),
    );
    let held_entities: usize = held.iter().map(|s| s.spans.len()).sum();
    model.temperature = if held_entities > 0 {
        train::calibrate(&model, &held_ex)
    } else {
        base.model().temperature
    };
    let bytes = model.to_bytes();
    let new_tagger = Tagger::new(model, &bytes);

    progress("comparing on the held-out sentences");
    let (current, _) = detector_for(Some(annotations), false);
    let before = score(&current, &held, &label_set);
    let candidate = Detector::rules_only().with_tagger(Some(new_tagger));
    let after = score(&candidate, &held, &label_set);
    let enough = held_entities >= MIN_HELD_OUT_ENTITIES;
    let kept = opts.force || (enough && after.micro_f1() > before.micro_f1());
    if kept {
        write_atomic(&model_path(annotations), &bytes, &|_| Ok(()))
            .map_err(|e| format!("cannot write {}: {e}", model_path(annotations).display()))?;
    }
    let report = TrainReport {
        articles: docs.len(),
        sentences: sentences.len(),
        held_out_sentences: held.len(),
        held_out_entities: held_entities,
        base_sentences,
        labels,
        current_f1: before.micro_f1(),
        new_f1: after.micro_f1(),
        per_label: label_set
            .iter()
            .enumerate()
            .map(|(k, l)| (l.name().to_string(), before.label_f1(k), after.label_f1(k)))
            .collect(),
        kept,
        enough_held_out: enough,
        model: format!(
            "{DETECTOR_VERSION}+{}",
            candidate.tagger().map_or("", |t| t.id())
        ),
        seconds: started.elapsed().as_secs_f64(),
        updated: crate::annotation::file::utc_now(),
    };
    append_history(annotations, &report);
    Ok(report)
}

/// Appends the run to the history file (best effort: the model matters, the log less).
fn append_history(annotations: &Path, report: &TrainReport) {
    use std::io::Write;
    if let Ok(line) = serde_json::to_string(report) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(annotations.join(HISTORY_FILE))
        {
            let _ = writeln!(f, "{line}");
        }
    }
}
#[cfg(test)]
mod bio_tests {
    use super::check_bio;
    use std::path::Path;

    #[test]
    fn base_data_that_is_not_bio_is_refused_with_its_lines() {
        let labels = vec!["PER".to_string(), "LOC".to_string()];
        let p = Path::new("b.bio");
        assert!(check_bio(p, "张\tB-PER\n三\tI-PER\n\n在 O\r\n", &labels).is_ok());
        let e = check_bio(p, "abc def ghi\nxyz\n\n", &labels).unwrap_err();
        assert!(e.contains("b.bio:1: ") && e.contains("b.bio:2: "), "{e}");
        let e = check_bio(p, "张\tB-FOO\n", &labels).unwrap_err();
        assert!(
            e.contains("b.bio:1: label FOO is not in the label set"),
            "{e}"
        );
        let e = check_bio(p, "张\tX\n", &labels).unwrap_err();
        assert!(e.contains("tag \"X\""), "{e}");
    }
}
