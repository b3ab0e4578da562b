//! Label Studio: the JSON task list. Confirmed annotations go to `annotations[].result[]`,
//! open suggestions to `predictions`; offsets in code points, as Label Studio counts since
//! its PR #1559 ("Store code points instead of js length"; its editor test "Should calculate
//! offsets by code points in text"). `--offsets utf16` writes and reads the JavaScript
//! string offsets of older versions.
//! The labelling config to pair it with: `<Labels name="label" toName="text">` over
//! `<Text name="text" value="$text"/>`.

use super::import::{Imported, ImportedSpan};
use super::{Doc, OffsetMap, Offsets};
use crate::annotation::{Source, Status};
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
    labels: [Label; 1],
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
    /// Read back by `inkmark import`, so that a round trip keeps the status.
    status: Status,
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
    u: &OffsetMap,
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
            start: u.start(start),
            end: u.end(end),
            text,
            labels: [label],
        },
    }
}

/// The labelling config for the set: each label with its colour and description, the
/// names the exported results use.
pub fn label_config(set: &crate::label::LabelSet) -> String {
    let mut out = String::from("<View>\n  <Labels name=\"label\" toName=\"text\">\n");
    for (i, d) in set.defs().iter().enumerate() {
        let hint = if d.description.is_empty() {
            String::new()
        } else {
            format!(" hint=\"{}\"", xml_escape(&d.description))
        };
        let hotkey = d
            .key
            .map(|k| format!(" hotkey=\"{}\"", xml_escape(&k.to_string())))
            .unwrap_or_default();
        out.push_str(&format!(
            "    <Label value=\"{}\" background=\"{}\"{hotkey}{hint}/>\n",
            d.label,
            set.color(i).hex()
        ));
    }
    out.push_str("  </Labels>\n  <Text name=\"text\" value=\"$text\"/>\n</View>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub fn render(docs: &[Doc], unit: Offsets) -> String {
    let tasks: Vec<Task> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let u = OffsetMap::new(&d.text, unit);
            let confirmed: Vec<LabelResult> = d
                .entities
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let origin = match e.source {
                        Source::Manual => "manual",
                        Source::Accepted => "prediction",
                        // A person chose it: an annotation, not a prediction.
                        Source::Review => "manual",
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
                    status: d.status,
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
    #[serde(default)]
    status: Option<Value>,
}

#[derive(Deserialize)]
struct InAnnotation {
    #[serde(default)]
    result: Vec<InResult>,
    #[serde(default)]
    was_cancelled: Option<Value>,
    /// Older exports call a cancelled annotation skipped.
    #[serde(default)]
    skipped: Option<Value>,
    #[serde(default)]
    created_at: Option<Value>,
    #[serde(default)]
    updated_at: Option<Value>,
}

impl InAnnotation {
    fn cancelled(&self) -> bool {
        let yes = |v: &Option<Value>| v.as_ref().and_then(Value::as_bool) == Some(true);
        yes(&self.was_cancelled) || yes(&self.skipped)
    }

    /// When it was last saved: ISO 8601 timestamps in Label Studio's one format, so
    /// comparing the strings orders them.
    fn saved(&self) -> &str {
        self.updated_at
            .as_ref()
            .and_then(Value::as_str)
            .or_else(|| self.created_at.as_ref().and_then(Value::as_str))
            .unwrap_or("")
    }
}

/// The annotation a task's entities come from: the latest one not cancelled (skipped),
/// as label-studio-converter picks (it sorts by creation time; inkmark by the last save,
/// then by place in the list). One per task: inkmark has one annotation file per article
/// and annotator.
fn chosen(annotations: Vec<InAnnotation>) -> Option<InAnnotation> {
    let mut best: Option<InAnnotation> = None;
    for a in annotations.into_iter().filter(|a| !a.cancelled()) {
        if best.as_ref().is_none_or(|b| a.saved() >= b.saved()) {
            best = Some(a);
        }
    }
    best
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
    #[serde(default)]
    text: Option<Value>,
}

/// Reads a task list (or one task): the `labels` results of each task's latest
/// annotation that was not cancelled, offsets counted in `unit`.
pub fn parse(input: &str, unit: Offsets) -> Result<Vec<Imported>, String> {
    let tasks: Vec<InTask> = if input.trim_start().starts_with('[') {
        serde_json::from_str(input).map_err(|e| e.to_string())?
    } else {
        vec![serde_json::from_str(input).map_err(|e| e.to_string())?]
    };
    let mut docs = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let at = |m: String| format!("task {}: {m}", i + 1);
        let (text, article, status) = match t.data {
            Some(InData {
                text: Some(Value::String(text)),
                article,
                status,
            }) => (text, article, status),
            _ => return Err(at("no data.text".into())),
        };
        let u = OffsetMap::new(&text, unit);
        let mut spans = Vec::new();
        let mut problems = Vec::new();
        let mut check = super::import::TextCheck::new(&text, unit);
        let results = chosen(t.annotations).map(|a| a.result);
        for (k, r) in results
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, r)| r.kind.as_ref().and_then(Value::as_str) == Some("labels"))
        {
            let place = format!("task {} result {}", i + 1, k + 1);
            let v = r.value.as_ref();
            let (Some(s), Some(e), Some(l)) = (
                v.and_then(|v| v.start.as_ref()?.as_u64()),
                v.and_then(|v| v.end.as_ref()?.as_u64()),
                v.and_then(|v| v.labels.as_ref()?.get(0)?.as_str()),
            ) else {
                return Err(at("a result lacks value.start/end/labels".into()));
            };
            let (label, foreign) = super::import::foreign_label(l);
            let (Some(cs), Some(ce)) = (u.to_code_point(s as usize), u.to_code_point(e as usize))
            else {
                problems.push(format!(
                    "{place}: {} offsets {s}..{e} are not on character boundaries \
                     of the text; skipped",
                    unit.name()
                ));
                continue;
            };
            let written = v.and_then(|v| v.text.as_ref()?.as_str());
            if let Some(p) = check.differs(&place, (cs, ce), (s as usize, e as usize), written) {
                problems.push(p);
                continue;
            }
            spans.push(ImportedSpan {
                span: Span::new(cs, ce, label),
                at: place,
                foreign,
            });
        }
        problems.extend(check.hint(&format!(
            "import with --offsets {} (Label Studio counted UTF-16 units before its PR #1559)",
            if unit == Offsets::Utf16 {
                "codepoints"
            } else {
                "utf16"
            }
        )));
        drop(check);
        drop(u);
        let status = match super::import::status_of(status.as_ref(), &format!("task {}", i + 1)) {
            Ok(s) => s,
            Err(p) => {
                problems.push(p);
                None
            }
        };
        docs.push(Imported {
            article: article.and_then(|a| a.as_str().map(str::to_string)),
            text,
            spans,
            problems,
            status,
        });
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::export::Offsets::{Codepoints, Utf16};

    #[test]
    fn reads_one_task_or_a_list_and_skips_what_it_does_not_use() {
        let task = r#"{"id": 1, "data": {"text": "a😀高轶鹏", "article": "x.txt"},
            "annotations": [{"result": [
                {"type": "choices", "value": {"choices": ["ok"]}},
                {"type": "labels", "value": {"start": 2, "end": 5, "labels": ["PER"]}}
            ]}],
            "predictions": [{"result": [{"type": "labels", "value": {"start": 0}}]}],
            "meta": {"anything": [1, 2, {"x": null}]}}"#;
        for input in [task.to_string(), format!("[{task}, {task}]")] {
            let docs = parse(&input, Codepoints).unwrap();
            assert!(!docs.is_empty());
            let s = docs[0].spans[0].span;
            assert_eq!((s.start, s.end), (2, 5));
            assert_eq!(docs[0].spans[0].at, "task 1 result 2");
            assert_eq!(docs[0].article.as_deref(), Some("x.txt"));
        }
        assert_eq!(parse("[]", Codepoints).unwrap().len(), 0);
    }

    /// Label Studio's editor test "Should calculate offsets by code points in text": `test`
    /// in "🐱 Warning: This is a test text" is at 21..25. UTF-16 (the old unit) says 22..26.
    #[test]
    fn offsets_are_code_points_as_label_studio_counts_and_utf16_on_request() {
        let text = "🐱 Warning: This is a test text";
        let task = |s: usize, e: usize| {
            format!(
                r#"{{"data": {{"text": "{text}"}}, "annotations": [{{"result": [
                {{"type": "labels", "value": {{"start": {s}, "end": {e}, "labels": ["ORG"]}}}}]}}]}}"#
            )
        };
        let got = |input: String, unit| {
            let d = &parse(&input, unit).unwrap()[0];
            let s = d.spans[0].span;
            crate::export::slice(&d.text, s.start, s.end)
        };
        assert_eq!(got(task(21, 25), Codepoints), "test");
        assert_eq!(got(task(22, 26), Utf16), "test");
    }

    /// A cancelled annotation listed first does not hide the real one; of two real ones the
    /// later saved wins.
    #[test]
    fn takes_the_latest_annotation_that_was_not_cancelled() {
        let input = r#"{"data": {"text": "高轶鹏在北京"}, "annotations": [
            {"was_cancelled": true, "updated_at": "2026-11-25T00:00:00.000000Z", "result": []},
            {"was_cancelled": false, "updated_at": "2026-11-24T00:00:00.000000Z", "result": [
                {"type": "labels", "value": {"start": 0, "end": 3, "labels": ["PER"]}},
                {"type": "labels", "value": {"start": 4, "end": 6, "labels": ["LOC"]}}]},
            {"updated_at": "2026-11-23T00:00:00.000000Z", "result": [
                {"type": "labels", "value": {"start": 0, "end": 1, "labels": ["PER"]}}]},
            {"skipped": true, "updated_at": "2026-11-26T00:00:00.000000Z", "result": [
                {"type": "labels", "value": {"start": 0, "end": 2, "labels": ["PER"]}}]}
        ]}"#;
        let docs = parse(input, Codepoints).unwrap();
        let spans: Vec<(usize, usize)> = docs[0]
            .spans
            .iter()
            .map(|s| (s.span.start, s.span.end))
            .collect();
        assert_eq!(spans, [(0, 3), (4, 6)]);
    }

    #[test]
    fn clear_errors_for_what_is_missing_or_wrong() {
        let err = |s: &str| parse(s, Codepoints).unwrap_err();
        assert_eq!(err(r#"[{"data": {}}]"#), "task 1: no data.text");
        assert_eq!(err(r#"{"data": {"text": 5}}"#), "task 1: no data.text");
        assert!(err(r#"{"data": {"text": "ab"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 1}}]}]}"#)
            .contains("lacks value.start/end/labels"));
        assert!(!err("{broken").is_empty());
        // One bad result is reported with its place; the others are read.
        let problems = |s: &str, unit| parse(s, unit).unwrap()[0].problems.clone();
        // A label no name can carry is kept by its name, for `import --map`.
        let d = parse(
            r#"{"data": {"text": "ab"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 1, "labels": ["疾病"]}}]}]}"#,
            Codepoints,
        )
        .unwrap();
        assert!(d[0].problems.is_empty());
        assert_eq!(d[0].spans[0].foreign.as_deref(), Some("疾病"));
        assert!(problems(r#"{"data": {"text": "😀"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 1, "end": 2, "labels": ["PER"]}}]}]}"#, Utf16)[0]
            .contains("not on character boundaries"));
    }
}
