//! The numbers behind the stats view (the library's `S` and `inkmark stats` on a
//! terminal): articles by status, confirmed entities per label, each annotator's
//! progress, exact-span agreement per pair and label, and the corpus model's held-out
//! score per `train` run. Pure: no terminal here; the drawing is `tui::stats_view`.

use crate::corpus::Corpus;
use crate::label::Label;
use crate::team::peers::{peer_state, PeerState};
use crate::team::Annotator;
use std::path::Path;

/// Articles by status. Articles without an annotation file count as todo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub todo: usize,
    pub in_progress: usize,
    pub done: usize,
}

/// One annotator's progress over the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatorProgress {
    pub name: String,
    /// This session's own folder.
    pub own: bool,
    pub status: StatusCounts,
    /// Files that exist but cannot be read or parsed.
    pub broken: usize,
    /// Articles the assignment plan gives them, when there is a plan naming them.
    pub assigned: Option<usize>,
    /// Of those, the ones they marked done (an article done outside their share does
    /// not count towards it: `3/2` would read as more than finished).
    pub assigned_done: usize,
}

impl AnnotatorProgress {
    /// Done articles towards their progress: within their share when there is a plan
    /// naming them, else over the corpus.
    pub fn done_of_share(&self) -> usize {
        if self.assigned.is_some() {
            self.assigned_done
        } else {
            self.status.done
        }
    }

    /// Articles with a file of theirs (any status).
    pub fn files(&self) -> usize {
        self.status.todo + self.status.in_progress + self.status.done + self.broken
    }
}

/// Exact-span F1 between two annotators over the articles both marked done.
#[derive(Debug, Clone, PartialEq)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Articles compared (done by both).
    pub articles: usize,
    /// All labels; `None` when neither marked anything (or nothing was compared).
    pub overall: Option<f64>,
    /// Per label, in the label set's order.
    pub labels: Vec<(String, Option<f64>)>,
}

/// The agreement section.
#[derive(Debug, Clone, PartialEq)]
pub enum Agreement {
    /// Fewer than two annotators with files for this corpus.
    NotATeam,
    Pairs(Vec<PairAgreement>),
    /// Annotation files that cannot be read stopped the comparison (one line).
    Failed(String),
}

/// One `inkmark train` run of the history file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainRun {
    /// Held-out F1 of the detector before the run, and of the model it trained.
    pub current_f1: f64,
    pub new_f1: f64,
    /// Whether the new model was kept.
    pub kept: bool,
}

impl TrainRun {
    /// The held-out F1 of the model in use after the run: the new one when it was kept.
    pub fn in_use(&self) -> f64 {
        if self.kept {
            self.new_f1
        } else {
            self.current_f1
        }
    }
}

/// The runs of `train-history.jsonl`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub runs: Vec<TrainRun>,
    /// Lines that are not a run as `train` writes it (skipped, counted).
    pub bad_lines: usize,
    /// The file exists but cannot be read.
    pub error: Option<String>,
}

/// Everything the stats view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub articles: usize,
    pub status: StatusCounts,
    /// Annotation files that cannot be read or articles that cannot be read.
    pub unreadable: usize,
    /// Confirmed entities per label: the label set's order, then any other label found.
    pub labels: Vec<(String, usize)>,
    /// How many of `labels` are the set's; the rest are outside it (marked on screen).
    pub in_set: usize,
    /// Every annotator of the team (this folder and the folders beside it), sorted by
    /// name; empty when the annotation folder has no siblings.
    pub annotators: Vec<AnnotatorProgress>,
    pub agreement: Agreement,
    pub history: History,
}

/// What to compute the dashboard of.
#[derive(Debug, Clone)]
pub struct Job {
    pub corpus: Corpus,
    pub annotations: std::path::PathBuf,
    /// The annotators beside this one (`team::peers::siblings`).
    pub peers: Vec<Annotator>,
    /// The label set, in order.
    pub labels: Vec<Label>,
    pub threads: usize,
}

