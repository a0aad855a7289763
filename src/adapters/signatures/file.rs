//! The `.minisig` file format, parsed strictly before the verifier sees it: exactly four
//! LF-terminated lines (untrusted comment, base64 signature, trusted comment, base64 global
//! signature). The verifier crate itself splits on any line ending and ignores extra lines, so
//! CRLF files, a fifth line or a missing line each get their own message here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::error::SignatureError;

/// A signature file is a few hundred bytes; a long trusted comment still fits in this.
pub const MAX_SIGNATURE_FILE: u64 = 64 * 1024;

const UNTRUSTED_PREFIX: &str = "untrusted comment: ";
const TRUSTED_PREFIX: &str = "trusted comment: ";

/// A parsed signature file.
#[derive(Clone)]
pub struct SignatureFile {
    /// As stored (little-endian); [`SignatureFile::key_id_hex`] prints it as minisign does.
    pub key_id: [u8; 8],
    /// BLAKE2b-prehashed (`ED`); legacy signatures (`Ed`) over the raw file are refused.
    pub prehashed: bool,
    /// The trusted comment as signed (after `trusted comment: `).
    pub trusted_comment: String,
    pub(super) text: String,
}

impl SignatureFile {
    /// Parses the bytes of a `.minisig` file; `origin` names it in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<SignatureFile, SignatureError> {
        let malformed = |line: usize, detail: String| SignatureError::Malformed {
            file: origin.to_string(),
            line,
            detail,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| malformed(0, "is not text; expected a minisign signature".to_string()))?;
        if text.contains('\r') {
            let line = text[..text.find('\r').unwrap_or(0)].matches('\n').count() + 1;
            return Err(malformed(
                line,
                "has CRLF (Windows) line endings; expected LF only, as minisign writes them"
                    .to_string(),
            ));
        }
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() != 4 {
            return Err(malformed(
                lines.len().min(5),
                format!(
                    "has {} line{}; expected exactly 4 (untrusted comment, signature, trusted comment, global signature)",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        if !lines[0].starts_with(UNTRUSTED_PREFIX) {
            return Err(malformed(
                1,
                format!("must start with `{UNTRUSTED_PREFIX}`"),
            ));
        }
        let signature = decode(lines[1], 74).map_err(|detail| malformed(2, detail))?;
        let Some(trusted_comment) = lines[2].strip_prefix(TRUSTED_PREFIX) else {
            return Err(malformed(3, format!("must start with `{TRUSTED_PREFIX}`")));
        };
        if trusted_comment.chars().any(|c| c.is_control() && c != '\t') {
            return Err(malformed(
                3,
                "the trusted comment holds control characters".to_string(),
            ));
        }
        decode(lines[3], 64).map_err(|detail| malformed(4, detail))?;
        let prehashed = match &signature[..2] {
            b"ED" => true,
            b"Ed" => false,
            other => {
                return Err(malformed(
                    2,
                    format!(
                        "signature algorithm {:?}; expected Ed25519 (`ED` prehashed)",
                        String::from_utf8_lossy(other)
                    ),
                ));
            }
        };
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&signature[2..10]);
        Ok(SignatureFile {
            key_id,
            prehashed,
            trusted_comment: trusted_comment.to_string(),
            text: text.to_string(),
        })
    }

    /// The signing key's id as `minisign` prints it.
    pub fn key_id_hex(&self) -> String {
        crate::config::key_id_hex(&self.key_id)
    }
}

fn decode(line: &str, expected: usize) -> Result<Vec<u8>, String> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|_| "is not valid base64".to_string())?;
    if bytes.len() == expected {
        Ok(bytes)
    } else {
        Err(format!(
            "decodes to {} bytes; expected {expected}",
            bytes.len()
        ))
    }
}
