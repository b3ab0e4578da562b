//! brat standoff: one `.txt` + `.ann` pair per article (`T1<TAB>PER 96 99<TAB>高轶鹏`),
//! code-point offsets into the `.txt`, and an `annotation.conf` listing the labels. A span
//! that crosses a line break is written as fragments (`0 5;6 9`), as brat requires.

use super::import::Imported;
use super::Doc;
use crate::annotation::store::write_atomic;
use crate::label::{Label, Span};
use std::fs;
use std::path::Path;

/// The `.ann` text of one article.
pub fn ann(doc: &Doc) -> String {
    let chars: Vec<char> = doc.text.chars().collect();
    let mut out = String::new();
    for (i, e) in doc.entities.iter().enumerate() {
        // Fragments between line breaks.
        let mut frags = Vec::new();
        let mut s = e.start;
        for (k, &c) in chars.iter().enumerate().take(e.end).skip(e.start) {
            if c == '\n' || c == '\r' {
                if k > s {
                    frags.push((s, k));
                }
                s = k + 1;
            }
        }
        if e.end > s {
            frags.push((s, e.end));
        }
        let offsets: Vec<String> = frags.iter().map(|(a, b)| format!("{a} {b}")).collect();
        let text: Vec<String> = frags
            .iter()
            .map(|&(a, b)| chars[a..b].iter().collect())
            .collect();
        out.push_str(&format!(
            "T{}\t{} {}\t{}\n",
            i + 1,
            e.label.name(),
            offsets.join(";"),
            text.join(" ")
        ));
    }
    out
}

pub fn annotation_conf() -> String {
    let mut out = String::from("[entities]\n");
    for l in Label::ALL {
        out.push_str(l.name());
        out.push('\n');
    }
    out.push_str("\n[relations]\n\n[events]\n\n[attributes]\n");
    out
}

pub fn write_dir(docs: &[Doc], out: &Path) -> std::io::Result<()> {
    let none = |_| Ok(());
    fs::create_dir_all(out)?;
    write_atomic(
        &out.join("annotation.conf"),
        annotation_conf().as_bytes(),
        &none,
    )?;
    for d in docs {
        let txt = out.join(&d.article).with_extension("txt");
        write_atomic(&txt, d.text.as_bytes(), &none)?;
        write_atomic(&txt.with_extension("ann"), ann(d).as_bytes(), &none)?;
    }
    Ok(())
}

/// Every article's `.ann`, headed by its name (for tests and a quick look).
pub fn render_one(docs: &[Doc]) -> String {
    docs.iter()
        .map(|d| format!("# {}\n{}", d.article, ann(d)))
        .collect()
}

/// Reads an `.ann` for `text`; fragments become one span from the first to the last.
pub fn parse_ann(input: &str, text: &str, article: Option<String>) -> Result<Imported, String> {
    let mut spans = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if !line.starts_with('T') {
            continue; // relations, events, notes: not entities
        }
        let at = |m: &str| format!("line {}: {m}", n + 1);
        let mut cols = line.split('\t');
        let (_, Some(mid)) = (cols.next(), cols.next()) else {
            return Err(at("expected ID<TAB>TYPE START END<TAB>TEXT"));
        };
        let (label, offsets) = mid
            .split_once(' ')
            .ok_or_else(|| at("expected TYPE START END"))?;
        let label = Label::parse(label).ok_or_else(|| at(&format!("unknown label {label:?}")))?;
        let mut lo = usize::MAX;
        let mut hi = 0;
        for frag in offsets.split(';') {
            let (a, b) = frag
                .trim()
                .split_once(' ')
                .ok_or_else(|| at("bad offsets"))?;
            let (a, b): (usize, usize) = (
                a.parse().map_err(|_| at("bad offset"))?,
                b.parse().map_err(|_| at("bad offset"))?,
            );
            lo = lo.min(a);
            hi = hi.max(b);
        }
        spans.push(Span::new(lo, hi, label));
    }
    Ok(Imported {
        article,
        text: text.to_string(),
        spans,
    })
}
