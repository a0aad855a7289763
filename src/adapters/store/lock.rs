//! One process per site: an exclusive advisory lock on `<site>/.secureupdate.lock`.
//!
//! The lock is `flock`-style: the OS drops it when the holder exits or dies, so a
//! crash never leaves a stale lock behind. The file only describes the holder, so a
//! second process can say who is in the way.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};

use super::error::{StoreError, printable};

pub const LOCK_FILE_NAME: &str = ".secureupdate.lock";

/// The holder description is a few short lines; anything longer is not ours.
const MAX_DESCRIPTION_BYTES: u64 = 4096;
const MAX_FIELD_CHARS: usize = 80;

/// Held for as long as this process works on the site; released on drop.
#[derive(Debug)]
pub struct SiteLock {
    // Never read: keeping the file open is what holds the lock.
    _file: File,
    path: PathBuf,
}

impl SiteLock {
    /// Locks the site for this process, or fails naming the process that holds it.
    /// `command` says what this process is doing (`tui`, `apply`, ...).
    pub fn acquire(site_dir: &Path, command: &str) -> Result<SiteLock, StoreError> {
        let path = site_dir.join(LOCK_FILE_NAME);
        let lock_error = |source| StoreError::Lock {
            path: path.clone(),
            source,
        };
        // No truncation here: until we hold the lock the content is the holder's.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(lock_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::SiteBusy {
                    site: site_dir.to_path_buf(),
                    holder: describe_holder(&mut file),
                });
            }
            Err(TryLockError::Error(source)) => return Err(lock_error(source)),
        }
        write_description(&mut file, command).map_err(lock_error)?;
        Ok(SiteLock { _file: file, path })
    }

    /// The lock file (it stays in place after the lock is released).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn write_description(file: &mut File, command: &str) -> std::io::Result<()> {
    let mut text = format!(
        "pid={}\ncommand={}\nstarted={}\n",
        std::process::id(),
        printable(command, MAX_FIELD_CHARS),
        Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    if let Ok(user) = std::env::var("USER") {
        text.push_str(&format!("user={}\n", printable(&user, MAX_FIELD_CHARS)));
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// `secureupdate pid 4242 (tui, started 2026-11-26T06:40:00Z, user alice)`, from
/// whatever the holder wrote; the holder may not have written it yet.
fn describe_holder(file: &mut File) -> String {
    let mut bytes = Vec::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.take(MAX_DESCRIPTION_BYTES).read_to_end(&mut bytes));
    if read.is_err() {
        return "another secureupdate process (its description cannot be read)".to_string();
    }
    let text = String::from_utf8_lossy(&bytes);
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .map(|value| printable(value, MAX_FIELD_CHARS))
            .filter(|value| !value.is_empty())
    };
    let Some(pid) = field("pid") else {
        return "another secureupdate process (it has not described itself yet)".to_string();
    };
    let mut details = vec![field("command").unwrap_or_else(|| "unknown command".to_string())];
    if let Some(started) = field("started") {
        details.push(format!("started {started}"));
    }
    if let Some(user) = field("user") {
        details.push(format!("user {user}"));
    }
    format!("secureupdate pid {pid} ({})", details.join(", "))
}
