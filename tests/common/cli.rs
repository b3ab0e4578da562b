//! Running the built binary as a script would.

use std::path::Path;
use std::process::{Command, Output};

/// The binary, with the user's own config and state kept out of the tests and `tester` as
/// the user.
pub fn inkmark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkmark"));
    let empty = std::env::temp_dir().join("inkmark-cli-test-empty");
    c.env("INKMARK_CONFIG_DIR", &empty)
        .env("INKMARK_STATE_DIR", &empty)
        .env("USER", "tester");
    c
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    inkmark().current_dir(dir).args(args).output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes `content` to `path`, creating its folder.
pub fn put(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
