//! Suggestions from what the annotator already confirmed: every other occurrence of a
//! confirmed text, longest first, where nothing else was found. One automaton
//! (aho-corasick, leftmost-longest) over the text, however many texts there are.

use crate::annotation::AnnotationFile;
use crate::detect::{Analysis, SuggestionSource};
use crate::label::{Label, LabelSet, Span};
use crate::text::clusters::is_boundary;
use aho_corasick::{AhoCorasick, MatchKind};
use std::path::{Path, PathBuf};

/// Confirmed texts and their labels, built into one automaton once (a `detect` run over
/// thousands of lines, or a reader session, searches with the same one).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    ac: Option<AhoCorasick>,
    labels: Vec<Label>,
}

impl Lexicon {
    /// Texts of one character are left out (too ambiguous to suggest everywhere).
    pub fn new(entries: &[(String, Label)]) -> Lexicon {
        let entries: Vec<&(String, Label)> = entries
            .iter()
            .filter(|(t, _)| t.chars().nth(1).is_some())
            .collect();
        if entries.is_empty() {
            return Lexicon::default();
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(entries.iter().map(|(t, _)| t.as_str()))
            .ok();
        Lexicon {
            ac,
            labels: entries.iter().map(|(_, l)| *l).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Spans of `text` where a confirmed text occurs and does not overlap any of `taken`
    /// (sorted by start): code-point offsets, sorted.
    pub fn find(&self, text: &str, taken: &[Span]) -> Vec<Span> {
        self.find_split(text, taken).0
    }

    /// [`Lexicon::find`], and apart the occurrences that coincide exactly with one of
    /// `taken` under another label (the annotator's label for that text, to prefer over
    /// the model's).
    pub fn find_split(&self, text: &str, taken: &[Span]) -> (Vec<Span>, Vec<Span>) {
        let Some(ac) = &self.ac else {
            return (Vec::new(), Vec::new());
        };
        let (mut free, mut exact) = (Vec::new(), Vec::new());
        // Matches come in order: convert byte offsets to code points as we go.
        let (mut byte, mut cp) = (0usize, 0usize);
        let mut t = 0;
        for m in ac.find_iter(text) {
            cp += text[byte..m.start()].chars().count();
            let start = cp;
            let end = start + text[m.start()..m.end()].chars().count();
            cp = end;
            byte = m.end();
            // A match that cuts a character from its joiner or mark is no span `check`
            // accepts.
            if !(is_boundary(text, m.start()) && is_boundary(text, m.end())) {
                continue;
            }
            while t < taken.len() && taken[t].end <= start {
                t += 1;
            }
            let label = self.labels[m.pattern().as_usize()];
            let mut overlapping = taken[t..]
                .iter()
                .take_while(|s| s.start < end)
                .filter(|s| s.end > start)
                .peekable();
            match overlapping.next() {
                None => free.push(Span::new(start, end, label)),
                Some(s) if s.start == start && s.end == end && s.label != label => {
                    if overlapping.all(|o| o.start == start && o.end == end) {
                        exact.push(Span::new(start, end, label));
                    }
                }
                Some(_) => {}
            }
        }
        (free, exact)
    }

    /// Adds the confirmed texts' occurrences to `analysis` where it found nothing, with
    /// score 1 and source `lexicon`; where the model found exactly a confirmed text under
    /// another label, the confirmed label wins.
    pub fn apply(&self, text: &str, analysis: &mut Analysis) {
        if self.is_empty() {
            return;
        }
        let (found, exact) = self.find_split(text, &analysis.spans);
        analysis.prefer_confirmed(&exact);
        analysis.add_found(found, SuggestionSource::Lexicon);
    }
}

/// Spans of `text` where one of `entries` (text, label) occurs and does not overlap any
/// of `taken` (sorted by start): code-point offsets, sorted.
pub fn occurrences(text: &str, entries: &[(String, Label)], taken: &[Span]) -> Vec<Span> {
    Lexicon::new(entries).find(text, taken)
}

/// What the annotator confirmed in earlier sessions: every annotation file of the folder
/// (and its subfolders), each text once with its most frequent label in the set. Files
/// that cannot be read or do not parse are skipped (the reader and `check` report them);
/// an empty list when the folder does not exist.
pub fn corpus_texts(dir: &Path, labels: &LabelSet) -> Vec<(String, Label)> {
    let mut files: Vec<AnnotationFile> = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "json") => {
                    let Ok(source) = std::fs::read_to_string(&p) else {
                        continue;
                    };
                    if !source.contains("inkmark/1") {
                        continue;
                    }
                    if let Ok(f) = AnnotationFile::parse(&source) {
                        files.push(f);
                    }
                }
                _ => {}
            }
        }
    }
    crate::detect::patterns::Dictionary::build(&files, labels).entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_confirmed_text_where_nothing_else_was_found() {
        let text = "高新区管委会和高新区都在郑州。高新区管委会";
        let entries = vec![
            ("高新区".to_string(), Label::LOC),
            ("高新区管委会".to_string(), Label::ORG),
            ("郑".to_string(), Label::LOC),
        ];
        // The model already found 郑州 and the first 高新区管委会.
        let taken = [Span::new(0, 6, Label::ORG), Span::new(12, 14, Label::LOC)];
        let found = occurrences(text, &entries, &taken);
        assert_eq!(
            found,
            vec![Span::new(7, 10, Label::LOC), Span::new(15, 21, Label::ORG)]
        );
        assert!(occurrences(text, &[], &taken).is_empty());
    }

    #[test]
    fn applied_to_an_analysis_they_fill_only_the_gaps_and_say_lexicon() {
        let text = "李培华说，李培华和高新区";
        let lexicon = Lexicon::new(&[("李培华".to_string(), Label::PER)]);
        let mut a = Analysis {
            spans: vec![Span::new(0, 3, Label::PER), Span::new(9, 12, Label::LOC)],
            scores: vec![0.9, 0.7],
            ..Default::default()
        };
        lexicon.apply(text, &mut a);
        assert_eq!(
            a.spans,
            [
                Span::new(0, 3, Label::PER),
                Span::new(5, 8, Label::PER),
                Span::new(9, 12, Label::LOC)
            ]
        );
        assert_eq!(a.scores, [0.9, 1.0, 0.7]);
        assert_eq!(a.source(1), SuggestionSource::Lexicon);
        assert_eq!(a.source(0), SuggestionSource::Model);
    }

    // qa2 3c: a confirmed text followed by a zero-width joiner was suggested up to the
    // joiner, splitting the cluster.
    #[test]
    fn occurrences_that_split_a_cluster_are_not_suggested() {
        let text = "没有硝烟\u{200D}的战场，没有硝烟。";
        let found = occurrences(text, &[("没有硝烟".to_string(), Label::ORG)], &[]);
        assert_eq!(found, [Span::new(9, 13, Label::ORG)]);
    }

    // qa2 9d: the model's other label for exactly a text the annotator confirmed lost to
    // nothing: the model's label was shown.
    #[test]
    fn a_confirmed_label_beats_the_models_for_the_same_span() {
        let text = "看看风景，看看风景区";
        let lexicon = Lexicon::new(&[("看看风景".to_string(), Label::PER)]);
        let mut a = Analysis {
            // The model: ORG exactly there, and a longer LOC over the second.
            spans: vec![Span::new(0, 4, Label::ORG), Span::new(5, 10, Label::LOC)],
            scores: vec![0.6, 0.7],
            ..Default::default()
        };
        lexicon.apply(text, &mut a);
        assert_eq!(
            a.spans,
            [Span::new(0, 4, Label::PER), Span::new(5, 10, Label::LOC)]
        );
        assert_eq!(a.source(0), SuggestionSource::Lexicon);
        assert_eq!(a.source(1), SuggestionSource::Model);
        assert_eq!(a.scores, [1.0, 0.7]);
    }

    #[test]
    fn the_corpus_texts_are_read_from_every_file_and_broken_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, ents: &[(usize, usize, &str, &str)]| {
            let entities: Vec<String> = ents
                .iter()
                .map(|(s, e, l, t)| {
                    format!(r#"{{"start": {s}, "end": {e}, "label": "{l}", "text": "{t}", "source": "manual"}}"#)
                })
                .collect();
            std::fs::write(
                dir.path().join(name),
                format!(
                    r#"{{"format": "inkmark/1", "article": "{name}.txt", "article_sha256": "x", "annotator": "a", "status": "done", "updated": "2026-12-01T00:00:00Z", "entities": [{}]}}"#,
                    entities.join(", ")
                ),
            )
            .unwrap();
        };
        file(
            "a.json",
            &[(0, 3, "PER", "李培华"), (4, 7, "LOC", "高新区")],
        );
        file(
            "b.json",
            &[(0, 3, "ORG", "高新区"), (5, 8, "LOC", "高新区")],
        );
        std::fs::write(dir.path().join("c.json"), "{ broken").unwrap();
        let texts = corpus_texts(dir.path(), &LabelSet::default());
        assert_eq!(
            texts,
            [
                ("李培华".to_string(), Label::PER),
                ("高新区".to_string(), Label::LOC)
            ]
        );
        assert!(corpus_texts(&dir.path().join("none"), &LabelSet::default()).is_empty());
    }
}
