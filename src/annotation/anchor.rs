//! Re-anchoring: when an article changed since it was annotated, each entity moves to the
//! nearest occurrence of its stored text; the ones that cannot be placed are kept aside,
//! never moved silently or dropped.

use super::file::{Entity, Rejected};
use crate::detect::CharSlicer;

/// What re-anchoring did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reanchored {
    pub entities: Vec<Entity>,
    pub rejected: Vec<Rejected>,
    /// Entities whose text is no longer in the article (or only where others now are).
    pub unanchored: Vec<Entity>,
    /// How many entities changed position.
    pub moved: usize,
}

/// Code-point starts of every occurrence of `needle` in `text`.
fn occurrences(text: &str, needle: &str) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let (mut byte, mut chars) = (0, 0);
    for (b, _) in text.match_indices(needle) {
        chars += text[byte..b].chars().count();
        byte = b;
        out.push(chars);
    }
    out
}

/// The occurrence of `needle` nearest to `old_start`, if any.
fn nearest(
    text: &str,
    needle: &str,
    old_start: usize,
    cache: &mut Vec<(String, Vec<usize>)>,
) -> Option<usize> {
    let found = match cache.iter().find(|(n, _)| n == needle) {
        Some((_, v)) => v.clone(),
        None => {
            let v = occurrences(text, needle);
            cache.push((needle.to_string(), v.clone()));
            v
        }
    };
    found.into_iter().min_by_key(|&s| s.abs_diff(old_start))
}

/// Moves `entities` and `rejected` onto `text`. Entities already on their text stay.
pub fn reanchor(text: &str, entities: &[Entity], rejected: &[Rejected]) -> Reanchored {
    let slicer = CharSlicer::new(text);
    let total = slicer.len();
    let fits = |s: usize, e: usize, t: &str| e <= total && s < e && slicer.slice(s, e) == t;
    let mut cache = Vec::new();
    let mut out = Reanchored::default();
    let mut placed: Vec<Entity> = Vec::new();
    for e in entities {
        let n = e.text.chars().count();
        let start = if fits(e.start, e.end, &e.text) {
            Some(e.start)
        } else {
            nearest(text, &e.text, e.start, &mut cache)
        };
        match start {
            Some(s) if !placed.iter().any(|p| p.start < s + n && s < p.end) => {
                if s != e.start {
                    out.moved += 1;
                }
                placed.push(Entity {
                    start: s,
                    end: s + n,
                    ..e.clone()
                });
            }
            _ => out.unanchored.push(e.clone()),
        }
    }
    placed.sort();
    out.entities = placed;
    for r in rejected {
        let n = r.text.chars().count();
        let start = if fits(r.start, r.end, &r.text) {
            Some(r.start)
        } else {
            nearest(text, &r.text, r.start, &mut cache)
        };
        // A rejection only stops a suggestion; one that no longer matches has nothing
        // left to stop.
        if let Some(s) = start {
            out.rejected.push(Rejected {
                start: s,
                end: s + n,
                ..r.clone()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Source;
    use crate::label::Label;

    fn ent(start: usize, text: &str, label: Label) -> Entity {
        Entity {
            start,
            end: start + text.chars().count(),
            label,
            text: text.into(),
            source: Source::Manual,
        }
    }

    #[test]
    fn spans_follow_inserted_and_deleted_text() {
        let old = "记者高轶鹏报道，高新区全力防控。";
        let es = vec![ent(2, "高轶鹏", Label::PER), ent(8, "高新区", Label::LOC)];
        // Text inserted before both spans.
        let new = "本报讯（记者高轶鹏报道，高新区全力防控。";
        let r = reanchor(new, &es, &[]);
        assert_eq!(
            r.entities,
            vec![ent(6, "高轶鹏", Label::PER), ent(12, "高新区", Label::LOC)]
        );
        assert_eq!(r.moved, 2);
        // Text deleted before the second span.
        let new = "记者高轶鹏：高新区全力防控。";
        let r = reanchor(new, &es, &[]);
        assert_eq!(
            r.entities,
            vec![ent(2, "高轶鹏", Label::PER), ent(6, "高新区", Label::LOC)]
        );
        assert!(r.unanchored.is_empty());
        let _ = old;
    }

    #[test]
    fn the_nearest_occurrence_wins() {
        let es = vec![ent(10, "高新区", Label::LOC)];
        let new = "高新区……………高新区……高新区";
        let r = reanchor(new, &es, &[]);
        assert_eq!(r.entities[0].start, 8, "8 is 2 away from 10, 13 is 3 away");
    }

    #[test]
    fn vanished_text_is_kept_aside() {
        let es = vec![ent(2, "高轶鹏", Label::PER), ent(8, "高新区", Label::LOC)];
        let r = reanchor("记者李一报道，高新区。", &es, &[]);
        assert_eq!(r.unanchored, vec![ent(2, "高轶鹏", Label::PER)]);
        assert_eq!(r.entities.len(), 1);
    }

    #[test]
    fn unchanged_spans_stay_put() {
        let text = "高新区高新区";
        let es = vec![ent(3, "高新区", Label::LOC)];
        let r = reanchor(text, &es, &[]);
        assert_eq!(r.entities, es);
        assert_eq!(r.moved, 0);
    }
}
