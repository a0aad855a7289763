//! What verification finds: problems (the journal cannot be trusted as it is) and warnings.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An entry's content differs from what was chained (hash left, or hash recomputed).
    Edited,
    /// Entries are gone from the middle of the journal (deleted, perhaps renumbered).
    Missing,
    /// Entries are in another order than they were written in.
    Reordered,
    /// An entry appears twice.
    Duplicated,
    /// An entry was not written in this journal.
    Foreign,
    /// The journal is shorter than a checkpoint or anchor says it was.
    Truncated,
    /// A signature does not verify, or a decision is unsigned.
    BadSignature,
    /// A signature was made with a key that is not trusted.
    UnknownSigner,
    /// A trusted key signed an entry of another operator, or a key was used after its rotation.
    WrongSigner,
    /// A checkpoint file is malformed, unsigned or its signature does not verify.
    BadCheckpoint,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Edited => "edited",
            ProblemKind::Missing => "missing",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Duplicated => "duplicated",
            ProblemKind::Foreign => "foreign",
            ProblemKind::Truncated => "truncated",
            ProblemKind::BadSignature => "bad_signature",
            ProblemKind::UnknownSigner => "unknown_signer",
            ProblemKind::WrongSigner => "wrong_signer",
            ProblemKind::BadCheckpoint => "bad_checkpoint",
        }
    }
}

/// One thing wrong, at the first sequence number it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub seq: u64,
    pub kind: ProblemKind,
    pub message: String,
}

/// Something odd that does not break the journal (e.g. a clock that went backwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub seq: u64,
    pub message: String,
}

/// The outcome of `journal verify`; `--json` prints it as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub journal_id: String,
    pub size: u64,
    pub head: String,
    pub checkpoints_checked: usize,
    /// Sorted by sequence number: the first one is the first bad entry.
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl VerifyReport {
    pub fn new(
        journal_id: String,
        size: u64,
        head: String,
        checkpoints_checked: usize,
        mut problems: Vec<Problem>,
        warnings: Vec<Warning>,
    ) -> Self {
        problems.sort_by_key(|problem| problem.seq);
        VerifyReport {
            ok: problems.is_empty(),
            journal_id,
            size,
            head,
            checkpoints_checked,
            problems,
            warnings,
        }
    }

    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}
