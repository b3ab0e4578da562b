//! Averaged structured perceptron training (Collins 2002) of the character tagger.

use super::decode::{spans, viterbi};
use super::features::PER_CHAR;
use super::model::{allowed, begin, inside, label_of, Model};
use rustc_hash::FxHashMap;

/// One training sentence: its features and gold tags.
#[derive(Debug, Clone)]
pub struct Example {
    pub feats: Vec<u64>,
    pub gold: Vec<u8>,
    /// Labels (bit `k` for label `k`) this sentence says nothing about: predicted spans of
    /// these labels over unlabelled characters are not counted as mistakes. An annotator
    /// who marked no person in a whole article has not said there are none.
    pub unlabelled: u64,
}

impl Example {
    /// Gold tags from entity spans `(start, end, label index)`; overlapping spans keep the
    /// first.
    pub fn new(feats: Vec<u64>, n: usize, spans: &[(usize, usize, usize)]) -> Example {
        let mut gold = vec![0u8; n];
        for &(s, e, k) in spans {
            if s >= e || e > n || gold[s..e].iter().any(|&g| g != 0) {
                continue;
            }
            gold[s] = begin(k) as u8;
            for g in &mut gold[s + 1..e] {
                *g = inside(k) as u8;
            }
        }
        Example {
            feats,
            gold,
            unlabelled: 0,
        }
    }

    /// The same example, with labels it says nothing about (see [`Example::unlabelled`]).
    pub fn with_unlabelled(mut self, labels: u64) -> Example {
        self.unlabelled = labels;
        self
    }

    /// The gold tags to learn from against `pred`: predicted spans of unlabelled labels
    /// where the gold has nothing are taken as right.
    fn target(&self, pred: &[usize]) -> std::borrow::Cow<'_, [u8]> {
        if self.unlabelled == 0 {
            return std::borrow::Cow::Borrowed(&self.gold);
        }
        let mut gold = self.gold.clone();
        for (s, e, k) in spans(pred) {
            if k < 64 && self.unlabelled & (1 << k) != 0 && gold[s..e].iter().all(|&g| g == 0) {
                gold[s] = begin(k) as u8;
                for g in &mut gold[s + 1..e] {
                    *g = inside(k) as u8;
                }
            }
        }
        std::borrow::Cow::Owned(gold)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub epochs: usize,
    pub seed: u64,
    /// Features seen fewer times in the training data are left out.
    pub min_count: u32,
    /// Keep at most this many features (the ones with the largest weights).
    pub max_features: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            epochs: 8,
            seed: 7,
            min_count: 2,
            max_features: 200_000,
        }
    }
}

