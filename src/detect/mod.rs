//! Entity detection: jieba-rs part-of-speech tags plus rules for news text.
//! No terminal here; the TUI runs it on a worker thread, `inkmark detect` in scripts.

pub mod cache;
pub mod confirmed;
mod lexicon;
mod numbers;
pub mod patterns;
mod resolve;
mod rules;
pub mod tagger;
mod words;

use crate::label::{Label, Span};
use jieba_rs::Jieba;

pub use resolve::resolve_overlaps;
pub use words::WordStarts;

/// Changes whenever the rules change, so cached results are recomputed.
pub const DETECTOR_VERSION: &str = "inkmark-detect-5";

/// One jieba token of a paragraph, with code-point offsets relative to the paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    pub word: &'a str,
    /// jieba's part-of-speech tag, as jieba spells it.
    pub tag: &'a str,
    pub pos: Pos,
    /// Which word lists the word is on ([`lexicon::flag`]).
    pub lex: u16,
    /// First and last characters, decoded once.
    pub first: char,
    pub last: char,
    pub start: usize,
    pub end: usize,
}

/// jieba's part-of-speech tags that the rules look at (compared once, not per rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    Nr,
    Nrfg,
    Nrt,
    Ns,
    Nt,
    Nz,
    N,
    Vn,
    V,
    J,
    Eng,
    M,
    T,
    Q,
    P,
    C,
    D,
    R,
    Uj,
    Ul,
    X,
    F,
    Ad,
    A,
    Other,
}

impl Token<'_> {
    /// True when the word is on the list `flag`.
    pub fn is(&self, flag: u16) -> bool {
        self.lex & flag != 0
    }
}

impl Pos {
    pub fn of(tag: &str) -> Pos {
        match tag {
            "nr" => Pos::Nr,
            "nrfg" => Pos::Nrfg,
            "nrt" => Pos::Nrt,
            "ns" => Pos::Ns,
            "nt" => Pos::Nt,
            "nz" => Pos::Nz,
            "n" => Pos::N,
            "vn" => Pos::Vn,
            "v" => Pos::V,
            "j" => Pos::J,
            "eng" => Pos::Eng,
            "m" => Pos::M,
            "t" => Pos::T,
            "q" => Pos::Q,
            "p" => Pos::P,
            "c" => Pos::C,
            "d" => Pos::D,
            "r" => Pos::R,
            "uj" => Pos::Uj,
            "ul" => Pos::Ul,
            "x" => Pos::X,
            "f" => Pos::F,
            "ad" => Pos::Ad,
            "a" => Pos::A,
            _ => Pos::Other,
        }
    }
}

/// What the reader needs from one pass of jieba over an article.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub spans: Vec<Span>,
    /// Code-point offsets where jieba's words start.
    #[serde(default)]
    pub words: WordStarts,
    /// How sure the detector is of each span (same order as `spans`): the tagger's
    /// probability that the span is exactly this entity; 1 for the rules' dates and numbers.
    #[serde(default)]
    pub scores: Vec<f32>,
    /// Where each span comes from (same order as `spans`); empty when all come from the
    /// model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SuggestionSource>,
}

/// Who suggests a span (design.md "Labels"): the model (base tagger, rules or corpus
/// model), the config's patterns and term lists, or the texts the user confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionSource {
    Model,
    Pattern,
    Lexicon,
}

impl SuggestionSource {
    pub fn name(self) -> &'static str {
        match self {
            SuggestionSource::Model => "model",
            SuggestionSource::Pattern => "pattern",
            SuggestionSource::Lexicon => "lexicon",
        }
    }
}

// Scores are probabilities, never NaN, so equality is an equivalence.
impl Eq for Analysis {}

impl Analysis {
    /// The score of span `i` (1 when none was recorded).
    pub fn score(&self, i: usize) -> f32 {
        self.scores.get(i).copied().unwrap_or(1.0)
    }

    /// Where span `i` comes from (the model when nothing was recorded).
    pub fn source(&self, i: usize) -> SuggestionSource {
        self.sources
            .get(i)
            .copied()
            .unwrap_or(SuggestionSource::Model)
    }

