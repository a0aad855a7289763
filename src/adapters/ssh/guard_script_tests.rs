//! The guard and probe scripts run by the local `sh`, with and without `flock` on the PATH:
//! the protocol itself, apart from ssh.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use super::test_host::*;
use super::*;

#[test]
fn a_step_runs_once_and_then_reports_its_marker() {
    for host in Host::both() {
        let flock = host.with_flock();
        assert_eq!(host.probe(), "secureupdate-probe absent\n");
        let (out, code) = host.run("echo hello; exit 4");
        assert_eq!(out, "secureupdate-guard run\nhello\n");
        assert_eq!(code, 4);
        let (again, code) = host.run("echo hello; exit 4");
        assert_eq!(again, "secureupdate-guard done 4\n", "flock: {flock}");
        assert_eq!(code, 0);
        assert_eq!(host.probe(), "secureupdate-probe done 4\n");
        assert_eq!(std::fs::read_to_string(host.file("done")).unwrap(), "4\n");
        assert!(
            !host.file("lock").is_dir(),
            "the mkdir lock was not released"
        );
    }
}

#[test]
fn exit_codes_reach_the_caller_and_the_marker_unchanged() {
    let cases = [
        ("exit 0", 0),
        ("exit 3", 3),
        ("false", 1),
        ("no-such-command-for-the-guard-test", 127),
        ("exit 126", 126),
        ("exit 255", 255),
        // A syntax error ends the script with 2, as `sh -c` would.
        ("if then fi", 2),
        // `exit` inside a function or a nested subshell ends only what it should.
        ("f() { return 6; }; f; (exit 9); exit $?", 9),
    ];
    for (script, expected) in cases {
        for host in Host::both() {
            let (out, code) = host.run(script);
            assert_eq!(first_line(&out), "secureupdate-guard run", "{script}");
            assert_eq!(code, expected, "{script}: {out}");
            assert_eq!(
                std::fs::read_to_string(host.file("done")).unwrap(),
                format!("{expected}\n"),
                "{script}"
            );
        }
    }
}

