//! Annotating in the reader: loading an article's annotation file (re-anchoring after
//! drift, read-only when it does not parse), the editing keys, and saving.

use super::reader::{Pending, Reader};
use crate::annotation::anchor::{fingerprint, reanchor};
use crate::annotation::edit::{free_occurrences, Effect, Op};
use crate::annotation::file::{annotation_path, utc_now, AnnotationFile};
use crate::annotation::store::{Loaded, Saved, Store};
use crate::annotation::validate::validate;
use crate::annotation::{Annotations, Change, Entity, Source, Status};
use crate::label::HiddenLabels;
use crate::label::{Label, Span};
use crate::text::sanitize_line;
use std::collections::BTreeSet;
use std::path::Path;

/// How the annotations of the open article stand against the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing changed since the article was opened.
    Clean,
    Saved,
    Unsaved,
    Failed(String),
}

/// The annotations of the open article and where they are kept.
#[derive(Debug, Clone)]
pub struct Annotating {
    pub set: Annotations,
    pub store: Store,
    /// Why editing is off (a file that does not parse, or cannot be read).
    pub read_only: Option<String>,
    /// `set.revision` at the last save.
    pub saved_revision: u64,
    pub state: SaveState,
    /// Entities that could not be re-anchored after the article changed.
    pub unanchored: Vec<Entity>,
    pub article: String,
    pub sha: String,
    pub annotator: String,
    /// What is wrong with the annotation file when it is read-only, for the panel.
    pub problems: Vec<String>,
    /// Fingerprint of the article text, saved with the offsets for later re-anchoring.
    pub fingerprint: String,
    /// Size and time of the annotation file when it was read.
    on_disk: Option<(u64, std::time::SystemTime)>,
    /// File-level keys to write beside the format's own (review marks its gold files).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The problems as panel rows: at most 100, identical messages once with a count.
fn panel_problems(problems: &[crate::annotation::validate::Problem]) -> Vec<String> {
    let mut rows: Vec<(String, usize)> = Vec::new();
    for p in problems {
        if let Some((_, n)) = rows.last_mut().filter(|(m, _)| *m == p.message) {
            *n += 1;
        } else if rows.len() == 100 {
            break;
        } else {
            rows.push((p.message.clone(), 1));
        }
    }
    let shown: usize = rows.iter().map(|(_, n)| n).sum();
    let mut out: Vec<String> = rows
        .into_iter()
        .map(|(m, n)| if n > 1 { format!("{m} (×{n})") } else { m })
        .collect();
    if shown < problems.len() {
        out.push(format!(
            "… and {} more (inkmark check)",
            problems.len() - shown
        ));
    }
    out
}

/// Size and modification time of a file, to notice it changed.
fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Whether a file that does not parse at least names the article as it is now.
fn same_text(path: &Path, sha: &str) -> bool {
    crate::corpus::read_regular(path)
        .is_ok_and(|b| String::from_utf8_lossy(&b).contains(&format!("\"{sha}\"")))
}

/// The entities of a file that does not parse as a whole, when its JSON does: each
/// entity that reads and passes the checks (against the text when it is the same).
fn salvage(path: &Path, same: bool, text: &str) -> (Vec<Entity>, Status) {
    let Ok(bytes) = crate::corpus::read_regular(path) else {
        return (Vec::new(), Status::Todo);
    };
    let source = String::from_utf8_lossy(&bytes);
    let Ok(value) =
        serde_json::from_str::<serde_json::Value>(source.trim_start_matches('\u{FEFF}'))
    else {
        return (Vec::new(), Status::Todo);
    };
    let status = serde_json::from_value(value["status"].clone()).unwrap_or_default();
    let entities: Vec<Entity> = value["entities"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|e| serde_json::from_value(e.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let bad: BTreeSet<usize> = validate(&entities, same.then_some(text))
        .into_iter()
        .map(|p| p.index)
        .collect();
    let valid = entities
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !bad.contains(i))
        .map(|(_, e)| e)
        .collect();
    (valid, status)
}

/// What opening the annotations of an article found worth telling the user.
pub struct Opened {
    pub ann: Annotating,
    pub notice: Option<String>,
}

impl Annotating {
    /// Loads (or starts) the annotations of article `rel` with text `text`.
    pub fn open(dir: &Path, rel: &Path, text: &str, sha: &str, annotator: &str) -> Opened {
        let path = annotation_path(dir, rel);
        let article = rel.to_string_lossy().replace('\\', "/");
        let mut ann = Annotating {
            set: Annotations::default(),
            store: Store::detached(&path),
            read_only: None,
            saved_revision: 0,
            state: SaveState::Clean,
            unanchored: Vec::new(),
            article,
            sha: sha.to_string(),
            annotator: annotator.to_string(),
            problems: Vec::new(),
            fingerprint: fingerprint(text),
            on_disk: file_stamp(&path),
            extra: serde_json::Map::new(),
        };
        let shown = sanitize_line(&path.display().to_string());
        let mut notice = None;
        match Store::open_for(&path, rel) {
            Ok((store, loaded)) => {
                ann.store = store;
                match loaded {
                    Loaded::Missing => {}
                    Loaded::Found(file) => {
                        ann.extra = file.extra.clone();
                        let same = file.article_sha256 == sha;
                        // The same checks as `inkmark check`: a file it rejects is shown,
                        // never edited and rewritten (which would drop or keep the bad
                        // entries without a word).
                        let problems = validate(&file.entities, same.then_some(text));
                        if !problems.is_empty() {
                            let bad: BTreeSet<usize> = problems.iter().map(|p| p.index).collect();
                            let valid: Vec<Entity> = file
                                .entities
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| !bad.contains(i))
                                .map(|(_, e)| e.clone())
                                .collect();
                            // After drift the valid ones are shown where their text now is.
                            let valid = if same {
                                valid
                            } else {
                                reanchor(text, file.article_fingerprint.as_deref(), &valid, &[])
                                    .entities
                            };
                            ann.set = Annotations::new(valid, file.rejected, file.status);
                            ann.unanchored = file.unanchored;
                            // The panel lists them (identical ones once, with a count).
                            ann.problems = panel_problems(&problems);
                            let first = sanitize_line(&problems[0].message);
                            let n = problems.len();
                            ann.read_only = Some(format!(
                                "{shown}: {n} invalid {} (inkmark check lists them), first: {first}",
                                if n == 1 { "entity" } else { "entities" }
                            ));
                            notice = Some(format!(
                                "read-only: {n} invalid in {shown}, first: {first}; fix the file (inkmark check) to edit"
                            ));
                        } else if same {
                            ann.set = Annotations::new(file.entities, file.rejected, file.status);
                            ann.unanchored = file.unanchored;
                        } else {
                            let r = reanchor(
                                text,
                                file.article_fingerprint.as_deref(),
                                &file.entities,
                                &file.rejected,
                            );
                            ann.set = Annotations::new(r.entities, r.rejected, file.status);
                            ann.unanchored = file.unanchored;
                            ann.unanchored.extend(r.unanchored.iter().cloned());
                            // The file still describes the old text until it is saved.
                            ann.state = SaveState::Unsaved;
                            ann.saved_revision = u64::MAX;
                            notice = Some(format!(
                                "article changed since it was annotated: {} moved, {} could not be placed (kept in the file; see the panel, p)",
                                crate::text::count(r.moved, "span", "spans"),
                                r.unanchored.len()
                            ));
                        }
                    }
                    // Another article's file: nothing of it is shown as this one's.
                    Loaded::Corrupt(e) if e.line == 0 => {
                        ann.read_only = Some(format!("{shown}: {e}"));
                        ann.problems = vec![e.to_string()];
                        notice = Some(format!("read-only: {shown}: {e}"));
                    }
                    Loaded::Corrupt(e) => {
                        // What can be read of it is shown (read-only), so the panel is not
                        // empty while the user fixes the file.
                        let (entities, status) = salvage(&path, same_text(&path, sha), text);
                        ann.set = Annotations::new(entities, Vec::new(), status);
                        ann.read_only = Some(format!("{shown}: {e}"));
                        ann.problems = vec![format!("does not parse: {e}")];
                        notice = Some(format!(
                            "read-only: {shown} does not parse ({e}); fix it to edit"
                        ));
                    }
                }
            }
            Err(e) => {
                ann.read_only = Some(format!("{shown}: {e}"));
                notice = Some(format!("read-only: cannot read {shown}: {e}"));
            }
        }
        Opened { ann, notice }
    }

    /// True when the annotation file of a read-only article changed on disk since it
    /// was read (the user fixed it in an editor): time to open it again.
    pub fn changed_on_disk(&self) -> bool {
        self.read_only.is_some() && file_stamp(&self.store.path) != self.on_disk
    }

    pub fn dirty(&self) -> bool {
        self.read_only.is_none() && self.set.revision != self.saved_revision
    }

    fn to_file(&self) -> AnnotationFile {
        let mut f = AnnotationFile::new(&self.article, &self.sha, &self.annotator);
        f.status = self.set.status;
        f.updated = utc_now();
        f.entities = self.set.entities.clone();
        f.rejected = self.set.rejected.clone();
        f.unanchored = self.unanchored.clone();
        f.article_fingerprint = Some(self.fingerprint.clone());
        f.extra = self.extra.clone();
        f
    }

    /// Writes the annotations; returns a notice when something needs telling.
    /// `text` is the article as this session shows it (a file saved meanwhile for
    /// another version is moved onto it before the merge).
    pub fn save(&mut self, text: &str) -> Option<String> {
        if let Some(why) = &self.read_only {
            return Some(format!("read-only, not saved: {why}"));
        }
        match self.store.save_onto(&self.to_file(), text) {
            Ok(Saved::Written) => {
                self.saved_revision = self.set.revision;
                self.state = SaveState::Saved;
                None
            }
            Ok(Saved::Merged(merged)) => {
                // Another program changed the file: adopt the merge, keeping the undo
                // history (an undo that would overlap their spans is refused).
                self.set.adopt(Annotations::new(
                    merged.entities,
                    merged.rejected,
                    merged.status,
                ));
                // A clash between the two sides (or a span the other version could
                // not place here) goes aside: said, never silent.
                let aside: Vec<&Entity> = merged
                    .unanchored
                    .iter()
                    .filter(|e| !self.unanchored.contains(e))
                    .collect();
                let mut notice = MERGED.to_string();
                if let Some(first) = aside.first() {
                    notice.push_str(&format!(
                        "; {} moved to unanchored (listed in the panel, p): {}{}",
                        crate::text::count(aside.len(), "span", "spans"),
                        sanitize_line(&describe(first.label, &first.text)),
                        if aside.len() > 1 { ", …" } else { "" }
                    ));
                }
                self.unanchored = merged.unanchored;
                self.saved_revision = self.set.revision;
                self.state = SaveState::Saved;
                Some(notice)
            }
            Err(e) => {
                self.state = SaveState::Failed(e.to_string());
                Some(format!("NOT SAVED: {e}"))
            }
        }
    }
}

/// How a save that merged with another writer's file begins its notice.
pub const MERGED: &str = "the annotation file had changed on disk: merged both";

/// True when a span may begin or end with `c`: letters, digits, ideographs, and the
/// signs of quantities (50%, 20℃, ￥100); not punctuation or spaces.
fn may_edge(c: char) -> bool {
    c.is_alphanumeric() || "%％‰℃℉°$¥￥€£".contains(c)
}

/// True when `c` is a bracket whose partner is in `span` too: 除夕(农历) may end with
/// its closing bracket, and (农历)除夕 begin with its opening one.
fn closes_pair(c: char, span: &str) -> bool {
    const PAIRS: [(char, char); 8] = [
        ('(', ')'),
        ('（', '）'),
        ('[', ']'),
        ('【', '】'),
        ('「', '」'),
        ('『', '』'),
        ('《', '》'),
        ('“', '”'),
    ];
    PAIRS.iter().any(|&(open, close)| {
        (c == close && span.contains(open)) || (c == open && span.contains(close))
    })
}

const CROSSES_LINE_BREAK: &str = "a span does not cross a line break";

/// True when `text` holds a line break (any that ends a line in the reader or in Python's
/// `splitlines()`, which brat follows).
fn crosses_line_break(text: &str) -> bool {
    text.contains([
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ])
}

/// Why an undo or redo was refused: a span merged in from the file on disk overlaps it.
fn in_the_way(what: &str, e: &Entity) -> String {
    format!(
        "cannot {what}: {} (merged from the file on disk) overlaps it; delete it first",
        describe(e.label, &e.text)
    )
}

/// What a label key, accept or reject did, for the status bar.
fn describe(label: Label, text: &str) -> String {
    format!("{label} {text}")
}

/// `done`, plus the annotations `change` removes to make room (an overlap is replaced,
/// and the user must hear of it): all but `own`, the span being edited, and spans the
/// change puts back with the same offsets and label.
fn with_replaced(done: String, change: &Change, own: Option<&Entity>) -> String {
    let kept = |e: &Entity| {
        change.ops.iter().any(|op| {
            matches!(op, Op::Insert(n) if (n.start, n.end, n.label) == (e.start, e.end, e.label))
        })
    };
    let gone: Vec<String> = change
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Remove(e) if Some(e) != own && !kept(e) => Some(describe(e.label, &e.text)),
            _ => None,
        })
        .collect();
    match gone.len() {
        0 => done,
        1 | 2 => format!("{done} · replaced {}", gone.join(", ")),
        n => format!(
            "{done} · replaced {}, {} and {} more",
            gone[0],
            gone[1],
            n - 2
        ),
    }
}

