//! The model's weights laid out for tagging. Half of the 24 features of a character
//! take few values (the bias, character classes, word position and length, the rules'
//! tags) or one value per character (the five characters around it, the character with
//! its word position). Their weights are copied once into tables indexed by value, so
//! tagging reads them from small arrays that stay in the caches instead of hashing them
//! and probing the 100,000-entry hash map; the other twelve are looked up as before.
//! The sums are the model's own: `Scorer::emissions` equals `Model::emissions` over
//! every feature, up to the order of float additions.

use super::features::{
    self, DenseKeys, CLASSES, PAD_AFTER, PAD_BEFORE, PER_CHAR, RULE_VALUES, TAGS,
};
use super::model::Model;
use rustc_hash::FxHashMap;

/// Rows of a character's block: templates 1-5 (the character at offsets -2..=2), then
/// template 20 (the character with its word position) for positions 1-4.
const BLOCK_ROWS: usize = 9;
/// Characters below this have a slot in `block_of`; others are hashed as before.
const TABLE_CHARS: usize = 0x1_0000;
/// Word positions 0-4 by word lengths 0-6 (template 12).
const WORD_POS: usize = 5;
const WORD_LEN: usize = 7;
/// Tag numbers: [`TAGS`] and [`features::NO_TAG`].
const TAG_VALUES: usize = TAGS.len() + 1;

pub struct Scorer {
    t: usize,
    /// The hashed templates' weights.
    hashed: Hashed,
    /// Bias, word position with length (12) and with the rule tag (21), rule tag (22) and
    /// rule tag with the one before (23), summed, by rule, previous rule, position, length.
    context: Vec<f32>,
    /// Block of every character below [`TABLE_CHARS`]; block 0 is all zeros (the model
    /// has no weight for the character in these templates).
    block_of: Vec<u16>,
    /// Blocks of the sentence padding before and after.
    pad_blocks: [u16; 2],
    blocks: Vec<f32>,
    classes: Vec<f32>,
    /// Word position by previous and own tag (14, with 13 of the own tag added), by own
    /// and next tag (15).
    tag_prev: Vec<f32>,
    tag_next: Vec<f32>,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer")
            .field("blocks", &(self.blocks.len() / (BLOCK_ROWS * self.t)))
            .finish()
    }
}

