//! Label Studio: the JSON task list. Confirmed annotations go to `annotations[].result[]`,
//! open suggestions to `predictions`; offsets in UTF-16 code units, as Label Studio counts.
//! The labelling config to pair it with: `<Labels name="label" toName="text">` over
//! `<Text name="text" value="$text"/>`.

use super::import::Imported;
use super::{Doc, Utf16};
use crate::annotation::Source;
use crate::detect::CharSlicer;
use crate::label::{Label, Span};
use serde::{Deserialize, Serialize};
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

/// A task as read back: typed down to the leaves, so that a large export is not held
/// as a `serde_json::Value` tree (a 52 MB task list took 417 MB that way) and fields
/// inkmark does not read (predictions, metadata) are skipped. Leaves stay `Value`s so a
/// wrong type gets the same clear error as a missing field.
#[derive(Deserialize)]
struct InTask {
    #[serde(default)]
    data: Option<InData>,
    #[serde(default)]
    annotations: Vec<InAnnotation>,
}

#[derive(Deserialize)]
struct InData {
    #[serde(default)]
    text: Option<Value>,
    #[serde(default)]
    article: Option<Value>,
}

#[derive(Deserialize)]
struct InAnnotation {
    #[serde(default)]
    result: Vec<InResult>,
}

#[derive(Deserialize)]
struct InResult {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default)]
    value: Option<InValue>,
}

#[derive(Deserialize)]
struct InValue {
    #[serde(default)]
    start: Option<Value>,
    #[serde(default)]
    end: Option<Value>,
    #[serde(default)]
    labels: Option<Value>,
}

/// Reads a task list (or one task): the first annotation's `labels` results.
pub fn parse(input: &str) -> Result<Vec<Imported>, String> {
    let tasks: Vec<InTask> = if input.trim_start().starts_with('[') {
        serde_json::from_str(input).map_err(|e| e.to_string())?
    } else {
        vec![serde_json::from_str(input).map_err(|e| e.to_string())?]
    };
    let mut docs = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let at = |m: String| format!("task {}: {m}", i + 1);
        let (text, article) = match t.data {
            Some(InData {
                text: Some(Value::String(text)),
                article,
            }) => (text, article),
            _ => return Err(at("no data.text".into())),
        };
        let u = Utf16::new(&text);
        let mut spans = Vec::new();
        let results = t.annotations.into_iter().next().map(|a| a.result);
        for r in results
            .into_iter()
            .flatten()
            .filter(|r| r.kind.as_ref().and_then(Value::as_str) == Some("labels"))
        {
            let v = r.value.as_ref();
            let (Some(s), Some(e), Some(l)) = (
                v.and_then(|v| v.start.as_ref()?.as_u64()),
                v.and_then(|v| v.end.as_ref()?.as_u64()),
                v.and_then(|v| v.labels.as_ref()?.get(0)?.as_str()),
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
        drop(u);
        docs.push(Imported {
            article: article.and_then(|a| a.as_str().map(str::to_string)),
            text,
            spans,
        });
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_one_task_or_a_list_and_skips_what_it_does_not_use() {
        let task = r#"{"id": 1, "data": {"text": "a😀高轶鹏", "article": "x.txt"},
            "annotations": [{"result": [
                {"type": "choices", "value": {"choices": ["ok"]}},
                {"type": "labels", "value": {"start": 3, "end": 6, "labels": ["PER"]}}
            ]}],
            "predictions": [{"result": [{"type": "labels", "value": {"start": 0}}]}],
            "meta": {"anything": [1, 2, {"x": null}]}}"#;
        for input in [task.to_string(), format!("[{task}, {task}]")] {
            let docs = parse(&input).unwrap();
            assert!(!docs.is_empty());
            // UTF-16 3..6 is after the astral character: code points 2..5.
            assert_eq!((docs[0].spans[0].start, docs[0].spans[0].end), (2, 5));
            assert_eq!(docs[0].article.as_deref(), Some("x.txt"));
        }
        assert_eq!(parse("[]").unwrap().len(), 0);
    }

    #[test]
    fn clear_errors_for_what_is_missing_or_wrong() {
        let err = |s: &str| parse(s).unwrap_err();
        assert_eq!(err(r#"[{"data": {}}]"#), "task 1: no data.text");
        assert_eq!(err(r#"{"data": {"text": 5}}"#), "task 1: no data.text");
        assert!(err(r#"{"data": {"text": "ab"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 1}}]}]}"#)
            .contains("lacks value.start/end/labels"));
        assert!(err(r#"{"data": {"text": "ab"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 1, "labels": ["FOO"]}}]}]}"#)
            .contains("unknown label"));
        assert!(err(r#"{"data": {"text": "😀"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 1, "end": 2, "labels": ["PER"]}}]}]}"#)
            .contains("not on character boundaries"));
        assert!(!err("{broken").is_empty());
    }
}
