//! Recording an operator's decision in the site's journal, signed with their unlocked key.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use secureupdate::adapters::journal::{Appended, Journal, OperatorSigner, journal_path};
use secureupdate::core::journal::{EntryKind, NewEntry};

/// Appends a decision of `kind` by `signer`'s operator to `site_dir`'s journal (created on
/// first use) and returns where it landed.
pub fn record(
    site_dir: &Path,
    signer: &OperatorSigner,
    kind: EntryKind,
    subject: &str,
    payload: &serde_json::Value,
) -> Result<Appended> {
    let path = journal_path(site_dir);
    let entry = NewEntry::new(Utc::now(), signer.operator(), kind, subject, payload)
        .context("preparing the journal entry")?;
    let mut journal = Journal::open_or_create(&path)
        .with_context(|| format!("opening the journal {}", path.display()))?;
    journal
        .append_decision(&entry, signer)
        .with_context(|| format!("writing to the journal {}", path.display()))
}
