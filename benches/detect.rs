//! Entity detection throughput on a multi-megabyte Chinese text built from the seeds,
//! against plain jieba-rs `tag` (HMM on) of the same text in the same run (the rules
//! alone, and rules + the trained tagger), plus the dictionary and model load times and
//! the tagger's training speed.
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
    group.bench_function("inkmark detect (rules + tagger)", |b| {
        b.iter(|| detector.detect(black_box(&text)).len())
    });
    let rules = Detector::rules_only();
    group.bench_function("inkmark detect --rules", |b| {
        b.iter(|| rules.detect(black_box(&text)).len())
    });
    group.finish();

    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.bench_function("load jieba dictionary and base model", |b| {
        b.iter(Detector::new)
    });
    group.bench_function("load the base model", |b| {
        b.iter(|| inkmark::detect::tagger::Tagger::base().unwrap())
    });
    group.finish();

    // Training on 1 MB of annotated text: the seeds with the detector's own entities as the
    // annotation, 8 passes, starting from the base model (what `inkmark train` does).
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    let one_mb = common::seed_text(1 << 20);
    let base = inkmark::detect::tagger::Tagger::base().unwrap();
    let labels = base.model().labels.clone();
    let examples: Vec<_> = Detector::sentences(&one_mb)
        .into_iter()
        .map(|(_, s)| {
            let spans: Vec<(usize, usize, usize)> = detector
                .detect(s)
                .iter()
                .filter_map(|sp| {
                    labels
                        .iter()
                        .position(|l| l == sp.label.name())
                        .map(|k| (sp.start, sp.end, k))
                })
                .collect();
            rules.example(s, &spans)
        })
        .collect();
    let opts = inkmark::detect::tagger::train::Options {
        min_count: 1,
        ..Default::default()
    };
    group.bench_function("train 8 passes on 1 MB from the base model", |b| {
        b.iter(|| {
            inkmark::detect::tagger::train::train(
                black_box(&examples),
                labels.clone(),
                &opts,
                Some(base.model()),
                |_, _| {},
            )
            .index
            .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_detect);
criterion_main!(benches);