/// Trains a model for `labels` on `examples`. With `init`, training starts from its weights
/// (its labels must come first in `labels`, in its order), so a corpus model starts from
/// what the base model knows; averaging over every step keeps it close to them.
pub fn train(
    examples: &[Example],
    labels: Vec<String>,
    opts: &Options,
    init: Option<&Model>,
    mut progress: impl FnMut(usize, usize),
) -> Model {
    let t = 1 + 2 * labels.len();
    // Feature rows: frequent features of the data, plus every feature of the initial model.
    let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
    for ex in examples {
        for &f in &ex.feats {
            if f != 0 {
                *counts.entry(f).or_insert(0) += 1;
            }
        }
    }
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    if let Some(m) = init {
        let mut keys: Vec<(u32, u64)> = m.index.iter().map(|(&k, &r)| (r, k)).collect();
        keys.sort_unstable();
        for (_, k) in keys {
            let n = index.len() as u32;
            index.entry(k).or_insert(n);
        }
    }
    let mut frequent: Vec<u64> = counts
        .iter()
        .filter(|(_, &c)| c >= opts.min_count)
        .map(|(&k, _)| k)
        .collect();
    frequent.sort_unstable();
    for k in frequent {
        let n = index.len() as u32;
        index.entry(k).or_insert(n);
    }
    drop(counts);
    let rows: Vec<Vec<u32>> = examples
        .iter()
        .map(|ex| {
            ex.feats
                .iter()
                .map(|f| index.get(f).copied().unwrap_or(u32::MAX))
                .collect()
        })
        .collect();

    let mut model = Model::empty(labels);
    model.index = index;
    let nf = model.index.len();
    let mut w = vec![0f32; nf * t];
    if let Some(m) = init {
        let mt = m.n_tags();
        for (k, &r) in &m.index {
            let nr = model.index[k] as usize;
            w[nr * t..nr * t + mt]
                .copy_from_slice(&m.weights[r as usize * mt..(r as usize + 1) * mt]);
        }
        for from in 0..=mt {
            for to in 0..mt {
                let nf_ = if from == mt { t } else { from };
                model.trans[nf_ * t + to] = m.trans[from * mt + to];
            }
        }
    }
    // Lazy averaging: `acc` holds the sum of each weight over all steps up to `stamp`.
    let mut acc = vec![0f32; nf * t];
    let mut stamp = vec![0u32; nf * t];
    let mut tr = model.trans.clone();
    let mut tr_acc = vec![0f32; tr.len()];
    let mut tr_stamp = vec![0u32; tr.len()];
    let mut step: u32 = 0;

    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = opts.seed.max(1);
    let mut emit = Vec::new();
    for epoch in 0..opts.epochs {
        // Fisher-Yates with xorshift: deterministic for a seed.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &e in &order {
            let ex = &examples[e];
            let n = ex.gold.len();
            step += 1;
            emit.clear();
            emit.resize(n * t, 0.0);
            for i in 0..n {
                for &r in &rows[e][i * PER_CHAR..(i + 1) * PER_CHAR] {
                    if r != u32::MAX {
                        let r = r as usize;
                        for k in 0..t {
                            emit[i * t + k] += w[r * t + k];
                        }
                    }
                }
            }
            model.trans.copy_from_slice(&tr);
            let pred = viterbi(&model, &emit);
            let gold = ex.target(&pred);
            let update =
                |cell: usize, delta: f32, w: &mut [f32], acc: &mut [f32], stamp: &mut [u32]| {
                    acc[cell] += w[cell] * (step - stamp[cell]) as f32;
                    stamp[cell] = step;
                    w[cell] += delta;
                };
            for i in 0..n {
                let (g, p) = (gold[i] as usize, pred[i]);
                let gp = if i == 0 { t } else { gold[i - 1] as usize };
                let pp = if i == 0 { t } else { pred[i - 1] };
                if g != p {
                    for &r in &rows[e][i * PER_CHAR..(i + 1) * PER_CHAR] {
                        if r != u32::MAX {
                            let r = r as usize;
                            update(r * t + g, 1.0, &mut w, &mut acc, &mut stamp);
                            update(r * t + p, -1.0, &mut w, &mut acc, &mut stamp);
                        }
                    }
                }
                if g != p || gp != pp {
                    update(gp * t + g, 1.0, &mut tr, &mut tr_acc, &mut tr_stamp);
                    update(pp * t + p, -1.0, &mut tr, &mut tr_acc, &mut tr_stamp);
                }
            }
        }
        progress(epoch + 1, opts.epochs);
    }
    // Averages, including the initial weights' time before their first update. With no
    // step at all the weights are the initial ones.
    if step > 0 {
        let total = step as f32;
        for i in 0..w.len() {
            w[i] = (acc[i] + w[i] * (step - stamp[i]) as f32) / total;
        }
        for i in 0..tr.len() {
            tr[i] = (tr_acc[i] + tr[i] * (step - tr_stamp[i]) as f32) / total;
        }
    }
    model.trans = tr;
    model.weights = w;
    prune(&mut model, opts.max_features);
    model
}

