//! Reading entries back as stored, without trusting them.

use rusqlite::types::ValueRef;

use super::db::{Journal, sqlite};
use super::error::Result;
use crate::core::journal::StoredRow;

impl Journal {
    /// Calls `visit` with every row from `first_seq` on, in sequence order. The row is reused
    /// between calls; columns of an unexpected type read as empty.
    pub fn for_each_row(&self, first_seq: u64, mut visit: impl FnMut(&StoredRow)) -> Result<()> {
        let path = &self.path;
        let mut statement = self
            .conn
            .prepare("SELECT seq, ts, operator, kind, subject, payload, prev, hash, sig FROM entries WHERE seq >= ?1 ORDER BY seq")
            .map_err(sqlite(path))?;
        let mut rows = statement
            .query([i64::try_from(first_seq).unwrap_or(i64::MAX)])
            .map_err(sqlite(path))?;
        let mut stored = StoredRow {
            seq: 0,
            ts: String::new(),
            operator: String::new(),
            kind: String::new(),
            subject: String::new(),
            payload: String::new(),
            prev: Vec::new(),
            hash: Vec::new(),
            sig: None,
        };
        while let Some(row) = rows.next().map_err(sqlite(path))? {
            let value = |index| row.get_ref(index).map_err(sqlite(path));
            stored.seq = match value(0)? {
                ValueRef::Integer(seq) => seq,
                _ => -1,
            };
            for (index, field) in [
                (1, &mut stored.ts),
                (2, &mut stored.operator),
                (3, &mut stored.kind),
                (4, &mut stored.subject),
                (5, &mut stored.payload),
            ] {
                field.clear();
                if let ValueRef::Text(text) = value(index)? {
                    field.push_str(&String::from_utf8_lossy(text));
                }
            }
            for (index, field) in [(6, &mut stored.prev), (7, &mut stored.hash)] {
                field.clear();
                if let ValueRef::Blob(bytes) = value(index)? {
                    field.extend_from_slice(bytes);
                }
            }
            stored.sig = match value(8)? {
                ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
                _ => None,
            };
            visit(&stored);
        }
        Ok(())
    }

    /// All rows from `first_seq` on (for `journal show --since`).
    pub fn rows_from(&self, first_seq: u64) -> Result<Vec<StoredRow>> {
        let mut rows = Vec::new();
        self.for_each_row(first_seq, |row| rows.push(row.clone()))?;
        Ok(rows)
    }
}
