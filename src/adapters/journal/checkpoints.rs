//! Checkpoint files: `<dir>/<journal-id>-<size>.txt` and its `.txt.minisig`, signed prehashed
//! so that `minisign -VH -m <file> -p <operator.pub>` verifies them without our code.

use std::fs;
use std::path::{Path, PathBuf};

use super::db::Journal;
use super::error::{JournalError, Result};
use super::keys::{OperatorSigner, read_small};
use super::trusted::TrustedKeys;
use crate::config::write_atomically;
use crate::core::journal::checkpoint::parse_file_stem;
use crate::core::journal::{Checkpoint, Head, JournalId, Problem, ProblemKind, SignatureVerdict};

/// The two files of a written checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFiles {
    pub checkpoint: Checkpoint,
    pub text: PathBuf,
    pub signature: PathBuf,
}

/// Paths of the checkpoint of `journal_id` at `size` in `dir`.
pub fn checkpoint_paths(dir: &Path, journal_id: JournalId, size: u64) -> (PathBuf, PathBuf) {
    let stem = format!("{journal_id}-{size}");
    (
        dir.join(format!("{stem}.txt")),
        dir.join(format!("{stem}.txt.minisig")),
    )
}

/// Signs the journal's current head with `signer`'s key and writes both files (each written to
/// a temporary file, synced and renamed into place).
pub fn write_checkpoint(
    dir: &Path,
    journal: &Journal,
    signer: &OperatorSigner,
) -> Result<CheckpointFiles> {
    let head = journal.head()?;
    let checkpoint = Checkpoint {
        journal_id: journal.id(),
        head,
    };
    let text = checkpoint.text();
    let signature = signer.sign(text.as_bytes(), &checkpoint.trusted_comment())?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| JournalError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let (text_path, signature_path) = checkpoint_paths(dir, checkpoint.journal_id, head.size);
    write_atomically(&text_path, text.as_bytes()).map_err(io(&text_path))?;
    write_atomically(&signature_path, signature.as_bytes()).map_err(io(&signature_path))?;
    Ok(CheckpointFiles {
        checkpoint,
        text: text_path,
        signature: signature_path,
    })
}

/// A checkpoint found in the directory, read and its signature checked.
pub(super) struct FoundCheckpoint {
    pub size: u64,
    /// The head it vouches for, when it is well-formed and signed by a trusted key.
    pub claim: Result<Head, Problem>,
}

/// Finds and checks every checkpoint of `journal_id` in `dir` (none when `dir` is missing).
pub(super) fn read_checkpoints(
    dir: &Path,
    journal_id: JournalId,
    trusted: &TrustedKeys,
) -> Result<Vec<FoundCheckpoint>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(JournalError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut sizes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| JournalError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| {
            n.strip_suffix(".txt")
                .or_else(|| n.strip_suffix(".txt.minisig"))
        }) else {
            continue;
        };
        if let Some((id, size)) = parse_file_stem(stem)
            && id == journal_id
        {
            sizes.push(size);
        }
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes
        .into_iter()
        .map(|size| FoundCheckpoint {
            size,
            claim: check_files(dir, journal_id, size, trusted),
        })
        .collect())
}

fn check_files(
    dir: &Path,
    journal_id: JournalId,
    size: u64,
    trusted: &TrustedKeys,
) -> Result<Head, Problem> {
    let (text_path, signature_path) = checkpoint_paths(dir, journal_id, size);
    let bad = |kind, detail: String| Problem {
        seq: size,
        kind,
        message: format!("checkpoint {}: {detail}", text_path.display()),
    };
    let text =
        read_small(&text_path).map_err(|e| bad(ProblemKind::BadCheckpoint, e.to_string()))?;
    let signature = read_small(&signature_path)
        .map_err(|e| bad(ProblemKind::BadCheckpoint, format!("no signature: {e}")))?;
    let (signer, comment) = trusted
        .verify_any(text.as_bytes(), &signature)
        .map_err(|verdict| match verdict {
            SignatureVerdict::UnknownSigner { key_id } => bad(
                ProblemKind::UnknownSigner,
                format!("signed with key {key_id}, which is not trusted"),
            ),
            SignatureVerdict::WrongSigner { key_id, owner } => bad(
                ProblemKind::WrongSigner,
                format!("signed with key {key_id} of {owner}"),
            ),
            SignatureVerdict::Invalid { reason } => bad(
                ProblemKind::BadCheckpoint,
                format!("signature does not verify ({reason})"),
            ),
            SignatureVerdict::Valid => {
                bad(ProblemKind::BadCheckpoint, "unexpected verdict".to_string())
            }
        })?;
    let checkpoint =
        Checkpoint::parse(&text).map_err(|e| bad(ProblemKind::BadCheckpoint, e.to_string()))?;
    if checkpoint.journal_id != journal_id || checkpoint.head.size != size {
        return Err(bad(
            ProblemKind::BadCheckpoint,
            format!(
                "says journal {} size {}, unlike its file name",
                checkpoint.journal_id, checkpoint.head.size
            ),
        ));
    }
    if comment != checkpoint.trusted_comment() {
        return Err(bad(
            ProblemKind::BadCheckpoint,
            format!(
                "trusted comment `{}` (signed by {signer}) does not match the text",
                comment.escape_debug()
            ),
        ));
    }
    Ok(checkpoint.head)
}
