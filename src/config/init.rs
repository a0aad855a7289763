//! Writing a new site: the commented templates (`secureupdate init DIR`) or any set of files
//! (the embedded demo site). Nothing is half-written: files go to a temporary sibling directory
//! that is renamed into place only when complete.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::ConfigError;
use super::site_dir::{INVENTORY_FILE, POLICY_FILE, SITE_FILE};

const SITE_TEMPLATE: &str = include_str!("templates/site.toml");
const POLICY_TEMPLATE: &str = include_str!("templates/policy.toml");
const INVENTORY_TEMPLATE: &str = include_str!("templates/inventory.toml");
const KEYS_README: &str = include_str!("templates/keys_README.md");
const PATCH_EXAMPLE: &str = include_str!("templates/patch_example.toml");

/// Directories a new site starts with, empty.
const SITE_DIRS: [&str; 6] = [
    "feeds/kev",
    "feeds/epss",
    "feeds/osv",
    "feeds/vulnrichment",
    "keys",
    "patches",
];

/// Writes a new site from the commented templates into `dir`, which must not exist or be
/// empty. The result loads with `Site::load` as it is; operators add keys with `keygen`.
pub fn write_site(dir: &Path) -> Result<(), ConfigError> {
    let files: [(&str, &[u8]); 5] = [
        (SITE_FILE, SITE_TEMPLATE.as_bytes()),
        (POLICY_FILE, POLICY_TEMPLATE.as_bytes()),
        (INVENTORY_FILE, INVENTORY_TEMPLATE.as_bytes()),
        ("keys/README.md", KEYS_README.as_bytes()),
        // Not `*.toml`, so it is not loaded until the operator copies it to one.
        ("patches/example.toml.sample", PATCH_EXAMPLE.as_bytes()),
    ];
    write_tree(dir, &files, &SITE_DIRS)
}

/// Writes `files` (paths relative to `dir`, with their contents) into `dir`, which must not
/// exist or be empty; all or nothing.
pub fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), ConfigError> {
    write_tree(dir, files, &[])
}

fn write_tree(dir: &Path, files: &[(&str, &[u8])], dirs: &[&str]) -> Result<(), ConfigError> {
    let shown = dir.display().to_string();
    for entry in files
        .iter()
        .map(|(path, _)| *path)
        .chain(dirs.iter().copied())
    {
        if !is_safe_relative(entry) {
            return Err(ConfigError::UnsafeEntry {
                dir: shown,
                entry: entry.to_string(),
            });
        }
    }
    let (target, exists) = check_target(dir, &shown)?;
    let staging = make_staging_dir(&target, &shown)?;
    let written = fill(&staging, files, dirs).and_then(|()| {
        if exists {
            move_entries(&staging, &target, &shown)
        } else {
            fs::rename(&staging, &target)
                .map_err(|e| ConfigError::io(&shown, "move the new site into place", e))
        }
    });
    // Best effort: after success the staging directory is empty or gone; after a failure the
    // error that matters is the one already in hand.
    let _ = fs::remove_dir_all(&staging);
    written?;
    if let Some(parent) = target.parent() {
        // Make the rename durable; some file systems refuse to sync a directory, which is fine.
        let _ = fs::File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Refuses anything but a missing or empty directory; returns a path with a final name and
/// whether the directory exists.
fn check_target(dir: &Path, shown: &str) -> Result<(PathBuf, bool), ConfigError> {
    let exists = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(ConfigError::io(shown, "inspect directory", e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(ConfigError::io(
                shown,
                "create site directory",
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "it exists and is not a directory",
                ),
            ));
        }
        Ok(_) => {
            let mut entries =
                fs::read_dir(dir).map_err(|e| ConfigError::io(shown, "read directory", e))?;
            if entries.next().is_some() {
                return Err(ConfigError::DirectoryNotEmpty {
                    dir: shown.to_string(),
                });
            }
            true
        }
    };
    // `init .` has no final name to put a sibling next to; the canonical path has one.
    let target = if exists {
        dir.canonicalize()
            .map_err(|e| ConfigError::io(shown, "resolve directory", e))?
    } else {
        dir.to_path_buf()
    };
    if target.file_name().is_none() {
        return Err(ConfigError::io(
            shown,
            "create site directory",
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "expected a path ending in a name",
            ),
        ));
    }
    Ok((target, exists))
}

/// Moves the staged entries into an existing empty directory (renaming onto it would strand a
/// shell whose working directory it is); on failure, takes back what was moved.
fn move_entries(staging: &Path, target: &Path, shown: &str) -> Result<(), ConfigError> {
    let names: Vec<_> = fs::read_dir(staging)
        .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
        .map_err(|e| ConfigError::io(shown, "read temporary directory", e))?;
    for (i, name) in names.iter().enumerate() {
        if let Err(e) = fs::rename(staging.join(name), target.join(name)) {
            for moved in &names[..i] {
                let _ = fs::rename(target.join(moved), staging.join(moved));
            }
            return Err(ConfigError::io(shown, "move the new site into place", e));
        }
    }
    Ok(())
}

fn make_staging_dir(target: &Path, shown: &str) -> Result<PathBuf, ConfigError> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(|e| ConfigError::io(shown, "create parent directory", e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    loop {
        let attempt = COUNTER.fetch_add(1, Ordering::Relaxed);
        let staging = parent.join(format!(".{name}.partial-{pid}-{attempt}"));
        match fs::create_dir(&staging) {
            Ok(()) => return Ok(staging),
            // Left over from a crashed run: never reuse it, pick the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => continue,
            Err(e) => return Err(ConfigError::io(shown, "create temporary directory", e)),
        }
    }
}

fn fill(staging: &Path, files: &[(&str, &[u8])], dirs: &[&str]) -> Result<(), ConfigError> {
    for dir in dirs {
        let path = staging.join(dir);
        fs::create_dir_all(&path).map_err(|e| ConfigError::io(dir, "create directory", e))?;
    }
    for (relative, contents) in files {
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| ConfigError::io(relative, "create directory", e))?;
        }
        fs::File::create_new(&path)
            .and_then(|mut file| {
                file.write_all(contents)?;
                file.sync_all()
            })
            .map_err(|e| ConfigError::io(relative, "write file", e))?;
    }
    Ok(())
}

fn is_safe_relative(entry: &str) -> bool {
    let path = Path::new(entry);
    !entry.is_empty()
        && path
            .components()
            .all(|component| matches!(component, Component::Normal(_)))
}