/// Drops features whose weights are all (nearly) zero, then keeps the `max` with the
/// largest total weight.
pub fn prune(model: &mut Model, max: usize) {
    let t = model.n_tags();
    let mut rows: Vec<(u64, u32, f32)> = model
        .index
        .iter()
        .map(|(&k, &r)| {
            let l1: f32 = model.weights[r as usize * t..(r as usize + 1) * t]
                .iter()
                .map(|w| w.abs())
                .sum();
            (k, r, l1)
        })
        .filter(|&(_, _, l1)| l1 > 1e-4)
        .collect();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    rows.truncate(max);
    rows.sort_by_key(|&(k, _, _)| k);
    let mut index = FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut weights = Vec::with_capacity(rows.len() * t);
    for (new, (k, r, _)) in rows.into_iter().enumerate() {
        index.insert(k, new as u32);
        weights.extend_from_slice(&model.weights[r as usize * t..(r as usize + 1) * t]);
    }
    model.index = index;
    model.weights = weights;
}

/// Entities of one sentence: `(start, end, label index)`.
type Entities = Vec<(usize, usize, usize)>;

/// Counts of true positives, false positives and false negatives, per label index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub per_label: Vec<(usize, usize, usize)>,
}

impl Score {
    pub fn f1_of(tp: usize, fp: usize, fn_: usize) -> f64 {
        if tp == 0 {
            return 0.0;
        }
        let p = tp as f64 / (tp + fp) as f64;
        let r = tp as f64 / (tp + fn_) as f64;
        2.0 * p * r / (p + r)
    }
    pub fn micro_f1(&self) -> f64 {
        let (tp, fp, fn_) = self
            .per_label
            .iter()
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        Self::f1_of(tp, fp, fn_)
    }
    pub fn label_f1(&self, k: usize) -> f64 {
        let (tp, fp, fn_) = self.per_label.get(k).copied().unwrap_or_default();
        Self::f1_of(tp, fp, fn_)
    }
    /// Adds predicted and gold entity sets of one sentence.
    pub fn add(&mut self, pred: &[(usize, usize, usize)], gold: &[(usize, usize, usize)]) {
        for &(_, _, k) in pred.iter().chain(gold) {
            if self.per_label.len() <= k {
                self.per_label.resize(k + 1, (0, 0, 0));
            }
        }
        for p in pred {
            if gold.contains(p) {
                self.per_label[p.2].0 += 1;
            } else {
                self.per_label[p.2].1 += 1;
            }
        }
        for g in gold {
            if !pred.contains(g) {
                self.per_label[g.2].2 += 1;
            }
        }
    }
}

/// The model's entities of one example.
pub fn predict(model: &Model, feats: &[u64]) -> Vec<(usize, usize, usize)> {
    let mut emit = Vec::new();
    model.emissions(feats, PER_CHAR, &mut emit);
    spans(&viterbi(model, &emit))
}

/// Scores `model` on `examples` (gold from their tags).
pub fn evaluate(model: &Model, examples: &[Example]) -> Score {
    let mut score = Score::default();
    for ex in examples {
        let gold: Vec<usize> = ex.gold.iter().map(|&g| g as usize).collect();
        score.add(&predict(model, &ex.feats), &spans(&gold));
    }
    score
}

/// The temperature (from a fixed grid) under which the predicted entities' probabilities
/// best match how often they are right (least log loss) on `examples`.
pub fn calibrate(model: &Model, examples: &[Example]) -> f32 {
    let grid = [
        0.5f32, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0,
    ];
    let mut emit = Vec::new();
    let mut cases: Vec<(Vec<f32>, Entities, Entities)> = Vec::new();
    for ex in examples {
        model.emissions(&ex.feats, PER_CHAR, &mut emit);
        let pred = spans(&viterbi(model, &emit));
        let gold: Vec<usize> = ex.gold.iter().map(|&g| g as usize).collect();
        cases.push((emit.clone(), pred, spans(&gold)));
    }
    let mut best = (f64::INFINITY, 1.0);
    for &temp in &grid {
        let mut m = model.clone();
        m.temperature = temp;
        let mut loss = 0.0f64;
        for (emit, pred, gold) in &cases {
            let mg = super::decode::Marginals::new(&m, emit);
            for p in pred {
                let q = (mg.span(p.0, p.1, p.2) as f64).clamp(1e-6, 1.0 - 1e-6);
                loss -= if gold.contains(p) {
                    q.ln()
                } else {
                    (1.0 - q).ln()
                };
            }
        }
        if loss < best.0 {
            best = (loss, temp);
        }
    }
    best.1
}

