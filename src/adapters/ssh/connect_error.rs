//! What a failed connection means for a step: ssh only says it in words (the master's log), so
//! the words are classified here, and the reason shown is our own text plus ssh's last line,
//! sanitized (a server banner or name could carry escape sequences).

use super::output::clean;
use crate::engine::executor::StepOutcome;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The host's key is not in known_hosts or differs from it; nothing was run.
    HostKey(String),
    /// The host could not be reached or refused us; nothing was run.
    Unreachable(String),
}

impl ConnectFailure {
    pub fn into_outcome(self) -> StepOutcome {
        match self {
            ConnectFailure::HostKey(reason) => StepOutcome::HostKeyRejected { reason },
            ConnectFailure::Unreachable(reason) => StepOutcome::Unreachable { reason },
        }
    }
}

/// Classifies ssh's own account of a failed connection to `destination` (`[address]:port`).
pub fn classify(ssh_said: &str, destination: &str, known_hosts: &str) -> ConnectFailure {
    let last_line = ssh_said
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message from ssh");
    let said = clean(last_line.as_bytes());
    let changed = ssh_said.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || ssh_said.contains("has changed and you have requested strict checking");
    if changed {
        return ConnectFailure::HostKey(format!(
            "the host key of {destination} differs from the one in {known_hosts} \
             (changed key or another machine); nothing was run ({said})"
        ));
    }
    if ssh_said.contains("Host key verification failed") || ssh_said.contains("host key is known") {
        return ConnectFailure::HostKey(format!(
            "{destination} is not in {known_hosts}; add its key there after checking it \
             out of band; nothing was run ({said})"
        ));
    }
    let what = if ssh_said.contains("Connection refused") {
        "connection refused"
    } else if ssh_said.contains("timed out") {
        "connection timed out"
    } else if ssh_said.contains("Permission denied") {
        "authentication refused"
    } else if ssh_said.contains("Could not resolve") {
        "host name not found"
    } else if ssh_said.contains("No route to host") || ssh_said.contains("Network is unreachable") {
        "no route to host"
    } else {
        "cannot connect"
    };
    ConnectFailure::Unreachable(format!("{destination}: {what} ({said})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_host_key_is_a_host_key_failure() {
        let said = "No ED25519 host key is known for [127.0.0.1]:4000 and you have requested \
                    strict checking.\r\nHost key verification failed.";
        let failure = classify(said, "[127.0.0.1]:4000", "/site/ssh/known_hosts");
        let ConnectFailure::HostKey(reason) = failure else {
            panic!("{failure:?}")
        };
        assert!(
            reason.contains("is not in /site/ssh/known_hosts"),
            "{reason}"
        );
    }

    #[test]
    fn a_changed_host_key_is_named_as_such() {
        let said = "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
                    Host key for [127.0.0.1]:4000 has changed and you have requested strict \
                    checking.\nHost key verification failed.";
        let ConnectFailure::HostKey(reason) = classify(said, "[127.0.0.1]:4000", "kh") else {
            panic!()
        };
        assert!(reason.contains("differs"), "{reason}");
    }

    #[test]
    fn refused_connections_are_unreachable_and_reasons_are_inert() {
        let said = "ssh: connect to host 127.0.0.1 port 9: Connection refused\x1b[31m";
        let ConnectFailure::Unreachable(reason) = classify(said, "[127.0.0.1]:9", "kh") else {
            panic!()
        };
        assert!(reason.contains("connection refused"), "{reason}");
        assert!(!reason.contains('\u{1b}'), "{reason}");
    }
}
