//! All-or-nothing changes to a few files: each step done is recorded with how to undo it, and
//! a failure later undoes them in reverse order.

use std::fs;
use std::path::{Path, PathBuf};

use secureupdate::config::write_atomically;

enum Step {
    Created(PathBuf),
    Renamed { from: PathBuf, to: PathBuf },
    Replaced { path: PathBuf, old: Vec<u8> },
}

/// The steps taken so far: dropping it keeps them, `undo` reverts them.
#[derive(Default)]
pub struct FileUndo {
    steps: Vec<Step>,
}

impl FileUndo {
    /// Records that `path` was created.
    pub fn created(&mut self, path: &Path) {
        self.steps.push(Step::Created(path.to_path_buf()));
    }

    /// Renames `from` to `to`, refusing to replace an existing `to`.
    pub fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        if to.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", to.display()),
            ));
        }
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(from, to)?;
        self.steps.push(Step::Renamed {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        });
        Ok(())
    }

    /// Records that `path`, which held `old`, is about to be replaced.
    pub fn replacing(&mut self, path: &Path, old: Vec<u8>) {
        self.steps.push(Step::Replaced {
            path: path.to_path_buf(),
            old,
        });
    }

    /// Reverts every step, newest first; returns what could not be reverted.
    pub fn undo(self) -> Vec<String> {
        let mut failures = Vec::new();
        for step in self.steps.into_iter().rev() {
            let (what, result) = match &step {
                Step::Created(path) => {
                    (format!("remove {}", path.display()), fs::remove_file(path))
                }
                Step::Renamed { from, to } => (
                    format!("move {} back to {}", to.display(), from.display()),
                    fs::rename(to, from),
                ),
                Step::Replaced { path, old } => (
                    format!("restore {}", path.display()),
                    write_atomically(path, old),
                ),
            };
            if let Err(error) = result {
                tracing::error!(%what, %error, "undo failed");
                failures.push(format!("could not {what}: {error}"));
            }
        }
        failures
    }
}
