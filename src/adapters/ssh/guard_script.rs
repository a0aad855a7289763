//! The shell side of the guard protocol (see `engine::executor`): POSIX `sh` run on the host
//! with the marker directory, the guard key and the step's script as positional arguments.
//!
//! The wrapper reports what it decided on one status line on stdout *before* the step's script
//! starts, so nothing the script prints can forge it; lines a login shell printed before it are
//! ordinary output. `flock` is used when the host has it (a crash frees the lock); otherwise a
//! `mkdir` lock holding the wrapper's pid, taken over when that process is gone. Builtins are
//! preferred to commands: every exec costs the host a little on each step.

/// `sh -c GUARD_SCRIPT secureupdate-guard MARKER_DIR KEY SCRIPT`
pub const GUARD_SCRIPT: &str = r#"dir=$1 key=$2 script=$3
done_file="$dir/$key.done" lock="$dir/$key.lock"
say() { printf 'secureupdate-guard %s\n' "$*"; }
fail() { printf 'secureupdate-guard: %s\n' "$1" >&2; say error; exit 1; }
report_done() {
  [ -f "$done_file" ] || return 0
  [ -r "$done_file" ] || fail "cannot read $done_file"
  code=; IFS= read -r code < "$done_file"
  say done "$code"; exit 0
}
umask 077
report_done
[ -d "$dir" ] || mkdir -p -- "$dir" || fail "cannot create the marker directory $dir"
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock" || fail "cannot open the lock $lock"
  flock -n 9 || { say locked; exit 0; }
else
  if ! mkdir -- "$lock" 2>/dev/null; then
    holder=; { IFS= read -r holder < "$lock/pid"; } 2>/dev/null
    if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then say locked; exit 0; fi
    rm -rf -- "$lock"
    mkdir -- "$lock" 2>/dev/null || { say locked; exit 0; }
  fi
  printf '%s\n' "$$" > "$lock/pid"
  trap 'rm -rf -- "$lock"' EXIT
fi
report_done
say run
sh -c "$script" </dev/null 9>&-
code=$?
if ! { printf '%s\n' "$code" > "$done_file.tmp" && mv -f -- "$done_file.tmp" "$done_file"; }; then
  printf 'secureupdate-guard: cannot write the marker %s\n' "$done_file" >&2
  exit 255
fi
exit "$code"
"#;

/// `sh -c PROBE_SCRIPT secureupdate-probe MARKER_DIR KEY`: prints one status line.
pub const PROBE_SCRIPT: &str = r#"dir=$1 key=$2
done_file="$dir/$key.done" lock="$dir/$key.lock"
report_done() {
  [ -f "$done_file" ] || return 0
  code=; IFS= read -r code < "$done_file"
  printf 'secureupdate-probe done %s\n' "$code"; exit 0
}
report_done
if [ -d "$lock" ]; then
  holder=; { IFS= read -r holder < "$lock/pid"; } 2>/dev/null
  if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
    printf 'secureupdate-probe running\n'; exit 0
  fi
elif [ -f "$lock" ] && command -v flock >/dev/null 2>&1; then
  flock -n "$lock" true || { printf 'secureupdate-probe running\n'; exit 0; }
fi
report_done
printf 'secureupdate-probe absent\n'
"#;

/// The `$0` each script runs under, shown in `ps` on the host.
pub const GUARD_NAME: &str = "secureupdate-guard";
pub const PROBE_NAME: &str = "secureupdate-probe";

/// The wrapper's decision, from its status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardStatus {
    /// The script is starting now.
    Run,
    /// The marker was there; the script was not run.
    AlreadyDone(i32),
    Locked,
    /// The wrapper could not use the marker directory; its reason is on stderr.
    Error,
    /// The marker holds something that is not an exit code.
    BadMarker(String),
}

/// The guard's status when `line` is its status line.
pub fn parse_guard_status(line: &[u8]) -> Option<GuardStatus> {
    let rest = line.strip_prefix(b"secureupdate-guard ")?;
    match rest {
        b"run" => Some(GuardStatus::Run),
        b"locked" => Some(GuardStatus::Locked),
        b"error" => Some(GuardStatus::Error),
        _ => {
            let code = rest.strip_prefix(b"done ")?;
            Some(match parse_exit_code(code) {
                Some(code) => GuardStatus::AlreadyDone(code),
                None => GuardStatus::BadMarker(String::from_utf8_lossy(code).into_owned()),
            })
        }
    }
}

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeStatus {
    Absent,
    Running,
    Done(i32),
    BadMarker(String),
}

pub fn parse_probe_status(line: &[u8]) -> Option<ProbeStatus> {
    let rest = line.strip_prefix(b"secureupdate-probe ")?;
    match rest {
        b"absent" => Some(ProbeStatus::Absent),
        b"running" => Some(ProbeStatus::Running),
        _ => {
            let code = rest.strip_prefix(b"done ")?;
            Some(match parse_exit_code(code) {
                Some(code) => ProbeStatus::Done(code),
                None => ProbeStatus::BadMarker(String::from_utf8_lossy(code).into_owned()),
            })
        }
    }
}

/// An exit status as the wrapper writes it: decimal 0 to 255.
fn parse_exit_code(text: &[u8]) -> Option<i32> {
    if text.is_empty() || text.len() > 3 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code: i32 = std::str::from_utf8(text).ok()?.parse().ok()?;
    (0..=255).contains(&code).then_some(code)
}

#[cfg(test)]
#[path = "guard_script_tests.rs"]
mod local_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_status_lines_are_recognised_exactly() {
        assert_eq!(
            parse_guard_status(b"secureupdate-guard run"),
            Some(GuardStatus::Run)
        );
        assert_eq!(
            parse_guard_status(b"secureupdate-guard done 3"),
            Some(GuardStatus::AlreadyDone(3))
        );
        assert_eq!(
            parse_guard_status(b"secureupdate-guard locked"),
            Some(GuardStatus::Locked)
        );
        assert_eq!(parse_guard_status(b"secureupdate-guard run "), None);
        assert_eq!(parse_guard_status(b"welcome to the host"), None);
        assert_eq!(
            parse_guard_status(b"secureupdate-guard done 999"),
            Some(GuardStatus::BadMarker("999".to_string()))
        );
    }

    #[test]
    fn probe_status_lines_are_recognised_exactly() {
        assert_eq!(
            parse_probe_status(b"secureupdate-probe done 255"),
            Some(ProbeStatus::Done(255))
        );
        assert_eq!(
            parse_probe_status(b"secureupdate-probe absent"),
            Some(ProbeStatus::Absent)
        );
        assert_eq!(
            parse_probe_status(b"secureupdate-probe done -1"),
            Some(ProbeStatus::BadMarker("-1".to_string()))
        );
        assert_eq!(parse_probe_status(b"secureupdate-probe"), None);
    }

    #[test]
    fn the_scripts_are_valid_posix_sh() {
        for script in [GUARD_SCRIPT, PROBE_SCRIPT] {
            let status = std::process::Command::new("sh")
                .args(["-n", "-c", script])
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
}
