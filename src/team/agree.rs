//! Inter-annotator agreement, pure: exact-span F1, character-level Cohen's kappa per pair,
//! Fleiss' kappa for three or more, and the kinds of disagreement. Counts are kept per
//! article and added up, so a corpus is compared article by article without holding it.

use crate::label::{Label, Span};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A character's category: outside any span (`None`, "O") or a label.
pub type Category = Option<Label>;

/// The category of every character of an article of `len` code points, as an index into
/// `cats` (the article's labels, sorted) plus one; 0 is O. Labels are data, so the
/// categories of an article are counted densely here and named when added up.
fn char_labels(len: usize, spans: &[Span], cats: &[Label]) -> Vec<u16> {
    let mut out = vec![0u16; len];
    for s in spans {
        let (a, b) = (s.start.min(len), s.end.min(len));
        let k = cats.binary_search(&s.label).map_or(0, |k| k + 1);
        out[a..b].fill(k as u16);
    }
    out
}

fn category(cats: &[Label], k: usize) -> Category {
    k.checked_sub(1).map(|k| cats[k])
}

fn bump(map: &mut BTreeMap<Label, u64>, l: Label) {
    *map.entry(l).or_default() += 1;
}

fn add_map<K: Ord + Copy>(to: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, v) in from {
        *to.entry(*k).or_default() += v;
    }
}

/// Kinds of disagreement between two annotators. Spans that are not matched exactly are
/// grouped by overlap (a group: spans of either side linked by overlapping); each group
/// counts once, so the counts are the same whichever annotator comes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Disagreements {
    /// Same boundaries, different label.
    pub label: u64,
    /// Overlapping spans, same label, different boundaries.
    pub boundary: u64,
    /// Overlapping spans with different boundaries and labels.
    pub label_and_boundary: u64,
    /// A span only the first annotator marked (nothing of the other overlaps it).
    pub only_a: u64,
    /// A span only the second annotator marked.
    pub only_b: u64,
}

impl Disagreements {
    pub fn total(&self) -> u64 {
        self.label + self.boundary + self.label_and_boundary + self.only_a + self.only_b
    }

    fn add(&mut self, o: &Disagreements) {
        self.label += o.label;
        self.boundary += o.boundary;
        self.label_and_boundary += o.label_and_boundary;
        self.only_a += o.only_a;
        self.only_b += o.only_b;
    }
}

/// What one pair of annotators did, added up over articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairCounts {
    /// Spans both marked with the same start, end and label, per label.
    pub matched: BTreeMap<Label, u64>,
    /// Spans of the first annotator, per label.
    pub spans_a: BTreeMap<Label, u64>,
    pub spans_b: BTreeMap<Label, u64>,
    /// Characters by (first annotator's category, second's); cells never seen are absent.
    pub confusion: BTreeMap<(Category, Category), u64>,
    pub disagreements: Disagreements,
}

impl PairCounts {
    pub fn add(&mut self, o: &PairCounts) {
        add_map(&mut self.matched, &o.matched);
        add_map(&mut self.spans_a, &o.spans_a);
        add_map(&mut self.spans_b, &o.spans_b);
        add_map(&mut self.confusion, &o.confusion);
        self.disagreements.add(&o.disagreements);
    }

    /// Every label either annotator used.
    pub fn labels(&self) -> BTreeSet<Label> {
        self.spans_a
            .keys()
            .chain(self.spans_b.keys())
            .copied()
            .collect()
    }

    /// Count of `label` in one of the per-label maps (0 when absent).
    pub fn count(map: &BTreeMap<Label, u64>, label: Label) -> u64 {
        map.get(&label).copied().unwrap_or(0)
    }

    /// Exact-span F1 for one label (`None`: all labels): 2·matched / (spans of A + spans
    /// of B), symmetric, the same as taking either side as the reference. `None` when
    /// neither marked anything.
    pub fn f1(&self, label: Option<Label>) -> Option<f64> {
        let pick = |v: &BTreeMap<Label, u64>| match label {
            Some(l) => PairCounts::count(v, l),
            None => v.values().sum(),
        };
        let (m, a, b) = (
            pick(&self.matched),
            pick(&self.spans_a),
            pick(&self.spans_b),
        );
        (a + b > 0).then(|| 2.0 * m as f64 / (a + b) as f64)
    }