    /// The suggestions in the corpus's labels: the model's renamed by `detector_labels`,
    /// dropped when the set lacks their label ([`LabelSet::suggested`]; `scores` and
    /// `sources` kept aligned). Patterns and confirmed texts already name the set's labels.
    pub fn follow_labels(&mut self, set: &crate::label::LabelSet) {
        if self.sources.is_empty() {
            let (spans, scores) = follow_labels(
                std::mem::take(&mut self.spans),
                std::mem::take(&mut self.scores),
                set,
            );
            self.spans = spans;
            self.scores = scores;
            return;
        }
        let scored = self.scores.len() == self.spans.len();
        let (mut spans, mut scores, mut sources) = (Vec::new(), Vec::new(), Vec::new());
        for (i, s) in self.spans.iter().enumerate() {
            let source = self.source(i);
            let label = match source {
                SuggestionSource::Model => set.suggested(s.label),
                _ => Some(s.label),
            };
            if let Some(label) = label {
                spans.push(Span { label, ..*s });
                if scored {
                    scores.push(self.scores[i]);
                }
                sources.push(source);
            }
        }
        (self.spans, self.scores, self.sources) = (spans, scores, sources);
    }

    /// Drops the spans scored under `min` (keeps `scores` and `sources` aligned).
    pub fn retain_min_score(&mut self, min: f32) {
        if min > 0.0 {
            self.retain_scored(|s| s >= min);
        }
    }

    /// Adds `found` (spans that overlap none of this analysis's) with score 1 and `source`,
    /// keeping everything sorted by span.
    pub fn add_found(&mut self, found: Vec<Span>, source: SuggestionSource) {
        if found.is_empty() {
            return;
        }
        let mut merged: Vec<(Span, f32, SuggestionSource)> = self
            .spans
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, self.score(i), self.source(i)))
            .chain(found.into_iter().map(|s| (s, 1.0, source)))
            .collect();
        merged.sort_by_key(|(s, _, _)| *s);
        self.spans = merged.iter().map(|(s, _, _)| *s).collect();
        self.scores = merged.iter().map(|(_, p, _)| *p).collect();
        self.sources = merged.into_iter().map(|(_, _, o)| o).collect();
    }

    /// Gives the model's spans that coincide exactly with one of `confirmed` (sorted) that
    /// span's label, score 1 and source `lexicon`: what the annotator confirmed for a text
    /// beats the model's other label for it.
    pub fn prefer_confirmed(&mut self, confirmed: &[Span]) {
        if confirmed.is_empty() {
            return;
        }
        for c in confirmed {
            let from = self.spans.partition_point(|s| s.start < c.start);
            let Some(i) = (from..self.spans.len())
                .take_while(|&i| self.spans[i].start == c.start)
                .find(|&i| self.spans[i].end == c.end && self.source(i) == SuggestionSource::Model)
            else {
                continue;
            };
            if self.sources.len() != self.spans.len() {
                self.sources = vec![SuggestionSource::Model; self.spans.len()];
            }
            self.spans[i].label = c.label;
            self.sources[i] = SuggestionSource::Lexicon;
            if let Some(p) = self.scores.get_mut(i) {
                *p = 1.0;
            }
        }
    }

    /// Keeps the spans whose score passes `keep` (`scores` and `sources` stay aligned;
    /// nothing is dropped when there are no scores).
    pub fn retain_scored(&mut self, keep: impl Fn(f32) -> bool) {
        if self.scores.len() != self.spans.len() {
            return;
        }
        let keep: Vec<bool> = self.scores.iter().map(|&s| keep(s)).collect();
        self.retain_mask(&keep);
    }

    /// Keeps span `i` (with its score and source) where `keep[i]`.
    pub fn retain_mask(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.spans.retain(|_| *k.next().unwrap_or(&true));
        if self.scores.len() == keep.len() {
            let mut k = keep.iter();
            self.scores.retain(|_| *k.next().unwrap_or(&true));
        }
        if self.sources.len() == keep.len() {
            let mut k = keep.iter();
            self.sources.retain(|_| *k.next().unwrap_or(&true));
        }
    }
}

