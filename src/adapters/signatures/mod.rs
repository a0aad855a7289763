//! Minisign signatures on artifacts and feed manifests, checked against the keys pinned in
//! site.toml: prehashed only, strict file format, one streamed pass for signature and SHA-256.

mod error;
mod file;
mod pipeline;
mod verify;

pub use error::SignatureError;
pub use file::{MAX_SIGNATURE_FILE, SignatureFile};
pub use verify::{SignatureCheck, Verified, parse_sha256_hex, read_signature_file};
