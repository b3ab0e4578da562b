//! spaCy / Prodigy JSONL: `{"text": …, "spans": [{"start", "end", "label"}]}` per article,
//! offsets in code points (Python string indices).

use super::import::{Imported, ImportedSpan};
use super::Doc;
use crate::label::Span;
use serde_json::{json, Value};

pub fn render(docs: &[Doc]) -> String {
    let mut out = String::new();
    for d in docs {
        let spans: Vec<Value> = d
            .entities
            .iter()
            .map(|e| json!({"start": e.start, "end": e.end, "label": e.label.name(), "text": e.text}))
            .collect();
        let line = json!({"text": d.text, "spans": spans, "meta": {"article": d.article, "status": d.status}});
        super::push_jsonl_line(&mut out, &line.to_string());
    }
    out
}

/// Reads the JSONL back (`spans` objects, or spaCy v2 `entities` as `[[s, e, "L"]]`).
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
            .and_then(Value::as_str)
            .ok_or_else(|| at("no \"text\"".into()))?
            .to_string();
        let mut spans = Vec::new();
        let mut problems = Vec::new();
        let mut check = super::import::TextCheck::new(&text, super::Offsets::Codepoints);
        let items = v
            .get("spans")
            .or_else(|| v.get("entities"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (k, item) in items.into_iter().enumerate() {
            let place = format!("line {} span {}", n + 1, k + 1);
            let (s, e, l) = match &item {
                Value::Array(a) => (a.first(), a.get(1), a.get(2)),
                obj => (obj.get("start"), obj.get("end"), obj.get("label")),
            };
            // One malformed span is that span's problem: the rest of the line is imported.
            let fields = offset(s, "start").and_then(|s| {
                let e = offset(e, "end")?;
                let l = l
                    .and_then(Value::as_str)
                    .ok_or_else(|| "no label (a string)".to_string())?;
                Ok((s, e, l))
            });
            let (s, e, l) = match fields {
                Ok(f) => f,
                Err(why) => {
                    problems.push(format!("{place}: {why}; not imported"));
                    continue;
                }
            };
            let (label, foreign) = super::import::foreign_label(l);
            let written = item.get("text").and_then(Value::as_str);
            if let Some(p) = check.differs(&place, (s, e), (s, e), written) {
                problems.push(p);
                continue;
            }
            spans.push(ImportedSpan {
                span: Span::new(s, e, label),
                at: place,
                foreign,
            });
        }
        problems.extend(
            check.hint("spaCy counts code points (Python string indices); convert the offsets"),
        );
        drop(check);
        let article = v
            .pointer("/meta/article")
            .and_then(Value::as_str)
            .map(str::to_string);
        docs.push(Imported {
            article,
            text,
            spans,
            problems,
            status: None,
        });
    }
    Ok(docs)
}

/// A span's `start` or `end`: a code-point offset, so a whole number from 0.
fn offset(v: Option<&Value>, name: &str) -> Result<usize, String> {
    let Some(v) = v else {
        return Err(format!("no {name}"));
    };
    if let Some(n) = v.as_u64() {
        return Ok(n as usize);
    }
    Err(match v.as_f64() {
        Some(x) if x < 0.0 => format!("{name} {v} is negative"),
        Some(_) => format!("{name} {v} is not a whole number"),
        None => format!("{name} {v} is not a number"),
    })
}
