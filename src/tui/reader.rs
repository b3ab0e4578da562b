//! An open article: its layout, scroll position, cursor and selection, and what is known
//! about its entities and annotations.

use super::annotate::Annotating;
use super::entities::Panel;
use super::search::Search;
use crate::detect::Analysis;
use crate::label::LabelSet;
use crate::text::{layout, Layout, WidthOptions};
use std::sync::Arc;

/// A key that waits for a second one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Pending {
    #[default]
    None,
    /// `r`: the next label key relabels the entity under the cursor.
    Relabel,
    /// A change that needs a yes (`A`, `*`).
    Confirm {
        prompt: String,
        change: crate::annotation::Change,
        /// For `*`: the annotation whose text `c` also labels in the other articles.
        corpus: Option<crate::annotation::Entity>,
    },
}

pub struct Reader {
    /// The corpus's labels (the app's, copied in when the article opens).
    pub labels: LabelSet,
    /// In review mode: the first open disagreements (where, and who said what), listed
    /// at the top of the entity panel, and how many are open in all.
    pub review_rows: Vec<(crate::label::Span, String)>,
    pub review_open: usize,
    pub entry: usize,
    pub title: String,
    pub text: Arc<String>,
    /// Length of the text in code points.
    pub chars: usize,
    /// SHA-256 of the text: the key of detection results and of annotation drift.
    pub sha: String,
    pub layout: Layout,
    /// First visible display line.
    pub top: usize,
    pub search: Search,
    /// Entities and word boundaries from the detector (`None` while it runs).
    pub analysis: Option<Arc<Analysis>>,
    pub panel: Option<Panel>,
    pub ann: Annotating,
    /// Code-point offset of the cluster under the cursor.
    pub cursor: usize,
    /// `v`: where the selection started.
    pub anchor: Option<usize>,
    pub pending: Pending,
    /// Only a prefix of a long article is laid out so far.
    pub partial: bool,
    /// `analysis` covers only the paragraphs around where reading started; the whole
    /// article's is on its way.
    pub analysis_partial: bool,
    /// The detector's own analysis; `analysis` adds the other occurrences of confirmed
    /// texts to it ([`Reader::refresh_confirmed`]).
    pub detected: Option<Arc<Analysis>>,
    /// Texts confirmed in other articles of this session and in earlier sessions,
    /// suggested here too ([`Reader::set_lexicon`]).
    pub lexicon: Vec<(String, crate::label::Label)>,
    /// `lexicon` as one automaton, built once when it is set (thousands of texts take tens
    /// of milliseconds to build: not on every edit).
    lexicon_index: Arc<crate::detect::confirmed::Lexicon>,
    /// The confirmed texts `analysis` was last built with.
    confirmed_texts: Vec<(String, crate::label::Label)>,
    /// The entity panel lists the least certain suggestions first (`s` in the panel),
    /// else the most mentioned.
    pub panel_by_score: bool,
    /// Starts of the visible marks, for `]`/`[`'s "3 of 238" (built on first use).
    pub mark_index: Option<super::entities::MarkIndex>,
    /// No key has been pressed since the article opened: `]` may stop on the mark
    /// under the cursor, which the user has not seen named yet.
    pub fresh: bool,
    /// A count being typed (`0` then digits), for the next motion.
    pub count: Option<usize>,
    /// How many words the next edge move goes (a count's, `03>`); 1 otherwise.
    pub edge_times: usize,
    /// Where the cursor was when `v` selected a whole mark: a first `h`/`l` right after
    /// selects from there instead (as `v` does elsewhere), not past the mark.
    pub select_from: Option<usize>,
}

/// Articles longer than this are first laid out only around where reading starts.
pub const PARTIAL_LAYOUT_BYTES: usize = 1 << 20;

/// How far past the prefix's nominal end to look for the end of its paragraph; a text
/// without line breaks is cut after a sentence, or mid-sentence (the lines near the cut
/// are redone when the whole layout arrives, far past what the first frame shows).
const PARAGRAPH_END_SEARCH: usize = 64 * 1024;

