//! Prints jieba's tags for each line of a file: `word/tag word/tag ...`, one line per
//! input line. A tool for studying detection errors.
//!
//!     cargo run --release --example tags -- FILE

use std::io::{BufRead, Write};

fn main() {
    let path = std::env::args().nth(1).expect("usage: tags FILE");
    let detector = inkmark::detect::Detector::new();
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("cannot open"));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in file.lines() {
        let line = line.expect("utf-8");
        let tags = detector.jieba().tag(&line, true);
        let words: Vec<String> = tags
            .iter()
            .map(|t| format!("{}/{}", t.word, t.tag))
            .collect();
        writeln!(out, "{}", words.join(" ")).unwrap();
    }
}
