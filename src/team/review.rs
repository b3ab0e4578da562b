//! Review: from several annotators' versions of one article to a gold set. Spans every
//! annotator marked alike are agreed; the others form disagreements (spans linked by
//! overlapping or touching, so that "both" can keep two neighbours), each resolved by a
//! choice or by editing the gold set by hand. Whether a disagreement is resolved is read
//! from the gold set itself, so a half-reviewed article reopens exactly as it was left.
//! No terminal here.

use super::{spans_on, Annotator};
use crate::annotation::edit::Op;
use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::{AnnotationFile, Annotations, Change, Entity, Rejected, Source};
use crate::label::Span;
use std::collections::BTreeSet;
use std::path::Path;

/// Spans the annotators did not all mark alike, linked by overlapping or touching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The code points the spans cover, `end` exclusive.
    pub start: usize,
    pub end: usize,
    /// The distinct spans, sorted, each with the annotators (indices) who had it.
    pub spans: Vec<(Span, Vec<usize>)>,
}

impl Disagreement {
    /// Annotator `k`'s spans here (none: `k` marked nothing here).
    pub fn version(&self, k: usize) -> Vec<Span> {
        self.spans
            .iter()
            .filter(|(_, who)| who.contains(&k))
            .map(|(s, _)| *s)
            .collect()
    }
}

/// A reviewer's choice for one disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Annotator `k`'s version (nothing, when `k` marked nothing here).
    Take(usize),
    /// Every annotator's spans, when none of them overlap.
    All,
    /// None of the spans: they are rejected in the gold file.
    Neither,
}

/// One article's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The annotators compared, by name (the `by` lists use these).
    pub annotators: Vec<String>,
    /// Spans every annotator had (only with two or more annotators), sorted.
    pub agreed: Vec<Span>,
    /// Sorted by position; their ranges are disjoint and do not touch.
    pub disagreements: Vec<Disagreement>,
}

/// One annotator's spans as an annotation set holds them: sorted, no empty ones, and of
/// overlapping ones (a hand-edited file) the earlier kept, as [`Annotations::new`] does.
fn normalise(spans: &[Span]) -> Vec<Span> {
    let mut sorted: Vec<Span> = spans.iter().copied().filter(|s| !s.is_empty()).collect();
    sorted.sort();
    sorted.dedup();
    let mut out: Vec<Span> = Vec::with_capacity(sorted.len());
    for s in sorted {
        if out.last().is_none_or(|k| k.end <= s.start) {
            out.push(s);
        }
    }
    out
}

impl Review {
    /// Compares `spans[k]`, annotator `annotators[k]`'s spans. With fewer than two
    /// annotators nothing counts as agreed: every span waits for the reviewer.
    pub fn new(annotators: Vec<String>, spans: &[Vec<Span>]) -> Review {
        let n = spans.len();
        let mut all: Vec<(Span, usize)> = spans
            .iter()
            .enumerate()
            .flat_map(|(k, v)| normalise(v).into_iter().map(move |s| (s, k)))
            .collect();
        all.sort_unstable();
        let mut agreed = Vec::new();
        let mut rest: Vec<(Span, Vec<usize>)> = Vec::new();
        let mut i = 0;
        while i < all.len() {
            let span = all[i].0;
            let mut who = Vec::new();
            while i < all.len() && all[i].0 == span {
                who.push(all[i].1);
                i += 1;
            }
            if n >= 2 && who.len() == n {
                agreed.push(span);
            } else {
                rest.push((span, who));
            }
        }
        // Sorted by start: a sweep keeping the furthest end links overlapping and
        // touching spans.
        let mut disagreements: Vec<Disagreement> = Vec::new();
        for (span, who) in rest {
            match disagreements.last_mut() {
                Some(d) if span.start <= d.end => {
                    d.end = d.end.max(span.end);
                    d.spans.push((span, who));
                }
                _ => disagreements.push(Disagreement {
                    start: span.start,
                    end: span.end,
                    spans: vec![(span, who)],
                }),
            }
        }
        Review {
            annotators,
            agreed,
            disagreements,
        }
    }

    /// Names of the annotators `who`.
    pub fn names(&self, who: &[usize]) -> Vec<String> {
        who.iter()
            .filter_map(|&k| self.annotators.get(k).cloned())
            .collect()
    }