/// Whether every tag sequence the decoder may produce is well formed (used by tests).
pub fn well_formed(tags: &[usize]) -> bool {
    tags.iter()
        .enumerate()
        .all(|(i, &t)| allowed(if i == 0 { None } else { Some(tags[i - 1]) }, t))
        && tags.iter().all(|&t| t == 0 || label_of(t).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy language: the character after "在" begins a two-character place.
    fn toy_examples() -> Vec<Example> {
        let mut out = Vec::new();
        for s in 0..40u64 {
            let n = 6;
            let mut feats = vec![0u64; n * PER_CHAR];
            let place_at = 1 + (s as usize % 3);
            for i in 0..n {
                feats[i * PER_CHAR] = 1; // bias
                feats[i * PER_CHAR + 1] = if i + 1 == place_at { 11 } else { 12 + s % 5 };
                feats[i * PER_CHAR + 2] = if i == place_at { 21 } else { 22 };
            }
            out.push(Example::new(feats, n, &[(place_at, place_at + 2, 0)]));
        }
        out
    }

    #[test]
    fn perceptron_learns_a_toy_rule_and_is_deterministic() {
        let ex = toy_examples();
        let opts = Options {
            epochs: 5,
            min_count: 1,
            ..Options::default()
        };
        let m = train(&ex, vec!["LOC".into()], &opts, None, |_, _| {});
        let score = evaluate(&m, &ex);
        assert!(score.micro_f1() > 0.99, "{score:?}");
        let m2 = train(&ex, vec!["LOC".into()], &opts, None, |_, _| {});
        assert_eq!(m.to_bytes(), m2.to_bytes());
    }

    #[test]
    fn training_from_a_model_adds_labels_and_keeps_old_weights() {
        let ex = toy_examples();
        let opts = Options {
            epochs: 3,
            min_count: 1,
            ..Options::default()
        };
        let base = train(&ex, vec!["LOC".into()], &opts, None, |_, _| {});
        // No new data for the old label, one new label: the old skill survives.
        let more = train(
            &[],
            vec!["LOC".into(), "DISEASE".into()],
            &opts,
            Some(&base),
            |_, _| {},
        );
        assert_eq!(more.labels, vec!["LOC", "DISEASE"]);
        assert!(evaluate(&more, &ex).label_f1(0) > 0.99);
    }

    #[test]
    fn labels_an_example_says_nothing_about_are_not_unlearned() {
        // The toy place rule, learned; then "annotations" that never mark a place. Taught as
        // plain negatives they erase the rule; marked unlabelled for the label, they do not.
        let ex = toy_examples();
        let opts = Options {
            epochs: 5,
            min_count: 1,
            ..Options::default()
        };
        let base = train(&ex, vec!["LOC".into()], &opts, None, |_, _| {});
        let silent: Vec<Example> = ex
            .iter()
            .map(|e| Example::new(e.feats.clone(), e.gold.len(), &[]))
            .collect();
        let erased = train(&silent, vec!["LOC".into()], &opts, Some(&base), |_, _| {});
        assert!(evaluate(&erased, &ex).label_f1(0) < 0.5);
        let kept: Vec<Example> = silent.into_iter().map(|e| e.with_unlabelled(1)).collect();
        let kept = train(&kept, vec!["LOC".into()], &opts, Some(&base), |_, _| {});
        assert!(evaluate(&kept, &ex).label_f1(0) > 0.99);
    }

    #[test]
    fn scores_count_exact_matches_only() {
        let mut s = Score::default();
        s.add(&[(0, 2, 0), (3, 5, 1)], &[(0, 2, 0), (3, 6, 1)]);
        assert_eq!(s.per_label, vec![(1, 0, 0), (0, 1, 1)]);
        assert!((s.micro_f1() - 0.5).abs() < 1e-9);
    }
}
