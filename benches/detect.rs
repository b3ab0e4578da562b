//! Entity detection throughput on a multi-megabyte Chinese text built from the seeds,
//! against plain jieba-rs `tag` (HMM on) of the same text in the same run, plus the
//! dictionary load time.
//!
//!     cargo bench --bench detect

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use inkmark::detect::Detector;
use std::hint::black_box;

mod common;

fn bench_detect(c: &mut Criterion) {
    let detector = Detector::new();
    let text = common::seed_text(2 << 20);
    let mut group = c.benchmark_group("detect 2 MiB of Chinese news");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("jieba-rs tag (reference)", |b| {
        b.iter(|| detector.jieba().tag(black_box(&text), true).len())
    });
    group.bench_function("inkmark detect", |b| {
        b.iter(|| detector.detect(black_box(&text)).len())
    });
    group.finish();

    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.bench_function("load jieba dictionary", |b| b.iter(Detector::new));
    group.finish();
}

criterion_group!(benches, bench_detect);
criterion_main!(benches);