impl Scorer {
    /// Copies the weights of the dense templates out of `model`.
    pub fn new(model: &Model) -> Scorer {
        let t = model.n_tags();
        let row = |template: u64, values: &[u64]| -> Option<&[f32]> {
            let key = features::key(template, values);
            model
                .index
                .get(&key)
                .map(|&r| &model.weights[r as usize * t..(r as usize + 1) * t])
        };
        let table = |keys: &mut dyn Iterator<Item = (u64, Vec<u64>)>| -> Vec<f32> {
            let mut out = Vec::new();
            for (template, values) in keys {
                match row(template, &values) {
                    Some(w) => out.extend_from_slice(w),
                    None => out.resize(out.len() + t, 0.0),
                }
            }
            out
        };
        let bias = table(&mut std::iter::once((0, vec![])));

        let mut blocks = vec![0f32; BLOCK_ROWS * t];
        let mut block_of = vec![0u16; TABLE_CHARS];
        // One block per character with any weight in these templates; `with_word`
        // is false for the padding, which is never the character itself.
        let mut add_block = |c: u64, with_word: bool| -> u16 {
            let start = blocks.len();
            blocks.resize(start + BLOCK_ROWS * t, 0.0);
            let mut found = false;
            for d in 0..5 {
                if let Some(w) = row(1 + d as u64, &[c]) {
                    blocks[start + d * t..start + (d + 1) * t].copy_from_slice(w);
                    found = true;
                }
            }
            for wp in 1..=4u64 {
                if !with_word {
                    break;
                }
                if let Some(w) = row(20, &[wp, c]) {
                    let r = 5 + wp as usize - 1;
                    blocks[start + r * t..start + (r + 1) * t].copy_from_slice(w);
                    found = true;
                }
            }
            let id = start / (BLOCK_ROWS * t);
            if found && id <= u16::MAX as usize {
                id as u16
            } else {
                blocks.truncate(start);
                0
            }
        };
        for (c, slot) in block_of.iter_mut().enumerate() {
            if char::from_u32(c as u32).is_some() {
                *slot = add_block(c as u64, true);
            }
        }
        let pad_blocks = [
            add_block(PAD_BEFORE as u64, false),
            add_block(PAD_AFTER as u64, false),
        ];

        let classes = table(&mut (0..CLASSES * CLASSES * CLASSES).map(|k| {
            let k = k as u64;
            let n = CLASSES as u64;
            (11, vec![k / (n * n), k / n % n, k % n])
        }));
        let word_len = table(
            &mut (0..WORD_POS * WORD_LEN)
                .map(|k| (12, vec![(k / WORD_LEN) as u64, (k % WORD_LEN) as u64])),
        );
        let rule_word = table(
            &mut (0..RULE_VALUES * WORD_POS)
                .map(|k| (21, vec![(k / WORD_POS) as u64, (k % WORD_POS) as u64])),
        );
        let rule = table(&mut (0..RULE_VALUES).map(|k| (22, vec![k as u64])));
        let rule_pair = table(
            &mut (0..RULE_VALUES * RULE_VALUES)
                .map(|k| (23, vec![(k / RULE_VALUES) as u64, (k % RULE_VALUES) as u64])),
        );
        let tag_hash = |k: usize| features::tag_hash(TAGS.get(k).copied());
        let tag = table(
            &mut (0..WORD_POS * TAG_VALUES)
                .map(|k| (13, vec![(k / TAG_VALUES) as u64, tag_hash(k % TAG_VALUES)])),
        );
        let pairs = WORD_POS * TAG_VALUES * TAG_VALUES;
        let pair = |k: usize| {
            (
                k / (TAG_VALUES * TAG_VALUES),
                k / TAG_VALUES % TAG_VALUES,
                k % TAG_VALUES,
            )
        };
        let mut tag_prev = table(&mut (0..pairs).map(|k| {
            let (wp, a, b) = pair(k);
            (14, vec![wp as u64, tag_hash(a), tag_hash(b)])
        }));
        for (k, row) in tag_prev.chunks_exact_mut(t).enumerate() {
            let (wp, _, own) = pair(k);
            add(row, &tag[(wp * TAG_VALUES + own) * t..][..t]);
        }
        let tag_next = table(&mut (0..pairs).map(|k| {
            let (wp, a, b) = pair(k);
            (15, vec![wp as u64, tag_hash(a), tag_hash(b)])
        }));
        let mut context = Vec::with_capacity(RULE_VALUES * RULE_VALUES * WORD_POS * WORD_LEN * t);
        for rule_tag in 0..RULE_VALUES {
            for prev_rule in 0..RULE_VALUES {
                for wp in 0..WORD_POS {
                    for len in 0..WORD_LEN {
                        let start = context.len();
                        context.extend_from_slice(&bias);
                        let row = &mut context[start..];
                        add(row, &rule[rule_tag * t..][..t]);
                        add(
                            row,
                            &rule_pair[(rule_tag * RULE_VALUES + prev_rule) * t..][..t],
                        );
                        // Templates 12 and 21 apply inside a word only.
                        if wp != 0 {
                            add(row, &word_len[(wp * WORD_LEN + len) * t..][..t]);
                            add(row, &rule_word[(rule_tag * WORD_POS + wp) * t..][..t]);
                        }
                    }
                }
            }
        }
        Scorer {
            t,
            hashed: Hashed::new(model),
            context,
            tag_prev,
            tag_next,
            block_of,
            pad_blocks,
            blocks,
            classes,
        }
    }

    /// Per-tag scores of every character, from the hashed features `feats` (as
    /// [`features::extract_split`] leaves them) and the dense templates' `keys`.
    pub fn emissions(&self, model: &Model, feats: &[u64], keys: &[DenseKeys], out: &mut Vec<f32>) {
        // The loops over tags unrolled for the usual tag counts, as in decoding.
        match self.t {
            7 => self.emissions_with(7, model, feats, keys, out),
            11 => self.emissions_with(11, model, feats, keys, out),
            t => self.emissions_with(t, model, feats, keys, out),
        }
    }

