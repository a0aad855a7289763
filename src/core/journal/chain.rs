//! Chaining: each entry's hash covers the journal id, its sequence number, the previous hash
//! and its canonical bytes, so renumbering, splicing from another journal and reordering all
//! break the chain.
//!
//! `hash = SHA-256(DOMAIN_TAG ‖ journal id (16 bytes) ‖ seq (u64 big-endian) ‖ prev (32 bytes)
//! ‖ length of canonical bytes (u64 big-endian) ‖ canonical bytes)`, and the first entry's
//! `prev` is `SHA-256(DOMAIN_TAG ‖ "genesis" ‖ journal id)`.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use thiserror::Error;

/// Domain separation for every hash of the journal (NUL-terminated, so no prefix ambiguity).
pub const DOMAIN_TAG: &[u8] = b"secureupdate-journal-v1\0";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{what}: expected {expected} lowercase hex digits, got `{got}`")]
pub struct HexError {
    pub what: &'static str,
    pub expected: usize,
    pub got: String,
}

fn parse_hex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], HexError> {
    let error = || HexError {
        what,
        expected: N * 2,
        got: text.chars().take(80).collect(),
    };
    if text.len() != N * 2 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(error());
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| error())?;
    Ok(out)
}

/// The random 128-bit identity of one journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JournalId(pub [u8; 16]);

impl fmt::Display for JournalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl FromStr for JournalId {
    type Err = HexError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_hex(text, "journal id").map(JournalId)
    }
}

/// A SHA-256 link of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainHash(pub [u8; 32]);

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl FromStr for ChainHash {
    type Err = HexError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_hex(text, "hash").map(ChainHash)
    }
}

/// The `prev` of entry 1.
pub fn genesis_prev(id: JournalId) -> ChainHash {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN_TAG);
    hasher.update(b"genesis");
    hasher.update(id.0);
    ChainHash(hasher.finalize().into())
}

pub fn entry_hash(id: JournalId, seq: u64, prev: &ChainHash, canonical: &[u8]) -> ChainHash {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN_TAG);
    hasher.update(id.0);
    hasher.update(seq.to_be_bytes());
    hasher.update(prev.0);
    hasher.update((canonical.len() as u64).to_be_bytes());
    hasher.update(canonical);
    ChainHash(hasher.finalize().into())
}

/// The text an operator signs for an entry (minisign, prehashed). Its first line keeps it apart
/// from a checkpoint's text; the hash already binds everything else, the id and seq are there
/// so that the signed file explains itself to an auditor.
pub fn entry_statement(id: JournalId, seq: u64, hash: &ChainHash) -> String {
    format!("secureupdate-journal-entry {id}\n{seq}\n{hash}\n")
}

/// The size and head of a journal (or of a prefix of it). Size 0 has the genesis `prev` as head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub hash: ChainHash,
}

impl Head {
    /// The console's status-bar line, `journal <id8> size <n> head <hex12>`: short enough to
    /// read out. The full `SIZE:HEAD` anchor (see `claims::Anchor`) is what `--anchor` takes.
    pub fn status_line(&self, id: JournalId) -> String {
        let id = id.to_string();
        let head = self.hash.to_string();
        format!(
            "journal {} size {} head {}",
            &id[..8],
            self.size,
            &head[..12]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_changes_the_hash() {
        let id = JournalId([1; 16]);
        let prev = genesis_prev(id);
        let base = entry_hash(id, 1, &prev, b"{}");
        assert_ne!(base, entry_hash(JournalId([2; 16]), 1, &prev, b"{}"));
        assert_ne!(base, entry_hash(id, 2, &prev, b"{}"));
        assert_ne!(base, entry_hash(id, 1, &ChainHash([0; 32]), b"{}"));
        assert_ne!(base, entry_hash(id, 1, &prev, b"{ }"));
        assert_ne!(genesis_prev(id), genesis_prev(JournalId([2; 16])));
    }

    #[test]
    fn status_line_shows_short_id_size_and_head() {
        let head = Head {
            size: 42,
            hash: ChainHash([0xab; 32]),
        };
        assert_eq!(
            head.status_line(JournalId([0x12; 16])),
            "journal 12121212 size 42 head abababababab"
        );
    }

    #[test]
    fn ids_and_hashes_parse_only_lowercase_hex_of_the_right_length() {
        let id: JournalId = "000102030405060708090a0b0c0d0e0f".parse().unwrap();
        assert_eq!(id.to_string(), "000102030405060708090a0b0c0d0e0f");
        assert!(
            "000102030405060708090A0B0C0D0E0F"
                .parse::<JournalId>()
                .is_err()
        );
        assert!("00".parse::<JournalId>().is_err());
        assert!("zz".repeat(32).parse::<ChainHash>().is_err());
    }
}
