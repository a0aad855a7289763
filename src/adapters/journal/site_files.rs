//! Where a site keeps its journal (DESIGN.md §2) and which operator keys its site.toml trusts.

use std::path::{Path, PathBuf};

use minisign::PublicKey;

use super::error::KeyError;
use super::keys::load_public_key;
use crate::config::{SiteConfig, resolve_in_site};

/// The journal database in a site directory.
pub fn journal_path(site_dir: &Path) -> PathBuf {
    site_dir.join("journal.db")
}

/// The directory of signed checkpoints in a site directory.
pub fn checkpoints_dir(site_dir: &Path) -> PathBuf {
    site_dir.join("checkpoints")
}

/// Every operator key site.toml trusts for journal signatures: each operator's public key and
/// its retired keys (which a key rotation entry in the journal retires as verification walks).
pub fn site_trusted_keys(
    site_dir: &Path,
    config: &SiteConfig,
) -> Result<Vec<(String, PublicKey)>, KeyError> {
    let mut keys = Vec::new();
    for operator in &config.operators {
        for path in operator.retired_keys.iter().chain(&operator.public_key) {
            let key = load_public_key(&resolve_in_site(site_dir, path))?;
            keys.push((operator.name.clone(), key));
        }
    }
    Ok(keys)
}
