//! `S` (the `stats` action): charts of the corpus and the team over the whole screen.
//! The numbers are read from every annotation file, which takes a while in a big corpus:
//! the shell computes them on a thread of its own ([`spawn`]) and the view says
//! `computing…` until they arrive as [`Msg::StatsReady`].

use super::{Handled, Mode};
use crate::stats::{Dashboard, Job};
use crate::tui::app::{App, Msg};
use crate::tui::stats_view::{self, Look};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Widget};
use std::sync::Arc;

/// The stats view's state.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub open: bool,
    /// The numbers, once computed for this opening.
    pub data: Option<Arc<Dashboard>>,
    /// Counts the openings: a result computed for an earlier one is dropped.
    pub generation: u64,
    /// Set on opening; the shell starts the computation and clears it.
    pub wanted: bool,
    /// A computation is under way (set by the shell): the next waits for it, so that
    /// pressing the key again and again does not start one reader of every file each.
    pub running: bool,
    /// Why the numbers could not be computed.
    pub failed: Option<String>,
}

/// The numbers of one computation, sent by the thread that made them.
#[derive(Debug, Clone)]
pub struct StatsReady {
    pub generation: u64,
    pub data: Arc<Dashboard>,
}

/// Messages compare by identity: the numbers themselves hold floating-point scores.
impl PartialEq for StatsReady {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation && Arc::ptr_eq(&self.data, &other.data)
    }
}

impl Eq for StatsReady {}

pub struct StatsMode;

impl Mode for StatsMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        match msg {
            Msg::StatsReady(ready) => {
                app.stats.running = false;
                if app.stats.open && ready.generation == app.stats.generation {
                    app.stats.data = Some(ready.data.clone());
                }
                Handled::Consumed
            }
            Msg::StatsFailed { generation, error } => {
                app.stats.running = false;
                if app.stats.open && *generation == app.stats.generation {
                    app.stats.failed = Some(error.clone());
                }
                Handled::Consumed
            }
            Msg::ToggleStats if !app.is_editing() => {
                if app.stats.open {
                    app.stats.open = false;
                } else {
                    // The figures come from the files: the open article's edits first.
                    if let Some(m) = app.save() {
                        app.message = Some(m);
                    }
                    app.stats = Stats {
                        open: true,
                        data: None,
                        generation: app.stats.generation + 1,
                        wanted: true,
                        running: app.stats.running,
                        failed: None,
                    };
                }
                Handled::Consumed
            }
            _ if !app.stats.open => Handled::Ignored,
            Msg::Cancel | Msg::Back => {
                app.stats.open = false;
                Handled::Consumed
            }
            // Nothing else happens behind the view.
            _ => Handled::Consumed,
        }
    }

    fn view(&self, app: &App, area: Rect, buf: &mut Buffer) {
        if !app.stats.open {
            return;
        }
        Clear.render(area, buf);
        let keys = app.keymap.keys_of("stats");
        let block = Block::new()
            .borders(Borders::ALL)
            .title(" Stats ")
            .title_bottom(format!(" {keys} Esc q close "));
        let inner = block.inner(area);
        block.render(area, buf);
        let look = Look {
            no_color: app.no_color,
            ascii: app.opts.ambiguous_wide,
            labels: app.labels.clone(),
        };
        match &app.stats.failed {
            Some(why) => {
                let line = crate::text::sanitize_line(&format!("stats failed: {why}"));
                buf.set_stringn(inner.x, inner.y, line, inner.width as usize, Style::new());
            }
            None => stats_view::render(app.stats.data.as_deref(), inner, buf, &look),
        }
    }
}

/// What the shell computes for the app's current corpus and folders.
pub fn job(app: &App) -> Job {
    Job {
        corpus: app.corpus.clone(),
        annotations: app.annotations_dir.clone(),
        peers: app.peers.clone(),
        labels: app.labels.labels().collect(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// Computes the numbers on a thread of its own and hands them to `send` as
/// [`Msg::StatsReady`]; returns at once.
pub fn spawn(job: Job, generation: u64, send: impl FnOnce(Msg) + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("inkmark-stats".into())
        .spawn(move || {
            // A panic must not leave the view saying `computing…` for ever.
            let computed = std::panic::catch_unwind(|| crate::stats::compute(&job));
            send(match computed {
                Ok(d) => Msg::StatsReady(StatsReady {
                    generation,
                    data: Arc::new(d),
                }),
                Err(_) => Msg::StatsFailed {
                    generation,
                    error: "the computation crashed".to_string(),
                },
            });
        });
}