/// Reads the corpus's annotation files and computes the dashboard. Slow for a big
/// corpus (every file is read): the TUI calls it on a thread of its own.
pub fn compute(job: &Job) -> Dashboard {
    let own = crate::headless::stats(&job.corpus, &job.annotations, 0, || {});
    let none = own.by_status.get("none").copied().unwrap_or(0);
    let get = |k: &str| own.by_status.get(k).copied().unwrap_or(0);
    let status = StatusCounts {
        todo: get("todo") + none,
        in_progress: get("in_progress"),
        done: get("done"),
    };
    let mut labels: Vec<(String, usize)> = job
        .labels
        .iter()
        .map(|l| {
            let n = own.by_label.get(l.name()).copied().unwrap_or(0);
            (l.name().to_string(), n)
        })
        .collect();
    let in_set = labels.len();
    // Labels outside the set still count: nothing in the files is hidden.
    for (name, n) in &own.by_label {
        if !labels.iter().any(|(l, _)| l == name) {
            labels.push((name.clone(), *n));
        }
    }
    let annotators = if job.peers.is_empty() {
        Vec::new()
    } else {
        team_progress(job)
    };
    let agreement = agreement(job, &annotators);
    Dashboard {
        articles: own.articles,
        status,
        unreadable: own.unreadable.len(),
        labels,
        in_set,
        annotators,
        agreement,
        history: read_history(&job.annotations),
    }
}

