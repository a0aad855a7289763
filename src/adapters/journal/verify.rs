//! `journal verify`: SQLite's integrity check, then the chain rules over every row, then every
//! checkpoint and the anchor as prefixes of the journal.

use std::path::Path;
use std::sync::mpsc;

use minisign::PublicKey;

use super::checkpoints::read_checkpoints;
use super::db::Journal;
use super::error::{JournalError, Result};
use super::trusted::TrustedKeys;
use crate::core::journal::{
    Anchor, ChainSummary, ChainVerifier, Head, JournalId, Problem, StoredRow, VerifyReport,
    check_claim,
};

/// Verifies the journal at `db_path` with the checkpoints in `checkpoints_dir`, trusting the
/// given operator keys. A damaged or unreadable database is an error, not a report. The
/// database is opened read-only ([`Journal::open_read_only`]): verifying changes nothing.
pub fn verify_journal(
    db_path: &Path,
    checkpoints_dir: &Path,
    trusted: &[(String, PublicKey)],
    anchor: Option<Anchor>,
) -> Result<VerifyReport> {
    let journal = Journal::open_read_only(db_path)?;
    let id = journal.id();
    let mut keys = TrustedKeys::new(trusted);
    let mut found = read_checkpoints(checkpoints_dir, id, &keys)?;
    let wanted: Vec<u64> = found
        .iter()
        .map(|c| c.size)
        .chain(anchor.map(|a| a.0.size))
        .collect();
    let mut verifier = ChainVerifier::new(id, &mut keys, wanted);
    // SQLite's integrity check and the reading of rows run on threads of their own while this
    // one checks the chain; a failed integrity check still wins over any report.
    let (integrity, read) = std::thread::scope(|scope| {
        let integrity = scope.spawn(|| Journal::open_read_only(db_path)?.integrity_check());
        let (full, filled) = mpsc::sync_channel::<Chunk>(4);
        let (empty, emptied) = mpsc::channel::<Chunk>();
        let reader = scope.spawn(move || read_in_chunks(&journal, &full, &emptied));
        for (rows, len) in filled {
            rows[..len].iter().for_each(|row| verifier.push(row));
            let _ = empty.send((rows, 0));
        }
        (integrity.join(), reader.join())
    });
    let stopped = || JournalError::Corrupt {
        path: db_path.to_path_buf(),
        detail: "a verification thread stopped".to_string(),
    };
    integrity.unwrap_or_else(|_| Err(stopped()))?;
    read.unwrap_or_else(|_| Err(stopped()))?;
    let summary = verifier.finish();
    let checked = found.len();
    let claims = found.drain(..).map(|c| {
        (
            c.size,
            c.claim
                .map(|head| (head, format!("checkpoint {id}-{}", c.size))),
        )
    });
    Ok(report(id, summary, claims, anchor, checked))
}

/// Rows handed between threads in batches; the rows' buffers are reused (`clone_from`).
type Chunk = (Vec<StoredRow>, usize);
const CHUNK_ROWS: usize = 4096;

fn read_in_chunks(
    journal: &Journal,
    full: &mpsc::SyncSender<Chunk>,
    emptied: &mpsc::Receiver<Chunk>,
) -> Result<()> {
    let mut chunk: Chunk = (Vec::with_capacity(CHUNK_ROWS), 0);
    journal.for_each_row(1, |row| {
        let (rows, len) = &mut chunk;
        match rows.get_mut(*len) {
            Some(slot) => slot.clone_from(row),
            None => rows.push(row.clone()),
        }
        *len += 1;
        if *len == CHUNK_ROWS {
            let next = emptied
                .try_recv()
                .unwrap_or_else(|_| (Vec::with_capacity(CHUNK_ROWS), 0));
            let _ = full.send(std::mem::replace(&mut chunk, next));
        }
    })?;
    let _ = full.send(chunk);
    Ok(())
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
