//! Label Studio: the JSON task list. Confirmed annotations go to `annotations[].result[]`,
//! open suggestions to `predictions`; offsets in UTF-16 code units, as Label Studio counts.
//! The labelling config to pair it with: `<Labels name="label" toName="text">` over
//! `<Text name="text" value="$text"/>`.

use super::import::Imported;
use super::{Doc, Utf16};
use crate::annotation::Source;
use crate::detect::CharSlicer;
use crate::label::{Label, Span};
use serde::Serialize;
use serde_json::Value;

/// One `labels` result, in Label Studio's field order.
#[derive(Serialize)]
struct LabelResult<'a> {
    id: String,
    from_name: &'static str,
    to_name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    origin: &'static str,
    value: LabelValue<'a>,
}

#[derive(Serialize)]
struct LabelValue<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    labels: [&'static str; 1],
}

#[derive(Serialize)]
struct Task<'a> {
    id: usize,
    data: TaskData<'a>,
    annotations: [Annotation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    predictions: Vec<Prediction<'a>>,
}

#[derive(Serialize)]
struct TaskData<'a> {
    text: &'a str,
    article: &'a str,
}

#[derive(Serialize)]
struct Annotation<'a> {
    result: Vec<LabelResult<'a>>,
    was_cancelled: bool,
}

#[derive(Serialize)]
struct Prediction<'a> {
    model_version: &'static str,
    result: Vec<LabelResult<'a>>,
}

fn result<'a>(
    u: &Utf16,
    id: String,
    span: (usize, usize, Label),
    text: &'a str,
    origin: &'static str,
) -> LabelResult<'a> {
    let (start, end, label) = span;
    LabelResult {
        id,
        from_name: "label",
        to_name: "text",
        kind: "labels",
        origin,
        value: LabelValue {
            start: u.to_utf16(start),
            end: u.to_utf16(end),
            text,
            labels: [label.name()],
        },
    }
}

pub fn render(docs: &[Doc]) -> String {
    let tasks: Vec<Task> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let u = Utf16::new(&d.text);
            let confirmed: Vec<LabelResult> = d
                .entities
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let origin = match e.source {
                        Source::Manual => "manual",
                        Source::Accepted => "prediction",
                    };
                    let id = format!("t{}e{}", i + 1, k + 1);
                    result(&u, id, (e.start, e.end, e.label), &e.text, origin)
                })
                .collect();
            let slicer = CharSlicer::new(&d.text);
            let predicted: Vec<LabelResult> = d
                .suggestions
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let id = format!("t{}p{}", i + 1, k + 1);
                    let text = slicer.slice(s.start, s.end);
                    result(&u, id, (s.start, s.end, s.label), text, "prediction")
                })
                .collect();
            let predictions = if predicted.is_empty() {
                Vec::new()
            } else {
                vec![Prediction {
                    model_version: crate::detect::DETECTOR_VERSION,
                    result: predicted,
                }]
            };
            Task {
                id: i + 1,
                data: TaskData {
                    text: &d.text,
                    article: &d.article,
                },
                annotations: [Annotation {
                    result: confirmed,
                    was_cancelled: false,
                }],
                predictions,
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&tasks).unwrap_or_default();
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
