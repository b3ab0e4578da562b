//! The annotation file, format "inkmark/1" (see the README): code-point offsets, keys in
//! a fixed order, one entity per line so that git diffs and merges stay readable.

use crate::label::{Label, Span};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "inkmark/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Todo,
    InProgress,
    Done,
}

impl Status {
    pub fn next(self) -> Status {
        match self {
            Status::Todo => Status::InProgress,
            Status::InProgress => Status::Done,
            Status::Done => Status::Todo,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            // One name everywhere: the file's, the CLI's and the screens'.
            Status::InProgress => "in_progress",
            Status::Done => "done",
        }
    }
}

/// Where an entity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by the user.
    Manual,
    /// A suggestion the user accepted.
    Accepted,
    /// Chosen in review from the annotators' versions (see `Entity::by`).
    Review,
}

/// A confirmed entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entity {
    pub start: usize,
    pub end: usize,
    pub label: Label,
    /// The annotated text, kept to re-anchor the span if the article changes.
    pub text: String,
    pub source: Source,
    /// In a reviewed (gold) file: the annotators who had exactly this span, so that
    /// agreement can be recomputed later. Absent elsewhere (older files load as empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<String>,
}

impl Entity {
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end, self.label)
    }
}

/// A suggestion the user rejected: never suggested again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rejected {
    pub start: usize,
    pub end: usize,
    pub label: Label,
    pub text: String,
}

impl Rejected {
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end, self.label)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnotationFile {
    pub format: String,
    /// The article's path relative to the corpus folder.
    pub article: String,
    /// SHA-256 of the article's bytes when it was annotated.
    pub article_sha256: String,
    pub annotator: String,
    pub status: Status,
    /// RFC 3339 UTC time of the last save.
    pub updated: String,
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub rejected: Vec<Rejected>,
    /// Entities whose text could not be found after the article changed: kept for the
    /// user to place again, never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unanchored: Vec<Entity>,
    /// Optional (files before it lack it): a compact fingerprint of the article text the
    /// offsets refer to ([`crate::annotation::anchor::fingerprint`]), so that spans can be
    /// shifted through a diff when the article changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_fingerprint: Option<String>,
    /// Top-level keys this version does not know: kept as they were and written back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl AnnotationFile {
    pub fn new(article: &str, sha256: &str, annotator: &str) -> AnnotationFile {
        AnnotationFile {
            format: FORMAT.to_string(),
            article: article.to_string(),
            article_sha256: sha256.to_string(),
            annotator: annotator.to_string(),
            status: Status::Todo,
            updated: String::new(),
            entities: Vec::new(),
            rejected: Vec::new(),
            unanchored: Vec::new(),
            article_fingerprint: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Parses a file; errors carry the line and column.
    pub fn parse(source: &str) -> Result<AnnotationFile, ParseError> {
        // Editors on Windows save UTF-8 with a byte order mark.
        let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
        let file: AnnotationFile = serde_json::from_str(source).map_err(|e| {
            // serde_json appends " at line L column C"; the position is reported apart.
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            ParseError {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        if file.format != FORMAT {
            return Err(ParseError {
                line: 1,
                column: 1,
                message: format!(
                    "unknown format {:?} (this inkmark reads {FORMAT:?})",
                    file.format
                ),
            });
        }
        Ok(file)
    }

    /// The file's text: pretty, keys in a fixed order, entities sorted by
    /// (start, end, label) and one per line.
    pub fn to_json(&self) -> String {
        let mut entities = self.entities.clone();
        entities.sort_by_key(|e| (e.start, e.end, e.label));
        let mut rejected = self.rejected.clone();
        rejected.sort_by_key(|e| (e.start, e.end, e.label));
        let mut unanchored = self.unanchored.clone();
        unanchored.sort_by_key(|e| (e.start, e.end, e.label));
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n    {}\n  ]", items.join(",\n    "))
            }
        };
        // One "key": value per line, in a fixed order; optional keys only when present.
        let mut fields = vec![
            format!("\"format\": {}", q(&self.format)),
            format!("\"article\": {}", q(&self.article)),
            format!("\"article_sha256\": {}", q(&self.article_sha256)),
            format!("\"annotator\": {}", q(&self.annotator)),
            format!("\"status\": {}", one_line(&self.status)),
            format!("\"updated\": {}", q(&self.updated)),
            format!(
                "\"entities\": {}",
                list(entities.iter().map(one_line).collect())
            ),
            format!(
                "\"rejected\": {}",
                list(rejected.iter().map(one_line).collect())
            ),
        ];
        if !unanchored.is_empty() {
            fields.push(format!(
                "\"unanchored\": {}",
                list(unanchored.iter().map(one_line).collect())
            ));
        }
        if let Some(fp) = &self.article_fingerprint {
            fields.push(format!("\"article_fingerprint\": {}", q(fp)));
        }
        for (k, v) in &self.extra {
            let value = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
            fields.push(format!("{}: {value}", q(k)));
        }
        let mut out = String::from("{\n");
        out.push_str(&format!("  {}\n", fields.join(",\n  ")));
        out.push_str("}\n");
        out
    }
}

/// One-line JSON of a value, with a space after each separator for readability.
fn one_line<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value).unwrap_or_default() {
        serde_json::Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {v}", serde_json::Value::String(k.clone())))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Where the annotations of `rel` (an article path relative to the corpus) are stored:
/// the same relative path under `dir`, extension replaced by `.json`.
pub fn annotation_path(dir: &Path, rel: &Path) -> PathBuf {
    dir.join(rel).with_extension("json")
}

/// Now, as RFC 3339 UTC ("2026-11-23T07:00:00Z").
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the epoch as RFC 3339 UTC (civil-from-days, proleptic Gregorian).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AnnotationFile {
        let mut f = AnnotationFile::new("000.txt", &"ab".repeat(32), "tester");
        f.status = Status::InProgress;
        f.updated = rfc3339(1_795_417_200);
        f.entities = vec![
            Entity {
                start: 96,
                end: 99,
                label: Label::PER,
                text: "高轶鹏".into(),
                source: Source::Manual,
                by: Vec::new(),
            },
            Entity {
                start: 3,
                end: 6,
                label: Label::LOC,
                text: "高新区".into(),
                source: Source::Accepted,
                by: Vec::new(),
            },
        ];
        f.rejected = vec![Rejected {
            start: 10,
            end: 13,
            label: Label::LOC,
            text: "\"东\"\n".into(),
        }];
        f
    }

    #[test]
    fn layout_is_stable_and_readable() {
        let json = sample().to_json();
        insta::assert_snapshot!(json);
    }

    #[test]
    fn round_trip() {
        let f = sample();
        let back = AnnotationFile::parse(&f.to_json()).unwrap();
        let mut sorted = f.clone();
        sorted.entities.sort_by_key(|e| (e.start, e.end, e.label));
        assert_eq!(back, sorted);
    }

    #[test]
    fn parse_errors_have_line_and_column() {
        let e = AnnotationFile::parse("{\n  \"format\": \"inkmark/1\",\n  oops\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        let e =
            AnnotationFile::parse(&sample().to_json().replace("inkmark/1", "other/9")).unwrap_err();
        assert!(e.message.contains("unknown format"));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_417_200), "2026-11-23T07:00:00Z");
    }

    #[test]
    fn paths_mirror_the_corpus() {
        assert_eq!(
            annotation_path(Path::new("annotations"), Path::new("sub/a.txt")),
            PathBuf::from("annotations/sub/a.json")
        );
    }
}
