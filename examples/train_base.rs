//! Trains the base model of the character tagger on the public corpora in ../shared/data
//! and writes models/base.inkm (embedded in the binary at the next build). Deterministic.
//!
//!     cargo run --release --example train_base              # the shipped model
//!     cargo run --release --example train_base -- --eval    # held-out figures (see below)
//!
//! `--eval` trains on the People's Daily clauses, 90% of MSRA 3k and the even sentences of
//! the People's Daily dev split, and scores the odd dev sentences and the other 10% of MSRA
//! against the rules alone. Other flags: `--no-clauses`, `--epochs N`, `--max-features N`,
//! `--data DIR` (default ../shared/data), `--out FILE`, `--curve` (learning curve),
//! `--adapt` (a base model without MSRA trained further on N MSRA sentences, as
//! `inkmark train` does), `--pred DIR` (with `--eval`: the held-out sentences and both
//! detectors' predictions, for ner_eval.py and effort.py).

use inkmark::detect::tagger::{bio, model::Model, train, Example};
use inkmark::detect::Detector;
use std::path::PathBuf;
use std::time::Instant;

const LABELS: [&str; 3] = ["PER", "LOC", "ORG"];

fn label_index(l: &str) -> Option<usize> {
    LABELS.iter().position(|x| *x == l)
}

fn examples(d: &Detector, sents: &[bio::Sentence]) -> Vec<Example> {
    let one = |part: &[bio::Sentence]| -> Vec<Example> {
        part.iter()
            .map(|s| {
                let spans: Vec<(usize, usize, usize)> = s
                    .spans
                    .iter()
                    .filter_map(|(st, en, l)| label_index(l).map(|k| (*st, *en, k)))
                    .collect();
                d.example(&s.text, &spans)
            })
            .collect()
    };
    let (a, b) = sents.split_at(sents.len() / 2);
    std::thread::scope(|scope| {
        let h = scope.spawn(|| one(b));
        let mut out = one(a);
        out.extend(h.join().expect("feature thread"));
        out
    })
}

/// Rules-only predictions scored the same way.
fn rules_score(d: &Detector, sents: &[bio::Sentence]) -> train::Score {
    let mut score = train::Score::default();
    for s in sents {
        let pred: Vec<(usize, usize, usize)> = d
            .detect(&s.text)
            .iter()
            .filter_map(|sp| label_index(sp.label.name()).map(|k| (sp.start, sp.end, k)))
            .collect();
        let gold: Vec<(usize, usize, usize)> = s
            .spans
            .iter()
            .filter_map(|(st, en, l)| label_index(l).map(|k| (*st, *en, k)))
            .collect();
        score.add(&pred, &gold);
    }
    score
}

fn report(name: &str, s: &train::Score) {
    println!(
        "{name:<34} micro {:.4}  PER {:.4}  LOC {:.4}  ORG {:.4}",
        s.micro_f1(),
        s.label_f1(0),
        s.label_f1(1),
        s.label_f1(2)
    );
}

