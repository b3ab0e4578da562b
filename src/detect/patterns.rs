//! Patterns and term lists from the config: exact texts and regexes that pre-label what
//! the team already knows. All exact texts (pattern lines and terms) go into one
//! aho-corasick automaton (leftmost-longest), so 100,000 terms cost one pass over the
//! article; the regexes are found by one `RegexSet` pass, then only those that occur are
//! run. Matches count only where they start and end on grapheme-cluster boundaries.
//! Their suggestions win over the detector's where they overlap ([`merge`]).

use super::{Analysis, SuggestionSource};
use crate::label::{Label, LabelSet, Span};
use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What one pattern matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// This exact text.
    Exact(String),
    /// A regex (Rust `regex` syntax), already checked to compile.
    Regex(String),
}

/// One pattern with its label and where it was defined (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternDef {
    pub label: Label,
    pub matcher: Matcher,
}

/// A loaded, checked set of patterns; empty when the config names none. Shared (in an
/// `Arc`) by the reader's worker and `inkmark detect`. The automaton is built on first use
/// (or [`Patterns::compile`]), so a reader with 100,000 terms does not wait for it before
/// its first frame: the worker builds it.
#[derive(Default)]
pub struct Patterns {
    /// Distinct exact texts with their labels, sorted by text.
    exact: Vec<(String, Label)>,
    /// Regexes (checked to compile) with their labels, in definition order.
    regex_defs: Vec<(String, Label)>,
    /// Short hash of every definition in order: part of the detector version, so that
    /// caches never mix results of two pattern sets.
    id: String,
    /// Some exact text holds a line break (then a long text is not searched in halves).
    exact_spans_lines: bool,
    compiled: OnceLock<Result<Compiled, String>>,
}

/// Texts this long have their exact matches searched in two halves on two threads.
const PARALLEL_BYTES: usize = 1 << 20;

/// The automaton of the exact texts and the regexes, ready to search.
#[derive(Default)]
struct Compiled {
    exact: Option<AhoCorasick>,
    set: Option<RegexSet>,
    regexes: Vec<(Regex, Label)>,
}

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Patterns")
            .field("exact", &self.exact.len())
            .field("regexes", &self.regex_defs.len())
            .field("id", &self.id)
            .finish()
    }
}

/// One line of a patterns file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    label: String,
    pattern: Option<String>,
    regex: Option<String>,
}

/// The definitions in a patterns file (JSONL). The error is one line, `file:line: what`.
pub fn parse_jsonl(
    path: &Path,
    source: &str,
    labels: &LabelSet,
) -> Result<Vec<PatternDef>, String> {
    let mut out = Vec::new();
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    for (i, raw) in source.lines().enumerate() {
        let at = |what: String| format!("{}:{}: {what}", path.display(), i + 1);
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(raw).map_err(|e| at(format!("bad JSON: {e}")))?;
        let label = known_label(&line.label, labels).map_err(at)?;
        let matcher = match (line.pattern, line.regex) {
            (Some(_), Some(_)) => {
                return Err(at("give \"pattern\" or \"regex\", not both".into()));
            }
            (None, None) => {
                return Err(at("no \"pattern\" (exact text) or \"regex\"".into()));
            }
            (Some(p), None) if p.is_empty() => return Err(at("empty pattern".into())),
            (Some(p), None) => Matcher::Exact(p),
            (None, Some(r)) => {
                check_regex(&r).map_err(at)?;
                Matcher::Regex(r)
            }
        };
        out.push(PatternDef { label, matcher });
    }
    Ok(out)
}

/// The terms of a term list: one per line, surrounding spaces trimmed; blank lines and
/// lines starting with `#` skipped.
pub fn parse_terms(source: &str, label: Label) -> Vec<PatternDef> {
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|t| PatternDef {
            label,
            matcher: Matcher::Exact(t.to_string()),
        })
        .collect()
}

