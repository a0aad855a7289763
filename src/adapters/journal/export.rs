//! `journal export --jsonl`: one JSON object per entry carrying everything needed to re-verify
//! the chain offline — journal id, seq, ts, operator, kind, subject, payload, prev, hash, sig and
//! the signer's key id — and [`verify_jsonl`], which does that from the export alone.

use std::io::{BufRead, Write};

use minisign::{PublicKey, SignatureBox};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::db::Journal;
use super::error::{JournalError, Result};
use super::keys::key_id;
use super::trusted::TrustedKeys;
use crate::core::journal::canonical::to_canonical_string;
use crate::core::journal::{
    Anchor, ChainVerifier, JournalId, Problem, ProblemKind, StoredRow, VerifyReport,
};

/// Longest export line accepted when verifying (a 64 KiB payload plus escaping and the rest).
const MAX_LINE: usize = 512 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportLine {
    journal_id: String,
    seq: i64,
    ts: String,
    operator: String,
    kind: String,
    subject: String,
    payload: Value,
    prev: String,
    hash: String,
    sig: Option<String>,
    signer_key_id: Option<String>,
}

/// Writes every entry as one JSON line; returns how many were written.
pub fn export_jsonl(journal: &Journal, out: &mut impl Write) -> Result<u64> {
    let path = journal.path().display().to_string();
    let mut written = 0u64;
    let mut failure = None;
    journal.for_each_row(1, |row| {
        if failure.is_some() {
            return;
        }
        let line = serde_json::from_str::<Value>(&row.payload)
            .map_err(|e| format!("entry {}: payload is not JSON: {e}", row.seq))
            .and_then(|payload| {
                let signer_key_id = row
                    .sig
                    .as_deref()
                    .and_then(|s| SignatureBox::from_string(s).ok())
                    .map(|s| key_id(s.keynum()));
                let line = ExportLine {
                    journal_id: journal.id().to_string(),
                    seq: row.seq,
                    ts: row.ts.clone(),
                    operator: row.operator.clone(),
                    kind: row.kind.clone(),
                    subject: row.subject.clone(),
                    payload,
                    prev: hex::encode(&row.prev),
                    hash: hex::encode(&row.hash),
                    sig: row.sig.clone(),
                    signer_key_id,
                };
                serde_json::to_string(&line).map_err(|e| e.to_string())
            })
            .and_then(|line| writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}")));
        match line {
            Ok(()) => written += 1,
            Err(message) => {
                failure = Some(JournalError::Export {
                    path: path.clone(),
                    line: written as usize + 1,
                    message,
                })
            }
        }
    })?;
    failure.map_or(Ok(written), Err)
}

/// Re-verifies an export: chain, signatures against `trusted`, and the anchor. `origin` names
/// the input in errors. Lines that are not export lines are errors naming the line.
pub fn verify_jsonl(
    input: impl BufRead,
    origin: &str,
    trusted: &[(String, PublicKey)],
    anchor: Option<Anchor>,
) -> Result<VerifyReport> {
    let error = |line: usize, message: String| JournalError::Export {
        path: origin.to_string(),
        line,
        message,
    };
    let mut lines = Vec::new();
    for (index, line) in input.split(b'\n').enumerate() {
        let line = line.map_err(|e| error(index + 1, e.to_string()))?;
        if line.len() > MAX_LINE {
            return Err(error(index + 1, format!("longer than {MAX_LINE} bytes")));
        }
        if line.is_empty() {
            continue;
        }
        let parsed: ExportLine =
            serde_json::from_slice(&line).map_err(|e| error(index + 1, e.to_string()))?;
        lines.push((index + 1, parsed));
    }
    let Some((_, first)) = lines.first() else {
        return Err(error(1, "the export has no entries".to_string()));
    };
    let id: JournalId = first
        .journal_id
        .parse()
        .map_err(|e| error(1, format!("journal_id: {e}")))?;
    let mut keys = TrustedKeys::new(trusted);
    let mut verifier = ChainVerifier::new(id, &mut keys, anchor.map(|a| a.0.size));
    let mut foreign = Vec::new();
    for (number, line) in &lines {
        let payload =
            to_canonical_string(&line.payload).map_err(|e| error(*number, e.to_string()))?;
        let decode = |text: &str, what| {
            hex::decode(text).map_err(|e| error(*number, format!("{what}: {e}")))
        };
        if line.journal_id != first.journal_id {
            let seq = u64::try_from(line.seq).unwrap_or(0);
            foreign.push(Problem {
                seq,
                kind: ProblemKind::Foreign,
                message: format!("entry {seq} names journal {}", line.journal_id),
            });
        }
        verifier.push(&StoredRow {
            seq: line.seq,
            ts: line.ts.clone(),
            operator: line.operator.clone(),
            kind: line.kind.clone(),
            subject: line.subject.clone(),
            payload,
            prev: decode(&line.prev, "prev")?,
            hash: decode(&line.hash, "hash")?,
            sig: line.sig.clone(),
        });
    }
    let mut summary = verifier.finish();
    summary.problems.extend(foreign);
    Ok(super::verify::report(
        id,
        summary,
        std::iter::empty(),
        anchor,
        0,
    ))
}