/// Writes `dev-odd.bio`, `rules.jsonl` and `tagger.jsonl` into `dir`.
fn write_predictions(
    dir: PathBuf,
    rules: &Detector,
    model: &Model,
    sents: &[bio::Sentence],
    ex: &[Example],
) {
    use std::fmt::Write as _;
    std::fs::create_dir_all(&dir).expect("the --pred folder");
    let (mut gold, mut r, mut t) = (String::new(), String::new(), String::new());
    for (i, (s, e)) in sents.iter().zip(ex).enumerate() {
        let mut tags = vec!["O".to_string(); s.text.chars().count()];
        for (a, b, l) in &s.spans {
            tags[*a] = format!("B-{l}");
            for tag in &mut tags[a + 1..*b] {
                *tag = format!("I-{l}");
            }
        }
        for (c, tag) in s.text.chars().zip(&tags) {
            let _ = writeln!(gold, "{c}\t{tag}");
        }
        gold.push('\n');
        let line = |spans: Vec<(usize, usize, String)>| {
            let ents: Vec<serde_json::Value> = spans
                .into_iter()
                .map(|(a, b, l)| serde_json::json!({"start": a, "end": b, "label": l}))
                .collect();
            serde_json::json!({"id": i, "entities": ents}).to_string()
        };
        let by_rules = rules
            .detect(&s.text)
            .iter()
            .map(|sp| (sp.start, sp.end, sp.label.name().to_string()))
            .collect();
        let by_tagger = train::predict(model, &e.feats)
            .into_iter()
            .map(|(a, b, k)| (a, b, LABELS[k].to_string()))
            .collect();
        let _ = writeln!(r, "{}", line(by_rules));
        let _ = writeln!(t, "{}", line(by_tagger));
    }
    std::fs::write(dir.join("dev-odd.bio"), gold).expect("write");
    std::fs::write(dir.join("rules.jsonl"), r).expect("write");
    std::fs::write(dir.join("tagger.jsonl"), t).expect("write");
    eprintln!(
        "wrote dev-odd.bio, rules.jsonl and tagger.jsonl to {}",
        dir.display()
    );
}