impl Reader {
    /// Applies an annotation change (when editing is allowed) and refreshes the panel.
    pub fn commit(
        &mut self,
        change: Change,
        done: String,
        hidden: &HiddenLabels,
    ) -> Option<String> {
        if let Some(why) = &self.ann.read_only {
            return Some(format!("read-only: {why}"));
        }
        // No edit may write a span that `check` rejects (a suggestion cached by an older
        // version, say): the file would turn read-only.
        if let Some(e) = change.ops.iter().find_map(|o| match o {
            Op::Insert(e) if !self.on_clusters(e.start, e.end) => Some(e),
            _ => None,
        }) {
            return Some(format!(
                "not labelled: {} would split a character (grapheme cluster)",
                describe(e.label, &e.text)
            ));
        }
        if !self.ann.set.apply(change) {
            return Some("nothing changed".to_string());
        }
        self.ann.state = SaveState::Unsaved;
        self.refresh_confirmed(false);
        self.rebuild_panel(hidden);
        Some(done)
    }

    /// Whether code points `start..end` start and end on grapheme-cluster boundaries (the
    /// rule of `check`).
    fn on_clusters(&self, start: usize, end: usize) -> bool {
        use crate::text::clusters::is_boundary;
        is_boundary(&self.text, self.byte_of(start)) && is_boundary(&self.text, self.byte_of(end))
    }

