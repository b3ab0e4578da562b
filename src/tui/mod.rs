//! The terminal shell: raw mode, the event loop, and nothing else. State lives in
//! [`app`], keys are mapped in [`keys`], frames are drawn by [`view`]; entity detection
//! runs in [`worker`].

pub mod annotate;
pub mod app;
pub mod entities;
pub mod everywhere;
pub mod keys;
pub mod modes;
pub mod reader;
pub mod review;
pub mod search;
pub mod stats_view;
pub mod view;
pub mod worker;

use crate::detect::cache::DetectCache;
use anyhow::{Context, Result};
use app::{App, Msg};
use ratatui::crossterm::event::{self, Event};
use std::sync::mpsc;

const AUTOSAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// What wakes the event loop: a terminal event or a message from the worker.
enum Wake {
    Terminal(Event),
    App(Msg),
    InputClosed(String),
    /// SIGTERM, SIGHUP or SIGINT: save and leave.
    Signal(i32),
}

/// Reads the library's articles (titles, lengths, annotation progress) on a thread of
/// its own, in batches, so that a large library shows at once and fills in.
fn spawn_library_loader(app: &App, tx: mpsc::Sender<Wake>) {
    let todo: Vec<(usize, std::path::PathBuf)> = app
        .corpus
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.loaded)
        .map(|(i, e)| (i, e.rel.clone()))
        .collect();
    spawn_peer_loader(app, tx.clone());
    spawn_lexicon_loader(app, tx.clone());
    if todo.is_empty() {
        return;
    }
    let root = app.corpus.root.clone();
    let annotations = app.annotations_dir.clone();
    let _ = std::thread::Builder::new()
        .name("inkmark-library".into())
        .spawn(move || {
            for chunk in todo.chunks(256) {
                let batch = chunk
                    .iter()
                    .map(|(i, rel)| {
                        let entry = crate::corpus::load_entry(&root, rel.clone());
                        let progress = app::read_progress_checked(&annotations, rel, &entry.path);
                        (*i, entry, progress)
                    })
                    .collect();
                if tx.send(Wake::App(Msg::Loaded(batch))).is_err() {
                    return;
                }
            }
        });
}

/// Reads what the annotator confirmed in earlier sessions, on a thread of its own.
fn spawn_lexicon_loader(app: &App, tx: mpsc::Sender<Wake>) {
    let dir = app.annotations_dir.clone();
    let labels = app.labels.clone();
    let _ = std::thread::Builder::new()
        .name("inkmark-lexicon".into())
        .spawn(move || {
            let texts = crate::detect::confirmed::corpus_texts(&dir, &labels);
            if !texts.is_empty() {
                let _ = tx.send(Wake::App(Msg::CorpusLexicon(texts)));
            }
        });
}

/// Reads the other annotators' states of every article on a thread of its own, so that
/// the library's own loader (titles, lengths, progress) is not held up by it.
fn spawn_peer_loader(app: &App, tx: mpsc::Sender<Wake>) {
    if app.peers.is_empty() {
        return;
    }
    let todo: Vec<(usize, std::path::PathBuf)> = app
        .corpus
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.rel.clone()))
        .collect();
    let peers = app.peers.clone();
    let _ = std::thread::Builder::new()
        .name("inkmark-peers".into())
        .spawn(move || {
            for chunk in todo.chunks(512) {
                let batch = chunk
                    .iter()
                    .map(|(i, rel)| {
                        let states = crate::team::peers::states(&peers, rel);
                        (*i, rel.clone(), states)
                    })
                    .collect();
                if tx.send(Wake::App(Msg::Peers(batch))).is_err() {
                    return;
                }
            }
        });
}

/// Gives the terminal back as it was: mouse reporting off, cursor shown, raw mode off,
/// main screen.
fn restore_terminal() {
    use ratatui::crossterm::{cursor, event::DisableMouseCapture, execute};
    let _ = execute!(std::io::stdout(), DisableMouseCapture, cursor::Show);
    ratatui::restore();
}

