//! Batch edits at the size of a long article: "accept all" of 24,860 suggestions among
//! 25,630 entities (the 10 MB article's LOC suggestions with its PER ones accepted), and
//! its undo; against the one `Vec::insert` per entity it replaced, in the same run.
//!
//!     cargo bench --bench edits

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use inkmark::annotation::edit::Op;
use inkmark::annotation::{Annotations, Change, Entity, Source, Status};
use inkmark::label::Label;

const EXISTING: usize = 25_630;
const ACCEPTED: usize = 24_860;

fn entity(start: usize, label: Label) -> Entity {
    Entity {
        start,
        end: start + 3,
        label,
        text: "高新区".into(),
        source: Source::Accepted,
        by: Vec::new(),
    }
}

/// Existing entities every 400 code points, the accepted ones between them.
fn inputs() -> (Vec<Entity>, Vec<Entity>) {
    let existing = (0..EXISTING).map(|i| entity(400 * i, Label::PER)).collect();
    let accepted = (0..ACCEPTED)
        .map(|i| entity(400 * i + 200, Label::LOC))
        .collect();
    (existing, accepted)
}

fn bench_edits(c: &mut Criterion) {
    let (existing, accepted) = inputs();
    let mut group = c.benchmark_group("accept all: 24,860 into 25,630");
    group.sample_size(10);
    group.bench_function("apply", |b| {
        b.iter_batched(
            || {
                let a = Annotations::new(existing.clone(), vec![], Status::Todo);
                let ops = accepted.iter().cloned().map(Op::Insert).collect();
                (a, Change { ops })
            },
            |(mut a, change)| {
                a.apply(change);
                a
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("apply + undo", |b| {
        b.iter_batched(
            || {
                let a = Annotations::new(existing.clone(), vec![], Status::Todo);
                let ops = accepted.iter().cloned().map(Op::Insert).collect();
                (a, Change { ops })
            },
            |(mut a, change)| {
                a.apply(change);
                a.undo();
                a
            },
            BatchSize::LargeInput,
        )
    });
    // What `apply` did before: a binary search and a Vec insert per entity.
    group.bench_function("one Vec insert per entity (reference)", |b| {
        b.iter_batched(
            || existing.clone(),
            |mut list| {
                for e in &accepted {
                    let at = list.partition_point(|k| k < e);
                    list.insert(at, e.clone());
                }
                list
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_edits);
criterion_main!(benches);