/// Variable names a plain `sh -c set` shows, for comparing with the script's view.
fn variable_names(set_output: &str) -> Vec<String> {
    let mut names: Vec<String> = set_output
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.to_string()))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c == '_' || c.is_alphanumeric()))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_script_sees_none_of_the_guards_variables_functions_or_arguments() {
    let plain = Command::new(which("sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .args(["-c", "set"])
        .output()
        .unwrap();
    let plain = variable_names(&String::from_utf8_lossy(&plain.stdout));
    for host in Host::both() {
        let (out, code) = host.run("set");
        assert_eq!(code, 0);
        let seen = variable_names(out.split_once('\n').unwrap().1);
        let leaked: Vec<_> = seen.iter().filter(|n| !plain.contains(n)).collect();
        assert!(leaked.is_empty(), "the script sees {leaked:?}");

        std::fs::remove_dir_all(host.markers()).unwrap();
        let probe = "echo \"args=$#[$*]\"; for f in say fail report_done; do \
                     command -v \"$f\" >/dev/null && echo \"function $f\"; done; true";
        let (out, _) = host.run(probe);
        assert_eq!(out, "secureupdate-guard run\nargs=0[]\n");
    }
}

#[test]
fn the_script_reads_dev_null_and_cannot_touch_the_lock_descriptor() {
    for host in Host::both() {
        let script = "if read -r line; then echo \"read $line\"; else echo nothing-to-read; fi; \
                      if { true >&9; } 2>/dev/null; then echo fd9-open; else echo fd9-closed; fi";
        let (out, code) = host.sh(
            GUARD_SCRIPT,
            GUARD_NAME,
            &[script],
            "022",
            b"the operator's input\n",
        );
        assert_eq!(code, 0);
        assert_eq!(out, "secureupdate-guard run\nnothing-to-read\nfd9-closed\n");
    }
}

#[test]
fn the_lock_is_held_while_the_script_runs() {
    let host = Host::new(true);
    let lock = host.file("lock").display().to_string();
    let (out, _) = host.run(&format!(
        "if flock -n '{lock}' true; then echo free; else echo held; fi"
    ));
    assert_eq!(out, "secureupdate-guard run\nheld\n");

    let host = Host::new(false);
    let lock = host.file("lock").display().to_string();
    let (out, _) = host.run(&format!("[ -d '{lock}' ] && echo held"));
    assert_eq!(out, "secureupdate-guard run\nheld\n");
}

#[test]
fn the_mkdir_lock_is_released_only_after_the_marker_is_written() {
    let host = Host::new(false);
    // `rm` on this PATH notes whether the marker existed when it was called.
    let log = host.dir.path().join("rm.log");
    let rm = host.dir.path().join("bin/rm");
    std::fs::remove_file(&rm).unwrap();
    std::fs::write(
        &rm,
        format!(
            "#!{}\nif [ -e '{}' ]; then echo after-marker; else echo before-marker; fi >> '{}'\n\
             exec {} \"$@\"\n",
            which("sh").display(),
            host.file("done").display(),
            log.display(),
            which("rm").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&rm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, code) = host.run("exit 5");
    assert_eq!(code, 5);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "after-marker\n");
    assert!(!host.file("lock").exists());
}

#[test]
fn the_script_gets_the_sessions_umask_and_the_guards_files_stay_private() {
    for host in Host::both() {
        let (out, _) = host.sh(GUARD_SCRIPT, GUARD_NAME, &["umask"], "027", b"");
        assert_eq!(out, "secureupdate-guard run\n0027\n");
        for file in ["done", "started"] {
            let mode = std::fs::metadata(host.file(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{file}: {mode:o}");
        }
    }
}

#[test]
fn an_empty_or_cut_short_marker_is_bad_never_done_or_absent() {
    for content in ["", "2", "started\n", "\n"] {
        for host in Host::both() {
            std::fs::create_dir_all(host.markers()).unwrap();
            std::fs::write(host.file("done"), content).unwrap();
            let (out, code) = host.run("echo must-not-run");
            assert!(
                matches!(status(&out), Some(GuardStatus::BadMarker(_))),
                "{content:?}: {out}"
            );
            assert_eq!(code, 0);
            assert!(!out.contains("must-not-run"));
            assert!(
                matches!(probe_status(&host.probe()), Some(ProbeStatus::BadMarker(_))),
                "{content:?}"
            );
        }
    }
}

/// Holds the flock lock of `host`'s step until dropped, as a guard running the step would.
struct HeldLock(std::process::Child);

impl HeldLock {
    fn take(host: &Host) -> HeldLock {
        std::fs::create_dir_all(host.markers()).unwrap();
        let mut child = Command::new("flock")
            .arg("-n")
            .arg(host.file("lock"))
            .args(["sh", "-c", "echo locked; read -r _"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "locked\n");
        HeldLock(child)
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

#[test]
fn a_marker_being_written_under_the_lock_is_running_not_bad() {
    let host = Host::new(true);
    let held = HeldLock::take(&host);
    std::fs::write(host.file("started"), "").unwrap();
    std::fs::write(host.file("done"), "").unwrap();
    assert_eq!(host.probe(), "secureupdate-probe running\n");
    assert_eq!(
        host.run("echo must-not-run").0,
        "secureupdate-guard locked\n"
    );
    std::fs::write(host.file("done"), "0\n").unwrap();
    drop(held);
    assert_eq!(host.probe(), "secureupdate-probe done 0\n");
}

#[test]
fn a_guard_that_died_mid_script_leaves_the_step_interrupted_and_never_reruns_it() {
    for host in Host::both() {
        let counter = host.dir.path().join("count");
        // `$$` in the script is the guard's pid: this kills the guard while the script runs.
        let script = format!("echo ran >> '{}'; kill -9 $$", counter.display());
        let (out, code) = host.run(&script);
        assert_eq!(out, "secureupdate-guard run\n");
        assert_ne!(code, 0);
        assert!(!host.file("done").exists());
        if !host.with_flock() {
            // The dead guard's trap never ran; its pid no longer answers.
            assert!(host.file("lock").is_dir());
        }
        assert_eq!(host.probe(), "secureupdate-probe interrupted\n");
        let (again, code) = host.run(&script);
        assert_eq!(again, "secureupdate-guard interrupted\n");
        assert_eq!(code, 0);
        assert_eq!(std::fs::read_to_string(&counter).unwrap(), "ran\n");
    }
}

#[test]
fn a_guard_whose_caller_is_gone_before_the_run_line_starts_nothing() {
    for host in Host::both() {
        let counter = host.dir.path().join("count");
        // Our side died: the read end of the guard's stdout is closed before it writes.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let status = Command::new(which("sh"))
            .env_clear()
            .env("PATH", &host.path)
            .arg("-c")
            .arg(GUARD_SCRIPT)
            .arg(GUARD_NAME)
            .arg(host.markers())
            .arg(KEY)
            .arg(format!("echo ran >> '{}'", counter.display()))
            .stdin(Stdio::null())
            .stdout(writer)
            .status()
            .unwrap();
        assert!(!status.success());
        assert!(!counter.exists(), "the script ran");
        assert!(!host.file("started").exists());
        assert_eq!(host.probe(), "secureupdate-probe absent\n");
    }
}

#[test]
fn a_live_mkdir_lock_holds_and_a_stale_one_is_taken_over() {
    let host = Host::new(false);
    std::fs::create_dir_all(host.file("lock")).unwrap();
    std::fs::write(
        host.file("lock").join("pid"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
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
    std::fs::write(host.file("lock").join("pid"), format!("{dead_pid}\n")).unwrap();
    assert_eq!(host.probe(), "secureupdate-probe absent\n");
    assert_eq!(host.run("echo ran").0, "secureupdate-guard run\nran\n");
}

#[test]
fn a_mkdir_lock_whose_pid_is_not_written_yet_is_held() {
    let host = Host::new(false);
    std::fs::create_dir_all(host.file("lock")).unwrap();
    assert_eq!(
        first_line(&host.run("echo must-not-run").0),
        "secureupdate-guard locked"
    );
    assert_eq!(host.probe(), "secureupdate-probe running\n");
}

#[test]
fn a_step_claimed_by_another_wrapper_is_not_run_again() {
    // Another wrapper made `.started` between this one's check and its claim (the mkdir
    // fallback raced): the exclusive create fails and the script does not run.
    for host in Host::both() {
        let marker_dir = host.markers().display().to_string();
        let (out, code) = host.run(&format!("echo must-not-run > '{marker_dir}/ran'"));
        assert_eq!(code, 0, "{out}");
        std::fs::remove_file(host.file("done")).unwrap();
        std::fs::remove_file(host.markers().join("ran")).unwrap();
        let guard = GUARD_SCRIPT.replace(
            "if [ -e \"$started\" ]; then say interrupted; exit 0; fi\n",
            "",
        );
        let (out, code) = host.sh(&guard, GUARD_NAME, &["echo must-not-run"], "022", b"");
        assert_eq!(code, 255, "{out}");
        assert!(!out.contains("must-not-run"), "{out}");
        assert!(!host.markers().join("ran").exists());
    }
}

#[test]
fn an_unusable_marker_directory_is_an_error_before_the_script() {
    let host = Host::new(true);
    std::fs::write(host.markers(), "a file, not a directory").unwrap();
    let (out, code) = host.run("echo must-not-run");
    assert_eq!(out, "secureupdate-guard error\n");
    assert_eq!(code, 1);
}

#[test]
fn a_lock_that_cannot_be_opened_is_an_error_before_the_script() {
    let host = Host::new(true);
    std::fs::create_dir_all(host.file("lock").join("in-the-way")).unwrap();
    let (out, code) = host.run("echo must-not-run");
    assert_eq!(out, "secureupdate-guard error\n");
    assert_eq!(code, 1);
    assert!(!host.file("started").exists());
}
