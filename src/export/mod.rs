//! Exporting annotation sets to the formats NLP tools read, and importing them back.
//! One module per format; offsets are converted where a consumer counts differently
//! (doccano counts UTF-16 code units, or grapheme clusters in its grapheme mode; Label
//! Studio counts code points, UTF-16 units before its PR #1559).

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
        let file = match Store::open_for(&annotation_path(annotations, &entry.rel), &entry.rel) {
            Ok((_, Loaded::Found(f))) => f,
            Ok((_, Loaded::Missing)) => continue,
            Ok((_, Loaded::Corrupt(e))) => {
                skipped.push(skip(format!("annotation file: {}", e.describe())));
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

/// The unit a format's offsets count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Offsets {
    /// Unicode code points (Python string indices): spaCy, brat, Label Studio.
    Codepoints,
    /// UTF-16 code units (JavaScript string indices): doccano's default projects, Label
    /// Studio before it counted code points.
    Utf16,
    /// Extended grapheme clusters: doccano projects with "Count grapheme clusters as one
    /// character".
    Graphemes,
}

impl Offsets {
    pub fn name(self) -> &'static str {
        match self {
            Offsets::Codepoints => "codepoints",
            Offsets::Utf16 => "utf16",
            Offsets::Graphemes => "graphemes",
        }
    }
}

/// Converts code-point offsets of one text to the offsets a format counts in, and back.
pub enum OffsetMap<'t> {
    CodePoints(usize),
    Utf16(Utf16<'t>),
    /// The code-point offset where each grapheme cluster starts, then the text's length.
    Graphemes(Vec<usize>),
}

impl<'t> OffsetMap<'t> {
    pub fn new(text: &'t str, unit: Offsets) -> OffsetMap<'t> {
        match unit {
            Offsets::Codepoints => OffsetMap::CodePoints(text.chars().count()),
            Offsets::Utf16 => OffsetMap::Utf16(Utf16::new(text)),
            Offsets::Graphemes => {
                use unicode_segmentation::UnicodeSegmentation;
                let mut starts = Vec::new();
                let mut cp = 0;
                for g in text.graphemes(true) {
                    starts.push(cp);
                    cp += g.chars().count();
                }
                starts.push(cp);
                OffsetMap::Graphemes(starts)
            }
        }
    }

    /// The offset of a span's start at code point `cp` (in graphemes: the cluster holding it).
    pub fn start(&self, cp: usize) -> usize {
        match self {
            OffsetMap::CodePoints(len) => cp.min(*len),
            OffsetMap::Utf16(u) => u.to_utf16(cp),
            OffsetMap::Graphemes(starts) => starts.partition_point(|&s| s <= cp).max(1) - 1,
        }
    }

    /// The offset of a span's end at code point `cp` (in graphemes: past the cluster
    /// holding the last character).
    pub fn end(&self, cp: usize) -> usize {
        match self {
            OffsetMap::Graphemes(starts) => {
                starts.partition_point(|&s| s < cp).min(starts.len() - 1)
            }
            _ => self.start(cp),
        }
    }

    /// The code point at `offset`; `None` past the end or inside a UTF-16 surrogate pair.
    pub fn to_code_point(&self, offset: usize) -> Option<usize> {
        match self {
            OffsetMap::CodePoints(len) => (offset <= *len).then_some(offset),
            OffsetMap::Utf16(u) => u.to_code_point(offset),
            OffsetMap::Graphemes(starts) => starts.get(offset).copied(),
        }
    }
}

/// Line breaks as Python's `str.splitlines()` (and so brat's line reader) sees them:
/// `\n`, `\r`, vertical tab, form feed, U+001C..U+001E, U+0085, U+2028 and U+2029.
/// Exports never let one of them fall inside a line of their own syntax.
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}'..='\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Appends one JSON value as a JSONL line. JSON allows U+0085, U+2028 and U+2029 raw in
/// strings, but readers that split lines with Python's `splitlines()` (or JavaScript's
/// line terminators) would cut the record there, so they are written as escapes.
pub fn push_jsonl_line(out: &mut String, json: &str) {
    for c in json.chars() {
        match c {
            '\u{85}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\n');
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

/// How CoNLL separates a character from its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sep {
    /// A tab: the MSRA / People's Daily files, HuggingFace's MSRA reader (splits at tabs),
    /// `spacy convert` and any reader that splits at whitespace.
    #[default]
    Tab,
    /// A space: CoNLL-2003 style readers that split at single spaces.
    Space,
}

/// Everything a writer may be asked besides the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// CoNLL tagging scheme.
    pub scheme: Scheme,
    /// CoNLL column separator.
    pub sep: Sep,
    /// CoNLL: a `-DOCSTART- -X- O O` line before each article.
    pub docstart: bool,
    /// The offset unit; `None` takes the format's default.
    pub offsets: Option<Offsets>,
}

impl Format {
    /// The offset units the format can be written and read in, the default first (none
    /// for CoNLL, which has one line per character).
    pub fn offset_units(self) -> &'static [Offsets] {
        match self {
            Format::Doccano => &[Offsets::Utf16, Offsets::Graphemes],
            Format::Labelstudio => &[Offsets::Codepoints, Offsets::Utf16],
            Format::Brat | Format::Spacy => &[Offsets::Codepoints],
            Format::Conll => &[],
        }
    }

    /// The unit to use: `asked`, if the format counts that way, else its default.
    pub fn offsets(self, asked: Option<Offsets>) -> Result<Offsets, String> {
        let units = self.offset_units();
        match (asked, units.first()) {
            (None, Some(&default)) => Ok(default),
            (Some(a), _) if units.contains(&a) => Ok(a),
            (Some(a), _) => Err(format!(
                "{} offsets cannot be {}{}",
                self.name(),
                a.name(),
                if units.is_empty() {
                    " (CoNLL has no offsets)".to_string()
                } else {
                    let names: Vec<&str> = units.iter().map(|u| u.name()).collect();
                    format!(" (it takes {})", names.join(" or "))
                }
            )),
            (None, None) => Ok(Offsets::Codepoints),
        }
    }
}

