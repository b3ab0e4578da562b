//! `inkmark relabel OLD NEW`: renames a label in every annotation file of a folder, so a
//! scheme can change mid-project without losing a span. Files are written through the
//! store (atomic, merge-safe); one that does not parse is named and left alone.

use crate::annotation::store::{Batch, Done, Loaded, Store};
use crate::annotation::AnnotationFile;
use crate::label::Label;
use std::path::{Path, PathBuf};

/// What relabelling did (or, with a dry run, would do) to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: PathBuf,
    /// Entities, unplaced entities and rejected suggestions renamed.
    pub renamed: usize,
    /// Of those, how many were already there under the new label (kept once).
    pub merged: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Annotation files read.
    pub files: usize,
    pub changed: Vec<FileChange>,
    /// Files left untouched, each with why (does not parse, cannot be read or written).
    pub skipped: Vec<String>,
}

impl Report {
    /// One line per changed or skipped file, then the total.
    pub fn render(&self, old: Label, new: Label, dry_run: bool) -> String {
        let verb = if dry_run { "would rename" } else { "renamed" };
        let mut out = String::new();
        for c in &self.changed {
            out.push_str(&format!(
                "{}: {verb} {} {old} -> {new}",
                c.file.display(),
                c.renamed
            ));
            if c.merged > 0 {
                out.push_str(&format!(" ({} already {new}: kept once)", c.merged));
            }
            out.push('\n');
        }
        for s in &self.skipped {
            out.push_str(&format!("skipped {s}\n"));
        }
        let spans: usize = self.changed.iter().map(|c| c.renamed).sum();
        out.push_str(&format!(
            "{} {spans} {} in {} of {} annotation {}{}\n",
            if dry_run { "would change" } else { "changed" },
            if spans == 1 { "span" } else { "spans" },
            self.changed.len(),
            self.files,
            if self.files == 1 { "file" } else { "files" },
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        ));
        out
    }
}

/// Renames `old` to `new` in `file`; an identical span already labelled `new` makes the
/// renamed one go. Returns (renamed, merged).
pub fn relabel_file(file: &mut AnnotationFile, old: Label, new: Label) -> (usize, usize) {
    let mut total = (0, 0);
    for (r, m) in [
        rename(&mut file.entities, old, new),
        rename(&mut file.unanchored, old, new),
        rename(&mut file.rejected, old, new),
    ] {
        total = (total.0 + r, total.1 + m);
    }
    total
}

/// Entities and rejected suggestions alike: a span is its offsets and label.
trait Spanned {
    fn key(&self) -> (usize, usize, Label);
    fn set_label(&mut self, label: Label);
}

impl Spanned for crate::annotation::Entity {
    fn key(&self) -> (usize, usize, Label) {
        (self.start, self.end, self.label)
    }
    fn set_label(&mut self, label: Label) {
        self.label = label;
    }
}

impl Spanned for crate::annotation::file::Rejected {
    fn key(&self) -> (usize, usize, Label) {
        (self.start, self.end, self.label)
    }
    fn set_label(&mut self, label: Label) {
        self.label = label;
    }
}

fn rename<T: Spanned>(list: &mut Vec<T>, old: Label, new: Label) -> (usize, usize) {
    let mut renamed = 0;
    for e in list.iter_mut().filter(|e| e.key().2 == old) {
        e.set_label(new);
        renamed += 1;
    }
    if renamed == 0 {
        return (0, 0);
    }
    // The first of identical spans stays; only spans of `new` are touched.
    let mut seen = std::collections::HashSet::new();
    let before = list.len();
    list.retain(|e| e.key().2 != new || seen.insert(e.key()));
    (renamed, before - list.len())
}

