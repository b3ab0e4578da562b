//! Runs detection on a file repeatedly, for profiling.
//!
//!     cargo run --release --example detectloop -- FILE [ROUNDS]
fn main() {
    let mut args = std::env::args().skip(1);
    let text =
        std::fs::read_to_string(args.next().expect("usage: detectloop FILE [ROUNDS]")).unwrap();
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let d = inkmark::detect::Detector::new();
    let mut n = 0;
    for _ in 0..rounds {
        n += d.detect(&text).len();
    }
    println!("{n}");
}
