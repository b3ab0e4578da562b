//! Writes annotation folders for several simulated annotators over a corpus, for
//! measuring `inkmark agree` at scale (e.g. on gen_large's 20,000 articles).
//! Deterministic: each annotator marks the same two-character spans every 17 characters
//! and departs from the shared version by its own rule (a changed label, a longer span,
//! a skipped span), so the figures are neither 0 nor 1.
//!
//!     cargo run --release --example gen_team -- CORPUS_DIR OUT_DIR [ANNOTATORS]

use inkmark::annotation::anchor::fingerprint;
use inkmark::annotation::file::annotation_path;
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::label::Label;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_team CORPUS_DIR OUT_DIR [ANNOTATORS]";
    let corpus_dir = args.next().expect(usage);
    let out = args.next().expect(usage);
    let n: usize = args.next().map_or(3, |s| s.parse().expect(usage));
    let corpus = inkmark::corpus::list(Path::new(&corpus_dir)).expect("the corpus");
    for (k, e) in corpus.entries.iter().enumerate() {
        let text = inkmark::corpus::read_article(&e.path)
            .expect("an article")
            .text;
        let chars: Vec<char> = text.chars().collect();
        let sha = inkmark::detect::sha256_hex(text.as_bytes());
        let fp = fingerprint(&text);
        for a in 0..n {
            let name = format!("annotator{a}");
            let mut f = AnnotationFile::new(&e.rel.to_string_lossy(), &sha, &name);
            f.status = Status::Done;
            f.article_fingerprint = Some(fp.clone());
            let mut start = 3;
            let mut i = 0;
            while start + 3 <= chars.len() {
                let ls = &Label::DEFAULTS;
                let mut label = ls[(i + k) % ls.len()];
                let mut end = start + 2;
                match (i + k + a) % (5 + a) {
                    0 if a > 0 => label = ls[(i + k + 1) % ls.len()],
                    1 if a > 0 => end += 1,
                    2 if a > 0 => {
                        start += 17;
                        i += 1;
                        continue;
                    }
                    _ => {}
                }
                f.entities.push(Entity {
                    start,
                    end,
                    label,
                    text: chars[start..end].iter().collect(),
                    source: Source::Manual,
                    by: Vec::new(),
                });
                start += 17;
                i += 1;
            }
            let path = annotation_path(&Path::new(&out).join(&name), &e.rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f.to_json()).unwrap();
        }
    }
    println!(
        "wrote {n} annotators' folders for {} articles in {out}",
        corpus.entries.len()
    );
}
