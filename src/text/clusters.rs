//! Extended grapheme clusters with a fast path: almost every character of Chinese and
//! ASCII text is a cluster of its own, and full UAX #29 segmentation cost about half of
//! `inkmark show`'s time. Runs of characters that cannot join their neighbours are split
//! per character here; anything else goes through `unicode-segmentation`.

use unicode_segmentation::UnicodeSegmentation;

/// True for characters whose Grapheme_Cluster_Break property is Other or Control (CR
/// excluded), that are not Hangul jamo or syllables, regional indicators, prepended
/// marks, Indic conjunct consonants or anything that joins the character before it
/// (combining marks, ZWJ, variation selectors, spacing marks). Between two such
/// characters UAX #29 always has a boundary (GB4, GB5, GB999). The ranges are checked
/// against `unicode-segmentation` character by character in the tests below.
#[inline]
pub fn is_solo(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return c != '\r';
    }
    matches!(
        cp,
        0x80..=0x2FF
            | 0x370..=0x482
            | 0x2000..=0x200B
            | 0x200E..=0x20CF
            | 0x2100..=0x2BFF
            | 0x3000..=0x3029
            | 0x3030..=0x3098
            | 0x309B..=0x30FF
            | 0x3105..=0x312F
            | 0x3190..=0x31FF
            | 0x3200..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFE10..=0xFE19
            | 0xFE30..=0xFE6F
            | 0xFF01..=0xFF9D
            | 0x20000..=0x2FFFD
            | 0x30000..=0x3FFFD
    )
}

/// Iterator over `(byte offset, cluster)` of a string, as `grapheme_indices(true)`.
#[derive(Clone)]
pub struct ClusterIndices<'t> {
    text: &'t str,
    pos: usize,
}

/// The extended grapheme clusters of `text` with their byte offsets; the same sequence as
/// `text.grapheme_indices(true)`.
pub fn cluster_indices(text: &str) -> ClusterIndices<'_> {
    ClusterIndices { text, pos: 0 }
}

impl<'t> Iterator for ClusterIndices<'t> {
    type Item = (usize, &'t str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'t str)> {
        let rest = &self.text[self.pos..];
        let bytes = rest.as_bytes();
        let first = *bytes.first()?;
        let start = self.pos;
        // ASCII followed by ASCII (or the end): a boundary, unless it is CR LF.
        if first < 0x80 && first != b'\r' && bytes.get(1).is_none_or(|&b| b < 0x80) {
            self.pos += 1;
            return Some((start, &rest[..1]));
        }
        let mut chars = rest.chars();
        let c = chars.next()?;
        let len = c.len_utf8();
        if is_solo(c) && chars.next().is_none_or(is_solo) {
            self.pos += len;
            return Some((start, &rest[..len]));
        }
        // A cluster boundary is at `pos`, so segmenting from here gives the same first
        // cluster as segmenting the whole text (regional indicators pair from a boundary).
        let g = rest.graphemes(true).next()?;
        self.pos += g.len();
        Some((start, g))
    }
}

/// Whether byte `at` of `text` is an extended grapheme-cluster boundary: the one rule for
/// where a span may start or end (`check`, the detector's and the lexicon's suggestions,
/// the patterns, `*` and every edit of the reader ask this). Between two characters that
/// never join (almost all of Chinese text) it is a boundary without segmenting.
pub fn is_boundary(text: &str, at: usize) -> bool {
    if at == 0 || at >= text.len() {
        return true;
    }
    if !text.is_char_boundary(at) {
        return false;
    }
    let (Some(before), Some(after)) = (text[..at].chars().next_back(), text[at..].chars().next())
    else {
        return true;
    };
    if is_solo(before) && is_solo(after) {
        return true;
    }
    unicode_segmentation::GraphemeCursor::new(at, text.len(), true)
        .is_boundary(text, 0)
        .unwrap_or(true)
}

/// True when no character of `text` can join a neighbour: every character boundary is
/// then a cluster boundary, and spans need no check.
pub fn all_solo(text: &str) -> bool {
    text.chars().all(is_solo)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn count(s: &str) -> usize {
        s.graphemes(true).count()
    }

    /// Every character the fast path trusts is checked against neighbours of each kind
    /// that could join it: if it were Extend, SpacingMark, ZWJ, Prepend, Hangul, a
    /// regional indicator or an Indic consonant after a virama, one of these would fuse.
    #[test]
    fn boundaries_agree_with_segmentation() {
        let text = "\u{301}张三丰，Café李四\u{200D}在上海。\r\n👍🏽";
        let starts: Vec<usize> = text.grapheme_indices(true).map(|(b, _)| b).collect();
        for at in 0..=text.len() {
            let expected = at == text.len() || starts.contains(&at);
            assert_eq!(is_boundary(text, at), expected, "byte {at}");
        }
        assert!(!all_solo(text) && all_solo("张三丰在北京。abc"));
    }

    #[test]
    fn solo_characters_never_join_a_neighbour() {
        let probes_before = ["a", "\u{1100}", "\u{AC00}", "\u{915}\u{94D}", "\u{1F1E6}"];
        let probes_after = ["a", "\u{1161}", "\u{11A8}", "\u{1F1E6}"];
        let mut checked = 0;
        for c in (0..=0x3FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_solo(c))
        {
            let s = c.to_string();
            assert_eq!(count(&format!("{c}{c}")), 2, "{:04X} doubled", c as u32);
            for p in probes_before {
                assert_eq!(
                    count(&format!("{p}{c}")),
                    count(p) + 1,
                    "{p} then {:04X}",
                    c as u32
                );
            }
            for p in probes_after {
                assert_eq!(
                    count(&format!("{s}{p}")),
                    count(p) + 1,
                    "{:04X} then {p}",
                    c as u32
                );
            }
            checked += 1;
        }
        assert!(checked > 90_000, "{checked}");
        assert!(!is_solo('\r') && !is_solo('\u{200D}') && !is_solo('\u{FE0F}'));
        assert!(!is_solo('\u{301}') && !is_solo('\u{AC00}') && !is_solo('\u{1F1E6}'));
    }

    /// Pieces from which random text is built: mostly characters the fast path takes,
    /// with everything that joins mixed in.
    pub(crate) fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9 ,.!?]{1,6}",
            4 => "[\u{4E00}-\u{9FFF}，。、“”…—《》（）]{1,6}",
            1 => prop::sample::select(vec![
                "\r\n", "\r", "\n", "\t", "\u{301}", "\u{200D}", "\u{FE0F}", "\u{FE0E}",
                "\u{1F1E8}", "\u{1F1F3}", "👩‍👩‍👧", "👍🏽", "\u{1100}", "\u{1161}",
                "\u{11A8}", "\u{AC00}", "한국어", "\u{600}", "\u{110BD}", "क्ष", "\u{94D}",
                "\u{915}", "\u{903}", "e\u{301}", "\u{3099}", "\u{302A}", "\u{FF9E}",
                "\u{1B}", "\u{7F}", "\u{85}", "\u{200B}", "\u{AD}", "\u{202E}", "①",
                "\u{E0001}", "\u{20000}", "ｶﾞ", "\u{E0100}",
            ])
            .prop_map(str::to_string),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ]
    }

    proptest! {
        #[test]
        fn the_same_clusters_as_unicode_segmentation(
            parts in prop::collection::vec(piece(), 0..40)
        ) {
            let text = parts.concat();
            let fast: Vec<_> = cluster_indices(&text).collect();
            let full: Vec<_> = text.grapheme_indices(true).collect();
            prop_assert_eq!(fast, full);
        }
    }
}
