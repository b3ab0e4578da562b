//! Overlap policy: spans never overlap. Longer spans win; among spans of equal length the
//! more specific label wins (PER, ORG, LOC, TIME, QTY); then the earlier one.

use crate::label::{Label, Span};

fn specificity(l: Label) -> u8 {
    match l {
        Label::PER => 0,
        Label::ORG => 1,
        Label::LOC => 2,
        Label::TIME => 3,
        Label::QTY => 4,
        _ => 5,
    }
}

/// Keeps a non-overlapping subset of `spans`, sorted by start.
pub fn resolve_overlaps(spans: &mut Vec<Span>) {
    spans.retain(|s| !s.is_empty());
    spans.sort_by_key(|s| (std::cmp::Reverse(s.len()), specificity(s.label), s.start));
    spans.dedup();
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        // `kept` is small per paragraph; a linear check is cheaper than a tree.
        if !kept.iter().any(|k| k.overlaps(&s)) {
            kept.push(s);
        }
    }
    kept.sort();
    *spans = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_then_most_specific() {
        let mut v = vec![
            Span::new(0, 2, Label::LOC),
            Span::new(0, 6, Label::ORG),
            Span::new(8, 11, Label::LOC),
            Span::new(8, 11, Label::PER),
            Span::new(10, 12, Label::QTY),
        ];
        resolve_overlaps(&mut v);
        assert_eq!(
            v,
            [Span::new(0, 6, Label::ORG), Span::new(8, 11, Label::PER)]
        );
    }
}
