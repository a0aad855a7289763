//! The chain rules, applied to stored rows in sequence order: contiguity, every link, every
//! hash, every signature. Rows come as stored, possibly damaged, so nothing here trusts them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::chain::{ChainHash, Head, JournalId, entry_hash, entry_statement, genesis_prev};
use super::entry::{EntryKind, is_canonical_timestamp, write_canonical_entry};
use super::report::{Problem, ProblemKind, Warning};

/// One row as read back from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub seq: i64,
    pub ts: String,
    pub operator: String,
    pub kind: String,
    pub subject: String,
    /// Canonical JSON text, hashed as stored.
    pub payload: String,
    pub prev: Vec<u8>,
    pub hash: Vec<u8>,
    /// A minisign signature (file text) over [`entry_statement`].
    pub sig: Option<String>,
}

/// What a signature checker concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureVerdict {
    Valid,
    UnknownSigner { key_id: String },
    WrongSigner { key_id: String, owner: String },
    Invalid { reason: String },
}

/// Checks operator signatures; it owns the trusted keys and how signatures are encoded.
pub trait SignatureChecker {
    /// Whether `signature` is `operator`'s signature over `statement` with a key trusted for them.
    fn check(&mut self, operator: &str, statement: &[u8], signature: &str) -> SignatureVerdict;
    /// A key rotation entry by `operator`, with a valid signature, said `payload`: from now on
    /// trust the new key for them instead of the one that signed it.
    fn rotate(&mut self, operator: &str, payload: &str) -> Result<(), String>;
}

/// Everything the row pass learned, for checking checkpoints and anchors afterwards.
#[derive(Debug, Clone)]
pub struct ChainSummary {
    pub head: Head,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    /// Stored hashes at the sizes asked for (checkpoints, anchor).
    pub hashes_at: BTreeMap<u64, ChainHash>,
    /// Sequence numbers whose signature verified: the chain up to them is as the signer saw it.
    pub pinned: BTreeSet<u64>,
}

/// Feed rows in storage order with [`ChainVerifier::push`], then call [`ChainVerifier::finish`].
pub struct ChainVerifier<'c, C: SignatureChecker> {
    id: JournalId,
    checker: &'c mut C,
    expected: u64,
    last_hash: ChainHash,
    last_ts: String,
    /// Offset between stored and original sequence numbers once a renumbering was reported.
    shift: i64,
    /// A row found to belong one place later, waiting for the next row to tell swap from deletion.
    pending_displaced: Option<u64>,
    /// First 8 bytes of every hash seen (a collision among a million random hashes has odds of
    /// about 1 in 10^7), for telling duplicates; keys are already uniform, so not rehashed.
    seen: HashMap<u64, u64, BuildHasherDefault<PrefixHasher>>,
    canonical: String,
    wanted: BTreeSet<u64>,
    summary: ChainSummary,
}

impl<'c, C: SignatureChecker> ChainVerifier<'c, C> {
    /// `wanted_sizes`: sizes whose head hash should be kept (checkpoints, anchor).
    pub fn new(
        id: JournalId,
        checker: &'c mut C,
        wanted_sizes: impl IntoIterator<Item = u64>,
    ) -> Self {
        let genesis = genesis_prev(id);
        ChainVerifier {
            id,
            checker,
            expected: 1,
            last_hash: genesis,
            last_ts: String::new(),
            shift: 0,
            pending_displaced: None,
            seen: HashMap::default(),
            canonical: String::new(),
            wanted: wanted_sizes.into_iter().collect(),
            summary: ChainSummary {
                head: Head {
                    size: 0,
                    hash: genesis,
                },
                problems: Vec::new(),
                warnings: Vec::new(),
                hashes_at: BTreeMap::from([(0, genesis)]),
                pinned: BTreeSet::new(),
            },
        }
    }