/// The detector's spans (and scores, if any) in the labels of `set`: what every command
/// and the reader suggest.
pub fn follow_labels(
    spans: Vec<Span>,
    scores: Vec<f32>,
    set: &crate::label::LabelSet,
) -> (Vec<Span>, Vec<f32>) {
    let scored = scores.len() == spans.len();
    let mut scores = scores.into_iter();
    let mut out_spans = Vec::with_capacity(spans.len());
    let mut out_scores = Vec::new();
    for s in spans {
        let score = scores.next();
        if let Some(label) = set.suggested(s.label) {
            out_spans.push(Span { label, ..s });
            if let (true, Some(p)) = (scored, score) {
                out_scores.push(p);
            }
        }
    }
    (out_spans, out_scores)
}

/// The words, part-of-speech tags and rule candidates of one paragraph piece.
struct Piece<'a> {
    chars: Vec<char>,
    tokens: Vec<Token<'a>>,
    /// The rules' entities, resolved so that they never overlap.
    rules: Vec<Span>,
}

pub struct Detector {
    jieba: Jieba,
    /// The trained tagger; `None` detects with the rules alone.
    tagger: Option<tagger::Tagger>,
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

impl Detector {
    /// Loads jieba's dictionary (about 0.1-0.2 s) and the base model: do it off the UI
    /// thread.
    pub fn new() -> Detector {
        Detector {
            jieba: Jieba::new(),
            tagger: tagger::Tagger::base().ok(),
        }
    }

    /// Rules only, without the trained tagger (the previous detector, for comparison).
    pub fn rules_only() -> Detector {
        Detector {
            jieba: Jieba::new(),
            tagger: None,
        }
    }

    /// Uses `tagger` instead of the base model (a corpus model from `inkmark train`).
    pub fn with_tagger(mut self, tagger: Option<tagger::Tagger>) -> Detector {
        self.tagger = tagger;
        self
    }

    /// Swaps the model (the reader does when `inkmark train` wrote a new one).
    pub fn set_tagger(&mut self, tagger: Option<tagger::Tagger>) {
        self.tagger = tagger;
    }

    pub fn tagger(&self) -> Option<&tagger::Tagger> {
        self.tagger.as_ref()
    }

    /// Names the detector and its model, for caches and exported predictions: results of
    /// different models are never mixed up.
    pub fn version(&self) -> String {
        version_of(self.tagger.as_ref())
    }

    /// The entities of `text`: code-point spans, sorted, never overlapping.
    pub fn detect(&self, text: &str) -> Vec<Span> {
        self.analyse_split(text, false).spans
    }

    /// [`Detector::detect`] with each span's score.
    pub fn detect_scored(&self, text: &str) -> (Vec<Span>, Vec<f32>) {
        let a = self.analyse_split(text, false);
        (a.spans, a.scores)
    }

    /// Entities and jieba's word boundaries (the code-point start of every word, for
    /// moving the cursor by words).
    pub fn analyse(&self, text: &str) -> Analysis {
        self.analyse_split(text, true)
    }

