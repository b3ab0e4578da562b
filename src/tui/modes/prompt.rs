//! Prompts in the reader's status bar: the search being typed, and the yes / no of `A`
//! and `*`.

use super::{Handled, Mode};
use crate::tui::app::{body_height, App, Msg, Pending, Screen};

/// `/`: the query being typed (incremental; ↑ ↓ history; Enter keeps, Esc goes back).
pub struct SearchMode;

impl Mode for SearchMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let body = body_height(app.size.1);
        let Screen::Reader(r) = &mut app.screen else {
            return Handled::Ignored;
        };
        if !r.search.editing {
            return Handled::Ignored;
        }
        match msg {
            Msg::Input(c) => {
                r.search.query.push(*c);
                r.search_changed(body);
            }
            Msg::Backspace => {
                r.search.query.pop();
                r.search_changed(body);
            }
            Msg::Up => r.search_history(true, body),
            Msg::Down => r.search_history(false, body),
            Msg::Confirm => app.message = r.search_confirm(body),
            Msg::Cancel => r.search_cancel(),
            _ => {}
        }
        Handled::Consumed
    }
}

/// `A` and `*` ask first: `y` (or Enter) here, `c` here and in the other articles
/// (`*`), anything that means no cancels; other keys repeat the question.
pub struct ConfirmMode;

impl Mode for ConfirmMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let hidden = app.hidden.clone();
        let Screen::Reader(r) = &mut app.screen else {
            return Handled::Ignored;
        };
        let Pending::Confirm { prompt, corpus, .. } = &r.pending else {
            return Handled::Ignored;
        };
        let (prompt, corpus) = (prompt.clone(), corpus.clone());
        app.message = match (msg, corpus) {
            (Msg::YesCorpus, Some(entity)) => {
                let here = r.answer(true, &hidden);
                let there = app.label_in_corpus(&entity, true).describe(true);
                Some(format!("{}; {there}", here.unwrap_or_default()))
            }
            (Msg::Yes | Msg::Confirm, _) => r.answer(true, &hidden),
            (Msg::No | Msg::Cancel | Msg::Back, _) => r.answer(false, &hidden),
            _ => Some(prompt),
        };
        Handled::Consumed
    }
}