/// Every annotation file under `dir` (not the team's plan, not the corpus model).
fn annotation_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in read.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && p != dir.join(crate::team::assign::PLAN_FILE)
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Renames `old` to `new` in every annotation file under `dir`; with `dry_run`, only
/// says what would change. Files are saved in batches (one sync per batch, not two
/// fsyncs per file), each as safely as a single save.
pub fn relabel(dir: &Path, old: Label, new: Label, dry_run: bool) -> Report {
    let mut report = Report::default();
    let mut batch = Batch::new();
    for path in annotation_files(dir) {
        let shown = path.display().to_string();
        let (store, mut file) = match Store::open(&path) {
            Ok((store, Loaded::Found(f))) => (store, f),
            Ok((_, Loaded::Missing)) => continue,
            Ok((_, Loaded::Corrupt(e))) => {
                report
                    .skipped
                    .push(format!("{shown}: does not parse ({e}); not changed"));
                continue;
            }
            Err(e) => {
                report.skipped.push(format!("{shown}: {e}"));
                continue;
            }
        };
        report.files += 1;
        let (renamed, merged) = relabel_file(&mut file, old, new);
        if renamed == 0 {
            continue;
        }
        let change = FileChange {
            file: path,
            renamed,
            merged,
        };
        if dry_run {
            report.changed.push(change);
            continue;
        }
        batch.push(store, file, change);
        if batch.is_full() {
            record(&mut report, batch.flush());
        }
    }
    record(&mut report, batch.flush());
    report
}

/// Files saved go to `changed`, the others to `skipped` with the reason.
fn record(report: &mut Report, done: Vec<Done<FileChange>>) {
    for d in done {
        match d.result {
            Ok(_) => report.changed.push(d.tag),
            Err(e) => report
                .skipped
                .push(format!("{}: {e}", d.tag.file.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::{Entity, Source};

    fn ent(start: usize, end: usize, label: Label) -> Entity {
        Entity {
            start,
            end,
            label,
            text: "x".repeat(end - start),
            source: Source::Manual,
            by: Vec::new(),
        }
    }

    #[test]
    fn renames_and_merges_identical_spans() {
        let gpe = Label::new("GPE").unwrap();
        let mut f = AnnotationFile::new("a.txt", &"0".repeat(64), "me");
        f.entities = vec![
            ent(0, 2, Label::LOC),
            ent(0, 2, gpe),
            ent(3, 5, Label::LOC),
            ent(6, 8, Label::PER),
        ];
        assert_eq!(relabel_file(&mut f, Label::LOC, gpe), (2, 1));
        let spans: Vec<_> = f.entities.iter().map(|e| e.span()).collect();
        assert_eq!(
            spans,
            [
                crate::label::Span::new(0, 2, gpe),
                crate::label::Span::new(3, 5, gpe),
                crate::label::Span::new(6, 8, Label::PER)
            ]
        );
        // Nothing left to rename.
        assert_eq!(relabel_file(&mut f, Label::LOC, gpe), (0, 0));
    }

    #[test]
    fn relabelling_many_files_syncs_once_per_batch_not_per_file() {
        use crate::annotation::store::syncs_by_this_thread;
        let dir = tempfile::tempdir().unwrap();
        for i in 0..40 {
            let path = dir.path().join(format!("d{}/{i}.json", i % 4));
            let mut f = AnnotationFile::new("a.txt", &"0".repeat(64), "me");
            f.entities = vec![ent(0, 2, Label::LOC), ent(3, 5, Label::PER)];
            Store::open(&path).unwrap().0.save(&f).unwrap();
        }
        std::fs::write(dir.path().join("d0/broken.json"), "{ nope").unwrap();
        let before = syncs_by_this_thread();
        let gpe = Label::new("GPE").unwrap();
        let report = relabel(dir.path(), Label::LOC, gpe, false);
        // One syncfs for the temps and one fsync per folder: not two per file (80).
        assert!(
            syncs_by_this_thread() - before <= 1 + 4,
            "{}",
            syncs_by_this_thread() - before
        );
        assert_eq!(report.changed.len(), 40);
        assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
        assert!(report.skipped[0].contains("broken.json"));
        for i in 0..40 {
            let path = dir.path().join(format!("d{}/{i}.json", i % 4));
            let (_, Loaded::Found(f)) = Store::open(&path).unwrap() else {
                panic!("{i}")
            };
            assert_eq!(f.entities[0].label, gpe);
        }
        assert_eq!(
            std::fs::read(dir.path().join("d0/broken.json")).unwrap(),
            b"{ nope"
        );
    }
}