    /// A long text (with the tagger, which costs most) is analysed in two halves, cut at a
    /// paragraph end, on two threads; then the sure names are spread over the whole, as one
    /// pass would. Paragraphs are analysed independently, so the result is the same.
    fn analyse_split(&self, text: &str, with_words: bool) -> Analysis {
        // `spread`: spread the names over this part (the halves of a split leave it to
        // the pass over the whole).
        let part = |range: std::ops::Range<usize>, spread: bool| {
            let base = text[..range.start].chars().count();
            let mut words = WordStarts::default();
            let (spans, scores) =
                self.analyse_into(&text[range], base, with_words.then_some(&mut words), spread);
            Analysis {
                spans,
                words,
                scores,
                sources: Vec::new(),
            }
        };
        if text.len() < PARALLEL_BYTES || self.tagger.is_none() {
            return part(0..text.len(), true);
        }
        let cut = crate::text::bounds::break_after(text, text.len() / 2, 64 * 1024);
        if cut == 0 || cut >= text.len() {
            return part(0..text.len(), true);
        }
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| part(cut..text.len(), false));
            let first = part(0..cut, false);
            (first, second.join())
        });
        let Ok(second) = second else {
            return part(0..text.len(), true);
        };
        let mut words = first.words;
        words.union(&second.words);
        let mut out: Vec<(Span, f32)> = first
            .spans
            .into_iter()
            .zip(first.scores)
            .chain(second.spans.into_iter().zip(second.scores))
            .collect();
        propagate(text, 0, &mut out);
        keep_whole_clusters(text, 0, &mut out);
        let (spans, scores) = out.into_iter().unzip();
        Analysis {
            spans,
            words,
            scores,
            sources: Vec::new(),
        }
    }

    /// [`Detector::analyse`] of the paragraphs in `bytes` (which should start and end at
    /// paragraph boundaries), with offsets into the whole `text`: what the reader shows
    /// first of a long article, around where reading starts.
    pub fn analyse_part(&self, text: &str, bytes: std::ops::Range<usize>) -> Analysis {
        let base = text[..bytes.start].chars().count();
        let mut words = WordStarts::default();
        let (spans, scores) = self.analyse_into(&text[bytes], base, Some(&mut words), true);
        Analysis {
            spans,
            words,
            scores,
            sources: Vec::new(),
        }
    }

    /// jieba's words and the rules' candidates of one piece of a paragraph.
    fn piece<'a>(&'a self, para: &'a str) -> Piece<'a> {
        let chars: Vec<char> = para.chars().collect();
        let tags = self.jieba.tag(para, true);
        let tokens: Vec<Token> = tags
            .iter()
            .map(|t| {
                let pos = Pos::of(t.tag);
                // Function words and punctuation are on no list: skip the lookup.
                let function_word = matches!(
                    pos,
                    Pos::X
                        | Pos::Uj
                        | Pos::Ul
                        | Pos::P
                        | Pos::C
                        | Pos::D
                        | Pos::R
                        | Pos::M
                        | Pos::Q
                        | Pos::F
                        | Pos::Ad
                );
                Token {
                    word: t.word,
                    tag: t.tag,
                    pos,
                    lex: if function_word {
                        0
                    } else {
                        lexicon::flags_fast(t.word)
                    },
                    first: t.word.chars().next().unwrap_or(' '),
                    last: t.word.chars().next_back().unwrap_or(' '),
                    start: t.start,
                    end: t.end,
                }
            })
            .collect();
        let is_word = |w: &str| self.jieba.has_word(w);
        let mut rules = rules::candidates(&tokens, &chars, &is_word);
        resolve_overlaps(&mut rules);
        Piece {
            chars,
            tokens,
            rules,
        }
    }

    /// Entities of `text` with their scores, whose first code point is code point `base`
    /// of the article; `spread` spreads names over it ([`propagate`]).
    fn analyse_into(
        &self,
        text: &str,
        mut base: usize,
        mut words: Option<&mut WordStarts>,
        spread: bool,
    ) -> (Vec<Span>, Vec<f32>) {
        let mut out: Vec<(Span, f32)> = Vec::new();
        let mut scratch = tagger::Scratch::default();
        let first = base;
        for para in text.split_inclusive('\n').flat_map(pieces) {
            let n = para.chars().count();
            if para.trim().is_empty() {
                base += n;
                continue;
            }
            let piece = self.piece(para);
            if let Some(words) = words.as_deref_mut() {
                for t in &piece.tokens {
                    words.insert(t.start + base);
                }
            }
            let found: Vec<(Span, f32)> = match &self.tagger {
                Some(tagger) => {
                    let mut found =
                        tagger.tag(&piece.chars, &piece.tokens, &piece.rules, &mut scratch);
                    mend_cut_names(
                        &mut found,
                        &rules::names_after_compound_titles(&piece.tokens),
                    );
                    trim_punctuation(&piece.chars, &mut found);
                    found
                }
                None => piece.rules.iter().map(|&s| (s, 1.0)).collect(),
            };
            out.extend(
                found
                    .into_iter()
                    .map(|(s, p)| (Span::new(s.start + base, s.end + base, s.label), p)),
            );
            base += n;
        }
        if self.tagger.is_some() && spread {
            propagate(text, first, &mut out);
        }
        // Last: propagation may lengthen a part into a whole name.
        keep_whole_clusters(text, first, &mut out);
        out.into_iter().unzip()
    }

    /// A training example for the tagger from a sentence and its entities (label indices
    /// into the model's labels): the same words, rules and features as detection uses.
    pub fn example(&self, sentence: &str, spans: &[(usize, usize, usize)]) -> tagger::Example {
        let piece = self.piece(sentence);
        let mut feats = Vec::new();
        tagger::features::extract(&piece.chars, &piece.tokens, &piece.rules, &mut feats);
        tagger::Example::new(feats, piece.chars.len(), spans)
    }

    /// Splits an article into the pieces detection tags one at a time, with the code-point
    /// offset of each: what training on annotated articles sees.
    pub fn sentences(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut base = 0;
        for para in text.split_inclusive('\n').flat_map(pieces) {
            let n = para.chars().count();
            if !para.trim().is_empty() {
                out.push((base, para));
            }
            base += n;
        }
        out
    }

    /// Plain jieba tagging of the same text, the reference for speed and quality.
    pub fn baseline(&self, text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        let mut base = 0;
        for para in text.split_inclusive('\n').flat_map(pieces) {
            for t in self.jieba.tag(para, true) {
                if let Some(label) = rules::label_of_tag(t.tag) {
                    out.push(Span::new(t.start + base, t.end + base, label));
                }
            }
            base += para.chars().count();
        }
        // The same rule as the detector's: no span inside a grapheme cluster.
        let mut scored: Vec<(Span, f32)> = out.into_iter().map(|s| (s, 1.0)).collect();
        keep_whole_clusters(text, 0, &mut scored);
        scored.into_iter().map(|(s, _)| s).collect()
    }
    /// jieba's own tagging, for benchmarks that compare against it.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }
}

