//! Checking a minisign signature against pinned keys, streaming the signed data once: each
//! chunk feeds the BLAKE2b prehash (through `minisign-verify`'s stream verifier) and SHA-256
//! (beside it, see `pipeline`), so memory stays constant whatever the size.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use super::error::SignatureError;
use super::file::{MAX_SIGNATURE_FILE, SignatureFile};
use super::pipeline::{PassError, hash_pass};
use crate::config::{PinnedKey, TrustList};

/// What a successful check established about the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// SHA-256 of the data, lowercase hex.
    pub sha256: String,
    pub length: u64,
    /// The pinned key that signed it, as minisign prints key ids.
    pub key_id: String,
    pub trusted_comment: String,
}

/// Reads and parses a `.minisig` file (capped in size).
pub fn read_signature_file(path: &Path) -> Result<SignatureFile, SignatureError> {
    let read_error = |source| SignatureError::Read {
        file: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    File::open(path)
        .map_err(read_error)?
        .take(MAX_SIGNATURE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_SIGNATURE_FILE {
        return Err(SignatureError::SignatureTooLarge {
            file: path.to_path_buf(),
            cap: MAX_SIGNATURE_FILE,
        });
    }
    SignatureFile::parse(&bytes, &path.display().to_string())
}

/// Parses `text` as a SHA-256 in hex (64 digits, either case).
pub fn parse_sha256_hex(text: &str) -> Result<[u8; 32], String> {
    let mut digest = [0u8; 32];
    if text.len() != 64 || hex::decode_to_slice(text, &mut digest).is_err() {
        return Err(format!(
            "`{}` is not a SHA-256; expected 64 hexadecimal digits",
            crate::core::sanitize::sanitize_line(text, 80)
        ));
    }
    Ok(digest)
}

/// What a signature is checked against: the parsed `.minisig` (named `signature_name` in
/// errors) and the keys pinned in site.toml for `role`.
pub struct SignatureCheck<'a> {
    pub signature: &'a SignatureFile,
    pub signature_name: &'a str,
    pub keys: &'a [PinnedKey],
    pub role: TrustList,
}

impl SignatureCheck<'_> {
    /// Verifies the file at `path`, and its SHA-256 against `expected_sha256` when given.
    pub fn file(
        &self,
        path: &Path,
        expected_sha256: Option<&[u8; 32]>,
    ) -> Result<Verified, SignatureError> {
        self.with_origin(&path.display().to_string()).run(
            || File::open(path),
            expected_sha256,
            |_| Ok(()),
        )
    }

    /// As [`SignatureCheck::file`], reading what `open` gives (from its start, each time it is
    /// called) and handing every chunk read to `sink` in the same pass (to copy the data while
    /// it is checked). `origin` names the data in errors.
    pub fn stream<R: Read + Seek>(
        &self,
        open: impl Fn() -> io::Result<R>,
        origin: &str,
        expected_sha256: Option<&[u8; 32]>,
        sink: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Verified, SignatureError> {
        self.with_origin(origin).run(open, expected_sha256, sink)
    }

    /// As [`SignatureCheck::file`], for data already in memory (a feed manifest).
    pub fn bytes(&self, data: &[u8], origin: &str) -> Result<Verified, SignatureError> {
        self.with_origin(origin)
            .run(|| Ok(io::Cursor::new(data)), None, |_| Ok(()))
    }

    fn with_origin<'o>(&'o self, origin: &'o str) -> Check<'o> {
        Check {
            against: self,
            origin,
        }
    }
}

/// One check of one piece of data, named `origin` in errors.
struct Check<'a> {
    against: &'a SignatureCheck<'a>,
    origin: &'a str,
}

