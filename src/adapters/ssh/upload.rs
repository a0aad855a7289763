//! Copies a file to a host over the session's stdin and moves it into place only after its
//! SHA-256 matched on the host; a mismatch leaves nothing behind.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openssh::{Error, OwningCommand, Session, Stdio};
use tokio::io::AsyncWriteExt;

use super::output::{clean, pump_lines};
use super::sessions::{SessionPool, SpawnFailure, error_text};
use super::validate::{check_hex64, check_remote_path, check_target};
use crate::engine::executor::{HostTarget, StepOutcome};

/// Exit code of an upload whose SHA-256 on the host differed (sysexits `EX_DATAERR`).
pub const UPLOAD_HASH_MISMATCH: i32 = 65;
/// Exit code of an upload whose local file could not be opened; nothing was sent (sysexits
/// `EX_NOINPUT`).
pub const UPLOAD_LOCAL_UNREADABLE: i32 = 66;

/// `sh -c UPLOAD_SCRIPT secureupdate-upload DEST SHA256`, the file on stdin. The temporary file
/// sits beside DEST so the final `mv` is a rename.
const UPLOAD_SCRIPT: &str = r#"dest=$1 want=$2
umask 077
dir=$(dirname -- "$dest") || exit 73
tmp=$(mktemp -- "$dir/.secureupdate-upload.XXXXXX") || exit 73
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp" || exit 74
got=$(sha256sum -- "$tmp") || exit 74
got=${got%% *}
if [ "$got" != "$want" ]; then
  printf 'secureupdate-upload: sha256 is %s, expected %s; not moved into place\n' "$got" "$want" >&2
  exit 65
fi
mv -f -- "$tmp" "$dest" || exit 73
trap - EXIT
"#;

/// Lines of the host's complaint kept for the log.
const MAX_REASON_LINES: usize = 5;

fn upload_command(
    session: Arc<Session>,
    sha256_hex: &str,
    remote_path: &str,
) -> OwningCommand<Arc<Session>> {
    let mut command = Session::to_command(session, "sh");
    command
        .arg("-c")
        .arg(UPLOAD_SCRIPT)
        .arg("secureupdate-upload")
        .arg(remote_path)
        .arg(sha256_hex)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

pub async fn run(
    pool: &SessionPool,
    host: &HostTarget,
    local: &Path,
    sha256_hex: &str,
    remote_path: &str,
    limit: Duration,
) -> StepOutcome {
    let checked = check_target(host)
        .and_then(|()| check_hex64("sha256", sha256_hex))
        .and_then(|()| check_remote_path("remote_path", remote_path));
    if let Err(refused) = checked {
        return StepOutcome::Unreachable {
            reason: refused.to_string(),
        };
    }
    let mut file = match tokio::fs::File::open(local).await {
        Ok(file) => file,
        Err(error) => {
            tracing::warn!(
                "upload to {}: cannot open {}: {error}",
                host.name,
                local.display()
            );
            return StepOutcome::Finished {
                exit_code: UPLOAD_LOCAL_UNREADABLE,
                already_done: false,
            };
        }
    };
    let command = |session| upload_command(session, sha256_hex, remote_path);
    let mut child = match pool.spawn(host, command).await {
        Ok(child) => child,
        Err(SpawnFailure::Connect(failure)) => return failure.into_outcome(),
        // Nothing was sent, so the file cannot have landed.
        Err(SpawnFailure::Start(error)) => {
            return StepOutcome::Unreachable {
                reason: format!(
                    "the upload could not be started over the connection: {}",
                    clean(error_text(&error).as_bytes())
                ),
            };
        }
    };
    let sending = async {
        let stdin = child.stdin().take();
        let send = async {
            if let Some(mut stdin) = stdin {
                // A host that stopped reading has already failed; its exit code says why.
                let _ = tokio::io::copy(&mut file, &mut stdin).await;
                let _ = stdin.shutdown().await;
            }
        };
        let mut complaint = Vec::new();
        let listen = pump_lines(child.stderr().take(), |line| {
            if complaint.len() < MAX_REASON_LINES {
                complaint.push(clean(line));
            }
        });
        tokio::join!(send, listen);
        let exit = child.wait().await;
        if !complaint.is_empty() {
            tracing::warn!("upload to {}: {}", host.name, complaint.join(" / "));
        }
        exit
    };
    let outcome = match tokio::time::timeout(limit, sending).await {
        Err(_) => StepOutcome::TimedOut,
        Ok(Ok(exit)) => match exit.code() {
            Some(exit_code) => StepOutcome::Finished {
                exit_code,
                already_done: false,
            },
            None => StepOutcome::Unknown {
                reason: format!("the upload's session ended with {exit}"),
            },
        },
        Ok(Err(Error::RemoteProcessTerminated)) => StepOutcome::Unknown {
            reason: "the connection dropped during the upload".to_string(),
        },
        Ok(Err(error)) => StepOutcome::Unknown {
            reason: clean(error_text(&error).as_bytes()),
        },
    };
    if matches!(outcome, StepOutcome::Unknown { .. } | StepOutcome::TimedOut) {
        pool.forget_if_dead(host).await;
    }
    outcome
}