    /// Cohen's kappa over characters: (p_o − p_e) / (1 − p_e). `None` when it is not
    /// defined (no characters, or both always used one and the same category).
    pub fn kappa(&self) -> Option<f64> {
        let n: u64 = self.confusion.values().sum();
        if n == 0 {
            return None;
        }
        let n = n as f64;
        let mut agree = 0u64;
        let mut rows: BTreeMap<Category, u64> = BTreeMap::new();
        let mut cols: BTreeMap<Category, u64> = BTreeMap::new();
        for (&(a, b), &c) in &self.confusion {
            if a == b {
                agree += c;
            }
            *rows.entry(a).or_default() += c;
            *cols.entry(b).or_default() += c;
        }
        let po = agree as f64 / n;
        let pe: f64 = rows
            .iter()
            .map(|(k, &row)| {
                let col = cols.get(k).copied().unwrap_or(0);
                (row as f64 / n) * (col as f64 / n)
            })
            .sum();
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }
}

/// The sums Fleiss' kappa needs, added up over characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleissCounts {
    pub raters: u64,
    /// Characters rated.
    pub items: u64,
    /// Σ over characters of Σ over categories of n_ij² (n_ij: raters putting character i
    /// in category j).
    pub sum_sq: u64,
    /// Σ over characters of n_ij, per category.
    pub totals: BTreeMap<Category, u64>,
}

impl FleissCounts {
    pub fn add(&mut self, o: &FleissCounts) {
        self.raters = self.raters.max(o.raters);
        self.items += o.items;
        self.sum_sq += o.sum_sq;
        add_map(&mut self.totals, &o.totals);
    }

    /// Fleiss' kappa: (P̄ − P̄_e) / (1 − P̄_e) with P̄ = (Σ n_ij² − N·n) / (N·n·(n − 1))
    /// and P̄_e = Σ_j (total_j / (N·n))². `None` when not defined.
    pub fn kappa(&self) -> Option<f64> {
        let (n, big_n) = (self.raters as f64, self.items as f64);
        if self.raters < 2 || self.items == 0 {
            return None;
        }
        let p_bar = (self.sum_sq as f64 - big_n * n) / (big_n * n * (n - 1.0));
        let pe: f64 = self
            .totals
            .values()
            .map(|&t| {
                let p = t as f64 / (big_n * n);
                p * p
            })
            .sum();
        (pe < 1.0).then(|| (p_bar - pe) / (1.0 - pe))
    }
}

/// Agreement within one article, or over many added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// One per pair, in the order of [`pairs`].
    pub pairs: Vec<PairCounts>,
    /// Only with three or more annotators.
    pub fleiss: Option<FleissCounts>,
}

impl Agreement {
    /// Empty counts for `annotators` annotators.
    pub fn new(annotators: usize) -> Agreement {
        Agreement {
            pairs: vec![PairCounts::default(); pairs(annotators).len()],
            fleiss: (annotators >= 3).then(|| FleissCounts {
                raters: annotators as u64,
                ..FleissCounts::default()
            }),
        }
    }

    pub fn add(&mut self, o: &Agreement) {
        for (p, op) in self.pairs.iter_mut().zip(&o.pairs) {
            p.add(op);
        }
        if let (Some(f), Some(of)) = (&mut self.fleiss, &o.fleiss) {
            f.add(of);
        }
    }

    /// Mean exact-span F1 over the pairs; an article nobody marked anything in counts as
    /// full agreement (1.0).
    pub fn mean_f1(&self) -> f64 {
        if self.pairs.is_empty() {
            return 1.0;
        }
        let sum: f64 = self.pairs.iter().map(|p| p.f1(None).unwrap_or(1.0)).sum();
        sum / self.pairs.len() as f64
    }
}

/// The pairs (i, j), i < j, of `n` annotators, in a fixed order.
pub fn pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect()
}

/// Compares the spans of every annotator (`spans[k]`: annotator k's) on one article of
/// `len` code points.
pub fn compare_article(len: usize, spans: &[Vec<Span>]) -> Agreement {
    let cats: Vec<Label> = spans
        .iter()
        .flatten()
        .map(|s| s.label)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let k_cats = cats.len() + 1;
    let chars: Vec<Vec<u16>> = spans.iter().map(|s| char_labels(len, s, &cats)).collect();
    let mut out = Agreement::new(spans.len());
    for (k, &(i, j)) in pairs(spans.len()).iter().enumerate() {
        let p = &mut out.pairs[k];
        let mut dense = vec![0u64; k_cats * k_cats];
        for (&a, &b) in chars[i].iter().zip(&chars[j]) {
            dense[a as usize * k_cats + b as usize] += 1;
        }
        for (cell, &c) in dense.iter().enumerate().filter(|(_, &c)| c > 0) {
            let key = (
                category(&cats, cell / k_cats),
                category(&cats, cell % k_cats),
            );
            *p.confusion.entry(key).or_default() += c;
        }
        compare_spans(&spans[i], &spans[j], p);
    }
    if let Some(f) = &mut out.fleiss {
        f.items = len as u64;
        let mut totals = vec![0u64; k_cats];
        let mut n = vec![0u64; k_cats];
        for c in 0..len {
            n.fill(0);
            for a in &chars {
                n[a[c] as usize] += 1;
            }
            f.sum_sq += n.iter().map(|x| x * x).sum::<u64>();
            for (t, x) in totals.iter_mut().zip(&n) {
                *t += x;
            }
        }
        for (k, &t) in totals.iter().enumerate().filter(|(_, &t)| t > 0) {
            *f.totals.entry(category(&cats, k)).or_default() += t;
        }
    }
    out
}

