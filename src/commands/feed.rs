//! `secureupdate feed build|import|status`: signed threat-data bundles for air-gapped sites.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{NaiveDate, SubsecRound, Utc};
use clap::Subcommand;
use secureupdate::adapters::feeds::bundle::{
    BuildRequest, BundleError, MANIFEST_FILE, build_bundle, open_bundle,
};
use secureupdate::adapters::journal::OperatorSigner;
use secureupdate::adapters::store::{BundleRecord, SiteLock, StateStore};
use secureupdate::config::Site;
use secureupdate::core::feed_bundle::{BundleVerdict, judge_bundle};
use secureupdate::core::journal::EntryKind;
use secureupdate::core::threat::{FeedKind, FeedRecords};
use serde_json::json;

use crate::exit::bad_input;
use crate::{decision, operator_key};

#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Build a signed bundle from SRC (laid out like a site's feeds/: kev/, epss/, osv/,
    /// vulnrichment/, csaf/) into DIR, on the connected side.
    Build {
        src: PathBuf,
        /// The minisign secret key that signs the manifest.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        #[arg(long, value_name = "ID")]
        feed_id: String,
        /// The sequence number: above every bundle of this feed id built before.
        #[arg(long, value_name = "N")]
        seq: u64,
        /// The bundle is valid until 00:00 UTC of this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: NaiveDate,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Check a bundle (signature by a pinned feed key, sequence, expiry, clock floor, every
    /// file) and import it into the state store in one transaction, journaled.
    Import {
        dir: PathBuf,
        /// The operator importing; their key signs the journal entry.
        #[arg(long)]
        operator: String,
    },
    /// The bundles imported: feed id, seq, created, expires, age and records per kind.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(
    site_flag: &Option<PathBuf>,
    command: &FeedCommand,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    match command {
        FeedCommand::Build {
            src,
            key,
            feed_id,
            seq,
            expires,
            out: dir,
        } => build(src, key, feed_id, *seq, *expires, dir, out),
        FeedCommand::Import { dir, operator } => {
            import(&crate::site_dir(site_flag)?, dir, operator, secret, out)
        }
        FeedCommand::Status { json } => status(&crate::site_dir(site_flag)?, *json, out),
    }
}

/// A refused bundle exits 1; unreadable input or a wrong request exits 2.
fn classify(error: BundleError) -> anyhow::Error {
    if error.is_check_failure() {
        anyhow::Error::new(error)
    } else {
        bad_input(error)
    }
}

fn build(
    src: &Path,
    key: &Path,
    feed_id: &str,
    seq: u64,
    expires: NaiveDate,
    dir: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let label = "feed-publisher";
    let signer = OperatorSigner::unlock(label, key, || operator_key::ask_password(label, key))
        .map_err(bad_input)?;
    let request = BuildRequest {
        src,
        out: dir,
        feed_id,
        seq,
        created: Utc::now().trunc_subsecs(0),
        expires,
    };
    // Everything `build` refuses is the publisher's input.
    let manifest = build_bundle(&request, &signer).map_err(bad_input)?;
    writeln!(
        out,
        "Built feed {} seq {} ({} files, expires {}) in {}, signed by key {}.\nCheck it with: minisign -VH -m {} -p KEY.pub",
        manifest.feed_id,
        manifest.seq,
        manifest.files.len(),
        manifest.expires,
        dir.display(),
        signer.key_id(),
        dir.join(MANIFEST_FILE).display(),
    )?;
    Ok(())
}

