//! Builds the large inputs of the scale benchmarks from the seeds, deterministically:
//! a 10 MB article, a 1 MB paragraph without a line break, and a folder of 20,000 short
//! articles. Nothing large is committed; generate them where you need them.
//!
//!     cargo run --release --example gen_large -- OUT_DIR

use std::path::Path;

fn main() {
    let out = std::env::args().nth(1).expect("usage: gen_large OUT_DIR");
    let out = Path::new(&out);
    let seeds =
        inkmark::corpus::read_texts(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds")))
            .expect("the seeds");
    let all: String = seeds.join("\n");
    std::fs::create_dir_all(out.join("big")).unwrap();
    std::fs::write(out.join("big/ten-mb.txt"), repeat(&all, 10_000_000)).unwrap();
    let line: String = all.split_whitespace().collect();
    std::fs::write(out.join("big/one-mb-line.txt"), repeat(&line, 1_000_000)).unwrap();
    let many = out.join("many");
    for d in 0..100 {
        std::fs::create_dir_all(many.join(format!("{d:02}"))).unwrap();
    }
    let paras: Vec<&str> = all.split("\n\n").filter(|p| !p.trim().is_empty()).collect();
    for i in 0..20_000usize {
        // Each article: a title and three paragraphs, picked by a fixed stride.
        let pick = |k: usize| paras[(i * 7 + k * 13) % paras.len()];
        let text = format!(
            "第{i}篇 {}\n\n{}\n\n{}\n\n{}\n",
            pick(0).chars().take(20).collect::<String>(),
            pick(1),
            pick(2),
            pick(3)
        );
        std::fs::write(many.join(format!("{:02}/{i:05}.txt", i % 100)), text).unwrap();
    }
    println!(
        "wrote {}/big/ten-mb.txt, {}/big/one-mb-line.txt, {}/many/ (20,000 articles)",
        out.display(),
        out.display(),
        out.display()
    );
}

fn repeat(s: &str, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + s.len());
    while out.len() < bytes {
        out.push_str(s);
    }
    out
}
