//! What the console shows, as plain data: rows for the queue and the assets, the details
//! behind each, and the site facts for the status bar. The binary builds a `Fleet` from a
//! site's assessment; tests and benchmarks build one by hand.

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::asset::{Criticality, Environment, Exposure};
use crate::core::policy::{MaintenanceWindow, PriorityClass};

/// One CVE a patch closes, with its threat data.
#[derive(Debug, Clone, PartialEq)]
pub struct CveRow {
    pub id: String,
    pub kev: bool,
    pub ransomware: bool,
    pub epss: Option<f64>,
    /// The base score; the environmental score depends on the asset.
    pub cvss: Option<f64>,
}

/// A pending patch as the queue shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRow {
    pub rank: usize,
    pub id: String,
    pub title: String,
    pub os: String,
    pub class: PriorityClass,
    pub sla_days: u32,
    pub first_seen: NaiveDate,
    pub due: NaiveDate,
    pub overdue: bool,
    pub kev: bool,
    pub ransomware: bool,
    pub epss: Option<f64>,
    /// The worst finding's CVSS score for its asset's criticality.
    pub cvss: Option<f64>,
    /// Installed binary package -> version to install.
    pub packages: Vec<(String, String)>,
    pub cves: Vec<CveRow>,
    /// Indices into `Fleet::assets`, in rank order.
    pub assets: Vec<usize>,
    /// Why it ranks where it does, most important first.
    pub reasons: Vec<String>,
    /// The id of the patch definition (patches/*.toml) that installs it, if the site has one.
    pub definition: Option<String>,
}

/// An asset as the assets pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    pub rank: usize,
    pub name: String,
    pub address: String,
    pub os: String,
    pub environment: Environment,
    pub criticality: Criticality,
    pub exposure: Exposure,
    pub groups: Vec<String>,
    pub owner: Option<String>,
    pub last_scan: Option<NaiveDate>,
    /// The class and deadline of its worst pending patch.
    pub worst: Option<(PriorityClass, NaiveDate)>,
    pub overdue: bool,
    /// Indices into `Fleet::patches`, worst first.
    pub patches: Vec<usize>,
    pub reasons: Vec<String>,
}

/// The rollout settings the checklist describes before anything runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolloutSummary {
    pub waves: Vec<String>,
    pub concurrency: u32,
    pub max_fail_percentage: u8,
    /// Classes whose production rollouts need a signed approval.
    pub approval_for: Vec<PriorityClass>,
    pub two_person: bool,
}

/// Facts about the site for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFacts {
    pub name: String,
    pub operator: Option<String>,
    /// The oldest load time among the feeds, if any feed was loaded.
    pub feeds_loaded_at: Option<DateTime<Utc>>,
    /// The signed bundle the threat data came from, if it came from one.
    pub feed_bundle: Option<super::feed_badge::FeedBadge>,
    pub windows: Vec<MaintenanceWindow>,
    pub rollout: RolloutSummary,
}

/// Everything the console displays about one site on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub site: SiteFacts,
    pub today: NaiveDate,
    /// Ranked, worst first.
    pub patches: Vec<PatchRow>,
    /// Ranked, worst first.
    pub assets: Vec<AssetRow>,
}

/// The environment as the tables show it: `prod` is short for production, to fit the column.
pub fn environment_word(e: Environment) -> &'static str {
    match e {
        Environment::Staging => "staging",
        Environment::Production => "prod",
    }
}

/// The deadline as the tables show it: the date, or `OVERDUE Nd`.
pub fn due_cell(due: NaiveDate, overdue: bool, today: NaiveDate) -> String {
    if overdue {
        format!("OVERDUE {}d", (today - due).num_days())
    } else {
        due.to_string()
    }
}

/// `KEV!` for known ransomware use, `KEV`, or `-`: the mark reads without colour.
pub fn kev_mark(kev: bool, ransomware: bool) -> &'static str {
    match (kev, ransomware) {
        (true, true) => "KEV!",
        (true, false) => "KEV",
        (false, _) => "-",
    }
}
