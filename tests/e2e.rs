//! The real binary in a real terminal (tmux): keys typed, screens read. Skipped, with a
//! note, where tmux is not installed.

use std::path::Path;

mod common;
use common::{wait_file, Tmux};

/// The shell command that runs inkmark on the seeds with its own state, config, cache and
/// annotation folders under `dir`, writing its exit status to `dir/exit`.
fn session_command(dir: &Path, extra: &str) -> String {
    format!(
        "INKMARK_STATE_DIR={d} INKMARK_CONFIG_DIR={d} INKMARK_CACHE_DIR={d}/cache {bin} seeds --annotations {d}/ann {extra} 2>{d}/stderr; echo $? > {d}/exit",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_inkmark"),
    )
}

#[test]
fn a_reading_session_in_a_real_terminal() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; end-to-end test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exit_file = dir.path().join("exit");
    let command = session_command(dir.path(), "--annotator e2e");
    let t = Tmux::start("session", 90, 24, &command);
    t.wait_for("0/5 done");
    // Open the second article, wait for entities, accept one, label a word, undo and
    // redo, save, search, open the panel, go back, quit.
    t.keys(&["j", "Enter"]);
    t.wait_for("商务中心区");
    let s = t.wait_for("PER LOC ORG TIME QTY");
    assert!(s.contains("1-23/"), "{s}");
    t.keys(&["]"]);
    t.wait_for(" of ");
    t.keys(&["a"]);
    t.wait_for("accepted: ");
    t.keys(&["j", "v", "l", "3"]);
    t.wait_for("labelled: ORG");
    t.keys(&["u"]);
    t.wait_for("undone");
    t.keys(&["C-r"]);
    t.wait_for("redone");
    t.keys(&["C-s"]);
    t.wait_for("saved");
    t.keys(&["/", "许峰", "Enter"]);
    t.wait_for("matches for 许峰");
    t.keys(&["Space", "e"]);
    t.wait_for("Entities");
    t.keys(&["Escape", "Escape", "s", "s"]);
    t.wait_for("status: done");
    t.keys(&["q"]);
    t.wait_for("1/5 done");
    t.wait_for("done 2");
    t.keys(&["q"]);
    let code = wait_file(&exit_file);
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
    assert_eq!(code.trim(), "0", "exit status; stderr: {stderr}");
    // The reading position was saved.
    let positions = std::fs::read_to_string(dir.path().join("positions.json")).unwrap();
    assert!(
        positions.contains("001_6f56a82d68c31997.txt"),
        "{positions}"
    );
}

#[test]
fn ctrl_c_quits_and_a_tiny_terminal_does_not_crash() {
    if !Tmux::available() {
        eprintln!("note: tmux not installed; end-to-end test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exit_file = dir.path().join("exit");
    let command = session_command(dir.path(), "--annotator e2e");
    let t = Tmux::start("tiny", 20, 5, &command);
    t.wait_for("too small");
    t.keys(&["Enter", "j", "C-c"]);
    let code = wait_file(&exit_file);
    assert_eq!(code.trim(), "0");
}
