//! Entities in the reader: confirmed annotations and open suggestions ("marks"), jumping
//! between them, and the side panel that lists them grouped by label.

use super::app::Msg;
use super::reader::Reader;
use crate::label::HiddenLabels;
use crate::label::{Label, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Is a mark a confirmed annotation or a detector's suggestion?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    Confirmed,
    Suggested,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub span: Span,
    pub kind: MarkKind,
}

impl Reader {
    /// Confirmed annotations and open suggestions, sorted by start, never overlapping.
    pub fn marks(&self) -> Vec<Mark> {
        self.marks_in(0, usize::MAX)
    }

    /// The marks overlapping code points `start..end` (what a frame shows): binary
    /// searches, so the cost follows the screen, not the article.
    pub fn marks_in(&self, start: usize, end: usize) -> Vec<Mark> {
        let mut out: Vec<Mark> = self
            .ann
            .set
            .entities_in(start, end)
            .map(|e| Mark {
                span: e.span(),
                kind: MarkKind::Confirmed,
            })
            .collect();
        if let Some(a) = &self.analysis {
            // Detected spans are sorted and disjoint, so their ends ascend too.
            let first = a.spans.partition_point(|s| s.end <= start);
            out.extend(
                a.spans[first..]
                    .iter()
                    .take_while(|s| s.start < end)
                    .filter(|s| self.ann.set.is_open(s))
                    .map(|s| Mark {
                        span: *s,
                        kind: MarkKind::Suggested,
                    }),
            );
        }
        out.sort_by_key(|m| (m.span.start, m.span.end));
        out
    }

    /// `]` / `[`: move the cursor to the next / previous visible mark. Returns the notice.
    /// Finds the mark by looking outward from the cursor in growing windows, and its
    /// number from a cached index, so the key costs the same anywhere in a long article.
    /// With `at_cursor` (nothing pressed since the article opened), a mark starting
    /// under the cursor counts as the next one.
    pub fn jump_entity(
        &mut self,
        forward: bool,
        at_cursor: bool,
        hidden: &HiddenLabels,
        body: usize,
    ) -> Option<String> {
        let from = self.cursor.saturating_add(usize::from(!at_cursor));
        let found = if forward {
            self.first_mark_from(from, hidden)
                .map(|m| (m, false))
                .or_else(|| self.first_mark_from(0, hidden).map(|m| (m, true)))
        } else {
            // The mark before the one the cursor is in (or before the cursor).
            self.last_mark_until(self.cursor, hidden)
                .map(|m| (m, false))
                .or_else(|| self.last_mark_until(self.chars, hidden).map(|m| (m, true)))
        };
        let Some((m, wrapped)) = found else {
            return Some(if self.analysis.is_none() || self.analysis_partial {
                super::app::STILL_DETECTING.to_string()
            } else {
                "No entities to jump to".to_string()
            });
        };
        let (number, total) = self.mark_number(&m, hidden);
        self.cursor = m.span.start;
        self.anchor = None;
        self.reveal_line(self.layout.line_of(m.span.start), body);
        let text = self.slice(m.span.start, m.span.end).to_string();
        let kind = match m.kind {
            MarkKind::Confirmed => "",
            MarkKind::Suggested => " suggested",
        };
        let wrap = match (wrapped, forward) {
            (false, _) => "",
            (true, true) => "wrapped to the first: ",
            (true, false) => "wrapped to the last: ",
        };
        let so_far = if self.analysis_partial { " so far" } else { "" };
        Some(format!(
            "{wrap}{}{kind} {text} ({number} of {total}{so_far})",
            m.span.label
        ))
    }

