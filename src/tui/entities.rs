//! Detected entities in the reader: jumping between them and the side panel that lists
//! them grouped by label.

use super::app::Reader;
use crate::detect::CharSlicer;
use crate::label::{Label, Span};
use std::collections::BTreeMap;

/// One line of the entity panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelRow {
    /// A label with its number of mentions and of distinct texts.
    Header {
        label: Label,
        mentions: usize,
        distinct: usize,
    },
    /// A distinct entity text and the indices of its mentions in the article's spans.
    Item {
        label: Label,
        text: String,
        mentions: Vec<usize>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub rows: Vec<PanelRow>,
    /// Index into `rows` (always an item when there is one).
    pub selected: usize,
    pub scroll: usize,
    /// Which mention of the selected item was jumped to last.
    pub mention: usize,
    /// Keys go to the panel (else to the text).
    pub focused: bool,
}

impl Panel {
    /// Groups `spans` by label (in label order), then by text, most frequent first.
    pub fn build(text: &str, spans: &[Span], hidden: &[bool; 5]) -> Panel {
        let slicer = CharSlicer::new(text);
        let mut rows = Vec::new();
        for label in Label::ALL {
            if hidden[label.index()] {
                continue;
            }
            let mut by_text: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, s) in spans.iter().enumerate().filter(|(_, s)| s.label == label) {
                by_text
                    .entry(slicer.slice(s.start, s.end))
                    .or_default()
                    .push(i);
            }
            if by_text.is_empty() {
                continue;
            }
            let mut items: Vec<(&str, Vec<usize>)> = by_text.into_iter().collect();
            // Most mentions first; ties by first appearance.
            items.sort_by_key(|(_, m)| (std::cmp::Reverse(m.len()), m[0]));
            rows.push(PanelRow::Header {
                label,
                mentions: items.iter().map(|(_, m)| m.len()).sum(),
                distinct: items.len(),
            });
            rows.extend(items.into_iter().map(|(t, mentions)| PanelRow::Item {
                label,
                text: t.to_string(),
                mentions,
            }));
        }
        let mut panel = Panel {
            rows,
            focused: true,
            ..Panel::default()
        };
        panel.selected = panel.next_item(0, true).unwrap_or(0);
        panel
    }

    /// The first item at or after (`forward`) / before `from`.
    fn next_item(&self, from: usize, forward: bool) -> Option<usize> {
        let is_item = |i: &usize| matches!(self.rows.get(*i), Some(PanelRow::Item { .. }));
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

    pub fn select_first(&mut self) {
        self.selected = self.next_item(0, true).unwrap_or(0);
        self.mention = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self
            .next_item(self.rows.len().saturating_sub(1), false)
            .unwrap_or(0);
        self.mention = 0;
    }

    pub fn selected_mentions(&self) -> Option<&[usize]> {
        match self.rows.get(self.selected) {
            Some(PanelRow::Item { mentions, .. }) => Some(mentions),
            _ => None,
        }
    }

    pub fn keep_visible(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.scroll {
            // Show the label header above the first item too.
            self.scroll = self.selected.saturating_sub(1);
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
    }
}

/// What the reader knows about entities of the open article.
#[derive(Debug, Clone, Default)]
pub struct Entities {
    /// `None` while detection runs.
    pub spans: Option<std::sync::Arc<Vec<Span>>>,
    /// Index into `spans` of the entity jumped to last (drawn highlighted).
    pub focus: Option<usize>,
    pub panel: Option<Panel>,
}

impl Entities {
    /// Index of the span containing code point `offset`.
    pub fn at(&self, offset: usize) -> Option<usize> {
        let spans = self.spans.as_ref()?;
        let i = spans.partition_point(|s| s.end <= offset);
        spans.get(i).filter(|s| s.start <= offset).map(|_| i)
    }
}

impl Reader {
    /// `]` / `[`: the next / previous visible entity after the focused one, or after the
    /// top of the screen. Returns the notice for the status bar.
    pub fn jump_entity(
        &mut self,
        forward: bool,
        hidden: &[bool; 5],
        body: usize,
    ) -> Option<String> {
        let Some(spans) = self.entities.spans.clone() else {
            return Some(super::app::STILL_DETECTING.to_string());
        };
        let visible: Vec<usize> = (0..spans.len())
            .filter(|&i| !hidden[spans[i].label.index()])
            .collect();
        if visible.is_empty() {
            return Some("No entities to jump to".to_string());
        }
        let from = self.first_visible_char();
        let (pos, wrapped) = match (self.entities.focus, forward) {
            (Some(f), true) => match visible.iter().position(|&i| i > f) {
                Some(p) => (p, false),
                None => (0, true),
            },
            (Some(f), false) => match visible.iter().rposition(|&i| i < f) {
                Some(p) => (p, false),
                None => (visible.len() - 1, true),
            },
            (None, true) => match visible.iter().position(|&i| spans[i].start >= from) {
                Some(p) => (p, false),
                None => (0, true),
            },
            (None, false) => match visible.iter().rposition(|&i| spans[i].start < from) {
                Some(p) => (p, false),
                None => (visible.len() - 1, true),
            },
        };
        let idx = visible[pos];
        self.focus_entity(idx, body);
        let s = spans[idx];
        let text = CharSlicer::new(&self.text)
            .slice(s.start, s.end)
            .to_string();
        let wrap = if wrapped {
            if forward {
                "wrapped to the first: "
            } else {
                "wrapped to the last: "
            }
        } else {
            ""
        };
        Some(format!(
            "{wrap}{} {text} ({} of {})",
            s.label,
            pos + 1,
            visible.len()
        ))
    }

    /// Highlights entity `idx` and scrolls it into view.
    pub fn focus_entity(&mut self, idx: usize, body: usize) {
        let Some(spans) = &self.entities.spans else {
            return;
        };
        if let Some(s) = spans.get(idx) {
            let line = self.layout.line_of(s.start);
            self.entities.focus = Some(idx);
            self.reveal_line(line, body);
        }
    }

    /// Panel `Enter` (first mention) and `n`/`N` (next / previous mention).
    pub fn jump_mention(&mut self, step: isize, body: usize) -> Option<String> {
        let panel = self.entities.panel.as_mut()?;
        let mentions = panel.selected_mentions()?.to_vec();
        let n = mentions.len() as isize;
        panel.mention = if step == 0 {
            0
        } else {
            (panel.mention as isize + step).rem_euclid(n) as usize
        };
        let k = panel.mention;
        self.focus_entity(mentions[k], body);
        Some(format!("mention {} of {}", k + 1, n))
    }
}