/// The byte offset up to which to lay out first: the end of the paragraph 256 KiB past
/// code point `upto` (the whole text when it is short).
fn prefix_end(text: &str, upto: usize) -> usize {
    if text.len() <= PARTIAL_LAYOUT_BYTES {
        return text.len();
    }
    let byte = text
        .char_indices()
        .nth(upto)
        .map_or(text.len(), |(b, _)| b)
        .saturating_add(256 * 1024)
        .min(text.len());
    crate::text::bounds::break_after(text, byte, PARAGRAPH_END_SEARCH)
}

impl Reader {
    pub fn new(
        entry: usize,
        title: String,
        text: String,
        sha: String,
        width: usize,
        opts: WidthOptions,
        ann: Annotating,
    ) -> Reader {
        Reader::new_from(entry, title, text, sha, width, opts, ann, usize::MAX)
    }

    /// Like [`Reader::new`], laying out only up to a little past code point `upto` when
    /// the article is long: the first frame does not wait for the rest, which
    /// [`Reader::complete_layout`] (or the shell's layout thread) adds later.
    #[allow(clippy::too_many_arguments)]
    pub fn new_from(
        entry: usize,
        title: String,
        text: String,
        sha: String,
        width: usize,
        opts: WidthOptions,
        ann: Annotating,
        upto: usize,
    ) -> Reader {
        let cut = prefix_end(&text, upto);
        let partial = cut < text.len();
        let layout = layout(&text[..cut], width, opts);
        let mut r = Reader {
            labels: LabelSet::default(),
            review_rows: Vec::new(),
            review_open: 0,
            entry,
            title,
            chars: text.chars().count(),
            text: Arc::new(text),
            sha,
            layout,
            top: 0,
            search: Search::default(),
            analysis: None,
            panel: None,
            ann,
            cursor: 0,
            anchor: None,
            pending: Pending::None,
            partial,
            analysis_partial: false,
            mark_index: None,
            detected: None,
            lexicon: Vec::new(),
            lexicon_index: Arc::default(),
            confirmed_texts: Vec::new(),
            panel_by_score: false,
            fresh: true,
            count: None,
            edge_times: 1,
            select_from: None,
        };
        r.cursor = r.first_visible_char();
        r
    }

    /// Takes the detector's analysis and adds the confirmed texts' other occurrences.
    pub fn set_analysis(&mut self, analysis: Arc<Analysis>) {
        self.detected = Some(analysis);
        self.confirmed_texts.clear();
        self.refresh_confirmed(true);
    }

    /// Sets the texts confirmed elsewhere (`index`: the same built into an automaton, shared
    /// with the app) and suggests them.
    pub fn set_lexicon(
        &mut self,
        texts: Vec<(String, crate::label::Label)>,
        index: Arc<crate::detect::confirmed::Lexicon>,
    ) {
        self.lexicon = texts;
        self.lexicon_index = index;
        self.refresh_confirmed(true);
    }

    /// The distinct texts confirmed in this article and in this session, with their labels.
    pub fn confirmed_texts(&self) -> Vec<(String, crate::label::Label)> {
        let mut texts: Vec<(String, crate::label::Label)> = self
            .ann
            .set
            .entities
            .iter()
            .map(|e| (e.text.clone(), e.label))
            .chain(self.lexicon.iter().cloned())
            // A label the set no longer defines (an older file's) is not suggested.
            .filter(|(_, l)| self.labels.contains(*l))
            .collect();
        // One label per text: this article's (newest) first, kept by the stable sort.
        texts.sort_by(|a, b| a.0.cmp(&b.0));
        texts.dedup_by(|a, b| a.0 == b.0);
        texts
    }