/// Writes `docs` in `format` to `out` (a file, or a folder for brat). Returns what was
/// written, for the user.
pub fn write(format: Format, docs: &[Doc], out: &Path, scheme: Scheme) -> std::io::Result<String> {
    let options = Options {
        scheme,
        ..Options::default()
    };
    write_with(format, docs, out, &options)
}

/// [`write`] with every option.
pub fn write_with(
    format: Format,
    docs: &[Doc],
    out: &Path,
    options: &Options,
) -> std::io::Result<String> {
    write_labelled(
        format,
        docs,
        out,
        options,
        &crate::label::LabelSet::default(),
    )
}

/// The file beside a Label Studio export that holds its labelling config
/// (`labelstudio.json` -> `labelstudio-config.xml`).
pub fn label_config_path(out: &Path) -> std::path::PathBuf {
    let stem = out
        .file_stem()
        .map_or("labelstudio".into(), |s| s.to_string_lossy());
    out.with_file_name(format!("{stem}-config.xml"))
}

/// [`write_with`] for a corpus's labels: brat's `annotation.conf` and `visual.conf`, and
/// Label Studio's labelling config beside the task list, come from the set.
pub fn write_labelled(
    format: Format,
    docs: &[Doc],
    out: &Path,
    options: &Options,
    labels: &crate::label::LabelSet,
) -> std::io::Result<String> {
    use crate::annotation::store::write_atomic;
    let none = |_| Ok(());
    match format {
        Format::Labelstudio => {
            let text = render_with(format, docs, options)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            let config = label_config_path(out);
            write_atomic(&config, labelstudio::label_config(labels).as_bytes(), &none)?;
            write_atomic(out, text.as_bytes(), &none)?;
            Ok(format!(
                "{} to {} (labelling config: {})",
                crate::text::count(docs.len(), "article", "articles"),
                out.display(),
                config.display()
            ))
        }
        Format::Brat => {
            brat::write_dir_with(docs, out, labels)?;
            // Say where an article went that could not take its usual name.
            let moved: Vec<String> = docs
                .iter()
                .zip(brat::txt_names(docs))
                .filter(|(d, n)| *n != d.article && *n != format!("{}.txt", d.article))
                .map(|(d, n)| format!("{} as {n}", d.article))
                .collect();
            let note = if moved.is_empty() {
                String::new()
            } else {
                format!(
                    " ({}: another article has its usual name)",
                    moved.join(", ")
                )
            };
            Ok(format!(
                "{} as .txt + .ann pairs in {}/{note}",
                crate::text::count(docs.len(), "article", "articles"),
                out.display()
            ))
        }
        _ => {
            let text = render_with(format, docs, options)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            write_atomic(out, text.as_bytes(), &none)?;
            Ok(format!(
                "{} to {}",
                crate::text::count(docs.len(), "article", "articles"),
                out.display()
            ))
        }
    }
}

/// The single-file formats as text, with the defaults of every option but `scheme`.
pub fn render(format: Format, docs: &[Doc], scheme: Scheme) -> String {
    let options = Options {
        scheme,
        ..Options::default()
    };
    render_with(format, docs, &options).unwrap_or_default()
}

/// The single-file formats as text; an error for an offset unit the format cannot take.
pub fn render_with(format: Format, docs: &[Doc], options: &Options) -> Result<String, String> {
    let unit = format.offsets(options.offsets)?;
    Ok(match format {
        Format::Doccano => doccano::render(docs, unit),
        Format::Labelstudio => labelstudio::render(docs, unit),
        Format::Conll => conll::render_opts(docs, options),
        Format::Spacy => spacy::render(docs),
        Format::Brat => brat::render_one(docs),
    })
}

/// A done document whose entities are the first occurrence of each word (tests).
#[cfg(test)]
pub(crate) fn test_doc(article: &str, text: &str, words: &[(&str, Label)]) -> Doc {
    let entities = words
        .iter()
        .map(|&(word, label)| {
            let b = text.find(word).unwrap();
            let start = text[..b].chars().count();
            Entity {
                start,
                end: start + word.chars().count(),
                label,
                text: word.to_string(),
                source: crate::annotation::Source::Manual,
                by: Vec::new(),
            }
        })
        .collect();
    Doc {
        article: article.into(),
        text: text.into(),
        status: Status::Done,
        entities,
        suggestions: Vec::new(),
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

    /// U+2028 / U+0085 in a text must not split its JSONL record for line readers that
    /// break there (Python's `splitlines()`), and the JSON still reads back the same.
    #[test]
    fn jsonl_records_survive_every_line_splitter() {
        let mut out = String::new();
        let json = serde_json::json!({"text": "a\u{2028}b\u{85}c\u{2029}\n"}).to_string();
        push_jsonl_line(&mut out, &json);
        let lines: Vec<&str> = out
            .split(['\n', '\u{85}', '\u{2028}', '\u{2029}'])
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 1, "{out:?}");
        let back: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(back["text"], "a\u{2028}b\u{85}c\u{2029}\n");
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
