//! CoNLL, character level: one character and its tag per line (`--sep tab` by default, as
//! the MSRA and People's Daily files; `--sep space`), a blank line between sentences (after
//! 。！？ and at line ends, but never inside an entity). Whitespace is not written (it has
//! no tag there): every character Python's `str.split()` strips, which includes
//! U+001C..U+001F, so readers that split at whitespace see every entity whole. BIO (IOB2)
//! by default, BIOES on request; the tags are placed on the written characters, so an
//! entity that starts or ends with whitespace still opens with `B-` and closes with `E-`.
//! `--docstart` writes `-DOCSTART- -X- O O` before each article, the line
//! `spacy convert --converter ner` splits documents at.

use super::import::{Imported, ImportedSpan};
use super::{is_line_break, Doc, Options, Scheme, Sep};
use crate::label::{Label, Span};

/// The document separator of CoNLL-2003, as `spacy convert` and HuggingFace's readers
/// recognise it.
pub const DOCSTART: &str = "-DOCSTART- -X- O O";

/// One character's tag: its position in an entity and the entity's label. Two bytes a
/// character, not a `String` (a 10 MB article has 3.5 million).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    O,
    B(Label),
    I(Label),
    E(Label),
    S(Label),
}

impl Tag {
    fn write(self, out: &mut String) {
        let (prefix, label) = match self {
            Tag::O => {
                out.push('O');
                return;
            }
            Tag::B(l) => ("B-", l),
            Tag::I(l) => ("I-", l),
            Tag::E(l) => ("E-", l),
            Tag::S(l) => ("S-", l),
        };
        out.push_str(prefix);
        out.push_str(label.name());
    }

    /// Inside an entity that began on an earlier character.
    fn continues(self) -> bool {
        matches!(self, Tag::I(_) | Tag::E(_))
    }
}

