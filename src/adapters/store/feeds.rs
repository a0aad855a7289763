//! Threat data in state.db: KEV, EPSS, SSVC and advisories, each kind replaced
//! wholesale by the feed it came from, plus a record of every kind's last load.

use std::path::Path;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::database::StateStore;
use super::error::{StoreError, printable, sqlite_error};
use super::rows::{bad_row, parse_date};
use crate::core::advisory::Advisory;
use crate::core::threat::{
    Epss, FeedKind, FeedRecords, KevEntry, Ssvc, TechnicalImpact, ThreatIntel,
};

/// A record's id in an error message is cut to this length.
pub(super) const MAX_KEY_CHARS: usize = 120;

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
        let kind = records.kind();
        let tx = self.write()?;
        let store_error = |e| self.error("replace feed data", e);
        let (count, model_version, score_date) = match records {
            FeedRecords::Kev(entries) => (insert_kev(&tx, &self.path, entries)?, None, None),
            FeedRecords::Epss {
                model_version,
                score_date,
                scores,
            } => (
                insert_epss(&tx, &self.path, scores)?,
                Some(model_version.as_str()),
                score_date.map(|date| date.to_string()),
            ),
            FeedRecords::Osv(advisories) => {
                (insert_advisories(&tx, &self.path, advisories)?, None, None)
            }
            FeedRecords::Ssvc(decisions) => (insert_ssvc(&tx, &self.path, decisions)?, None, None),
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
        .map_err(store_error)?;
        tx.commit().map_err(store_error)
    }

    /// Every stored advisory, ordered by id.
    pub fn advisories(&self) -> Result<Vec<Advisory>, StoreError> {
        let read_error = |e| self.error("read advisories", e);
        let mut statement = self
            .conn
            .prepare("SELECT id, body FROM advisories ORDER BY id")
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

    /// KEV, EPSS and SSVC joined per CVE with the CVSS vectors of `advisories`.
    pub fn threat_intel(&self, advisories: &[Advisory]) -> Result<ThreatIntel, StoreError> {
        let tx = self.read()?;
        let kev = read_kev(&tx, &self.path)?;
        let epss = read_epss(&tx, &self.path)?;
        let ssvc = read_ssvc(&tx, &self.path)?;
        tx.finish().map_err(|e| self.error("read threat data", e))?;
        Ok(ThreatIntel::build(kev, epss, ssvc, advisories))
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

fn kind_name(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Kev => "kev",
        FeedKind::Epss => "epss",
        FeedKind::Osv => "osv",
        FeedKind::Ssvc => "ssvc",
    }
}

fn parse_kind(name: &str) -> Option<FeedKind> {
    FeedKind::ALL
        .into_iter()
        .find(|kind| kind_name(*kind) == name)
}

/// Names the record a constraint refused (a duplicate id, a score out of range).
fn record_error(path: &Path, kind: FeedKind, key: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Record {
        path: path.to_path_buf(),
        kind: kind_name(kind),
        key: printable(key, MAX_KEY_CHARS),
        source: Box::new(source),
    }
}

fn clear(conn: &Connection, path: &Path, table: &'static str) -> Result<(), StoreError> {
    conn.execute(&format!("DELETE FROM {table}"), [])
        .map(|_| ())
        .map_err(|e| sqlite_error(path, "clear old feed data", e))
}

fn insert_kev(conn: &Connection, path: &Path, entries: &[KevEntry]) -> Result<usize, StoreError> {
    clear(conn, path, "kev")?;
    let mut insert = conn
        .prepare(
            "INSERT INTO kev (cve, vendor, product, name, date_added, due_date, ransomware)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for entry in entries {
        insert
            .execute(params![
                entry.cve,
                entry.vendor,
                entry.product,
                entry.name,
                entry.date_added.to_string(),
                entry.due_date.map(|date| date.to_string()),
                entry.ransomware,
            ])
            .map_err(|e| record_error(path, FeedKind::Kev, &entry.cve, e))?;
    }
    Ok(entries.len())
}

fn insert_epss(
    conn: &Connection,
    path: &Path,
    scores: &[(String, Epss)],
) -> Result<usize, StoreError> {
    clear(conn, path, "epss")?;
    let mut insert = conn
        .prepare("INSERT INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)")
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for (cve, epss) in scores {
        insert
            .execute(params![cve, epss.score, epss.percentile])
            .map_err(|e| record_error(path, FeedKind::Epss, cve, e))?;
    }
    Ok(scores.len())
}

fn insert_ssvc(
    conn: &Connection,
    path: &Path,
    decisions: &[(String, Ssvc)],
) -> Result<usize, StoreError> {
    clear(conn, path, "ssvc")?;
    let mut insert = conn
        .prepare("INSERT INTO ssvc (cve, automatable, technical_impact) VALUES (?1, ?2, ?3)")
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for (cve, ssvc) in decisions {
        let impact = ssvc.technical_impact.map(|impact| match impact {
            TechnicalImpact::Partial => "partial",
            TechnicalImpact::Total => "total",
        });
        insert
            .execute(params![cve, ssvc.automatable, impact])
            .map_err(|e| record_error(path, FeedKind::Ssvc, cve, e))?;
    }
    Ok(decisions.len())
}

fn insert_advisories(
    conn: &Connection,
    path: &Path,
    advisories: &[Advisory],
) -> Result<usize, StoreError> {
    clear(conn, path, "advisories")?;
    let mut insert = conn
        .prepare("INSERT INTO advisories (id, body) VALUES (?1, ?2)")
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for advisory in advisories {
        let body = serde_json::to_string(advisory).map_err(|source| StoreError::Encode {
            path: path.to_path_buf(),
            kind: kind_name(FeedKind::Osv),
            key: advisory.id.clone(),
            source,
        })?;
        insert
            .execute(params![advisory.id, body])
            .map_err(|e| record_error(path, FeedKind::Osv, &advisory.id, e))?;
    }
    Ok(advisories.len())
}

fn read_kev(conn: &Connection, path: &Path) -> Result<Vec<KevEntry>, StoreError> {
    let read_error = |e| sqlite_error(path, "read KEV entries", e);
    let mut statement = conn
        .prepare(
            "SELECT cve, vendor, product, name, date_added, due_date, ransomware
             FROM kev ORDER BY cve",
        )
        .map_err(read_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, i64>(6)?,
            ))
        })
        .map_err(read_error)?;
    let mut entries = Vec::new();
    for row in rows {
        let (cve, vendor, product, name, date_added, due_date, ransomware) =
            row.map_err(read_error)?;
        entries.push(KevEntry {
            date_added: parse_date(path, "KEV dateAdded", &date_added)?,
            due_date: due_date
                .map(|date| parse_date(path, "KEV dueDate", &date))
                .transpose()?,
            ransomware: parse_flag(path, "KEV ransomware flag", ransomware)?,
            cve,
            vendor,
            product,
            name,
        });
    }
    Ok(entries)
}

