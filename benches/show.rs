//! `inkmark show` measured as a user runs it: the whole release process on a 10 MB
//! article (the seeds repeated) at width 100, output to /dev/null, against the plain
//! textwrap 0.16 program of `examples/textwrap_show.rs` on the same file in the same run.
//! Both binaries are built with `cargo build --release` first.
//!
//!     cargo bench --bench show

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

/// Builds the release binary and the reference example; returns their paths.
fn release_binaries() -> (PathBuf, PathBuf) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(manifest)
        .args(["build", "--release", "--bin", "inkmark"])
        .args(["--example", "textwrap_show"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --release failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    let release = target.join("release");
    (
        release.join("inkmark"),
        release.join("examples/textwrap_show"),
    )
}

fn run(cmd: &mut Command) {
    let status = cmd
        .stdout(Stdio::null())
        .status()
        .expect("the program runs");
    assert!(status.success());
}

fn bench_show(c: &mut Criterion) {
    let (inkmark, textwrap) = release_binaries();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ten-mb.txt");
    let text = common::seed_text(10_000_000);
    std::fs::write(&file, &text).unwrap();
    let mut group = c.benchmark_group("whole process: 10 MB article at width 100 to /dev/null");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("inkmark show", |b| {
        b.iter(|| {
            run(Command::new(&inkmark)
                .arg("show")
                .args(["-w", "100"])
                .arg(&file))
        })
    });
    group.bench_function("textwrap 0.16 program (reference)", |b| {
        b.iter(|| run(Command::new(&textwrap).arg(&file).arg("100")))
    });
    group.finish();
}

criterion_group!(benches, bench_show);
criterion_main!(benches);
