//! First-order Viterbi over the tag lattice, and span probabilities from forward-backward
//! over the same scores divided by the model's temperature.

use super::model::{allowed, begin, inside, label_of, Model};

/// Transition scores with the disallowed ones at minus infinity, transposed: row `to`,
/// column `from`, where `from == n_tags` is the sentence start.
fn transitions_to(model: &Model) -> Vec<f32> {
    let t = model.n_tags();
    let mut out = vec![f32::NEG_INFINITY; t * (t + 1)];
    for to in 0..t {
        for from in 0..=t {
            let f = (from < t).then_some(from);
            if allowed(f, to) {
                out[to * (t + 1) + from] = model.transition(f, to);
            }
        }
    }
    out
}

/// Calls `f(t)` with `t` a constant for the usual tag counts (3 labels, 5 labels), so
/// that the inlined loops over tags are unrolled; any other count runs the same code.
#[inline(always)]
fn with_tag_count<R>(t: usize, f: impl FnOnce(usize) -> R) -> R {
    match t {
        7 => f(7),
        11 => f(11),
        _ => f(t),
    }
}

/// The best tag sequence for per-character scores `emit` (`n * n_tags`).
pub fn viterbi(model: &Model, emit: &[f32]) -> Vec<usize> {
    let t = model.n_tags();
    if emit.len() < t {
        return Vec::new();
    }
    // Disallowed transitions score minus infinity, so the inner loop has no test; the
    // first best predecessor wins ties, as before.
    let trans = transitions_to(model);
    with_tag_count(t, |t| viterbi_with(t, &trans, emit))
}

#[inline(always)]
fn viterbi_with(t: usize, trans: &[f32], emit: &[f32]) -> Vec<usize> {
    let n = emit.len() / t;
    // From-major transitions, so that the inner loop runs over the tags reached (the
    // same step for every tag: it vectorises).
    let mut from_row = vec![f32::NEG_INFINITY; t * t];
    for to in 0..t {
        for from in 0..t {
            from_row[from * t + to] = trans[to * (t + 1) + from];
        }
    }
    let mut score: Vec<f32> = (0..t)
        .map(|to| emit[to] + trans[to * (t + 1) + t])
        .collect();
    let mut best = vec![0f32; t];
    let mut back = vec![0u16; n * t];
    for i in 1..n {
        best.fill(f32::NEG_INFINITY);
        let arg = &mut back[i * t..(i + 1) * t];
        for (from, &s) in score.iter().enumerate() {
            let row = &from_row[from * t..(from + 1) * t];
            for ((b, a), &tr) in best.iter_mut().zip(arg.iter_mut()).zip(row) {
                // Strictly greater: the first best predecessor wins ties, as before.
                let c = s + tr;
                if c > *b {
                    *b = c;
                    *a = from as u16;
                }
            }
        }
        for ((sc, b), e) in score.iter_mut().zip(&best).zip(&emit[i * t..(i + 1) * t]) {
            *sc = b + e;
        }
    }
    let mut tag = (0..t)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]))
        .unwrap_or(0);
    let mut out = vec![0; n];
    for i in (0..n).rev() {
        out[i] = tag;
        tag = back[i * t + tag] as usize;
    }
    out
}

/// Entities of a tag sequence: `(start, end, label index)`.
pub fn spans(tags: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &tag) in tags.iter().enumerate() {
        let cont = open.is_some_and(|(_, k)| tag == inside(k));
        if !cont {
            if let Some((s, k)) = open.take() {
                out.push((s, i, k));
            }
            if tag != 0 {
                open = label_of(tag).map(|k| (i, k));
            }
        }
    }
    if let Some((s, k)) = open {
        out.push((s, tags.len(), k));
    }
    out
}

/// Forward-backward tables over the scores divided by the model's temperature, in
/// probability space with a scale factor per position (Rabiner's scaling): one `exp` per
/// character and tag instead of one per pair of tags, and no logarithms.
pub struct Marginals {
    n_tags: usize,
    /// `exp(emit / temperature - row max)`.
    emit: Vec<f32>,
    /// `exp(transition / temperature)`, 0 where not allowed; row `n_tags` is the start.
    trans: Vec<f32>,
    /// Scaled forward and backward tables.
    alpha: Vec<f32>,
    beta: Vec<f32>,
    /// The forward sum at each position (what `alpha` was divided by).
    scale: Vec<f32>,
    n: usize,
}

impl Marginals {
    pub fn new(model: &Model, emit: &[f32]) -> Marginals {
        with_tag_count(model.n_tags(), |t| Marginals::with(t, model, emit))
    }

