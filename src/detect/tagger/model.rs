//! The tagger's model: label names, hashed feature keys with one weight per tag, tag
//! transitions, and a temperature that turns path scores into probabilities. Stored in a
//! small versioned binary file (quantised weights, checksum), embedded in the binary for the
//! base model and written into the annotations folder for a corpus model.

use rustc_hash::FxHashMap;
use std::fmt;

const MAGIC: &[u8; 8] = b"INKMTAG\0";
/// Format version of the model file; a file of another version is refused, not misread.
pub const FORMAT_VERSION: u32 = 1;

/// Tags: 0 is outside, label `k` has B = `1 + 2k` and I = `2 + 2k`.
pub fn begin(k: usize) -> usize {
    1 + 2 * k
}
pub fn inside(k: usize) -> usize {
    2 + 2 * k
}
/// The label index of a B or I tag.
pub fn label_of(tag: usize) -> Option<usize> {
    (tag > 0).then(|| (tag - 1) / 2)
}
pub fn is_inside(tag: usize) -> bool {
    tag > 0 && tag.is_multiple_of(2)
}

/// Whether tag `to` may follow tag `from` (`None`: the start of a sentence): I-X only after
/// B-X or I-X.
pub fn allowed(from: Option<usize>, to: usize) -> bool {
    if !is_inside(to) {
        return true;
    }
    match from {
        Some(f) => f != 0 && label_of(f) == label_of(to),
        None => false,
    }
}

#[derive(Clone, PartialEq)]
pub struct Model {
    /// Label names, in tag order.
    pub labels: Vec<String>,
    /// Row of every feature key in `weights`.
    pub index: FxHashMap<u64, u32>,
    /// `index.len() * n_tags` weights.
    pub weights: Vec<f32>,
    /// `(n_tags + 1) * n_tags`: row `from` (the last row is the sentence start), column `to`.
    pub trans: Vec<f32>,
    /// Scores are divided by this before they become probabilities.
    pub temperature: f32,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("labels", &self.labels)
            .field("features", &self.index.len())
            .field("temperature", &self.temperature)
            .finish()
    }
}

/// Why a model file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

impl Model {
    pub fn n_tags(&self) -> usize {
        1 + 2 * self.labels.len()
    }

    /// An empty model for `labels` (all weights zero).
    pub fn empty(labels: Vec<String>) -> Model {
        let n = 1 + 2 * labels.len();
        Model {
            labels,
            index: FxHashMap::default(),
            weights: Vec::new(),
            trans: vec![0.0; (n + 1) * n],
            temperature: 1.0,
        }
    }

    /// Per-tag scores of every character: the sums of its features' weights.
    pub fn emissions(&self, feats: &[u64], per_char: usize, out: &mut Vec<f32>) {
        let t = self.n_tags();
        let n = feats.len() / per_char;
        out.clear();
        out.resize(n * t, 0.0);
        for (i, row) in out.chunks_exact_mut(t).enumerate() {
            for &f in &feats[i * per_char..(i + 1) * per_char] {
                if f == 0 {
                    continue;
                }
                if let Some(&r) = self.index.get(&f) {
                    let w = &self.weights[r as usize * t..(r as usize + 1) * t];
                    for (o, x) in row.iter_mut().zip(w) {
                        *o += x;
                    }
                }
            }
        }
    }

    /// The step of the 16-bit weights of the model file: the largest weight is 32767
    /// steps. A model read from a file gets its own step back.
    pub fn quantisation_scale(&self) -> f32 {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        if max > 0.0 {
            max / 32767.0
        } else {
            1.0
        }
    }

    pub fn transition(&self, from: Option<usize>, to: usize) -> f32 {
        let t = self.n_tags();
        self.trans[from.unwrap_or(t) * t + to]
    }

