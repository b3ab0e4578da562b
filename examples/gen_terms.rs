//! The patterns benchmark's 100,000 terms as a term list with a config naming it, for
//! timing the whole process (`inkmark detect --config OUT_DIR/inkmark.toml`) on the
//! 10 MB article of `gen_large`.
//!
//!     cargo run --release --example gen_terms -- OUT_DIR

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let out = std::env::args().nth(1).expect("usage: gen_terms OUT_DIR");
    let out = std::path::Path::new(&out);
    std::fs::create_dir_all(out).unwrap();
    let text = common::seed_text(10_000_000);
    let terms = common::terms(&text, 100_000);
    std::fs::write(out.join("terms.txt"), terms.join("\n") + "\n").unwrap();
    std::fs::write(
        out.join("inkmark.toml"),
        "terms = { ORG = \"terms.txt\" }\npatterns = [\"patterns.jsonl\"]\n",
    )
    .unwrap();
    std::fs::write(
        out.join("patterns.jsonl"),
        "{\"label\": \"QTY\", \"regex\": \"\\\\d+例\"}\n{\"label\": \"TIME\", \"regex\": \"\\\\d+年\\\\d+月\\\\d+日\"}\n{\"label\": \"QTY\", \"regex\": \"[0-9]+万元\"}\n",
    )
    .unwrap();
    println!(
        "wrote {} terms to {}/terms.txt and {}/inkmark.toml",
        terms.len(),
        out.display(),
        out.display()
    );
}
