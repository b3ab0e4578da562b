//! Entity detection: jieba-rs part-of-speech tags plus rules for news text.
//! No terminal here; the TUI runs it on a worker thread, `inkmark detect` in scripts.

pub mod cache;
mod lexicon;
mod numbers;
mod resolve;
mod rules;

use crate::label::Span;
use jieba_rs::Jieba;

pub use resolve::resolve_overlaps;

/// Changes whenever the rules change, so cached results are recomputed.
pub const DETECTOR_VERSION: &str = "inkmark-detect-3";

/// One jieba token of a paragraph, with code-point offsets relative to the paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    pub word: &'a str,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub spans: Vec<Span>,
    /// Code-point offsets where jieba's words start, ascending.
    #[serde(default)]
    pub words: Vec<u32>,
}

pub struct Detector {
    jieba: Jieba,
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

impl Detector {
    /// Loads jieba's dictionary (about 0.1-0.2 s): do it off the UI thread.
    pub fn new() -> Detector {
        Detector {
            jieba: Jieba::new(),
        }
    }

    /// The entities of `text`: code-point spans, sorted, never overlapping.
    pub fn detect(&self, text: &str) -> Vec<Span> {
        self.analyse_into(text, None)
    }

    /// Entities and jieba's word boundaries (the code-point start of every word, for
    /// moving the cursor by words).
    pub fn analyse(&self, text: &str) -> Analysis {
        let mut words = Vec::new();
        let spans = self.analyse_into(text, Some(&mut words));
        Analysis { spans, words }
    }

    fn analyse_into(&self, text: &str, mut words: Option<&mut Vec<u32>>) -> Vec<Span> {
        let mut out = Vec::new();
        let mut chars: Vec<char> = Vec::new();
        let mut base = 0;
        for para in text.split_inclusive('\n') {
            let n = para.chars().count();
            if para.trim().is_empty() {
                base += n;
                continue;
            }
            chars.clear();
            chars.extend(para.chars());
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
                    (
                        t,
                        pos,
                        if function_word {
                            0
                        } else {
                            lexicon::flags_fast(t.word)
                        },
                    )
                })
                .map(|(t, pos, lex)| Token {
                    word: t.word,
                    pos,
                    lex,
                    first: t.word.chars().next().unwrap_or(' '),
                    last: t.word.chars().next_back().unwrap_or(' '),
                    start: t.start,
                    end: t.end,
                })
                .collect();
            if let Some(words) = words.as_deref_mut() {
                // u32 halves the memory of a long article's word starts.
                words.extend(tokens.iter().map(|t| (t.start + base) as u32));
            }
            let is_word = |w: &str| self.jieba.has_word(w);
            let mut found = rules::candidates(&tokens, &chars, &is_word);
            resolve_overlaps(&mut found);
            out.extend(
                found
                    .into_iter()
                    .map(|s| Span::new(s.start + base, s.end + base, s.label)),
            );
            base += n;
        }
        out
    }

    /// Plain jieba tagging of the same text, the reference for speed and quality.
    pub fn baseline(&self, text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        let mut base = 0;
        for para in text.split_inclusive('\n') {
            for t in self.jieba.tag(para, true) {
                if let Some(label) = rules::label_of_tag(t.tag) {
                    out.push(Span::new(t.start + base, t.end + base, label));
                }
            }
            base += para.chars().count();
        }
        out
    }

    /// jieba's own tagging, for benchmarks that compare against it.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }
}

/// `f` over `items` on up to `threads` threads, results in the order of `items`. Work is
/// handed out one item at a time, so uneven items still keep every thread busy.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Hex SHA-256 of an article's bytes: the cache key and `article_sha256` of annotations.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Spans as JSON objects with their text: `{"start", "end", "label", "text"}`.
pub fn entities_json(text: &str, spans: &[Span]) -> Vec<serde_json::Value> {
    let slicer = CharSlicer::new(text);
    spans
        .iter()
        .map(|s| {
            serde_json::json!({
                "start": s.start,
                "end": s.end,
                "label": s.label.name(),
                "text": slicer.slice(s.start, s.end),
            })
        })
        .collect()
}

/// Slices a text by code-point offsets.
pub struct CharSlicer<'t> {
    text: &'t str,
    /// Byte offset of every code point, plus the text length.
    bytes: Vec<usize>,
}

impl<'t> CharSlicer<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharSlicer { text, bytes }
    }

    pub fn slice(&self, start: usize, end: usize) -> &'t str {
        let last = self.bytes.len() - 1;
        &self.text[self.bytes[start.min(last)]..self.bytes[end.min(last)]]
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod parallel_tests {
    #[test]
    fn parallel_map_keeps_order_and_uses_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        let out = super::parallel_map(&items, 4, |&x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::parallel_map(&Vec::<u8>::new(), 2, |&x| x).is_empty());
    }

    #[test]
    fn the_detector_can_be_shared_between_threads() {
        fn sync<T: Sync>() {}
        sync::<super::Detector>();
    }
}