    /// Writes the model file: weights quantised to 16 bits, keys sorted, a checksum last.
    pub fn to_bytes(&self) -> Vec<u8> {
        let t = self.n_tags();
        let mut out = Vec::with_capacity(16 + self.index.len() * (8 + 2 * t));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for l in &self.labels {
            out.extend_from_slice(&(l.len() as u16).to_le_bytes());
            out.extend_from_slice(l.as_bytes());
        }
        out.extend_from_slice(&self.temperature.to_le_bytes());
        let scale = self.quantisation_scale();
        out.extend_from_slice(&scale.to_le_bytes());
        let mut keys: Vec<(u64, u32)> = self.index.iter().map(|(&k, &r)| (k, r)).collect();
        keys.sort_unstable();
        out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
        for (k, _) in &keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for (_, r) in &keys {
            for w in &self.weights[*r as usize * t..(*r as usize + 1) * t] {
                out.extend_from_slice(&quantise(*w, scale).to_le_bytes());
            }
        }
        for x in &self.trans {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a model file, checking its magic, version, sizes and checksum.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let err = |m: &str| ModelError(m.to_string());
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(err("not an inkmark model file"));
        }
        if bytes.len() < 16 + 8 {
            return Err(err("model file is truncated"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        let stored = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
        let mut r = Reader { bytes: body, at: 8 };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(ModelError(format!(
                "model file format {version}, this inkmark reads format {FORMAT_VERSION}"
            )));
        }
        if checksum(body) != stored {
            return Err(err("model file is damaged (checksum mismatch)"));
        }
        let n_labels = r.u32()? as usize;
        if n_labels == 0 || n_labels > 1000 {
            return Err(err("model file has an impossible label count"));
        }
        let mut labels = Vec::with_capacity(n_labels);
        for _ in 0..n_labels {
            let len = r.u16()? as usize;
            let s = std::str::from_utf8(r.take(len)?)
                .map_err(|_| err("model file has a label that is not UTF-8"))?;
            labels.push(s.to_string());
        }
        let temperature = r.f32()?;
        let scale = r.f32()?;
        if !(temperature.is_finite() && temperature > 0.0 && scale.is_finite() && scale > 0.0) {
            return Err(err("model file has an invalid scale"));
        }
        let t = 1 + 2 * n_labels;
        let n = r.u32()? as usize;
        let need = n
            .checked_mul(8 + 2 * t)
            .and_then(|x| x.checked_add((t + 1) * t * 4))
            .ok_or_else(|| err("model file sizes overflow"))?;
        if r.remaining() != need {
            return Err(err("model file is truncated or has extra bytes"));
        }
        let mut index = FxHashMap::with_capacity_and_hasher(n, Default::default());
        let keys = r.take(n * 8)?;
        for (row, k) in keys.chunks_exact(8).enumerate() {
            index.insert(u64::from_le_bytes(k.try_into().expect("8")), row as u32);
        }
        let weights = r
            .take(n * t * 2)?
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 * scale)
            .collect();
        let trans = r
            .take((t + 1) * t * 4)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
            .collect();
        Ok(Model {
            labels,
            index,
            weights,
            trans,
            temperature,
        })
    }
}

/// A weight as a number of `scale` steps, as the model file stores it.
pub fn quantise(w: f32, scale: f32) -> i16 {
    (w / scale).round().clamp(-32767.0, 32767.0) as i16
}

/// FNV-1a over 8-byte words: cheap, and enough to notice a damaged or cut file.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().expect("8"));
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| ModelError("model file is truncated".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2")))
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Model {
        let mut m = Model::empty(vec!["PER".into(), "LOC".into()]);
        m.index.insert(42, 0);
        m.index.insert(7, 1);
        m.weights = vec![0.5, -1.0, 2.0, 0.0, 0.25, 1.0, -3.0, 0.0, 0.125, 0.75];
        m.trans[3] = -0.5;
        m.temperature = 2.5;
        m
    }

    #[test]
    fn round_trip_keeps_everything_within_quantisation() {
        let m = toy();
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.labels, m.labels);
        assert_eq!(back.trans, m.trans);
        assert_eq!(back.temperature, m.temperature);
        let mut keys: Vec<_> = back.index.keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, vec![7, 42]);
        let t = m.n_tags();
        for k in keys {
            let (a, b) = (back.index[&k] as usize, m.index[&k] as usize);
            for j in 0..t {
                let (x, y) = (back.weights[a * t + j], m.weights[b * t + j]);
                assert!((x - y).abs() < 3.0 / 32767.0, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn damaged_truncated_and_foreign_files_are_refused() {
        let bytes = toy().to_bytes();
        let mut flipped = bytes.clone();
        flipped[40] ^= 0x10;
        assert!(Model::from_bytes(&flipped)
            .unwrap_err()
            .0
            .contains("damaged"));
        assert!(Model::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(Model::from_bytes(b"{\"format\": \"inkmark/1\"}")
            .unwrap_err()
            .0
            .contains("not an inkmark model"));
        assert!(Model::from_bytes(&[]).is_err());
        let mut other_version = bytes.clone();
        other_version[8] = 9;
        assert!(Model::from_bytes(&other_version)
            .unwrap_err()
            .0
            .contains("format 9"));
    }

    #[test]
    fn tag_scheme_and_constraints() {
        assert_eq!((begin(0), inside(0), begin(1), inside(1)), (1, 2, 3, 4));
        assert_eq!(label_of(4), Some(1));
        assert!(allowed(None, 1) && !allowed(None, 2));
        assert!(allowed(Some(1), 2) && allowed(Some(2), 2) && !allowed(Some(3), 2));
        assert!(!allowed(Some(0), 4) && allowed(Some(0), 0));
    }
}
