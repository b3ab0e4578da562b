//! The detection worker: loads jieba's dictionary and detects entities off the UI
//! thread, answering from the disk cache when it can. It uses the corpus model of the
//! annotations folder when there is one, and picks up a new one (`inkmark train`, or the
//! reader's own training when an article is marked done) at the next request.

use super::app::{DetectRequest, Msg};
use crate::detect::cache::DetectCache;
use crate::detect::patterns::Patterns;
use crate::detect::tagger::Tagger;
use crate::detect::{paragraphs_around, version_of, Analysis, Detector};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Which model the worker uses and which suggestions it passes on.
#[derive(Debug, Clone, Default)]
pub struct ModelSettings {
    /// The annotations folder, where a corpus model may be (`None`: base model only).
    pub annotations: Option<PathBuf>,
    /// Suggestions scored under this are not shown (config `min_score`).
    pub min_score: f32,
    /// The config's patterns and term lists, applied over the model's suggestions.
    pub patterns: Arc<Patterns>,
    /// The corpus's labels: suggestions are renamed or dropped to fit them.
    pub labels: crate::label::LabelSet,
}

/// The model in use and the state of the corpus model file it came from.
struct ModelState {
    tagger: Option<Tagger>,
    /// Modification time and length of the corpus model file when it was read.
    stamp: Option<(SystemTime, u64)>,
}

impl ModelState {
    fn stamp_of(settings: &ModelSettings) -> Option<(SystemTime, u64)> {
        let dir = settings.annotations.as_ref()?;
        let meta = std::fs::metadata(crate::learn::model_path(dir)).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    }

    /// Reads the corpus model (or the base model); a warning when the corpus model is
    /// unusable.
    fn load(settings: &ModelSettings) -> (ModelState, Option<String>) {
        let stamp = Self::stamp_of(settings);
        let (tagger, warning) = match settings
            .annotations
            .as_deref()
            .map(crate::learn::corpus_tagger)
        {
            Some(Ok(Some(t))) => (Some(t), None),
            Some(Err(w)) => (Tagger::base().ok(), Some(w)),
            _ => (Tagger::base().ok(), None),
        };
        (ModelState { tagger, stamp }, warning)
    }

    fn changed(&self, settings: &ModelSettings) -> bool {
        Self::stamp_of(settings) != self.stamp
    }
}

/// Starts the worker. Results arrive on `out` as messages for `App::update`; `wrap`
/// turns a message into whatever the event loop receives.
pub fn spawn<E: Send + 'static>(
    cache: DetectCache,
    settings: ModelSettings,
    out: Sender<E>,
    wrap: fn(Msg) -> E,
) -> Sender<DetectRequest> {
    let (tx, rx) = std::sync::mpsc::channel::<DetectRequest>();
    std::thread::Builder::new()
        .name("inkmark-detect".into())
        .spawn(move || run(cache, settings, rx, out, wrap))
        .expect("cannot start the detection thread");
    tx
}

