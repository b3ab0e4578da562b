//! Exporting annotation sets to the formats NLP tools read, and importing them back.
//! One module per format; offsets are converted where a consumer counts differently
//! (doccano and Label Studio count UTF-16 code units).

pub mod brat;
pub mod conll;
pub mod doccano;
pub mod import;
pub mod labelstudio;
pub mod spacy;

use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::{Entity, Status};
use crate::corpus::{read_article, Corpus};
use crate::detect::CharSlicer;
use crate::label::{Label, Span};
use std::path::Path;

/// One annotated article, ready for a writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Path relative to the corpus folder, `/`-separated.
    pub article: String,
    pub text: String,
    pub status: Status,
    pub entities: Vec<Entity>,
    /// Open suggestions (Label Studio's `predictions`), when computed.
    pub suggestions: Vec<Span>,
}

/// Which articles to export.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    /// Only these labels (all when empty).
    pub labels: Vec<Label>,
}

/// Why an article was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub article: String,
    pub reason: String,
}

/// The annotated articles of a corpus that pass `filter`, in corpus order.
pub fn collect(
    corpus: &Corpus,
    annotations: &Path,
    filter: &Filter,
    mut tick: impl FnMut(),
) -> (Vec<Doc>, Vec<Skipped>) {
    let mut docs = Vec::new();
    let mut skipped = Vec::new();
    for entry in &corpus.entries {
        tick();
        let article = entry.rel.to_string_lossy().replace('\\', "/");
        let skip = |reason: String| Skipped {
            article: article.clone(),
            reason,
        };
        if let Some(crate::corpus::Problem::Unreadable(e)) = &entry.problem {
            skipped.push(skip(format!("cannot read the article: {e}")));
            continue;
        }
        let file = match Store::open(&annotation_path(annotations, &entry.rel)) {
            Ok((_, Loaded::Found(f))) => f,
            Ok((_, Loaded::Missing)) => continue,
            Ok((_, Loaded::Corrupt(e))) => {
                skipped.push(skip(format!("annotation file does not parse: {e}")));
                continue;
            }
            Err(e) => {
                skipped.push(skip(e.to_string()));
                continue;
            }
        };
        if filter.status.is_some_and(|s| s != file.status) {
            continue;
        }
        let text = match read_article(&entry.path) {
            Ok(a) => a.text,
            Err(e) => {
                skipped.push(skip(format!("cannot read the article: {e}")));
                continue;
            }
        };
        if file.article_sha256 != crate::detect::sha256_hex(text.as_bytes()) {
            skipped.push(skip(
                "the article changed since it was annotated: open it in inkmark to re-anchor"
                    .into(),
            ));
            continue;
        }
        let keep = |l: Label| filter.labels.is_empty() || filter.labels.contains(&l);
        let mut entities: Vec<Entity> = file
            .entities
            .into_iter()
            .filter(|e| keep(e.label))
            .collect();
        entities.sort();
        docs.push(Doc {
            article,
            text,
            status: file.status,
            entities,
            suggestions: Vec::new(),
        });
    }
    (docs, skipped)
}

/// Maps code-point offsets of a text to UTF-16 code unit offsets and back. Built on
/// [`CharSlicer`]: the UTF-16 offset is kept at its checkpoints only (a 10 MB article
/// costs 1 MB instead of 28 MB) and the characters in between are walked.
pub struct Utf16<'t> {
    slicer: CharSlicer<'t>,
    /// UTF-16 offset of code point `i * CharSlicer::STRIDE`.
    checkpoints: Vec<usize>,
    /// UTF-16 units of the whole text.
    units: usize,
}