    /// Whether the distinct confirmed texts are still those `analysis` was built with:
    /// one pass with no sorting or copying, since it runs after every edit (accepting
    /// a suggestion whose text is already confirmed changes nothing here).
    fn confirmed_unchanged(&self) -> bool {
        let label_of = |t: &str| {
            self.confirmed_texts
                .binary_search_by(|(x, _)| x.as_str().cmp(t))
                .ok()
                .map(|i| self.confirmed_texts[i].1)
        };
        let mut present = std::collections::HashSet::new();
        // A relabelled text changes the suggestions too: the first label of each text (as
        // in `confirmed_texts`) must be the one they were built with.
        for (t, l) in self
            .ann
            .set
            .entities
            .iter()
            .map(|e| (e.text.as_str(), e.label))
            .chain(self.lexicon.iter().map(|(t, l)| (t.as_str(), *l)))
            .filter(|(_, l)| self.labels.contains(*l))
        {
            match label_of(t) {
                None => return false,
                Some(known) if present.insert(t) && known != l => return false,
                Some(_) => {}
            }
        }
        present.len() == self.confirmed_texts.len()
    }

    /// Suggests every other occurrence of a confirmed text where the detector found nothing
    /// (a span the user confirms is suggested elsewhere at once). Recomputed only when the
    /// confirmed texts changed, unless `force`.
    pub fn refresh_confirmed(&mut self, force: bool) {
        let Some(detected) = self.detected.clone() else {
            return;
        };
        if !force && self.confirmed_unchanged() {
            return;
        }
        let texts = self.confirmed_texts();
        let taken: Vec<crate::label::Span> = {
            let mut t: Vec<_> = detected
                .spans
                .iter()
                .copied()
                .chain(self.ann.set.entities.iter().map(|e| e.span()))
                .collect();
            t.sort();
            t
        };
        // This article's own confirmed texts first, then the other articles' and sessions'
        // (their automaton is built once, when they are set).
        let own: Vec<(String, crate::label::Label)> = self
            .ann
            .set
            .entities
            .iter()
            .filter(|e| self.labels.contains(e.label))
            .map(|e| (e.text.clone(), e.label))
            .collect();
        let (mut extra, mut exact) =
            crate::detect::confirmed::Lexicon::new(&own).find_split(&self.text, &taken);
        if !self.lexicon_index.is_empty() {
            let mut taken = taken;
            taken.extend(extra.iter().copied());
            taken.sort();
            let (more, more_exact) = self.lexicon_index.find_split(&self.text, &taken);
            extra.extend(more);
            extra.sort();
            // This article's label for a text comes first.
            let own_exact: std::collections::HashSet<(usize, usize)> =
                exact.iter().map(|e| (e.start, e.end)).collect();
            exact.extend(
                more_exact
                    .into_iter()
                    .filter(|x| !own_exact.contains(&(x.start, x.end))),
            );
            exact.sort();
        }
        self.confirmed_texts = texts;
        if extra.is_empty() && exact.is_empty() {
            self.analysis = Some(detected);
            return;
        }
        let mut analysis = Analysis::clone(&detected);
        analysis.prefer_confirmed(&exact);
        analysis.add_found(extra, crate::detect::SuggestionSource::Lexicon);
        self.analysis = Some(Arc::new(analysis));
        self.mark_index = None;
    }

    /// Lays out the whole article if only a prefix is laid out, keeping the view.
    pub fn complete_layout(&mut self) {
        if self.partial {
            let full = layout(&self.text, self.layout.width, self.layout.opts);
            self.adopt_layout(full);
        }
    }

    /// Takes a complete layout (from the shell's layout thread) if it fits the view.
    pub fn adopt_layout(&mut self, full: Layout) {
        if !self.partial || full.width != self.layout.width || full.opts != self.layout.opts {
            return;
        }
        let anchor = self.first_visible_char();
        self.layout = full;
        self.top = self.layout.line_of(anchor);
        self.partial = false;
    }

    pub fn max_top(&self, body: usize) -> usize {
        self.layout.lines.len().saturating_sub(body)
    }

