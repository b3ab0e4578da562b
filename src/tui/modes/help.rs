//! `?`: the keys of the current view, scrolling like a pager when the screen is small.

use super::{Handled, Mode};
use crate::tui::app::{body_height, App, Msg};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The help's state.
#[derive(Debug, Clone, Default)]
pub struct Help {
    pub open: bool,
    /// First row shown.
    pub scroll: usize,
}

pub struct HelpMode;

impl Mode for HelpMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        if *msg == Msg::ToggleHelp && !app.is_editing() {
            app.help = Help {
                open: !app.help.open,
                scroll: 0,
            };
            return Handled::Consumed;
        }
        if !app.help.open {
            return Handled::Ignored;
        }
        let page = body_height(app.size.1).saturating_sub(3).max(1);
        let s = &mut app.help.scroll;
        match msg {
            Msg::Cancel | Msg::Back => app.help.open = false,
            Msg::Down => *s += 1,
            Msg::Up => *s = s.saturating_sub(1),
            Msg::PageDown => *s += page,
            Msg::PageUp => *s = s.saturating_sub(page),
            Msg::Top => *s = 0,
            Msg::Bottom => *s = usize::MAX,
            _ => {}
        }
        // As far as the rows that do not fit at this size.
        let max = crate::tui::view::help_max_scroll(app);
        app.help.scroll = app.help.scroll.min(max);
        Handled::Consumed
    }

    fn view(&self, app: &App, area: Rect, buf: &mut Buffer) {
        if app.help.open {
            crate::tui::view::draw_help(app, area, buf);
        }
    }
}