fn run<E>(
    cache: DetectCache,
    settings: ModelSettings,
    rx: Receiver<DetectRequest>,
    out: Sender<E>,
    wrap: fn(Msg) -> E,
) {
    let (mut model, warning) = ModelState::load(&settings);
    if let Some(w) = warning {
        let _ = out.send(wrap(Msg::Notice(crate::text::glyph::sanitize_line(&w))));
    }
    let mut detector: Option<Detector> = None;
    let load = |detector: &mut Option<Detector>, model: &ModelState| {
        if detector.is_none() {
            // The patterns' automaton (100,000 terms: a few tenths of a second) is built
            // here, off the UI thread, with the dictionary.
            if let Err(e) = settings.patterns.compile() {
                let _ = out.send(wrap(Msg::Notice(crate::text::glyph::sanitize_line(&e))));
            }
            let t = Instant::now();
            *detector = Some(Detector::rules_only().with_tagger(model.tagger.clone()));
            let _ = out.send(wrap(Msg::DetectorReady(t.elapsed().as_millis() as u64)));
        }
    };
    // The cache keeps the detector's own labels; the set applies on the way out.
    let shown = |mut a: Analysis| {
        a.follow_labels(&settings.labels);
        a.retain_min_score(settings.min_score);
        Arc::new(a)
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
                load(&mut detector, &model);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if model.changed(&settings) {
            let (m, warning) = ModelState::load(&settings);
            model = m;
            if let Some(d) = detector.as_mut() {
                d.set_tagger(model.tagger.clone());
            }
            let notice = match warning {
                Some(w) => crate::text::glyph::sanitize_line(&w),
                None => "suggestions now come from the corpus model".into(),
            };
            let _ = out.send(wrap(Msg::Notice(notice)));
        }
        // The patterns' hash is part of the key: caches never mix pattern sets.
        let version = settings
            .patterns
            .version(&version_of(model.tagger.as_ref()));
        if let Some(analysis) = cache.load(&req.sha, &version) {
            let _ = out.send(wrap(Msg::Detected {
                sha: req.sha,
                analysis: shown(analysis),
            }));
            continue;
        }
        load(&mut detector, &model);
        let Some(d) = &detector else { continue };
        if let Some(part) = analyse_near_focus(d, &req, &settings.patterns) {
            let near = Msg::DetectedNear {
                sha: req.sha.clone(),
                analysis: shown(part),
            };
            if out.send(wrap(near)).is_err() {
                return;
            }
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut a = d.analyse(&req.text);
            settings.patterns.apply(&req.text, &mut a);
            a
        }));
        let msg = match result {
            Ok(analysis) => {
                let _ = cache.store(&req.sha, &version, &analysis);
                Msg::Detected {
                    sha: req.sha,
                    analysis: shown(analysis),
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

/// Texts longer than this get the paragraphs around the reading position analysed
/// first (a 10 MB article takes about a second whole; its first screen, milliseconds).
const NEAR_FIRST_BYTES: usize = 1 << 20;

/// The analysis of the paragraphs around `req.focus`, for a long text, with the
/// patterns' matches there.
fn analyse_near_focus(d: &Detector, req: &DetectRequest, patterns: &Patterns) -> Option<Analysis> {
    let text = req.text.as_str();
    if text.len() <= NEAR_FIRST_BYTES {
        return None;
    }
    let at = text
        .char_indices()
        .nth(req.focus)
        .map_or(text.len(), |(b, _)| b);
    let range = paragraphs_around(text, at, 32 * 1024, 96 * 1024);
    if range.len() * 2 > text.len() {
        return None;
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut a = d.analyse_part(text, range.clone());
        if !patterns.is_empty() {
            crate::detect::patterns::merge(&mut a, &patterns.find_part(text, range));
        }
        a
    }))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worker's answer to one request for `text`.
    fn detect_with(cache: &DetectCache, patterns: Arc<Patterns>, text: &str) -> Arc<Analysis> {
        let (tx, rx) = std::sync::mpsc::channel::<Msg>();
        let settings = ModelSettings {
            annotations: None,
            min_score: 0.0,
            patterns,
            labels: crate::label::LabelSet::default(),
        };
        let req = spawn(cache.clone(), settings, tx, |m| m);
        req.send(DetectRequest {
            sha: crate::detect::sha256_hex(text.as_bytes()),
            text: Arc::new(text.to_string()),
            focus: 0,
        })
        .unwrap();
        loop {
            match rx.recv_timeout(Duration::from_secs(120)).unwrap() {
                Msg::Detected { analysis, .. } => return analysis,
                Msg::DetectFailed { error, .. } => panic!("{error}"),
                _ => {}
            }
        }
    }

    #[test]
    fn the_worker_applies_the_patterns_and_never_mixes_cached_results_of_two_sets() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DetectCache {
            dir: Some(dir.path().to_path_buf()),
        };
        let text = "国务院总理李克强在北京人民大会堂作报告。";
        let p = Arc::new(
            Patterns::new(vec![crate::detect::patterns::PatternDef {
                label: crate::label::Label::ORG,
                matcher: crate::detect::patterns::Matcher::Exact("人民大会堂".into()),
            }])
            .unwrap(),
        );
        let hall = crate::label::Span::new(11, 16, crate::label::Label::ORG);
        let with = detect_with(&cache, p.clone(), text);
        let i = with
            .spans
            .iter()
            .position(|s| *s == hall)
            .expect("the pattern");
        assert_eq!(with.source(i), crate::detect::SuggestionSource::Pattern);
        // Cached under a name holding the set's hash; without patterns, another entry.
        let without = detect_with(&cache, Arc::default(), text);
        assert!(!without.spans.contains(&hall));
        assert!(without.sources.is_empty());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().any(|n| n.contains("_p")), "{names:?}");
        // A second run with the patterns comes from the cache, the same.
        assert_eq!(detect_with(&cache, p, text), with);
    }

    fn request(text: String, focus: usize) -> DetectRequest {
        DetectRequest {
            sha: String::new(),
            text: Arc::new(text),
            focus,
        }
    }

    #[test]
    fn long_texts_get_the_part_around_the_reading_position_first() {
        let d = Detector::new();
        let para = "本报讯(记者高轶鹏)国务院总理李克强在北京人民大会堂作报告。\n";
        let text = para.repeat((2 << 20) / para.len());
        let chars = text.chars().count();
        let part = analyse_near_focus(&d, &request(text.clone(), chars / 2), &Patterns::default())
            .unwrap();
        assert!(!part.spans.is_empty());
        // Only spans near the middle, at the same offsets as in the whole text.
        let window = chars / 10;
        assert!(part
            .spans
            .iter()
            .all(|s| s.start + window > chars / 2 && s.end < chars / 2 + window));
        let n = para.chars().count();
        let one = d.analyse(para);
        for s in &part.spans {
            let o = one.spans.iter().find(|o| o.start == s.start % n).unwrap();
            assert_eq!((o.end - o.start, o.label), (s.end - s.start, s.label));
        }
        // The patterns' matches in that part, at the whole text's offsets, win there.
        let org = crate::label::Label::ORG;
        let p = Patterns::new(vec![crate::detect::patterns::PatternDef {
            label: org,
            matcher: crate::detect::patterns::Matcher::Exact("人民大会堂".into()),
        }])
        .unwrap();
        let with = analyse_near_focus(&d, &request(text.clone(), chars / 2), &p).unwrap();
        let slicer = crate::detect::CharSlicer::new(&text);
        let from_patterns: Vec<_> = (0..with.spans.len())
            .filter(|&i| with.source(i) == crate::detect::SuggestionSource::Pattern)
            .map(|i| with.spans[i])
            .collect();
        assert!(!from_patterns.is_empty());
        assert!(from_patterns
            .iter()
            .all(|s| s.label == org && slicer.slice(s.start, s.end) == "人民大会堂"));
        // Short texts are analysed whole at once.
        assert!(
            analyse_near_focus(&d, &request(para.repeat(100), 0), &Patterns::default()).is_none()
        );
    }
}
