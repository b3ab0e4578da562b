//! Helpers shared by the integration tests: the real binary in tmux (here), on the command
//! line (`cli`) and reader sessions without a terminal (`session`).
#![allow(dead_code)] // each test file uses its own part

pub mod cli;
pub mod session;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of the test's own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Starts `shell_command` in a `width` x `height` window.
    pub fn start(name: &str, width: u16, height: u16, shell_command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("inkmark-test-{name}-{}", std::process::id()),
        };
        let ok = t
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(shell_command)
            .status()
            .unwrap();
        assert!(ok.success());
        t
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd()
                .args(["send-keys", "-t", "t", k])
                .status()
                .unwrap();
        }
    }

    pub fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen contains `text` (or fails with the last screen).
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A tmux format variable of the pane (alternate_on, cursor_flag, …).
    pub fn pane(&self, var: &str) -> String {
        let out = self
            .cmd()
            .args(["display", "-p", "-t", "t", &format!("#{{{var}}}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// The content of `path` once it is written and ends with a newline.
pub fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
