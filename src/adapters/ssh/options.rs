//! The ssh executor's settings: site.toml `[ssh]` with paths resolved against the site, and
//! timeouts a caller may override (tests, `--connect-timeout`, …).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::SshError;
use crate::config::{SshSettings, resolve_in_site};

/// How long an unused master connection is kept before ssh closes it by itself, so that a
/// crashed run leaves no master behind for long.
pub const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOptions {
    /// The only known_hosts file consulted; host keys are checked strictly against it.
    pub known_hosts: PathBuf,
    /// Identity file; when absent the operator's agent is used.
    pub identity: Option<PathBuf>,
    /// The site's own ssh config, included after the settings SecureUPDATE enforces.
    pub config: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Limit for uploads and probes; a guarded step carries its own timeout.
    pub command_timeout: Duration,
    /// `ControlPersist`: an idle master exits after this long.
    pub idle_limit: Duration,
}

impl SshOptions {
    /// The site's `[ssh]` settings, paths made absolute against `site_dir`.
    pub fn from_site(settings: &SshSettings, site_dir: &Path) -> SshOptions {
        SshOptions {
            known_hosts: resolve_in_site(site_dir, &settings.known_hosts),
            identity: settings
                .identity
                .as_deref()
                .map(|p| resolve_in_site(site_dir, p)),
            config: settings
                .config
                .as_deref()
                .map(|p| resolve_in_site(site_dir, p)),
            connect_timeout: Duration::from_secs(u64::from(settings.connect_timeout_s)),
            command_timeout: Duration::from_secs(u64::from(settings.command_timeout_s)),
            idle_limit: DEFAULT_IDLE_LIMIT,
        }
    }

    /// Checks that the named files exist and can be written into an ssh config line.
    pub(crate) fn check_files(&self) -> Result<(), SshError> {
        check_file("known_hosts", &self.known_hosts)?;
        if let Some(identity) = &self.identity {
            check_file("identity", identity)?;
        }
        if let Some(config) = &self.config {
            check_file("config", config)?;
        }
        Ok(())
    }
}

fn check_file(field: &'static str, path: &Path) -> Result<(), SshError> {
    let problem = |problem: String| SshError::SiteFile {
        field,
        path: path.to_path_buf(),
        problem,
    };
    let text = path
        .to_str()
        .ok_or_else(|| problem("is not valid UTF-8; expected a plain path".to_string()))?;
    // ssh expands `%` tokens in these paths and globs `Include`; quotes end its quoting.
    if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '"' | '%' | '*' | '?' | '['))
    {
        return Err(problem(
            "contains a control character or one of \" % * ? [, which ssh would not read as written"
                .to_string(),
        ));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(problem("is not a file".to_string())),
        Err(e) => Err(problem(format!("cannot be read: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_are_resolved_and_timeouts_taken() {
        let settings = SshSettings {
            known_hosts: PathBuf::from("ssh/known_hosts"),
            identity: Some(PathBuf::from("/keys/id")),
            config: None,
            connect_timeout_s: 7,
            command_timeout_s: 90,
        };
        let options = SshOptions::from_site(&settings, Path::new("/site"));
        assert_eq!(options.known_hosts, PathBuf::from("/site/ssh/known_hosts"));
        assert_eq!(options.identity, Some(PathBuf::from("/keys/id")));
        assert_eq!(options.connect_timeout, Duration::from_secs(7));
        assert_eq!(options.command_timeout, Duration::from_secs(90));
    }

    #[test]
    fn a_missing_known_hosts_file_is_named() {
        let settings = SshSettings {
            known_hosts: PathBuf::from("nope/known_hosts"),
            identity: None,
            config: None,
            connect_timeout_s: 1,
            command_timeout_s: 1,
        };
        let options = SshOptions::from_site(&settings, Path::new("/nonexistent-site"));
        let message = options.check_files().unwrap_err().to_string();
        assert!(message.contains("[ssh] known_hosts"), "{message}");
        assert!(message.contains("nope/known_hosts"), "{message}");
    }
}
