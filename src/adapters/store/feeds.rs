//! Threat data in state.db: KEV, EPSS, vulnrichment (SSVC, CVSS) and advisories, each
//! kind replaced wholesale by the feed it came from, plus a record of every kind's last load.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::database::StateStore;
use super::error::StoreError;
use super::error::sqlite_error;
use super::feed_tables::{
    insert_advisories, insert_epss, insert_kev, insert_vulnrichment, read_epss, read_kev,
    read_vulnrichment,
};
use super::rows::{bad_row, parse_date};
use super::vex_tables::{insert_vex, read_vex};
use crate::core::advisory::Advisory;
use crate::core::threat::{FeedKind, FeedRecords, ThreatIntel};
use crate::core::vex::VexStatement;

/// The last load of one feed kind, for `feed status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedStatus {
    pub kind: FeedKind,
    pub fingerprint: String,
    /// Where the data came from (a file, a bundle), as the importer described it.
    pub source: String,
    pub loaded_at: DateTime<Utc>,
    pub records: u64,
    pub epss_model_version: Option<String>,
    pub epss_score_date: Option<NaiveDate>,
}

impl StateStore {
    /// The fingerprint of the data last loaded for `kind`, if any was.
    pub fn feed_fingerprint(&self, kind: FeedKind) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT fingerprint FROM feed_loads WHERE kind = ?1",
                [kind_name(kind)],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.error("read a feed fingerprint", e))
    }

    /// Replaces every stored record of `records`' kind with `records`, in one
    /// transaction: on any error the previous data stays as it was.
    pub fn replace_feed(
        &mut self,
        fingerprint: &str,
        source: &str,
        records: &FeedRecords,
        loaded_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        write_feed(&tx, &self.path, fingerprint, source, records, loaded_at)?;
        tx.commit().map_err(|e| self.error("replace feed data", e))
    }

    /// Every stored advisory (OSV and CSAF), ordered by id.
    pub fn advisories(&self) -> Result<Vec<Advisory>, StoreError> {
        let read_error = |e| self.error("read advisories", e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, body FROM advisories UNION ALL SELECT id, body FROM csaf_advisories
                 ORDER BY id",
            )
            .map_err(read_error)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(read_error)?;
        let mut advisories = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(read_error)?;
            let advisory: Advisory = serde_json::from_str(&body)
                .map_err(|e| bad_row(&self.path, "advisory", format!("{id}: {e}")))?;
            if advisory.id != id {
                return Err(bad_row(
                    &self.path,
                    "advisory",
                    format!("row {id} holds advisory {}", advisory.id),
                ));
            }
            advisories.push(advisory);
        }
        Ok(advisories)
    }

    /// KEV, EPSS and vulnrichment joined per CVE, with CVSS from the vulnrichment
    /// vectors and those of `advisories`.
    pub fn threat_intel(&self, advisories: &[Advisory]) -> Result<ThreatIntel, StoreError> {
        let tx = self.read()?;
        let kev = read_kev(&tx, &self.path)?;
        let epss = read_epss(&tx, &self.path)?;
        let records = read_vulnrichment(&tx, &self.path)?;
        tx.finish().map_err(|e| self.error("read threat data", e))?;
        Ok(ThreatIntel::build(kev, epss, records, advisories))
    }

    /// Every VEX statement of the CSAF documents loaded.
    pub fn vex_statements(&self) -> Result<Vec<VexStatement>, StoreError> {
        read_vex(&self.conn, &self.path)
    }

    /// The last load of every kind that was ever loaded, in `FeedKind` order.
    pub fn feed_status(&self) -> Result<Vec<FeedStatus>, StoreError> {
        let read_error = |e| self.error("read feed status", e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT kind, fingerprint, source, loaded_at, record_count,
                        epss_model_version, epss_score_date
                 FROM feed_loads",
            )
            .map_err(read_error)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(read_error)?;
        let mut status = Vec::new();
        for row in rows {
            let (kind, fingerprint, source, loaded_at, count, model_version, score_date) =
                row.map_err(read_error)?;
            let bad =
                |detail: String| bad_row(&self.path, "feed load", format!("{kind}: {detail}"));
            status.push(FeedStatus {
                kind: parse_kind(&kind).ok_or_else(|| bad("unknown feed kind".to_string()))?,
                fingerprint,
                source,
                loaded_at: DateTime::parse_from_rfc3339(&loaded_at)
                    .map_err(|e| bad(format!("loaded_at {loaded_at:?}: {e}")))?
                    .with_timezone(&Utc),
                records: u64::try_from(count).map_err(|_| bad(format!("record count {count}")))?,
                epss_model_version: model_version,
                epss_score_date: score_date
                    .map(|date| parse_date(&self.path, "EPSS score date", &date))
                    .transpose()?,
            });
        }
        status.sort_by_key(|s| s.kind);
        Ok(status)
    }
}

pub(super) fn kind_name(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Kev => "kev",
        FeedKind::Epss => "epss",
        FeedKind::Osv => "osv",
        FeedKind::Vulnrichment => "vulnrichment",
        FeedKind::Csaf => "csaf",
    }
}

fn parse_kind(name: &str) -> Option<FeedKind> {
    FeedKind::ALL
        .into_iter()
        .find(|kind| kind_name(*kind) == name)
}

/// Replaces `records`' kind inside the caller's transaction and records the load.
pub(super) fn write_feed(
    tx: &Connection,
    path: &Path,
    fingerprint: &str,
    source: &str,
    records: &FeedRecords,
    loaded_at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let kind = records.kind();
    let (count, model_version, score_date) = match records {
        FeedRecords::Kev(entries) => (insert_kev(tx, path, entries)?, None, None),
        FeedRecords::Epss {
            model_version,
            score_date,
            scores,
        } => (
            insert_epss(tx, path, scores)?,
            Some(model_version.as_str()),
            score_date.map(|date| date.to_string()),
        ),
        FeedRecords::Osv(advisories) => (
            insert_advisories(tx, path, FeedKind::Osv, advisories)?,
            None,
            None,
        ),
        FeedRecords::Vulnrichment(records) => (insert_vulnrichment(tx, path, records)?, None, None),
        FeedRecords::Csaf { advisories, vex } => {
            insert_vex(tx, path, vex)?;
            (
                insert_advisories(tx, path, FeedKind::Csaf, advisories)? + vex.len(),
                None,
                None,
            )
        }
    };
    tx.execute(
        "INSERT OR REPLACE INTO feed_loads
             (kind, fingerprint, source, loaded_at, record_count, epss_model_version, epss_score_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            kind_name(kind),
            fingerprint,
            source,
            loaded_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            i64::try_from(count).unwrap_or(i64::MAX),
            model_version,
            score_date,
        ],
    )
    .map_err(|e| sqlite_error(path, "replace feed data", e))?;
    Ok(count as u64)
}
