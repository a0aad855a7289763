//! The run's private directory: ssh control sockets, the masters' logs, the generated ssh config
//! and an owner file naming this process. Its path is kept short because a Unix socket path is
//! limited (~108 bytes, and ssh adds a temporary suffix while binding); it is mode 0700 and
//! removed when the executor is dropped. Making one clears the directories of runs that died
//! without closing their masters (see `orphans`).

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::error::SshError;
use super::options::SshOptions;
use super::orphans::{CONTROL_DIR_PREFIX, clear_orphans};
use super::owner::Owner;

/// Longest accepted control directory path; a socket adds `/mN` and ssh a 17-byte suffix while
/// binding.
pub const MAX_CONTROL_DIR_BYTES: usize = 60;

const CONFIG_FILE: &str = "ssh_config";

#[derive(Debug)]
pub struct ControlDir {
    dir: TempDir,
    config: PathBuf,
}

impl ControlDir {
    /// Makes the directory in the first short candidate (`$XDG_RUNTIME_DIR`, `$TMPDIR`, `/tmp`),
    /// writes the owner file and the ssh config into it, then clears orphaned ones beside it.
    pub fn create(options: &SshOptions) -> Result<ControlDir, SshError> {
        let parent = short_parent()?;
        let dir = tempfile::Builder::new()
            .prefix(CONTROL_DIR_PREFIX)
            .tempdir_in(&parent)
            .map_err(|source| SshError::ControlDir {
                parent: parent.clone(),
                source,
            })?;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).map_err(|source| {
            SshError::ControlDir {
                parent: parent.clone(),
                source,
            }
        })?;
        // Without an owner file the directory is never taken for an orphan: a failure here only
        // means a crash of this run would leave its masters to ControlPersist.
        match Owner::of_this_process() {
            Some(owner) => {
                if let Err(error) = owner.write_into(dir.path()) {
                    tracing::warn!("no owner file in {}: {error}", dir.path().display());
                }
            }
            None => tracing::warn!(
                "no owner file: /proc cannot be read; a crash would leave this run's masters until they idle out"
            ),
        }
        let config = dir.path().join(CONFIG_FILE);
        fs::write(&config, generated_config(options)).map_err(|source| SshError::WriteConfig {
            path: config.clone(),
            source,
        })?;
        clear_orphans(dir.path());
        Ok(ControlDir { dir, config })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> &Path {
        &self.config
    }
}

fn short_parent() -> Result<PathBuf, SshError> {
    let candidates: Vec<PathBuf> = ["XDG_RUNTIME_DIR", "TMPDIR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .chain([PathBuf::from("/tmp")])
        .collect();
    // The temporary directory's own name adds `/su-ssh-XXXXXX` (14 bytes).
    let fits = |p: &PathBuf| {
        p.is_absolute() && p.as_os_str().len() + 14 <= MAX_CONTROL_DIR_BYTES && p.is_dir()
    };
    candidates
        .iter()
        .find(|p| fits(p))
        .cloned()
        .ok_or_else(|| SshError::NoShortControlDir {
            tried: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            max: MAX_CONTROL_DIR_BYTES,
        })
}

/// ssh takes the first value it reads for each setting, so the enforced settings come before
/// the site's own config. `-o` would split a known_hosts path at spaces, hence the quoted file.
/// Paths were checked to hold no `"` or control characters.
fn generated_config(options: &SshOptions) -> String {
    let mut text = String::from(
        "# Written by SecureUPDATE for one run and removed after it.\n\
         GlobalKnownHostsFile /dev/null\n",
    );
    let _ = writeln!(
        text,
        "UserKnownHostsFile \"{}\"",
        options.known_hosts.display()
    );
    text.push_str(
        "StrictHostKeyChecking yes\n\
         UpdateHostKeys no\n\
         BatchMode yes\n\
         ForwardAgent no\n\
         ForwardX11 no\n\
         ServerAliveInterval 15\n\
         ServerAliveCountMax 4\n",
    );
    if let Some(site_config) = &options.config {
        let _ = writeln!(text, "Include \"{}\"", site_config.display());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn options(config: Option<&str>) -> SshOptions {
        SshOptions {
            known_hosts: PathBuf::from("/site dir/ssh/known_hosts"),
            identity: None,
            config: config.map(PathBuf::from),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_secs(1),
            idle_limit: Duration::from_secs(1),
        }
    }

    #[test]
    fn the_generated_config_pins_known_hosts_before_the_site_config() {
        let text = generated_config(&options(Some("/site dir/ssh/config")));
        let global = text.find("GlobalKnownHostsFile /dev/null").unwrap();
        let user = text
            .find("UserKnownHostsFile \"/site dir/ssh/known_hosts\"")
            .unwrap();
        let include = text.find("Include \"/site dir/ssh/config\"").unwrap();
        assert!(global < include && user < include, "{text}");
        assert!(text.contains("StrictHostKeyChecking yes"));
    }

    #[test]
    fn the_directory_is_private_short_and_removed() {
        let control = ControlDir::create(&options(None)).unwrap();
        let path = control.path().to_path_buf();
        assert!(path.as_os_str().len() <= MAX_CONTROL_DIR_BYTES, "{path:?}");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert!(control.config().is_file());
        drop(control);
        assert!(!path.exists());
    }
}
