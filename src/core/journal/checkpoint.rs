//! Checkpoint text: what a signed checkpoint file says, in a form `minisign -VH` can check.
//!
//! ```text
//! secureupdate-journal <journal id, 32 hex digits>
//! <size, decimal>
//! <head hash, 64 hex digits>
//! ```
//! Each line ends with `\n`. The minisign trusted comment repeats it on one line:
//! `journal=<id> size=<n> head=<hex>`.

use thiserror::Error;

use super::chain::{ChainHash, Head, JournalId};

pub const ORIGIN_PREFIX: &str = "secureupdate-journal ";
/// Longest trusted comment accepted when signing.
pub const MAX_TRUSTED_COMMENT: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub journal_id: JournalId,
    pub head: Head,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    #[error("line {line}: expected {expected}")]
    Line { line: usize, expected: &'static str },
    #[error("expected exactly three lines, each ending with a newline")]
    Shape,
}

impl Checkpoint {
    pub fn text(&self) -> String {
        format!(
            "{ORIGIN_PREFIX}{}\n{}\n{}\n",
            self.journal_id, self.head.size, self.head.hash
        )
    }

    pub fn trusted_comment(&self) -> String {
        format!(
            "journal={} size={} head={}",
            self.journal_id, self.head.size, self.head.hash
        )
    }

    /// `<journal id>-<size>`, the file name without `.txt`.
    pub fn file_stem(&self) -> String {
        format!("{}-{}", self.journal_id, self.head.size)
    }

    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::Shape)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, head] = lines.as_slice() else {
            return Err(CheckpointError::Shape);
        };
        let journal_id = origin
            .strip_prefix(ORIGIN_PREFIX)
            .and_then(|id| id.parse().ok())
            .ok_or(CheckpointError::Line {
                line: 1,
                expected: "`secureupdate-journal ` and a 32-digit lowercase hex journal id",
            })?;
        let size = parse_size(size).ok_or(CheckpointError::Line {
            line: 2,
            expected: "the size in decimal",
        })?;
        let hash = head
            .parse::<ChainHash>()
            .map_err(|_| CheckpointError::Line {
                line: 3,
                expected: "the head hash as 64 lowercase hex digits",
            })?;
        Ok(Checkpoint {
            journal_id,
            head: Head { size, hash },
        })
    }
}

/// Splits `<journal id>-<size>` (a checkpoint file stem).
pub fn parse_file_stem(stem: &str) -> Option<(JournalId, u64)> {
    let (id, size) = stem.split_once('-')?;
    Some((id.parse().ok()?, parse_size(size)?))
}

fn parse_size(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "trusted comment: expected one line of printable ASCII (at most {MAX_TRUSTED_COMMENT} characters) without leading or trailing spaces"
)]
pub struct TrustedCommentError;

/// minisign trims the comment when reading but not when signing, and a newline makes the
/// signature file unreadable: refuse both (DESIGN.md §7).
pub fn validate_trusted_comment(comment: &str) -> Result<(), TrustedCommentError> {
    let printable = comment.bytes().all(|b| (0x20..=0x7e).contains(&b));
    let trimmed = !comment.starts_with(' ') && !comment.ends_with(' ');
    if !comment.is_empty() && comment.len() <= MAX_TRUSTED_COMMENT && printable && trimmed {
        Ok(())
    } else {
        Err(TrustedCommentError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            journal_id: JournalId([0xab; 16]),
            head: Head {
                size: 7,
                hash: ChainHash([0x01; 32]),
            },
        }
    }

    #[test]
    fn text_round_trips_and_names_its_file() {
        let checkpoint = sample();
        assert_eq!(Checkpoint::parse(&checkpoint.text()), Ok(checkpoint));
        assert_eq!(
            parse_file_stem(&checkpoint.file_stem()),
            Some((checkpoint.journal_id, 7))
        );
        assert_eq!(
            checkpoint.trusted_comment(),
            format!(
                "journal={} size=7 head={}",
                "ab".repeat(16),
                "01".repeat(32)
            )
        );
    }

    #[test]
    fn rejects_edited_or_reshaped_text() {
        let text = sample().text();
        assert_eq!(
            Checkpoint::parse(&text.replace("\n7\n", "\n07\n")),
            Err(CheckpointError::Line {
                line: 2,
                expected: "the size in decimal"
            })
        );
        assert_eq!(
            Checkpoint::parse(text.trim_end()),
            Err(CheckpointError::Shape)
        );
        assert_eq!(
            Checkpoint::parse(&format!("{text}extra\n")),
            Err(CheckpointError::Shape)
        );
        assert!(matches!(
            Checkpoint::parse(&text.replace("secureupdate-journal", "other")),
            Err(CheckpointError::Line { line: 1, .. })
        ));
    }

    #[test]
    fn trusted_comments_are_one_trimmed_printable_line() {
        assert!(validate_trusted_comment("journal=ab size=1 head=cd").is_ok());
        for bad in [
            "",
            " lead",
            "trail ",
            "two\nlines",
            "tab\there",
            "caf\u{e9}",
        ] {
            assert!(validate_trusted_comment(bad).is_err(), "{bad:?}");
        }
    }
}