/// Drops the spans of `out` (spans of `text` offset by `base`) that start or end inside a
/// grapheme cluster (a character and its joiner or combining mark): `check` rejects such a
/// span, so it must never be suggested. The tagger works on code points and may cut one.
fn keep_whole_clusters(text: &str, base: usize, out: &mut Vec<(Span, f32)>) {
    if out.is_empty() || crate::text::clusters::all_solo(text) {
        return;
    }
    let slicer = CharSlicer::new(text);
    out.retain(|(s, _)| slicer.on_clusters(s.start - base, s.end - base));
}

/// Articles this long are analysed in two halves on two threads.
const PARALLEL_BYTES: usize = 512 * 1024;

/// A name or place the tagger is this sure of is suggested at its other mentions in the
/// article too.
const PROPAGATE_MIN: f32 = 0.8;

/// One article, one reading: the tagger sees a sentence at a time, so it may find 钱永刚
/// in "书记钱永刚" and miss him in "钱永刚说". Names and places of two or more characters it
/// found with a score of at least [`PROPAGATE_MIN`] are suggested wherever else they occur
/// and nothing else was found (the longest first), scored a tenth lower than the mention
/// they come from. Organisations are left out: generic ones (物业公司, 村党支部) are often
/// sure and seldom entities. `out` holds spans of `text` offset by `base`, sorted.
fn propagate(text: &str, base: usize, out: &mut Vec<(Span, f32)>) {
    use crate::label::Label;
    let slicer = CharSlicer::new(text);
    trim_joining_words(&slicer, base, out);
    complete_parts(&slicer, base, out);
    let mut sure: Vec<(String, Label, f32)> = out
        .iter()
        .filter(|(s, p)| {
            *p >= PROPAGATE_MIN
                && *p < 1.0 + f32::EPSILON
                && matches!(s.label, Label::PER | Label::LOC)
                && s.len() >= 2
        })
        .map(|(s, p)| {
            (
                slicer.slice(s.start - base, s.end - base).to_string(),
                s.label,
                *p,
            )
        })
        .collect();
    if sure.is_empty() {
        return;
    }
    // One label per text: its most certain mention's.
    sure.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.total_cmp(&a.2)));
    sure.dedup_by(|a, b| a.0 == b.0);
    let entries: Vec<(String, Label)> = sure.iter().map(|(t, l, _)| (t.clone(), *l)).collect();
    let taken: Vec<Span> = out
        .iter()
        .map(|(s, _)| Span::new(s.start - base, s.end - base, s.label))
        .collect();
    let added = confirmed::occurrences(text, &entries, &taken);
    if added.is_empty() {
        return;
    }
    for s in added {
        let t = slicer.slice(s.start, s.end);
        let score = sure
            .binary_search_by(|(x, _, _)| x.as_str().cmp(t))
            .map_or(PROPAGATE_MIN, |i| sure[i].2)
            * 0.9;
        out.push((Span::new(s.start + base, s.end + base, s.label), score));
    }
    out.sort_by_key(|(s, _)| *s);
}

