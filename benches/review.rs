//! Review mode at scale (issue 18): a 10 MB article, two annotators who disagree 25,000
//! times (and agree on as many spans). Opening it (reading both files, comparing, taking
//! the agreed spans), then `]` and the choice keys, each with a full frame at 200x60.
//!
//!     cargo bench --bench review

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::label::Label;
use inkmark::positions::Positions;
use inkmark::team::Annotator;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use inkmark::tui::review::{ReviewKey, ReviewSession};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::path::Path;

mod common;

const DISAGREEMENTS: usize = 25_000;

/// Writes `who`'s file: one span per disagreement slot, made to differ by `kind`.
fn write_annotator(dir: &Path, text: &str, chars: &[usize], who: &str, second: bool) {
    let sha = inkmark::detect::sha256_hex(text.as_bytes());
    let mut f = AnnotationFile::new("big.txt", &sha, who);
    f.status = Status::Done;
    let slice = |s: usize, e: usize| text[chars[s]..chars[e]].to_string();
    let n = chars.len() - 1;
    let step = n / DISAGREEMENTS;
    let mut push = |s: usize, e: usize, label: Label| {
        f.entities.push(Entity {
            start: s,
            end: e,
            label,
            text: slice(s, e),
            source: Source::Manual,
            by: Vec::new(),
        })
    };
    for i in 0..DISAGREEMENTS {
        let p = i * step;
        // An agreed span, then one disagreement of each kind in turn: label, boundary,
        // one-sided.
        push(p + 10, p + 13, Label::ORG);
        match (i % 3, second) {
            (0, true) => push(p, p + 3, Label::LOC),
            (1, true) => push(p, p + 2, Label::PER),
            (2, true) => {}
            _ => push(p, p + 3, Label::PER),
        }
    }
    let path = dir.join("big.json");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(path, f.to_json()).unwrap();
}

fn app(dir: &Path) -> App {
    let corpus = inkmark::corpus::scan(&dir.join("corpus")).unwrap();
    let mut app = App::new(
        corpus,
        dir.join("gold"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.review = Some(ReviewSession::new(vec![
        Annotator::from_dir(&dir.join("alice")),
        Annotator::from_dir(&dir.join("bob")),
    ]));
    app.update(Msg::Resize(200, 60));
    app
}

fn bench_review(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let text = common::seed_text(10_000_000);
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    std::fs::create_dir_all(dir.join("corpus")).unwrap();
    std::fs::write(dir.join("corpus/big.txt"), &text).unwrap();
    write_annotator(&dir.join("alice"), &text, &chars, "alice", false);
    write_annotator(&dir.join("bob"), &text, &chars, "bob", true);

    let mut group = c.benchmark_group("review, 10 MB article, 25,000 disagreements");
    group.sample_size(10);
    group.bench_function("open (read, compare, take the agreed spans)", |b| {
        b.iter_batched(
            || app(dir),
            |mut app| {
                app.update(Msg::Open);
                app
            },
            BatchSize::PerIteration,
        )
    });

    let mut app = app(dir);
    app.update(Msg::Open);
    let m = app.message.clone().unwrap_or_default();
    assert!(m.contains("25000 of 25000 disagreements left"), "{m}");
    // The complete layout, as the shell's layout thread delivers it.
    app.update(Msg::Bottom);
    app.update(Msg::Top);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    group.sample_size(50);
    group.bench_function("] + frame", |b| {
        b.iter(|| {
            app.update(Msg::NextEntity);
            term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                .unwrap();
        })
    });
    group.bench_function("[ + frame", |b| {
        b.iter(|| {
            app.update(Msg::PrevEntity);
            term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                .unwrap();
        })
    });
    // Alternating the two versions of the disagreement under the cursor: each press
    // replaces the gold spans there (undoable) and updates what is left.
    group.bench_function(", / . (take A's / B's) + frame", |b| {
        let mut first = true;
        b.iter(|| {
            app.update(Msg::Review(if first {
                ReviewKey::First
            } else {
                ReviewKey::Second
            }));
            first = !first;
            term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                .unwrap();
        })
    });
    group.bench_function("take A's then ] (a review step) + frame", |b| {
        b.iter(|| {
            app.update(Msg::Review(ReviewKey::First));
            app.update(Msg::NextEntity);
            term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                .unwrap();
        })
    });
    let m = app.message.clone().unwrap_or_default();
    assert!(m.contains("left)"), "{m}");
    group.finish();
}

criterion_group!(benches, bench_review);
criterion_main!(benches);