    /// The agreed spans as gold entities (source `review`, every annotator in `by`).
    pub fn agreed_entities(&self, mut text_of: impl FnMut(usize, usize) -> String) -> Vec<Entity> {
        self.agreed
            .iter()
            .map(|s| Entity {
                start: s.start,
                end: s.end,
                label: s.label,
                text: text_of(s.start, s.end),
                source: Source::Review,
                by: self.annotators.clone(),
            })
            .collect()
    }

    /// The disagreement containing code point `offset`.
    pub fn at(&self, offset: usize) -> Option<usize> {
        let i = self.disagreements.partition_point(|d| d.end <= offset);
        self.disagreements
            .get(i)
            .filter(|d| d.start <= offset)
            .map(|_| i)
    }

    /// The disagreements that overlap or touch `start..end`, as a range of indices.
    pub fn around(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let first = self.disagreements.partition_point(|d| d.end < start);
        let last = self.disagreements.partition_point(|d| d.start <= end);
        first..last.max(first)
    }

    /// Whether disagreement `i` is resolved in `gold`: a gold entity overlaps it, or one
    /// of its spans is rejected there (the "neither" choice). Binary searches only.
    pub fn is_resolved(&self, i: usize, gold: &Annotations) -> bool {
        let d = &self.disagreements[i];
        let e = gold.entities.partition_point(|e| e.end <= d.start);
        if gold.entities.get(e).is_some_and(|e| e.start < d.end) {
            return true;
        }
        d.spans.iter().any(|(s, _)| rejected(gold, s).is_some())
    }

    /// The disagreements not resolved in `gold`.
    pub fn open_in(&self, gold: &Annotations) -> BTreeSet<usize> {
        (0..self.disagreements.len())
            .filter(|&i| !self.is_resolved(i, gold))
            .collect()
    }

    /// Brings `open` up to date after `gold` changed in `start..end`.
    pub fn recheck(
        &self,
        open: &mut BTreeSet<usize>,
        gold: &Annotations,
        start: usize,
        end: usize,
    ) {
        for i in self.around(start, end) {
            if self.is_resolved(i, gold) {
                open.remove(&i);
            } else {
                open.insert(i);
            }
        }
    }

    /// The next (or previous) open disagreement from code point `offset`, skipping the
    /// one `offset` is in, unless `at_offset` and it starts there (the first `]` in a
    /// freshly opened article); wraps around (then `true`).
    pub fn next_open(
        &self,
        open: &BTreeSet<usize>,
        offset: usize,
        forward: bool,
        at_offset: bool,
    ) -> Option<(usize, bool)> {
        if forward {
            let from = self
                .disagreements
                .partition_point(|d| d.start < offset || (d.start == offset && !at_offset));
            open.range(from..)
                .next()
                .map(|&i| (i, false))
                .or_else(|| open.iter().next().map(|&i| (i, true)))
        } else {
            let until = self.disagreements.partition_point(|d| d.start < offset);
            open.range(..until)
                .next_back()
                .map(|&i| (i, false))
                .or_else(|| open.iter().next_back().map(|&i| (i, true)))
        }
    }