/// `name` as a label of `labels`, or why not.
pub fn known_label(name: &str, labels: &LabelSet) -> Result<Label, String> {
    let names = || {
        labels
            .labels()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match Label::new(name) {
        Ok(l) if labels.contains(l) => Ok(l),
        _ => Err(format!(
            "unknown label {:?} (not in the label set: {})",
            crate::text::sanitize_line(name),
            names()
        )),
    }
}

fn check_regex(r: &str) -> Result<(), String> {
    if r.is_empty() {
        return Err("empty regex".into());
    }
    let re = Regex::new(r).map_err(|e| {
        // The regex crate's message spans several lines; keep one.
        let message = e.to_string();
        let one: Vec<&str> = message.lines().map(str::trim).collect();
        format!("bad regex: {}", one.join(" "))
    })?;
    if re.is_match("") {
        return Err(format!("regex {r:?} matches empty text"));
    }
    Ok(())
}

/// Reads the patterns files and term lists (label name, file), checking every line
/// against `labels`. Any problem is one line and nothing is loaded.
pub fn load(
    files: &[PathBuf],
    terms: &[(String, PathBuf)],
    labels: &LabelSet,
) -> Result<Patterns, String> {
    let read = |path: &Path| {
        std::fs::read(path)
            .map_err(|e| {
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    _ => e.to_string(),
                };
                format!("{}: {why}", path.display())
            })
            .and_then(|b| {
                String::from_utf8(b).map_err(|e| {
                    format!(
                        "{}: not valid UTF-8 from byte {}",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    )
                })
            })
    };
    let mut defs = Vec::new();
    for path in files {
        defs.extend(parse_jsonl(path, &read(path)?, labels)?);
    }
    for (name, path) in terms {
        let label = known_label(name, labels).map_err(|e| format!("{}: {e}", path.display()))?;
        defs.extend(parse_terms(&read(path)?, label));
    }
    Patterns::new(defs)
}

impl Patterns {
    /// Checks `defs` (regexes compile) and keeps them for [`Patterns::compile`]. An exact
    /// text given twice keeps its first label.
    pub fn new(defs: Vec<PatternDef>) -> Result<Patterns, String> {
        if defs.is_empty() {
            return Ok(Patterns::default());
        }
        let id = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for d in &defs {
                let (kind, text) = match &d.matcher {
                    Matcher::Exact(t) => (b"e", t),
                    Matcher::Regex(r) => (b"r", r),
                };
                // Lengths first: no two different lists hash the same bytes.
                h.update(kind);
                h.update([d.label.name().len() as u8]);
                h.update(d.label.name());
                h.update((text.len() as u64).to_le_bytes());
                h.update(text);
            }
            h.finalize()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let mut exact: Vec<(String, Label)> = Vec::new();
        let mut regex_defs: Vec<(String, Label)> = Vec::new();
        for d in defs {
            match d.matcher {
                Matcher::Exact(t) => exact.push((t, d.label)),
                Matcher::Regex(r) => {
                    check_regex(&r).map_err(|e| format!("patterns: {e}"))?;
                    regex_defs.push((r, d.label));
                }
            }
        }
        // The first label of a text wins (a stable sort keeps definition order).
        exact.sort_by(|a, b| a.0.cmp(&b.0));
        exact.dedup_by(|a, b| a.0 == b.0);
        Ok(Patterns {
            exact_spans_lines: exact.iter().any(|(t, _)| t.contains(['\n', '\r'])),
            exact,
            regex_defs,
            id,
            compiled: OnceLock::new(),
        })
    }

    /// Builds the automaton and the regexes now (else the first search does); an error
    /// when they cannot be built (then nothing is ever found).
    pub fn compile(&self) -> Result<(), String> {
        self.compiled().map(|_| ())
    }

