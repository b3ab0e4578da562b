//! Label Studio: the JSON task list. Confirmed annotations go to `annotations[].result[]`,
//! open suggestions to `predictions`; offsets in UTF-16 code units, as Label Studio counts.
//! The labelling config to pair it with: `<Labels name="label" toName="text">` over
//! `<Text name="text" value="$text"/>`.

use super::import::Imported;
use super::{Doc, Utf16};
use crate::annotation::Source;
use crate::label::{Label, Span};
use serde_json::{json, Value};

fn result(
    u: &Utf16,
    id: String,
    start: usize,
    end: usize,
    text: &str,
    label: Label,
    origin: &str,
) -> Value {
    json!({
        "id": id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": origin,
        "value": {
            "start": u.to_utf16(start),
            "end": u.to_utf16(end),
            "text": text,
            "labels": [label.name()],
        },
    })
}

pub fn render(docs: &[Doc]) -> String {
    let tasks: Vec<Value> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let u = Utf16::new(&d.text);
            let results: Vec<Value> = d
                .entities
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let origin = match e.source {
                        Source::Manual => "manual",
                        Source::Accepted => "prediction",
                    };
                    result(&u, format!("t{}e{}", i + 1, k + 1), e.start, e.end, &e.text, e.label, origin)
                })
                .collect();
            let predictions: Vec<Value> = d
                .suggestions
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let text = super::slice(&d.text, s.start, s.end);
                    result(&u, format!("t{}p{}", i + 1, k + 1), s.start, s.end, &text, s.label, "prediction")
                })
                .collect();
            let mut task = json!({
                "id": i + 1,
                "data": {"text": d.text, "article": d.article},
                "annotations": [{"result": results, "was_cancelled": false}],
            });
            if !predictions.is_empty() {
                task["predictions"] = json!([{"model_version": crate::detect::DETECTOR_VERSION, "result": predictions}]);
            }
            task
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&Value::Array(tasks)).unwrap_or_default();
    out.push('\n');
    out
}

/// Reads a task list (or one task): the first annotation's `labels` results.
pub fn parse(input: &str) -> Result<Vec<Imported>, String> {
    let v: Value = serde_json::from_str(input).map_err(|e| e.to_string())?;
    let tasks = match v {
        Value::Array(a) => a,
        one => vec![one],
    };
    let mut docs = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        let at = |m: String| format!("task {}: {m}", i + 1);
        let text = t
            .pointer("/data/text")
            .and_then(Value::as_str)
            .ok_or_else(|| at("no data.text".into()))?
            .to_string();
        let u = Utf16::new(&text);
        let mut spans = Vec::new();
        let results = t
            .pointer("/annotations/0/result")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in results
            .iter()
            .filter(|r| r.get("type").and_then(Value::as_str) == Some("labels"))
        {
            let (Some(s), Some(e), Some(l)) = (
                r.pointer("/value/start").and_then(Value::as_u64),
                r.pointer("/value/end").and_then(Value::as_u64),
                r.pointer("/value/labels/0").and_then(Value::as_str),
            ) else {
                return Err(at("a result lacks value.start/end/labels".into()));
            };
            let label = Label::parse(l).ok_or_else(|| at(format!("unknown label {l:?}")))?;
            let (Some(s), Some(e)) = (u.to_code_point(s as usize), u.to_code_point(e as usize))
            else {
                return Err(at(format!(
                    "offsets {s}..{e} are not on character boundaries"
                )));
            };
            spans.push(Span::new(s, e, label));
        }
        docs.push(Imported {
            article: t
                .pointer("/data/article")
                .and_then(Value::as_str)
                .map(str::to_string),
            text,
            spans,
        });
    }
    Ok(docs)
}