    /// The open suggestion under the cursor.
    pub fn suggestion_at(&self, offset: usize) -> Option<Span> {
        let detected = &self.analysis.as_ref()?.spans;
        let i = detected.partition_point(|s| s.end <= offset);
        detected
            .get(i)
            .filter(|s| s.start <= offset && self.ann.set.is_open(s))
            .copied()
    }

    /// `1`-`9`: label the selection; else relabel the annotation or accept the
    /// suggestion under the cursor with this label; else label the word under it.
    pub fn label_key(&mut self, label: Label, hidden: &HiddenLabels) -> Option<String> {
        let relabel = std::mem::take(&mut self.pending) == Pending::Relabel;
        if relabel || self.anchor.is_none() {
            if let Some(i) = self.ann.set.at(self.cursor) {
                let e = &self.ann.set.entities[i];
                if e.label == label {
                    return Some(format!("already {}", describe(label, &e.text)));
                }
                let text = e.text.clone();
                let change = self.ann.set.relabel_change(i, label);
                return self.commit(
                    change,
                    format!("relabelled: {}", describe(label, &text)),
                    hidden,
                );
            }
            if let Some(s) = self.suggestion_at(self.cursor) {
                // Accepted as suggested, or (another label) the user's own: manual.
                let (source, verb) = if s.label == label {
                    (Source::Accepted, "accepted")
                } else {
                    (Source::Manual, "relabelled and accepted")
                };
                let text = self.slice(s.start, s.end).to_string();
                let change = self
                    .ann
                    .set
                    .label_change(s.start, s.end, label, &text, source);
                let done =
                    with_replaced(format!("{verb}: {}", describe(label, &text)), &change, None);
                return self.commit(change, done, hidden);
            }
            if relabel {
                return Some("no annotation or suggestion under the cursor to relabel".to_string());
            }
        }
        let (start, end) = match self.selection() {
            Some(sel) => sel,
            None => match self.word_at(self.cursor) {
                Some(w) => w,
                None => (self.cursor, self.cluster_end(self.cursor)),
            },
        };
        let text = self.slice(start, end).to_string();
        if text.trim().is_empty() {
            return Some("nothing to label here".to_string());
        }
        // One rule for every way of making a span: brat would need fragments and CoNLL
        // would carry I- tags across a paragraph. The selection stays, to be shortened.
        if crosses_line_break(&text) {
            return Some(CROSSES_LINE_BREAK.to_string());
        }
        self.anchor = None;
        let change = self
            .ann
            .set
            .label_change(start, end, label, &text, Source::Manual);
        let done = with_replaced(
            format!("labelled: {}", describe(label, &text)),
            &change,
            None,
        );
        self.commit(change, done, hidden)
    }