    pub fn first_visible_char(&self) -> usize {
        self.layout.lines.get(self.top).map_or(0, |l| l.char_start)
    }

    /// Lays the text out for a new width, keeping the first visible character on screen.
    pub fn relayout(&mut self, width: usize, opts: WidthOptions, body: usize) {
        if width != self.layout.width || opts != self.layout.opts {
            let anchor = self.first_visible_char();
            self.layout = layout(&self.text, width, opts);
            self.top = self.layout.line_of(anchor);
            self.partial = false;
        }
        // Past the end, pulling back to the last page still shows the anchor line.
        self.top = self.top.min(self.max_top(body));
        // The cursor (and the selection) stay on their characters: the view follows.
        self.scroll_to_cursor(body);
    }

    /// Scrolls so that display line `line` is visible, a third of the way down when it
    /// was off screen.
    pub fn reveal_line(&mut self, line: usize, body: usize) {
        if line < self.top || line >= self.top + body {
            self.top = line.saturating_sub(body / 3).min(self.max_top(body));
        }
    }

    /// Scrolls the least needed to show the cursor.
    pub fn scroll_to_cursor(&mut self, body: usize) {
        let line = self.layout.line_of(self.cursor);
        if line < self.top {
            self.top = line;
        } else if line >= self.top + body {
            self.top = (line + 1 - body).min(self.max_top(body));
        }
    }

    /// After the view scrolled: bring the cursor onto the screen.
    pub fn keep_cursor_in_view(&mut self, body: usize) {
        if self.layout.lines.is_empty() {
            self.cursor = 0;
            return;
        }
        let line = self.layout.line_of(self.cursor);
        let last = (self.top + body).min(self.layout.lines.len()) - 1;
        let target = if line < self.top {
            Some(self.top)
        } else if line > last {
            Some(last)
        } else {
            None
        };
        if let Some(t) = target {
            self.cursor = self.line_start(t, line > last);
        }
    }

    /// Visible cluster starts of display line `line`, with their columns.
    fn clusters(&self, line: usize) -> Vec<(usize, usize)> {
        self.layout
            .pieces(&self.text, line)
            .filter(|p| p.width > 0)
            .map(|p| (p.char_offset, p.col))
            .collect()
    }

    /// The first cluster of the nearest non-blank line from `line` (searching backwards
    /// when `backwards`).
    pub fn line_start(&self, line: usize, backwards: bool) -> usize {
        let n = self.layout.lines.len();
        let mut l = line.min(n.saturating_sub(1));
        loop {
            if let Some(&(off, _)) = self.clusters(l).first() {
                return off;
            }
            if backwards {
                if l == 0 {
                    return 0;
                }
                l -= 1;
            } else {
                if l + 1 >= n {
                    return self.layout.lines.get(l).map_or(0, |x| x.char_start);
                }
                l += 1;
            }
        }
    }

    /// The cluster after the one at `offset` (crossing lines), if any.
    pub fn next_cluster(&self, offset: usize) -> Option<usize> {
        let line = self.layout.line_of(offset);
        if let Some(&(off, _)) = self.clusters(line).iter().find(|(o, _)| *o > offset) {
            return Some(off);
        }
        (line + 1..self.layout.lines.len()).find_map(|l| self.clusters(l).first().map(|c| c.0))
    }

    /// The cluster before the one at `offset` (crossing lines), if any.
    pub fn prev_cluster(&self, offset: usize) -> Option<usize> {
        let line = self.layout.line_of(offset);
        if let Some(&(off, _)) = self.clusters(line).iter().rev().find(|(o, _)| *o < offset) {
            return Some(off);
        }
        (0..line)
            .rev()
            .find_map(|l| self.clusters(l).last().map(|c| c.0))
    }

    /// Start of the cluster that contains `offset`.
    pub fn cluster_start(&self, offset: usize) -> usize {
        let line = self.layout.line_of(offset);
        self.clusters(line)
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map_or(offset, |c| c.0)
    }

