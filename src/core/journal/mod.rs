//! The audit journal's rules, pure: entries, their canonical bytes, the hash chain, and how a
//! stored journal, its checkpoints and an outside anchor are verified (DESIGN.md §4).
//!
//! Operator decisions are signed over [`chain::entry_statement`], which names the entry's hash:
//! the hash binds the journal id, the sequence number, the previous hash and the canonical
//! bytes, so a signature cannot be moved to another place or journal.

pub mod canonical;
pub mod chain;
pub mod checkpoint;
pub mod claims;
pub mod entry;
pub mod report;
pub mod verify;
#[cfg(test)]
mod verify_tests;

pub use chain::{ChainHash, Head, JournalId, entry_hash, entry_statement, genesis_prev};
pub use checkpoint::{Checkpoint, validate_trusted_comment};
pub use claims::{Anchor, check_claim};
pub use entry::{EntryKind, NewEntry};
pub use report::{Problem, ProblemKind, VerifyReport, Warning};
pub use verify::{ChainSummary, ChainVerifier, SignatureChecker, SignatureVerdict, StoredRow};
