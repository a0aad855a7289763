//! `journal verify` and `journal verify-export`: the report, as text or JSON, and exit code 1
//! when anything is wrong.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use anyhow::Result;
use minisign::PublicKey;
use secureupdate::adapters::journal::{
    JournalError, checkpoints_dir, site_trusted_keys, verify_journal, verify_jsonl,
};
use secureupdate::config::{SITE_FILE, SiteConfig};
use secureupdate::core::journal::{Anchor, VerifyReport};
use secureupdate::core::sanitize::sanitize_line;

use crate::exit::bad_input;

/// Longest problem or warning line printed (paths and hashes fit; hostile text is cut).
const MAX_LINE: usize = 400;

/// The verification found something wrong: exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{what} does not verify: {count} problem(s); the first is at entry {seq}: {message}")]
struct VerificationFailed {
    what: String,
    count: usize,
    seq: u64,
    message: String,
}

pub fn journal(
    site_dir: &Path,
    anchor: Option<Anchor>,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    let trusted = trusted_keys(site_dir)?;
    // A missing journal is bad input (2), not a failed check (1).
    let path = super::existing_journal(site_dir)?;
    let report = verify_journal(&path, &checkpoints_dir(site_dir), &trusted, anchor)?;
    print_report(&report, json, out)?;
    outcome(&report, "the journal")
}

pub fn export(
    site_dir: &Path,
    file: &Path,
    anchor: Option<Anchor>,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    let trusted = trusted_keys(site_dir)?;
    let input = File::open(file).map_err(|e| {
        bad_input(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", file.display()),
        ))
    })?;
    let report = verify_jsonl(
        BufReader::new(input),
        &file.display().to_string(),
        &trusted,
        anchor,
    )
    .map_err(|e| match e {
        JournalError::Export { .. } => bad_input(e),
        other => other.into(),
    })?;
    print_report(&report, json, out)?;
    outcome(&report, &format!("the export {}", file.display()))
}

fn trusted_keys(site_dir: &Path) -> Result<Vec<(String, PublicKey)>> {
    let config = SiteConfig::load(&site_dir.join(SITE_FILE), site_dir).map_err(bad_input)?;
    site_trusted_keys(site_dir, &config).map_err(bad_input)
}

fn print_report(report: &VerifyReport, json: bool, out: &mut impl Write) -> Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "journal {}", report.journal_id)?;
    writeln!(out, "size {}  head {}", report.size, report.head)?;
    writeln!(out, "checkpoints checked: {}", report.checkpoints_checked)?;
    for problem in &report.problems {
        writeln!(
            out,
            "entry {}: {}: {}",
            problem.seq,
            problem.kind.as_str(),
            sanitize_line(&problem.message, MAX_LINE)
        )?;
    }
    for warning in &report.warnings {
        writeln!(
            out,
            "warning: entry {}: {}",
            warning.seq,
            sanitize_line(&warning.message, MAX_LINE)
        )?;
    }
    if report.ok {
        writeln!(
            out,
            "OK: every entry, link, signature and checkpoint verifies"
        )?;
    }
    Ok(())
}

fn outcome(report: &VerifyReport, what: &str) -> Result<()> {
    match report.first_problem() {
        None => Ok(()),
        Some(first) => Err(VerificationFailed {
            what: what.to_string(),
            count: report.problems.len(),
            seq: first.seq,
            message: format!(
                "{} ({})",
                sanitize_line(&first.message, MAX_LINE),
                first.kind.as_str()
            ),
        }
        .into()),
    }
}
