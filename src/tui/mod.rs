//! The terminal shell: raw mode, the event loop, and nothing else. State lives in
//! [`app`], keys are mapped in [`keys`], frames are drawn by [`view`].

pub mod app;
pub mod keys;
pub mod search;
pub mod view;

use anyhow::{Context, Result};
use app::{App, Msg};
use ratatui::crossterm::event::{self, Event};

/// Runs the TUI until the user quits. The terminal is restored on return, on error and
/// on panic (ratatui's panic hook).
pub fn run(mut app: App) -> Result<()> {
    let mut terminal = ratatui::try_init().context("cannot initialise the terminal")?;
    let result = event_loop(&mut terminal, &mut app);
    ratatui::restore();
    let saved = app.positions.save();
    result?;
    saved.context("cannot save reading positions")?;
    Ok(())
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> Result<()> {
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    loop {
        terminal.draw(|f| view::draw(app, f))?;
        let msg = match event::read()? {
            Event::Key(key) => keys::map_key(app, key),
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            _ => None,
        };
        if let Some(msg) = msg {
            let before = app.reader().map(|r| r.entry);
            app.update(msg);
            let after = app.reader().map(|r| r.entry);
            if before != after {
                // Terminals disagree on the width of some emoji sequences (flags, ZWJ);
                // a full repaint on changing views leaves no stale half-glyphs behind.
                terminal.clear()?;
                if after.is_none() {
                    // Best effort: a failure here must not stop reading; retried at exit.
                    let _ = app.positions.save();
                }
            }
        }
        if app.should_quit {
            return Ok(());
        }
    }
}
