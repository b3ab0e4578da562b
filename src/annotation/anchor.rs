//! Re-anchoring: when an article changed since it was annotated, the old and new texts
//! are compared through a compact fingerprint of the old one (kept in the annotation
//! file) and each span is shifted with the text around it. Only spans whose own stretch
//! of text changed are searched for, near where they were; files without a fingerprint
//! fall back to the nearest occurrence of the span's text. The ones that cannot be
//! placed are kept aside, never moved silently or dropped.

use super::file::{Entity, Rejected};
use crate::detect::CharSlicer;
use std::collections::{BTreeMap, HashMap};

/// What re-anchoring did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reanchored {
    pub entities: Vec<Entity>,
    pub rejected: Vec<Rejected>,
    /// Entities whose text is no longer in the article (or only where others now are).
    pub unanchored: Vec<Entity>,
    /// How many entities changed position.
    pub moved: usize,
}

/// At most this many chunks are kept in a fingerprint (about 20 bytes each).
const MAX_CHUNKS: usize = 1024;
const FINGERPRINT_VERSION: &str = "c1";

/// One stretch of text: a sentence or line, or a run of them in long articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk {
    start: usize,
    len: usize,
    hash: u64,
}

/// FNV-1a, 48 bits: stable across versions and platforms (it is stored in files).
fn hash48(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & 0xffff_ffff_ffff
}

/// Splits `text` after every line break and sentence end; with `thin` > 1 only ends whose
/// sentence hash is a multiple of `thin` cut, so cuts depend on content alone and an edit
/// changes only the chunks it touches.
fn chunks(text: &str, thin: u64) -> Vec<Chunk> {
    let mut out = Vec::new();
    let (mut start_char, mut start_byte, mut sentence_byte) = (0, 0, 0);
    let mut chars = text.char_indices().peekable();
    let mut n = 0;
    while let Some((b, c)) = chars.next() {
        n += 1;
        let next = chars.peek().map(|&(_, c)| c);
        let end = matches!(c, '\n' | '。' | '！' | '？' | '；')
            || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if !end {
            continue;
        }
        let to = b + c.len_utf8();
        if thin > 1 && !hash48(&text.as_bytes()[sentence_byte..to]).is_multiple_of(thin) {
            sentence_byte = to;
            continue;
        }
        out.push(Chunk {
            start: start_char,
            len: n - start_char,
            hash: hash48(&text.as_bytes()[start_byte..to]),
        });
        (start_char, start_byte, sentence_byte) = (n, to, to);
    }
    if start_byte < text.len() {
        out.push(Chunk {
            start: start_char,
            len: n - start_char,
            hash: hash48(&text.as_bytes()[start_byte..]),
        });
    }
    out
}

/// The fingerprint of `text` stored with its annotations: `c1/THIN:LEN-HASH,LEN-HASH,…`
/// (chunk lengths in code points, 48-bit hashes in hex), at most [`MAX_CHUNKS`] chunks.
pub fn fingerprint(text: &str) -> String {
    let mut thin = 1;
    let mut cs = chunks(text, thin);
    while cs.len() > MAX_CHUNKS {
        thin *= 2 * cs.len().div_ceil(MAX_CHUNKS) as u64;
        cs = chunks(text, thin);
    }
    let body: Vec<String> = cs
        .iter()
        .map(|c| format!("{}-{:x}", c.len, c.hash))
        .collect();
    format!("{FINGERPRINT_VERSION}/{thin}:{}", body.join(","))
}

/// The chunks of a stored fingerprint and its thinning; `None` if it is not one we read.
fn parse_fingerprint(fp: &str) -> Option<(u64, Vec<Chunk>)> {
    let rest = fp.strip_prefix(FINGERPRINT_VERSION)?.strip_prefix('/')?;
    let (thin, body) = rest.split_once(':')?;
    let thin = thin.parse().ok()?;
    let mut out = Vec::new();
    let mut start = 0;
    for item in body.split(',').filter(|s| !s.is_empty()) {
        let (len, hash) = item.split_once('-')?;
        let len: usize = len.parse().ok()?;
        out.push(Chunk {
            start,
            len,
            hash: u64::from_str_radix(hash, 16).ok()?,
        });
        start += len;
    }
    Some((thin, out))
}