impl Check<'_> {
    /// `open` gives the data from its start; it is called a second time only to tell a bad
    /// signature from an edited trusted comment, after a failure.
    fn run<R: Read + Seek>(
        &self,
        open: impl Fn() -> io::Result<R>,
        expected_sha256: Option<&[u8; 32]>,
        mut sink: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Verified, SignatureError> {
        let read_error = |source| SignatureError::Read {
            file: self.origin.into(),
            source,
        };
        let candidates = self.candidates()?;
        let parsed =
            minisign_verify::Signature::decode(&self.against.signature.text).map_err(|e| {
                SignatureError::Malformed {
                    file: self.against.signature_name.to_string(),
                    line: 0,
                    detail: e.to_string(),
                }
            })?;
        let public_keys = candidates
            .iter()
            .map(|k| minisign_verify::PublicKey::from_base64(&k.key().to_base64()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SignatureError::Malformed {
                file: "site.toml [trust]".to_string(),
                line: 0,
                detail: e.to_string(),
            })?;
        let mut verifiers = Vec::with_capacity(public_keys.len());
        for key in &public_keys {
            verifiers.push(
                key.verify_stream(&parsed)
                    .map_err(|e| SignatureError::Malformed {
                        file: self.against.signature_name.to_string(),
                        line: 2,
                        detail: e.to_string(),
                    })?,
            );
        }
        let reader = open().map_err(read_error)?;
        let pass = hash_pass(reader, |chunk| {
            for verifier in &mut verifiers {
                verifier.update(chunk);
            }
            sink(chunk)
        });
        let (actual, length) = match pass {
            Ok(done) => done,
            Err(PassError::Read(source)) => return Err(read_error(source)),
            Err(PassError::Handler(source)) => {
                return Err(SignatureError::Sink {
                    file: self.origin.into(),
                    source,
                });
            }
        };
        let key_id = self.against.signature.key_id_hex();
        if !verifiers.iter_mut().any(|v| v.finalize().is_ok()) {
            return Err(self.diagnose(&candidates, open, key_id));
        }
        if let Some(expected) = expected_sha256
            && actual.as_slice() != expected
        {
            return Err(SignatureError::HashMismatch {
                file: self.origin.to_string(),
                expected: hex::encode(expected),
                actual: hex::encode(actual),
            });
        }
        Ok(Verified {
            sha256: hex::encode(actual),
            length,
            key_id,
            trusted_comment: self.against.signature.trusted_comment.clone(),
        })
    }

    /// The pinned keys whose id is the signature's; errors when the signature is legacy or
    /// no pinned key has its id.
    fn candidates(&self) -> Result<Vec<&PinnedKey>, SignatureError> {
        let role = self.against.role.role();
        if self.against.keys.is_empty() {
            return Err(SignatureError::NoPinnedKeys { role });
        }
        if !self.against.signature.prehashed {
            return Err(SignatureError::Legacy {
                signature: self.against.signature_name.to_string(),
            });
        }
        let matching: Vec<_> = self
            .against
            .keys
            .iter()
            .filter(|k| k.key().key_id == self.against.signature.key_id)
            .collect();
        if matching.is_empty() {
            let pinned: Vec<String> = self
                .against
                .keys
                .iter()
                .map(|k| k.key().key_id_hex())
                .collect();
            return Err(SignatureError::UnknownKey {
                signature: self.against.signature_name.to_string(),
                key_id: self.against.signature.key_id_hex(),
                role,
                pinned: pinned.join(", "),
            });
        }
        Ok(matching)
    }

    /// `minisign-verify` reports both failures alike; the `minisign` crate checks the data's
    /// signature before the trusted comment's and says which one failed.
    fn diagnose<R: Read + Seek>(
        &self,
        candidates: &[&PinnedKey],
        open: impl Fn() -> io::Result<R>,
        key_id: String,
    ) -> SignatureError {
        let bad = || SignatureError::BadSignature {
            file: self.origin.to_string(),
            signature: self.against.signature_name.to_string(),
            key_id: key_id.clone(),
        };
        let Ok(signature_box) = minisign::SignatureBox::from_string(&self.against.signature.text)
        else {
            return bad();
        };
        for candidate in candidates {
            let Ok(public) = minisign::PublicKey::from_base64(&candidate.key().to_base64()) else {
                continue;
            };
            let Ok(reader) = open() else {
                return bad();
            };
            let outcome = minisign::verify(&public, &signature_box, reader, true, false, false);
            if let Err(e) = outcome
                && e.to_string().contains("Comment signature")
            {
                return SignatureError::CommentEdited {
                    signature: self.against.signature_name.to_string(),
                    key_id,
                };
            }
        }
        bad()
    }
}
