//! Feature extraction for the character tagger: every character gets a fixed number of
//! hashed features (characters and pairs around it, character classes, jieba's word
//! position, length and part of speech, word lists, and what the rules found). Hashes are
//! computed from the values directly, without building strings, and are the same on every
//! platform, so a model file trained here works everywhere.

use crate::detect::Token;
use crate::label::{Label, Span};

/// Features per character (a slot holds 0 when its feature does not apply).
pub const PER_CHAR: usize = 24;

/// Padding characters before the first and after the last character of a sentence.
const BOS: u32 = 0x11_0001;
const EOS: u32 = 0x11_0002;

/// Mixes `x` into the hash `h` (FxHash's step followed by a final avalanche in [`finish`]).
#[inline]
fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

#[inline]
fn finish(mut h: u64) -> u64 {
    // splitmix64's finaliser: neighbouring inputs land far apart.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    h | 1 // never 0, which marks an empty slot
}

#[inline]
fn feat(template: u64, values: &[u64]) -> u64 {
    let mut h = mix(0x9e37_79b9, template);
    for &v in values {
        h = mix(h, v);
    }
    finish(h)
}

fn hash_str(s: &str) -> u64 {
    s.chars().fold(0xcbf2_9ce4u64, |h, c| mix(h, c as u64))
}

/// Full-width ASCII folded to ASCII, ASCII letters lowercased: `Ｃ`, `c` and `C` are one.
#[inline]
pub fn fold(c: char) -> u32 {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase() as u32
}

/// Coarse character classes (of folded characters), from a table for the BMP.
#[inline]
pub fn class(c: u32) -> u64 {
    // `is_alphabetic` on punctuation such as ， takes a slow path; a 64 KB table
    // built once by the same function answers at once.
    static BMP: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();
    let table = BMP.get_or_init(|| (0..0x1_0000).map(|c| class_of(c) as u8).collect());
    match table.get(c as usize) {
        Some(&k) => k as u64,
        None => class_of(c),
    }
}

fn class_of(c: u32) -> u64 {
    match char::from_u32(c) {
        _ if c == BOS || c == EOS => 0,
        Some('0'..='9') => 1,
        Some(
            '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '百' | '千'
            | '万' | '亿' | '零' | '〇' | '两',
        ) => 2,
        // CJK ideographs before the general test: most characters, and
        // `is_alphabetic` is slow on them (same class as it gives).
        _ if (0x4E00..=0x9FFF).contains(&c) => 5,
        Some('a'..='z') => 3,
        Some(ch) if ch.is_alphabetic() && (ch as u32) < 0x2E80 => 4,
        Some(ch) if ch.is_alphabetic() => 5,
        Some(ch) if ch.is_whitespace() => 6,
        Some(ch) if ch.is_ascii_punctuation() => 7,
        _ => 8,
    }
}

/// Position of a character in its word: begin, middle, end, single.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum WordPos {
    B = 1,
    M = 2,
    E = 3,
    S = 4,
}

/// Which rule label (index into the label names the model knows, 1-based; 0 none) and
/// whether the character begins it, for each character.
fn rule_tags(n: usize, rules: &[Span]) -> Vec<u64> {
    let mut out = vec![0u64; n];
    for s in rules {
        // The default labels keep the numbers of the enum they once were, so that the
        // shipped model's hashed keys stay valid; the rules make no others.
        let Some(k) = Label::DEFAULTS.iter().position(|&l| l == s.label) else {
            continue;
        };
        let label = 1 + k as u64;
        for (k, slot) in out.iter_mut().enumerate().take(s.end.min(n)).skip(s.start) {
            *slot = label * 2 + u64::from(k == s.start);
        }
    }
    out
}

/// Features of every character of a sentence, [`PER_CHAR`] slots each, into `out`.
/// `tokens` are jieba's words of exactly these characters (offsets relative to the
/// sentence); `rules` the spans the hand-written rules found in it.
pub fn extract(chars: &[char], tokens: &[Token], rules: &[Span], out: &mut Vec<u64>) {
    extract_into(chars, tokens, rules, out, None);
}

