//! Rows of the threat-data tables: bulk inserts with one prepared statement per
//! table (run inside the caller's transaction) and reads that check every value.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, params};

use super::error::{MAX_KEY_CHARS, StoreError, printable, sqlite_error};
use super::feeds::kind_name;
use super::rows::{bad_row, parse_date};
use crate::core::advisory::Advisory;
use crate::core::threat::{
    CveRecord, CvssSource, Epss, FeedKind, KevEntry, SourcedVector, Ssvc, TechnicalImpact,
};

/// Names the record a constraint refused (a duplicate id, a score out of range).
pub(super) fn record_error(
    path: &Path,
    kind: FeedKind,
    key: &str,
    source: rusqlite::Error,
) -> StoreError {
    StoreError::Record {
        path: path.to_path_buf(),
        kind: kind_name(kind),
        key: printable(key, MAX_KEY_CHARS),
        source: Box::new(source),
    }
}

pub(super) fn clear(conn: &Connection, path: &Path, table: &'static str) -> Result<(), StoreError> {
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

/// One `ssvc` row per record (unknown decision points as NULL), then its vectors.
pub(super) fn insert_vulnrichment(
    conn: &Connection,
    path: &Path,
    records: &[CveRecord],
) -> Result<usize, StoreError> {
    clear(conn, path, "cve_cvss")?;
    clear(conn, path, "ssvc")?;
    let prepare_error = |e| sqlite_error(path, "prepare a feed insert", e);
    let mut insert_ssvc = conn
        .prepare("INSERT INTO ssvc (cve, automatable, technical_impact) VALUES (?1, ?2, ?3)")
        .map_err(prepare_error)?;
    let mut insert_vector = conn
        .prepare("INSERT INTO cve_cvss (cve, position, vector, source) VALUES (?1, ?2, ?3, ?4)")
        .map_err(prepare_error)?;
    for record in records {
        let refused = |e| record_error(path, FeedKind::Vulnrichment, &record.cve, e);
        let impact = record.ssvc.technical_impact.map(|impact| match impact {
            TechnicalImpact::Partial => "partial",
            TechnicalImpact::Total => "total",
        });
        insert_ssvc
            .execute(params![record.cve, record.ssvc.automatable, impact])
            .map_err(refused)?;
        for (position, vector) in record.cvss.iter().enumerate() {
            let source = match vector.source {
                CvssSource::Cna => "cna",
                CvssSource::Adp => "adp",
            };
            insert_vector
                .execute(params![
                    record.cve,
                    i64::try_from(position).unwrap_or(i64::MAX),
                    vector.vector,
                    source
                ])
                .map_err(refused)?;
        }
    }
    Ok(records.len())
}

/// Replaces the advisories of `kind`: OSV ones in `advisories`, CSAF ones in `csaf_advisories`.
pub(super) fn insert_advisories(
    conn: &Connection,
    path: &Path,
    kind: FeedKind,
    advisories: &[Advisory],
) -> Result<usize, StoreError> {
    let table = if kind == FeedKind::Csaf {
        "csaf_advisories"
    } else {
        "advisories"
    };
    clear(conn, path, table)?;
    let mut insert = conn
        .prepare(&format!("INSERT INTO {table} (id, body) VALUES (?1, ?2)"))
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for advisory in advisories {
        let body = serde_json::to_string(advisory).map_err(|source| StoreError::Encode {
            path: path.to_path_buf(),
            kind: kind_name(kind),
            key: advisory.id.clone(),
            source,
        })?;
        insert
            .execute(params![advisory.id, body])
            .map_err(|e| record_error(path, kind, &advisory.id, e))?;
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

/// The vulnrichment records in CVE order, each with its vectors in their stored order.
pub(super) fn read_vulnrichment(
    conn: &Connection,
    path: &Path,
) -> Result<Vec<CveRecord>, StoreError> {
    let mut records = read_ssvc(conn, path)?;
    let index: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .map(|(i, record)| (record.cve.clone(), i))
        .collect();
    let read_error = |e| sqlite_error(path, "read CVSS vectors", e);
    let mut statement = conn
        .prepare("SELECT cve, vector, source FROM cve_cvss ORDER BY cve, position")
        .map_err(read_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(read_error)?;
    for row in rows {
        let (cve, vector, source) = row.map_err(read_error)?;
        let source = match source.as_str() {
            "cna" => CvssSource::Cna,
            "adp" => CvssSource::Adp,
            other => {
                return Err(bad_row(path, "CVSS source", format!("{cve}: {other:?}")));
            }
        };
        let Some(&at) = index.get(&cve) else {
            return Err(bad_row(
                path,
                "CVSS vector",
                format!("{cve} has no vulnrichment record"),
            ));
        };
        records[at].cvss.push(SourcedVector { vector, source });
    }
    Ok(records)
}

fn read_ssvc(conn: &Connection, path: &Path) -> Result<Vec<CveRecord>, StoreError> {
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
    let mut records = Vec::new();
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
        records.push(CveRecord {
            cve,
            ssvc: Ssvc {
                automatable,
                technical_impact,
            },
            cvss: Vec::new(),
        });
    }
    Ok(records)
}

fn parse_flag(path: &Path, what: &'static str, value: i64) -> Result<bool, StoreError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(bad_row(path, what, format!("{other} is not 0 or 1"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::store::StateStore;

    fn sourced(vector: &str, source: CvssSource) -> SourcedVector {
        SourcedVector {
            vector: vector.to_string(),
            source,
        }
    }

    #[test]
    fn vulnrichment_records_round_trip_with_vector_order_and_source() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(&dir.path().join("state.db")).unwrap();
        let records = vec![
            CveRecord {
                cve: "CVE-2023-4911".to_string(),
                ssvc: Ssvc {
                    automatable: Some(false),
                    technical_impact: Some(TechnicalImpact::Total),
                },
                cvss: vec![
                    sourced(
                        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                        CvssSource::Cna,
                    ),
                    sourced(
                        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
                        CvssSource::Adp,
                    ),
                ],
            },
            CveRecord {
                cve: "CVE-2024-2961".to_string(),
                ssvc: Ssvc::default(),
                cvss: vec![sourced(
                    "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H",
                    CvssSource::Adp,
                )],
            },
        ];
        let path = store.path().to_path_buf();
        insert_vulnrichment(&store.conn, &path, &records).unwrap();
        assert_eq!(read_vulnrichment(&store.conn, &path).unwrap(), records);
    }
}