    /// `a`: accept the suggestion under the cursor and move to the next one.
    pub fn accept(&mut self, hidden: &HiddenLabels, body: usize) -> Option<String> {
        let Some(s) = self.suggestion_at(self.cursor) else {
            return Some("no suggestion under the cursor (] moves to the next)".to_string());
        };
        let text = self.slice(s.start, s.end).to_string();
        let change = self
            .ann
            .set
            .label_change(s.start, s.end, s.label, &text, Source::Accepted);
        let done = with_replaced(
            format!("accepted {}", describe(s.label, &text)),
            &change,
            None,
        );
        self.commit_and_move_on(change, done, s.end, hidden, body)
    }

    /// After `a`/`x`: commit, move to the next open suggestion and say what the cursor is
    /// on now (what was done comes second: the next decision is about the new one).
    fn commit_and_move_on(
        &mut self,
        change: Change,
        done: String,
        end: usize,
        hidden: &HiddenLabels,
        body: usize,
    ) -> Option<String> {
        let before = self.ann.set.revision;
        let msg = self.commit(change, done.clone(), hidden);
        if self.ann.set.revision == before {
            return msg;
        }
        Some(match self.move_to_next_suggestion(end, hidden, body) {
            Some(s) => format!(
                "now on {} suggested {} · {done}",
                s.label,
                self.slice(s.start, s.end)
            ),
            None => format!("no more open suggestions after this · {done}"),
        })
    }

