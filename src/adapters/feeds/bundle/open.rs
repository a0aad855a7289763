//! Opening a bundle directory for import: the manifest's signature by a pinned feed key, the
//! trusted comment, then every entry of the directory (safe names, regular files only, nothing
//! unlisted) and every file's length and SHA-256, read with a cap. What passes is held in
//! memory, so the bytes imported are the bytes checked.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::BundleError;
use super::manifest::{
    MANIFEST_FILE, MAX_MANIFEST_BYTES, Manifest, ManifestFile, SIGNATURE_FILE, is_safe_name,
};
use crate::adapters::feeds::site_feeds::{Loaded, parse_records};
use crate::adapters::signatures::{MAX_SIGNATURE_FILE, SignatureCheck, SignatureFile};
use crate::config::{PinnedKey, TrustList};
use crate::core::feed_bundle::BundleFacts;
use crate::core::sanitize::sanitize_line;
use crate::core::threat::FeedKind;

/// A bundle whose signature, names, lengths and hashes all check out.
#[derive(Debug)]
pub struct OpenedBundle {
    pub manifest: Manifest,
    /// SHA-256 (hex) of the manifest as signed.
    pub manifest_sha256: String,
    pub key_id: String,
    files: Vec<(ManifestFile, Vec<u8>)>,
}

impl OpenedBundle {
    pub fn facts(&self) -> BundleFacts {
        self.manifest.facts(&self.manifest_sha256)
    }

    /// The records of every kind the bundle carries, parsed by the same importers as the
    /// site's `feeds/` folder. Consumes the bundle: its files are handed on, not copied.
    pub fn records(self) -> Result<Vec<Loaded>, BundleError> {
        let mut files = self.files;
        files.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let mut all = Vec::new();
        for kind in FeedKind::ALL {
            let (of_kind, rest): (Vec<_>, Vec<_>) =
                files.into_iter().partition(|(f, _)| f.kind == kind);
            files = rest;
            if of_kind.is_empty() {
                continue;
            }
            let contents = of_kind
                .into_iter()
                .map(|(file, bytes)| Ok((format!("bundle/{}", file.name), bytes)));
            all.push(parse_records(kind, contents)?);
        }
        Ok(all)
    }
}

/// Checks the bundle in `dir` against the pinned feed keys (see the module comment).
pub fn open_bundle(dir: &Path, feed_keys: &[PinnedKey]) -> Result<OpenedBundle, BundleError> {
    let shown = |name: &str| format!("{}/{}", dir.display(), sanitize_line(name, 200));
    let entries = list_entries(dir, &shown)?;
    for required in [MANIFEST_FILE, SIGNATURE_FILE] {
        if !entries.contains(required) {
            return Err(BundleError::Missing {
                file: shown(required),
            });
        }
    }
    let signature_bytes = read_capped(
        &dir.join(SIGNATURE_FILE),
        &shown(SIGNATURE_FILE),
        MAX_SIGNATURE_FILE,
    )?;
    let signature = SignatureFile::parse(&signature_bytes, &shown(SIGNATURE_FILE))?;
    let manifest_bytes = read_capped(
        &dir.join(MANIFEST_FILE),
        &shown(MANIFEST_FILE),
        MAX_MANIFEST_BYTES,
    )?;
    let verified = SignatureCheck {
        signature: &signature,
        signature_name: &shown(SIGNATURE_FILE),
        keys: feed_keys,
        role: TrustList::Feed,
    }
    .bytes(&manifest_bytes, &shown(MANIFEST_FILE))?;
    let manifest = Manifest::parse(&manifest_bytes, &shown(MANIFEST_FILE))?;
    let expected = manifest.trusted_comment();
    if verified.trusted_comment != expected {
        return Err(BundleError::CommentMismatch {
            file: shown(SIGNATURE_FILE),
            expected,
            found: sanitize_line(&verified.trusted_comment, 200),
        });
    }
    let listed: HashMap<&str, &ManifestFile> = manifest
        .files
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    for name in &entries {
        if name != MANIFEST_FILE && name != SIGNATURE_FILE && !listed.contains_key(name.as_str()) {
            return Err(BundleError::Unlisted { file: shown(name) });
        }
    }
    let mut files = Vec::with_capacity(manifest.files.len());
    for file in &manifest.files {
        if !entries.contains(&file.name) {
            return Err(BundleError::Missing {
                file: shown(&file.name),
            });
        }
        let bytes = read_declared(&dir.join(&file.name), &shown(&file.name), file)?;
        files.push((file.clone(), bytes));
    }
    Ok(OpenedBundle {
        manifest_sha256: verified.sha256,
        key_id: verified.key_id,
        manifest,
        files,
    })
}

/// Every entry of the bundle directory by name; anything but a safely named regular file is
/// refused.
fn list_entries(
    dir: &Path,
    shown: &impl Fn(&str) -> String,
) -> Result<HashSet<String>, BundleError> {
    let meta = fs::symlink_metadata(dir).map_err(|source| BundleError::Io {
        file: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(BundleError::BadDirectory {
            dir: dir.to_path_buf(),
            detail: "is not a directory (or is a link to one); expected a bundle directory"
                .to_string(),
        });
    }
    let io = |source| BundleError::Io {
        file: dir.to_path_buf(),
        source,
    };
    let mut entries = HashSet::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let raw = entry.file_name();
        let Some(name) = raw.to_str().filter(|n| is_safe_name(n)) else {
            return Err(BundleError::UnsafeName {
                file: shown(&raw.to_string_lossy()),
            });
        };
        let kind = entry.file_type().map_err(io)?;
        if kind.is_symlink() {
            return Err(BundleError::Symlink { file: shown(name) });
        }
        if !kind.is_file() {
            return Err(BundleError::NotRegular { file: shown(name) });
        }
        if entries.len() > super::manifest::MAX_FILES + 2 {
            return Err(BundleError::BadDirectory {
                dir: dir.to_path_buf(),
                detail: "holds more entries than any bundle may".to_string(),
            });
        }
        entries.insert(name.to_string());
    }
    Ok(entries)
}

/// Opens a regular file without following links or blocking on a FIFO swapped in.
fn open_regular(path: &Path, shown: &str) -> Result<File, BundleError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|source| BundleError::Io {
            file: path.to_path_buf(),
            source,
        })?;
    let is_file = file.metadata().map(|m| m.is_file()).unwrap_or(false);
    if is_file {
        Ok(file)
    } else {
        Err(BundleError::NotRegular {
            file: shown.to_string(),
        })
    }
}

fn read_capped(path: &Path, shown: &str, cap: u64) -> Result<Vec<u8>, BundleError> {
    let mut bytes = Vec::new();
    open_regular(path, shown)?
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| BundleError::Io {
            file: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(BundleError::TooLong {
            file: shown.to_string(),
            declared: cap,
        });
    }
    Ok(bytes)
}

/// Reads at most one byte more than declared: a longer file is refused without reading it all.
fn read_declared(path: &Path, shown: &str, file: &ManifestFile) -> Result<Vec<u8>, BundleError> {
    let bytes = read_capped(path, shown, file.length)?;
    if (bytes.len() as u64) < file.length {
        return Err(BundleError::TooShort {
            file: shown.to_string(),
            declared: file.length,
            actual: bytes.len() as u64,
        });
    }
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != file.sha256 {
        return Err(BundleError::HashMismatch {
            file: shown.to_string(),
            expected: file.sha256.clone(),
            actual,
        });
    }
    Ok(bytes)
}