fn read_epss(conn: &Connection, path: &Path) -> Result<Vec<(String, Epss)>, StoreError> {
    let read_error = |e| sqlite_error(path, "read EPSS scores", e);
    let mut statement = conn
        .prepare("SELECT cve, score, percentile FROM epss ORDER BY cve")
        .map_err(read_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Epss {
                    score: row.get(1)?,
                    percentile: row.get(2)?,
                },
            ))
        })
        .map_err(read_error)?;
    rows.collect::<Result<_, _>>().map_err(read_error)
}

fn read_ssvc(conn: &Connection, path: &Path) -> Result<Vec<(String, Ssvc)>, StoreError> {
    let read_error = |e| sqlite_error(path, "read SSVC decisions", e);
    let mut statement = conn
        .prepare("SELECT cve, automatable, technical_impact FROM ssvc ORDER BY cve")
        .map_err(read_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(read_error)?;
    let mut decisions = Vec::new();
    for row in rows {
        let (cve, automatable, impact) = row.map_err(read_error)?;
        let technical_impact = match impact.as_deref() {
            None => None,
            Some("partial") => Some(TechnicalImpact::Partial),
            Some("total") => Some(TechnicalImpact::Total),
            Some(other) => {
                return Err(bad_row(
                    path,
                    "SSVC technical impact",
                    format!("{cve}: {other:?}"),
                ));
            }
        };
        let automatable = automatable
            .map(|flag| parse_flag(path, "SSVC automatable flag", flag))
            .transpose()?;
        decisions.push((
            cve,
            Ssvc {
                automatable,
                technical_impact,
            },
        ));
    }
    Ok(decisions)
}

fn parse_flag(path: &Path, what: &'static str, value: i64) -> Result<bool, StoreError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(bad_row(path, what, format!("{other} is not 0 or 1"))),
    }
}
