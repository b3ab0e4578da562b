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
    /// Keys of entities this version does not know (`"note": …` from another tool), by
    /// the entity's (start, end): written back with the entity there. Filled by the store
    /// from the file on disk when it saves ([`entity_extras`]).
    #[serde(skip)]
    pub entity_extra: EntityExtra,
}

/// Unknown entity keys by (start, end).
pub type EntityExtra =
    std::collections::BTreeMap<(usize, usize), serde_json::Map<String, serde_json::Value>>;

/// The keys of `source`'s entities that [`Entity`] does not know, by (start, end).
pub fn entity_extras(source: &str) -> EntityExtra {
    const KNOWN: [&str; 6] = ["start", "end", "label", "text", "source", "by"];
    let mut out = EntityExtra::new();
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let Ok(v) = serde_json::from_str::<serde_json::Value>(source) else {
        return out;
    };
    let entities = v.get("entities").and_then(|e| e.as_array());
    for e in entities.into_iter().flatten() {
        let Some(obj) = e.as_object() else { continue };
        let extra: serde_json::Map<String, serde_json::Value> = obj
            .iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let at = |k: &str| obj.get(k).and_then(|x| x.as_u64()).map(|x| x as usize);
        if let (false, Some(start), Some(end)) = (extra.is_empty(), at("start"), at("end")) {
            out.insert((start, end), extra);
        }
    }
    out
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
            entity_extra: EntityExtra::new(),
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
                list(entities.iter().map(|e| self.entity_line(e)).collect())
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

impl AnnotationFile {
    /// One entity's line, its unknown keys (if any) after the known ones.
    fn entity_line(&self, e: &Entity) -> String {
        let line = one_line(e);
        match self.entity_extra.get(&(e.start, e.end)) {
            Some(extra) if line.ends_with('}') => {
                let more: Vec<String> = extra
                    .iter()
                    .map(|(k, v)| {
                        let k = serde_json::to_string(k).unwrap_or_default();
                        format!("{k}: {}", one_line(v))
                    })
                    .collect();
                format!("{}, {}}}", &line[..line.len() - 1], more.join(", "))
            }
            _ => line,
        }
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

impl ParseError {
    /// What a command prints for it: "does not parse: …", or the message alone for a
    /// file that parses but belongs to another article (line 0).
    pub fn describe(&self) -> String {
        if self.line == 0 {
            self.to_string()
        } else {
            format!("does not parse: {self}")
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0: a problem of the whole file (it belongs to another article).
        if self.line == 0 {
            return write!(f, "{}", self.message);
        }
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Where the annotations of `rel` (an article path relative to the corpus) are stored.
/// The one place that maps articles to annotation files (reader, check, stats, export,
/// import, agree, review, train all call it). The mapping is one-to-one, whatever order
/// articles are annotated in:
///
/// - `X.txt` where `X` itself ends in an article extension (`a.md.txt`, `a.txt.txt`):
///   always the whole name plus `.json` (`a.md.txt.json`), since `a.md.json` is `a.md`'s;
///   only a file written there by an older inkmark that names this very article, with no
///   `a.md.txt.json` beside it, is still used;
/// - a plain `X.txt`: `X.json`, except that an existing `X.txt.json` naming this article
///   wins (found by its `article` key, so it is never forgotten when `X.json` goes), and an
///   `X.json` that names another article (e.g. `a.md` annotated by an older inkmark) or is
///   the team's plan (`assignment.json`) sends it to `X.txt.json`;
/// - any other article (`a.md`, `a.TXT`): `a.md.json`, except that an existing `a.json`
///   written for it (by an older inkmark, which dropped every extension) is still used.
///
/// A file found at the returned path may still name another article (a folder written by
/// an older inkmark): [`crate::annotation::store::Store::open_for`] refuses it rather than
/// taking it as this article's drifted spans. A file that does not say which article it
/// is for is left where it was found (shown as broken), never shadowed by a fresh one.
pub fn annotation_path(dir: &Path, rel: &Path) -> PathBuf {
    let short = dir.join(rel).with_extension("json");
    let long = {
        let mut name = dir.join(rel).into_os_string();
        name.push(".json");
        PathBuf::from(name)
    };
    let wanted = rel.to_string_lossy().replace('\\', "/");
    let names_this = |p: &Path| article_named_in(p).flatten().as_deref() == Some(wanted.as_str());
    let is_plan = rel.parent().is_none_or(|p| p.as_os_str().is_empty())
        && short.file_name() == Some(std::ffi::OsStr::new(crate::team::assign::PLAN_FILE));
    let is_txt = rel.extension().is_some_and(|e| e == "txt");
    if is_txt {
        // `a.md.txt` -> `a.md.json` would be `a.md`'s own name.
        let doubled = rel
            .file_stem()
            .is_some_and(|s| crate::corpus::is_article_file(Path::new(s)));
        if doubled {
            return if !long.exists() && names_this(&short) {
                short
            } else {
                long
            };
        }
        if names_this(&long) {
            return long;
        }
        return match article_named_in(&short) {
            Some(Some(other)) if other != wanted => long,
            Some(None) if is_plan => long,
            _ => short,
        };
    }
    if rel.extension().is_none() || long.exists() {
        return long;
    }
    match article_named_in(&short) {
        Some(Some(other)) if other == wanted => short,
        Some(None) if !is_plan => short,
        _ => long,
    }
}

/// The article the annotation file at `path` names, if it says.
pub fn article_of(path: &Path) -> Option<String> {
    article_named_in(path).flatten()
}

/// The `article` an annotation file names: `None` when there is no such file,
/// `Some(None)` when it does not say (the plan file, or a file that does not parse). Reads
/// the head first: inkmark writes `article` second.
fn article_named_in(path: &Path) -> Option<Option<String>> {
    use std::io::Read;
    let mut f = crate::corpus::open_regular(path).ok()?;
    let mut head = Vec::with_capacity(4096);
    if f.by_ref().take(4096).read_to_end(&mut head).is_err() {
        return Some(None);
    }
    let text = String::from_utf8_lossy(&head);
    if let Some(at) = text.find("\"article\"") {
        let rest = text[at + "\"article\"".len()..].trim_start();
        if let Some(rest) = rest.strip_prefix(':') {
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            if let Some(Ok(name)) = values.next() {
                return Some(Some(name));
            }
        }
    }
    if head.len() < 4096 {
        return Some(None);
    }
    // A file written otherwise (`article` further down): parse it whole.
    let mut all = head;
    if f.read_to_end(&mut all).is_err() {
        return Some(None);
    }
    let value: Option<serde_json::Value> = serde_json::from_slice(&all).ok();
    Some(
        value
            .as_ref()
            .and_then(|v| v.get("article"))
            .and_then(|a| a.as_str())
            .map(str::to_string),
    )
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
        assert_eq!(
            annotation_path(Path::new("annotations"), Path::new("sub/a.md")),
            PathBuf::from("annotations/sub/a.md.json")
        );
    }

    fn write_for(path: &Path, article: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, AnnotationFile::new(article, "00", "t").to_json()).unwrap();
    }

    #[test]
    fn same_stem_articles_never_share_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (txt, md) = (Path::new("a.txt"), Path::new("a.md"));
        assert_ne!(annotation_path(d, txt), annotation_path(d, md));
        // Whichever is annotated first, the other gets a file of its own.
        write_for(&annotation_path(d, md), "a.md");
        assert_eq!(annotation_path(d, txt), d.join("a.json"));
        assert_eq!(annotation_path(d, md), d.join("a.md.json"));
        write_for(&annotation_path(d, txt), "a.txt");
        assert_ne!(annotation_path(d, txt), annotation_path(d, md));
    }

    #[test]
    fn folders_from_older_inkmark_open_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Older inkmark wrote a.md's spans to a.json: a.md keeps it; a.txt, added later,
        // does not take it over.
        write_for(&d.join("a.json"), "a.md");
        assert_eq!(annotation_path(d, Path::new("a.md")), d.join("a.json"));
        assert_eq!(annotation_path(d, Path::new("a.txt")), d.join("a.txt.json"));
        write_for(&d.join("b.json"), "b.txt");
        assert_eq!(annotation_path(d, Path::new("b.txt")), d.join("b.json"));
        assert_eq!(annotation_path(d, Path::new("b.md")), d.join("b.md.json"));
        // A broken file stays where it is found (shown broken, never shadowed).
        std::fs::write(d.join("c.json"), "{ broken").unwrap();
        assert_eq!(annotation_path(d, Path::new("c.txt")), d.join("c.json"));
        assert_eq!(annotation_path(d, Path::new("c.md")), d.join("c.json"));
    }

    #[test]
    fn a_doubled_extension_never_takes_the_other_articles_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (md_txt, md) = (Path::new("a.md.txt"), Path::new("a.md"));
        // a.md.txt annotated first must not take a.md.json, a.md's own name (N1).
        assert_eq!(annotation_path(d, md_txt), d.join("a.md.txt.json"));
        write_for(&annotation_path(d, md_txt), "a.md.txt");
        assert_eq!(annotation_path(d, md), d.join("a.md.json"));
        write_for(&annotation_path(d, md), "a.md");
        assert_eq!(annotation_path(d, md_txt), d.join("a.md.txt.json"));
        assert_eq!(
            annotation_path(d, Path::new("a.txt.txt")),
            d.join("a.txt.txt.json")
        );
        assert_eq!(
            annotation_path(d, Path::new("a.MD.txt")),
            d.join("a.MD.txt.json")
        );
        // An older inkmark wrote a.md.txt's spans to a.md.json: still found.
        let old = tempfile::tempdir().unwrap();
        let o = old.path();
        write_for(&o.join("b.md.json"), "b.md.txt");
        assert_eq!(
            annotation_path(o, Path::new("b.md.txt")),
            o.join("b.md.json")
        );
    }

    #[test]
    fn a_txt_json_naming_the_article_is_never_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // N10: a.json was a.md's (older inkmark), so a.txt got a.txt.json; a.json goes.
        write_for(&d.join("a.json"), "a.md");
        write_for(&annotation_path(d, Path::new("a.txt")), "a.txt");
        assert!(d.join("a.txt.json").exists());
        std::fs::remove_file(d.join("a.json")).unwrap();
        assert_eq!(annotation_path(d, Path::new("a.txt")), d.join("a.txt.json"));
        // A hand-made folder with only b.txt.json.
        write_for(&d.join("b.txt.json"), "b.txt");
        assert_eq!(annotation_path(d, Path::new("b.txt")), d.join("b.txt.json"));
        // One naming another article does not capture it.
        write_for(&d.join("c.txt.json"), "x/c.txt");
        assert_eq!(annotation_path(d, Path::new("c.txt")), d.join("c.json"));
    }

    #[test]
    fn same_stem_articles_map_to_distinct_files_in_any_order() {
        let names = ["a.txt", "a.md", "a.md.txt", "a.txt.txt", "a.md.md", "a.TXT"];
        // Every order of annotating three of them: never two articles on one file.
        for first in names {
            for second in names {
                let dir = tempfile::tempdir().unwrap();
                let d = dir.path();
                for n in [first, second] {
                    let p = annotation_path(d, Path::new(n));
                    if !p.exists() {
                        write_for(&p, n);
                    }
                }
                let paths: std::collections::BTreeSet<PathBuf> = names
                    .iter()
                    .map(|n| annotation_path(d, Path::new(n)))
                    .collect();
                assert_eq!(paths.len(), names.len(), "after {first}, {second}");
            }
        }
    }

    #[test]
    fn the_plan_file_is_no_article_annotation() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join(crate::team::assign::PLAN_FILE),
            "{\"format\": \"x\"}",
        )
        .unwrap();
        assert_eq!(
            annotation_path(d, Path::new("assignment.txt")),
            d.join("assignment.txt.json")
        );
        // A subfolder's assignment.txt is no clash.
        assert_eq!(
            annotation_path(d, Path::new("s/assignment.txt")),
            d.join("s/assignment.json")
        );
    }
}