    /// End (exclusive) of the cluster that starts at or contains `offset`.
    pub fn cluster_end(&self, offset: usize) -> usize {
        let line = self.layout.line_of(offset);
        let line_end = self.layout.lines.get(line).map_or(0, |l| l.char_end);
        self.clusters(line)
            .iter()
            .find(|(o, _)| *o > offset)
            .map_or(line_end.max(offset + 1), |c| c.0)
    }

    /// Moves the cursor one display line down (`down`) or up, to the nearest column.
    pub fn cursor_line(&mut self, down: bool, body: usize) {
        let (line, col) = self.layout.position_of(&self.text, self.cursor);
        let n = self.layout.lines.len();
        let mut l = line;
        loop {
            l = match (down, l) {
                (true, l) if l + 1 < n => l + 1,
                (false, l) if l > 0 => l - 1,
                _ => return,
            };
            let cs = self.clusters(l);
            if let Some(&(off, _)) = cs.iter().rev().find(|(_, c)| *c <= col).or(cs.first()) {
                self.cursor = off;
                self.scroll_to_cursor(body);
                return;
            }
        }
    }

    /// Byte offset of code point `offset` (walking from the nearest line start).
    pub fn byte_of(&self, offset: usize) -> usize {
        let (mut byte, mut chars) = match self.layout.lines.get(self.layout.line_of(offset)) {
            Some(l) if l.char_start <= offset => (l.byte_start, l.char_start),
            _ => (0, 0),
        };
        for c in self.text[byte..].chars() {
            if chars == offset {
                break;
            }
            byte += c.len_utf8();
            chars += 1;
        }
        byte
    }

    /// The text of code points `start..end`.
    pub fn slice(&self, start: usize, end: usize) -> &str {
        let (a, b) = (self.byte_of(start), self.byte_of(end.max(start)));
        &self.text[a..b]
    }

    /// The word under the cursor by jieba's boundaries (`None` before they arrive).
    pub fn word_at(&self, offset: usize) -> Option<(usize, usize)> {
        let words = &self.analysis.as_ref()?.words;
        let start = words.at_or_before(offset)?;
        let end = words.after(offset).next().unwrap_or(self.chars);
        Some((self.cluster_start(start), self.cluster_end_at_or_after(end)))
    }

    /// `end` if it is a cluster boundary, else the end of the cluster around it.
    fn cluster_end_at_or_after(&self, end: usize) -> usize {
        if end == 0 {
            return 0;
        }
        let start = self.cluster_start(end - 1);
        let e = self.cluster_end(start);
        if e >= end {
            e
        } else {
            end
        }
    }

    /// Next (`forward`) or previous word start from the cursor; by clusters before the
    /// word boundaries are known.
    pub fn word_move(&mut self, forward: bool, body: usize) {
        let next = match self.analysis.as_ref().map(|a| &a.words) {
            // The nearest visible word start on either side of the cursor.
            Some(words) if forward => words.after(self.cursor).find(|&w| self.is_visible_start(w)),
            Some(words) => words
                .before(self.cursor)
                .find(|&w| self.is_visible_start(w)),
            None if forward => self.next_cluster(self.cursor),
            None => self.prev_cluster(self.cursor),
        };
        if let Some(n) = next {
            self.cursor = n;
            self.scroll_to_cursor(body);
        }
    }

    /// `e`: the last cluster of the word under the cursor, or of the next word when the
    /// cursor is already there (vim's `e`); by clusters before the words are known.
    pub fn word_end_move(&mut self, body: usize) {
        let target = match self.analysis.as_ref().map(|a| &a.words) {
            Some(words) => {
                let mut ends = words
                    .after(self.cursor)
                    .chain(std::iter::once(self.chars))
                    .filter(|&s| s > 0)
                    .map(|s| self.cluster_start(s - 1));
                ends.find(|&e| e > self.cursor && self.is_visible_start(e))
            }
            None => self.next_cluster(self.cursor),
        };
        if let Some(t) = target {
            self.cursor = t;
            self.scroll_to_cursor(body);
        }
    }

