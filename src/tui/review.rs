//! Review mode's state (`inkmark review`): the annotators compared and, for the open
//! article, their comparison and which disagreements are still open. The gold folder is
//! the app's annotation folder, so saving, undo and the editing keys are the reader's.

use super::annotate::SaveState;
use super::app::{App, Screen};
use crate::annotation::{Annotations, Status};
use crate::team::review::{load_versions, Choice, Review, Slicer};
use crate::team::Annotator;
use std::collections::BTreeSet;

/// The review keys, independent of which key says them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKey {
    /// The first annotator's version.
    First,
    /// The second annotator's version.
    Second,
    /// Every version, where they do not overlap.
    Both,
    /// None of them.
    Neither,
    /// The next annotator's version each press (any number of annotators).
    Cycle,
}

/// What review mode keeps over the session.
#[derive(Debug, Clone)]
pub struct ReviewSession {
    pub annotators: Vec<Annotator>,
    pub article: Option<ArticleReview>,
    /// Per corpus entry, its open disagreements (`None`: not known before it is opened;
    /// empty: no corpus figure). The open article's live count replaces its entry.
    pub counts: Vec<Option<usize>>,
}

/// The open article's comparison.
#[derive(Debug, Clone)]
pub struct ArticleReview {
    /// The corpus entry it belongs to.
    pub entry: usize,
    pub review: Review,
    /// Disagreements not resolved in the gold set, by index.
    pub open: BTreeSet<usize>,
    /// The gold set's revision `open` was brought up to date with.
    seen_revision: u64,
    /// The last `Cycle` press: (disagreement, annotator taken).
    cycled: Option<(usize, usize)>,
}

impl ReviewSession {
    pub fn new(annotators: Vec<Annotator>) -> ReviewSession {
        ReviewSession {
            annotators,
            article: None,
            counts: Vec::new(),
        }
    }
}

impl ArticleReview {
    /// `(2 of 37, 36 left)` for disagreement `i`.
    fn progress(&self, i: usize) -> String {
        let total = self.review.disagreements.len();
        let state = if self.open.contains(&i) {
            ""
        } else {
            "resolved; "
        };
        format!("({} of {total}, {state}{} left)", i + 1, self.open.len())
    }
}

/// Sets the article just opened up for review: compares the annotators' files and, the
/// first time (no gold file yet), takes what they all agree on into the gold set.
pub(crate) fn start(app: &mut App) {
    let Some(session) = app.review.as_mut() else {
        return;
    };
    let Screen::Reader(r) = &mut app.screen else {
        return;
    };
    let rel = app.corpus.entries[r.entry].rel.clone();
    let versions = load_versions(&session.annotators, &rel, &r.text, &r.sha);
    let review = Review::new(versions.names, &versions.spans);
    let mut notes: Vec<String> = Vec::new();
    if r.ann.read_only.is_none() {
        let first = !r.ann.store.path.exists();
        if first {
            let mut slicer = Slicer::new(&r.text);
            let agreed = review.agreed_entities(|a, b| slicer.slice(a, b).to_string());
            notes.push(format!("{} agreed spans taken", agreed.len()));
            // Not an undoable step: it is where the review starts.
            r.ann.set = Annotations::new(agreed, Vec::new(), Status::InProgress);
            r.ann.state = SaveState::Unsaved;
            r.ann.saved_revision = u64::MAX;
        }
        let ours = r.ann.extra.get("source").and_then(|v| v.as_str()) == Some("review");
        if !first && !ours {
            // Most likely an annotator's own folder given as --to: say so, lose nothing.
            notes.push("this file was not written by review: choices are added to it".into());
        }
        // The file says it is a review, and of whom (kept beside the format's keys).
        r.ann.extra.insert("source".into(), "review".into());
        r.ann.extra.insert(
            "reviewed".into(),
            serde_json::Value::from(review.annotators.clone()),
        );
    }
    r.ann.set.take_touched();
    let open = review.open_in(&r.ann.set);
    let total = review.disagreements.len();
    let mut line = format!("review: {} of {total} disagreements left", open.len());
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join(", ")));
    }
    line.push_str("; ] next");
    let mut lines = vec![line];
    // One line per annotator left out, joined: never compared at wrong offsets.
    lines.extend(versions.skipped.iter().map(|s| format!("skipped {s}")));
    let hidden = app.hidden.clone();
    // The set may have been replaced whole: the entity walk's cached index goes.
    r.mark_index = None;
    r.refresh_confirmed(false);
    r.rebuild_panel(&hidden);
    let seen_revision = r.ann.set.revision;
    let entry = r.entry;
    // What the article left behind still has open counts toward the corpus figure.
    if let Some(prev) = &session.article {
        if let Some(c) = session.counts.get_mut(prev.entry) {
            *c = Some(prev.open.len());
        }
    }
    session.article = Some(ArticleReview {
        entry,
        review,
        open,
        seen_revision,
        cycled: None,
    });
    if let Some((a, r)) = current(app) {
        publish(a, r, &hidden);
    }
    let opened = app.message.take();
    app.message = Some(
        opened
            .into_iter()
            .chain(lines)
            .collect::<Vec<_>>()
            .join("; "),
    );
}