    pub fn push(&mut self, row: &StoredRow) {
        let Some(seq) = u64::try_from(row.seq).ok().filter(|seq| *seq >= 1) else {
            self.problem(
                0,
                ProblemKind::Edited,
                format!("a row has sequence number {}, below 1", row.seq),
            );
            return;
        };
        let (Ok(prev), Ok(hash)) = (
            <[u8; 32]>::try_from(row.prev.as_slice()),
            <[u8; 32]>::try_from(row.hash.as_slice()),
        ) else {
            self.problem(
                seq,
                ProblemKind::Edited,
                format!("entry {seq}: prev or hash is not 32 bytes"),
            );
            self.expected = seq + 1;
            return;
        };
        let (prev, hash) = (ChainHash(prev), ChainHash(hash));
        write_canonical_entry(
            &mut self.canonical,
            &row.ts,
            &row.operator,
            &row.kind,
            &row.subject,
            &row.payload,
        );
        let canonical = std::mem::take(&mut self.canonical);
        let id = self.id;
        let hashes_at = |candidate: u64| {
            candidate >= 1 && entry_hash(id, candidate, &prev, canonical.as_bytes()) == hash
        };
        let mut original_seq = hashes_at(seq).then_some(seq);
        let mut reported = false;

        if let Some(first) = self.pending_displaced.take() {
            if original_seq.is_none() && hashes_at(seq.wrapping_sub(1)) {
                self.problem(
                    first,
                    ProblemKind::Reordered,
                    format!("entries {first} and {seq} were swapped"),
                );
                original_seq = Some(seq - 1);
                reported = true;
            } else {
                self.problem(
                    first,
                    ProblemKind::Missing,
                    format!("entry {first} was deleted and the later entries renumbered"),
                );
                self.shift += 1;
            }
        }
        if original_seq.is_none() && self.shift != 0 {
            original_seq = seq.checked_add_signed(self.shift).filter(|s| hashes_at(*s));
        }
        let link_ok = prev == self.last_hash;

        if reported {
            // A swap, reported together with the row before.
        } else if let Some(first) = self.seen.get(&prefix(&hash)).copied() {
            self.problem(
                seq,
                ProblemKind::Duplicated,
                format!("entry {seq} repeats entry {first}"),
            );
            self.shift -= 1;
        } else if seq < self.expected {
            self.problem(
                seq,
                ProblemKind::Reordered,
                format!("entry {seq} comes after entry {}", self.expected - 1),
            );
        } else if seq > self.expected {
            let missing = if seq == self.expected + 1 {
                format!("entry {}", self.expected)
            } else {
                format!("entries {}..={}", self.expected, seq - 1)
            };
            self.problem(
                self.expected,
                ProblemKind::Missing,
                format!("{missing} missing before entry {seq}"),
            );
        } else if original_seq.is_none() {
            original_seq = [seq + 1, seq - 1].into_iter().find(|c| hashes_at(*c));
            self.classify_mismatch(seq, original_seq, link_ok);
        } else if !link_ok && !self.near_reported(seq) {
            let (kind, message) = if seq == 1 {
                (
                    ProblemKind::Foreign,
                    "entry 1 does not start from this journal's genesis".to_string(),
                )
            } else {
                (
                    ProblemKind::Edited,
                    format!(
                        "entry {} was changed and its hash recomputed: entry {seq} was chained to another entry {}",
                        seq - 1,
                        seq - 1
                    ),
                )
            };
            self.problem(seq.saturating_sub(1).max(1), kind, message);
        }
        self.canonical = canonical;
        self.check_content(seq, row);
        if let Some(original) = original_seq {
            self.check_signature(seq, original, &hash, row);
        }
        self.seen.insert(prefix(&hash), seq);
        if self.wanted.contains(&seq) {
            self.summary.hashes_at.insert(seq, hash);
        }
        self.last_hash = hash;
        self.expected = seq.max(self.expected - 1) + 1;
        self.summary.head = Head {
            size: seq.max(self.summary.head.size),
            hash,
        };
    }