/// A name, place or organisation never begins or ends with punctuation or a space
/// (—马村 in "——马村"): the tagger's spans are trimmed, and dropped when nothing is left.
fn trim_punctuation(chars: &[char], found: &mut Vec<(Span, f32)>) {
    use crate::label::Label;
    let edge = |c: char| !c.is_alphanumeric();
    found.retain_mut(|(s, _)| {
        if !matches!(s.label, Label::PER | Label::LOC | Label::ORG) {
            return true;
        }
        while s.start < s.end && edge(chars[s.start]) {
            s.start += 1;
        }
        while s.end > s.start && edge(chars[s.end - 1]) {
            s.end -= 1;
        }
        s.start < s.end
    });
}

/// Words that join a name to what comes before it (和, 及, 与 ...): a span that begins
/// with one and is otherwise a mention of the same label found elsewhere in the article
/// (及岳村 beside 岳村 ×3, 和县疾控中心 beside 县疾控中心 ×2) is that mention.
/// `out` holds spans of the text offset by `base`, sorted.
fn trim_joining_words(slicer: &CharSlicer, base: usize, out: &mut [(Span, f32)]) {
    use crate::label::Label;
    const JOINING: &[char] = &['和', '及', '与', '并', '同', '跟', '或'];
    let mentions: std::collections::HashSet<(&str, Label)> = out
        .iter()
        .filter(|(s, _)| s.len() >= 2)
        .map(|(s, _)| (slicer.slice(s.start - base, s.end - base), s.label))
        .collect();
    for (s, _) in out.iter_mut() {
        if s.len() < 3 || !matches!(s.label, Label::PER | Label::LOC | Label::ORG) {
            continue;
        }
        let text = slicer.slice(s.start - base, s.end - base);
        let mut chars = text.chars();
        if chars.next().is_some_and(|c| JOINING.contains(&c))
            && mentions.contains(&(chars.as_str(), s.label))
        {
            s.start += 1;
        }
    }
}

/// Where the tagger found only the surname of a name jieba cut in two after a title
/// (县委书记 毛 文明: PER 毛), the name is the surname and the given name, with the
/// surname's score. `names` are [`rules::names_after_compound_titles`]; `found` is sorted.
fn mend_cut_names(found: &mut [(Span, f32)], names: &[Span]) {
    for name in names {
        let mut overlapping = found.iter_mut().filter(|(s, _)| s.overlaps(name));
        let (Some((s, _)), None) = (overlapping.next(), overlapping.next()) else {
            continue;
        };
        if s.label == name.label && s.start == name.start && s.end < name.end {
            s.end = name.end;
        }
    }
}

