//! The reader's cost per key: update plus a full frame on ratatui's TestBackend at
//! 200x60, at the start, middle and end of a 10 MB article with its entities detected;
//! and the library's first frame over 20,000 articles.
//!
//!     cargo bench --bench keys

use criterion::{criterion_group, criterion_main, Criterion};
use inkmark::positions::Positions;
use inkmark::text::WidthOptions;
use inkmark::tui::app::{App, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::sync::Arc;

mod common;

fn reader_app(dir: &std::path::Path) -> App {
    std::fs::create_dir_all(dir.join("corpus")).unwrap();
    std::fs::write(dir.join("corpus/big.txt"), common::seed_text(10_000_000)).unwrap();
    let corpus = inkmark::corpus::scan(&dir.join("corpus")).unwrap();
    let mut app = App::new(
        corpus,
        dir.join("ann"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(200, 60));
    app.update(Msg::Open);
    let req = app.requests.pop().unwrap();
    let analysis = inkmark::detect::Detector::new().analyse(&req.text);
    app.update(Msg::Detected {
        sha: req.sha,
        analysis: Arc::new(analysis),
    });
    app
}

fn bench_keys(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut app = reader_app(dir.path());
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut group = c.benchmark_group("key + frame, 200x60, 10 MB article");
    for (place, setup) in [
        ("start", Msg::Top),
        ("middle", Msg::Top),
        ("end", Msg::Bottom),
    ] {
        app.update(setup);
        if place == "middle" {
            let half = app.reader().unwrap().layout.lines.len() / 2;
            for _ in 0..half / 58 {
                app.update(Msg::PageDown);
            }
        }
        group.bench_function(format!("j/k at the {place}"), |b| {
            let mut down = true;
            b.iter(|| {
                app.update(if down { Msg::Down } else { Msg::Up });
                down = !down;
                term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                    .unwrap();
            })
        });
        group.bench_function(format!("] [ at the {place}"), |b| {
            let mut down = true;
            b.iter(|| {
                app.update(if down {
                    Msg::NextEntity
                } else {
                    Msg::PrevEntity
                });
                down = !down;
                term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                    .unwrap();
            })
        });
        group.bench_function(format!("page down/up at the {place}"), |b| {
            let mut down = true;
            b.iter(|| {
                app.update(if down { Msg::PageDown } else { Msg::PageUp });
                down = !down;
                term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                    .unwrap();
            })
        });
    }
    group.finish();
}

fn bench_library(c: &mut Criterion) {
    let many = std::path::Path::new("/tmp/inkmark-bench-many");
    if !many.exists() {
        // The 20,000 articles of `cargo run --release --example gen_large -- /tmp/inkmark-bench-...`
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "run",
                "--release",
                "--example",
                "gen_large",
                "--",
                "/tmp/inkmark-bench",
            ])
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::rename("/tmp/inkmark-bench/many", many).unwrap();
    }
    let mut group = c.benchmark_group("library of 20,000 articles");
    group.sample_size(10);
    for (name, read_all) in [
        ("list + first frame (what the reader does)", false),
        ("scan every file + first frame (reference)", true),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let corpus = if read_all {
                    inkmark::corpus::scan(many).unwrap()
                } else {
                    inkmark::corpus::list(many).unwrap()
                };
                let mut app = App::new(
                    corpus,
                    many.join("no-annotations"),
                    WidthOptions::default(),
                    Positions::default(),
                );
                app.update(Msg::Resize(200, 60));
                let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
                term.draw(|f| inkmark::tui::view::draw(&app, f)).unwrap();
            })
        });
    }
    // Typing in the filter: each key refilters all 20,000 titles.
    let mut app = App::new(
        inkmark::corpus::scan(many).unwrap(),
        many.join("no-annotations"),
        WidthOptions::default(),
        Positions::default(),
    );
    app.update(Msg::Resize(200, 60));
    app.update(Msg::StartPrompt);
    for c in "疫情".chars() {
        app.update(Msg::Input(c));
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    group.bench_function("filter: a typed character + frame", |b| {
        let mut typing = true;
        b.iter(|| {
            app.update(if typing {
                Msg::Input('防')
            } else {
                Msg::Backspace
            });
            typing = !typing;
            term.draw(|f| inkmark::tui::view::draw(black_box(&app), f))
                .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench_keys, bench_library);
criterion_main!(benches);
