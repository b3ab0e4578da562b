//! `f` (show / hide labels) and `E` (export the corpus): small menus answered by a
//! number key.

use super::{Handled, Mode};
use crate::tui::app::{App, Msg, Screen};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// `E`: a number key exports in that format; any other key closes it.
pub struct ExportMenu;

impl Mode for ExportMenu {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        if *msg == Msg::ExportMenu {
            app.export_menu = !app.export_menu;
            return Handled::Consumed;
        }
        if !app.export_menu {
            return Handled::Ignored;
        }
        app.export_menu = false;
        if let Msg::Label(i) = msg {
            if let Some(&format) = crate::export::Format::ALL.get(*i) {
                app.message = Some(app.export(format));
            }
        }
        Handled::Consumed
    }

    fn view(&self, app: &App, area: Rect, buf: &mut Buffer) {
        if app.export_menu {
            crate::tui::view::draw_export_menu(app, area, buf);
        }
    }
}

/// `f`: a label's key, or j/k then Space, toggles its highlighting.
pub struct FilterMenu;

impl Mode for FilterMenu {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        if !app.filter_menu {
            return Handled::Ignored;
        }
        let toggle = match msg {
            Msg::Label(i) => Some(*i),
            Msg::Select => Some(app.filter_cursor),
            _ => None,
        };
        match msg {
            Msg::Down => {
                app.filter_cursor = (app.filter_cursor + 1).min(app.labels.len().saturating_sub(1))
            }
            Msg::Up => app.filter_cursor = app.filter_cursor.saturating_sub(1),
            _ if toggle.is_some_and(|i| i < app.labels.len()) => {
                if let Some(l) = toggle.and_then(|i| app.labels.get(i)) {
                    app.hidden.toggle(l);
                }
                let hidden = app.hidden.clone();
                if let Screen::Reader(r) = &mut app.screen {
                    r.rebuild_panel(&hidden);
                }
            }
            Msg::FilterMenu | Msg::Cancel | Msg::Confirm | Msg::Back => app.filter_menu = false,
            _ => {}
        }
        Handled::Consumed
    }

    fn view(&self, app: &App, area: Rect, buf: &mut Buffer) {
        if app.filter_menu {
            crate::tui::view::draw_filter_menu(app, area, buf);
        }
    }
}