/// The same reading for a name or place throughout: where the tagger found part of a
/// name or place (毛 of "毛文明到", 米根 of "米根连说", 徐村 as a person in "皇台徐村") and a
/// longer name or place that contains it and matches the text around it was found
/// elsewhere in the article, the part becomes the longer mention, with its label (the
/// longest that fits without overlapping the spans beside), scored a tenth lower than its
/// best mention. jieba cuts names with a common word inside (毛/文明) differently from
/// one sentence to the next. `out` holds spans of the text offset by `base`, sorted.
fn complete_parts(slicer: &CharSlicer, base: usize, out: &mut [(Span, f32)]) {
    use crate::label::Label;
    let readable = |l: Label| matches!(l, Label::PER | Label::LOC);
    let mut mentions: Vec<(&str, Label, usize, f32)> = out
        .iter()
        .filter(|(s, _)| readable(s.label) && (2..=12).contains(&s.len()))
        .map(|(s, p)| {
            (
                slicer.slice(s.start - base, s.end - base),
                s.label,
                s.len(),
                *p,
            )
        })
        .collect();
    if mentions.is_empty() {
        return;
    }
    // Longest first, then the best score of each text.
    mentions.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(a.0.cmp(b.0))
            .then(a.1.cmp(&b.1))
            .then(b.3.total_cmp(&a.3))
    });
    mentions.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    // Every shorter part of every mention, to the mentions it is part of (longest first):
    // one lookup per span, however long the article.
    let mut parts: rustc_hash::FxHashMap<&str, Vec<usize>> = Default::default();
    for (k, (text, _, n, _)) in mentions.iter().enumerate() {
        let starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        for a in 0..*n {
            for b in a + 1..=*n {
                if b - a < *n {
                    let end = starts.get(b).copied().unwrap_or(text.len());
                    let ks = parts.entry(&text[starts[a]..end]).or_default();
                    if ks.last() != Some(&k) {
                        ks.push(k);
                    }
                }
            }
        }
    }
    for i in 0..out.len() {
        let (s, _) = out[i];
        if !readable(s.label) {
            continue;
        }
        let (from, to) = (s.start - base, s.end - base);
        let short = slicer.slice(from, to);
        let Some(candidates) = parts.get(short) else {
            continue;
        };
        let prev_end = if i > 0 { out[i - 1].0.end - base } else { 0 };
        let next_start = out.get(i + 1).map_or(usize::MAX, |(n, _)| n.start - base);
        let whole = candidates.iter().find_map(|&k| {
            let (text, label, n, p) = mentions[k];
            if n <= s.len() {
                return None;
            }
            // Where the part sits in the mention (in characters), if it does.
            let at = text.find(short)?;
            let before = text[..at].chars().count();
            let start = from.checked_sub(before)?;
            (start >= prev_end
                && start + n <= next_start.min(slicer.len())
                && slicer.slice(start, start + n) == text)
                .then_some((start, n, label, p))
        });
        if let Some((start, n, label, p)) = whole {
            out[i] = (Span::new(start + base, start + base + n, label), p * 0.9);
        }
    }
}

/// [`Detector::version`] of a detector with this model (known before jieba is loaded).
pub fn version_of(tagger: Option<&tagger::Tagger>) -> String {
    match tagger {
        Some(t) => format!("{DETECTOR_VERSION}+{}", t.id()),
        None => format!("{DETECTOR_VERSION}+rules"),
    }
}

/// The bytes of `text` from about `before` bytes before byte `at` to about `after` bytes
/// past it, widened to paragraph ends (or, in a text without line breaks, sentence ends)
/// within 64 KiB: the part of a long article to analyse first.
pub fn paragraphs_around(
    text: &str,
    at: usize,
    before: usize,
    after: usize,
) -> std::ops::Range<usize> {
    use crate::text::bounds::{break_after, break_before};
    const SNAP: usize = 64 * 1024;
    let at = at.min(text.len());
    let start = break_before(text, at.saturating_sub(before), SNAP);
    let end = break_after(text, at.saturating_add(after), SNAP);
    start..end.max(start)
}

/// A paragraph longer than this many bytes is analysed a piece at a time.
const PIECE_BYTES: usize = 8 * 1024;
/// A piece with no sentence end this long is cut at any punctuation or space.
const PIECE_BYTES_MAX: usize = 64 * 1024;

/// `para` cut after sentence ends into pieces of about [`PIECE_BYTES`], so that a paragraph
/// of a megabyte (a text without line breaks) is never tagged, and held as tokens, all at
/// once. jieba splits its work at punctuation anyway, so the words are the same; only the
/// rules' view of neighbouring words stops at the cut. Short paragraphs come back whole.
fn pieces(para: &str) -> impl Iterator<Item = &str> {
    let mut rest = para;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = piece_end(rest);
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

/// Byte length of the first piece of `text` (see [`pieces`]).
fn piece_end(text: &str) -> usize {
    if text.len() <= PIECE_BYTES {
        return text.len();
    }
    let is_sentence_end = |c: char| matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';');
    let is_closing = |c: char| matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '》' | '"');
    let mut fallback = None;
    let mut chars = text.char_indices().peekable();
    while let Some((b, c)) = chars.next() {
        if b >= PIECE_BYTES && is_sentence_end(c) {
            // Closing quotes and brackets stay with their sentence.
            let mut end = b + c.len_utf8();
            while let Some(&(b2, c2)) = chars.peek() {
                if !is_closing(c2) {
                    break;
                }
                end = b2 + c2.len_utf8();
                chars.next();
            }
            return end;
        }
        if b >= PIECE_BYTES
            && fallback.is_none()
            && matches!(c, '，' | '、' | ',' | ' ' | '\t' | '\u{3000}')
        {
            fallback = Some(b + c.len_utf8());
        }
        if b >= PIECE_BYTES_MAX {
            return fallback.unwrap_or(b);
        }
    }
    text.len()
}

