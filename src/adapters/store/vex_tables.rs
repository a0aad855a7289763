//! VEX statements from CSAF documents: stored in document order as the core type's JSON, and
//! replaced with the rest of the CSAF kind.

use std::path::Path;

use rusqlite::{Connection, params};

use super::error::{StoreError, sqlite_error};
use super::feed_tables::{clear, record_error};
use super::feeds::kind_name;
use super::rows::bad_row;
use crate::core::threat::FeedKind;
use crate::core::vex::VexStatement;

/// Replaces the VEX statements.
pub(super) fn insert_vex(
    conn: &Connection,
    path: &Path,
    statements: &[VexStatement],
) -> Result<(), StoreError> {
    clear(conn, path, "vex")?;
    let mut insert = conn
        .prepare("INSERT INTO vex (position, body) VALUES (?1, ?2)")
        .map_err(|e| sqlite_error(path, "prepare a feed insert", e))?;
    for (position, statement) in statements.iter().enumerate() {
        let key = format!("{} {}", statement.document, statement.cve);
        let body = serde_json::to_string(statement).map_err(|source| StoreError::Encode {
            path: path.to_path_buf(),
            kind: kind_name(FeedKind::Csaf),
            key: key.clone(),
            source,
        })?;
        insert
            .execute(params![i64::try_from(position).unwrap_or(i64::MAX), body])
            .map_err(|e| record_error(path, FeedKind::Csaf, &key, e))?;
    }
    Ok(())
}

/// Every VEX statement, in stored order.
pub(super) fn read_vex(conn: &Connection, path: &Path) -> Result<Vec<VexStatement>, StoreError> {
    let read_error = |e| sqlite_error(path, "read VEX statements", e);
    let mut statement = conn
        .prepare("SELECT body FROM vex ORDER BY position")
        .map_err(read_error)?;
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(read_error)?;
    let mut statements = Vec::new();
    for row in rows {
        let body = row.map_err(read_error)?;
        statements.push(
            serde_json::from_str(&body)
                .map_err(|e| bad_row(path, "VEX statement", e.to_string()))?,
        );
    }
    Ok(statements)
}