impl<'t> Utf16<'t> {
    pub fn new(text: &'t str) -> Utf16<'t> {
        let mut checkpoints = Vec::with_capacity(text.len() / CharSlicer::STRIDE + 1);
        let mut units = 0;
        for (i, c) in text.chars().enumerate() {
            if i % CharSlicer::STRIDE == 0 {
                checkpoints.push(units);
            }
            units += c.len_utf16();
        }
        Utf16 {
            slicer: CharSlicer::new(text),
            checkpoints,
            units,
        }
    }

    /// The UTF-16 offset of code point `cp` (the text's end past it).
    pub fn to_utf16(&self, cp: usize) -> usize {
        if cp >= self.slicer.len() {
            return self.units;
        }
        let checkpoint = cp / CharSlicer::STRIDE;
        let from = checkpoint * CharSlicer::STRIDE;
        self.checkpoints[checkpoint]
            + self
                .slicer
                .slice(from, cp)
                .chars()
                .map(char::len_utf16)
                .sum::<usize>()
    }

    /// The code point at UTF-16 offset `u` (`None` inside a surrogate pair or past the end).
    pub fn to_code_point(&self, u: usize) -> Option<usize> {
        if u >= self.units {
            return (u == self.units).then_some(self.slicer.len());
        }
        let checkpoint = self.checkpoints.partition_point(|&units| units <= u) - 1;
        let from = checkpoint * CharSlicer::STRIDE;
        let mut units = self.checkpoints[checkpoint];
        let rest = self.slicer.slice(from, self.slicer.len());
        for (k, c) in rest.chars().enumerate() {
            if units == u {
                return Some(from + k);
            }
            if units > u {
                return None;
            }
            units += c.len_utf16();
        }
        None
    }
}

/// Code points `start..end` of `text`.
pub fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Doccano,
    Labelstudio,
    Brat,
    Conll,
    Spacy,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Doccano,
        Format::Labelstudio,
        Format::Brat,
        Format::Conll,
        Format::Spacy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Doccano => "doccano",
            Format::Labelstudio => "labelstudio",
            Format::Brat => "brat",
            Format::Conll => "conll",
            Format::Spacy => "spacy",
        }
    }

    /// Where `E` in the reader writes, under the exports folder.
    pub fn default_file(self) -> &'static str {
        match self {
            Format::Doccano => "doccano.jsonl",
            Format::Labelstudio => "labelstudio.json",
            Format::Brat => "brat",
            Format::Conll => "conll.txt",
            Format::Spacy => "spacy.jsonl",
        }
    }
}

/// The BIO tagging schemes for CoNLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scheme {
    #[default]
    Bio,
    Bioes,
}

/// Writes `docs` in `format` to `out` (a file, or a folder for brat). Returns what was
/// written, for the user.
pub fn write(format: Format, docs: &[Doc], out: &Path, scheme: Scheme) -> std::io::Result<String> {
    use crate::annotation::store::write_atomic;
    let none = |_| Ok(());
    match format {
        Format::Brat => {
            brat::write_dir(docs, out)?;
            Ok(format!(
                "{} articles as .txt + .ann pairs in {}/",
                docs.len(),
                out.display()
            ))
        }
        _ => {
            let text = render(format, docs, scheme);
            write_atomic(out, text.as_bytes(), &none)?;
            Ok(format!("{} articles to {}", docs.len(), out.display()))
        }
    }
}

/// The single-file formats as text.
pub fn render(format: Format, docs: &[Doc], scheme: Scheme) -> String {
    match format {
        Format::Doccano => doccano::render(docs),
        Format::Labelstudio => labelstudio::render(docs),
        Format::Conll => conll::render(docs, scheme),
        Format::Spacy => spacy::render(docs),
        Format::Brat => brat::render_one(docs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_around_astral_characters() {
        let u = Utf16::new("a😀b");
        assert_eq!(
            (u.to_utf16(0), u.to_utf16(1), u.to_utf16(2), u.to_utf16(3)),
            (0, 1, 3, 4)
        );
        assert_eq!(u.to_code_point(3), Some(2));
        assert_eq!(u.to_code_point(2), None, "inside the surrogate pair");
    }

    proptest::proptest! {
        #[test]
        fn sparse_utf16_offsets_match_counting_every_character(text in "[a中😀é]{0,300}") {
            let u = Utf16::new(&text);
            let mut dense = vec![0];
            for c in text.chars() {
                dense.push(dense.last().unwrap() + c.len_utf16());
            }
            for (cp, &units) in dense.iter().enumerate() {
                proptest::prop_assert_eq!(u.to_utf16(cp), units);
            }
            proptest::prop_assert_eq!(u.to_utf16(dense.len() + 5), *dense.last().unwrap());
            for units in 0..dense.last().unwrap() + 3 {
                proptest::prop_assert_eq!(u.to_code_point(units), dense.binary_search(&units).ok());
            }
        }
    }
}