/// How many times the sentences that follow the dev split's conventions are repeated.
fn repeat_of(value: &dyn Fn(&str) -> Option<String>) -> usize {
    value("--repeat").map_or(5, |r| r.parse().expect("--repeat N"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let data = PathBuf::from(value("--data").unwrap_or_else(|| "../shared/data".into()));
    let out = PathBuf::from(value("--out").unwrap_or_else(|| "models/base.inkm".into()));
    let mut opts = train::Options {
        epochs: 12,
        max_features: 100_000,
        ..train::Options::default()
    };
    if let Some(e) = value("--epochs") {
        opts.epochs = e.parse().expect("--epochs N");
    }
    if let Some(m) = value("--max-features") {
        opts.max_features = m.parse().expect("--max-features N");
    }
    let read = |name: &str| {
        bio::read(&data.join(name)).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", data.join(name).display());
            std::process::exit(1)
        })
    };
    let t0 = Instant::now();
    let clauses = if flag("--no-clauses") {
        Vec::new()
    } else {
        read("peoples-daily-1998-clauses.bio")
    };
    let msra = read("msra-train-3k.bio");
    let dev = read("peoples-daily-dev.bio");
    let rules = Detector::rules_only();
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();

    // Deterministic splits: every 10th MSRA sentence and the odd dev sentences are held out.
    let (msra_train, msra_test): (Vec<_>, Vec<_>) = msra
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 10 != 9);
    let msra_train: Vec<bio::Sentence> = msra_train.into_iter().map(|x| x.1).collect();
    let msra_test: Vec<bio::Sentence> = msra_test.into_iter().map(|x| x.1).collect();
    let (dev_a, dev_b): (Vec<_>, Vec<_>) = dev
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let dev_a: Vec<bio::Sentence> = dev_a.into_iter().map(|x| x.1).collect();
    let dev_b: Vec<bio::Sentence> = dev_b.into_iter().map(|x| x.1).collect();

    if flag("--adapt") {
        // Learning from an annotator, simulated: a base model that never saw MSRA (the
        // clauses and the even dev sentences), then trained further, as `inkmark train`
        // does, on the first N MSRA sentences; scored on the held-out MSRA tenth (the new
        // domain) and on the odd dev sentences (what it knew: does it forget?).
        let mut base_set = clauses.clone();
        for _ in 0..repeat_of(&value) {
            base_set.extend(dev_a.iter().cloned());
        }
        let base_ex = examples(&rules, &base_set);
        let base = train::train(&base_ex, labels.clone(), &opts, None, |_, _| {});
        let msra_train_ex = examples(&rules, &msra_train);
        let msra_test_ex = examples(&rules, &msra_test);
        let dev_b_ex = examples(&rules, &dev_b);
        report(
            "base: MSRA held-out",
            &train::evaluate(&base, &msra_test_ex),
        );
        report("base: PD dev (odd)", &train::evaluate(&base, &dev_b_ex));
        let adapt = train::Options {
            epochs: 8,
            min_count: 1,
            max_features: base.index.len() + 50_000,
            ..train::Options::default()
        };
        for n in [100, 500, 2000] {
            let m = train::train(
                &msra_train_ex[..n],
                labels.clone(),
                &adapt,
                Some(&base),
                |_, _| {},
            );
            report(
                &format!("+{n} MSRA: MSRA held-out"),
                &train::evaluate(&m, &msra_test_ex),
            );
            report(
                &format!("+{n} MSRA: PD dev (odd)"),
                &train::evaluate(&m, &dev_b_ex),
            );
        }
        return;
    }

    if flag("--curve") {
        // Learning curve: train on the first N MSRA sentences, test on all of PD dev; and
        // on the first N PD dev sentences, test on all of MSRA.
        let dev_ex = examples(&rules, &dev);
        let msra_ex = examples(&rules, &msra);
        for n in [100, 500, 2000] {
            let m = train::train(&msra_ex[..n], labels.clone(), &opts, None, |_, _| {});
            report(
                &format!("MSRA {n} -> PD dev"),
                &train::evaluate(&m, &dev_ex),
            );
            let m = train::train(&dev_ex[..n], labels.clone(), &opts, None, |_, _| {});
            report(
                &format!("PD dev {n} -> MSRA"),
                &train::evaluate(&m, &msra_ex),
            );
        }
        return;
    }

    // The clauses follow other conventions (see SOURCES.md): the sentences that follow the
    // dev split's are repeated so that they weigh more.
    let repeat = repeat_of(&value);
    let mut train_set: Vec<bio::Sentence> = clauses.clone();
    for _ in 0..repeat {
        train_set.extend(msra_train.iter().cloned());
        train_set.extend(dev_a.iter().cloned());
    }
    let calib: Vec<bio::Sentence> = if flag("--eval") {
        dev_b.clone()
    } else {
        // The shipped model learns from everything but a small calibration slice.
        let (keep, cal): (Vec<_>, Vec<_>) = dev_b
            .iter()
            .cloned()
            .enumerate()
            .partition(|(i, _)| i % 8 != 0);
        let keep: Vec<bio::Sentence> = keep.into_iter().map(|x| x.1).collect();
        for _ in 0..repeat {
            train_set.extend(msra_test.iter().cloned());
            train_set.extend(keep.iter().cloned());
        }
        cal.into_iter().map(|x| x.1).collect()
    };
    let train_ex = examples(&rules, &train_set);
    let calib_ex = examples(&rules, &calib);
    eprintln!(
        "{} training sentences, features extracted in {:.1} s",
        train_ex.len(),
        t0.elapsed().as_secs_f64()
    );
    let t1 = Instant::now();
    let mut model: Model = train::train(&train_ex, labels, &opts, None, |e, n| {
        eprintln!("epoch {e}/{n} ({:.1} s)", t1.elapsed().as_secs_f64())
    });
    model.temperature = train::calibrate(&model, &calib_ex);
    eprintln!(
        "trained in {:.1} s: {} features, temperature {}",
        t1.elapsed().as_secs_f64(),
        model.index.len(),
        model.temperature
    );
    if flag("--eval") {
        report("rules, PD dev (odd)", &rules_score(&rules, &dev_b));
        report("tagger, PD dev (odd)", &train::evaluate(&model, &calib_ex));
        report("rules, MSRA held-out 10%", &rules_score(&rules, &msra_test));
        report(
            "tagger, MSRA held-out 10%",
            &train::evaluate(&model, &examples(&rules, &msra_test)),
        );
        if let Some(dir) = value("--pred") {
            // The held-out dev sentences as BIO, and both detectors' predictions in the
            // scorer's JSONL, for ../shared/tools/ner_eval.py and effort.py.
            write_predictions(PathBuf::from(dir), &rules, &model, &dev_b, &calib_ex);
        }
        return;
    }
    let bytes = model.to_bytes();
    std::fs::write(&out, &bytes).expect("write the model");
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
}
