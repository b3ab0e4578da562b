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
pub const DETECTOR_VERSION: &str = "inkmark-detect-1";

/// One jieba token of a paragraph, with code-point offsets relative to the paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    pub word: &'a str,
    pub tag: &'a str,
    pub start: usize,
    pub end: usize,
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
                .map(|t| Token {
                    word: t.word,
                    tag: t.tag,
                    start: t.start,
                    end: t.end,
                })
                .collect();
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
