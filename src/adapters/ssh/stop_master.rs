//! Asking a master to stop over its control socket (what `ssh -O stop` does), without waiting
//! on a master that does not answer: one that is stopped (SIGSTOP) or hung would otherwise hold
//! up whoever asked, the console's screen included.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long a master gets to acknowledge.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Asks the master listening on `socket` to stop taking sessions (it exits once those still
/// running end). An error says why it did not acknowledge in time; the request may still be
/// carried out later by a thread left to wait for it.
pub fn stop_master(socket: &Path) -> Result<(), String> {
    let (answered, answer) = mpsc::channel();
    let socket: PathBuf = socket.to_path_buf();
    std::thread::Builder::new()
        .name("ssh-stop-master".to_string())
        .spawn(move || {
            let _ = answered
                .send(openssh_mux_client::shutdown_mux_master(&socket).map_err(|e| e.to_string()));
        })
        .map_err(|e| format!("no thread to ask the master: {e}"))?;
    answer
        .recv_timeout(ANSWER_WITHIN)
        .unwrap_or_else(|_| Err(format!("no answer within {} s", ANSWER_WITHIN.as_secs())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_that_never_answers_does_not_hold_up_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("m0");
        // Listens (connections queue) but never reads or answers, like a stopped master.
        let _silent = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let refused = stop_master(&socket).unwrap_err();
        assert!(refused.contains("no answer within"), "{refused}");
    }

    #[test]
    fn a_socket_nobody_listens_on_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(stop_master(&dir.path().join("gone")).is_err());
    }
}
