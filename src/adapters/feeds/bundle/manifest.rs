//! The bundle manifest: feed id, sequence, creation time, expiry and every file with its kind,
//! length and SHA-256. It is the signed part of a bundle; the files are bound to it by hash.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::BundleError;
use crate::core::feed_bundle::BundleFacts;
use crate::core::threat::FeedKind;

pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.json.minisig";
pub const FORMAT: &str = "secureupdate-feed-bundle-1";

/// A manifest of 100,000 files is a few MiB.
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;
pub const MAX_FILES: usize = 100_000;
/// All files of a bundle together; they are held in memory between check and import.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub feed_id: String,
    pub seq: u64,
    pub created: DateTime<Utc>,
    /// Valid until 00:00 UTC of this day.
    pub expires: NaiveDate,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub name: String,
    pub kind: FeedKind,
    pub length: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`: flat, no `..`, no `/`, nothing hidden.
pub fn is_safe_name(name: &str) -> bool {
    name_like(name, 128)
}

/// Feed ids follow the name rule, up to 64 characters.
pub fn is_feed_id(id: &str) -> bool {
    name_like(id, 64)
}

fn name_like(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Manifest {
    /// Parses and checks a manifest; `origin` names it in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Manifest, BundleError> {
        let invalid = |detail: String| BundleError::Manifest {
            file: origin.to_string(),
            detail,
        };
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let manifest: Manifest =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                invalid(crate::core::sanitize::sanitize_line(
                    format!("{}: {}", e.path(), e.inner()),
                    400,
                ))
            })?;
        manifest.check().map_err(invalid)?;
        Ok(manifest)
    }

    /// Every rule a manifest must follow, whoever signed it.
    pub fn check(&self) -> Result<(), String> {
        let shown = |s: &str| crate::core::sanitize::sanitize_line(s, 80);
        if self.format != FORMAT {
            return Err(format!(
                "format `{}`; expected `{FORMAT}`",
                shown(&self.format)
            ));
        }
        if !is_feed_id(&self.feed_id) {
            return Err(format!(
                "feed_id `{}`; expected 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit",
                shown(&self.feed_id)
            ));
        }
        if i64::try_from(self.seq).is_err() {
            return Err(format!("seq {} is too large", self.seq));
        }
        if self.expires <= self.created.date_naive() {
            return Err(format!(
                "expires {} is not after the creation day {}",
                self.expires,
                self.created.date_naive()
            ));
        }
        if self.files.len() > MAX_FILES {
            return Err(format!("{} files; at most {MAX_FILES}", self.files.len()));
        }
        let mut names = HashSet::new();
        let mut total = 0u64;
        for (i, file) in self.files.iter().enumerate() {
            if !is_safe_name(&file.name) || file.name.starts_with(MANIFEST_FILE) {
                return Err(format!(
                    "files[{i}].name `{}` is not a safe flat name (expected ^[A-Za-z0-9][A-Za-z0-9._-]{{0,127}}$, not the manifest's own)",
                    shown(&file.name)
                ));
            }
            if !names.insert(file.name.as_str()) {
                return Err(format!("files[{i}].name `{}` is listed twice", file.name));
            }
            if file.sha256.len() != 64
                || !file
                    .sha256
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return Err(format!(
                    "files[{i}].sha256 `{}`; expected 64 lowercase hex digits",
                    shown(&file.sha256)
                ));
            }
            total = total.saturating_add(file.length);
        }
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "the files add up to {total} bytes; at most {MAX_TOTAL_BYTES}"
            ));
        }
        Ok(())
    }

    /// The manifest as written into a bundle.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The one-line trusted comment the manifest's signature carries.
    pub fn trusted_comment(&self) -> String {
        format!(
            "feed={} seq={} expires={}",
            self.feed_id, self.seq, self.expires
        )
    }

    pub fn facts(&self, manifest_sha256: &str) -> BundleFacts {
        BundleFacts {
            feed_id: self.feed_id.clone(),
            seq: self.seq,
            manifest_sha256: manifest_sha256.to_string(),
            created: self.created,
            expires: self.expires,
        }
    }
}
