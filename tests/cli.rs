//! The binary as scripts use it.

mod common;

use common::cli::inkmark;
use inkmark::text::{layout, WidthOptions};
use std::process::Command;
use unicode_width::UnicodeWidthStr;

const SEED: &str = "seeds/000_fb090d6bc539e31c.txt";

#[test]
fn show_wraps_exactly_as_the_reader() {
    let out = inkmark()
        .args(["show", SEED, "--width", "40"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let text = std::fs::read_to_string(SEED).unwrap();
    let expected = layout(&text, 40, WidthOptions::default()).render_plain(&text);
    assert_eq!(stdout, expected);
    assert!(stdout.lines().all(|l| l.width() <= 40));
    let head: Vec<&str> = stdout.lines().take(16).collect();
    insta::assert_snapshot!(head.join("\n"));
}

#[test]
fn show_defaults_to_80_columns_when_piped() {
    let out = inkmark().args(["show", SEED]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().all(|l| l.width() <= 80));
    assert!(stdout.lines().any(|l| l.width() >= 76));
}

#[test]
fn show_ambiguous_wide_counts_quotes_as_two_columns() {
    let narrow = inkmark().args(["show", SEED, "-w", "30"]).output().unwrap();
    let wide = inkmark()
        .args(["show", SEED, "-w", "30", "--ambiguous-wide"])
        .output()
        .unwrap();
    assert_ne!(narrow.stdout, wide.stdout);
    let wide = String::from_utf8(wide.stdout).unwrap();
    assert!(wide.lines().all(|l| l.width_cjk() <= 30));
}

#[test]
fn show_never_prints_raw_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil.txt");
    std::fs::write(
        &f,
        "标题\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}txt\r\n正文\u{9b}1m",
    )
    .unwrap();
    let out = inkmark().arg("show").arg(&f).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "标题␛]0;owned␇␛[2J<U+202E>txt\n正文<U+009B>1m\n");
}

#[test]
fn show_reports_invalid_utf8_and_still_prints() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("latin1.txt");
    std::fs::write(&f, b"caf\xe9 \xe4\xb8\xad").unwrap();
    let out = inkmark().arg("show").arg(&f).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "caf� 中\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("not valid UTF-8 from byte 3"), "{err}");
}