    /// `w` / `b` in a selection whose cursor is its end: the selection grows and shrinks
    /// by whole words, so `w` goes to the end of a word (as `e`), not onto the first
    /// character of the next one, which the label would take; `b` back to the end of
    /// the word before. Elsewhere (no selection, or the cursor at its start) they move
    /// to word starts as usual.
    pub fn word_move_selecting(&mut self, forward: bool, body: usize) {
        let Some(anchor) = self.anchor.filter(|&a| a <= self.cursor) else {
            return self.word_move(forward, body);
        };
        if forward {
            return self.word_end_move(body);
        }
        let back = self.analysis.as_ref().and_then(|a| {
            a.words
                .before(self.cursor)
                .filter(|&s| s > 0)
                .map(|s| self.cluster_start(s - 1))
                .find(|&e| e < self.cursor && self.is_visible_start(e))
                .filter(|&e| e >= anchor)
        });
        match back {
            Some(e) => {
                self.cursor = e;
                self.scroll_to_cursor(body);
            }
            None => self.word_move(false, body),
        }
    }

    /// `v`: start a selection; on a mark, select all of it (the cursor at its end, so
    /// `e`/`w` grow it; a first `h`/`l` selects from the cursor instead); `v` again
    /// cancels.
    pub fn select(&mut self) -> Option<String> {
        if self.anchor.take().is_some() {
            return None;
        }
        let mark = self
            .ann
            .set
            .at(self.cursor)
            .map(|i| self.ann.set.entities[i].span())
            .or_else(|| self.suggestion_at(self.cursor));
        match mark {
            Some(m) => {
                self.select_from = Some(self.cursor);
                self.anchor = Some(m.start);
                self.cursor = self.cluster_start(m.end.saturating_sub(1)).max(m.start);
                Some(format!(
                    "selected {} {}: e/w/b grow it, h/l select from the cursor, 1-5 label",
                    m.label,
                    self.slice(m.start, m.end)
                ))
            }
            None => {
                self.anchor = Some(self.cursor);
                Some(
                    "selecting: move (e w b h l), then a label key (1-5); v or Esc cancels"
                        .to_string(),
                )
            }
        }
    }

    /// `o`: swap the cursor to the other end of the selection.
    pub fn other_end(&mut self, body: usize) -> Option<String> {
        let Some(a) = self.anchor else {
            return Some("o: in a selection (v), goes to its other end".to_string());
        };
        self.anchor = Some(self.cursor);
        self.cursor = a;
        self.scroll_to_cursor(body);
        None
    }

    /// True when a visible cluster starts at `offset` (not whitespace hidden at a break).
    fn is_visible_start(&self, offset: usize) -> bool {
        let line = self.layout.line_of(offset);
        self.clusters(line).iter().any(|(o, _)| *o == offset)
    }

    /// The selection (`v` anchor to cursor, inclusive of the cursor's cluster).
    pub fn selection(&self) -> Option<(usize, usize)> {
        let a = self.anchor?;
        let (s, e) = if a <= self.cursor {
            (a, self.cursor)
        } else {
            (self.cursor, a)
        };
        Some((s, self.cluster_end(e)))
    }

    /// The code point under screen cell (`col`, `row`) of the text area, or the nearest
    /// cluster on that line.
    pub fn offset_at_cell(&self, col: usize, row: usize) -> Option<usize> {
        let line = self.top + row;
        if line >= self.layout.lines.len() {
            return None;
        }
        if let Some(off) = self.layout.offset_at(&self.text, line, col) {
            return Some(off);
        }
        let cs = self.clusters(line);
        cs.last()
            .map(|c| c.0)
            .or_else(|| Some(self.line_start(line, false)))
    }
}