/// Open disagreements listed in the entity panel (the status bar counts them all; `]`
/// walks them all).
const LISTED: usize = 300;

/// Lists the first open disagreements, with who said what, for the entity panel
/// (rebuilt only when the list changed).
fn publish(a: &ArticleReview, r: &mut super::reader::Reader, hidden: &crate::label::HiddenLabels) {
    let rows: Vec<(crate::label::Span, String)> = a
        .open
        .iter()
        .take(LISTED)
        .filter_map(|&i| {
            let d = &a.review.disagreements[i];
            let label = d.spans.first()?.0.label;
            let said = a.review.describe(i, |s, e| r.slice(s, e).to_string());
            Some((crate::label::Span::new(d.start, d.end, label), said))
        })
        .collect();
    if rows != r.review_rows || r.review_open != a.open.len() {
        r.review_rows = rows;
        r.review_open = a.open.len();
        r.rebuild_panel(hidden);
    }
}

/// The review of the open article, when reviewing.
fn current(app: &mut App) -> Option<(&mut ArticleReview, &mut super::reader::Reader)> {
    let article = app.review.as_mut()?.article.as_mut()?;
    let Screen::Reader(r) = &mut app.screen else {
        return None;
    };
    (article.entry == r.entry).then_some((article, r))
}

/// Brings the open set up to date with the gold set after any change (a choice, a hand
/// edit, undo, a merge on save): only the disagreements around what changed are checked.
pub(crate) fn sync(app: &mut App) {
    let Some((a, r)) = current(app) else {
        return;
    };
    let touched = r.ann.set.take_touched();
    let revision = r.ann.set.revision;
    match touched {
        Some((start, end)) => a.review.recheck(&mut a.open, &r.ann.set, start, end),
        // Replaced whole (a merge with the file on disk, a reload): all again.
        None if revision != a.seen_revision => a.open = a.review.open_in(&r.ann.set),
        None => {}
    }
    a.seen_revision = revision;
    let hidden = app.hidden.clone();
    if let Some((a, r)) = current(app) {
        publish(a, r, &hidden);
    }
}

/// `]` / `[` in review: the next (previous) open disagreement.
pub(crate) fn walk(app: &mut App, forward: bool, body: usize) -> String {
    let Some((a, r)) = current(app) else {
        return "not reviewing".to_string();
    };
    let fresh = r.fresh && forward;
    let Some((i, wrapped)) = a.review.next_open(&a.open, r.cursor, forward, fresh) else {
        return if a.review.disagreements.is_empty() {
            "no disagreements in this article (J: next article)".to_string()
        } else {
            "all disagreements resolved here (J: next article; s: mark done)".to_string()
        };
    };
    let d = &a.review.disagreements[i];
    r.cursor = d.start;
    r.anchor = None;
    r.reveal_line(r.layout.line_of(d.start), body);
    let wrap = match (wrapped, forward) {
        (false, _) => "",
        (true, true) => "wrapped to the first: ",
        (true, false) => "wrapped to the last: ",
    };
    let said = a.review.describe(i, |s, e| r.slice(s, e).to_string());
    format!("{wrap}{said} {}", a.progress(i))
}