/// Characters CoNLL does not write: whitespace as Python's `str.split()` sees it (Rust's
/// `char::is_whitespace` plus the information separators U+001C..U+001F).
pub fn is_skipped(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The text's characters and their tags; skipped characters get `O`, and an entity's tags
/// go on its written characters only.
fn tags(doc: &Doc, scheme: Scheme) -> (Vec<char>, Vec<Tag>) {
    let chars: Vec<char> = doc.text.chars().collect();
    let n = chars.len();
    let mut tags = vec![Tag::O; n];
    for e in &doc.entities {
        let l = e.label;
        let written: Vec<usize> = (e.start..e.end.min(n))
            .filter(|&k| !is_skipped(chars[k]))
            .collect();
        let last = written.len().saturating_sub(1);
        for (i, &k) in written.iter().enumerate() {
            tags[k] = match scheme {
                Scheme::Bio if i == 0 => Tag::B(l),
                Scheme::Bio => Tag::I(l),
                Scheme::Bioes if written.len() == 1 => Tag::S(l),
                Scheme::Bioes if i == 0 => Tag::B(l),
                Scheme::Bioes if i == last => Tag::E(l),
                Scheme::Bioes => Tag::I(l),
            };
        }
    }
    (chars, tags)
}

/// BIO or BIOES with the other options at their defaults (tab, no `-DOCSTART-`).
pub fn render(docs: &[Doc], scheme: Scheme) -> String {
    render_opts(
        docs,
        &Options {
            scheme,
            ..Options::default()
        },
    )
}

pub fn render_opts(docs: &[Doc], options: &Options) -> String {
    let sep = match options.sep {
        Sep::Tab => '\t',
        Sep::Space => ' ',
    };
    let mut out = String::new();
    for d in docs {
        if options.docstart {
            out.push_str(DOCSTART);
            out.push_str("\n\n");
        }
        let (chars, tags) = tags(d, options.scheme);
        let mut open = false; // a sentence has lines not yet closed by a blank line
        let mut due = false; // a sentence may end before the next written character
        for (&c, &tag) in chars.iter().zip(&tags) {
            if is_line_break(c) {
                due = true;
            }
            if is_skipped(c) {
                continue;
            }
            if due && open && !tag.continues() {
                out.push('\n');
            }
            due = false;
            out.push(c);
            out.push(sep);
            tag.write(&mut out);
            out.push('\n');
            open = true;
            if matches!(c, '。' | '！' | '？') {
                due = true;
            }
        }
        if open {
            out.push('\n');
        }
    }
    out
}

/// Reads character-level BIO / BIOES; articles split at `-DOCSTART-`, sentences joined by
/// line breaks. I-X that does not continue an X starts one (as conlleval does).
pub fn parse(input: &str) -> Result<Vec<Imported>, String> {
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut spans: Vec<ImportedSpan> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut chars = 0;
    // The open entity: its first character, label (with its foreign name) and line.
    type Open = Option<(usize, (Label, Option<String>), usize)>;
    let mut open: Open = None;
    let mut in_sentence = false;
    let close = |open: &mut Open, spans: &mut Vec<ImportedSpan>, at: usize| {
        if let Some((s, (l, foreign), line)) = open.take() {
            spans.push(ImportedSpan {
                span: Span::new(s, at, l),
                at: format!("line {line}"),
                foreign,
            });
        }
    };
    let mut flush_doc = |text: &mut String,
                         spans: &mut Vec<ImportedSpan>,
                         problems: &mut Vec<String>,
                         chars: &mut usize| {
        if !text.is_empty() {
            docs.push(Imported {
                article: None,
                text: std::mem::take(text),
                spans: std::mem::take(spans),
                problems: std::mem::take(problems),
                status: None,
            });
        }
        *chars = 0;
    };
    for (n, line) in input.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-DOCSTART-") {
            close(&mut open, &mut spans, chars);
            flush_doc(&mut text, &mut spans, &mut problems, &mut chars);
            in_sentence = false;
            continue;
        }
        if line.trim().is_empty() {
            close(&mut open, &mut spans, chars);
            if in_sentence {
                text.push('\n');
                chars += 1;
                in_sentence = false;
            }
            continue;
        }
        let (ch, tag) = match line.split_once('\t').or_else(|| line.rsplit_once(' ')) {
            Some((c, t)) => (c.trim(), t.trim()),
            None => return Err(format!("line {}: expected CHAR TAG", n + 1)),
        };
        let (prefix, label) = match tag.split_once('-') {
            Some((p, l)) => (p, Some(super::import::foreign_label(l))),
            None if tag == "O" => ("O", None),
            None => return Err(format!("line {}: unknown tag {tag:?}", n + 1)),
        };
        let continues =
            matches!((prefix, &open, &label), ("I" | "E", Some((_, l, _)), Some(x)) if l == x);
        if !continues {
            close(&mut open, &mut spans, chars);
            if let Some(l) = label {
                open = Some((chars, l, n + 1));
            }
        }
        text.push_str(ch);
        chars += ch.chars().count();
        in_sentence = true;
        if matches!(prefix, "E" | "S") {
            close(&mut open, &mut spans, chars);
        }
    }
    close(&mut open, &mut spans, chars);
    if text.ends_with('\n') {
        text.pop();
    }
    flush_doc(&mut text, &mut spans, &mut problems, &mut chars);
    for d in &mut docs {
        while d.text.ends_with('\n') {
            d.text.pop();
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, spans: &[(&str, Label)]) -> Doc {
        super::super::test_doc("a.txt", text, spans)
    }

    /// The sentences of a rendering, each as its (character, tag) lines split at whitespace
    /// (as `spacy convert` and seqeval scripts read them).
    fn sentences(out: &str) -> Vec<Vec<(String, String)>> {
        out.split("\n\n")
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.lines()
                    .map(|l| {
                        let cols: Vec<&str> = l.split_whitespace().collect();
                        (cols[0].to_string(), cols[cols.len() - 1].to_string())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn an_entity_across_a_line_break_stays_in_one_sentence() {
        let d = doc(
            "通报：郑州市卫生\n健康委员会发布。\n次日",
            &[("郑州市卫生\n健康委员会", Label::ORG)],
        );
        for scheme in [Scheme::Bio, Scheme::Bioes] {
            let out = render(std::slice::from_ref(&d), scheme);
            let sents = sentences(&out);
            assert_eq!(sents.len(), 2, "{out}");
            let tags: Vec<&str> = sents[0].iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(tags[3..7], ["B-ORG", "I-ORG", "I-ORG", "I-ORG"]);
            let last = if scheme == Scheme::Bio {
                "I-ORG"
            } else {
                "E-ORG"
            };
            assert_eq!(tags[12], last, "{out}");
            assert_eq!(tags[13], "O");
        }
    }

    #[test]
    fn tab_by_default_space_on_request_and_the_conll_2003_docstart() {
        let d = doc("高轶鹏", &[("高轶鹏", Label::PER)]);
        assert!(render(std::slice::from_ref(&d), Scheme::Bio).starts_with("高\tB-PER\n"));
        let options = Options {
            sep: Sep::Space,
            docstart: true,
            ..Options::default()
        };
        let out = render_opts(&[d], &options);
        assert!(out.starts_with("-DOCSTART- -X- O O\n\n高 B-PER\n"), "{out}");
        // Import reads both separators and the new document line.
        let back = parse(&out).unwrap();
        assert_eq!(back[0].spans[0].span, Span::new(0, 3, Label::PER));
    }

    /// U+001F and other characters Python's `split()` strips are not written, so a
    /// whitespace-splitting reader does not see an empty token inside the entity; an
    /// entity opening with whitespace still starts with `B-`.
    #[test]
    fn characters_python_strips_are_left_out_and_tags_go_on_written_characters() {
        let d = doc(
            "在郑州\u{1f}市和\u{3000}北京",
            &[("郑州\u{1f}市", Label::LOC), ("\u{3000}北京", Label::LOC)],
        );
        let out = render(std::slice::from_ref(&d), Scheme::Bio);
        assert!(
            !out.contains('\u{1f}') && !out.contains('\u{3000}'),
            "{out:?}"
        );
        let tags: Vec<String> = sentences(&out)[0].iter().map(|(_, t)| t.clone()).collect();
        assert_eq!(
            tags,
            ["O", "B-LOC", "I-LOC", "I-LOC", "O", "B-LOC", "I-LOC"]
        );
        let out = render(&[d], Scheme::Bioes);
        let tags: Vec<String> = sentences(&out)[0].iter().map(|(_, t)| t.clone()).collect();
        assert_eq!(
            tags,
            ["O", "B-LOC", "I-LOC", "E-LOC", "O", "B-LOC", "E-LOC"]
        );
    }
}