    /// Neither the hash at its place nor the link verifies; `original` is where it hashes.
    fn classify_mismatch(&mut self, seq: u64, original: Option<u64>, link_ok: bool) {
        match original {
            // One place late: the next row tells a swap from a deletion.
            Some(original) if original > seq => self.pending_displaced = Some(seq),
            Some(original) => {
                self.problem(seq, ProblemKind::Reordered, format!("entry {seq} was written as entry {original}"));
                self.shift = original as i64 - seq as i64;
            }
            None if link_ok => self.problem(seq, ProblemKind::Edited, format!("entry {seq} does not match its hash")),
            None => self.problem(seq, ProblemKind::Foreign, format!("entry {seq} was not written in this journal: neither its hash nor its link verifies")),
        }
    }

    fn near_reported(&self, seq: u64) -> bool {
        self.summary
            .problems
            .iter()
            .rev()
            .take(4)
            .any(|p| p.seq + 3 >= seq)
    }

    fn check_content(&mut self, seq: u64, row: &StoredRow) {
        if row.kind.parse::<EntryKind>().is_err() {
            self.problem(
                seq,
                ProblemKind::Edited,
                format!("entry {seq}: unknown kind `{}`", row.kind.escape_debug()),
            );
        }
        if !is_canonical_timestamp(&row.ts) {
            self.problem(
                seq,
                ProblemKind::Edited,
                format!(
                    "entry {seq}: timestamp `{}` is not RFC 3339 UTC with milliseconds",
                    row.ts.escape_debug()
                ),
            );
        } else if row.ts < self.last_ts {
            self.summary.warnings.push(Warning {
                seq,
                message: format!(
                    "entry {seq}: timestamp {} is before the previous entry's {}",
                    row.ts, self.last_ts
                ),
            });
        }
        self.last_ts.clear();
        self.last_ts.push_str(&row.ts);
    }

    fn check_signature(&mut self, seq: u64, original: u64, hash: &ChainHash, row: &StoredRow) {
        let decision = row
            .kind
            .parse::<EntryKind>()
            .is_ok_and(EntryKind::is_decision);
        let Some(signature) = &row.sig else {
            if decision {
                self.problem(
                    seq,
                    ProblemKind::BadSignature,
                    format!(
                        "entry {seq} is a {} decision by {} but is not signed",
                        row.kind, row.operator
                    ),
                );
            }
            return;
        };
        let statement = entry_statement(self.id, original, hash);
        let operator = &row.operator;
        match self
            .checker
            .check(operator, statement.as_bytes(), signature)
        {
            SignatureVerdict::Valid => {
                self.summary.pinned.insert(seq);
                if row.kind == EntryKind::KeyRotation.as_str()
                    && let Err(reason) = self.checker.rotate(operator, &row.payload)
                {
                    self.problem(
                        seq,
                        ProblemKind::BadSignature,
                        format!("entry {seq}: key rotation by {operator} not applied: {reason}"),
                    );
                }
            }
            SignatureVerdict::UnknownSigner { key_id } => {
                self.problem(seq, ProblemKind::UnknownSigner, format!("entry {seq} by {operator} is signed with key {key_id}, which is not trusted"));
            }
            SignatureVerdict::WrongSigner { key_id, owner } => {
                self.problem(
                    seq,
                    ProblemKind::WrongSigner,
                    format!("entry {seq} is by {operator} but signed with key {key_id} of {owner}"),
                );
            }
            SignatureVerdict::Invalid { reason } => {
                self.problem(
                    seq,
                    ProblemKind::BadSignature,
                    format!("entry {seq} by {operator}: signature does not verify ({reason})"),
                );
            }
        }
    }

    fn problem(&mut self, seq: u64, kind: ProblemKind, message: String) {
        self.summary.problems.push(Problem { seq, kind, message });
    }

    pub fn finish(mut self) -> ChainSummary {
        if let Some(first) = self.pending_displaced.take() {
            self.problem(
                first,
                ProblemKind::Missing,
                format!("entry {first} was deleted and the later entries renumbered"),
            );
        }
        self.summary.problems.sort_by_key(|p| p.seq);
        self.summary
    }
}

fn prefix(hash: &ChainHash) -> u64 {
    let mut out = [0u8; 8];
    out.copy_from_slice(&hash.0[..8]);
    u64::from_le_bytes(out)
}

/// Hashes a `u64` that is already a uniformly random hash prefix by taking it as is.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}