    fn compiled(&self) -> Result<&Compiled, String> {
        self.compiled
            .get_or_init(|| {
                let exact = if self.exact.is_empty() {
                    None
                } else {
                    Some(
                        AhoCorasick::builder()
                            .match_kind(MatchKind::LeftmostLongest)
                            .build(self.exact.iter().map(|(t, _)| t.as_str()))
                            .map_err(|e| format!("patterns: cannot build the automaton: {e}"))?,
                    )
                };
                let set = if self.regex_defs.is_empty() {
                    None
                } else {
                    Some(
                        RegexSet::new(self.regex_defs.iter().map(|(r, _)| r.as_str()))
                            .map_err(|e| format!("patterns: {e}"))?,
                    )
                };
                let regexes = self
                    .regex_defs
                    .iter()
                    .map(|(r, l)| {
                        Regex::new(r)
                            .map(|re| (re, *l))
                            .map_err(|e| format!("patterns: {e}"))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(Compiled {
                    exact,
                    set,
                    regexes,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Number of distinct exact texts and regexes.
    pub fn len(&self) -> usize {
        self.exact.len() + self.regex_defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The detector version `base` with this set's hash (unchanged when there are no
    /// patterns): the key of cached results and the `detector` of `inkmark detect`.
    pub fn version(&self, base: &str) -> String {
        if self.is_empty() {
            base.to_string()
        } else {
            format!("{base}+p{}", self.id)
        }
    }

    /// The matches in `text`: code-point spans, sorted, never overlapping. Where matches
    /// overlap, the longest wins, then the earlier (exact texts among themselves: the
    /// automaton's leftmost-longest).
    pub fn find(&self, text: &str) -> Vec<Span> {
        let Ok(c) = self.compiled() else {
            return Vec::new();
        };
        let mut found: Vec<Hit> = Vec::new();
        if let Some(ac) = &c.exact {
            // No exact match crosses a line break (unless a text holds one), so the halves
            // of a long text before and after one are searched apart: the same matches.
            let half = text.len() / 2;
            let cut = (text.len() >= PARALLEL_BYTES && !self.exact_spans_lines)
                .then(|| text[half..].find('\n').map(|i| half + i))
                .flatten();
            found = match cut {
                Some(cut) => {
                    let ((mut first, chars), second) = std::thread::scope(|scope| {
                        let second = scope.spawn(|| self.exact_in(ac, text, cut..text.len()));
                        (self.exact_in(ac, text, 0..cut), second.join())
                    });
                    match second {
                        Ok((second, _)) => {
                            first.extend(
                                second
                                    .into_iter()
                                    .map(|(s, e, r, i)| (s + chars, e + chars, r, i)),
                            );
                            first
                        }
                        Err(_) => self.exact_in(ac, text, 0..text.len()).0,
                    }
                }
                None => self.exact_in(ac, text, 0..text.len()).0,
            };
        }
        let mut regex_found: Vec<Hit> = Vec::new();
        if let Some(set) = &c.set {
            for i in set.matches(text).iter() {
                for m in c.regexes[i].0.find_iter(text) {
                    if !m.is_empty() && on_boundary(text, m.start()) && on_boundary(text, m.end()) {
                        regex_found.push((m.start(), m.end(), i as u32 + 1, i as u32));
                    }
                }
            }
        }
        let hits = if regex_found.is_empty() {
            // Exact matches alone come sorted and disjoint.
            found
        } else {
            // Few regex matches, many exact ones (already sorted): sort the few and merge.
            regex_found.sort_unstable();
            let regex_found = to_code_points(text, &regex_found);
            let mut all = Vec::with_capacity(found.len() + regex_found.len());
            let mut r = regex_found.into_iter().peekable();
            for f in found {
                while let Some(x) = r.next_if(|x| *x < f) {
                    all.push(x);
                }
                all.push(f);
            }
            all.extend(r);
            resolve(all)
        };
        hits.into_iter()
            .map(|(s, e, rank, i)| {
                let label = match rank {
                    0 => self.exact[i as usize].1,
                    _ => c.regexes[i as usize].1,
                };
                Span::new(s, e, label)
            })
            .collect()
    }

    /// The exact matches in the bytes `range` of `text` that start and end on grapheme
    /// cluster boundaries of the whole text, in code points from the range's start, and
    /// the number of code points in the range.
    fn exact_in(
        &self,
        ac: &AhoCorasick,
        text: &str,
        range: std::ops::Range<usize>,
    ) -> (Vec<Hit>, usize) {
        let base = range.start;
        let part = &text[range];
        let mut hits = Vec::new();
        // Matches come in order: count code points as they come.
        let (mut byte, mut cp) = (0usize, 0usize);
        for m in ac.find_iter(part) {
            let (s, e) = (m.start(), m.end());
            if !(on_boundary(text, s + base) && on_boundary(text, e + base)) {
                continue;
            }
            cp += part[byte..s].chars().count();
            byte = s;
            hits.push((cp, cp + part[s..e].chars().count(), 0, m.pattern().as_u32()));
        }
        (hits, cp + part[byte..].chars().count())
    }

    /// [`Patterns::find`] in the bytes `range` of `text`, with offsets into the whole
    /// text (the part of a long article the reader shows first).
    pub fn find_part(&self, text: &str, range: std::ops::Range<usize>) -> Vec<Span> {
        let base = text[..range.start].chars().count();
        let mut spans = self.find(&text[range]);
        for s in &mut spans {
            s.start += base;
            s.end += base;
        }
        spans
    }

    /// Adds the matches in `text` to the detector's `analysis` (see [`merge`]).
    pub fn apply(&self, text: &str, analysis: &mut Analysis) {
        if !self.is_empty() {
            merge(analysis, &self.find(text));
        }
    }
}

/// A match: start, end, rank (0 for exact texts, then the regexes in definition order,
/// which decides between matches of the same place) and the index of its exact text or
/// regex. Small, so that 800,000 matches move little memory.
type Hit = (usize, usize, u32, u32);

/// Byte-sorted matches in code points, counting characters as the matches come.
fn to_code_points(text: &str, found: &[Hit]) -> Vec<Hit> {
    let mut out = Vec::with_capacity(found.len());
    let (mut byte, mut cp) = (0usize, 0usize);
    for &(start, end, rank, i) in found {
        cp += text[byte..start].chars().count();
        byte = start;
        out.push((cp, cp + text[start..end].chars().count(), rank, i));
    }
    out
}

/// Keeps a non-overlapping subset of `hits` (sorted by start, then by rank): the longest
/// first, then the earlier, then the better ranked; sorted by start. Only runs of matches
/// that overlap one another need choosing; every other match is kept as it is.
fn resolve(hits: Vec<Hit>) -> Vec<Hit> {
    let mut out = Vec::with_capacity(hits.len());
    let mut i = 0;
    while i < hits.len() {
        let (mut j, mut end) = (i + 1, hits[i].1);
        while j < hits.len() && hits[j].0 < end {
            end = end.max(hits[j].1);
            j += 1;
        }
        if j == i + 1 {
            out.push(hits[i]);
        } else {
            out.extend(longest_first(hits[i..j].to_vec()));
        }
        i = j;
    }
    out
}

/// [`resolve`] of one run of overlapping matches.
fn longest_first(mut hits: Vec<Hit>) -> Vec<Hit> {
    use std::collections::BTreeMap;
    // Stable: equal keys keep their rank order.
    hits.sort_by_key(|&(s, e, _, _)| (std::cmp::Reverse(e - s), s));
    // Kept matches by start; disjoint, so the one starting last before `end` is the only
    // one that can overlap.
    let mut kept: BTreeMap<usize, Hit> = BTreeMap::new();
    for h in hits {
        let clash = kept
            .range(..h.1)
            .next_back()
            .is_some_and(|(_, k)| k.1 > h.0);
        if !clash {
            kept.insert(h.0, h);
        }
    }
    kept.into_values().collect()
}

/// Whether byte `at` of `text` is a grapheme-cluster boundary (a match there does not cut
/// a character from its combining marks or an emoji sequence apart).
fn on_boundary(text: &str, at: usize) -> bool {
    crate::text::clusters::is_boundary(text, at)
}

/// Pattern matches (`found`: sorted, disjoint) into the detector's `analysis`: the
/// detector's spans that overlap one are dropped, the matches added with score 1 and
/// source `pattern`.
pub fn merge(analysis: &mut Analysis, found: &[Span]) {
    if found.is_empty() {
        return;
    }
    let mut j = 0;
    let keep: Vec<bool> = analysis
        .spans
        .iter()
        .map(|s| {
            // `found` is sorted and disjoint, so its ends ascend: the first one ending after
            // `s` starts is the only one that can overlap it.
            while j < found.len() && found[j].end <= s.start {
                j += 1;
            }
            !(j < found.len() && found[j].start < s.end)
        })
        .collect();
    analysis.retain_mask(&keep);
    analysis.add_found(found.to_vec(), SuggestionSource::Pattern);
}

/// `inkmark patterns --from`: the confirmed texts of a folder of annotation files.
#[derive(Debug, Default, PartialEq)]
pub struct Dictionary {
    /// Each distinct text once with its label, sorted by text.
    pub entries: Vec<(String, Label)>,
    /// Texts confirmed under two or more labels: each label with its count, most frequent
    /// first (the first is the one kept).
    pub ambiguous: Vec<(String, Vec<(Label, usize)>)>,
    /// Confirmed texts left out because their label is not in the set, by label.
    pub unknown_labels: Vec<(Label, usize)>,
    /// Distinct one-character texts left out (too ambiguous to pre-label everywhere, as
    /// for the confirmed-text suggestions).
    pub single_characters: usize,
    /// Annotation files read.
    pub files: usize,
}

impl Dictionary {
    /// Counts the confirmed spans of `files`; a text confirmed under several labels gets
    /// the most frequent (a tie: the label that comes first in `labels`).
    pub fn build<'a>(
        files: impl IntoIterator<Item = &'a crate::annotation::AnnotationFile>,
        labels: &LabelSet,
    ) -> Dictionary {
        use std::collections::BTreeMap;
        let mut counts: BTreeMap<&str, BTreeMap<Label, usize>> = BTreeMap::new();
        let mut unknown: BTreeMap<Label, usize> = BTreeMap::new();
        let mut d = Dictionary::default();
        for f in files {
            d.files += 1;
            for e in &f.entities {
                if !labels.contains(e.label) {
                    *unknown.entry(e.label).or_default() += 1;
                } else if !e.text.is_empty() {
                    *counts
                        .entry(&e.text)
                        .or_default()
                        .entry(e.label)
                        .or_default() += 1;
                }
            }
        }
        for (text, by_label) in counts {
            if text.chars().nth(1).is_none() {
                d.single_characters += 1;
                continue;
            }
            let mut v: Vec<(Label, usize)> = by_label.into_iter().collect();
            v.sort_by_key(|&(l, n)| (std::cmp::Reverse(n), labels.index_of(l)));
            d.entries.push((text.to_string(), v[0].0));
            if v.len() > 1 {
                d.ambiguous.push((text.to_string(), v));
            }
        }
        d.unknown_labels = unknown.into_iter().collect();
        d
    }

    /// The patterns file: one `{"label": ..., "pattern": ...}` per line.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for (text, label) in &self.entries {
            let line = serde_json::json!({"label": label.name(), "pattern": text});
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }
}

/// The annotation files (`*.json` with `"format": "inkmark/1"`) under `dir`, searched
/// recursively, hidden entries skipped; other JSON files (an assignment plan) are left
/// alone. An annotation file that does not parse stops with `file: line, column: what`.
pub fn read_annotation_files(dir: &Path) -> Result<Vec<crate::annotation::AnnotationFile>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let err = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
    while let Some(d) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(|e| err(&d, &e))?
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let source = std::fs::read_to_string(&p).map_err(|e| err(&p, &e))?;
                if !source.contains("inkmark/1") {
                    continue;
                }
                let file =
                    crate::annotation::AnnotationFile::parse(&source).map_err(|e| err(&p, &e))?;
                out.push(file);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disease() -> Label {
        Label::new("DISEASE").unwrap()
    }

    fn labels() -> LabelSet {
        let mut defs = LabelSet::default().defs().to_vec();
        defs.push(crate::label::LabelDef {
            label: disease(),
            key: Some('6'),
            color: None,
            description: String::new(),
        });
        LabelSet::new(defs)
    }

    fn exact(t: &str, l: Label) -> PatternDef {
        PatternDef {
            label: l,
            matcher: Matcher::Exact(t.into()),
        }
    }

    fn regex(r: &str, l: Label) -> PatternDef {
        PatternDef {
            label: l,
            matcher: Matcher::Regex(r.into()),
        }
    }

    #[test]
    fn exact_texts_and_terms_in_code_points() {
        let p = Patterns::new(vec![
            exact("新冠肺炎", disease()),
            exact("肺炎", disease()),
            exact("武汉", Label::LOC),
        ])
        .unwrap();
        let text = "武汉报告新冠肺炎，肺炎病例增加。";
        assert_eq!(
            p.find(text),
            [
                Span::new(0, 2, Label::LOC),
                Span::new(4, 8, disease()),
                Span::new(9, 11, disease()),
            ]
        );
        let terms = parse_terms("# diseases\n\n  流感 \r\n登革热\n", disease());
        assert_eq!(
            terms,
            [exact("流感", disease()), exact("登革热", disease())]
        );
        let p = Patterns::new(terms).unwrap();
        assert_eq!(
            p.find("甲型流感与登革热"),
            [Span::new(2, 4, disease()), Span::new(5, 8, disease())]
        );
        assert!(Patterns::default().find(text).is_empty());
    }

    #[test]
    fn regexes_find_their_matches_and_overlaps_go_to_the_longest_then_the_earlier() {
        let p = Patterns::new(vec![
            regex(r"\d+例", Label::QTY),
            regex(r"新增\d+", Label::QTY),
            exact("武汉", Label::LOC),
            regex("武汉市?", Label::ORG),
        ])
        .unwrap();
        let text = "武汉市新增12例，武汉新增3例";
        // 武汉市 (regex, 3) beats 武汉 (exact, 2); 新增12 and 12例 overlap: the longer
        // wins; 新增3 and 3例 overlap with equal length: the earlier wins. 武汉 matched
        // by both an exact text and a regex keeps the exact one's label.
        let found = p.find(text);
        assert_eq!(
            found,
            [
                Span::new(0, 3, Label::ORG),
                Span::new(3, 7, Label::QTY),
                Span::new(9, 11, Label::LOC),
                Span::new(11, 14, Label::QTY),
            ],
            "{found:?}"
        );
    }

    #[test]
    fn a_long_regex_match_wins_over_the_run_of_exact_texts_it_covers() {
        let p = Patterns::new(vec![
            exact("甲乙", Label::PER),
            exact("丙丁", Label::PER),
            exact("戊己", Label::PER),
            exact("庚辛", Label::LOC),
            regex("乙丙丁戊", Label::ORG),
        ])
        .unwrap();
        assert_eq!(
            p.find("甲乙丙丁戊己，庚辛甲乙"),
            [
                Span::new(1, 5, Label::ORG),
                Span::new(7, 9, Label::LOC),
                Span::new(9, 11, Label::PER),
            ]
        );
    }

    #[test]
    fn matches_keep_to_grapheme_cluster_boundaries() {
        // "e" + combining acute: a pattern "e" must not cut it; "é" (two code points)
        // matches whole.
        let p = Patterns::new(vec![exact("e", Label::PER), regex("👍", Label::QTY)]).unwrap();
        let text = "e\u{301} e 👍🏽 👍";
        let found = p.find(text);
        // Code points: e(0) ◌́(1) ' '(2) e(3) ' '(4) 👍(5) 🏽(6) ' '(7) 👍(8)
        assert_eq!(
            found,
            [Span::new(3, 4, Label::PER), Span::new(8, 9, Label::QTY)],
            "{found:?}"
        );
        let whole = Patterns::new(vec![exact("e\u{301}", Label::PER)]).unwrap();
        assert_eq!(whole.find(text), [Span::new(0, 2, Label::PER)]);
    }

    #[test]
    fn pattern_matches_win_over_the_detector_where_they_overlap() {
        let mut a = Analysis {
            spans: vec![
                Span::new(0, 2, Label::LOC),
                Span::new(3, 5, Label::PER),
                Span::new(10, 12, Label::ORG),
            ],
            scores: vec![0.9, 0.8, 0.7],
            ..Analysis::default()
        };
        merge(
            &mut a,
            &[Span::new(4, 8, disease()), Span::new(12, 14, Label::QTY)],
        );
        assert_eq!(
            a.spans,
            [
                Span::new(0, 2, Label::LOC),
                Span::new(4, 8, disease()),
                Span::new(10, 12, Label::ORG),
                Span::new(12, 14, Label::QTY),
            ]
        );
        assert_eq!(a.scores, [0.9, 1.0, 0.7, 1.0]);
        use SuggestionSource::{Model, Pattern};
        assert_eq!(a.sources, [Model, Pattern, Model, Pattern]);
        assert_eq!(a.source(1), Pattern);
    }

    #[test]
    fn a_long_text_searched_in_halves_finds_what_one_pass_finds() {
        let p = Patterns::new(vec![
            exact("肺炎", disease()),
            exact("新冠肺炎病例", disease()),
        ])
        .unwrap();
        let para = "新冠肺炎病例与肺炎。\n";
        let text = para.repeat(PARALLEL_BYTES / para.len() + 10);
        let found = p.find(&text);
        let n = para.chars().count();
        assert_eq!(found.len(), 2 * (text.len() / para.len()));
        for (i, s) in found.iter().enumerate() {
            let (start, len) = if i % 2 == 0 { (0, 6) } else { (7, 2) };
            assert_eq!((s.start, s.len()), ((i / 2) * n + start, len), "{i}");
        }
        // A text holding a line break is searched in one pass.
        let q = Patterns::new(vec![exact("。\n新", disease())]).unwrap();
        assert_eq!(q.find(&text).len(), text.len() / para.len() - 1);
    }

    #[test]
    fn detector_labels_rename_the_models_suggestions_and_leave_the_patterns_alone() {
        let gpe = Label::new("GPE").unwrap();
        let mut defs = labels().defs().to_vec();
        defs.push(crate::label::LabelDef {
            label: gpe,
            key: None,
            color: None,
            description: String::new(),
        });
        let set = LabelSet::new(defs)
            .with_detector_map(vec![(Label::LOC, Some(gpe)), (Label::TIME, None)]);
        let mut a = Analysis {
            spans: vec![Span::new(0, 2, Label::LOC), Span::new(2, 4, Label::TIME)],
            scores: vec![0.9, 0.8],
            ..Analysis::default()
        };
        merge(&mut a, &[Span::new(5, 7, Label::LOC)]);
        a.follow_labels(&set);
        assert_eq!(a.spans, [Span::new(0, 2, gpe), Span::new(5, 7, Label::LOC)]);
        assert_eq!(a.scores, [0.9, 1.0]);
        use SuggestionSource::{Model, Pattern};
        assert_eq!(a.sources, [Model, Pattern]);
    }

    #[test]
    fn the_reader_part_has_the_whole_texts_offsets() {
        let p = Patterns::new(vec![exact("肺炎", disease())]).unwrap();
        let text = "第一段肺炎。\n第二段肺炎。\n";
        let second = text.find("第二").unwrap();
        assert_eq!(
            p.find_part(text, second..text.len()),
            [Span::new(10, 12, disease())]
        );
        assert_eq!(p.find(text)[1], Span::new(10, 12, disease()));
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let path = Path::new("p.jsonl");
        let set = labels();
        let ok = "{\"label\": \"DISEASE\", \"pattern\": \"新冠肺炎\"}\n\n{\"label\": \"QTY\", \"regex\": \"\\\\d+例\"}\n";
        let defs = parse_jsonl(path, ok, &set).unwrap();
        assert_eq!(
            defs,
            [exact("新冠肺炎", disease()), regex(r"\d+例", Label::QTY)]
        );
        let cases = [
            ("{\"label\": \"PER\"", "p.jsonl:1: bad JSON"),
            (
                "\n{\"label\": \"FOO\", \"pattern\": \"x\"}",
                "p.jsonl:2: unknown label \"FOO\"",
            ),
            (
                "{\"label\": \"QTY\", \"regex\": \"(\\\\d\"}",
                "p.jsonl:1: bad regex",
            ),
            (
                "{\"label\": \"QTY\", \"regex\": \"\\\\d*\"}",
                "p.jsonl:1: regex",
            ),
            (
                "{\"label\": \"PER\", \"pattern\": \"\"}",
                "p.jsonl:1: empty pattern",
            ),
            ("{\"label\": \"PER\"}", "p.jsonl:1: no \"pattern\""),
            (
                "{\"label\": \"PER\", \"pattern\": \"a\", \"regex\": \"b\"}",
                "p.jsonl:1: give",
            ),
            (
                "{\"label\": \"PER\", \"text\": \"a\"}",
                "p.jsonl:1: bad JSON",
            ),
        ];
        for (source, want) in cases {
            let e = parse_jsonl(path, source, &set).unwrap_err();
            assert!(e.starts_with(want), "{source}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn load_reads_files_and_term_lists_or_loads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("p.jsonl");
        let terms = dir.path().join("diseases.txt");
        std::fs::write(&jsonl, "{\"label\": \"QTY\", \"regex\": \"\\\\d+例\"}\n").unwrap();
        std::fs::write(&terms, "新冠肺炎\n# comment\n").unwrap();
        let set = labels();
        let p = load(
            std::slice::from_ref(&jsonl),
            &[("DISEASE".into(), terms.clone())],
            &set,
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p.find("新冠肺炎12例"),
            [Span::new(0, 4, disease()), Span::new(4, 7, Label::QTY)]
        );
        // The version names the set; another set, another version.
        let v = p.version("inkmark-detect-5+rules");
        assert!(v.starts_with("inkmark-detect-5+rules+p"), "{v}");
        let other = Patterns::new(vec![exact("新冠肺炎", Label::PER)]).unwrap();
        assert_ne!(other.version("x"), p.version("x"));
        assert_eq!(Patterns::default().version("x"), "x");
        // A missing file or a label not in the set: an error, nothing loaded.
        let missing = dir.path().join("nope.jsonl");
        let e = load(&[jsonl.clone(), missing], &[], &set).unwrap_err();
        assert!(e.ends_with("nope.jsonl: no such file"), "{e}");
        let e = load(&[], &[("SYMPTOM".into(), terms)], &set).unwrap_err();
        assert!(e.contains("diseases.txt: unknown label \"SYMPTOM\""), "{e}");
    }

    #[test]
    fn the_dictionary_keeps_each_text_once_with_its_most_frequent_label() {
        use crate::annotation::{AnnotationFile, Entity, Source};
        let file = |ents: &[(&str, Label)]| {
            let mut f = AnnotationFile::new("a.txt", "00", "t");
            f.entities = ents
                .iter()
                .enumerate()
                .map(|(i, (t, l))| Entity {
                    start: i * 10,
                    end: i * 10 + t.chars().count(),
                    label: *l,
                    text: t.to_string(),
                    source: Source::Manual,
                    by: Vec::new(),
                })
                .collect();
            f
        };
        let other = Label::new("OTHER").unwrap();
        let files = [
            file(&[
                ("武汉", Label::LOC),
                ("武汉", Label::ORG),
                ("钟南山", Label::PER),
            ]),
            file(&[("武汉", Label::LOC), ("京", Label::LOC), ("x病", other)]),
            file(&[("新华社", Label::ORG), ("新华社", Label::LOC)]),
        ];
        let d = Dictionary::build(&files, &labels());
        assert_eq!(
            d.entries,
            [
                ("新华社".to_string(), Label::LOC),
                ("武汉".to_string(), Label::LOC),
                ("钟南山".to_string(), Label::PER),
            ]
        );
        // 新华社: one each, so the label first in the set (LOC before ORG).
        assert_eq!(
            d.ambiguous,
            [
                ("新华社".to_string(), vec![(Label::LOC, 1), (Label::ORG, 1)]),
                ("武汉".to_string(), vec![(Label::LOC, 2), (Label::ORG, 1)]),
            ]
        );
        assert_eq!(d.unknown_labels, [(other, 1)]);
        assert_eq!((d.single_characters, d.files), (1, 3));
        let jsonl = d.to_jsonl();
        assert_eq!(
            jsonl.lines().next(),
            Some(r#"{"label":"LOC","pattern":"新华社"}"#)
        );
        // What it writes loads back as the same patterns.
        let defs = parse_jsonl(Path::new("x"), &jsonl, &labels()).unwrap();
        assert_eq!(defs.len(), 3);
        assert_eq!(defs[2], exact("钟南山", Label::PER));
    }
}