/// Runs the TUI until the user quits. The terminal is restored on return, on error, on
/// panic and on SIGTERM / SIGHUP / SIGINT (which save pending annotations first).
pub fn run(mut app: App, cache: DetectCache) -> Result<()> {
    let mut terminal = ratatui::try_init().context("cannot initialise the terminal")?;
    // Installed after ratatui's, so it runs first: restore everything, then report.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    // Mouse: click places the cursor, drag selects.
    let _ = ratatui::crossterm::execute!(
        std::io::stdout(),
        ratatui::crossterm::event::EnableMouseCapture
    );
    // A panic anywhere in the loop (update or drawing) still saves what is pending: the
    // hook has restored the terminal by then; the annotations are saved, then the panic
    // goes on.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        event_loop(&mut terminal, &mut app, cache)
    }));
    restore_terminal();
    let result = match result {
        Ok(r) => r,
        Err(panic) => {
            match app.shutdown() {
                Some(problem) if app.unsaved() => {
                    eprintln!(
                        "inkmark: after the crash, annotations NOT SAVED: {}",
                        crate::text::sanitize_line(&problem)
                    )
                }
                _ => eprintln!("inkmark: after the crash, pending annotations were saved"),
            }
            std::panic::resume_unwind(panic);
        }
    };
    let saved = app.positions.save();
    result?;
    saved.context("cannot save reading positions")?;
    // Quitting that dropped work is a failure for scripts too (exit 1, said on stderr).
    if let Some(lost) = &app.lost {
        anyhow::bail!("quit with {lost}");
    }
    Ok(())
}

/// Messages by which this user may mark an article done (`s`, or undo / redo of it):
/// a `done` merged in from another writer's save trains in that writer's reader, not
/// here too.
fn marks_status(msg: &Msg) -> bool {
    matches!(msg, Msg::CycleStatus | Msg::Undo | Msg::Redo)
}

/// Trains the corpus model on a thread; the result comes back as [`Msg::Trained`].
fn spawn_training(app: &App, tx: mpsc::Sender<Wake>) {
    let corpus = app.corpus.clone();
    let annotations = app.annotations_dir.clone();
    let labels = app.labels.clone();
    let _ = std::thread::Builder::new()
        .name("inkmark-train".into())
        .spawn(move || {
            let (message, kept) = train_corpus_model(&corpus, &annotations, &labels);
            let _ = tx.send(Wake::App(Msg::Trained { message, kept }));
        });
}

