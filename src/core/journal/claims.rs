//! Outside claims about the journal — an anchor copied into a change ticket, a checkpoint —
//! checked against what the row pass found. A claim `SIZE:HEAD` must be a prefix of the journal.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::chain::{ChainHash, Head};
use super::report::{Problem, ProblemKind};
use super::verify::ChainSummary;

/// `SIZE:HEAD`, e.g. `42:9f86d0…` (head as 64 lowercase hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor(pub Head);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("anchor `{0}`: expected SIZE:HEAD, a decimal size and a 64-digit lowercase hex hash")]
pub struct AnchorError(String);

impl FromStr for Anchor {
    type Err = AnchorError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || AnchorError(text.chars().take(100).collect());
        let (size, hash) = text.split_once(':').ok_or_else(error)?;
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let size = size.parse().map_err(|_| error())?;
        let hash = hash.parse::<ChainHash>().map_err(|_| error())?;
        Ok(Anchor(Head { size, hash }))
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.size, self.0.hash)
    }
}

/// Checks that the journal had `claim.hash` as head at `claim.size`. A claim that holds pins
/// that prefix (later rewrites are then located after it). `what` names the claim in messages.
pub fn check_claim(summary: &mut ChainSummary, claim: Head, what: &str) -> Option<Problem> {
    let size = summary.head.size;
    if claim.size > size {
        return Some(Problem {
            seq: size + 1,
            kind: ProblemKind::Truncated,
            message: format!(
                "{what} says the journal had {} entries; it has {size}: entries {}..={} are gone",
                claim.size,
                size + 1,
                claim.size
            ),
        });
    }
    match summary.hashes_at.get(&claim.size) {
        Some(actual) if *actual == claim.hash => {
            summary.pinned.insert(claim.size);
            None
        }
        actual => {
            let after = summary
                .pinned
                .range(..claim.size)
                .next_back()
                .copied()
                .unwrap_or(0);
            let actual = actual.map_or_else(|| "nothing".to_string(), ToString::to_string);
            Some(Problem {
                seq: after + 1,
                kind: ProblemKind::Edited,
                message: format!(
                    "{what} says the head at size {} was {}, the journal has {actual}: an entry in {}..={} was rewritten",
                    claim.size,
                    claim.hash,
                    after + 1,
                    claim.size
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_size_and_head() {
        let head = "ab".repeat(32);
        let anchor: Anchor = format!("12:{head}").parse().unwrap();
        assert_eq!(anchor.0.size, 12);
        assert_eq!(anchor.to_string(), format!("12:{head}"));
        for bad in [
            "12",
            ":ab",
            &format!("-1:{head}"),
            &format!("+1:{head}"),
            &format!("1:{}", "AB".repeat(32)),
            "1:abc",
        ] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad}");
        }
    }
}