fn import(
    site_dir: &Path,
    dir: &Path,
    operator: &str,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let _lock = SiteLock::acquire(site_dir, "feed import").map_err(bad_input)?;
    let site = Site::load(site_dir).map_err(bad_input)?;
    let signer = operator_key::unlock_operator(&site, operator, secret)?;
    let bundle = open_bundle(dir, &site.config.trust.feed_keys).map_err(classify)?;
    let facts = bundle.facts();
    let mut store = StateStore::open(&site_dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", site_dir.display()))?;
    let last = store.last_bundle(&facts.feed_id)?;
    let now = Utc::now();
    let verdict = judge_bundle(
        &facts,
        last.as_ref().map(BundleRecord::facts).as_ref(),
        store.clock_floor()?,
        now,
    )
    .map_err(|refusal| {
        // A rollback, equivocation or replay attempt is a security event: the audit trail
        // keeps it even though nothing was imported.
        let payload = json!({
            "feed_id": facts.feed_id,
            "seq": facts.seq,
            "manifest_sha256": facts.manifest_sha256,
            "signed_by": bundle.key_id,
            "refused": refusal.to_string(),
        });
        let subject = format!("feed import refused {} seq {}", facts.feed_id, facts.seq);
        if let Err(error) =
            decision::record(site_dir, &signer, EntryKind::FeedImport, &subject, &payload)
        {
            eprintln!("warning: the refusal could not be journaled: {error:#}");
        }
        classify(refusal.into())
    })?;
    if verdict == BundleVerdict::AlreadyImported {
        writeln!(
            out,
            "Feed {} seq {} is already imported (same manifest {}); nothing to do.",
            facts.feed_id, facts.seq, facts.manifest_sha256
        )?;
        return Ok(());
    }
    let key_id = bundle.key_id.clone();
    let records: Vec<FeedRecords> = bundle
        .records()
        .map_err(classify)?
        .into_iter()
        .map(|loaded| loaded.records)
        .collect();
    let subject = format!("feed import {} seq {}", facts.feed_id, facts.seq);
    let counts = store.import_bundle(&facts, &records, now, |counts| {
        let payload = json!({
            "feed_id": facts.feed_id,
            "seq": facts.seq,
            "manifest_sha256": facts.manifest_sha256,
            "created": facts.created,
            "expires": facts.expires,
            "signed_by": key_id,
            "previous_seq": last.as_ref().map(|l| l.seq),
            "records": counts,
        });
        decision::record(site_dir, &signer, EntryKind::FeedImport, &subject, &payload)
            .map(|_| ())
            .map_err(|e| format!("the journal did not take the import: {e:#}"))
    })?;
    writeln!(
        out,
        "Imported feed {} seq {} (created {}, expires {}): {}; journaled as {operator}'s decision.",
        facts.feed_id,
        facts.seq,
        facts.created,
        facts.expires,
        describe_counts(&counts)
    )?;
    Ok(())
}

fn describe_counts(counts: &BTreeMap<FeedKind, u64>) -> String {
    counts
        .iter()
        .map(|(kind, n)| format!("{} {n}", kind.dir()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status(site_dir: &Path, json: bool, out: &mut impl Write) -> Result<()> {
    Site::load(site_dir).map_err(bad_input)?;
    let store = StateStore::open(&site_dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", site_dir.display()))?;
    let bundles = store.bundles()?;
    let now = Utc::now();
    if json {
        let items: Vec<serde_json::Value> = bundles
            .iter()
            .map(|b| {
                json!({
                    "feed_id": b.feed_id,
                    "seq": b.seq,
                    "manifest_sha256": b.manifest_sha256,
                    "created": b.created,
                    "expires": b.expires,
                    "expired": b.facts().is_expired(now),
                    "age_seconds": (now - b.created).num_seconds(),
                    "imported_at": b.imported_at,
                    "records": b.counts,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &json!({ "bundles": items, "kinds": store.feed_status()? }),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    if bundles.is_empty() {
        writeln!(
            out,
            "No feed bundle imported; threat data comes from the site's feeds/ folder."
        )?;
    }
    for b in &bundles {
        let expiry = if b.facts().is_expired(now) {
            format!("EXPIRED since {}", b.expires)
        } else {
            format!(
                "expires {} (in {}d)",
                b.expires,
                (b.facts().expires_at() - now).num_days()
            )
        };
        writeln!(
            out,
            "feed {} seq {}: created {} ({}d old), {expiry}\n  records: {}",
            b.feed_id,
            b.seq,
            b.created,
            (now - b.created).num_days(),
            describe_counts(&b.counts)
        )?;
    }
    for kind in store.feed_status()? {
        writeln!(
            out,
            "{:<13} {:>7} records  loaded {}  from {}",
            kind.kind.dir(),
            kind.records,
            kind.loaded_at.format("%Y-%m-%d %H:%M"),
            kind.source
        )?;
    }
    Ok(())
}
