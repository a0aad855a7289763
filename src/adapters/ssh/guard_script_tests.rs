//! The guard and probe scripts run by the local `sh`, with and without `flock` on the PATH:
//! the protocol itself, apart from ssh.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Host {
    dir: tempfile::TempDir,
    /// PATH for the scripts; without `flock` when the test asks for the mkdir lock.
    path: String,
}

impl Host {
    fn new(with_flock: bool) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let path = if with_flock {
            std::env::var("PATH").unwrap()
        } else {
            let bin = dir.path().join("bin");
            std::fs::create_dir(&bin).unwrap();
            for tool in ["sh", "mkdir", "rm", "mv"] {
                let found = which(tool);
                std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
            }
            bin.display().to_string()
        };
        Host { dir, path }
    }

    fn markers(&self) -> PathBuf {
        self.dir.path().join("markers")
    }

    fn lock(&self) -> PathBuf {
        self.markers().join(format!("{KEY}.lock"))
    }

    fn run(&self, script: &str) -> (String, i32) {
        self.sh(GUARD_SCRIPT, GUARD_NAME, &[script])
    }

    fn probe(&self) -> String {
        self.sh(PROBE_SCRIPT, PROBE_NAME, &[]).0
    }

    fn sh(&self, wrapper: &str, name: &str, extra: &[&str]) -> (String, i32) {
        let out = Command::new(which("sh"))
            .env_clear()
            .env("PATH", &self.path)
            .arg("-c")
            .arg(wrapper)
            .arg(name)
            .arg(self.markers())
            .arg(KEY)
            .args(extra)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (text, out.status.code().unwrap_or(-1))
    }
}

fn which(tool: &str) -> PathBuf {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists())
        .unwrap()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[test]
fn a_step_runs_once_and_then_reports_its_marker() {
    for with_flock in [true, false] {
        let host = Host::new(with_flock);
        assert_eq!(host.probe(), "secureupdate-probe absent\n");
        let (out, code) = host.run("echo hello; exit 4");
        assert_eq!(out, "secureupdate-guard run\nhello\n");
        assert_eq!(code, 4);
        let (again, code) = host.run("echo hello; exit 4");
        assert_eq!(again, "secureupdate-guard done 4\n", "flock: {with_flock}");
        assert_eq!(code, 0);
        assert_eq!(host.probe(), "secureupdate-probe done 4\n");
        assert!(!host.lock().is_dir(), "the mkdir lock was not released");
    }
}

#[test]
fn a_live_mkdir_lock_holds_and_a_stale_one_is_taken_over() {
    let host = Host::new(false);
    std::fs::create_dir_all(host.lock()).unwrap();
    std::fs::write(host.lock().join("pid"), format!("{}\n", std::process::id())).unwrap();
    assert_eq!(
        first_line(&host.run("echo ran").0),
        "secureupdate-guard locked"
    );
    assert_eq!(host.probe(), "secureupdate-probe running\n");

    let mut gone = Command::new(which("sh"))
        .arg("-c")
        .arg("exit 0")
        .spawn()
        .unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(host.lock().join("pid"), format!("{dead_pid}\n")).unwrap();
    assert_eq!(host.probe(), "secureupdate-probe absent\n");
    assert_eq!(host.run("echo ran").0, "secureupdate-guard run\nran\n");
}

#[test]
fn an_unusable_marker_directory_is_an_error_before_the_script() {
    let host = Host::new(true);
    std::fs::write(host.markers(), "a file, not a directory").unwrap();
    let (out, code) = host.run("echo must-not-run");
    assert_eq!(out, "secureupdate-guard error\n");
    assert_eq!(code, 1);
}
