//! Checks on everything that reaches the ssh command line or the remote shell, made before ssh
//! runs: openssh puts no `--` before the destination, so `-oProxyCommand=…` would be an option.

use super::error::SshError;
use crate::engine::executor::{GuardedStep, HostTarget};

const MAX_ADDRESS_BYTES: usize = 255;
const MAX_USER_BYTES: usize = 64;
const MAX_REMOTE_PATH_BYTES: usize = 1_024;

fn refuse(field: &'static str, value: &str, problem: &'static str) -> SshError {
    SshError::InvalidTarget {
        field,
        value: value.escape_debug().to_string(),
        problem,
    }
}

/// A host name or IP address: letters, digits and `.-_:%` only (so no `-` first, no `@` that
/// would override the user, no `/` or `ssh://` that openssh would parse, no whitespace).
pub fn check_address(address: &str) -> Result<(), SshError> {
    if address.is_empty() {
        return Err(refuse(
            "address",
            address,
            "empty; expected a host name or IP address",
        ));
    }
    if address.starts_with('-') {
        return Err(refuse(
            "address",
            address,
            "starts with `-`, which ssh would read as an option; expected a host name or IP address",
        ));
    }
    if address.len() > MAX_ADDRESS_BYTES {
        return Err(refuse("address", address, "longer than 255 bytes"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%');
    if !address.chars().all(allowed) {
        return Err(refuse(
            "address",
            address,
            "contains whitespace, control or other characters; expected A-Z a-z 0-9 . - _ : %",
        ));
    }
    Ok(())
}

/// An ssh user: `[A-Za-z0-9_][A-Za-z0-9._-]{0,63}`.
pub fn check_user(user: &str) -> Result<(), SshError> {
    let mut chars = user.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && user.len() <= MAX_USER_BYTES {
        Ok(())
    } else {
        Err(refuse(
            "user",
            user,
            "expected 1 to 64 of A-Z a-z 0-9 . _ -, not starting with `-` or `.`",
        ))
    }
}

/// An absolute path on the host without control characters (it is quoted for the remote shell,
/// but a newline or escape would still corrupt output and markers).
pub fn check_remote_path(field: &'static str, path: &str) -> Result<(), SshError> {
    if !path.starts_with('/') {
        return Err(refuse(
            field,
            path,
            "not absolute; expected a path starting with `/`",
        ));
    }
    if path.len() > MAX_REMOTE_PATH_BYTES {
        return Err(refuse(field, path, "longer than 1024 bytes"));
    }
    if path.chars().any(char::is_control) {
        return Err(refuse(field, path, "contains control characters"));
    }
    if path.ends_with('/') && path.len() > 1 {
        return Err(refuse(
            field,
            path,
            "ends with `/`; expected a file or directory name",
        ));
    }
    Ok(())
}

/// 64 lowercase hex digits: guard keys and SHA-256 digests.
pub fn check_hex64(field: &'static str, value: &str) -> Result<(), SshError> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(refuse(field, value, "expected 64 lowercase hex digits"))
    }
}

/// Everything about where a step runs, checked before any ssh process starts.
pub fn check_target(host: &HostTarget) -> Result<(), SshError> {
    check_address(&host.address)?;
    check_user(&host.user)?;
    if host.port == 0 {
        return Err(refuse("port", "0", "expected a port from 1 to 65535"));
    }
    check_remote_path("marker_dir", &host.marker_dir)
}

/// A guarded step's key and script; the script cannot carry a NUL byte through ssh.
pub fn check_step(step: &GuardedStep) -> Result<(), SshError> {
    check_hex64("guard_key", &step.guard_key)?;
    if step.script.contains('\0') {
        return Err(refuse("script", "<script>", "contains a NUL byte"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_ssh_would_misread_are_refused() {
        for good in [
            "127.0.0.1",
            "::1",
            "fe80::1%eth0",
            "db-01.internal.example.org",
        ] {
            assert!(check_address(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-oProxyCommand=x",
            "a b",
            "a\u{7}b",
            "host\n",
            "root@host",
            "ssh://host:22",
            "host\u{202e}",
        ] {
            assert!(check_address(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn users_follow_the_inventory_format() {
        assert!(check_user("root").is_ok());
        assert!(check_user("_patch.bot-1").is_ok());
        for bad in ["", "-l", ".x", "a b", "a\tb", "a@b", &"u".repeat(65)] {
            assert!(check_user(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn remote_paths_must_be_absolute_and_printable() {
        assert!(check_remote_path("marker_dir", "/var/lib/su").is_ok());
        assert!(check_remote_path("marker_dir", "relative").is_err());
        assert!(check_remote_path("marker_dir", "/a\nb").is_err());
        assert!(check_remote_path("marker_dir", "/a/").is_err());
    }

    #[test]
    fn refusals_name_the_field_and_escape_the_value() {
        let message = check_address("-o\u{1b}[2J").unwrap_err().to_string();
        assert!(message.contains("address"), "{message}");
        assert!(message.contains("\\u{1b}"), "{message}");
        assert!(!message.contains('\u{1b}'), "{message}");
    }

    #[test]
    fn guard_keys_are_lowercase_hex() {
        assert!(check_hex64("guard_key", &"a1".repeat(32)).is_ok());
        assert!(check_hex64("guard_key", &"A1".repeat(32)).is_err());
        assert!(check_hex64("guard_key", "../../etc/passwd").is_err());
    }
}
