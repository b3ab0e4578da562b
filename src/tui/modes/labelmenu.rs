//! The label menu (`t`): every label of the set, for sets with more than nine labels or
//! labels without a key of their own. A letter shortcut applies a label at once; `/` then
//! typing filters the list (fuzzy: the letters in order), Enter applies the highlighted
//! one. Applying does what the label's key would: label the selection or the word, accept
//! or relabel what is under the cursor, or answer a pending `r`.

use super::{Handled, Mode};
use crate::label::{Label, LabelSet};
use crate::tui::app::{App, Msg, Pending, Screen};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The menu's state while it is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMenu {
    /// `/` was pressed: letters go to the filter, not to the shortcuts.
    pub typing: bool,
    pub query: String,
    /// The highlighted row of the filtered list.
    pub cursor: usize,
}

/// Shortcut letters, one per label in set order: the first letter of its name that is
/// free, else the first free letter of the alphabet; `None` once all 26 are taken.
pub fn shortcuts(set: &LabelSet) -> Vec<Option<char>> {
    let mut taken: Vec<char> = Vec::new();
    set.labels()
        .map(|l| {
            let pick = l
                .name()
                .chars()
                .map(|c| c.to_ascii_lowercase())
                .filter(char::is_ascii_lowercase)
                .chain('a'..='z')
                .find(|c| !taken.contains(c));
            if let Some(c) = pick {
                taken.push(c);
            }
            pick
        })
        .collect()
}

/// Whether the letters of `query` appear in `name`, in order (case-insensitive), or in
/// its description.
fn fuzzy(query: &str, name: &str, description: &str) -> bool {
    let matches = |hay: &str| {
        let hay = hay.to_lowercase();
        let mut rest = hay.chars();
        query
            .to_lowercase()
            .chars()
            .all(|q| rest.by_ref().any(|c| c == q))
    };
    matches(name) || matches(description)
}

impl LabelMenu {
    /// The labels shown: the set's, filtered by the query; with their set positions.
    pub fn rows(&self, set: &LabelSet) -> Vec<(usize, Label)> {
        set.defs()
            .iter()
            .enumerate()
            .filter(|(_, d)| fuzzy(&self.query, d.label.name(), &d.description))
            .map(|(i, d)| (i, d.label))
            .collect()
    }
}

pub struct LabelMenuMode;

impl Mode for LabelMenuMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let Some(menu) = app.label_menu.as_mut() else {
            if *msg == Msg::LabelMenu && matches!(app.screen, Screen::Reader(_)) {
                app.label_menu = Some(LabelMenu::default());
                app.message = Some("label: a letter, or / to filter; Esc cancels".into());
                return Handled::Consumed;
            }
            return Handled::Ignored;
        };
        let rows = menu.rows(&app.labels);
        let mut chosen = None;
        match msg {
            Msg::Cancel | Msg::LabelMenu => {
                app.label_menu = None;
                if let Screen::Reader(r) = &mut app.screen {
                    r.pending = Pending::None;
                }
                return Handled::Consumed;
            }
            Msg::Down => menu.cursor = (menu.cursor + 1).min(rows.len().saturating_sub(1)),
            Msg::Up => menu.cursor = menu.cursor.saturating_sub(1),
            Msg::Backspace => {
                if menu.query.pop().is_none() {
                    menu.typing = false;
                }
                menu.cursor = 0;
            }
            Msg::Input('/') if !menu.typing => menu.typing = true,
            Msg::Input(c) if menu.typing => {
                menu.query.push(*c);
                menu.cursor = 0;
            }
            Msg::Input(c) => {
                let keys = shortcuts(&app.labels);
                chosen = keys.iter().position(|k| *k == Some(*c));
                if chosen.is_none() {
                    app.message = Some(format!("no label on {c} (/ filters, Esc cancels)"));
                }
            }
            Msg::Confirm => chosen = rows.get(menu.cursor).map(|(i, _)| *i),
            _ => {}
        }
        if let Some(i) = chosen {
            app.label_menu = None;
            // The same path as the label's own key (and `r` then the key).
            app.update_reader(Msg::Label(i));
        }
        Handled::Consumed
    }

    fn view(&self, app: &App, area: Rect, buf: &mut Buffer) {
        if let Some(menu) = &app.label_menu {
            crate::tui::view::draw_label_menu(app, menu, area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::LabelDef;

    fn set(names: &[&str]) -> LabelSet {
        LabelSet::new(
            names
                .iter()
                .map(|n| LabelDef {
                    label: Label::new(n).unwrap(),
                    key: None,
                    color: None,
                    description: String::new(),
                })
                .collect(),
        )
    }

    #[test]
    fn shortcuts_take_a_free_letter_of_the_name() {
        let s = set(&["PER", "PLACE", "DISEASE", "DRUG", "P"]);
        assert_eq!(
            shortcuts(&s),
            [Some('p'), Some('l'), Some('d'), Some('r'), Some('a')]
        );
    }

    #[test]
    fn the_filter_takes_letters_in_order() {
        let s = set(&["PER", "DISEASE", "DRUG", "SYMPTOM"]);
        let menu = LabelMenu {
            typing: true,
            query: "dg".into(),
            cursor: 0,
        };
        let names: Vec<String> = menu.rows(&s).iter().map(|(_, l)| l.to_string()).collect();
        assert_eq!(names, ["DRUG"]);
        assert!(fuzzy("sym", "SYMPTOM", ""));
        assert!(fuzzy("疾", "X", "疾病名称"));
        assert!(!fuzzy("xyz", "SYMPTOM", ""));
    }
}
