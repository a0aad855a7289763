//! The shell side of the guard protocol (see `engine::executor`): POSIX `sh` run on the host
//! with the marker directory, the guard key and the step's script as positional arguments.
//!
//! The wrapper reports what it decided on one status line on stdout *before* the step's script
//! starts, so nothing the script prints can forge it; lines a login shell printed before it are
//! ordinary output. `flock` is used when the host has it (a crash frees the lock); otherwise a
//! `mkdir` lock holding the wrapper's pid, taken over when that process is gone.
//!
//! Files per step in the marker directory: `KEY.lock`; `KEY.started`, made under the lock just
//! before the script starts; `KEY.done`, written once the script has ended, holding its exit
//! status and a newline. A `.started` without a `.done` and with the lock free means the
//! wrapper died while the script ran (the host went down, the wrapper was killed): that step is
//! reported `interrupted`, never `absent`, so it is not run again on the strength of a guess.
//! `.started` is made after the `run` line is out: when our side is gone, writing that line
//! kills the wrapper (SIGPIPE) or fails (SIGPIPE ignored), and then nothing has started. It is
//! made with `set -C` (O_EXCL), so that of two wrappers only one can claim the step even where
//! the `mkdir` lock fallback is raced; a lock directory whose pid is not written yet is held.
//!
//! Every exec costs the host about a millisecond of CPU per step, which adds up over a fleet, so
//! the wrapper runs one on its usual path (`flock`) and otherwise sticks to builtins:
//! - The script runs in a subshell (a fork, no exec) rather than a new `sh`. The subshell drops
//!   the wrapper's variables, functions and positional parameters before `eval`, gets the
//!   session's umask back, stdin from /dev/null and fd 9 (the lock) closed; a subshell does not
//!   inherit the wrapper's EXIT trap. Its `exit` ends only the subshell, a syntax error exits it
//!   with 2 and a missing command gives 127, as under `sh -c`. Differences: `$0` is the
//!   wrapper's name and `$$` the wrapper's pid.
//! - The session's umask is read once (`$(umask)`, a fork) so that the wrapper's own files are
//!   made under 077 while the script keeps the operator's umask (a patch installing a file must
//!   not get mode 0600 from us).
//! - `KEY.done` is written in place, not through a temporary file and `mv`: one `printf` of at
//!   most four bytes ending in a newline. A reader accepts only digits followed by the newline,
//!   so a marker left empty or cut short by a crash is "not an exit code" (`Unknown`, never
//!   `absent`); before the lock is taken such a marker may be one being written by the lock's
//!   holder, so it is only judged under the lock (the guard) or after the lock was found free
//!   (the probe). Failing to write it leaves `KEY.started`: `interrupted`, not `absent`; the
//!   wrapper then exits 255, as it does when `.started` cannot be made (nothing run).

/// `sh -c GUARD_SCRIPT secureupdate-guard MARKER_DIR KEY SCRIPT`
pub const GUARD_SCRIPT: &str = r#"dir=$1 key=$2 script=$3
done_file="$dir/$key.done" started="$dir/$key.started" lock="$dir/$key.lock"
say() { printf 'secureupdate-guard %s\n' "$*"; }
fail() { printf 'secureupdate-guard: %s\n' "$1" >&2; say error; exit 1; }
report_done() {
  [ -e "$done_file" ] || [ -L "$done_file" ] || return 0
  { [ -f "$done_file" ] && [ -r "$done_file" ]; } || fail "cannot read the marker $done_file"
  code=; IFS= read -r code < "$done_file" || code="$code(cut short)"
  case $code in ''|*[!0-9]*) [ "$1" = locked ] || return 0 ;; esac
  say done "$code"; exit 0
}
session_umask=$(umask)
umask 077
report_done
[ -d "$dir" ] || mkdir -p -- "$dir" || fail "cannot create the marker directory $dir"
if command -v flock >/dev/null 2>&1; then
  command exec 9>>"$lock" || fail "cannot open the lock $lock"
  flock -n 9 || { say locked; exit 0; }
else
  if ! mkdir -- "$lock" 2>/dev/null; then
    holder=; { IFS= read -r holder < "$lock/pid"; } 2>/dev/null
    if [ -z "$holder" ] || kill -0 "$holder" 2>/dev/null; then say locked; exit 0; fi
    rm -rf -- "$lock"
    mkdir -- "$lock" 2>/dev/null || { say locked; exit 0; }
  fi
  printf '%s\n' "$$" > "$lock/pid"
  trap 'rm -rf -- "$lock"' EXIT
fi
report_done locked
if [ -e "$started" ]; then say interrupted; exit 0; fi
say run || exit 1
set -C
if ! printf '' > "$started"; then
  printf 'secureupdate-guard: cannot make %s; the script was not run\n' "$started" >&2
  exit 255
fi
set +C
(
  umask "$session_umask"
  unset -v dir key done_file started lock code holder session_umask
  unset -f say fail report_done
  set --
  eval "unset -v script
$script"
) </dev/null 9>&-
code=$?
if ! printf '%s\n' "$code" > "$done_file"; then
  printf 'secureupdate-guard: cannot write the marker %s\n' "$done_file" >&2
  exit 255
fi
exit "$code"
"#;

/// `sh -c PROBE_SCRIPT secureupdate-probe MARKER_DIR KEY`: prints one status line.
pub const PROBE_SCRIPT: &str = r#"dir=$1 key=$2
done_file="$dir/$key.done" started="$dir/$key.started" lock="$dir/$key.lock"
say() { printf 'secureupdate-probe %s\n' "$*"; exit 0; }
report_done() {
  [ -e "$done_file" ] || [ -L "$done_file" ] || return 0
  { [ -f "$done_file" ] && [ -r "$done_file" ]; } || say done "(unreadable)"
  code=; IFS= read -r code < "$done_file" || code="$code(cut short)"
  case $code in ''|*[!0-9]*) [ "$1" = final ] || return 0 ;; esac
  say done "$code"
}
report_done
if [ -d "$lock" ]; then
  holder=; { IFS= read -r holder < "$lock/pid"; } 2>/dev/null
  if [ -z "$holder" ] || kill -0 "$holder" 2>/dev/null; then say running; fi
elif [ -f "$lock" ] && command -v flock >/dev/null 2>&1; then
  flock -n "$lock" true || say running
fi
report_done final
if [ -e "$started" ]; then say interrupted; fi
say absent
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
    /// The step was started before and its wrapper died before the script ended; not run again.
    Interrupted,
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
        b"interrupted" => Some(GuardStatus::Interrupted),
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
    /// Started, and its wrapper died before the script ended.
    Interrupted,
    Done(i32),
    BadMarker(String),
}

pub fn parse_probe_status(line: &[u8]) -> Option<ProbeStatus> {
    let rest = line.strip_prefix(b"secureupdate-probe ")?;
    match rest {
        b"absent" => Some(ProbeStatus::Absent),
        b"running" => Some(ProbeStatus::Running),
        b"interrupted" => Some(ProbeStatus::Interrupted),
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
#[path = "guard_script_host.rs"]
mod test_host;

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