    #[inline(always)]
    fn with(t: usize, model: &Model, emit: &[f32]) -> Marginals {
        let n = emit.len() / t;
        let inv = 1.0 / model.temperature;
        let mut e = vec![0f32; n * t];
        for (row, out) in emit.chunks_exact(t).zip(e.chunks_exact_mut(t)) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) * inv;
            for (o, x) in out.iter_mut().zip(row) {
                *o = (x * inv - max).exp();
            }
        }
        let mut trans = vec![0f32; (t + 1) * t];
        for from in 0..=t {
            let f = (from < t).then_some(from);
            for to in 0..t {
                if allowed(f, to) {
                    trans[from * t + to] = (model.transition(f, to) * inv).exp();
                }
            }
        }
        // Both sums are written as one row added to another per source tag (the same
        // step for every tag: it vectorises), forward over `trans` rows and backward
        // over its transpose.
        let mut trans_to = vec![0f32; t * t];
        for from in 0..t {
            for to in 0..t {
                trans_to[to * t + from] = trans[from * t + to];
            }
        }
        let mut alpha = vec![0f32; n * t];
        let mut beta = vec![1f32; n * t];
        let mut scale = vec![1f32; n];
        let mut reach = vec![0f32; t];
        for i in 0..n {
            if i == 0 {
                reach.copy_from_slice(&trans[t * t..]);
            } else {
                reach.fill(0.0);
                for from in 0..t {
                    let a = alpha[(i - 1) * t + from];
                    axpy(&mut reach, a, &trans[from * t..(from + 1) * t]);
                }
            }
            let row = &mut alpha[i * t..(i + 1) * t];
            let mut sum = 0.0;
            for ((a, r), e) in row.iter_mut().zip(&reach).zip(&e[i * t..(i + 1) * t]) {
                *a = r * e;
                sum += *a;
            }
            let sum = if sum > 0.0 { sum } else { f32::MIN_POSITIVE };
            scale[i] = sum;
            for a in row {
                *a /= sum;
            }
        }
        // What each tag at the next position carries back: its emission times its beta.
        let mut carry = vec![0f32; t];
        let mut back = vec![0f32; t];
        for i in (0..n.saturating_sub(1)).rev() {
            for (to, c) in carry.iter_mut().enumerate() {
                *c = e[(i + 1) * t + to] * beta[(i + 1) * t + to];
            }
            back.fill(0.0);
            for (to, &c) in carry.iter().enumerate() {
                axpy(&mut back, c, &trans_to[to * t..(to + 1) * t]);
            }
            for (b, x) in beta[i * t..(i + 1) * t].iter_mut().zip(&back) {
                *b = x / scale[i + 1];
            }
        }
        Marginals {
            n_tags: t,
            emit: e,
            trans,
            alpha,
            beta,
            scale,
            n,
        }
    }

    /// Probability that characters `start..end` are exactly one entity of label `k`.
    pub fn span(&self, start: usize, end: usize, k: usize) -> f32 {
        let t = self.n_tags;
        if start >= end || end > self.n {
            return 0.0;
        }
        let (b, i_) = (begin(k), inside(k));
        let mut p = self.alpha[start * t + b];
        let mut prev = b;
        for j in start + 1..end {
            p *= self.trans[prev * t + i_] * self.emit[j * t + i_] / self.scale[j];
            prev = i_;
        }
        if end < self.n {
            let out: f32 = (0..t)
                .filter(|&q| q != i_)
                .map(|q| self.trans[prev * t + q] * self.emit[end * t + q] * self.beta[end * t + q])
                .sum();
            p *= out / self.scale[end];
        } else {
            p *= self.beta[(end - 1) * t + prev];
        }
        p.clamp(0.0, 1.0)
    }
}

/// `y += a * x`.
#[inline]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One label (X); tags O, B-X, I-X. Hand-checked by enumerating all paths.
    fn toy() -> Model {
        let mut m = Model::empty(vec!["X".into()]);
        m.temperature = 1.0;
        // Transitions: O->B  +1, B->I +2 (rows from O, B, I, start).
        m.trans = vec![
            0.0, 1.0, 0.0, //
            0.0, 0.0, 2.0, //
            0.0, 0.0, 0.0, //
            0.0, 0.0, 0.0,
        ];
        m
    }

    #[test]
    fn viterbi_finds_the_best_allowed_path() {
        let m = toy();
        // Emissions favour I at position 0, which is not allowed at the start.
        let emit = [
            0.0, 0.5, 3.0, // pos 0
            0.0, 0.0, 1.0, // pos 1
            2.0, 0.0, 0.0, // pos 2
        ];
        let tags = viterbi(&m, &emit);
        // Best allowed: B I O = 0.5 + (2 + 1) + 2 = 5.5; O B I = 0 + (1+0) + (2+0) = 3.
        assert_eq!(tags, vec![1, 2, 0]);
        assert_eq!(spans(&tags), vec![(0, 2, 0)]);
    }

    #[test]
    fn marginals_match_brute_force_enumeration() {
        let m = toy();
        let emit = [0.3, 0.5, 0.1, 0.0, 0.2, 1.0, 0.4, 0.0, 0.7];
        let n = 3;
        // Enumerate every allowed path.
        let mut paths = Vec::new();
        for a in 0..3 {
            for b in 0..3 {
                for c in 0..3 {
                    let p = [a, b, c];
                    if !allowed(None, a) || !allowed(Some(a), b) || !allowed(Some(b), c) {
                        continue;
                    }
                    let mut s = m.transition(None, a) + emit[a];
                    for i in 1..n {
                        s += m.transition(Some(p[i - 1]), p[i]) + emit[i * 3 + p[i]];
                    }
                    paths.push((p, s));
                }
            }
        }
        let z: f32 = paths.iter().map(|(_, s)| s.exp()).sum();
        let prob = |start: usize, end: usize| -> f32 {
            paths
                .iter()
                .filter(|(p, _)| spans(p).contains(&(start, end, 0)))
                .map(|(_, s)| s.exp())
                .sum::<f32>()
                / z
        };
        let mg = Marginals::new(&m, &emit);
        for (s, e) in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)] {
            let (a, b) = (mg.span(s, e, 0), prob(s, e));
            assert!((a - b).abs() < 1e-4, "{s}..{e}: {a} vs {b}");
        }
    }
}
