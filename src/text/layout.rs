//! The layout engine: article text -> display lines of at most `width` columns, with a map
//! from every screen cell back to the code-point offset it shows.

use super::breaking::{break_opportunities, is_no_end, is_no_start, ClusterEdge};
use super::clusters::{cluster_indices, ClusterIndices};
use super::glyph::{Glyph, WidthOptions};
use std::ops::Range;

/// One display line: a slice of the article text, already without the whitespace at which
/// it was broken. A blank separator line between paragraphs has an empty range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub byte_start: usize,
    pub byte_end: usize,
    /// Code-point offsets into the article, `char_end` exclusive.
    pub char_start: usize,
    pub char_end: usize,
    /// Columns the line takes on screen.
    pub width: usize,
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.byte_start == self.byte_end
    }

    pub fn bytes(&self) -> Range<usize> {
        self.byte_start..self.byte_end
    }
}

/// One grapheme cluster placed on a display line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'t> {
    pub col: usize,
    pub width: usize,
    /// Code-point offset of the cluster's first character in the article.
    pub char_offset: usize,
    pub byte_offset: usize,
    pub cluster: &'t str,
    pub glyph: Glyph,
}

/// An article laid out for one width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub lines: Vec<Line>,
    pub width: usize,
    pub opts: WidthOptions,
}

/// Characters that end a hard line. `\r\n` counts once.
fn is_hard_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Lays out `text` for a column `width` (treated as at least 1).
///
/// Paragraphs (hard lines) are kept; runs of blank lines collapse to one blank display
/// line; leading and trailing blank lines are dropped.
///
/// ```
/// use inkmark::text::{layout, WidthOptions};
/// let text = "记者高轶鹏报道，疫情防控";
/// let l = layout(text, 10, WidthOptions::default());
/// // "，" never starts a line: "道" moves down with it.
/// assert_eq!(l.render_plain(text), "记者高轶鹏\n报道，疫情\n防控\n");
/// // Every cell maps back to a code-point offset: column 6 of line 1 shows "疫" (offset 8).
/// assert_eq!(l.offset_at(text, 1, 6), Some(8));
/// ```
pub fn layout(text: &str, width: usize, opts: WidthOptions) -> Layout {
    layout_with(text, width, opts, Wrapper::default())
}

fn layout_with(text: &str, width: usize, opts: WidthOptions, mut wrapper: Wrapper) -> Layout {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut byte = 0;
    let mut chars = 0;
    // Start (byte, char) of the current run of blank hard lines, if any.
    let mut blank_run: Option<(usize, usize)> = None;
    while byte <= text.len() {
        let rest = &text[byte..];
        let (para_len, break_len) = match rest.find(is_hard_break) {
            Some(i) => {
                let brk = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                (i, brk)
            }
            None => (rest.len(), 0),
        };
        let para = &rest[..para_len];
        let para_chars = para.chars().count();
        if para.chars().all(char::is_whitespace) {
            blank_run.get_or_insert((byte, chars));
        } else {
            if let Some((b, c)) = blank_run.take() {
                if !lines.is_empty() {
                    lines.push(Line {
                        byte_start: b,
                        byte_end: b,
                        char_start: c,
                        char_end: c,
                        width: 0,
                    });
                }
            }
            wrapper.wrap_in_segments(para, byte, chars, width, opts, &mut lines);
        }
        if break_len == 0 {
            break;
        }
        byte += para_len + break_len;
        chars += para_chars + if break_len == 2 { 2 } else { 1 };
    }
    Layout { lines, width, opts }
}

#[derive(Debug, Clone, Copy)]
struct Cluster {
    byte: usize,
    chars: usize,
    glyph: Glyph,
    space: bool,
}

/// Reusable buffers for wrapping one paragraph at a time.
#[derive(Default)]
struct Wrapper {
    clusters: Vec<Cluster>,
    edges: Vec<ClusterEdge>,
    breaks: Vec<bool>,
    /// Segment with `unicode-segmentation` only, without the per-character fast path
    /// (the reference the tests compare the fast path with).
    full_segmentation: bool,
}

