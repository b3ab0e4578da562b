//! CoNLL, character level: one character and its tag per line, a blank line between
//! sentences (split after 。！？ and at line ends), as the MSRA and People's Daily sets are
//! laid out. Whitespace is not written (it has no tag there). BIO by default, BIOES on
//! request. `-DOCSTART- O` lines separate articles when asked (`--docstart`).

use super::import::Imported;
use super::{Doc, Scheme};
use crate::label::{Label, Span};

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
}

fn tags(doc: &Doc, scheme: Scheme) -> Vec<Tag> {
    let n = doc.text.chars().count();
    let mut tags = vec![Tag::O; n];
    for e in &doc.entities {
        let l = e.label;
        for (k, tag) in tags.iter_mut().enumerate().take(e.end.min(n)).skip(e.start) {
            let single = e.end - e.start == 1;
            *tag = match scheme {
                Scheme::Bio if k == e.start => Tag::B(l),
                Scheme::Bio => Tag::I(l),
                Scheme::Bioes if single => Tag::S(l),
                Scheme::Bioes if k == e.start => Tag::B(l),
                Scheme::Bioes if k + 1 == e.end => Tag::E(l),
                Scheme::Bioes => Tag::I(l),
            };
        }
    }
    tags
}

pub fn render(docs: &[Doc], scheme: Scheme) -> String {
    render_with(docs, scheme, false)
}

pub fn render_with(docs: &[Doc], scheme: Scheme, docstart: bool) -> String {
    let mut out = String::new();
    for d in docs {
        if docstart {
            out.push_str("-DOCSTART- O\n\n");
        }
        let tags = tags(d, scheme);
        let mut open = false; // a sentence has lines not yet closed by a blank line
        for (c, tag) in d.text.chars().zip(&tags) {
            if c == '\n' || c == '\r' {
                if open {
                    out.push('\n');
                    open = false;
                }
                continue;
            }
            if c.is_whitespace() {
                continue;
            }
            out.push(c);
            out.push(' ');
            tag.write(&mut out);
            out.push('\n');
            open = true;
            if matches!(c, '。' | '！' | '？') {
                out.push('\n');
                open = false;
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
    let mut spans: Vec<Span> = Vec::new();
    let mut chars = 0;
    let mut open: Option<(usize, Label)> = None;
    let mut in_sentence = false;
    let close = |open: &mut Option<(usize, Label)>, spans: &mut Vec<Span>, at: usize| {
        if let Some((s, l)) = open.take() {
            spans.push(Span::new(s, at, l));
        }
    };
    let mut flush_doc = |text: &mut String, spans: &mut Vec<Span>, chars: &mut usize| {
        if !text.is_empty() {
            docs.push(Imported {
                article: None,
                text: std::mem::take(text),
                spans: std::mem::take(spans),
            });
        }
        *chars = 0;
    };
    for (n, line) in input.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-DOCSTART-") {
            close(&mut open, &mut spans, chars);
            flush_doc(&mut text, &mut spans, &mut chars);
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
            Some((p, l)) => (
                p,
                Some(
                    Label::parse(l)
                        .ok_or_else(|| format!("line {}: unknown label {l:?}", n + 1))?,
                ),
            ),
            None if tag == "O" => ("O", None),
            None => return Err(format!("line {}: unknown tag {tag:?}", n + 1)),
        };
        let continues =
            matches!((prefix, &open, label), ("I" | "E", Some((_, l)), Some(x)) if *l == x);
        if !continues {
            close(&mut open, &mut spans, chars);
            if let Some(l) = label {
                open = Some((chars, l));
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
    flush_doc(&mut text, &mut spans, &mut chars);
    for d in &mut docs {
        while d.text.ends_with('\n') {
            d.text.pop();
        }
    }
    Ok(docs)
}
