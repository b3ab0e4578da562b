//! Where a line may break: UAX #14 (via `unicode-linebreak`) adjusted by the W3C clreq
//! "basic" rules for Chinese text.

use super::glyph::is_wide;
use unicode_linebreak::linebreaks;

/// Characters that must not begin a line (clreq: closing brackets, closing quotes,
/// sentence and pause punctuation, dashes and ellipses).
pub fn is_no_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '〕'
            | '〗'
            | '］'
            | '｝'
            | '”'
            | '’'
            | '…'
            | '—'
            | '·'
            | '～'
            | '．'
            | '％'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Characters that must not end a line (opening brackets and quotes).
pub fn is_no_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「'
            | '『'
            | '《'
            | '〈'
            | '【'
            | '〔'
            | '〖'
            | '［'
            | '｛'
            | '“'
            | '‘'
            | '('
            | '['
            | '{'
    )
}

/// A cluster as the breaking rules see it.
#[derive(Debug, Clone, Copy)]
pub struct ClusterEdge {
    /// Byte offset of the cluster within the paragraph.
    pub byte: usize,
    pub first: char,
    pub last: char,
}

/// For each cluster `i` of a paragraph, whether a line may start at cluster `i`
/// (index 0 is always false: a paragraph start is not a soft break).
pub fn break_opportunities(paragraph: &str, clusters: &[ClusterEdge], out: &mut Vec<bool>) {
    out.clear();
    out.resize(clusters.len(), false);
    // UAX #14 first: mark boundaries that fall on a cluster start.
    let mut i = 0;
    for (byte, _) in linebreaks(paragraph) {
        while i < clusters.len() && clusters[i].byte < byte {
            i += 1;
        }
        if i < clusters.len() && clusters[i].byte == byte && i > 0 {
            out[i] = true;
        }
    }
    // Then the Chinese rules, which win where they disagree.
    for i in 1..clusters.len() {
        let prev = clusters[i - 1].last;
        let next = clusters[i].first;
        let glued = matches!((prev, next), ('—', '—') | ('…', '…'));
        out[i] = if is_no_start(next) || is_no_end(prev) || glued {
            false
        } else if is_opening_quote(next) && either_wide(clusters, i - 1, i + 1) {
            // UAX #14 glues quotation marks to both neighbours; in Chinese a line may
            // break before an opening quote.
            true
        } else if is_closing_quote(prev) && either_wide(clusters, i, i.wrapping_sub(2)) {
            true
        } else {
            out[i]
        };
    }
}

fn is_opening_quote(c: char) -> bool {
    matches!(c, '“' | '‘')
}

fn is_closing_quote(c: char) -> bool {
    matches!(c, '”' | '’')
}

/// True when the cluster at `a` or at `b` (where it exists) is a wide (CJK) character:
/// the quote sits in Chinese text, not in an English word such as "don’t".
fn either_wide(clusters: &[ClusterEdge], a: usize, b: usize) -> bool {
    let wide_at = |k: usize| clusters.get(k).is_some_and(|c| is_wide(c.first));
    wide_at(a) || wide_at(b)
}
