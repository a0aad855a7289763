//! Rows of the threat-data tables: bulk inserts with one prepared statement per
//! table (run inside the caller's transaction) and reads that check every value.

use std::path::Path;

use rusqlite::{Connection, params};

use super::error::{MAX_KEY_CHARS, StoreError, printable, sqlite_error};
use super::feeds::kind_name;
use super::rows::{bad_row, parse_date};
use crate::core::advisory::Advisory;
use crate::core::threat::{Epss, FeedKind, KevEntry, Ssvc, TechnicalImpact};

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

pub(super) fn insert_kev(
    conn: &Connection,
    path: &Path,
    entries: &[KevEntry],
) -> Result<usize, StoreError> {
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

pub(super) fn insert_epss(
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

pub(super) fn insert_ssvc(
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

pub(super) fn insert_advisories(
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

pub(super) fn read_kev(conn: &Connection, path: &Path) -> Result<Vec<KevEntry>, StoreError> {
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

pub(super) fn read_epss(conn: &Connection, path: &Path) -> Result<Vec<(String, Epss)>, StoreError> {
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

pub(super) fn read_ssvc(conn: &Connection, path: &Path) -> Result<Vec<(String, Ssvc)>, StoreError> {
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