    /// `x`: reject the suggestion under the cursor (never suggested again).
    pub fn reject(&mut self, hidden: &HiddenLabels, body: usize) -> Option<String> {
        let Some(s) = self.suggestion_at(self.cursor) else {
            return Some("no suggestion under the cursor".to_string());
        };
        let text = self.slice(s.start, s.end).to_string();
        let change = self.ann.set.reject_change(s, &text);
        let done = format!("rejected {}", describe(s.label, &text));
        self.commit_and_move_on(change, done, s.end, hidden, body)
    }

    fn move_to_next_suggestion(
        &mut self,
        from: usize,
        hidden: &HiddenLabels,
        body: usize,
    ) -> Option<Span> {
        let a = self.analysis.as_ref()?;
        let first = a.spans.partition_point(|s| s.start < from);
        let next = a.spans[first..]
            .iter()
            .find(|s| !hidden.contains(s.label) && self.ann.set.is_open(s))
            .copied();
        if let Some(s) = next {
            self.cursor = s.start;
            self.scroll_to_cursor(body);
        }
        next
    }

    /// True when an open suggestion overlaps `start..end` without lying inside it: `*`
    /// must not destroy a longer suggestion (高新区 inside 高新区管委会).
    fn cuts_a_suggestion(&self, start: usize, end: usize) -> bool {
        let Some(a) = &self.analysis else {
            return false;
        };
        let first = a.spans.partition_point(|s| s.end <= start);
        a.spans[first..]
            .iter()
            .take_while(|s| s.start < end)
            .any(|s| !(start <= s.start && s.end <= end) && self.ann.set.is_open(s))
    }

