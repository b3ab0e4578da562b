//! The reference program of the `show` benchmark: what a plain textwrap 0.16 user would
//! write to print an article wrapped to a width (read, `textwrap::wrap`, print).
//!
//!     cargo run --release --example textwrap_show -- FILE WIDTH

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(width)) = (args.next(), args.next()) else {
        eprintln!("usage: textwrap_show FILE WIDTH");
        std::process::exit(2);
    };
    let width: usize = width.parse().expect("WIDTH is a number");
    let text = std::fs::read_to_string(file).expect("a readable UTF-8 file");
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in textwrap::wrap(&text, width) {
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}