    /// The first visible mark starting at or after `from`.
    fn first_mark_from(&self, from: usize, hidden: &HiddenLabels) -> Option<Mark> {
        let (mut lo, mut size) = (from, MARK_WINDOW);
        while lo < self.chars {
            let hi = lo.saturating_add(size);
            // Marks are sorted and disjoint: the first match in the nearest window wins.
            if let Some(m) = self
                .marks_in(lo, hi)
                .into_iter()
                .find(|m| m.span.start >= from && !hidden.contains(m.span.label))
            {
                return Some(m);
            }
            lo = hi;
            size = size.saturating_mul(2);
        }
        None
    }

    /// The last visible mark ending at or before `until`.
    fn last_mark_until(&self, until: usize, hidden: &HiddenLabels) -> Option<Mark> {
        let (mut hi, mut size) = (until, MARK_WINDOW);
        while hi > 0 {
            let lo = hi.saturating_sub(size);
            if let Some(m) = self
                .marks_in(lo, hi)
                .into_iter()
                .rev()
                .find(|m| m.span.end <= until && !hidden.contains(m.span.label))
            {
                return Some(m);
            }
            hi = lo;
            size = size.saturating_mul(2);
        }
        None
    }

    /// `m`'s number (from 1) among the visible marks, and how many there are.
    fn mark_number(&mut self, m: &Mark, hidden: &HiddenLabels) -> (usize, usize) {
        let key = MarkKey {
            revision: self.ann.set.revision,
            entities: self.ann.set.entities.len(),
            rejected: self.ann.set.rejected.len(),
            hidden: hidden.clone(),
            analysis: self
                .analysis
                .as_ref()
                .map_or(0, |a| Arc::as_ptr(a) as usize),
        };
        let fresh = |index: &MarkIndex| {
            index.key == key && index.starts.binary_search(&m.span.start).is_ok()
        };
        if !self.mark_index.as_ref().is_some_and(fresh) {
            let starts = self
                .marks()
                .iter()
                .filter(|m| !hidden.contains(m.span.label))
                .map(|m| m.span.start)
                .collect();
            self.mark_index = Some(MarkIndex { key, starts });
        }
        let starts = &self.mark_index.as_ref().map_or(&[][..], |i| &i.starts[..]);
        (
            starts.partition_point(|&s| s < m.span.start) + 1,
            starts.len(),
        )
    }

    /// `]`, `[`, `a` and `x` in a long article laid out only in part: whether the mark
    /// they go to lies well inside the laid-out part (three screens from its end), so the
    /// key need not wait for the whole layout, which its thread is computing.
    pub fn mark_move_stays_in_part(&self, msg: &Msg, hidden: &HiddenLabels, body: usize) -> bool {
        let lines = &self.layout.lines;
        let limit = lines
            .get(lines.len().saturating_sub(3 * body))
            .map_or(0, |l| l.char_start);
        let next_open = || {
            let a = self.analysis.as_ref()?;
            let from = a.spans.partition_point(|s| s.start <= self.cursor);
            a.spans[from..]
                .iter()
                .find(|s| !hidden.contains(s.label) && self.ann.set.is_open(s))
                .map(|s| s.start)
        };
        let target = match msg {
            Msg::NextEntity => self
                .first_mark_from(self.cursor, hidden)
                .map(|m| m.span.start.max(self.cursor)),
            Msg::PrevEntity => self
                .last_mark_until(self.cursor, hidden)
                .map(|m| m.span.start),
            // After accepting or rejecting, the cursor goes to the next open suggestion.
            Msg::Accept | Msg::Reject => next_open(),
            _ => None,
        };
        target.is_some_and(|t| t < limit && self.cursor < limit)
    }

    /// The detector's score of a suggested span, in thousandths.
    pub fn score_of(&self, span: &Span) -> u16 {
        let Some(a) = &self.analysis else { return 1000 };
        match a.spans.binary_search(span) {
            Ok(i) => (a.score(i).clamp(0.0, 1.0) * 1000.0).round() as u16,
            Err(_) => 1000,
        }
    }

