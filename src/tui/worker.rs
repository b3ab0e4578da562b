//! The detection worker: loads jieba's dictionary and detects entities off the UI
//! thread, answering from the disk cache when it can.

use super::app::{DetectRequest, Msg};
use crate::detect::cache::DetectCache;
use crate::detect::Detector;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts the worker. Results arrive on `out` as messages for `App::update`; `wrap`
/// turns a message into whatever the event loop receives.
pub fn spawn<E: Send + 'static>(
    cache: DetectCache,
    out: Sender<E>,
    wrap: fn(Msg) -> E,
) -> Sender<DetectRequest> {
    let (tx, rx) = std::sync::mpsc::channel::<DetectRequest>();
    std::thread::Builder::new()
        .name("inkmark-detect".into())
        .spawn(move || run(cache, rx, out, wrap))
        .expect("cannot start the detection thread");
    tx
}

fn run<E>(cache: DetectCache, rx: Receiver<DetectRequest>, out: Sender<E>, wrap: fn(Msg) -> E) {
    let mut detector: Option<Detector> = None;
    let load = |detector: &mut Option<Detector>| {
        if detector.is_none() {
            let t = Instant::now();
            *detector = Some(Detector::new());
            let _ = out.send(wrap(Msg::DetectorReady(t.elapsed().as_millis() as u64)));
        }
    };
    loop {
        // Load the dictionary while the user is still in the library, unless a request is
        // already waiting (a cache hit should not wait for the dictionary).
        let req = match rx.recv_timeout(Duration::from_millis(if detector.is_none() {
            0
        } else {
            60_000
        })) {
            Ok(req) => req,
            Err(RecvTimeoutError::Timeout) => {
                load(&mut detector);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if let Some(analysis) = cache.load(&req.sha) {
            let _ = out.send(wrap(Msg::Detected {
                sha: req.sha,
                analysis: Arc::new(analysis),
            }));
            continue;
        }
        load(&mut detector);
        let Some(d) = &detector else { continue };
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.analyse(&req.text)));
        let msg = match result {
            Ok(analysis) => {
                let _ = cache.store(&req.sha, &analysis);
                Msg::Detected {
                    sha: req.sha,
                    analysis: Arc::new(analysis),
                }
            }
            Err(_) => Msg::DetectFailed {
                sha: req.sha,
                error: "the detector crashed on this text".to_string(),
            },
        };
        if out.send(wrap(msg)).is_err() {
            return;
        }
    }
}
