//! Keys that wait for another: `r` then a label key, and a count (`0` then digits)
//! then a motion.

use super::{Handled, Mode};
use crate::tui::app::{App, Msg, Pending, Screen};

/// `r`: the next label key relabels; anything else cancels (and, but for Esc, still
/// does what it says).
pub struct RelabelMode;

impl Mode for RelabelMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let Screen::Reader(r) = &mut app.screen else {
            return Handled::Ignored;
        };
        // The label menu answers a pending `r` too.
        if r.pending != Pending::Relabel || matches!(msg, Msg::Label(_) | Msg::LabelMenu) {
            return Handled::Ignored;
        }
        r.pending = Pending::None;
        if *msg == Msg::Cancel {
            app.message = Some("relabel cancelled".to_string());
            return Handled::Consumed;
        }
        Handled::Ignored
    }
}

/// Counts: `0` then digits then a motion (`03w`, `012j`, `05>`). The number keys alone
/// stay labels, so labelling and moving on never mix.
pub struct CountMode;

impl Mode for CountMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let Screen::Reader(r) = &mut app.screen else {
            return Handled::Ignored;
        };
        let Some(n) = r.count.take() else {
            if *msg == Msg::Zero {
                r.count = Some(0);
                app.message =
                    Some("count: digits, then a motion or an edge key (03w, 05>)".to_string());
                return Handled::Consumed;
            }
            return Handled::Ignored;
        };
        let digit = match msg {
            Msg::Digit(d) => Some(*d as usize),
            Msg::Zero => Some(0),
            _ => None,
        };
        if let Some(d) = digit {
            let n = (n * 10 + d).min(9999);
            r.count = Some(n);
            app.message = Some(format!("count {n}: now a motion or an edge key"));
            return Handled::Consumed;
        }
        if !takes_count(msg) {
            return match msg {
                // Esc aborts the count, not the article (as it drops a selection first).
                Msg::Cancel => {
                    app.message = Some(format!("count {n} cancelled"));
                    Handled::Consumed
                }
                // Pointing and help are no commands a count was meant for.
                Msg::Click { .. } | Msg::Drag { .. } | Msg::Wheel { .. } | Msg::ToggleHelp => {
                    Handled::Ignored
                }
                // `05a` doing one accept would look as if it had done five: nothing is done.
                _ => {
                    app.message = Some(format!(
                        "a count needs a motion or an edge key: count {n} dropped, the key did nothing"
                    ));
                    Handled::Consumed
                }
            };
        }
        if let Msg::Edge { .. } = msg {
            // One change for the whole count (one `u` undoes it), and a count cut short
            // by a line break says what it applied.
            r.edge_times = n.max(1);
            app.update_reader(msg.clone());
            if let Screen::Reader(r) = &mut app.screen {
                r.edge_times = 1;
            }
            return Handled::Consumed;
        }
        for _ in 0..n.max(1) {
            app.update_reader(msg.clone());
        }
        Handled::Consumed
    }
}

/// Messages a count repeats.
fn takes_count(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::Up
            | Msg::Down
            | Msg::Left
            | Msg::Right
            | Msg::WordNext
            | Msg::WordPrev
            | Msg::WordEnd
            | Msg::PageUp
            | Msg::PageDown
            | Msg::HalfPageUp
            | Msg::HalfPageDown
            | Msg::ScrollUp
            | Msg::ScrollDown
            | Msg::NextMatch
            | Msg::PrevMatch
            | Msg::NextEntity
            | Msg::PrevEntity
            | Msg::Edge { .. }
            | Msg::Undo
            | Msg::Redo
    )
}
