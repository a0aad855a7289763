//! A simulated host's state: a few files, the guard protocol's locks and completion markers,
//! and a count of how often each guarded script really started — what tests read to prove a
//! wave was never touched or a step ran exactly once. Kept in memory, or in a state directory
//! (one JSON file per host, replaced atomically) so it outlives a killed process.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::rollout::StepKind;

/// The file the simulated package lives in, and its backup.
pub const PACKAGE_FILE: &str = "/var/lib/dpkg/sim-package";
pub const BACKUP_FILE: &str = "/var/backups/secureupdate/sim-package";
pub const ORIGINAL: &str = "original";
pub const PATCHED: &str = "patched";
pub const HALF_APPLIED: &str = "half-applied";

/// A state file holds a few markers per step; anything far larger is not ours.
const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum SimError {
    #[error("{path}: cannot {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: not a simulated host's state: {detail}")]
    Format { path: PathBuf, detail: String },
}

/// A step holding its lock: when it will have finished, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLock {
    pub step: Option<StepKind>,
    pub finishes_at_ms: u64,
    pub exit_code: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimHost {
    pub files: BTreeMap<String, String>,
    /// Guard key to exit code: the completion markers.
    pub markers: BTreeMap<String, i32>,
    pub locks: BTreeMap<String, SimLock>,
    /// Guard key to how many times its script started.
    pub runs: BTreeMap<String, u32>,
    /// Steps in the order they started (uploads included).
    pub history: Vec<String>,
    /// The host dropped off the network and answers nothing any more.
    pub dropped: bool,
}

impl Default for SimHost {
    fn default() -> Self {
        SimHost {
            files: BTreeMap::from([(PACKAGE_FILE.to_string(), ORIGINAL.to_string())]),
            markers: BTreeMap::new(),
            locks: BTreeMap::new(),
            runs: BTreeMap::new(),
            history: Vec::new(),
            dropped: false,
        }
    }
}

impl SimHost {
    /// The simulated package's state: original, patched, half-applied.
    pub fn package(&self) -> &str {
        self.files.get(PACKAGE_FILE).map_or("", String::as_str)
    }

    /// Whether anything ever ran on this host.
    pub fn untouched(&self) -> bool {
        self.history.is_empty()
    }

    /// Ends a step whose lock is held: its effects on the files, then its marker.
    pub fn complete(&mut self, key: &str) -> Option<i32> {
        let lock = self.locks.remove(key)?;
        let ok = lock.exit_code == 0;
        match lock.step {
            Some(StepKind::Backup) if ok => {
                let package = self.package().to_string();
                self.files.insert(BACKUP_FILE.to_string(), package);
            }
            Some(StepKind::Apply) => {
                let state = if ok { PATCHED } else { HALF_APPLIED };
                self.files
                    .insert(PACKAGE_FILE.to_string(), state.to_string());
            }
            Some(StepKind::Rollback) if ok => {
                let backup = self
                    .files
                    .get(BACKUP_FILE)
                    .cloned()
                    .unwrap_or_else(|| ORIGINAL.to_string());
                self.files.insert(PACKAGE_FILE.to_string(), backup);
            }
            _ => {}
        }
        self.markers.insert(key.to_string(), lock.exit_code);
        Some(lock.exit_code)
    }
}

pub fn state_path(dir: &Path, host: &str) -> PathBuf {
    dir.join(format!("{host}.json"))
}

/// Reads a host's saved state; a host never saved starts fresh.
pub fn load_host(dir: &Path, host: &str) -> Result<SimHost, SimError> {
    let path = state_path(dir, host);
    let io = |action, source| SimError::Io {
        path: path.clone(),
        action,
        source,
    };
    let size = match fs::metadata(&path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SimHost::default()),
        Err(e) => return Err(io("read", e)),
    };
    if size > MAX_STATE_BYTES {
        return Err(SimError::Format {
            path,
            detail: format!("{size} bytes, more than {MAX_STATE_BYTES}"),
        });
    }
    let bytes = fs::read(&path).map_err(|e| io("read", e))?;
    serde_json::from_slice(&bytes).map_err(|e| SimError::Format {
        path: path.clone(),
        detail: e.to_string(),
    })
}

/// Writes a host's state: a temporary file, synced, then renamed over the old one.
pub fn save_host(dir: &Path, host: &str, state: &SimHost) -> Result<(), SimError> {
    let path = state_path(dir, host);
    let temporary = dir.join(format!(".{host}.json.tmp"));
    let io = |action, source| SimError::Io {
        path: path.clone(),
        action,
        source,
    };
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| SimError::Format {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    fs::create_dir_all(dir).map_err(|e| io("create the state directory", e))?;
    let mut file = fs::File::create(&temporary).map_err(|e| io("write", e))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", e))?;
    fs::rename(&temporary, &path).map_err(|e| io("replace", e))
}
