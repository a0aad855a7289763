//! `secureupdate verify FILE --sig FILE.minisig [--sha256 HEX]`: checks an artifact against the
//! artifact keys pinned in site.toml. Exit 0 verified, 1 the check failed, 2 bad input.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use secureupdate::adapters::signatures::{
    SignatureCheck, SignatureError, parse_sha256_hex, read_signature_file,
};
use secureupdate::config::{SiteConfig, TrustList};
use secureupdate::core::sanitize::sanitize_line;
use serde::Serialize;

use crate::exit::{bad_input, usage};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The artifact to check.
    pub file: PathBuf,
    /// Its minisign signature (prehashed).
    #[arg(long, value_name = "FILE.minisig")]
    pub sig: PathBuf,
    /// The SHA-256 the artifact must have (64 hex digits), e.g. from the patch definition.
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct VerifiedJson<'a> {
    file: String,
    sha256: &'a str,
    length: u64,
    key_id: &'a str,
    trusted_comment: String,
}

/// An error of the check: a failure exits 1, unreadable input 2.
pub fn classify(error: SignatureError) -> anyhow::Error {
    if error.is_check_failure() {
        anyhow::Error::new(error)
    } else {
        bad_input(error)
    }
}

pub fn run(site_dir: &Path, args: &VerifyArgs, out: &mut impl Write) -> Result<()> {
    let config = SiteConfig::load(&site_dir.join(secureupdate::config::SITE_FILE), site_dir)
        .map_err(bad_input)?;
    let expected = args
        .sha256
        .as_deref()
        .map(parse_sha256_hex)
        .transpose()
        .map_err(|e| usage(format!("--sha256: {e}")))?;
    let signature = read_signature_file(&args.sig).map_err(classify)?;
    let verified = SignatureCheck {
        signature: &signature,
        signature_name: &args.sig.display().to_string(),
        keys: &config.trust.artifact_keys,
        role: TrustList::Artifact,
    }
    .file(&args.file, expected.as_ref())
    .map_err(classify)?;
    let comment = sanitize_line(&verified.trusted_comment, 400);
    if args.json {
        let json = VerifiedJson {
            file: args.file.display().to_string(),
            sha256: &verified.sha256,
            length: verified.length,
            key_id: &verified.key_id,
            trusted_comment: comment,
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "verified {}: {} bytes, sha256 {}, signed by pinned artifact key {}\ntrusted comment: {comment}",
            args.file.display(),
            verified.length,
            verified.sha256,
            verified.key_id,
        )?;
    }
    Ok(())
}
