//! `secureupdate approve PLAN_HASH --operator NAME`: a signed journal decision approving one
//! stored plan, by an operator with the approver role.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use secureupdate::adapters::journal::{Journal, journal_path};
use secureupdate::adapters::store::{SiteLock, StateStore};
use secureupdate::config::{Role, Site};
use secureupdate::core::journal::{EntryKind, NewEntry};
use serde_json::json;

use super::rollout_plan::printable;
use crate::exit::bad_input;
use crate::operator_key::unlock_operator;

#[derive(Debug, thiserror::Error)]
enum ApproveError {
    #[error("no stored plan has hash {0}; run `secureupdate plan PATCH` and copy its plan_hash")]
    UnknownPlan(String),
    #[error("operator `{0}` does not have the approver role in site.toml")]
    NotAnApprover(String),
}

pub fn run(
    dir: &Path,
    plan_hash: &str,
    operator: &str,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let site = Site::load(dir).map_err(bad_input)?;
    let _lock = SiteLock::acquire(dir, "approve").map_err(bad_input)?;
    let store = StateStore::open(&dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", dir.display()))?;
    let wanted = plan_hash.trim().to_ascii_lowercase();
    let stored = store
        .plan(&wanted)?
        .ok_or_else(|| bad_input(ApproveError::UnknownPlan(printable(plan_hash))))?;
    let approver = site
        .config
        .operator_with_role(operator, Role::Approver)
        .ok_or_else(|| bad_input(ApproveError::NotAnApprover(printable(operator))))?;
    let signer = unlock_operator(&site, &approver.name, secret)?;
    let entry = NewEntry::new(
        Utc::now(),
        &approver.name,
        EntryKind::Approve,
        &format!("plan {}", stored.hash),
        &json!({"plan_hash": stored.hash, "patch": stored.patch}),
    )?;
    let mut journal = Journal::open_or_create(&journal_path(dir))?;
    let appended = journal.append_decision(&entry, &signer)?;
    writeln!(
        out,
        "Approved plan {} of patch {} as {} (journal entry {}).",
        stored.hash, stored.patch, approver.name, appended.seq
    )?;
    Ok(())
}