    #[inline(always)]
    fn emissions_with(
        &self,
        t: usize,
        model: &Model,
        feats: &[u64],
        keys: &[DenseKeys],
        out: &mut Vec<f32>,
    ) {
        match &self.hashed {
            Hashed::Eight { rows, scale } => hashed_sums(rows, *scale, t, feats, out),
            Hashed::Sixteen { rows, scale } => hashed_sums(rows, *scale, t, feats, out),
            Hashed::InModel => model.emissions(feats, PER_CHAR, out),
        }
        debug_assert_eq!(out.len(), keys.len() * t);
        for (row, k) in out.chunks_exact_mut(t).zip(keys) {
            let context = ((k.rule as usize * RULE_VALUES + k.prev_rule as usize) * WORD_POS
                + k.word_pos as usize)
                * WORD_LEN
                + k.word_len as usize;
            add(row, self.row(&self.context, context, t));
            for (d, &c) in k.chars.iter().enumerate() {
                match self.block(c) {
                    Some(b) => add(row, self.block_row(b, d, t)),
                    None => add_hashed(row, model, features::key(1 + d as u64, &[c as u64])),
                }
            }
            add(row, self.row(&self.classes, k.classes as usize, t));
            if k.word_pos != 0 {
                let wp = k.word_pos as usize;
                match self.block(k.chars[2]) {
                    Some(b) => add(row, self.block_row(b, 5 + wp - 1, t)),
                    None => add_hashed(
                        row,
                        model,
                        features::key(20, &[wp as u64, k.chars[2] as u64]),
                    ),
                }
                let [prev, own, next] = k.tags.map(usize::from);
                if own < TAG_VALUES {
                    let at = |a: usize, b: usize| (wp * TAG_VALUES + a) * TAG_VALUES + b;
                    add(row, self.row(&self.tag_prev, at(prev, own), t));
                    add(row, self.row(&self.tag_next, at(own, next), t));
                }
            }
        }
    }

    /// The block of a character, or `None` when it has no slot (hash it instead).
    #[inline]
    fn block(&self, c: u32) -> Option<usize> {
        match self.block_of.get(c as usize) {
            Some(&b) => Some(b as usize),
            None if c == PAD_BEFORE => Some(self.pad_blocks[0] as usize),
            None if c == PAD_AFTER => Some(self.pad_blocks[1] as usize),
            None => None,
        }
    }

    #[inline]
    fn block_row(&self, block: usize, r: usize, t: usize) -> &[f32] {
        let at = (block * BLOCK_ROWS + r) * t;
        &self.blocks[at..at + t]
    }

    #[inline]
    fn row<'a>(&self, table: &'a [f32], i: usize, t: usize) -> &'a [f32] {
        &table[i * t..(i + 1) * t]
    }
}

/// Every weight row beside its key in one hash map, quantised to 16 bits as in the model
/// file: a feature found costs one cache miss instead of two (the key, then its row in
/// another array). Up to 16 tags (7 labels); a model with more uses its own map.
enum Hashed {
    Eight {
        rows: FxHashMap<u64, [i16; 8]>,
        scale: f32,
    },
    Sixteen {
        rows: FxHashMap<u64, [i16; 16]>,
        scale: f32,
    },
    InModel,
}

impl Hashed {
    fn new(model: &Model) -> Hashed {
        let t = model.n_tags();
        // The model file's quantisation: a model read from a file gets its own numbers back.
        let scale = model.quantisation_scale();
        fn rows<const N: usize>(model: &Model, scale: f32) -> FxHashMap<u64, [i16; N]> {
            let t = model.n_tags();
            let mut out =
                FxHashMap::with_capacity_and_hasher(model.index.len(), Default::default());
            for (&key, &r) in &model.index {
                let mut q = [0i16; N];
                for (q, w) in q
                    .iter_mut()
                    .zip(&model.weights[r as usize * t..(r as usize + 1) * t])
                {
                    *q = super::model::quantise(*w, scale);
                }
                out.insert(key, q);
            }
            out
        }
        match t {
            0..=8 => Hashed::Eight {
                rows: rows(model, scale),
                scale,
            },
            9..=16 => Hashed::Sixteen {
                rows: rows(model, scale),
                scale,
            },
            _ => Hashed::InModel,
        }
    }
}

/// Per-tag sums of the hashed features of every character, into `out` (`t` per character).
#[inline(always)]
fn hashed_sums<const N: usize>(
    rows: &FxHashMap<u64, [i16; N]>,
    scale: f32,
    t: usize,
    feats: &[u64],
    out: &mut Vec<f32>,
) {
    let n = feats.len() / PER_CHAR;
    out.clear();
    out.resize(n * t, 0.0);
    for (row, feats) in out.chunks_exact_mut(t).zip(feats.chunks_exact(PER_CHAR)) {
        let mut sum = [0i32; N];
        for f in feats {
            if *f == 0 {
                continue;
            }
            if let Some(w) = rows.get(f) {
                for (s, &w) in sum.iter_mut().zip(w) {
                    *s += i32::from(w);
                }
            }
        }
        for (o, s) in row.iter_mut().zip(sum) {
            *o = s as f32 * scale;
        }
    }
}

#[inline]
fn add(row: &mut [f32], w: &[f32]) {
    for (o, x) in row.iter_mut().zip(w) {
        *o += x;
    }
}

fn add_hashed(row: &mut [f32], model: &Model, key: u64) {
    if let Some(&r) = model.index.get(&key) {
        let t = row.len();
        add(row, &model.weights[r as usize * t..(r as usize + 1) * t]);
    }
}
