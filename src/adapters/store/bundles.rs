//! Feed bundles in state.db: the last bundle imported per feed id (sequence, manifest hash,
//! created, expires) and the import itself, every kind it carries in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::database::StateStore;
use super::error::StoreError;
use super::feeds::{kind_name, write_feed};
use super::rows::{bad_row, parse_date};
use crate::core::feed_bundle::BundleFacts;
use crate::core::threat::{FeedKind, FeedRecords};

/// How a load from a bundle names its source in `feed_status` (`bundle <feed id> seq <n>`).
pub const BUNDLE_SOURCE_PREFIX: &str = "bundle ";

/// The last bundle imported for one feed id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleRecord {
    pub feed_id: String,
    pub seq: u64,
    pub manifest_sha256: String,
    pub created: DateTime<Utc>,
    pub expires: NaiveDate,
    pub imported_at: DateTime<Utc>,
    /// Records imported per kind.
    pub counts: BTreeMap<FeedKind, u64>,
}

impl BundleRecord {
    pub fn facts(&self) -> BundleFacts {
        BundleFacts {
            feed_id: self.feed_id.clone(),
            seq: self.seq,
            manifest_sha256: self.manifest_sha256.clone(),
            created: self.created,
            expires: self.expires,
        }
    }
}

type Row = (String, i64, String, String, String, String, String);

impl StateStore {
    /// Every feed id's last bundle, by feed id.
    pub fn bundles(&self) -> Result<Vec<BundleRecord>, StoreError> {
        let read_error = |e| self.error("read feed bundles", e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT feed_id, seq, manifest_sha256, created, expires, imported_at, counts
                 FROM feed_bundles ORDER BY feed_id",
            )
            .map_err(read_error)?;
        let rows = statement
            .query_map([], |row| row.try_into())
            .map_err(read_error)?;
        let mut records = Vec::new();
        for row in rows {
            records.push(self.decode_bundle(row.map_err(read_error)?)?);
        }
        Ok(records)
    }

    /// The last bundle imported for `feed_id`.
    pub fn last_bundle(&self, feed_id: &str) -> Result<Option<BundleRecord>, StoreError> {
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT feed_id, seq, manifest_sha256, created, expires, imported_at, counts
                 FROM feed_bundles WHERE feed_id = ?1",
                [feed_id],
                |row| row.try_into(),
            )
            .optional()
            .map_err(|e| self.error("read a feed bundle", e))?;
        row.map(|row| self.decode_bundle(row)).transpose()
    }

    /// The newest `created` of any bundle imported: no bundle older than this is accepted.
    pub fn clock_floor(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.bundles()?.into_iter().map(|b| b.created).max())
    }

    /// Replaces every kind in `records` and records `bundle` as its feed's last, in one
    /// transaction. `before_commit` runs last, inside it (to journal the import): if it fails,
    /// nothing is written.
    pub fn import_bundle(
        &mut self,
        bundle: &BundleFacts,
        records: &[FeedRecords],
        imported_at: DateTime<Utc>,
        before_commit: impl FnOnce(&BTreeMap<FeedKind, u64>) -> Result<(), String>,
    ) -> Result<BTreeMap<FeedKind, u64>, StoreError> {
        let tx = self.write()?;
        let source = format!(
            "{BUNDLE_SOURCE_PREFIX}{} seq {}",
            bundle.feed_id, bundle.seq
        );
        let mut counts = BTreeMap::new();
        for kind_records in records {
            let kind = kind_records.kind();
            let fingerprint = format!("{}:{}", bundle.manifest_sha256, kind_name(kind));
            let count = write_feed(
                &tx,
                &self.path,
                &fingerprint,
                &source,
                kind_records,
                imported_at,
            )?;
            counts.insert(kind, count);
        }
        let counts_json = serde_json::to_string(&counts).map_err(|source| StoreError::Encode {
            path: self.path.clone(),
            kind: "bundle",
            key: bundle.feed_id.clone(),
            source,
        })?;
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        tx.execute(
            "INSERT OR REPLACE INTO feed_bundles
                 (feed_id, seq, manifest_sha256, created, expires, imported_at, counts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                bundle.feed_id,
                i64::try_from(bundle.seq).unwrap_or(i64::MAX),
                bundle.manifest_sha256,
                time(bundle.created),
                bundle.expires.to_string(),
                time(imported_at),
                counts_json,
            ],
        )
        .map_err(|e| self.error("record the feed bundle", e))?;
        before_commit(&counts).map_err(|reason| StoreError::Aborted {
            path: self.path.clone(),
            reason,
        })?;
        tx.commit()
            .map_err(|e| self.error("commit the feed bundle", e))?;
        Ok(counts)
    }

    fn decode_bundle(&self, row: Row) -> Result<BundleRecord, StoreError> {
        let (feed_id, seq, manifest_sha256, created, expires, imported_at, counts) = row;
        let bad =
            |detail: String| bad_row(&self.path, "feed bundle", format!("{feed_id}: {detail}"));
        let time = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad(format!("{text:?}: {e}")))
        };
        Ok(BundleRecord {
            seq: u64::try_from(seq).map_err(|_| bad(format!("seq {seq}")))?,
            created: time(&created)?,
            expires: parse_date(&self.path, "feed bundle expiry", &expires)?,
            imported_at: time(&imported_at)?,
            counts: serde_json::from_str(&counts).map_err(|e| bad(format!("counts: {e}")))?,
            manifest_sha256,
            feed_id,
        })
    }
}