/// A choice key on the disagreement under the cursor.
pub(crate) fn choose(app: &mut App, key: ReviewKey) -> String {
    let hidden = app.hidden.clone();
    let Some((a, r)) = current(app) else {
        return "not reviewing (inkmark review --annotations A --annotations B --to DIR)"
            .to_string();
    };
    let Some(i) = a.review.at(r.cursor) else {
        return "no disagreement under the cursor (] goes to the next)".to_string();
    };
    let n = a.review.annotators.len();
    let choice = match key {
        ReviewKey::First => Choice::Take(0),
        ReviewKey::Second if n < 2 => {
            return "only one annotator here: no second version".to_string()
        }
        ReviewKey::Second => Choice::Take(1),
        ReviewKey::Both => Choice::All,
        ReviewKey::Neither => Choice::Neither,
        ReviewKey::Cycle => Choice::Take(match a.cycled {
            Some((j, k)) if j == i => (k + 1) % n.max(1),
            _ => 0,
        }),
    };
    a.cycled = match choice {
        Choice::Take(k) => Some((i, k)),
        _ => None,
    };
    let change = match a
        .review
        .choice_change(i, choice, &r.ann.set, |s, e| r.slice(s, e).to_string())
    {
        Ok(c) => c,
        Err(why) => return why,
    };
    let what = match choice {
        Choice::Take(k) => {
            let name = &a.review.annotators[k];
            let v = a.review.disagreements[i].version(k);
            if v.is_empty() {
                format!("took {name}'s: nothing")
            } else {
                let spans: Vec<String> = v
                    .iter()
                    .map(|s| format!("{} {}", s.label, r.slice(s.start, s.end)))
                    .collect();
                format!("took {name}'s: {}", spans.join(" + "))
            }
        }
        Choice::All => "took every version".to_string(),
        Choice::Neither => "took none".to_string(),
    };
    if change.is_empty() {
        return format!("already so: {what}");
    }
    if let Some(m) = r.commit(change, what.clone(), &hidden) {
        if m != what {
            return m; // read-only, or nothing changed
        }
    }
    if let Some((start, end)) = r.ann.set.take_touched() {
        a.review.recheck(&mut a.open, &r.ann.set, start, end);
    }
    a.seen_revision = r.ann.set.revision;
    publish(a, r, &hidden);
    format!("{what} {}", a.progress(i))
}

/// For the status bar: who said what in the disagreement under the cursor.
pub fn status_line(app: &App) -> Option<String> {
    let a = app.review.as_ref()?.article.as_ref()?;
    let r = app.reader().filter(|r| r.entry == a.entry)?;
    let i = a.review.at(r.cursor)?;
    let said = a.review.describe(i, |s, e| r.slice(s, e).to_string());
    Some(format!("{said} {}", a.progress(i)))
}

/// For the status bar's counts: `36/37 to review (corpus 1204)`; the corpus figure
/// ends with `+` when some articles' counts are not known before they are opened.
pub fn left(app: &App) -> Option<String> {
    let session = app.review.as_ref()?;
    let a = session.article.as_ref()?;
    app.reader().filter(|r| r.entry == a.entry)?;
    let here = format!(
        "{}/{} to review",
        a.open.len(),
        a.review.disagreements.len()
    );
    if session.counts.len() <= 1 {
        return Some(here);
    }
    let (mut sum, mut unknown) = (0, false);
    for (i, c) in session.counts.iter().enumerate() {
        match (i == a.entry, c) {
            (true, _) => sum += a.open.len(),
            (false, Some(n)) => sum += n,
            (false, None) => unknown = true,
        }
    }
    let plus = if unknown { "+" } else { "" };
    Some(format!("{here} (corpus {sum}{plus})"))
}

/// Whether code point `offset` of the open article is in an open disagreement (drawn
/// marked).
pub fn is_open_at(app: &App, offset: usize) -> bool {
    app.review
        .as_ref()
        .and_then(|s| s.article.as_ref())
        .filter(|a| app.reader().is_some_and(|r| r.entry == a.entry))
        .and_then(|a| a.review.at(offset).map(|i| a.open.contains(&i)))
        .unwrap_or(false)
}