    /// Who suggests `span` (the model when it is not a current suggestion).
    pub fn source_of(&self, span: &Span) -> crate::detect::SuggestionSource {
        match &self.analysis {
            Some(a) => a
                .spans
                .binary_search(span)
                .map_or(crate::detect::SuggestionSource::Model, |i| a.source(i)),
            None => crate::detect::SuggestionSource::Model,
        }
    }

    /// `s` in the panel: least certain suggestions first, or most mentioned first.
    pub fn toggle_panel_order(&mut self, hidden: &HiddenLabels) -> String {
        self.panel_by_score = !self.panel_by_score;
        self.rebuild_panel(hidden);
        if self.panel_by_score {
            "panel: least certain suggestions first (s: most mentioned first)".into()
        } else {
            "panel: most mentioned first (s: least certain first)".into()
        }
    }

    /// Rebuilds the panel (after annotations or the label filter changed).
    pub fn rebuild_panel(&mut self, hidden: &HiddenLabels) {
        if let Some(p) = &self.panel {
            let (focused, selected, scroll) = (p.focused, p.selected, p.scroll);
            let mut panel = Panel::build(self, hidden);
            panel.focused = focused;
            panel.selected = selected.min(panel.rows.len().saturating_sub(1));
            if !matches!(
                panel.rows.get(panel.selected),
                Some(PanelRow::Item { .. } | PanelRow::Unanchored { .. })
            ) {
                panel.select_first();
            }
            panel.scroll = scroll;
            self.panel = Some(panel);
        }
    }

    /// Panel `Enter` on a span set aside: the cursor goes to its old place when the text
    /// there is still its text (label it again to restore it), else says what changed.
    pub fn jump_aside(&mut self, body: usize) -> Option<String> {
        let Some(PanelRow::Unanchored {
            label,
            text,
            start,
            end,
        }) = self
            .panel
            .as_ref()?
            .rows
            .get(self.panel.as_ref()?.selected)
            .cloned()
        else {
            return None;
        };
        let what = format!("set aside {label} {text}, was at {start}..{end}");
        if start >= end || end > self.chars {
            return Some(format!("{what}: past the end of the text now"));
        }
        if self.slice(start, end) != text {
            let there = self.slice(start, end).to_string();
            return Some(format!("{what}: the text there is now {there:?}"));
        }
        self.cursor = start;
        self.anchor = None;
        self.reveal_line(self.layout.line_of(start), body);
        Some(format!(
            "{what}: still there (select it with v and label it again to restore it)"
        ))
    }

    /// Panel `Enter` (first mention) and `n`/`N` (next / previous mention).
    pub fn jump_mention(&mut self, step: isize, body: usize) -> Option<String> {
        let panel = self.panel.as_mut()?;
        let mentions = panel.selected_mentions()?.to_vec();
        let n = mentions.len() as isize;
        panel.mention = if step == 0 {
            0
        } else {
            (panel.mention as isize + step).rem_euclid(n) as usize
        };
        let k = panel.mention;
        let s = mentions[k];
        self.cursor = s.start;
        self.anchor = None;
        self.reveal_line(self.layout.line_of(s.start), body);
        Some(format!("mention {} of {}", k + 1, n))
    }
}

/// The first window `]`/`[` look in, in code points; it doubles until a mark is found.
const MARK_WINDOW: usize = 4096;

/// What the visible marks depend on: the annotations, the label filter, the detection.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MarkKey {
    revision: u64,
    entities: usize,
    rejected: usize,
    hidden: HiddenLabels,
    analysis: usize,
}

/// The starts of the visible marks, in order, and what they were computed from.
#[derive(Debug, Clone)]
pub struct MarkIndex {
    key: MarkKey,
    starts: Vec<usize>,
}

/// A text's mentions, how many are confirmed, its lowest suggestion score (permille) and
/// who suggests its open mentions.
type TextMarks = (Vec<Span>, usize, u16, SourceSet);

/// Which sources suggest a text's open mentions (model, pattern, lexicon), for the panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceSet(u8);