/// Span counts, exact matches and disagreement groups of one pair on one article.
fn compare_spans(a: &[Span], b: &[Span], p: &mut PairCounts) {
    let set_a: HashSet<&Span> = a.iter().collect();
    let set_b: HashSet<&Span> = b.iter().collect();
    for s in a {
        bump(&mut p.spans_a, s.label);
        if set_b.contains(s) {
            bump(&mut p.matched, s.label);
        }
    }
    for s in b {
        bump(&mut p.spans_b, s.label);
    }
    // Unmatched spans of both sides, sorted by start; runs of overlapping ones are the
    // groups (interval overlap is found by a sweep keeping the run's furthest end).
    let mut rest: Vec<(Span, bool)> = a
        .iter()
        .filter(|s| !set_b.contains(s))
        .map(|&s| (s, true))
        .chain(b.iter().filter(|s| !set_a.contains(s)).map(|&s| (s, false)))
        .collect();
    rest.sort_by_key(|(s, from_a)| (s.start, s.end, !*from_a));
    let mut i = 0;
    while i < rest.len() {
        let mut end = rest[i].0.end;
        let mut j = i + 1;
        while j < rest.len() && rest[j].0.start < end {
            end = end.max(rest[j].0.end);
            j += 1;
        }
        classify(&rest[i..j], &mut p.disagreements);
        i = j;
    }
}