    /// The change that applies `choice` to disagreement `i` of `gold`: gold entities
    /// overlapping it are replaced, rejections of its spans undone, then the chosen
    /// spans inserted (source `review`, with their `by` lists) or, for none, its spans
    /// rejected. `Err`: the choice cannot be made (spans that overlap), said for the
    /// status bar. An empty change: the gold set already says that.
    pub fn choice_change(
        &self,
        i: usize,
        choice: Choice,
        gold: &Annotations,
        text_of: impl Fn(usize, usize) -> String,
    ) -> Result<Change, String> {
        let d = &self.disagreements[i];
        let chosen: Vec<&(Span, Vec<usize>)> = match choice {
            Choice::Take(k) => d.spans.iter().filter(|(_, who)| who.contains(&k)).collect(),
            Choice::All => {
                let mut end = 0;
                for (s, _) in &d.spans {
                    if s.start < end {
                        return Err(
                            "the versions overlap: take one, or fix the span by hand".to_string()
                        );
                    }
                    end = end.max(s.end);
                }
                d.spans.iter().collect()
            }
            Choice::Neither => Vec::new(),
        };
        let first = gold.entities.partition_point(|e| e.end <= d.start);
        let old: Vec<&Entity> = gold.entities[first..]
            .iter()
            .take_while(|e| e.start < d.end)
            .collect();
        let new: Vec<Entity> = chosen
            .iter()
            .map(|(s, who)| Entity {
                start: s.start,
                end: s.end,
                label: s.label,
                text: text_of(s.start, s.end),
                source: Source::Review,
                by: self.names(who),
            })
            .collect();
        let was_rejected: Vec<Rejected> = d
            .spans
            .iter()
            .filter_map(|(s, _)| rejected(gold, s).cloned())
            .collect();
        let reject: Vec<Rejected> = if chosen.is_empty() {
            d.spans
                .iter()
                .map(|(s, _)| Rejected {
                    start: s.start,
                    end: s.end,
                    label: s.label,
                    text: text_of(s.start, s.end),
                })
                .collect()
        } else {
            Vec::new()
        };
        let same_entities = old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| *a == b);
        if same_entities && was_rejected == reject {
            return Ok(Change::default());
        }
        let mut ops: Vec<Op> = old.into_iter().map(|e| Op::Remove(e.clone())).collect();
        ops.extend(was_rejected.into_iter().map(Op::Unreject));
        ops.extend(new.into_iter().map(Op::Insert));
        ops.extend(reject.into_iter().map(Op::Reject));
        Ok(Change { ops })
    }

    /// Who said what in disagreement `i`: `alice:PER 李培华 · bob:—`.
    pub fn describe(&self, i: usize, text_of: impl Fn(usize, usize) -> String) -> String {
        let d = &self.disagreements[i];
        self.annotators
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let v = d.version(k);
                let said = if v.is_empty() {
                    "—".to_string()
                } else {
                    v.iter()
                        .map(|s| format!("{} {}", s.label, text_of(s.start, s.end)))
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                format!("{name}:{said}")
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// Texts of code-point ranges asked for in ascending order, in one pass over the text
/// (taking the agreed spans of a 10 MB article must not walk it once per span).
pub struct Slicer<'a> {
    text: &'a str,
    /// A code point and its byte offset, at or before the next range asked for.
    at: (usize, usize),
}

impl<'a> Slicer<'a> {
    pub fn new(text: &'a str) -> Slicer<'a> {
        Slicer { text, at: (0, 0) }
    }

    fn byte(&mut self, offset: usize) -> usize {
        if offset < self.at.0 {
            self.at = (0, 0);
        }
        let (mut c, mut b) = self.at;
        for ch in self.text[b..].chars() {
            if c == offset {
                break;
            }
            b += ch.len_utf8();
            c += 1;
        }
        self.at = (c, b);
        b
    }

    /// The text of code points `start..end`.
    pub fn slice(&mut self, start: usize, end: usize) -> &'a str {
        let a = self.byte(start);
        let b = self.byte(end.max(start));
        // Back to the start: the next range may begin inside this one.
        self.at = (start, a);
        &self.text[a..b]
    }
}

/// The rejection of exactly `s` in `gold` (rejections are sorted by start, end, label).
fn rejected<'a>(gold: &'a Annotations, s: &Span) -> Option<&'a Rejected> {
    let key = (s.start, s.end, s.label);
    let i = gold
        .rejected
        .partition_point(|r| (r.start, r.end, r.label) < key);
    gold.rejected
        .get(i)
        .filter(|r| (r.start, r.end, r.label) == key)
}

/// The annotators' spans on one article, placed on its current text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub names: Vec<String>,
    pub spans: Vec<Vec<Span>>,
    /// One line per annotator left out (no file, a file that does not parse, spans
    /// that cannot be placed on a changed article): never compared at wrong offsets.
    pub skipped: Vec<String>,
}

/// Reads each annotator's file for article `rel` (text `text`, SHA-256 `sha`); a file
/// made for another version of the article is re-anchored, or the annotator is left out
/// of this article when that fails.
pub fn load_versions(annotators: &[Annotator], rel: &Path, text: &str, sha: &str) -> Versions {
    let mut out = Versions::default();
    for a in annotators {
        let path = annotation_path(&a.dir, rel);
        let file = match Store::open_for(&path, rel) {
            Ok((_, Loaded::Found(f))) => f,
            Ok((_, Loaded::Missing)) => {
                out.skipped.push(format!("{}: no annotation file", a.name));
                continue;
            }
            Ok((_, Loaded::Corrupt(e))) => {
                out.skipped
                    .push(format!("{}: {} {}", a.name, path.display(), e.describe()));
                continue;
            }
            Err(e) => {
                out.skipped
                    .push(format!("{}: cannot read {}: {e}", a.name, path.display()));
                continue;
            }
        };
        match spans_on(&file, text, sha) {
            Ok((spans, _)) => {
                out.names.push(a.name.clone());
                out.spans.push(spans);
            }
            Err(why) => out.skipped.push(format!("{}: {why}", a.name)),
        }
    }
    out
}

