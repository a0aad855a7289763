//! Findings across scans: when each was first seen, so SLA deadlines do not restart
//! every time the fleet is re-ranked.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::params;

use super::database::StateStore;
use super::error::{MAX_KEY_CHARS, StoreError, printable, sqlite_error};
use super::rows::parse_date;
use crate::core::finding::{Finding, FindingKey};

/// Scratch tables for one call: which assets this call speaks for and which findings
/// they still have. Created and dropped inside the write transaction.
const CREATE_SCRATCH: &str = "
CREATE TEMP TABLE recorded_assets (asset TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE recorded_findings (
    asset TEXT NOT NULL,
    cve TEXT NOT NULL,
    package TEXT NOT NULL,
    PRIMARY KEY (asset, cve, package)
) WITHOUT ROWID;
";
const DROP_SCRATCH: &str = "DROP TABLE temp.recorded_assets; DROP TABLE temp.recorded_findings;";

/// Keeps the earliest first_seen and the latest last_seen of a finding seen before.
const UPSERT: &str = "
INSERT INTO findings (asset, cve, package, advisory, installed, fixed, first_seen, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
ON CONFLICT (asset, cve, package) DO UPDATE SET
    advisory = excluded.advisory,
    installed = excluded.installed,
    fixed = excluded.fixed,
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen)
RETURNING first_seen
";

const DELETE_VANISHED: &str = "
DELETE FROM findings
WHERE asset IN (SELECT asset FROM temp.recorded_assets)
  AND NOT EXISTS (
      SELECT 1 FROM temp.recorded_findings AS r
      WHERE r.asset = findings.asset AND r.cve = findings.cve AND r.package = findings.package)
";

impl StateStore {
    /// Records the current findings and returns when each was first seen.
    ///
    /// `observed` maps an asset to the date its package list was taken; a finding of
    /// an asset not in it counts as observed `today`. A finding seen before keeps the
    /// earlier first-seen date; last-seen is the latest date observed. Every asset named in `observed` or in `findings` is
    /// taken as fully described by this call: its stored findings that are not in
    /// `findings` are fixed and deleted, so if one comes back it starts afresh. Assets
    /// named in neither keep their stored findings. All or nothing, in one transaction.
    pub fn record_findings(
        &mut self,
        findings: &[Finding],
        observed: &HashMap<String, NaiveDate>,
        today: NaiveDate,
    ) -> Result<HashMap<FindingKey, NaiveDate>, StoreError> {
        let path = &self.path;
        let tx = self.write()?;
        let write_error = |e| sqlite_error(path, "record findings", e);
        tx.execute_batch(CREATE_SCRATCH).map_err(write_error)?;
        let mut first_seen = HashMap::with_capacity(findings.len());
        {
            let mut upsert = tx.prepare(UPSERT).map_err(write_error)?;
            let mut keep = tx
                .prepare("INSERT OR IGNORE INTO temp.recorded_findings VALUES (?1, ?2, ?3)")
                .map_err(write_error)?;
            let mut cover = tx
                .prepare("INSERT OR IGNORE INTO temp.recorded_assets VALUES (?1)")
                .map_err(write_error)?;
            let assets: HashSet<&str> = observed
                .keys()
                .map(String::as_str)
                .chain(findings.iter().map(|f| f.asset.as_str()))
                .collect();
            for asset in assets {
                cover.execute([asset]).map_err(write_error)?;
            }
            for finding in findings {
                let seen = observed.get(&finding.asset).copied().unwrap_or(today);
                let record_error = |source| StoreError::Record {
                    path: path.clone(),
                    kind: "finding",
                    key: printable(
                        &format!("{} {} {}", finding.asset, finding.cve, finding.package),
                        MAX_KEY_CHARS,
                    ),
                    source: Box::new(source),
                };
                let stored: String = upsert
                    .query_row(
                        params![
                            finding.asset,
                            finding.cve,
                            finding.package,
                            finding.advisory,
                            finding.installed,
                            finding.fixed,
                            seen.to_string(),
                        ],
                        |row| row.get(0),
                    )
                    .map_err(record_error)?;
                keep.execute(params![finding.asset, finding.cve, finding.package])
                    .map_err(write_error)?;
                first_seen.insert(
                    finding.key(),
                    parse_date(path, "finding first_seen", &stored)?,
                );
            }
        }
        tx.execute(DELETE_VANISHED, []).map_err(write_error)?;
        tx.execute_batch(DROP_SCRATCH).map_err(write_error)?;
        tx.commit().map_err(write_error)?;
        Ok(first_seen)
    }
}