/// Paragraphs longer than this many bytes are wrapped a segment at a time.
const SEGMENT_BYTES: usize = 64 * 1024;
/// Lines at the end of a segment that are wrapped again with the next one: where they
/// break may depend on the few characters past the segment's end.
const SEGMENT_OVERLAP_LINES: usize = 4;

impl Wrapper {
    /// [`Wrapper::wrap`] for a paragraph of any length with buffers bounded by
    /// [`SEGMENT_BYTES`]: a 1 MB paragraph (a text without line breaks) would otherwise
    /// need 25 MB of per-cluster scratch. Each segment starts where a line starts, and its
    /// last lines are redone with the next segment, so the lines are those of wrapping the
    /// paragraph whole (line breaking looks only a few characters ahead).
    fn wrap_in_segments(
        &mut self,
        para: &str,
        byte0: usize,
        char0: usize,
        width: usize,
        opts: WidthOptions,
        out: &mut Vec<Line>,
    ) {
        let (mut byte, mut chars) = (0, 0);
        let mut segment = SEGMENT_BYTES;
        let mut lines = Vec::new();
        loop {
            let rest = &para[byte..];
            if rest.len() <= segment {
                self.wrap(rest, byte0 + byte, char0 + chars, width, opts, out);
                return;
            }
            let end = super::bounds::floor_boundary(rest, segment);
            lines.clear();
            self.wrap(
                &rest[..end],
                byte0 + byte,
                char0 + chars,
                width,
                opts,
                &mut lines,
            );
            let keep = lines.len().saturating_sub(SEGMENT_OVERLAP_LINES);
            if keep == 0 {
                // Very wide lines, or mostly spaces: take a longer segment.
                segment *= 2;
                continue;
            }
            out.extend_from_slice(&lines[..keep]);
            byte = lines[keep].byte_start - byte0;
            chars = lines[keep].char_start - char0;
            segment = SEGMENT_BYTES;
        }
    }

    fn wrap(
        &mut self,
        para: &str,
        byte0: usize,
        char0: usize,
        width: usize,
        opts: WidthOptions,
        out: &mut Vec<Line>,
    ) {
        self.clusters.clear();
        self.edges.clear();
        let total_chars = if self.full_segmentation {
            use unicode_segmentation::UnicodeSegmentation;
            self.push_clusters(para.grapheme_indices(true), opts)
        } else {
            self.push_clusters(cluster_indices(para), opts)
        };
        break_opportunities(para, &self.edges, &mut self.breaks);

        let n = self.clusters.len();
        let emit = |from: usize, to: usize, line_width: usize, out: &mut Vec<Line>| {
            // Drop the whitespace the line was broken at.
            let mut end = to;
            while end > from && self.clusters[end - 1].space {
                end -= 1;
            }
            if end == from {
                return;
            }
            let (b_end, c_end) = if end == n {
                (para.len(), total_chars)
            } else {
                (self.clusters[end].byte, self.clusters[end].chars)
            };
            out.push(Line {
                byte_start: byte0 + self.clusters[from].byte,
                byte_end: byte0 + b_end,
                char_start: char0 + self.clusters[from].chars,
                char_end: char0 + c_end,
                width: line_width,
            });
        };

        let mut start = 0;
        let mut col = 0;
        // Columns up to the end of the last non-space cluster: the line's visible width.
        let mut ink = 0;
        let mut last_break: Option<usize> = None;
        let mut i = 0;
        while i < n {
            let c = self.clusters[i];
            if i > start && self.breaks[i] {
                last_break = Some(i);
            }
            let w = c.glyph.width_at(col, opts);
            if !c.space && col + w > width && i > start {
                let at = last_break
                    .filter(|&b| b > start)
                    .unwrap_or_else(|| self.emergency_break(start, i));
                let line_width = self.visible_width(start, at, opts);
                emit(start, at, line_width, out);
                start = at;
                col = 0;
                ink = 0;
                last_break = None;
                i = start;
                continue;
            }
            col += w;
            if !c.space {
                ink = col;
            }
            i += 1;
        }
        emit(start, n, ink, out);
    }

