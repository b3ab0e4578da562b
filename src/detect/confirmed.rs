//! Suggestions from what the annotator already confirmed: every other occurrence of a
//! confirmed text, longest first, where nothing else was found. One automaton
//! (aho-corasick, leftmost-longest) over the text, however many texts there are.

use crate::label::{Label, Span};
use aho_corasick::{AhoCorasick, MatchKind};

/// Spans of `text` where one of `entries` (text, label) occurs and does not overlap any
/// of `taken` (sorted by start): code-point offsets, sorted. Texts of one character are
/// left out (too ambiguous to suggest everywhere).
pub fn occurrences(text: &str, entries: &[(String, Label)], taken: &[Span]) -> Vec<Span> {
    let entries: Vec<&(String, Label)> = entries
        .iter()
        .filter(|(t, _)| t.chars().nth(1).is_some())
        .collect();
    if entries.is_empty() {
        return Vec::new();
    }
    let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(entries.iter().map(|(t, _)| t.as_str()))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Matches come in order: convert byte offsets to code points as we go.
    let (mut byte, mut cp) = (0usize, 0usize);
    let mut t = 0;
    for m in ac.find_iter(text) {
        cp += text[byte..m.start()].chars().count();
        let start = cp;
        let end = start + text[m.start()..m.end()].chars().count();
        cp = end;
        byte = m.end();
        while t < taken.len() && taken[t].end <= start {
            t += 1;
        }
        let overlaps = taken[t..]
            .iter()
            .take_while(|s| s.start < end)
            .any(|s| s.end > start);
        if !overlaps {
            out.push(Span::new(start, end, entries[m.pattern().as_usize()].1));
        }
    }
    out
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
}