/// The reader's background training, by the rules of `inkmark train`: the status-bar
/// line and whether a new model was kept.
fn train_corpus_model(
    corpus: &crate::corpus::Corpus,
    annotations: &std::path::Path,
    labels: &crate::label::LabelSet,
) -> (String, bool) {
    // A model must not learn labels the set no longer has (`inkmark train` refuses too).
    if let Some(first) = crate::headless::labels_outside(corpus, &[annotations], labels)
        .into_iter()
        .next()
    {
        return (
            format!(
                "corpus model not trained: {}",
                crate::text::glyph::sanitize_line(&first)
            ),
            false,
        );
    }
    let opts = crate::learn::TrainOptions::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::learn::train_corpus(corpus, annotations, &opts, |_| {})
    }));
    match result {
        Ok(Ok(r)) if r.kept => (
            format!(
                "corpus model updated from {} done articles: held-out F1 {:.2} -> {:.2}",
                r.articles, r.current_f1, r.new_f1
            ),
            true,
        ),
        Ok(Ok(r)) if !r.enough_held_out => (
            format!(
                "corpus model not changed yet: {} held-out entities, {} needed to judge it; mark more articles done",
                r.held_out_entities,
                crate::learn::MIN_HELD_OUT_ENTITIES
            ),
            false,
        ),
        Ok(Ok(r)) => (
            format!(
                "corpus model not changed: the new one scored {:.2} on held-out sentences, the current {:.2}",
                r.new_f1, r.current_f1
            ),
            false,
        ),
        Ok(Err(e)) => (
            format!(
                "training failed: {}",
                crate::text::glyph::sanitize_line(&e)
            ),
            false,
        ),
        Err(_) => ("training failed: the trainer crashed".to_string(), false),
    }
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    cache: DetectCache,
) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Wake>();
    let settings = worker::ModelSettings {
        annotations: Some(app.annotations_dir.clone()),
        min_score: app.min_score,
        patterns: app.patterns.clone(),
        labels: app.labels.clone(),
    };
    let detect = worker::spawn(cache, settings, tx.clone(), Wake::App);
    let train_tx = tx.clone();
    let signal_tx = tx.clone();
    spawn_library_loader(app, tx.clone());
    let layout_tx = tx.clone();
    // Terminal input on its own thread, so worker results wake the loop at once.
    std::thread::Builder::new()
        .name("inkmark-input".into())
        .spawn(move || loop {
            let wake = match event::read() {
                Ok(e) => Wake::Terminal(e),
                Err(e) => Wake::InputClosed(e.to_string()),
            };
            let closed = matches!(wake, Wake::InputClosed(_));
            if tx.send(wake).is_err() || closed {
                return;
            }
        })
        .context("cannot start the input thread")?;

    // Signals: a closed terminal (SIGHUP) or a `kill` must not lose annotations.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ])
    .context("cannot install signal handlers")?;
    std::thread::Builder::new()
        .name("inkmark-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if signal_tx.send(Wake::Signal(sig)).is_err() {
                    return;
                }
            }
        })
        .context("cannot start the signal thread")?;
    // A test hook: the key named here panics, to check the terminal is restored.
    let panic_key = std::env::var("INKMARK_TEST_PANIC_KEY")
        .ok()
        .and_then(|k| k.chars().next());

    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    let mut dirty_since: Option<std::time::Instant> = None;
    let mut shown = view::Shown::default();
    loop {
        for req in app.layout_requests.drain(..) {
            // A long article's full layout, off the UI thread (the first frame showed a part).
            let tx = layout_tx.clone();
            let _ = std::thread::Builder::new()
                .name("inkmark-layout".into())
                .spawn(move || {
                    let full = crate::text::layout(&req.text, req.width, req.opts);
                    let _ = tx.send(Wake::App(Msg::LaidOut {
                        sha: req.sha,
                        layout: Box::new(full),
                    }));
                });
        }
        for req in app.requests.drain(..) {
            // The worker only stops when this loop ends; a failed send is not possible
            // while it runs, and harmless after.
            let _ = detect.send(req);
        }
        if app.train_wanted && !app.training && !app.unsaved() {
            // Marked done and saved: learn from the done articles, off the UI thread.
            app.train_wanted = false;
            app.training = true;
            app.message = Some("training the corpus model on the done articles...".into());
            spawn_training(app, train_tx.clone());
        }
        if app.stats.wanted && !app.stats.running {
            // Every annotation file is read: off the UI thread, like the library loader.
            app.stats.wanted = false;
            app.stats.running = true;
            let tx = layout_tx.clone();
            modes::spawn_stats(modes::stats_job(app), app.stats.generation, move |m| {
                let _ = tx.send(Wake::App(m));
            });
        }
        terminal.draw(|f| view::draw_shown(app, f, &mut shown))?;
        // Unsaved annotations are written half a second after the first unsaved change,
        // however fast the keys keep coming.
        if !app.unsaved() {
            dirty_since = None;
        } else if dirty_since.is_none() {
            dirty_since = Some(std::time::Instant::now());
        }
        let wake = if let Some(since) = dirty_since {
            match rx.recv_timeout(AUTOSAVE_DELAY.saturating_sub(since.elapsed())) {
                Ok(w) => w,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    dirty_since = None;
                    Wake::App(Msg::AutoSave)
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => anyhow::bail!("event channel closed"),
            }
        } else if app.reader().is_some_and(|r| r.ann.read_only.is_some()) {
            // A read-only article looks at its annotation file every second, to pick up
            // a fix made in an editor.
            match rx.recv_timeout(std::time::Duration::from_secs(1)) {
                Ok(w) => w,
                Err(mpsc::RecvTimeoutError::Timeout) => Wake::App(Msg::AutoSave),
                Err(mpsc::RecvTimeoutError::Disconnected) => anyhow::bail!("event channel closed"),
            }
        } else {
            rx.recv().context("event channel closed")?
        };
        let msg = match wake {
            Wake::Signal(sig) => {
                // Save what is pending; the terminal may be gone, so no more drawing.
                return match app.shutdown() {
                    Some(problem) if app.unsaved() => {
                        anyhow::bail!("signal {sig}: annotations NOT SAVED: {problem}")
                    }
                    _ => Ok(()),
                };
            }
            Wake::Terminal(Event::Key(key))
                if panic_key
                    .is_some_and(|p| key.code == ratatui::crossterm::event::KeyCode::Char(p)) =>
            {
                panic!("test panic (INKMARK_TEST_PANIC_KEY)")
            }
            Wake::Terminal(Event::Key(key)) => keys::map_key(app, key),
            Wake::Terminal(Event::Mouse(m)) => keys::map_mouse(app, m),
            Wake::Terminal(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
            Wake::Terminal(_) => None,
            Wake::App(msg) => Some(msg),
            Wake::InputClosed(e) => anyhow::bail!("terminal input failed: {e}"),
        };
        if let Some(msg) = msg {
            let before = app.reader().map(|r| r.entry);
            let status_before = app.reader().map(|r| r.ann.set.status);
            let by_user = marks_status(&msg);
            app.update(msg);
            let after = app.reader().map(|r| r.entry);
            let status_after = app.reader().map(|r| r.ann.set.status);
            if by_user
                && before == after
                && status_after == Some(crate::annotation::Status::Done)
                && status_before != status_after
            {
                app.train_wanted = true;
            }
            if before != after {
                // Terminals disagree on the width of some emoji sequences (flags, ZWJ);
                // a full repaint on changing views leaves no stale half-glyphs behind.
                // (`Terminal::clear` would ask the terminal for the cursor position, whose
                // answer the input thread would swallow; `resize` clears without asking.)
                let area = terminal.get_frame().area();
                terminal.resize(area)?;
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

#[cfg(test)]
mod tests {
    use super::{marks_status, Msg};

    // qa2 9k: a save that merged `done` from another reader's file started a training
    // run here too.
    #[test]
    fn only_this_users_keys_mark_an_article_done_for_training() {
        assert!(marks_status(&Msg::CycleStatus));
        assert!(marks_status(&Msg::Undo) && marks_status(&Msg::Redo));
        assert!(!marks_status(&Msg::AutoSave) && !marks_status(&Msg::Save));
    }

    // qa2 9c: the reader's background training learnt labels outside the set, which
    // `inkmark train` refuses.
    #[test]
    fn background_training_refuses_labels_outside_the_set() {
        let dir = tempfile::tempdir().unwrap();
        let (corpus_dir, ann) = (dir.path().join("c"), dir.path().join("a"));
        std::fs::create_dir_all(&corpus_dir).unwrap();
        std::fs::create_dir_all(&ann).unwrap();
        let text = "标题\n\n张三在北京。\n";
        std::fs::write(corpus_dir.join("x.txt"), text).unwrap();
        let sha = crate::detect::sha256_hex(text.as_bytes());
        std::fs::write(
            ann.join("x.json"),
            format!(
                r#"{{"format": "inkmark/1", "article": "x.txt", "article_sha256": "{sha}", "annotator": "a", "status": "done", "updated": "2026-12-01T00:00:00Z", "entities": [{{"start": 7, "end": 9, "label": "GPE", "text": "北京", "source": "manual"}}]}}"#
            ),
        )
        .unwrap();
        let corpus = crate::corpus::scan(&corpus_dir).unwrap();
        let (message, kept) =
            super::train_corpus_model(&corpus, &ann, &crate::label::LabelSet::default());
        assert!(!kept);
        assert!(
            message.starts_with("corpus model not trained: label GPE is not in the label set"),
            "{message}"
        );
        // Nothing was trained: no history line, no model.
        let written: Vec<_> = std::fs::read_dir(&ann)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(written, ["x.json"]);
    }
}
