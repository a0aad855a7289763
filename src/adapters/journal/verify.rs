//! `journal verify`: SQLite's integrity check, then the chain rules over every row, then every
//! checkpoint and the anchor as prefixes of the journal.

use std::path::Path;

use minisign::PublicKey;

use super::checkpoints::read_checkpoints;
use super::db::Journal;
use super::error::Result;
use super::trusted::TrustedKeys;
use crate::core::journal::{
    Anchor, ChainSummary, ChainVerifier, Head, JournalId, Problem, VerifyReport, check_claim,
};

/// Verifies the journal at `db_path` with the checkpoints in `checkpoints_dir`, trusting the
/// given operator keys. A damaged or unreadable database is an error, not a report.
pub fn verify_journal(
    db_path: &Path,
    checkpoints_dir: &Path,
    trusted: &[(String, PublicKey)],
    anchor: Option<Anchor>,
) -> Result<VerifyReport> {
    let journal = Journal::open(db_path)?;
    journal.integrity_check()?;
    let mut keys = TrustedKeys::new(trusted);
    let mut found = read_checkpoints(checkpoints_dir, journal.id(), &keys)?;
    let wanted: Vec<u64> = found
        .iter()
        .map(|c| c.size)
        .chain(anchor.map(|a| a.0.size))
        .collect();
    let mut verifier = ChainVerifier::new(journal.id(), &mut keys, wanted);
    journal.for_each_row(1, |row| verifier.push(row))?;
    let summary = verifier.finish();
    let checked = found.len();
    let claims = found.drain(..).map(|c| {
        (
            c.size,
            c.claim
                .map(|head| (head, format!("checkpoint {}-{}", journal.id(), c.size))),
        )
    });
    Ok(report(journal.id(), summary, claims, anchor, checked))
}

/// A checkpoint or anchor: the head it vouches for and its name, or why it vouches for nothing.
pub(super) type Claim = std::result::Result<(Head, String), Problem>;

/// Applies checkpoint and anchor claims in size order (a claim that holds pins its prefix for
/// locating rewrites after it) and builds the report.
pub(super) fn report(
    id: JournalId,
    mut summary: ChainSummary,
    checkpoints: impl Iterator<Item = (u64, Claim)>,
    anchor: Option<Anchor>,
    checkpoints_checked: usize,
) -> VerifyReport {
    let mut claims: Vec<(u64, Claim)> = checkpoints.collect();
    if let Some(anchor) = anchor {
        claims.push((anchor.0.size, Ok((anchor.0, format!("anchor {anchor}")))));
    }
    claims.sort_by_key(|(size, _)| *size);
    let mut problems = std::mem::take(&mut summary.problems);
    for (_, claim) in claims {
        match claim {
            Ok((head, what)) => problems.extend(check_claim(&mut summary, head, &what)),
            Err(problem) => problems.push(problem),
        }
    }
    let head = summary.head;
    VerifyReport::new(
        id.to_string(),
        head.size,
        head.hash.to_string(),
        checkpoints_checked,
        problems,
        summary.warnings,
    )
}
