//! Layout engine throughput on a multi-megabyte Chinese text built from the seeds, with
//! textwrap (UAX #14 via unicode-linebreak, unicode-width) wrapping the same text in the
//! same run as the reference; and one paragraph of 1 MB without a line break.
//!
//!     cargo bench --bench layout

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use inkmark::text::{layout, WidthOptions};
use std::hint::black_box;

mod common;

fn bench_layout(c: &mut Criterion) {
    let text = common::seed_text(4 << 20);
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

    // A 1 MB text without a line break: one paragraph, wrapped in bounded segments.
    let line: String = text.split_whitespace().collect::<String>();
    let line = &line[..inkmark::text::bounds::floor_boundary(&line, 1 << 20)];
    let mut group = c.benchmark_group("wrap a 1 MB paragraph");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("inkmark layout/80", |b| {
        b.iter(|| layout(black_box(line), 80, WidthOptions::default()))
    });
    group.bench_function("textwrap wrap/80", |b| {
        b.iter(|| textwrap::wrap(black_box(line), 80))
    });
    group.finish();
}

criterion_group!(benches, bench_layout);
criterion_main!(benches);
