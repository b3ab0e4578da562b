//! doccano JSONL: `{"text": …, "label": [[start, end, "PER"], …]}` per article. doccano
//! counts offsets in UTF-16 code units (JavaScript strings); they equal code points for
//! text without astral characters (emoji, rare CJK extensions).

use super::import::Imported;
use super::{Doc, Utf16};
use crate::label::{Label, Span};
use serde_json::{json, Value};

pub fn render(docs: &[Doc]) -> String {
    let mut out = String::new();
    for d in docs {
        let u = Utf16::new(&d.text);
        let labels: Vec<Value> = d
            .entities
            .iter()
            .map(|e| json!([u.to_utf16(e.start), u.to_utf16(e.end), e.label.name()]))
            .collect();
        let line =
            json!({"text": d.text, "label": labels, "article": d.article, "status": d.status});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// Reads doccano JSONL (`label` as `[[s, e, "L"]]`, or the newer `entities` objects with
/// `start_offset`/`end_offset`/`label`).
pub fn parse(input: &str) -> Result<Vec<Imported>, String> {
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
        let u = Utf16::new(&text);
        let mut spans = Vec::new();
        let mut push = |s: u64, e: u64, l: &str| -> Result<(), String> {
            let label = Label::parse(l).ok_or_else(|| at(format!("unknown label {l:?}")))?;
            let (Some(s), Some(e)) = (u.to_code_point(s as usize), u.to_code_point(e as usize))
            else {
                return Err(at(format!(
                    "offsets {s}..{e} are not on character boundaries of the text"
                )));
            };
            spans.push(Span::new(s, e, label));
            Ok(())
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
                    (Some(s), Some(e), Some(l)) => push(s, e, l)?,
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
                    (Some(s), Some(e), Some(l)) => push(s, e, l)?,
                    _ => return Err(at("an entity lacks start_offset/end_offset/label".into())),
                }
            }
        }
        docs.push(Imported {
            article: v.get("article").and_then(Value::as_str).map(str::to_string),
            text,
            spans,
        });
    }
    Ok(docs)
}