/// [`extract`] for tagging with a [`super::scorer::Scorer`]: the templates of small or
/// per-character domains ([`is_dense`]) are not hashed but left 0 in `out`, and the values
/// they are made of go to `keys`, one per character, for the scorer's tables.
pub fn extract_split(
    chars: &[char],
    tokens: &[Token],
    rules: &[Span],
    out: &mut Vec<u64>,
    keys: &mut Vec<DenseKeys>,
) {
    extract_into(chars, tokens, rules, out, Some(keys));
}

/// Templates whose weights a scorer reads from tables indexed by value instead of
/// hashing: the bias, the five single characters, the class triple, word position with
/// length, with the part of speech (and its neighbours': when jieba's tags are among
/// [`TAGS`]) and with the character, and the three rule templates.
pub const fn is_dense(template: usize) -> bool {
    matches!(template, 0..=5 | 11..=15 | 20..=23)
}

/// jieba's part-of-speech tags (its HMM's 64 and `eng`), in order: a tag's number in the
/// scorer's tables. Another tag is hashed as before.
pub const TAGS: [&str; 65] = [
    "a", "ad", "ag", "an", "b", "bg", "c", "d", "df", "dg", "e", "en", "eng", "f", "g", "h", "i",
    "in", "j", "jn", "k", "l", "ln", "m", "mg", "mq", "n", "ng", "nr", "nrfg", "nrt", "ns", "nt",
    "nz", "o", "p", "q", "qe", "qg", "r", "rg", "rr", "rz", "s", "t", "tg", "u", "ud", "ug", "uj",
    "ul", "uv", "uz", "v", "vd", "vg", "vi", "vn", "vq", "w", "x", "y", "yg", "z", "zg",
];
/// The tag number of "no word there" (before the first or after the last word).
pub const NO_TAG: u8 = TAGS.len() as u8;
/// A tag not in [`TAGS`]: its templates are hashed.
const OTHER_TAG: u8 = u8::MAX;

/// A tag of up to four bytes as one number (0: longer, no tag in [`TAGS`] is).
const fn pack(tag: &str) -> u32 {
    let b = tag.as_bytes();
    if b.is_empty() || b.len() > 4 {
        return 0;
    }
    let mut out = 0u32;
    let mut i = 0;
    while i < b.len() {
        out |= (b[i] as u32) << (8 * (3 - i));
        i += 1;
    }
    out
}

/// [`TAGS`] packed: sorted as the strings are, since bytes compare from the first.
const PACKED_TAGS: [u32; TAGS.len()] = {
    let mut out = [0u32; TAGS.len()];
    let mut i = 0;
    while i < TAGS.len() {
        out[i] = pack(TAGS[i]);
        i += 1;
    }
    out
};

/// The number of `tag` in [`TAGS`], by integer comparisons rather than string ones.
fn tag_number(tag: &str) -> u8 {
    let packed = pack(tag);
    if packed == 0 {
        return OTHER_TAG;
    }
    PACKED_TAGS
        .binary_search(&packed)
        .map_or(OTHER_TAG, |i| i as u8)
}

/// The hash a tag contributes to templates 13-15 (0: no word).
pub fn tag_hash(tag: Option<&str>) -> u64 {
    tag.map_or(0, hash_str)
}

/// The values a character's dense templates are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DenseKeys {
    /// Folded characters at offsets -2..=2 (templates 1-5; [`BOS`]/[`EOS`] past the ends).
    pub chars: [u32; 5],
    /// Classes of the characters at -1, 0 and 1, as `a * 81 + b * 9 + c` (template 11).
    pub classes: u16,
    /// Position in the word ([`WordPos`] as a number), 0 when no word covers the character
    /// (templates 12, 20 and 21 then do not apply).
    pub word_pos: u8,
    /// Word length, at most 6 (template 12).
    pub word_len: u8,
    /// Rule tag of this character and the one before (templates 21-23).
    pub rule: u8,
    pub prev_rule: u8,
    /// Numbers in [`TAGS`] of the word's tag and its neighbours' ([`NO_TAG`] where there
    /// is no neighbour; templates 13-15, only when all three are known).
    pub tags: [u8; 3],
}

/// Number of values a rule tag takes: 0, or `label * 2 + begin` for the default labels.
pub const RULE_VALUES: usize = 2 + 2 * Label::DEFAULTS.len();
/// Number of character classes ([`class`]).
pub const CLASSES: usize = 9;

