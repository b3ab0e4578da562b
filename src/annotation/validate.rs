//! What `inkmark check` and opening an article both ask of an annotation file: every
//! entity non-empty, inside the text, on grapheme boundaries, over its own text, and not
//! overlapping another. One implementation, so that the reader never accepts (and then
//! rewrites) a file that `check` rejects.

use super::file::Entity;
use crate::detect::CharSlicer;

/// One invalid entity: its index in the slice given and what is wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub index: usize,
    pub message: String,
}

/// The problems of `entities` against `text`, the article text their offsets refer to;
/// with `text` `None` (the article changed since) only what needs no text: empty or
/// reversed spans, a text whose length differs from the span, overlaps. Sorted by
/// position.
pub fn validate(entities: &[Entity], text: Option<&str>) -> Vec<Problem> {
    let mut order: Vec<usize> = (0..entities.len()).collect();
    order.sort_by(|&a, &b| entities[a].cmp(&entities[b]));
    // Sparse offsets and grapheme checks at the entities only: a 10 MB article's 3.5 M
    // characters are never collected.
    let slicer = text.map(CharSlicer::new);

    let mut out = Vec::new();
    let mut prev: Option<&Entity> = None;
    for index in order {
        let e = &entities[index];
        let what = format!("{} {}..{} {:?}", e.label, e.start, e.end, e.text);
        let mut push = |message: String| out.push(Problem { index, message });
        if e.start >= e.end {
            push(format!(
                "{what}: {} span",
                if e.start > e.end { "reversed" } else { "empty" }
            ));
            continue;
        }
        match (text, &slicer) {
            (Some(_), Some(slicer)) => {
                if e.end > slicer.len() {
                    push(format!(
                        "{what}: past the end of the article ({} characters)",
                        slicer.len()
                    ));
                    continue;
                }
                let actual = slicer.slice(e.start, e.end);
                if actual != e.text {
                    push(format!("{what}: the article has {actual:?} there"));
                }
                if !slicer.on_clusters(e.start, e.end) {
                    push(format!("{what}: splits a character (grapheme cluster)"));
                }
            }
            _ if e.text.chars().count() != e.end - e.start => {
                push(format!("{what}: the text does not have the span's length"));
            }
            _ => {}
        }
        if let Some(p) = prev {
            if p == e {
                push(format!("{what}: listed twice"));
                continue;
            }
            if p.end > e.start {
                push(format!(
                    "{what}: overlaps {} {}..{}",
                    p.label, p.start, p.end
                ));
            }
        }
        if prev.is_none_or(|p| p.end < e.end) {
            prev = Some(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Source;
    use crate::label::Label;

    fn ent(start: usize, end: usize, label: Label, text: &str) -> Entity {
        Entity {
            start,
            end,
            label,
            text: text.into(),
            source: Source::Manual,
            by: Vec::new(),
        }
    }

    #[test]
    fn every_kind_of_invalid_entity_is_named() {
        let text = "咖啡馆👨‍👩‍👧🇨🇳e\u{301}x";
        let es = vec![
            ent(0, 3, Label::ORG, "不对的"),
            ent(30, 20, Label::PER, "ab"),
            ent(usize::MAX - 1, usize::MAX, Label::LOC, "a"),
            ent(3, 5, Label::PER, "👨\u{200d}"),
            ent(8, 9, Label::LOC, "🇨"),
            ent(10, 11, Label::LOC, "e"),
            ent(1, 2, Label::LOC, "啡"),
        ];
        let found: Vec<(usize, String)> = validate(&es, Some(text))
            .into_iter()
            .map(|p| (p.index, p.message))
            .collect();
        let has = |i: usize, what: &str| {
            assert!(
                found.iter().any(|(j, m)| *j == i && m.contains(what)),
                "{i} {what}: {found:?}"
            )
        };
        has(0, "the article has \"咖啡馆\"");
        has(1, "reversed");
        has(2, "past the end");
        has(3, "splits a character");
        has(4, "splits a character");
        has(5, "splits a character");
        has(6, "overlaps ORG 0..3");
        // Without the text only what needs none.
        let found = validate(&es, None);
        assert!(found.iter().any(|p| p.index == 1));
        assert!(!found.iter().any(|p| p.index == 0));
    }

    #[test]
    fn duplicates_are_named_once_each() {
        let e = ent(0, 1, Label::PER, "a");
        let es = vec![e.clone(), e.clone(), e];
        let found = validate(&es, Some("ab"));
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|p| p.message.contains("listed twice")));
    }
}