/// Hex SHA-256 of an article's bytes: the cache key and `article_sha256` of annotations.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One detected entity as `inkmark detect` prints it.
#[derive(Debug, serde::Serialize)]
pub struct EntityOut<'t> {
    pub start: usize,
    pub end: usize,
    pub label: Label,
    pub text: &'t str,
    /// The detector's probability that this is exactly the entity (absent for the baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Who suggests it: `model` or `pattern`.
    pub source: SuggestionSource,
}

/// Spans with their text: `{"start", "end", "label", "text", "source"}`.
pub fn entities_json<'t>(text: &'t str, spans: &[Span]) -> Vec<EntityOut<'t>> {
    entities_json_scored(text, spans, None, &[])
}

/// [`entities_json`] with a score per span (rounded to 3 decimals) and its source
/// (`sources` empty: all from the model).
pub fn entities_json_scored<'t>(
    text: &'t str,
    spans: &[Span],
    scores: Option<&[f32]>,
    sources: &[SuggestionSource],
) -> Vec<EntityOut<'t>> {
    let slicer = CharSlicer::new(text);
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| EntityOut {
            start: s.start,
            end: s.end,
            label: s.label,
            text: slicer.slice(s.start, s.end),
            score: scores
                .and_then(|sc| sc.get(i))
                .map(|&p| (p * 1000.0).round() / 1000.0),
            source: sources.get(i).copied().unwrap_or(SuggestionSource::Model),
        })
        .collect()
}

/// Slices a text by code-point offsets. Keeps the byte offset of every
/// [`CharSlicer::STRIDE`]th code point only (a 10 MB article costs 400 KB, not 27 MB) and
/// walks the few characters in between.
pub struct CharSlicer<'t> {
    text: &'t str,
    /// Byte offset of code point `i * STRIDE`.
    checkpoints: Vec<usize>,
    /// Number of code points.
    len: usize,
}

impl<'t> CharSlicer<'t> {
    /// Every how many code points a byte offset is kept.
    pub const STRIDE: usize = 64;

    pub fn new(text: &'t str) -> Self {
        let mut checkpoints = Vec::with_capacity(text.len() / Self::STRIDE + 1);
        let mut len = 0;
        for (i, (b, _)) in text.char_indices().enumerate() {
            if i % Self::STRIDE == 0 {
                checkpoints.push(b);
            }
            len = i + 1;
        }
        CharSlicer {
            text,
            checkpoints,
            len,
        }
    }

    /// Number of code points in the text.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Byte offset of code point `offset` (the text's length at or past its end).
    pub fn byte(&self, offset: usize) -> usize {
        if offset >= self.len {
            return self.text.len();
        }
        let from = self.checkpoints[offset / Self::STRIDE];
        match self.text[from..].char_indices().nth(offset % Self::STRIDE) {
            Some((b, _)) => from + b,
            None => self.text.len(),
        }
    }

    /// Whether code points `start..end` start and end on grapheme-cluster boundaries
    /// ([`crate::text::clusters::is_boundary`]): a span that `check` accepts.
    pub fn on_clusters(&self, start: usize, end: usize) -> bool {
        use crate::text::clusters::is_boundary;
        is_boundary(self.text, self.byte(start)) && is_boundary(self.text, self.byte(end))
    }

    /// The code points `start..end`, clamped to the text.
    pub fn slice(&self, start: usize, end: usize) -> &'t str {
        let from = self.byte(start);
        let to = self.byte(end.max(start));
        &self.text[from..to]
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod thread_tests {
    #[test]
    fn the_detector_can_be_shared_between_threads() {
        fn sync<T: Sync>() {}
        sync::<super::Detector>();
    }
}