/// For each old chunk, the new chunk holding the same text at the same place in the
/// sequence (a patience diff: common ends, then chunks unique on both sides in
/// increasing order, grown over equal neighbours).
fn match_chunks(old: &[Chunk], new: &[Chunk]) -> Vec<Option<usize>> {
    let mut map = vec![None; old.len()];
    let (n, m) = (old.len(), new.len());
    let mut lo = 0;
    while lo < n && lo < m && old[lo].hash == new[lo].hash {
        map[lo] = Some(lo);
        lo += 1;
    }
    let mut k = 0;
    while k < n - lo && k < m - lo && old[n - 1 - k].hash == new[m - 1 - k].hash {
        map[n - 1 - k] = Some(m - 1 - k);
        k += 1;
    }
    let (old_mid, new_mid) = (lo..n - k, lo..m - k);
    // Chunks that occur once in each middle part.
    let mut count: HashMap<u64, (usize, usize, usize, usize)> = HashMap::new();
    for i in old_mid.clone() {
        let c = count.entry(old[i].hash).or_default();
        (c.0, c.1) = (c.0 + 1, i);
    }
    for j in new_mid.clone() {
        let c = count.entry(new[j].hash).or_default();
        (c.2, c.3) = (c.2 + 1, j);
    }
    let mut pairs: Vec<(usize, usize)> = count
        .values()
        .filter(|c| c.0 == 1 && c.2 == 1)
        .map(|c| (c.1, c.3))
        .collect();
    pairs.sort_unstable();
    // Longest increasing run of new indices (patience sorting with back links).
    let mut tails: Vec<usize> = Vec::new();
    let mut back: Vec<Option<usize>> = vec![None; pairs.len()];
    for (p, &(_, j)) in pairs.iter().enumerate() {
        let at = tails.partition_point(|&t| pairs[t].1 < j);
        back[p] = at.checked_sub(1).map(|a| tails[a]);
        if at == tails.len() {
            tails.push(p);
        } else {
            tails[at] = p;
        }
    }
    let mut anchors = Vec::new();
    let mut cur = tails.last().copied();
    while let Some(p) = cur {
        anchors.push(pairs[p]);
        cur = back[p];
    }
    anchors.reverse();
    for &(i, j) in &anchors {
        map[i] = Some(j);
    }
    // Grow over equal neighbours inside each gap between matches (the middle's ends
    // count as matches), forward then backward, so that matches stay in order.
    let starts = std::iter::once((lo, lo)).chain(anchors.iter().map(|&(i, j)| (i + 1, j + 1)));
    let ends = anchors
        .iter()
        .copied()
        .chain(std::iter::once((n - k, m - k)));
    for ((mut a, mut b), (a_end, b_end)) in starts.zip(ends) {
        while a < a_end && b < b_end && old[a].hash == new[b].hash {
            map[a] = Some(b);
            (a, b) = (a + 1, b + 1);
        }
        let (mut x, mut y) = (a_end, b_end);
        while x > a && y > b && old[x - 1].hash == new[y - 1].hash {
            map[x - 1] = Some(y - 1);
            (x, y) = (x - 1, y - 1);
        }
    }
    map
}

/// Where the old text's offsets go in the new text.
struct Shift {
    old: Vec<Chunk>,
    new: Vec<Chunk>,
    map: Vec<Option<usize>>,
}

/// Where a span can be placed: moved with its text, or somewhere in a range.
enum Place {
    At(usize),
    /// Its stretch changed: look for its text in `new[from..to]`, nearest `near`.
    Search {
        from: usize,
        to: usize,
        near: usize,
    },
}

impl Shift {
    fn new(old_fp: &str, text: &str) -> Option<Shift> {
        let (thin, old) = parse_fingerprint(old_fp)?;
        let new = chunks(text, thin);
        let map = match_chunks(&old, &new);
        Some(Shift { old, new, map })
    }

    fn chunk_of(&self, offset: usize) -> usize {
        self.old
            .partition_point(|c| c.start + c.len <= offset)
            .min(self.old.len().saturating_sub(1))
    }

    fn place(&self, start: usize, end: usize) -> Place {
        if self.old.is_empty() {
            let to = self.new.last().map_or(0, |c| c.start + c.len);
            return Place::Search {
                from: 0,
                to,
                near: start,
            };
        }
        let (a, b) = (self.chunk_of(start), self.chunk_of(end.saturating_sub(1)));
        let whole = (a..=b)
            .all(|i| self.map[i].is_some_and(|j| Some(j) == self.map[a].map(|x| x + (i - a))));
        if whole && a < self.old.len() {
            if let Some(j) = self.map[a] {
                return Place::At(self.new[j].start + (start - self.old[a].start));
            }
        }
        // The nearest unchanged chunks on either side bound where the text can now be.
        let before = (0..a).rev().find_map(|i| self.map[i].map(|j| (i, j)));
        let after = (b + 1..self.old.len()).find_map(|i| self.map[i].map(|j| (i, j)));
        let from = before.map_or(0, |(_, j)| self.new[j].start + self.new[j].len);
        let to = after.map_or_else(
            || self.new.last().map_or(0, |c| c.start + c.len),
            |(_, j)| self.new[j].start,
        );
        let near = match before {
            Some((i, j)) => (start + self.new[j].start).saturating_sub(self.old[i].start),
            None => start,
        };
        Place::Search { from, to, near }
    }
}

