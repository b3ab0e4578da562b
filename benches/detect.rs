//! Entity detection throughput on a multi-megabyte Chinese text built from the seeds,
//! against plain jieba-rs `tag` (HMM on) of the same text in the same run, plus the
//! dictionary load time.
//!
//!     cargo bench --bench detect

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use inkmark::detect::Detector;
use std::hint::black_box;

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

fn bench_detect(c: &mut Criterion) {
    let detector = Detector::new();
    let text = corpus(2 << 20);
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
