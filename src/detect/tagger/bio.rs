//! Character-level BIO corpora (`CHAR<TAB>TAG` per line, a blank line between sentences),
//! the format of ../shared/data and of `ner_eval.py`.

use std::path::Path;

/// One sentence with its entities: code-point spans and label names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub text: String,
    pub spans: Vec<(usize, usize, String)>,
}

/// Reads a BIO file. `S-`/`E-` are read as `B-`/`I-`; an `I-X` that does not continue an
/// entity of type X starts one (conlleval's rule, as the scorer does).
pub fn read(path: &Path) -> std::io::Result<Vec<Sentence>> {
    let raw = std::fs::read_to_string(path)?;
    Ok(parse(&raw))
}

/// [`read`] of a string.
pub fn parse(raw: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut tags: Vec<String> = Vec::new();
    let flush = |text: &mut String, tags: &mut Vec<String>, out: &mut Vec<Sentence>| {
        if !text.is_empty() {
            out.push(Sentence {
                text: std::mem::take(text),
                spans: decode(tags),
            });
        }
        tags.clear();
    };
    for line in raw.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            flush(&mut text, &mut tags, &mut out);
            continue;
        }
        let (ch, tag) = match line.split_once('\t') {
            Some((c, t)) => (c, t.trim()),
            None => match line.rsplit_once(' ') {
                Some((c, t)) => (c, t.trim()),
                None => continue,
            },
        };
        let Some(c) = ch.chars().next() else { continue };
        text.push(c);
        tags.push(tag.to_string());
    }
    flush(&mut text, &mut tags, &mut out);
    out
}

/// Entities of a tag sequence, conlleval style.
pub fn decode(tags: &[String]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (kind, label) = match tag.split_once('-') {
            Some((k, l)) => (k, l),
            None => ("O", ""),
        };
        let continues = matches!(kind, "I" | "E") && open.as_ref().is_some_and(|(_, l)| l == label);
        if !continues {
            if let Some((s, l)) = open.take() {
                out.push((s, i, l));
            }
            if matches!(kind, "B" | "S" | "I" | "E") {
                open = Some((i, label.to_string()));
            }
        }
    }
    if let Some((s, l)) = open.take() {
        out.push((s, tags.len(), l));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_and_entities_conlleval_style() {
        let raw = "我\tO\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n张\tI-PER\n三\tI-PER\n说\tO\n中\tS-LOC\n";
        let s = parse(raw);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "我在北京");
        assert_eq!(s[0].spans, vec![(2, 4, "LOC".to_string())]);
        assert_eq!(
            s[1].spans,
            vec![(0, 2, "PER".to_string()), (3, 4, "LOC".to_string())]
        );
    }
}