    /// `A`: ask to accept every open suggestion with the label of the one under the cursor.
    pub fn accept_all(&mut self) -> Option<String> {
        if self.analysis_partial {
            // "All" must mean the whole article, not the part detected so far.
            return Some(super::app::STILL_DETECTING.to_string());
        }
        let Some(s) = self.suggestion_at(self.cursor) else {
            return Some("put the cursor on a suggestion: A accepts all of its label".to_string());
        };
        let detected = self
            .analysis
            .as_ref()
            .map(|a| a.spans.clone())
            .unwrap_or_default();
        let open: Vec<Span> = self
            .ann
            .set
            .suggestions(&detected)
            .map(|(_, s)| *s)
            .filter(|x| x.label == s.label)
            .collect();
        let mut ops = Vec::new();
        for x in &open {
            let text = self.slice(x.start, x.end).to_string();
            ops.extend(
                self.ann
                    .set
                    .label_change(x.start, x.end, x.label, &text, Source::Accepted)
                    .ops,
            );
        }
        self.pending = Pending::Confirm {
            prompt: format!("Accept all {} {} suggestions? (y/n)", open.len(), s.label),
            change: Change { ops },
            corpus: None,
        };
        None
    }

    /// `*`: ask to label every other occurrence of the annotation's text in the article,
    /// skipping occurrences that overlap existing annotations.
    pub fn label_everywhere(&mut self) -> Option<String> {
        let Some(i) = self.ann.set.at(self.cursor) else {
            return Some(
                "put the cursor on an annotation: * labels every other occurrence".to_string(),
            );
        };
        let e = self.ann.set.entities[i].clone();
        let ops: Vec<Op> = free_occurrences(&self.text, &e.text, &self.ann.set.entities)
            .into_iter()
            .filter(|&(start, end)| !self.cuts_a_suggestion(start, end))
            .map(|(start, end)| {
                Op::Insert(Entity {
                    start,
                    end,
                    ..e.clone()
                })
            })
            .collect();
        // The prompt is finished by the app, which counts the other articles first.
        self.pending = Pending::Confirm {
            prompt: String::new(),
            change: Change { ops },
            corpus: Some(e),
        };
        None
    }

    /// `d`: delete the annotation under the cursor.
    pub fn delete(&mut self, hidden: &HiddenLabels) -> Option<String> {
        let Some(i) = self.ann.set.at(self.cursor) else {
            return Some("no annotation under the cursor".to_string());
        };
        let e = self.ann.set.entities[i].clone();
        let change = self.ann.set.delete_change(i);
        self.commit(
            change,
            format!("deleted: {}", describe(e.label, &e.text)),
            hidden,
        )
    }