/// Everyone's folder: this one and its siblings, sorted by name.
fn team(job: &Job) -> Vec<Annotator> {
    let mut all = job.peers.clone();
    all.push(Annotator::from_dir(&job.annotations));
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Per annotator, their files' statuses (read from the head of each file, as the
/// library's peers column does), and their share of the assignment plan.
fn team_progress(job: &Job) -> Vec<AnnotatorProgress> {
    let all = team(job);
    let plan = crate::team::assign::find_plan(&job.annotations)
        .and_then(|p| crate::corpus::read_regular(&p).ok())
        .and_then(|b| crate::team::assign::Plan::parse(&String::from_utf8_lossy(&b)).ok());
    let own_name = Annotator::from_dir(&job.annotations).name;
    let shares: Vec<Option<std::collections::HashSet<&str>>> = all
        .iter()
        .map(|a| {
            let share = plan.as_ref()?.annotators.get(&a.name)?;
            Some(share.iter().map(String::as_str).collect())
        })
        .collect();
    let mut out: Vec<AnnotatorProgress> = all
        .iter()
        .map(|a| AnnotatorProgress {
            name: a.name.clone(),
            own: a.name == own_name,
            status: StatusCounts::default(),
            broken: 0,
            assigned: plan
                .as_ref()
                .and_then(|p| p.annotators.get(&a.name))
                .map(Vec::len),
            assigned_done: 0,
        })
        .collect();
    crate::parallel::for_each_in_order(
        &job.corpus.entries,
        job.threads,
        |e| {
            let states = all
                .iter()
                .map(|a| peer_state(&a.dir, &e.rel))
                .collect::<Vec<_>>();
            // The plan names articles as `assign` does: the path relative to the corpus.
            (e.rel.to_string_lossy().into_owned(), states)
        },
        |(rel, states)| {
            for ((p, s), share) in out.iter_mut().zip(states).zip(&shares) {
                use crate::annotation::Status;
                match s {
                    Some(PeerState::Status(Status::Todo)) => p.status.todo += 1,
                    Some(PeerState::Status(Status::InProgress)) => p.status.in_progress += 1,
                    Some(PeerState::Status(Status::Done)) => {
                        p.status.done += 1;
                        if share.as_ref().is_some_and(|s| s.contains(rel.as_str())) {
                            p.assigned_done += 1;
                        }
                    }
                    Some(PeerState::Broken) => p.broken += 1,
                    None => {}
                }
            }
            true
        },
    );
    out
}

/// Exact-span F1 per pair of annotators who have files for this corpus, each pair over
/// the articles both marked done (as `inkmark agree` with two folders).
fn agreement(job: &Job, progress: &[AnnotatorProgress]) -> Agreement {
    let members: Vec<Annotator> = team(job)
        .into_iter()
        .filter(|a| progress.iter().any(|p| p.name == a.name && p.files() > 0))
        .collect();
    if members.len() < 2 {
        return Agreement::NotATeam;
    }
    let counts = match crate::team::pairwise(&job.corpus, &members, job.threads) {
        Ok(c) => c,
        Err(errors) => {
            let first = errors.first().cloned().unwrap_or_default();
            return Agreement::Failed(if errors.len() == 1 {
                first
            } else {
                format!("{first} (and {} more; inkmark check)", errors.len() - 1)
            });
        }
    };
    let pairs = crate::team::agree::pairs(members.len())
        .into_iter()
        .zip(counts)
        .map(|((i, j), (p, articles))| PairAgreement {
            a: members[i].name.clone(),
            b: members[j].name.clone(),
            articles,
            overall: p.f1(None),
            labels: job
                .labels
                .iter()
                .map(|&l| (l.name().to_string(), p.f1(Some(l))))
                .collect(),
        })
        .collect();
    Agreement::Pairs(pairs)
}

/// The runs of `<annotations>/train-history.jsonl`; none when there is no file.
pub fn read_history(annotations: &Path) -> History {
    let path = annotations.join(crate::learn::HISTORY_FILE);
    let bytes = match crate::corpus::read_regular(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return History::default(),
        Err(e) => {
            return History {
                error: Some(format!("{}: {e}", path.display())),
                ..History::default()
            }
        }
    };
    parse_history(&String::from_utf8_lossy(&bytes))
}

/// One run per line as `train` appends them; other lines are counted, not fatal.
pub fn parse_history(text: &str) -> History {
    let mut h = History::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let run = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| {
                Some(TrainRun {
                    current_f1: v.get("current_f1")?.as_f64()?,
                    new_f1: v.get("new_f1")?.as_f64()?,
                    kept: v.get("kept")?.as_bool()?,
                })
            })
            // F1 lies in 0..=1; anything else is not a run `train` wrote.
            .filter(|r| (0.0..=1.0).contains(&r.current_f1) && (0.0..=1.0).contains(&r.new_f1));
        match run {
            Some(r) => h.runs.push(r),
            None => h.bad_lines += 1,
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::file::{annotation_path, Entity, Source};
    use crate::annotation::{AnnotationFile, Status};
    use crate::detect::sha256_hex;
    const PER: Label = Label::PER;
    const LOC: Label = Label::LOC;
    const ORG: Label = Label::ORG;
    const TIME: Label = Label::TIME;
    const QTY: Label = Label::QTY;

    const TEXT: &str = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉";

    fn write(dir: &Path, article: &str, status: Status, spans: &[(usize, usize, Label)]) {
        let mut f = AnnotationFile::new(article, &sha256_hex(TEXT.as_bytes()), "t");
        f.status = status;
        f.entities = spans
            .iter()
            .map(|&(start, end, label)| Entity {
                start,
                end,
                label,
                text: TEXT.chars().skip(start).take(end - start).collect(),
                source: Source::Manual,
                by: Vec::new(),
            })
            .collect();
        let path = annotation_path(dir, Path::new(article));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.to_json()).unwrap();
    }

    /// Four articles; alice (this folder) and bob beside her. Article a is done by both
    /// with the spans of `team::agree`'s hand-computed fixture (F1 0.4 overall).
    fn fixture(root: &Path) -> Job {
        let corpus = root.join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        for a in ["a", "b", "c", "d"] {
            std::fs::write(corpus.join(format!("{a}.txt")), TEXT).unwrap();
        }
        let (alice, bob) = (root.join("ann/alice"), root.join("ann/bob"));
        let a_spans = [
            (0, 2, PER),
            (3, 5, LOC),
            (6, 9, ORG),
            (10, 12, PER),
            (15, 17, TIME),
        ];
        let b_spans = [
            (0, 2, PER),
            (3, 5, ORG),
            (6, 8, ORG),
            (13, 14, LOC),
            (15, 17, TIME),
        ];
        write(&alice, "a.txt", Status::Done, &a_spans);
        write(&alice, "b.txt", Status::InProgress, &[(1, 3, QTY)]);
        write(&alice, "c.txt", Status::Todo, &[]);
        write(&bob, "a.txt", Status::Done, &b_spans);
        write(&bob, "b.txt", Status::Done, &[(1, 3, QTY)]);
        std::fs::write(
            alice.join(crate::learn::HISTORY_FILE),
            "{\"current_f1\":0.5,\"new_f1\":0.6,\"kept\":true}\n{\"current_f1\":0.6,\"new_f1\":0.55,\"kept\":false}\n",
        )
        .unwrap();
        Job {
            corpus: crate::corpus::list(&corpus).unwrap(),
            peers: crate::team::peers::siblings(&alice),
            annotations: alice,
            labels: vec![PER, LOC, ORG, TIME, QTY],
            threads: 2,
        }
    }

    fn close(x: Option<f64>, want: f64) -> bool {
        x.is_some_and(|x| (x - want).abs() < 1e-9)
    }

    #[test]
    fn the_dashboard_of_a_known_corpus() {
        let tmp = tempfile::tempdir().unwrap();
        let d = compute(&fixture(tmp.path()));
        assert_eq!(d.articles, 4);
        // d.txt has no file: todo.
        let status = StatusCounts {
            todo: 2,
            in_progress: 1,
            done: 1,
        };
        assert_eq!(d.status, status);
        let labels: Vec<(&str, usize)> = d.labels.iter().map(|(l, n)| (l.as_str(), *n)).collect();
        assert_eq!(
            labels,
            [("PER", 2), ("LOC", 1), ("ORG", 1), ("TIME", 1), ("QTY", 1)]
        );
        let names: Vec<(&str, bool, usize, usize)> = d
            .annotators
            .iter()
            .map(|a| (a.name.as_str(), a.own, a.status.done, a.files()))
            .collect();
        assert_eq!(names, [("alice", true, 1, 3), ("bob", false, 2, 2)]);
        let Agreement::Pairs(pairs) = &d.agreement else {
            panic!("{:?}", d.agreement)
        };
        assert_eq!(pairs.len(), 1);
        let p = &pairs[0];
        // Only a.txt is done by both (b.txt is in progress for alice).
        assert_eq!(
            (p.a.as_str(), p.b.as_str(), p.articles),
            ("alice", "bob", 1)
        );
        assert!(close(p.overall, 0.4));
        let f1: Vec<Option<f64>> = p.labels.iter().map(|(_, f)| *f).collect();
        assert!(close(f1[0], 2.0 / 3.0) && close(f1[1], 0.0) && close(f1[2], 0.0));
        assert!(close(f1[3], 1.0));
        assert_eq!(f1[4], None, "nobody marked QTY in a.txt");
        let in_use: Vec<f64> = d.history.runs.iter().map(TrainRun::in_use).collect();
        assert_eq!(in_use, [0.6, 0.6]);
    }

    #[test]
    fn done_counts_towards_a_plan_only_within_the_annotators_share() {
        use crate::team::assign::{Plan, FORMAT, PLAN_FILE};
        let tmp = tempfile::tempdir().unwrap();
        let job = fixture(tmp.path());
        // bob has a.txt and b.txt done, but only b.txt (and c.txt) are his.
        let share = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let plan = Plan {
            format: FORMAT.to_string(),
            team: share(&["alice", "bob"]),
            overlap: 0.0,
            double: Vec::new(),
            annotators: [
                ("alice".to_string(), share(&["a.txt", "d.txt"])),
                ("bob".to_string(), share(&["b.txt", "c.txt"])),
            ]
            .into(),
        };
        std::fs::write(tmp.path().join("ann").join(PLAN_FILE), plan.to_json()).unwrap();
        let d = compute(&job);
        let got: Vec<(&str, usize, usize, Option<usize>)> = d
            .annotators
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.status.done,
                    a.done_of_share(),
                    a.assigned,
                )
            })
            .collect();
        assert_eq!(got, [("alice", 1, 1, Some(2)), ("bob", 2, 1, Some(2))]);
    }

    #[test]
    fn each_pair_is_compared_over_the_articles_both_marked_done_as_agree_does() {
        let tmp = tempfile::tempdir().unwrap();
        let mut job = fixture(tmp.path());
        // carol agrees with alice on a.txt and has b.txt done, as bob does; nobody else
        // has c.txt done.
        let carol = tmp.path().join("ann/carol");
        let a_spans = [
            (0, 2, PER),
            (3, 5, LOC),
            (6, 9, ORG),
            (10, 12, PER),
            (15, 17, TIME),
        ];
        write(&carol, "a.txt", Status::Done, &a_spans);
        write(&carol, "b.txt", Status::Done, &[(1, 4, QTY)]);
        write(&carol, "c.txt", Status::Done, &[(1, 4, QTY)]);
        job.peers = crate::team::peers::siblings(&job.annotations);
        let d = compute(&job);
        let Agreement::Pairs(pairs) = &d.agreement else {
            panic!("{:?}", d.agreement)
        };
        let got: Vec<(&str, &str, usize)> = pairs
            .iter()
            .map(|p| (p.a.as_str(), p.b.as_str(), p.articles))
            .collect();
        assert_eq!(
            got,
            [
                ("alice", "bob", 1),
                ("alice", "carol", 1),
                ("bob", "carol", 2)
            ]
        );
        assert!(close(pairs[1].overall, 1.0));
        // bob/carol: a.txt as alice/bob (2 matched of 5 + 5 spans); b.txt 1..3 vs 1..4
        // QTY, no match: 2 matched of 6 + 6 spans.
        assert!(close(pairs[2].overall, 2.0 * 2.0 / 12.0));
        // The same figures as `inkmark agree` with the two folders.
        let opts = crate::team::AgreeOptions {
            all: false,
            threads: 1,
        };
        for p in pairs {
            let two = [&p.a, &p.b].map(|n| Annotator::from_dir(&tmp.path().join("ann").join(n)));
            let r = crate::team::agree(&job.corpus, &two, opts, false, || {}).unwrap();
            assert_eq!(r.articles, p.articles, "{}/{}", p.a, p.b);
            assert_eq!(r.pairs[0].f1, p.overall, "{}/{}", p.a, p.b);
            for (label, f1) in &p.labels {
                let want = r.pairs[0].labels.get(label).and_then(|l| l.f1);
                assert_eq!(want, *f1, "{}/{} {label}", p.a, p.b);
            }
        }
    }

    #[test]
    fn a_single_annotator_has_no_team_sections() {
        let tmp = tempfile::tempdir().unwrap();
        let mut job = fixture(tmp.path());
        job.peers.clear();
        // A label the set does not define still counts, after the set's labels.
        let event = Label::new("EVENT").unwrap();
        write(&job.annotations, "d.txt", Status::Todo, &[(4, 6, event)]);
        let d = compute(&job);
        assert!(d.annotators.is_empty());
        assert_eq!(d.agreement, Agreement::NotATeam);
        assert_eq!(d.labels.last(), Some(&("EVENT".to_string(), 1)));
        assert_eq!(d.labels.len(), 6);
    }

    #[test]
    fn history_lines_give_runs_and_bad_lines_are_counted() {
        let text = r#"{"articles":3,"current_f1":0.5,"new_f1":0.625,"kept":true,"seconds":1.0}
{"current_f1":0.625,"new_f1":0.6,"kept":false}
not json
{"current_f1":0.625}
{"current_f1":7.5,"new_f1":0.7,"kept":true}

{"current_f1":0.625,"new_f1":0.75,"kept":true}
"#;
        let h = parse_history(text);
        assert_eq!(h.bad_lines, 3);
        let in_use: Vec<f64> = h.runs.iter().map(TrainRun::in_use).collect();
        // A run whose model was not kept leaves the previous model in use.
        assert_eq!(in_use, [0.625, 0.625, 0.75]);
        assert!(!h.runs[1].kept);
    }
}