/// Occurrences of texts in the new article, found once per distinct text.
struct Finder<'t> {
    text: &'t str,
    cache: HashMap<String, Vec<usize>>,
}

impl Finder<'_> {
    /// Code-point starts of every occurrence of `needle`.
    fn occurrences(&mut self, needle: &str) -> &[usize] {
        let text = self.text;
        self.cache.entry(needle.to_string()).or_insert_with(|| {
            if needle.is_empty() {
                return Vec::new();
            }
            let mut out = Vec::new();
            let (mut byte, mut chars) = (0, 0);
            for (b, _) in text.match_indices(needle) {
                chars += text[byte..b].chars().count();
                byte = b;
                out.push(chars);
            }
            out
        })
    }

    /// The occurrence of `needle` inside `from..to` nearest to `near`, if any.
    fn nearest(
        &mut self,
        needle: &str,
        n: usize,
        from: usize,
        to: usize,
        near: usize,
    ) -> Option<usize> {
        let found = self.occurrences(needle);
        let lo = found.partition_point(|&s| s < from);
        let hi = found.partition_point(|&s| s + n <= to).max(lo);
        // Sorted: the nearest is on one side of `near` or the other (a text with 20,000
        // mentions costs a binary search per span, not a scan).
        let at = lo + found[lo..hi].partition_point(|&s| s < near);
        [
            at.checked_sub(1).filter(|&i| i >= lo),
            Some(at).filter(|&i| i < hi),
        ]
        .into_iter()
        .flatten()
        .map(|i| found[i])
        .min_by_key(|&s| s.abs_diff(near))
    }
}

/// Spans placed so far, by start; they never overlap, so a neighbour check suffices.
#[derive(Default)]
struct Taken(BTreeMap<usize, usize>);

impl Taken {
    fn is_free(&self, s: usize, e: usize) -> bool {
        // The last span starting before `e` must end by `s`; earlier ones end before it.
        self.0
            .range(..e)
            .next_back()
            .is_none_or(|(_, &end)| end <= s)
    }

    fn take(&mut self, s: usize, e: usize) {
        self.0.insert(s, e);
    }
}