    /// `H`/`L` move the start edge, `<`/`>` the end edge, by a whole word (jieba's
    /// boundaries; by a cluster before they are known), on an annotation or a
    /// suggestion, `times` words (a count: `03>`) as one change. An edited suggestion
    /// becomes a manual annotation with its label.
    pub fn move_edge(
        &mut self,
        start_edge: bool,
        right: bool,
        times: usize,
        hidden: &HiddenLabels,
        body: usize,
    ) -> Option<String> {
        let (span, index) = match self.ann.set.at(self.cursor) {
            Some(i) => (self.ann.set.entities[i].span(), Some(i)),
            None => match self.suggestion_at(self.cursor) {
                Some(s) => (s, None),
                None => return Some("no annotation or suggestion under the cursor".to_string()),
            },
        };
        let times = times.max(1);
        let (mut s, mut t) = (span.start, span.end);
        // Why a count stopped early, said with what was applied: part of a move is never
        // applied silently.
        let mut stopped = None;
        for moved in 0..times {
            let (next_s, next_t) = self.edge_step(s, t, start_edge, right);
            let reason = if (next_s, next_t) == (s, t) {
                "cannot move that edge further"
            } else if crosses_line_break(self.slice(next_s, next_t)) {
                CROSSES_LINE_BREAK
            } else {
                (s, t) = (next_s, next_t);
                continue;
            };
            if moved == 0 {
                return Some(reason.to_string());
            }
            stopped = Some(format!(
                " · {moved} of {times} moves: {}",
                if reason == CROSSES_LINE_BREAK {
                    "stopped at the line break"
                } else {
                    "no further"
                }
            ));
            break;
        }
        let text = self.slice(s, t).to_string();
        let change = match index {
            Some(i) => self.ann.set.resize_change(i, s, t, &text),
            None => self
                .ann
                .set
                .label_change(s, t, span.label, &text, Source::Manual),
        };
        if self.cursor < s || self.cursor >= t {
            self.cursor = s;
            self.scroll_to_cursor(body);
        }
        let own = index.map(|i| &self.ann.set.entities[i]);
        let done = with_replaced(
            format!(
                "now: {}{}",
                describe(span.label, &text),
                stopped.unwrap_or_default()
            ),
            &change,
            own,
        );
        self.commit(change, done, hidden)
    }

    /// One edge move of `s..t` (see [`Reader::move_edge`]); `(s, t)` itself when the edge
    /// can go nowhere further.
    fn edge_step(&self, s0: usize, t0: usize, start_edge: bool, right: bool) -> (usize, usize) {
        let (mut s, mut t) = (s0, t0);
        // Word by word until the edge sits beside a character a span may begin or end
        // with: punctuation is passed over, never left at an edge (2020年1月24日( ).
        loop {
            let (was_s, was_t) = (s, t);
            match (start_edge, right) {
                (true, false) => s = self.word_start_before(s).unwrap_or(s),
                (true, true) => s = self.word_start_after(s).filter(|&n| n < t).unwrap_or(s),
                (false, false) => t = self.word_start_before(t).filter(|&p| p > s).unwrap_or(t),
                (false, true) => t = self.word_start_after(t).unwrap_or(self.chars),
            }
            if (s, t) == (was_s, was_t) {
                // Nowhere further: only punctuation that way.
                return (s0, t0);
            }
            let edge = if start_edge {
                s
            } else {
                self.cluster_start(t.saturating_sub(1))
            };
            let c = self.slice(edge, self.cluster_end(edge)).chars().next();
            let inside = self.slice(s, t);
            if c.is_some_and(|c| may_edge(c) || closes_pair(c, inside))
                || inside.contains(['\n', '\r'])
            {
                return (s, t);
            }
        }
    }

    /// The word start before `offset` (a cluster before the words are known).
    fn word_start_before(&self, offset: usize) -> Option<usize> {
        match self.analysis.as_ref().map(|a| &a.words) {
            // Word starts inside a cluster (a combining mark) snap to its start.
            Some(w) => w
                .before(offset)
                .map(|x| self.cluster_start(x))
                .find(|&x| x < offset),
            None => self.prev_cluster(offset),
        }
    }