#[test]
fn errors_are_one_clear_line() {
    let out = inkmark()
        .args(["show", "no/such/file.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("inkmark: cannot read no/such/file.txt: "),
        "{err}"
    );

    let out = inkmark()
        .args(["show", SEED, "--width", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let out = inkmark().arg("no/such/folder").output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no/such/folder: no such folder or command"),
        "{err}"
    );
}

#[test]
fn the_reader_refuses_to_start_without_a_terminal() {
    let out = inkmark().arg("seeds").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("needs a terminal"), "{err}");
}

#[test]
fn bad_config_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "正文").unwrap();
    std::fs::write(
        dir.path().join("inkmark.toml"),
        "ambiguous_wide = \"yes\"\n",
    )
    .unwrap();
    let out = inkmark()
        .arg("show")
        .arg(dir.path().join("a.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("inkmark.toml:1: "), "{err}");
}

#[test]
fn config_file_turns_on_ambiguous_wide() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.txt");
    std::fs::write(&f, "“一二三四”").unwrap();
    let plain = inkmark()
        .arg("show")
        .arg(&f)
        .args(["-w", "10"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(plain.stdout).unwrap(), "“一二三四”\n");
    std::fs::write(dir.path().join("inkmark.toml"), "ambiguous_wide = true\n").unwrap();
    let wide = inkmark()
        .arg("show")
        .arg(&f)
        .args(["-w", "10"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(wide.stdout).unwrap(), "“一二三\n四”\n");
}

#[test]
fn help_lists_the_commands() {
    let out = inkmark().arg("--help").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("show") && s.contains("--ambiguous-wide"), "{s}");
}

// --- detect ---------------------------------------------------------------------------

fn run_with_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = inkmark()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn detect_lines_from_stdin_gives_code_point_offsets() {
    let out = run_with_stdin(
        &["detect", "--lines", "-"],
        "记者高轶鹏报道\n\n😀平煤神马集团捐款200万元\r\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "one object per input line, blank ones included"
    );
    assert_eq!(lines[0]["id"], 0);
    let mut first = lines[0]["entities"][0].clone();
    let score = first
        .as_object_mut()
        .unwrap()
        .remove("score")
        .and_then(|s| s.as_f64())
        .expect("a score per entity");
    assert!((0.0..=1.0).contains(&score));
    assert_eq!(
        first,
        serde_json::json!({"start": 2, "end": 5, "label": "PER", "text": "高轶鹏", "source": "model"})
    );
    assert_eq!(lines[1]["entities"], serde_json::json!([]));
    let ents = lines[2]["entities"].as_array().unwrap();
    let org = ents.iter().find(|e| e["label"] == "ORG").unwrap();
    assert_eq!(
        (org["start"].as_u64(), org["text"].as_str()),
        (Some(1), Some("平煤神马集团"))
    );
    assert!(ents
        .iter()
        .any(|e| e["label"] == "QTY" && e["text"] == "200万元"));
}

#[test]
fn detect_files_gives_one_object_per_file() {
    let out = inkmark()
        .args(["detect", SEED, "seeds/001_6f56a82d68c31997.txt"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let objs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 2);
    assert_eq!(objs[0]["file"], SEED);
    assert_eq!(objs[0]["sha256"].as_str().unwrap().len(), 64);
    let text: Vec<char> = std::fs::read_to_string(SEED).unwrap().chars().collect();
    let ents = objs[0]["entities"].as_array().unwrap();
    assert!(ents.len() > 100);
    for e in ents {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            text[s..t].iter().collect::<String>(),
            e["text"].as_str().unwrap()
        );
    }
}

#[test]
fn detect_reports_a_missing_file() {
    let out = inkmark().args(["detect", "nope.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("cannot read nope.txt"));
}

/// The quality bar, measured the way the team measures it: ner_eval.py on the People's
/// Daily dev set from ../shared (skipped, with a note, where shared/ is not beside the
/// repository). The shipped model learned from most of this split, so this guards against
/// regressions; the held-out figures come from `cargo run --release --example train_base
/// -- --eval` (BENCHMARKS.md).
#[test]
fn detection_beats_the_baseline_on_the_dev_set() {
    let shared = std::path::Path::new("../shared");
    let (gold, eval) = (
        shared.join("data/peoples-daily-dev.bio"),
        shared.join("tools/ner_eval.py"),
    );
    if !gold.exists() || !eval.exists() {
        eprintln!("note: ../shared not found; dev-set evaluation skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("dev.txt");
    let status = Command::new("python3")
        .arg(&eval)
        .args(["text"])
        .arg(&gold)
        .arg("-o")
        .arg(&text)
        .status();
    let Ok(status) = status else {
        eprintln!("note: python3 not found; dev-set evaluation skipped");
        return;
    };
    assert!(status.success());
    let score = |baseline: bool| -> std::collections::HashMap<String, f64> {
        let pred = dir
            .path()
            .join(if baseline { "base.jsonl" } else { "pred.jsonl" });
        let mut cmd = inkmark();
        cmd.args(["detect", "--lines"]);
        if baseline {
            cmd.arg("--baseline");
        }
        let out = cmd.arg(&text).output().unwrap();
        assert!(out.status.success());
        std::fs::write(&pred, out.stdout).unwrap();
        let out = Command::new("python3")
            .arg(&eval)
            .arg("eval")
            .arg(&gold)
            .arg(&pred)
            .output()
            .unwrap();
        let report = String::from_utf8(out.stdout).unwrap();
        // Rows: "PER  gold pred tp P R F1"; the last line: micro_f1=0.xxxx.
        let mut f1 = std::collections::HashMap::new();
        for line in report.lines() {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() == 7 && ["PER", "LOC", "ORG", "micro"].contains(&cols[0]) {
                f1.insert(cols[0].to_string(), cols[6].parse::<f64>().unwrap());
            }
        }
        eprintln!("{report}");
        f1
    };
    let ours = score(false);
    let base = score(true);
    assert!(
        ours["micro"] >= 0.70,
        "micro-F1 {} below 0.70",
        ours["micro"]
    );
    for t in ["PER", "LOC", "ORG"] {
        assert!(
            ours[t] > base[t],
            "{t}: {} not above the baseline {}",
            ours[t],
            base[t]
        );
    }
}

#[test]
fn detect_in_parallel_gives_the_same_output_in_the_same_order() {
    let files = [
        "seeds/003_17048d2a7eb59877.txt",
        SEED,
        "seeds/001_6f56a82d68c31997.txt",
    ];
    let one = inkmark()
        .args(["detect", "-j", "1"])
        .args(files)
        .output()
        .unwrap();
    let two = inkmark()
        .args(["detect", "-j", "2"])
        .args(files)
        .output()
        .unwrap();
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout, two.stdout);
    let lines: Vec<String> = String::from_utf8(two.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["file"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(lines, files);
    let text = "记者高轶鹏\n".repeat(200);
    let a = run_with_stdin(&["detect", "--lines", "-j", "1", "-"], &text);
    let b = run_with_stdin(&["detect", "--lines", "-j", "2", "-"], &text);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(String::from_utf8(b.stdout).unwrap().lines().count(), 200);
}

#[test]
fn bad_key_bindings_stop_the_reader_with_the_file_and_the_action() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "正文").unwrap();
    let toml = dir.path().join("inkmark.toml");
    for (config, want) in [
        ("[keys]\nacept = \"a\"\n", "unknown action \"acept\""),
        (
            "[keys]\npanel = \"a\"\n",
            "a is bound to both accept and panel",
        ),
    ] {
        std::fs::write(&toml, config).unwrap();
        // Checked before the terminal is needed, so a script sees it too.
        let out = inkmark().arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("inkmark.toml:2: [keys]") && err.contains(want),
            "{err}"
        );
    }
}

#[test]
fn brat_goes_where_the_tui_puts_it_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let ann = dir.path().join("ann");
    std::fs::create_dir_all(&ann).unwrap();
    // One annotated article, so there is something to export.
    let text = std::fs::read_to_string(SEED).unwrap();
    let sha = inkmark::detect::sha256_hex(text.as_bytes());
    let mut f = inkmark::annotation::AnnotationFile::new("000_fb090d6bc539e31c.txt", &sha, "t");
    f.entities.push(inkmark::annotation::Entity {
        start: 0,
        end: 2,
        label: inkmark::label::Label::LOC,
        text: text.chars().take(2).collect(),
        source: inkmark::annotation::Source::Manual,
        by: Vec::new(),
    });
    std::fs::write(ann.join("000_fb090d6bc539e31c.json"), f.to_json()).unwrap();
    let out = inkmark()
        .current_dir(dir.path())
        .args(["export", "--format", "brat", "--annotations"])
        .arg(&ann)
        .arg(&seeds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("exports/brat/annotation.conf").exists());
    assert!(!dir.path().join("export-brat").exists());
    // Usage errors are clap's: exit status 2, as the README says.
    let out = inkmark().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