    /// Records the clusters of a paragraph; returns its length in code points.
    fn push_clusters<'p>(
        &mut self,
        clusters: impl Iterator<Item = (usize, &'p str)>,
        opts: WidthOptions,
    ) -> usize {
        let mut chars = 0;
        for (b, g) in clusters {
            let mut cs = g.chars();
            let first = cs.next().unwrap_or(' ');
            let last = cs.next_back().unwrap_or(first);
            self.clusters.push(Cluster {
                byte: b,
                chars,
                glyph: Glyph::of(g, opts),
                space: first.is_whitespace() && g.chars().all(char::is_whitespace),
            });
            self.edges.push(ClusterEdge {
                byte: b,
                first,
                last,
            });
            chars += if g.len() == 1 { 1 } else { g.chars().count() };
        }
        chars
    }

    /// Where to split a run with no break opportunity that overflows before cluster `i`:
    /// the last boundary that keeps closing punctuation off the line start and opening
    /// brackets off the line end; failing that, the last that does not split "——" or
    /// "……"; failing that, `i` itself.
    fn emergency_break(&self, start: usize, i: usize) -> usize {
        let candidates = || (start + 1..=i).rev();
        let (edges, pair) = (&self.edges, |j: usize| {
            matches!(
                (self.edges[j - 1].last, self.edges[j].first),
                ('—', '—') | ('…', '…')
            )
        });
        candidates()
            .find(|&j| !is_no_start(edges[j].first) && !is_no_end(edges[j - 1].last))
            .or_else(|| candidates().find(|&j| !pair(j)))
            .unwrap_or(i)
    }

    /// Width of clusters `from..to` without trailing whitespace.
    fn visible_width(&self, from: usize, to: usize, opts: WidthOptions) -> usize {
        let mut col = 0;
        let mut ink = 0;
        for c in &self.clusters[from..to] {
            col += c.glyph.width_at(col, opts);
            if !c.space {
                ink = col;
            }
        }
        ink
    }
}

