//! The modes of the TUI as small types, stacked like helix's compositor layers (or
//! gitui's components): a message goes to the topmost active mode first, which either
//! consumes it or lets it through to the one below; the plain reader or library gets
//! what nobody took. Drawing goes bottom to top. Adding a mode adds a file and a line in
//! a stack below, not another branch in `App::update`.
//!
//! Each mode is a unit type: its state lives where the rest of the app reads it (the
//! help's scroll in [`App::help`], the prompt in the reader's search, ...), and the
//! update stays a plain function of (state, message).

mod help;
mod labelmenu;
mod menus;
mod panel;
mod pending;
mod prompt;
mod review;
mod stats;
mod text;

pub use help::{Help, HelpMode};
pub use labelmenu::{shortcuts, LabelMenu, LabelMenuMode};
pub use menus::{ExportMenu, FilterMenu};
pub use panel::PanelMode;
pub use pending::{CountMode, RelabelMode};
pub use prompt::{ConfirmMode, SearchMode};
pub use review::ReviewMode;
pub use stats::{job as stats_job, spawn as spawn_stats, Stats, StatsMode, StatsReady};
pub use text::TextMode;

use super::app::{App, Msg};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// What a mode did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Consumed,
    /// Not active, or not its message: the next mode down gets it.
    Ignored,
}

/// One layer of the stack.
pub trait Mode {
    /// Takes `msg` when the mode is active and wants it.
    fn update(&self, app: &mut App, msg: &Msg) -> Handled;
    /// Draws the mode over what is below (most modes draw inside the reader's own
    /// frame, in the status bar, and need nothing here).
    fn view(&self, _app: &App, _area: Rect, _buf: &mut Buffer) {}
}

/// Modes over any screen, topmost first.
pub const OVERLAYS: &[&dyn Mode] = &[
    &HelpMode,
    &StatsMode,
    &ExportMenu,
    &FilterMenu,
    &LabelMenuMode,
];

/// Modes of the reader, topmost first (under the overlays).
pub const READER: &[&dyn Mode] = &[
    &SearchMode,
    &ConfirmMode,
    &PanelMode,
    &RelabelMode,
    &CountMode,
    &ReviewMode,
    &TextMode,
];

/// Offers `msg` to `stack`, top first; true when a mode consumed it.
pub fn dispatch(stack: &[&dyn Mode], app: &mut App, msg: &Msg) -> bool {
    stack
        .iter()
        .any(|mode| mode.update(app, msg) == Handled::Consumed)
}

/// Draws the overlays bottom to top.
pub fn view_overlays(app: &App, area: Rect, buf: &mut Buffer) {
    for mode in OVERLAYS.iter().rev() {
        mode.view(app, area, buf);
    }
}
