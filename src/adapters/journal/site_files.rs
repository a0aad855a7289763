//! Where a site keeps its journal (DESIGN.md §2) and which operator keys its site.toml trusts.

use std::path::{Path, PathBuf};

use minisign::PublicKey;

use super::checkpoints::{CheckpointFiles, write_checkpoint};
use super::db::Journal;
use super::error::{JournalError, KeyError};
use super::keys::{OperatorSigner, load_public_key};
use super::verify::verify_journal;
use crate::config::{SiteConfig, resolve_in_site};
use crate::core::journal::Head;

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

/// Where a journal ended when it verified: its size and head hash (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedHead {
    pub size: u64,
    pub hash: String,
}

impl VerifiedHead {
    /// The journal's head as it is now, to compare with one that verified.
    pub fn of(head: &Head) -> VerifiedHead {
        VerifiedHead {
            size: head.size,
            hash: head.hash.to_string(),
        }
    }
}

/// Verifies the whole site journal against site.toml's keys; a missing journal is an empty
/// one. Returns where the verified journal ended, if it exists.
pub fn verify_site_journal(
    site_dir: &Path,
    config: &SiteConfig,
) -> Result<Option<VerifiedHead>, JournalError> {
    let path = journal_path(site_dir);
    if !path.exists() {
        return Ok(None);
    }
    let trusted = site_trusted_keys(site_dir, config)?;
    let report = verify_journal(&path, &checkpoints_dir(site_dir), &trusted, None)?;
    match report.first_problem() {
        Some(problem) => Err(JournalError::NotIntact {
            path,
            seq: problem.seq,
            message: problem.message.clone(),
        }),
        None => Ok(Some(VerifiedHead {
            size: report.size,
            hash: report.head,
        })),
    }
}

/// Signs a checkpoint of the site journal's head, but only once the whole journal verifies:
/// a checkpoint vouches for everything before it, so it must never vouch for a head an
/// attacker rewrote.
pub fn checkpoint_site_journal(
    site_dir: &Path,
    config: &SiteConfig,
    signer: &OperatorSigner,
) -> Result<CheckpointFiles, JournalError> {
    let path = journal_path(site_dir);
    let verified = verify_site_journal(site_dir, config)?;
    let journal = Journal::open_read_only(&path)?;
    let head = journal.head()?;
    if verified != Some(VerifiedHead::of(&head)) {
        return Err(JournalError::NotIntact {
            path,
            seq: head.size,
            message: "appended while the journal was being verified; try again".to_string(),
        });
    }
    write_checkpoint(&checkpoints_dir(site_dir), &journal, signer)
}