impl Layout {
    /// The clusters of display line `line`, with their columns and offsets (none for a
    /// line that does not exist, as in an empty article).
    pub fn pieces<'t>(&self, text: &'t str, line: usize) -> Pieces<'t> {
        let l = self.lines.get(line).copied().unwrap_or(Line {
            byte_start: 0,
            byte_end: 0,
            char_start: 0,
            char_end: 0,
            width: 0,
        });
        Pieces {
            inner: cluster_indices(&text[l.bytes()]),
            byte0: l.byte_start,
            chars: l.char_start,
            col: 0,
            opts: self.opts,
        }
    }

    /// Index of the display line that shows (or, for hidden whitespace, precedes) the
    /// code point at `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.char_start <= offset)
            .saturating_sub(1)
    }

    /// Screen position (line, column) of the code point at `offset`. Offsets that are not
    /// shown (break whitespace, line ends) map to the end of the preceding line.
    pub fn position_of(&self, text: &str, offset: usize) -> (usize, usize) {
        if self.lines.is_empty() {
            return (0, 0);
        }
        let line = self.line_of(offset);
        let l = self.lines[line];
        if offset >= l.char_end {
            return (line, l.width);
        }
        let mut col = 0;
        for p in self.pieces(text, line) {
            if p.char_offset > offset {
                break;
            }
            col = p.col;
        }
        (line, col)
    }

    /// The code-point offset shown at `(line, col)`, or `None` past the end of the line.
    pub fn offset_at(&self, text: &str, line: usize, col: usize) -> Option<usize> {
        if line >= self.lines.len() {
            return None;
        }
        self.pieces(text, line)
            .find(|p| p.width > 0 && col >= p.col && col < p.col + p.width)
            .map(|p| p.char_offset)
    }

    /// The text as plain lines, exactly as the reader shows it (placeholders included).
    pub fn render_plain(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.lines.len());
        for i in 0..self.lines.len() {
            for p in self.pieces(text, i) {
                match p.glyph {
                    Glyph::Text { .. } => out.push_str(&super::glyph::visible_cluster(p.cluster)),
                    g => out.push_str(&g.symbol(p.cluster, p.width)),
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Iterator over the pieces of one display line.
pub struct Pieces<'t> {
    inner: ClusterIndices<'t>,
    byte0: usize,
    chars: usize,
    col: usize,
    opts: WidthOptions,
}

impl<'t> Iterator for Pieces<'t> {
    type Item = Piece<'t>;

    fn next(&mut self) -> Option<Piece<'t>> {
        let (b, g) = self.inner.next()?;
        let glyph = Glyph::of(g, self.opts);
        let width = glyph.width_at(self.col, self.opts);
        let piece = Piece {
            col: self.col,
            width,
            char_offset: self.chars,
            byte_offset: self.byte0 + b,
            cluster: g,
            glyph,
        };
        self.col += width;
        self.chars += if g.len() == 1 { 1 } else { g.chars().count() };
        Some(piece)
    }
}

#[cfg(test)]
mod segment_tests {
    use super::*;

    /// A long paragraph from a deterministic mix of scripts, spaces and punctuation.
    fn paragraph(seed: u64, bytes: usize) -> String {
        const PIECES: &[&str] = &[
            "新华社北京3月5日电",
            "，",
            "。",
            "“国务院”",
            "（记者高轶鹏）",
            "the quick brown fox ",
            "U.S.-China ",
            "3.14% ",
            "  ",
            "\t",
            "——",
            "……",
            "e\u{301}",
            "👩‍👩‍👧",
            "ｱｲｳ",
            "supercalifragilisticexpialidocious",
            "、",
            "《人民日报》",
        ];
        let mut state = seed;
        let mut out = String::new();
        while out.len() < bytes {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            out.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
        }
        out
    }

    #[test]
    fn segments_give_the_lines_of_the_whole_paragraph() {
        for seed in 0..6 {
            let para = paragraph(seed, 3 * SEGMENT_BYTES + 999);
            for width in [1, 7, 40, 80, 333] {
                let opts = WidthOptions::default();
                let (mut whole, mut segmented) = (Vec::new(), Vec::new());
                Wrapper::default().wrap(&para, 10, 5, width, opts, &mut whole);
                Wrapper::default().wrap_in_segments(&para, 10, 5, width, opts, &mut segmented);
                assert_eq!(whole.len(), segmented.len(), "seed {seed}, width {width}");
                if let Some(i) = (0..whole.len()).find(|&i| whole[i] != segmented[i]) {
                    panic!(
                        "seed {seed}, width {width}, line {i}: {:?} vs {:?}",
                        whole[i], segmented[i]
                    );
                }
            }
        }
    }

    #[test]
    fn a_paragraph_of_spaces_and_one_word_per_segment() {
        let para = format!(
            "{}x{}y",
            " ".repeat(3 * SEGMENT_BYTES),
            " ".repeat(SEGMENT_BYTES)
        );
        let (mut whole, mut segmented) = (Vec::new(), Vec::new());
        let opts = WidthOptions::default();
        Wrapper::default().wrap(&para, 0, 0, 20, opts, &mut whole);
        Wrapper::default().wrap_in_segments(&para, 0, 0, 20, opts, &mut segmented);
        assert_eq!(whole, segmented);
    }

    proptest::proptest! {
        /// The fast path of segmentation changes nothing: the same lines as segmenting
        /// every paragraph with `unicode-segmentation`, at any width, in both width modes.
        #[test]
        fn fast_and_full_segmentation_give_the_same_layout(
            parts in proptest::collection::vec(crate::text::clusters::tests::piece(), 0..60),
            width in 1usize..30,
            ambiguous_wide: bool,
        ) {
            let text = parts.concat();
            let opts = WidthOptions { ambiguous_wide, tab_width: 4 };
            let full = Wrapper { full_segmentation: true, ..Wrapper::default() };
            let slow = layout_with(&text, width, opts, full);
            let fast = layout(&text, width, opts);
            proptest::prop_assert_eq!(&fast, &slow);
            proptest::prop_assert_eq!(fast.render_plain(&text), slow.render_plain(&text));
        }
    }
}
