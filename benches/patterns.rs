//! Patterns and term lists at scale: 100,000 terms (half of them pieces of the text, so
//! they match all over it: 815,000 matches) plus three regexes over a 10 MB article:
//! checking and building the automaton, and finding every match (issue 15: under 1 s).
//!
//!     cargo bench --bench patterns

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use inkmark::detect::patterns::{Matcher, PatternDef, Patterns};
use inkmark::label::Label;
use std::hint::black_box;

mod common;

fn defs(terms: &[String]) -> Vec<PatternDef> {
    let labels = Label::DEFAULTS;
    let mut defs: Vec<PatternDef> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| PatternDef {
            label: labels[i % labels.len()],
            matcher: Matcher::Exact(t.clone()),
        })
        .collect();
    for r in [r"\d+例", r"\d+年\d+月\d+日", r"[0-9]+万元"] {
        defs.push(PatternDef {
            label: Label::QTY,
            matcher: Matcher::Regex(r.into()),
        });
    }
    defs
}

fn bench_patterns(c: &mut Criterion) {
    let text = common::seed_text(10_000_000);
    let terms = common::terms(&text, 100_000);
    let defs = defs(&terms);
    let patterns = Patterns::new(defs.clone()).unwrap();
    patterns.compile().unwrap();
    let found = patterns.find(&text).len();
    eprintln!(
        "{} patterns, {} matches in {} bytes",
        patterns.len(),
        found,
        text.len()
    );
    let mut group = c.benchmark_group("patterns: 100,000 terms + 3 regexes, 10 MB article");
    group.sample_size(10);
    group.bench_function("check and build the automaton", |b| {
        b.iter(|| {
            let p = Patterns::new(black_box(defs.clone())).unwrap();
            p.compile().unwrap();
            p.len()
        })
    });
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("find", |b| b.iter(|| patterns.find(black_box(&text)).len()));
    group.finish();
}

criterion_group!(benches, bench_patterns);
criterion_main!(benches);