/// The hash of template `template` over `values`: the key of its weights in a model.
pub fn key(template: u64, values: &[u64]) -> u64 {
    feat(template, values)
}

/// Padding characters, for tables indexed by character.
pub const PAD_BEFORE: u32 = BOS;
pub const PAD_AFTER: u32 = EOS;

fn extract_into(
    chars: &[char],
    tokens: &[Token],
    rules: &[Span],
    out: &mut Vec<u64>,
    mut keys: Option<&mut Vec<DenseKeys>>,
) {
    let n = chars.len();
    out.clear();
    out.resize(n * PER_CHAR, 0);
    if let Some(k) = keys.as_deref_mut() {
        k.clear();
    }
    if n == 0 {
        return;
    }
    let folded: Vec<u32> = chars.iter().map(|&c| fold(c)).collect();
    let classes: Vec<u64> = folded.iter().map(|&c| class(c)).collect();
    let at = |i: isize| -> u64 {
        if i < 0 {
            BOS as u64
        } else if i as usize >= n {
            EOS as u64
        } else {
            folded[i as usize] as u64
        }
    };
    // The class of padding is 0, as `class` gives for it.
    let class_at = |i: isize| -> u64 {
        if i < 0 || i as usize >= n {
            0
        } else {
            classes[i as usize]
        }
    };
    // Word of every character, and its position in the word.
    let mut word_of = vec![usize::MAX; n];
    for (w, t) in tokens.iter().enumerate() {
        for slot in word_of.iter_mut().take(t.end.min(n)).skip(t.start) {
            *slot = w;
        }
    }
    let tag_hash: Vec<u64> = tokens.iter().map(|t| hash_str(t.tag)).collect();
    let word_hash: Vec<u64> = tokens.iter().map(|t| hash_str(t.word)).collect();
    let rule = rule_tags(n, rules);
    let dense = keys.is_some();
    let tag_numbers: Vec<u8> = if dense {
        tokens.iter().map(|t| tag_number(t.tag)).collect()
    } else {
        Vec::new()
    };

    for i in 0..n {
        let f = &mut out[i * PER_CHAR..(i + 1) * PER_CHAR];
        let ii = i as isize;
        let (c_2, c_1, c0, c1, c2) = (at(ii - 2), at(ii - 1), at(ii), at(ii + 1), at(ii + 2));
        let (k_1, k0, k1) = (class_at(ii - 1), class_at(ii), class_at(ii + 1));
        let prev_rule = if i > 0 { rule[i - 1] } else { 0 };
        if !dense {
            f[0] = feat(0, &[]);
            f[1] = feat(1, &[c_2]);
            f[2] = feat(2, &[c_1]);
            f[3] = feat(3, &[c0]);
            f[4] = feat(4, &[c1]);
            f[5] = feat(5, &[c2]);
            f[11] = feat(11, &[k_1, k0, k1]);
            f[22] = feat(22, &[rule[i]]);
            f[23] = feat(23, &[rule[i], prev_rule]);
        }
        f[6] = feat(6, &[c_2, c_1]);
        f[7] = feat(7, &[c_1, c0]);
        f[8] = feat(8, &[c0, c1]);
        f[9] = feat(9, &[c1, c2]);
        f[10] = feat(10, &[c_1, c1]);
        let mut word_pos = 0;
        let mut word_len = 0;
        let mut tags = [NO_TAG; 3];
        let w = word_of[i];
        if w != usize::MAX {
            let t = &tokens[w];
            let len = t.end - t.start;
            let wp = if len == 1 {
                WordPos::S
            } else if i == t.start {
                WordPos::B
            } else if i + 1 == t.end {
                WordPos::E
            } else {
                WordPos::M
            } as u64;
            word_pos = wp as u8;
            word_len = len.min(6) as u8;
            let prev_tag = if w > 0 { tag_hash[w - 1] } else { 0 };
            let next_tag = tag_hash.get(w + 1).copied().unwrap_or(0);
            if !dense {
                f[12] = feat(12, &[wp, len.min(6) as u64]);
                f[20] = feat(20, &[wp, c0]);
                f[21] = feat(21, &[rule[i], wp]);
            }
            if dense {
                tags = [
                    if w > 0 { tag_numbers[w - 1] } else { NO_TAG },
                    tag_numbers[w],
                    tag_numbers.get(w + 1).copied().unwrap_or(NO_TAG),
                ];
            }
            if !dense || tags.contains(&OTHER_TAG) {
                tags = [OTHER_TAG; 3];
                f[13] = feat(13, &[wp, tag_hash[w]]);
                f[14] = feat(14, &[wp, prev_tag, tag_hash[w]]);
                f[15] = feat(15, &[wp, tag_hash[w], next_tag]);
            }
            if len > 1 {
                f[16] = feat(16, &[wp, word_hash[w]]);
            }
            if t.lex != 0 {
                f[17] = feat(17, &[wp, t.lex as u64]);
            }
            if matches!(wp, 1 | 4) && w > 0 {
                f[18] = feat(18, &[word_hash[w - 1]]);
            }
            if matches!(wp, 3 | 4) {
                if let Some(h) = word_hash.get(w + 1) {
                    f[19] = feat(19, &[*h]);
                }
            }
        }
        if let Some(keys) = keys.as_deref_mut() {
            keys.push(DenseKeys {
                chars: [c_2, c_1, c0, c1, c2].map(|c| c as u32),
                classes: (k_1 * 81 + k0 * 9 + k1) as u16,
                word_pos,
                word_len,
                rule: rule[i] as u8,
                prev_rule: prev_rule as u8,
                tags,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Pos;

    fn tok<'a>(word: &'a str, tag: &'a str, start: usize) -> Token<'a> {
        let n = word.chars().count();
        Token {
            word,
            tag,
            pos: Pos::of(tag),
            lex: 0,
            first: word.chars().next().unwrap(),
            last: word.chars().last().unwrap(),
            start,
            end: start + n,
        }
    }

    #[test]
    fn full_width_folds_and_classes() {
        assert_eq!(fold('Ｃ'), 'c' as u32);
        assert_eq!(fold('９'), '9' as u32);
        assert_eq!(class(fold('９')), 1);
        assert_eq!(class('三' as u32), 2);
        assert_eq!(class('x' as u32), 3);
        assert_eq!(class('京' as u32), 5);
        assert_eq!(class('，' as u32), 8);
    }

    #[test]
    fn same_context_same_features_and_position_matters() {
        let chars: Vec<char> = "在北京".chars().collect();
        let tokens = [tok("在", "p", 0), tok("北京", "ns", 1)];
        let mut a = Vec::new();
        extract(&chars, &tokens, &[], &mut a);
        assert_eq!(a.len(), 3 * PER_CHAR);
        // Deterministic.
        let mut b = Vec::new();
        extract(&chars, &tokens, &[], &mut b);
        assert_eq!(a, b);
        // The bias is shared; the character feature differs between 北 and 京.
        assert_eq!(a[PER_CHAR], a[2 * PER_CHAR]);
        assert_ne!(a[PER_CHAR + 3], a[2 * PER_CHAR + 3]);
        // Word features apply to every character (a word covers each), and 0 is never a hash.
        assert!(a[PER_CHAR + 13] != 0 && a[PER_CHAR + 16] != 0);
        // 在 is a single-character word: no word-string feature.
        assert_eq!(a[16], 0);
    }

    #[test]
    fn tag_numbers_follow_the_sorted_list() {
        assert!(
            TAGS.windows(2).all(|w| w[0] < w[1]),
            "TAGS must stay sorted"
        );
        assert_eq!(tag_number("a"), 0);
        assert_eq!(TAGS[tag_number("nrfg") as usize], "nrfg");
        assert_eq!(TAGS[tag_number("eng") as usize], "eng");
        assert_eq!(tag_number("unknown"), OTHER_TAG);
        assert_eq!(usize::from(NO_TAG), TAGS.len());
    }

    #[test]
    fn rule_spans_mark_begin_and_inside() {
        let spans = [Span::new(1, 3, crate::label::Label::LOC)];
        let t = rule_tags(4, &spans);
        assert_eq!(t[0], 0);
        assert_ne!(t[1], t[2]);
        assert_eq!(t[1] % 2, 1);
        assert_eq!(t[3], 0);
    }
}
