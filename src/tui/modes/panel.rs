//! The entity panel with the keys (Tab): moving through its rows, jumping to mentions.

use super::{Handled, Mode};
use crate::tui::app::{body_height, App, Msg, Screen};

pub struct PanelMode;

impl Mode for PanelMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let body = body_height(app.size.1);
        let Screen::Reader(r) = &mut app.screen else {
            return Handled::Ignored;
        };
        let Some(panel) = r.panel.as_mut().filter(|p| p.focused) else {
            return Handled::Ignored;
        };
        match msg {
            // A review choice applies where the cursor is (the text's mode takes it).
            Msg::Review(_) => return Handled::Ignored,
            Msg::Up => panel.move_by(-1),
            Msg::Down => panel.move_by(1),
            Msg::PageUp | Msg::HalfPageUp => panel.move_by(-(body as isize / 2).max(1)),
            Msg::PageDown | Msg::HalfPageDown => panel.move_by((body as isize / 2).max(1)),
            Msg::Top => panel.select_top(),
            Msg::Bottom => panel.select_last(),
            Msg::Open | Msg::Confirm => {
                app.message = r.jump_aside(body).or_else(|| r.jump_mention(0, body))
            }
            Msg::NextMatch => app.message = r.jump_mention(1, body),
            Msg::PrevMatch => app.message = r.jump_mention(-1, body),
            Msg::SwitchFocus => panel.focused = false,
            Msg::FilterMenu => app.filter_menu = true,
            Msg::PanelOrder => {
                let hidden = app.hidden.clone();
                app.message = Some(r.toggle_panel_order(&hidden));
                return Handled::Consumed;
            }
            Msg::TogglePanel | Msg::Cancel | Msg::Back => {
                r.panel = None;
                app.reflow();
                return Handled::Consumed;
            }
            _ => {}
        }
        if let Some(p) = &mut r.panel {
            // The panel's box takes a row at the top and at the bottom.
            p.keep_visible(body.saturating_sub(2));
        }
        Handled::Consumed
    }
}
