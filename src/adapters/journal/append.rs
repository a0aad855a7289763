//! Appending: each call is one IMMEDIATE transaction and returns only after COMMIT, so an
//! entry is acknowledged exactly when it is durable (synchronous=FULL).

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::db::{Journal, sqlite};
use super::error::{JournalError, Result};
use super::keys::OperatorSigner;
use crate::core::journal::{
    ChainHash, Head, JournalId, NewEntry, entry_hash, entry_statement, genesis_prev,
};

/// Where an appended entry landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub hash: ChainHash,
}

impl Journal {
    /// The current size and head hash.
    pub fn head(&self) -> Result<Head> {
        read_head(&self.conn, &self.path, self.id)
    }

    /// Appends an operator decision signed with `signer`'s key (which must be the entry's
    /// operator's). The signature covers [`entry_statement`] of the new entry.
    pub fn append_decision(
        &mut self,
        entry: &NewEntry,
        signer: &OperatorSigner,
    ) -> Result<Appended> {
        if entry.operator() != signer.operator() {
            return Err(JournalError::SignerMismatch {
                entry: entry.operator().to_string(),
                signer: signer.operator().to_string(),
            });
        }
        let id = self.id;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite(&path))?;
        let head = read_head(&tx, &path, id)?;
        let seq = head.size + 1;
        let hash = entry_hash(id, seq, &head.hash, &entry.canonical_bytes());
        let comment = format!("journal={id} seq={seq} hash={hash}");
        let sig = signer.sign(entry_statement(id, seq, &hash).as_bytes(), &comment)?;
        insert(&tx, seq, entry, &head.hash, &hash, Some(&sig)).map_err(sqlite(&path))?;
        tx.commit().map_err(sqlite(&path))?;
        Ok(Appended { seq, hash })
    }

    /// Appends machine events (unsigned, covered by the chain and checkpoints) in one
    /// transaction: all or none of them are acknowledged.
    pub fn append_events(&mut self, entries: &[NewEntry]) -> Result<Vec<Appended>> {
        if let Some(decision) = entries.iter().find(|e| e.kind().is_decision()) {
            return Err(JournalError::DecisionNeedsSignature {
                kind: decision.kind().as_str(),
            });
        }
        let id = self.id;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite(&path))?;
        let mut head = read_head(&tx, &path, id)?;
        let mut appended = Vec::with_capacity(entries.len());
        for entry in entries {
            let seq = head.size + 1;
            let hash = entry_hash(id, seq, &head.hash, &entry.canonical_bytes());
            insert(&tx, seq, entry, &head.hash, &hash, None).map_err(sqlite(&path))?;
            appended.push(Appended { seq, hash });
            head = Head { size: seq, hash };
        }
        tx.commit().map_err(sqlite(&path))?;
        Ok(appended)
    }
}

fn read_head(conn: &rusqlite::Connection, path: &Path, id: JournalId) -> Result<Head> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(sqlite(path))?;
    let Some((seq, hash)) = last else {
        return Ok(Head {
            size: 0,
            hash: genesis_prev(id),
        });
    };
    match (u64::try_from(seq), <[u8; 32]>::try_from(hash.as_slice())) {
        (Ok(size), Ok(hash)) => Ok(Head {
            size,
            hash: ChainHash(hash),
        }),
        _ => Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("last entry {seq} has no valid hash"),
        }),
    }
}

fn insert(
    tx: &Transaction,
    seq: u64,
    entry: &NewEntry,
    prev: &ChainHash,
    hash: &ChainHash,
    sig: Option<&str>,
) -> rusqlite::Result<usize> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO entries (seq, ts, operator, kind, subject, payload, prev, hash, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    statement.execute(params![
        seq as i64,
        entry.ts(),
        entry.operator(),
        entry.kind().as_str(),
        entry.subject(),
        entry.payload(),
        prev.0.as_slice(),
        hash.0.as_slice(),
        sig
    ])
}
