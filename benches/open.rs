//! Opening the 10 MB article in the reader, in-process: `Open` plus the first 200x60 frame
//! (the first 256 KiB laid out, the rest by a thread), and that thread's work, the whole
//! layout at 198 columns. No reference program exists for these; BENCHMARKS.md compares
//! them with the build before the layout's fast path, run back to back.
//!
//!     cargo bench --bench open

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use inkmark::positions::Positions;
use inkmark::text::{layout, WidthOptions};
use inkmark::tui::app::{App, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

mod common;

fn bench_open(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let text = common::seed_text(10_000_000);
    std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
    std::fs::write(dir.path().join("corpus/big.txt"), &text).unwrap();
    let corpus = inkmark::corpus::scan(&dir.path().join("corpus")).unwrap();
    let mut group = c.benchmark_group("open a 10 MB article, in-process");
    group.sample_size(10);
    group.bench_function("Open + first frame at 200x60", |b| {
        b.iter_batched(
            || {
                let mut app = App::new(
                    corpus.clone(),
                    dir.path().join("ann"),
                    WidthOptions::default(),
                    Positions::default(),
                );
                app.update(Msg::Resize(200, 60));
                (app, Terminal::new(TestBackend::new(200, 60)).unwrap())
            },
            |(mut app, mut term)| {
                app.update(Msg::Open);
                term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                    .unwrap();
                app
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("whole layout at 198 columns (the layout thread)", |b| {
        b.iter(|| layout(black_box(&text), 198, WidthOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, bench_open);
criterion_main!(benches);
