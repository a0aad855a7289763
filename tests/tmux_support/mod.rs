//! A tmux server of a test's own, at 80x24, driven with send-keys and read with capture-pane.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Generous: a loaded CI machine may take a while to start the console.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A tmux server of the test's own: its socket lives in a temporary directory, so tests
/// never share a server and leave nothing behind.
pub struct Tmux {
    socket_dir: TempDir,
}

/// Whether tmux runs on this machine; if not, prints why the test is skipped. Under CI (`CI`
/// set) tmux must run, so a failure there is a test failure.
pub fn tmux_runs_or_skip() -> bool {
    let reason = match Command::new("tmux").arg("-V").output() {
        Ok(output) if output.status.success() => return true,
        Ok(output) => format!(
            "tmux -V failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(e) => format!("cannot run tmux: {e}"),
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "tmux must run under CI: {reason}"
    );
    eprintln!("SKIPPED: tmux cannot run on this machine: {reason}");
    false
}

impl Tmux {
    pub fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(self.socket_dir.path().join("tmux.sock"))
            .args(["-f", "/dev/null"]);
        command
    }

    pub fn run(&self, args: &[&str]) -> String {
        let output = self.command().args(args).output().expect("run tmux");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Starts `shell_command` in a detached 80x24 session that stays after it exits.
    pub fn start(shell_command: &str) -> Tmux {
        let tmux = Tmux {
            socket_dir: TempDir::new().expect("temp dir"),
        };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            shell_command,
        ]);
        tmux.run(&["set-option", "-t", "t", "-w", "remain-on-exit", "on"]);
        tmux
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        self.run(&args);
    }

    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Waits until the screen satisfies `check`; on timeout, fails showing the screen.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// The console's exit status, which the pane's shell writes to `status_file`
    /// (tmux's own record of it can lag behind the pane closing).
    pub fn wait_for_exit(&self, status_file: &Path) -> String {
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(status_file)
                && text.ends_with('\n')
            {
                return text.trim().to_string();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the console did not exit; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}