impl SourceSet {
    const ALL: [crate::detect::SuggestionSource; 3] = [
        crate::detect::SuggestionSource::Model,
        crate::detect::SuggestionSource::Pattern,
        crate::detect::SuggestionSource::Lexicon,
    ];

    pub fn insert(&mut self, s: crate::detect::SuggestionSource) {
        self.0 |= 1 << (s as u8);
    }

    pub fn contains(self, s: crate::detect::SuggestionSource) -> bool {
        self.0 & (1 << (s as u8)) != 0
    }

    /// The names joined by "+" ("" when no open suggestion).
    pub fn names(self) -> String {
        Self::ALL
            .iter()
            .filter(|&&s| self.contains(s))
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// One line of the entity panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelRow {
    /// A label with its number of mentions.
    Header {
        label: Label,
        mentions: usize,
        confirmed: usize,
    },
    /// A distinct text, its mentions, how many of them are confirmed, the lowest
    /// score of its open suggestions in thousandths (1000 when there are none), and who
    /// suggests them.
    Item {
        label: Label,
        text: String,
        mentions: Vec<Span>,
        confirmed: usize,
        score: u16,
        sources: SourceSet,
    },
    /// An annotation set aside (it lost its place, or clashed in a merge), with the
    /// offsets it had: Enter goes there when the text is still there.
    Unanchored {
        label: Label,
        text: String,
        start: usize,
        end: usize,
    },
    /// Why the annotation file is read-only (one problem per row).
    Problem(String),
    /// A heading without a label (review mode's open disagreements).
    Section(String),
}

#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub rows: Vec<PanelRow>,
    /// Index into `rows` (an item when there is one).
    pub selected: usize,
    pub scroll: usize,
    /// Which mention of the selected item was jumped to last.
    pub mention: usize,
    /// Keys go to the panel (else to the text).
    pub focused: bool,
}

impl Panel {
    /// Groups the reader's marks by label (in label order), then by text, most mentioned
    /// first; annotations set aside (unanchored) come first, after any problems.
    pub fn build(r: &Reader, hidden: &HiddenLabels) -> Panel {
        let marks = r.marks();
        let mut rows = Vec::new();
        // Review mode: who said what in each open disagreement, first; Enter goes there.
        if !r.review_rows.is_empty() {
            let listed = r.review_rows.len();
            rows.push(PanelRow::Section(if listed < r.review_open {
                format!("to review: {} open (the first {listed})", r.review_open)
            } else {
                format!("to review: {} open", r.review_open)
            }));
            rows.extend(r.review_rows.iter().map(|(span, said)| PanelRow::Item {
                label: span.label,
                text: said.clone(),
                mentions: vec![*span],
                confirmed: 0,
                score: 1000,
                sources: SourceSet::default(),
            }));
        }
        // The set's labels in order, then any others the marks use (a file may hold
        // labels the config no longer defines).
        let mut order: Vec<Label> = r.labels.labels().collect();
        let mut others: Vec<Label> = marks
            .iter()
            .map(|m| m.span.label)
            .filter(|l| !r.labels.contains(*l))
            .collect();
        others.sort();
        others.dedup();
        order.extend(others);
        for label in order {
            if hidden.contains(label) {
                continue;
            }
            // Per text: its mentions, how many are confirmed, and the detector's lowest
            // score among them in thousandths (confirmed ones count as sure).
            let mut by_text: BTreeMap<&str, TextMarks> = BTreeMap::new();
            for m in marks.iter().filter(|m| m.span.label == label) {
                let entry = by_text.entry(r.slice(m.span.start, m.span.end)).or_insert((
                    Vec::new(),
                    0,
                    1000,
                    SourceSet::default(),
                ));
                entry.0.push(m.span);
                entry.1 += usize::from(m.kind == MarkKind::Confirmed);
                if m.kind == MarkKind::Suggested {
                    entry.2 = entry.2.min(r.score_of(&m.span));
                    entry.3.insert(r.source_of(&m.span));
                }
            }
            if by_text.is_empty() {
                continue;
            }
            let mut items: Vec<(&str, TextMarks)> = by_text.into_iter().collect();
            if r.panel_by_score {
                items.sort_by_key(|(_, (m, _, s, _))| (*s, std::cmp::Reverse(m.len()), m[0].start));
            } else {
                items.sort_by_key(|(_, (m, _, _, _))| (std::cmp::Reverse(m.len()), m[0].start));
            }
            rows.push(PanelRow::Header {
                label,
                mentions: items.iter().map(|(_, (m, _, _, _))| m.len()).sum(),
                confirmed: items.iter().map(|(_, (_, c, _, _))| c).sum(),
            });
            rows.extend(
                items
                    .into_iter()
                    .map(
                        |(t, (mentions, confirmed, score, sources))| PanelRow::Item {
                            label,
                            text: t.to_string(),
                            mentions,
                            confirmed,
                            score,
                            sources,
                        },
                    ),
            );
        }
        // Annotations set aside (lost their place, or clashed in a merge) near the top:
        // at the end of a long panel nobody scrolled to them.
        if !r.ann.unanchored.is_empty() {
            let mut aside = vec![PanelRow::Section(format!(
                "set aside: {} (kept in the file under unanchored)",
                r.ann.unanchored.len()
            ))];
            aside.extend(r.ann.unanchored.iter().map(|e| PanelRow::Unanchored {
                label: e.label,
                text: e.text.clone(),
                start: e.start,
                end: e.end,
            }));
            rows.splice(0..0, aside);
        }
        // Problems first: they are why nothing can be edited.
        rows.splice(0..0, r.ann.problems.iter().cloned().map(PanelRow::Problem));
        let mut panel = Panel {
            rows,
            focused: true,
            ..Panel::default()
        };
        panel.select_first();
        panel
    }

