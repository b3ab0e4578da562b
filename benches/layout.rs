//! Layout engine throughput on a multi-megabyte Chinese text built from the seeds, with
//! textwrap (UAX #14 via unicode-linebreak, unicode-width) wrapping the same text in the
//! same run as the reference.
//!
//!     cargo bench --bench layout

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use inkmark::text::{layout, WidthOptions};
use std::hint::black_box;

/// The five seed articles repeated until the text is at least `bytes` long.
fn corpus(bytes: usize) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut text = String::with_capacity(bytes + 30_000);
    while text.len() < bytes {
        for s in &seeds {
            text.push_str(s);
            text.push('\n');
        }
    }
    text
}

fn bench_layout(c: &mut Criterion) {
    let text = corpus(4 << 20);
    let mut group = c.benchmark_group("wrap 4 MiB of Chinese news");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    for width in [40usize, 80] {
        group.bench_with_input(
            BenchmarkId::new("inkmark layout", width),
            &width,
            |b, &w| b.iter(|| layout(black_box(&text), w, WidthOptions::default())),
        );
        group.bench_with_input(BenchmarkId::new("textwrap wrap", width), &width, |b, &w| {
            b.iter(|| textwrap::wrap(black_box(&text), w))
        });
        group.bench_with_input(
            BenchmarkId::new("inkmark layout + render_plain", width),
            &width,
            |b, &w| {
                b.iter(|| {
                    let l = layout(black_box(&text), w, WidthOptions::default());
                    l.render_plain(&text)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_layout);
criterion_main!(benches);