/// Counts one group of overlapping unmatched spans.
fn classify(group: &[(Span, bool)], d: &mut Disagreements) {
    let has_a = group.iter().any(|(_, a)| *a);
    let has_b = group.iter().any(|(_, a)| !*a);
    if !has_b {
        d.only_a += group.len() as u64;
        return;
    }
    if !has_a {
        d.only_b += group.len() as u64;
        return;
    }
    let first = group[0].0;
    let same_bounds = group
        .iter()
        .all(|(s, _)| (s.start, s.end) == (first.start, first.end));
    let same_label = group.iter().all(|(s, _)| s.label == first.label);
    if same_bounds {
        d.label += 1;
    } else if same_label {
        d.boundary += 1;
    } else {
        d.label_and_boundary += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const PER: Label = Label::PER;
    const LOC: Label = Label::LOC;
    const ORG: Label = Label::ORG;
    const TIME: Label = Label::TIME;
    const QTY: Label = Label::QTY;

    fn s(start: usize, end: usize, label: Label) -> Span {
        Span::new(start, end, label)
    }

    /// The fixture: an article of 20 characters.
    ///
    /// A: 0..2 PER, 3..5 LOC, 6..9 ORG, 10..12 PER, 15..17 TIME
    /// B: 0..2 PER, 3..5 ORG, 6..8 ORG, 13..14 LOC, 15..17 TIME
    /// C: the same as A
    fn fixture() -> Vec<Vec<Span>> {
        let a = vec![
            s(0, 2, PER),
            s(3, 5, LOC),
            s(6, 9, ORG),
            s(10, 12, PER),
            s(15, 17, TIME),
        ];
        let b = vec![
            s(0, 2, PER),
            s(3, 5, ORG),
            s(6, 8, ORG),
            s(13, 14, LOC),
            s(15, 17, TIME),
        ];
        vec![a.clone(), b, a]
    }

    fn close(x: Option<f64>, want: f64) -> bool {
        x.is_some_and(|x| (x - want).abs() < 1e-9)
    }

    #[test]
    fn span_f1_and_disagreements_by_hand() {
        let f = fixture();
        let ag = compare_article(20, &f[..2]);
        let p = &ag.pairs[0];
        // Exact matches: 0..2 PER and 15..17 TIME; 5 spans each: F1 = 2·2/(5+5) = 0.4.
        assert!(close(p.f1(None), 0.4));
        // PER: A has 2, B 1, 1 matched: 2/3. LOC: 1 + 1, none matched: 0. ORG: 1 + 2,
        // none: 0. TIME: 1 + 1, 1 matched: 1. QTY: nobody: undefined.
        assert!(close(p.f1(Some(PER)), 2.0 / 3.0));
        assert!(close(p.f1(Some(LOC)), 0.0));
        assert!(close(p.f1(Some(ORG)), 0.0));
        assert!(close(p.f1(Some(TIME)), 1.0));
        assert_eq!(p.f1(Some(QTY)), None);
        // 3..5 LOC vs ORG: label; 6..9 vs 6..8 ORG: boundary; 10..12 PER: only A;
        // 13..14 LOC: only B.
        assert_eq!(
            p.disagreements,
            Disagreements {
                label: 1,
                boundary: 1,
                label_and_boundary: 0,
                only_a: 1,
                only_b: 1
            }
        );
    }

    #[test]
    fn cohen_kappa_by_hand() {
        // Per character (A / B):
        //   0-1 PER/PER, 2 O/O, 3-4 LOC/ORG, 5 O/O, 6-7 ORG/ORG, 8 ORG/O, 9 O/O,
        //   10-11 PER/O, 12 O/O, 13 O/LOC, 14 O/O, 15-16 TIME/TIME, 17-19 O/O.
        // Agreeing: 14 of 20, p_o = 0.7.
        // Marginals A: O 9, PER 4, LOC 2, ORG 3, TIME 2; B: O 11, PER 2, LOC 1, ORG 4, TIME 2.
        // p_e = (9·11 + 4·2 + 2·1 + 3·4 + 2·2) / 400 = 125/400 = 0.3125.
        // kappa = (0.7 − 0.3125) / (1 − 0.3125) = 0.3875 / 0.6875 = 31/55.
        let f = fixture();
        let ag = compare_article(20, &f[..2]);
        assert!(close(ag.pairs[0].kappa(), 31.0 / 55.0));
        assert_eq!(ag.fleiss, None, "two annotators: no Fleiss");
    }

    #[test]
    fn fleiss_kappa_by_hand() {
        // Three raters, C = A. On the 14 characters where A and B agree all three agree:
        // Σn² = 9, P_i = (9 − 3)/6 = 1. On the other 6: counts 2 and 1, Σn² = 5,
        // P_i = (5 − 3)/6 = 1/3. P̄ = (14 + 6/3)/20 = 0.8.
        // Totals (A twice + B): O 29, PER 10, LOC 5, ORG 10, TIME 6 of 60.
        // P̄_e = (29² + 10² + 5² + 10² + 6²)/60² = 1102/3600.
        // kappa = (2880 − 1102)/(3600 − 1102) = 1778/2498 = 889/1249.
        let ag = compare_article(20, &fixture());
        let fl = ag.fleiss.as_ref().unwrap();
        assert_eq!((fl.items, fl.sum_sq), (20, 14 * 9 + 6 * 5));
        assert!(close(fl.kappa(), 889.0 / 1249.0));
        // Pairs (A,B), (A,C), (B,C): A and C agree fully.
        assert_eq!(ag.pairs.len(), 3);
        assert!(close(ag.pairs[1].kappa(), 1.0));
        assert!(close(ag.pairs[1].f1(None), 1.0));
        assert_eq!(ag.pairs[1].disagreements.total(), 0);
    }

    #[test]
    fn counts_add_up_over_articles_and_do_not_depend_on_order() {
        let f = fixture();
        let one = compare_article(20, &f[..2]);
        let mut two = Agreement::new(2);
        two.add(&one);
        two.add(&one);
        // The same article twice: same ratios, doubled counts.
        assert!(close(two.pairs[0].kappa(), 31.0 / 55.0));
        assert!(close(two.pairs[0].f1(None), 0.4));
        assert_eq!(two.pairs[0].disagreements.total(), 8);
        // Swapping the annotators swaps one-sided counts, nothing else.
        let swapped = compare_article(20, &[f[1].clone(), f[0].clone()]);
        let d = swapped.pairs[0].disagreements;
        assert_eq!((d.label, d.boundary, d.only_a, d.only_b), (1, 1, 1, 1));
        assert!(close(swapped.pairs[0].kappa(), 31.0 / 55.0));
    }

    #[test]
    fn a_span_split_in_two_by_the_other_counts_once() {
        // A: 北京大学 as ORG; B: 北京 LOC + 大学 ORG: one group, labels and boundaries.
        let ag = compare_article(6, &[vec![s(0, 4, ORG)], vec![s(0, 2, LOC), s(2, 4, ORG)]]);
        let d = ag.pairs[0].disagreements;
        assert_eq!((d.label_and_boundary, d.total()), (1, 1));
        // Nobody marked anything: F1 and kappa are undefined, not 0 or 1.
        let empty = compare_article(5, &[vec![], vec![]]);
        assert_eq!(empty.pairs[0].f1(None), None);
        assert_eq!(empty.pairs[0].kappa(), None);
        assert_eq!(empty.mean_f1(), 1.0);
    }
}
