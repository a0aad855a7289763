//! A throwaway "host" for the guard and probe script tests: a marker directory, and a PATH
//! with or without `flock`, the scripts run by the local `sh`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::*;

pub(super) const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub(super) struct Host {
    pub(super) dir: tempfile::TempDir,
    /// PATH for the scripts; without `flock` when the test asks for the mkdir lock.
    pub(super) path: String,
}

impl Host {
    pub(super) fn new(with_flock: bool) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let path = if with_flock {
            std::env::var("PATH").unwrap()
        } else {
            let bin = dir.path().join("bin");
            std::fs::create_dir(&bin).unwrap();
            for tool in ["sh", "mkdir", "rm"] {
                std::os::unix::fs::symlink(which(tool), bin.join(tool)).unwrap();
            }
            bin.display().to_string()
        };
        Host { dir, path }
    }

    pub(super) fn both() -> [Host; 2] {
        [Host::new(true), Host::new(false)]
    }

    pub(super) fn with_flock(&self) -> bool {
        !self
            .path
            .starts_with(&self.dir.path().display().to_string())
    }

    pub(super) fn markers(&self) -> PathBuf {
        self.dir.path().join("markers")
    }

    pub(super) fn file(&self, suffix: &str) -> PathBuf {
        self.markers().join(format!("{KEY}.{suffix}"))
    }

    pub(super) fn run(&self, script: &str) -> (String, i32) {
        self.sh(GUARD_SCRIPT, GUARD_NAME, &[script], "022", b"")
    }

    pub(super) fn probe(&self) -> String {
        self.sh(PROBE_SCRIPT, PROBE_NAME, &[], "022", b"").0
    }

    /// Runs `wrapper` under `umask`, with `stdin` on its standard input.
    pub(super) fn sh(
        &self,
        wrapper: &str,
        name: &str,
        extra: &[&str],
        umask: &str,
        stdin: &[u8],
    ) -> (String, i32) {
        let mut child = Command::new(which("sh"))
            .env_clear()
            .env("PATH", &self.path)
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" -c \"$@\""))
            .arg(which("sh"))
            .arg(wrapper)
            .arg(name)
            .arg(self.markers())
            .arg(KEY)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // The script may not read its input at all: a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(stdin);
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (text, out.status.code().unwrap_or(-1))
    }
}

pub(super) fn which(tool: &str) -> PathBuf {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists())
        .unwrap()
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

pub(super) fn status(text: &str) -> Option<GuardStatus> {
    parse_guard_status(first_line(text).as_bytes())
}

pub(super) fn probe_status(text: &str) -> Option<ProbeStatus> {
    parse_probe_status(first_line(text).as_bytes())
}
