//! doccano JSONL: `{"text": …, "label": [[start, end, "PER"], …]}` per article. doccano's
//! default projects count offsets in UTF-16 code units (JavaScript strings; equal to code
//! points for text without astral characters such as emoji or CJK Extension B); projects
//! with "Count grapheme clusters as one character" count grapheme clusters
//! (`--offsets graphemes`), as its editor library v-annotator maps them.

use super::import::{Imported, ImportedSpan};
use super::{Doc, OffsetMap, Offsets};
use crate::label::Span;
use serde_json::{json, Value};

pub fn render(docs: &[Doc], unit: Offsets) -> String {
    let mut out = String::new();
    for d in docs {
        let u = OffsetMap::new(&d.text, unit);
        let labels: Vec<Value> = d
            .entities
            .iter()
            .map(|e| json!([u.start(e.start), u.end(e.end), e.label.name()]))
            .collect();
        let line =
            json!({"text": d.text, "label": labels, "article": d.article, "status": d.status});
        super::push_jsonl_line(&mut out, &line.to_string());
    }
    out
}

/// Reads doccano JSONL (`label` as `[[s, e, "L"]]`, or the newer `entities` objects with
/// `start_offset`/`end_offset`/`label`), offsets counted in `unit`.
pub fn parse(input: &str, unit: Offsets) -> Result<Vec<Imported>, String> {
    let mut docs = Vec::new();
    for (n, line) in input
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = |m: String| format!("line {}: {m}", n + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let text = v
            .get("text")
            .or_else(|| v.get("data"))
            .and_then(Value::as_str)
            .ok_or_else(|| at("no \"text\"".into()))?
            .to_string();
        let u = OffsetMap::new(&text, unit);
        let mut spans = Vec::new();
        let mut problems = Vec::new();
        let mut push = |s: u64, e: u64, l: &str| {
            let place = format!("line {}", n + 1);
            let (label, foreign) = super::import::foreign_label(l);
            let (Some(cs), Some(ce)) = (u.to_code_point(s as usize), u.to_code_point(e as usize))
            else {
                problems.push(format!(
                    "{place}: {label} {} offsets {s}..{e} are not on character boundaries \
                     of the text; skipped",
                    unit.name()
                ));
                return;
            };
            spans.push(ImportedSpan {
                span: Span::new(cs, ce, label),
                at: place,
                foreign,
            });
        };
        if let Some(list) = v
            .get("label")
            .or_else(|| v.get("labels"))
            .and_then(Value::as_array)
        {
            for item in list {
                let a = item
                    .as_array()
                    .ok_or_else(|| at("a label is not [start, end, label]".into()))?;
                match (
                    a.first().and_then(Value::as_u64),
                    a.get(1).and_then(Value::as_u64),
                    a.get(2).and_then(Value::as_str),
                ) {
                    (Some(s), Some(e), Some(l)) => push(s, e, l),
                    _ => return Err(at("a label is not [start, end, label]".into())),
                }
            }
        }
        if let Some(list) = v.get("entities").and_then(Value::as_array) {
            for item in list {
                match (
                    item.get("start_offset").and_then(Value::as_u64),
                    item.get("end_offset").and_then(Value::as_u64),
                    item.get("label").and_then(Value::as_str),
                ) {
                    (Some(s), Some(e), Some(l)) => push(s, e, l),
                    _ => return Err(at("an entity lacks start_offset/end_offset/label".into())),
                }
            }
        }
        let status = match super::import::status_of(v.get("status"), &format!("line {}", n + 1)) {
            Ok(s) => s,
            Err(p) => {
                problems.push(p);
                None
            }
        };
        docs.push(Imported {
            article: v.get("article").and_then(Value::as_str).map(str::to_string),
            text,
            spans,
            problems,
            status,
        });
    }
    Ok(docs)
}