/// Open disagreements of one article from files already read, when that is cheap and
/// safe: every annotator's file made on the same text, and the gold file (if any) too.
/// `None`: not known until the article is opened (and re-anchored).
fn open_count(files: &[AnnotationFile], gold: &Path) -> Option<usize> {
    let sha = &files.first()?.article_sha256;
    if files.iter().any(|f| f.article_sha256 != *sha) {
        return None;
    }
    let names = files.iter().map(|f| f.annotator.clone()).collect();
    let spans: Vec<Vec<Span>> = files
        .iter()
        .map(|f| f.entities.iter().map(|e| e.span()).collect())
        .collect();
    let review = Review::new(names, &spans);
    match Store::open(gold) {
        Ok((_, Loaded::Missing)) => Some(review.disagreements.len()),
        Ok((_, Loaded::Found(g))) if g.article_sha256 == *sha => {
            let set = Annotations::new(g.entities, g.rejected, g.status);
            Some(review.open_in(&set).len())
        }
        _ => None,
    }
}

/// Which articles of `corpus` go to review: those every annotator has a file for, marked
/// done by all unless `all`; for each, its open disagreements when known cheaply (see
/// `open_count`; `gold` is the gold folder). `Err`: one line per annotation file that
/// cannot be read, and per folder with a file for none of the articles (not an
/// annotator's folder of this corpus). `tick` is called once per article read.
pub fn reviewable(
    corpus: &crate::corpus::Corpus,
    annotators: &[Annotator],
    gold: &Path,
    all: bool,
    threads: usize,
    mut tick: impl FnMut(),
) -> Result<Vec<Option<Option<usize>>>, Vec<String>> {
    let mut out = Vec::with_capacity(corpus.entries.len());
    let mut errors = Vec::new();
    let mut found = vec![0usize; annotators.len()];
    crate::parallel::for_each_in_order(
        &corpus.entries,
        threads,
        |e| {
            let files: Vec<Result<Option<AnnotationFile>, String>> = annotators
                .iter()
                .map(|a| {
                    let path = annotation_path(&a.dir, &e.rel);
                    match Store::open_for(&path, &e.rel) {
                        Ok((_, Loaded::Found(f))) => Ok(Some(f)),
                        Ok((_, Loaded::Missing)) => Ok(None),
                        Ok((_, Loaded::Corrupt(e))) => {
                            Err(format!("{}: {}", path.display(), e.describe()))
                        }
                        Err(e) => Err(format!("{}: cannot be read: {e}", path.display())),
                    }
                })
                .collect();
            let eligible = files.iter().all(|f| {
                f.as_ref().is_ok_and(|f| {
                    f.as_ref()
                        .is_some_and(|f| all || f.status == crate::annotation::Status::Done)
                })
            });
            let count = eligible.then(|| {
                let read: Vec<AnnotationFile> = files.iter().flatten().flatten().cloned().collect();
                open_count(&read, &annotation_path(gold, &e.rel))
            });
            let present: Vec<Result<bool, String>> =
                files.into_iter().map(|f| f.map(|f| f.is_some())).collect();
            (present, count)
        },
        |(present, count)| {
            tick();
            for (k, p) in present.into_iter().enumerate() {
                match p {
                    Ok(true) => found[k] += 1,
                    Ok(false) => {}
                    Err(e) => errors.push(e),
                }
            }
            out.push(count);
            true
        },
    );
    for (a, n) in annotators.iter().zip(&found) {
        if *n == 0 {
            errors.push(format!(
                "{}: no annotation file for any article of {} (a folder of annotators' folders? use --team)",
                a.dir.display(),
                corpus.root.display()
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Status;
    use crate::label::Label;
    const PER: Label = Label::PER;
    const LOC: Label = Label::LOC;
    const ORG: Label = Label::ORG;

    fn s(start: usize, end: usize, label: Label) -> Span {
        Span::new(start, end, label)
    }

    const TEXT: &str = "李培华在北京大学工作，张三李四来自上海市。";

    fn text_of(a: usize, b: usize) -> String {
        TEXT.chars().skip(a).take(b - a).collect()
    }

    /// alice and bob on TEXT: 李培华 agreed; 北京大学 ORG vs 北京 LOC + 大学 ORG; 张三 by
    /// alice and 李四 by bob (touching); 上海市 LOC vs 上海 LOC.
    fn two() -> Review {
        Review::new(
            vec!["alice".into(), "bob".into()],
            &[
                vec![s(0, 3, PER), s(4, 8, ORG), s(11, 13, PER), s(17, 20, LOC)],
                vec![
                    s(0, 3, PER),
                    s(4, 6, LOC),
                    s(6, 8, ORG),
                    s(13, 15, PER),
                    s(17, 19, LOC),
                ],
            ],
        )
    }

    fn gold_with(entities: Vec<Entity>) -> Annotations {
        Annotations::new(entities, vec![], Status::Todo)
    }

    #[test]
    fn agreed_spans_and_disagreement_clusters() {
        let r = two();
        assert_eq!(r.agreed, vec![s(0, 3, PER)]);
        let ranges: Vec<(usize, usize)> =
            r.disagreements.iter().map(|d| (d.start, d.end)).collect();
        // Overlapping spans form one; touching ones (张三|李四) too.
        assert_eq!(ranges, vec![(4, 8), (11, 15), (17, 20)]);
        assert_eq!(r.disagreements[0].version(0), vec![s(4, 8, ORG)]);
        assert_eq!(
            r.disagreements[0].version(1),
            vec![s(4, 6, LOC), s(6, 8, ORG)]
        );
        assert_eq!(r.describe(1, text_of), "alice:PER 张三 · bob:PER 李四");
        assert_eq!(
            r.describe(0, text_of),
            "alice:ORG 北京大学 · bob:LOC 北京 + ORG 大学"
        );
        assert_eq!(r.at(5), Some(0));
        assert_eq!(r.at(9), None);
        assert_eq!(r.at(14), Some(1));
        // Agreed entities carry everyone in `by`.
        let e = r.agreed_entities(text_of);
        assert_eq!((e[0].text.as_str(), e[0].by.len()), ("李培华", 2));
        assert_eq!(e[0].source, Source::Review);
    }

    #[test]
    fn one_annotator_or_a_third_who_differs_means_nothing_is_agreed() {
        let one = Review::new(vec!["alice".into()], &[vec![s(0, 3, PER)]]);
        assert!(one.agreed.is_empty());
        assert_eq!(one.disagreements.len(), 1);
        // Three annotators: 李培华 by two of three is a disagreement, with who had it.
        let three = Review::new(
            vec!["a".into(), "b".into(), "c".into()],
            &[vec![s(0, 3, PER)], vec![s(0, 3, PER)], vec![s(0, 2, PER)]],
        );
        assert!(three.agreed.is_empty());
        let d = &three.disagreements[0];
        assert_eq!(
            d.spans,
            vec![(s(0, 2, PER), vec![2]), (s(0, 3, PER), vec![0, 1])]
        );
        assert_eq!(three.names(&d.spans[1].1), vec!["a", "b"]);
        // Overlapping spans of one annotator (a hand-edited file): the later one is
        // dropped, as when the file is opened.
        let odd = Review::new(
            vec!["a".into(), "b".into()],
            &[vec![s(0, 3, PER), s(1, 4, LOC)], vec![s(0, 3, PER)]],
        );
        assert_eq!((odd.agreed.len(), odd.disagreements.len()), (1, 0));
    }

    fn apply(r: &Review, gold: &mut Annotations, i: usize, c: Choice) -> Result<(), String> {
        let change = r.choice_change(i, c, gold, text_of)?;
        gold.apply(change);
        Ok(())
    }

    #[test]
    fn each_choice_and_its_by_lists() {
        let r = two();
        let mut gold = gold_with(r.agreed_entities(text_of));
        assert_eq!(r.open_in(&gold), BTreeSet::from([0, 1, 2]));
        // bob's version of 北京大学: two entities, by bob.
        apply(&r, &mut gold, 0, Choice::Take(1)).unwrap();
        let got: Vec<(usize, usize, Label, Vec<String>)> = gold
            .entities
            .iter()
            .map(|e| (e.start, e.end, e.label, e.by.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 3, PER, vec!["alice".into(), "bob".into()]),
                (4, 6, LOC, vec!["bob".into()]),
                (6, 8, ORG, vec!["bob".into()])
            ]
        );
        // Changing one's mind: alice's replaces bob's.
        apply(&r, &mut gold, 0, Choice::Take(0)).unwrap();
        assert_eq!(gold.entities[1].span(), s(4, 8, ORG));
        assert_eq!(gold.entities.len(), 2);
        // The same choice again changes nothing.
        assert!(r
            .choice_change(0, Choice::Take(0), &gold, text_of)
            .unwrap()
            .is_empty());
        // Both where they do not overlap (张三 and 李四 touch) ...
        apply(&r, &mut gold, 1, Choice::All).unwrap();
        assert!(gold.entities.iter().any(|e| e.text == "张三"));
        assert!(gold.entities.iter().any(|e| e.text == "李四"));
        // ... and not where they do.
        let e = r.choice_change(2, Choice::All, &gold, text_of).unwrap_err();
        assert!(e.contains("overlap"), "{e}");
        // Neither: the spans are rejected, and that resolves it.
        apply(&r, &mut gold, 2, Choice::Neither).unwrap();
        assert_eq!(gold.rejected.len(), 2);
        assert!(r.is_resolved(2, &gold));
        assert!(r.open_in(&gold).is_empty());
        // Taking a version after neither lifts the rejections.
        apply(&r, &mut gold, 2, Choice::Take(1)).unwrap();
        assert!(gold.rejected.is_empty());
        assert!(gold.entities.iter().any(|e| e.span() == s(17, 19, LOC)));
        // Undo goes back one choice at a time.
        gold.undo();
        assert_eq!(gold.rejected.len(), 2);
    }

    #[test]
    fn resolved_state_comes_from_the_gold_file_alone() {
        let r = two();
        let mut gold = gold_with(r.agreed_entities(text_of));
        apply(&r, &mut gold, 0, Choice::Take(0)).unwrap();
        apply(&r, &mut gold, 2, Choice::Neither).unwrap();
        // Through the file format and back: the same open set.
        let mut f = crate::annotation::AnnotationFile::new("a.txt", "0", "rev");
        f.entities = gold.entities.clone();
        f.rejected = gold.rejected.clone();
        let back = crate::annotation::AnnotationFile::parse(&f.to_json()).unwrap();
        assert!(back.entities.iter().all(|e| e.source == Source::Review));
        assert_eq!(back.entities[1].by, vec!["alice".to_string()]);
        let reopened = Annotations::new(back.entities, back.rejected, back.status);
        assert_eq!(r.open_in(&reopened), BTreeSet::from([1]));
        // A span fixed by hand over a disagreement resolves it too; removing it reopens.
        let mut gold = reopened;
        let change = gold.label_change(11, 13, PER, "张三", Source::Manual);
        gold.apply(change);
        let mut open = BTreeSet::from([1]);
        let (a, b) = gold.take_touched().unwrap();
        r.recheck(&mut open, &gold, a, b);
        assert!(open.is_empty());
        gold.undo();
        let (a, b) = gold.take_touched().unwrap();
        r.recheck(&mut open, &gold, a, b);
        assert_eq!(open, BTreeSet::from([1]));
    }

    #[test]
    fn the_slicer_gives_the_same_texts_as_counting_from_the_start() {
        let mut sl = Slicer::new(TEXT);
        for (a, b) in [(0, 3), (2, 6), (4, 8), (17, 20), (1, 2), (20, 21)] {
            assert_eq!(sl.slice(a, b), text_of(a, b));
        }
    }

    #[test]
    fn walking_the_open_ones_with_wrap() {
        let r = two();
        let open = BTreeSet::from([0, 2]);
        assert_eq!(r.next_open(&open, 0, true, false), Some((0, false)));
        // From inside 0, the next open one is 2 (1 is resolved).
        assert_eq!(r.next_open(&open, 4, true, false), Some((2, false)));
        assert_eq!(r.next_open(&open, 17, true, false), Some((0, true)));
        assert_eq!(r.next_open(&open, 17, false, false), Some((0, false)));
        assert_eq!(r.next_open(&open, 4, false, false), Some((2, true)));
        assert_eq!(r.next_open(&BTreeSet::new(), 4, true, false), None);
        // Freshly opened with the cursor where one starts: that one first.
        assert_eq!(r.next_open(&open, 4, true, true), Some((0, false)));
        assert_eq!(r.next_open(&open, 5, true, true), Some((2, false)));
    }
}
