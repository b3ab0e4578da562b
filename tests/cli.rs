//! The binary as scripts use it.

use inkmark::text::{layout, WidthOptions};
use std::process::Command;
use unicode_width::UnicodeWidthStr;

fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    // Keep the user's own config and state out of the tests.
    let empty = std::env::temp_dir().join("inkmark-cli-test-empty");
    c.env("INKMARK_CONFIG_DIR", &empty)
        .env("INKMARK_STATE_DIR", &empty);
    c
}

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
    assert!(err.contains("no folder no/such/folder"), "{err}");
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
    assert!(
        err.contains("inkmark.toml") && err.contains("line 1"),
        "{err}"
    );
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