    /// The word start after `offset` (a cluster before the words are known).
    fn word_start_after(&self, offset: usize) -> Option<usize> {
        match self.analysis.as_ref().map(|a| &a.words) {
            // Not inside a cluster (a line break is not a visible cluster, but an end).
            Some(w) => w.after(offset).find(|&x| {
                let c = self.cluster_start(x);
                c == x || self.cluster_end(c) <= x
            }),
            None => self.next_cluster(offset),
        }
    }

    /// `s`: todo -> in_progress -> done.
    pub fn cycle_status(&mut self, hidden: &HiddenLabels) -> Option<String> {
        let to = self.ann.set.status.next();
        let change = self.ann.set.status_change(to);
        self.commit(change, format!("status: {}", to.name()), hidden)
    }

    pub fn answer(&mut self, yes: bool, hidden: &HiddenLabels) -> Option<String> {
        let Pending::Confirm { change, .. } = std::mem::take(&mut self.pending) else {
            return None;
        };
        if !yes {
            return Some("cancelled".to_string());
        }
        let n = change
            .ops
            .iter()
            .filter(|o| matches!(o, Op::Insert(_)))
            .count();
        if n == 0 {
            return Some("nothing to label here".to_string());
        }
        let spans = crate::text::count(n, "span", "spans");
        self.commit(change, format!("labelled {spans} (u undoes)"), hidden)
    }

    pub fn undo(&mut self, hidden: &HiddenLabels) -> Option<String> {
        if self.ann.read_only.is_some() {
            return Some("read-only".to_string());
        }
        let effect = self.ann.set.undo_effect();
        let done = match self.ann.set.try_undo() {
            Ok(done) => done,
            Err(e) => return Some(in_the_way("undo", &e)),
        };
        if done {
            self.ann.state = SaveState::Unsaved;
            self.refresh_confirmed(false);
            self.rebuild_panel(hidden);
        }
        Some(match effect {
            Some(effect) if done => self.outcome("undone", "nothing undone", &effect),
            _ => "nothing to undo".to_string(),
        })
    }

    pub fn redo(&mut self, hidden: &HiddenLabels) -> Option<String> {
        if self.ann.read_only.is_some() {
            return Some("nothing to redo".to_string());
        }
        let effect = self.ann.set.redo_effect();
        let done = match self.ann.set.try_redo() {
            Ok(done) => done,
            Err(e) => return Some(in_the_way("redo", &e)),
        };
        if done {
            self.ann.state = SaveState::Unsaved;
            self.refresh_confirmed(false);
            self.rebuild_panel(hidden);
        }
        Some(match effect {
            Some(effect) if done => self.outcome("redone", "nothing redone", &effect),
            _ => "nothing to redo".to_string(),
        })
    }

    /// An undo's or redo's notice: plain when it did all it meant to, else naming the
    /// span a merge took away (another writer's change, or set aside) as redo's refusal
    /// names the span in its way.
    fn outcome(&self, done: &str, nothing: &str, effect: &Effect) -> String {
        let Some(first) = effect.gone.first() else {
            return done.to_string();
        };
        let what = describe(first.label, &first.text);
        let why = if self.ann.unanchored.iter().any(|u| u == first) {
            format!("{what} was set aside by a merge (kept under unanchored; see the panel, p)")
        } else if let Some(now) = self
            .ann
            .set
            .entities
            .iter()
            .find(|e| e.start < first.end && first.start < e.end)
        {
            format!(
                "{what} was changed by another writer (now {})",
                describe(now.label, &now.text)
            )
        } else {
            format!("{what} was deleted by another writer")
        };
        let more = match effect.gone.len() - 1 {
            0 => String::new(),
            n => format!(" (and {} more)", crate::text::count(n, "span", "spans")),
        };
        if effect.changes {
            format!("{done} the rest: {why}{more}")
        } else {
            format!("{nothing}: {why}{more}")
        }
    }

    pub fn status(&self) -> Status {
        self.ann.set.status
    }
}
