//! Wiring for the ranking commands: load the site, bring its threat data into the
//! state store, match advisories, record first-seen dates and rank.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use secureupdate::adapters::feeds;
use secureupdate::adapters::journal::OperatorSigner;
use secureupdate::adapters::store::{
    BUNDLE_SOURCE_PREFIX, BundleRecord, FeedStatus, SiteLock, StateStore,
};
use secureupdate::app::feed_badge::ExpiredOverride;
use secureupdate::config::Site;
use secureupdate::core::advisory::Advisory;
use secureupdate::core::finding::{AdvisoryIndex, Finding, FindingKey};
use secureupdate::core::patch::{PendingPatch, group_pending};
use secureupdate::core::risk::{RankingContext, ScoredFinding, score_findings};
use secureupdate::core::threat::{FeedKind, ThreatIntel};
use secureupdate::core::vex::{Suppressed, apply_vex};

use crate::exit::bad_input;

/// A site with its threat data loaded and its findings scored.
pub struct Assessment {
    pub site: Site,
    pub today: NaiveDate,
    pub intel: ThreatIntel,
    pub findings: Vec<Finding>,
    pub scored: Vec<ScoredFinding>,
    pub patches: Vec<PendingPatch>,
    /// Advisory ranges that could not be used (bad versions in a feed).
    pub warnings: Vec<String>,
    /// The last load of each feed kind.
    pub feeds: Vec<FeedStatus>,
    /// Findings a VEX statement (CSAF `known_not_affected` or `fixed`) set aside, with why.
    pub suppressed: Vec<Suppressed>,
    /// The last bundle imported per feed id.
    pub bundles: Vec<BundleRecord>,
    /// Set when the operator chose to rank on an expired bundle (see `feed_gate`).
    pub expired_override: Option<ExpiredOverride>,
    /// The operator's key once something unlocked it, so its password is asked only once.
    pub signer: Option<OperatorSigner>,
    /// Held for as long as the assessment lives, so that a console keeps its site to itself.
    _site_lock: SiteLock,
}

impl Assessment {
    /// Loads the site in `dir`, refreshing changed feeds, and ranks as of `as_of` (else today).
    pub fn run(dir: &Path, command: &str, as_of: Option<NaiveDate>) -> Result<Assessment> {
        let site = Site::load(dir).map_err(bad_input)?;
        let site_lock = SiteLock::acquire(dir, command).map_err(bad_input)?;
        let mut store = StateStore::open(&dir.join("state.db"))
            .with_context(|| format!("opening the state store in {}", dir.display()))?;
        refresh_feeds(&mut store, dir)?;
        let feeds = store.feed_status()?;
        let bundles = store.bundles()?;
        let advisories: Vec<Advisory> = store.advisories()?;
        let intel: ThreatIntel = store.threat_intel(&advisories)?;
        let mut outcome = AdvisoryIndex::new(&advisories).match_assets(&site.assets);
        for warning in &outcome.warnings {
            tracing::warn!(%warning, "advisory range skipped");
        }
        let (open, suppressed) =
            apply_vex(outcome.findings, &site.assets, &store.vex_statements()?);
        outcome.findings = open;
        let recorded_on = Utc::now().date_naive();
        // Every asset counts as observed (by its last scan, else today), so findings
        // that vanished from an asset are forgotten and come back with a new date.
        let observed: HashMap<String, NaiveDate> = site
            .assets
            .iter()
            .map(|a| {
                let date = a.last_scan.map_or(recorded_on, |t| t.date_naive());
                (a.name.clone(), date)
            })
            .collect();
        let recorded: HashMap<FindingKey, NaiveDate> =
            store.record_findings(&outcome.findings, &observed, recorded_on)?;
        let first_seen: Vec<Option<NaiveDate>> = outcome
            .findings
            .iter()
            .map(|f| recorded.get(&f.key()).copied())
            .collect();
        let today = as_of.unwrap_or(recorded_on);
        let ctx = RankingContext {
            assets: &site.assets,
            intel: &intel,
            policy: &site.policy,
            first_seen: &first_seen,
            today,
        };
        let scored = score_findings(&outcome.findings, &ctx);
        let patches = group_pending(&outcome.findings, &site.assets);
        Ok(Assessment {
            today,
            findings: outcome.findings,
            scored,
            patches,
            warnings: outcome.warnings,
            feeds,
            suppressed,
            bundles,
            expired_override: None,
            signer: None,
            intel,
            site,
            _site_lock: site_lock,
        })
    }
}

/// Re-imports every feed kind whose files changed. All changed kinds are parsed before
/// anything is written, so a bad feed file leaves the store as it was. A kind last loaded from a
/// signed bundle is left alone: only a newer bundle replaces it.
fn refresh_feeds(store: &mut StateStore, dir: &Path) -> Result<()> {
    let feeds_dir = dir.join("feeds");
    let from_bundles: Vec<FeedKind> = store
        .feed_status()?
        .into_iter()
        .filter(|status| status.source.starts_with(BUNDLE_SOURCE_PREFIX))
        .map(|status| status.kind)
        .collect();
    let mut changed = Vec::new();
    for kind in FeedKind::ALL {
        if from_bundles.contains(&kind) {
            continue;
        }
        let fingerprint = feeds::fingerprint(&feeds_dir, kind).map_err(bad_input)?;
        let Some(fingerprint) = fingerprint else {
            continue;
        };
        if store.feed_fingerprint(kind)?.as_deref() == Some(fingerprint.as_str()) {
            continue;
        }
        let records = feeds::load(&feeds_dir, kind).map_err(bad_input)?;
        changed.push((kind, fingerprint, records));
    }
    let loaded_at = Utc::now();
    for (kind, fingerprint, records) in changed {
        let source = format!("feeds/{}", kind.dir());
        store.replace_feed(&fingerprint, &source, &records, loaded_at)?;
        tracing::info!(?kind, %fingerprint, "feed loaded");
    }
    Ok(())
}