/// Moves `entities` and `rejected` onto `text`. `old_fingerprint` is the one stored with
/// them ([`fingerprint`] of the text their offsets refer to); without it (older files)
/// each span goes to the nearest occurrence of its text.
pub fn reanchor(
    text: &str,
    old_fingerprint: Option<&str>,
    entities: &[Entity],
    rejected: &[Rejected],
) -> Reanchored {
    let slicer = CharSlicer::new(text);
    let total = slicer.len();
    let shift = old_fingerprint.and_then(|fp| Shift::new(fp, text));
    let mut finder = Finder {
        text,
        cache: HashMap::new(),
    };
    // Where each span goes (and whether it moved with its text rather than by a
    // search), `None` if nowhere.
    let mut locate = |start: usize, end: usize, t: &str| -> Option<(usize, bool)> {
        let n = t.chars().count();
        let fits = |s: usize| s + n <= total && n > 0 && slicer.slice(s, s + n) == t;
        match &shift {
            Some(shift) => match shift.place(start, end) {
                Place::At(s) if fits(s) => Some((s, true)),
                Place::At(s) => finder.nearest(t, n, 0, total, s).map(|s| (s, false)),
                Place::Search { from, to, near } => {
                    finder.nearest(t, n, from, to, near).map(|s| (s, false))
                }
            },
            None if fits(start) && end == start + n => Some((start, true)),
            None => finder.nearest(t, n, 0, total, start).map(|s| (s, false)),
        }
    };
    let mut out = Reanchored::default();
    let mut wanted: Vec<(bool, usize, usize)> = Vec::with_capacity(entities.len());
    for (i, e) in entities.iter().enumerate() {
        match locate(e.start, e.end, &e.text) {
            Some((s, sure)) => wanted.push((!sure, s, i)),
            None => out.unanchored.push(e.clone()),
        }
    }
    // Spans that moved with their text are placed first, then the ones found by a
    // search, by position: a sweep over a sorted map instead of comparing every pair.
    wanted.sort_unstable();
    let mut taken = Taken::default();
    for (_, s, i) in wanted {
        let e = &entities[i];
        let end = s + e.text.chars().count();
        if !taken.is_free(s, end) {
            out.unanchored.push(e.clone());
            continue;
        }
        taken.take(s, end);
        if s != e.start {
            out.moved += 1;
        }
        out.entities.push(Entity {
            start: s,
            end,
            ..e.clone()
        });
    }
    out.entities.sort();
    out.unanchored.sort();
    for r in rejected {
        // A rejection only stops a suggestion; one that no longer matches has nothing
        // left to stop.
        if let Some((s, _)) = locate(r.start, r.end, &r.text) {
            out.rejected.push(Rejected {
                start: s,
                end: s + r.text.chars().count(),
                ..r.clone()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Source;
    use crate::label::Label;

    fn ent(start: usize, text: &str, label: Label) -> Entity {
        Entity {
            start,
            end: start + text.chars().count(),
            label,
            text: text.into(),
            source: Source::Manual,
            by: Vec::new(),
        }
    }

    #[test]
    fn spans_follow_inserted_and_deleted_text() {
        let old = "记者高轶鹏报道，高新区全力防控。";
        let es = vec![ent(2, "高轶鹏", Label::PER), ent(8, "高新区", Label::LOC)];
        // Text inserted before both spans.
        let new = "本报讯（记者高轶鹏报道，高新区全力防控。";
        let r = reanchor(new, None, &es, &[]);
        assert_eq!(
            r.entities,
            vec![ent(6, "高轶鹏", Label::PER), ent(12, "高新区", Label::LOC)]
        );
        assert_eq!(r.moved, 2);
        // Text deleted before the second span.
        let new = "记者高轶鹏：高新区全力防控。";
        let r = reanchor(new, None, &es, &[]);
        assert_eq!(
            r.entities,
            vec![ent(2, "高轶鹏", Label::PER), ent(6, "高新区", Label::LOC)]
        );
        assert!(r.unanchored.is_empty());
        let _ = old;
    }

    #[test]
    fn the_nearest_occurrence_wins() {
        let es = vec![ent(10, "高新区", Label::LOC)];
        let new = "高新区……………高新区……高新区";
        let r = reanchor(new, None, &es, &[]);
        assert_eq!(r.entities[0].start, 8, "8 is 2 away from 10, 13 is 3 away");
    }

    #[test]
    fn vanished_text_is_kept_aside() {
        let es = vec![ent(2, "高轶鹏", Label::PER), ent(8, "高新区", Label::LOC)];
        let r = reanchor("记者李一报道，高新区。", None, &es, &[]);
        assert_eq!(r.unanchored, vec![ent(2, "高轶鹏", Label::PER)]);
        assert_eq!(r.entities.len(), 1);
    }

    #[test]
    fn long_texts_keep_a_bounded_fingerprint_that_still_follows_edits() {
        let sentence = |i: usize| format!("第{i}句提到高新区。");
        let old: String = (0..5000).map(sentence).collect();
        let fp = fingerprint(&old);
        let chunks = fp.split(',').count();
        assert!(chunks <= MAX_CHUNKS, "{chunks} chunks");
        let at = old.find("第4000句").unwrap();
        let start = old[..at].chars().count() + 8;
        let es = vec![ent(start, "高新区", Label::LOC)];
        assert_eq!(
            CharSlicer::new(&old).slice(start, start + 3),
            "高新区",
            "the span is where the test thinks"
        );
        let new = format!(
            "插入的一句话。{}",
            old.replacen("第10句提到高新区。", "", 1)
        );
        let r = reanchor(&new, Some(&fp), &es, &[]);
        let expected = start + 7 - sentence(10).chars().count();
        assert_eq!(r.entities, vec![ent(expected, "高新区", Label::LOC)]);
    }

    #[test]
    fn a_span_whose_sentence_was_deleted_is_not_moved_to_another_mention() {
        let old = "记者高轶鹏报道。高新区全力防控。高新区再次表态。";
        let es = vec![ent(8, "高新区", Label::LOC)];
        let new = "记者高轶鹏报道。高新区再次表态。";
        let r = reanchor(new, Some(&fingerprint(old)), &es, &[]);
        assert!(r.entities.is_empty(), "{:?}", r.entities);
        assert_eq!(r.unanchored, es);
    }

    #[test]
    fn fifty_thousand_spans_reanchor_without_comparing_every_pair() {
        let n = 50_000;
        let old = "高新区，".repeat(n);
        let es: Vec<Entity> = (0..n).map(|i| ent(4 * i, "高新区", Label::LOC)).collect();
        let new = format!("新{old}");
        let started = std::time::Instant::now();
        for fp in [None, Some(fingerprint(&old))] {
            let r = reanchor(&new, fp.as_deref(), &es, &[]);
            assert_eq!(r.entities.len(), n);
            assert!(r
                .entities
                .iter()
                .zip(&es)
                .all(|(a, b)| a.start == b.start + 1));
        }
        // All pairs would be 1.25e9 comparisons (tens of seconds in a debug build).
        let took = started.elapsed();
        assert!(took.as_secs() < 5, "{took:?}");
    }

    #[test]
    fn unchanged_spans_stay_put() {
        let text = "高新区高新区";
        let es = vec![ent(3, "高新区", Label::LOC)];
        let r = reanchor(text, None, &es, &[]);
        assert_eq!(r.entities, es);
        assert_eq!(r.moved, 0);
    }
}