    fn next_item(&self, from: usize, forward: bool) -> Option<usize> {
        // Set-aside rows are selectable too: Enter shows their old place.
        let is_item = |i: &usize| {
            matches!(
                self.rows.get(*i),
                Some(PanelRow::Item { .. } | PanelRow::Unanchored { .. })
            )
        };
        if forward {
            (from..self.rows.len()).find(is_item)
        } else {
            (0..=from.min(self.rows.len().saturating_sub(1)))
                .rev()
                .find(is_item)
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let mut at = self.selected;
        for _ in 0..delta.unsigned_abs() {
            let next = if delta > 0 {
                self.next_item(at + 1, true)
            } else if at == 0 {
                None
            } else {
                self.next_item(at - 1, false)
            };
            match next {
                Some(n) => at = n,
                None => break,
            }
        }
        if at != self.selected {
            self.selected = at;
            self.mention = 0;
        }
    }

    /// The first entity (the set-aside rows above it stay in view): what the panel
    /// opens on.
    pub fn select_first(&mut self) {
        let first_entity = self
            .rows
            .iter()
            .position(|r| matches!(r, PanelRow::Item { .. }));
        self.selected = first_entity
            .or_else(|| self.next_item(0, true))
            .unwrap_or(0);
        self.mention = 0;
        // The rows above the first item (problems, spans set aside) come into view too.
        self.scroll = 0;
    }

    /// `g`: the first row that can be selected, a set-aside span included.
    pub fn select_top(&mut self) {
        self.selected = self.next_item(0, true).unwrap_or(0);
        self.mention = 0;
        self.scroll = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self
            .next_item(self.rows.len().saturating_sub(1), false)
            .unwrap_or(0);
        self.mention = 0;
    }

    pub fn selected_mentions(&self) -> Option<&[Span]> {
        match self.rows.get(self.selected) {
            Some(PanelRow::Item { mentions, .. }) => Some(mentions),
            _ => None,
        }
    }

    pub fn keep_visible(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.scroll {
            self.scroll = self.selected.saturating_sub(1);
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
    }
}
