//! Opening state.db: pragmas, schema migrations, and the transactions every
//! other part of the store goes through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::error::{StoreError, sqlite_error};
use super::migrations::MIGRATIONS;

/// Waiting this long for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `PRAGMA synchronous` answers with a number; 2 is FULL.
const SYNCHRONOUS_FULL: i64 = 2;

/// How the connection is set up (see `StateStore::settings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub journal_mode: String,
    /// Every commit is synced to disk before it returns.
    pub synchronous_full: bool,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
}

/// The site's state database (`state.db`). One per process: hold the `SiteLock` first.
#[derive(Debug)]
pub struct StateStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

impl StateStore {
    /// Opens (or creates) the database at `path` in WAL mode with durable commits
    /// and brings its schema up to date.
    pub fn open(path: &Path) -> Result<StateStore, StoreError> {
        let conn =
            Connection::open(path).map_err(|e| sqlite_error(path, "open the database", e))?;
        let store = StateStore {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// The file this store works on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection settings as SQLite reports them, for diagnostics.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let pragma = |name: &'static str| {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map_err(|e| self.error("read connection settings", e))
        };
        let integer = |name| match pragma(name)? {
            rusqlite::types::Value::Integer(value) => Ok(value),
            other => Err(super::rows::bad_row(
                &self.path,
                "pragma",
                format!("{name} is {other:?}"),
            )),
        };
        let journal_mode = match pragma("journal_mode")? {
            rusqlite::types::Value::Text(mode) => mode,
            other => format!("{other:?}"),
        };
        Ok(Settings {
            journal_mode,
            synchronous_full: integer("synchronous")? == SYNCHRONOUS_FULL,
            foreign_keys: integer("foreign_keys")? == 1,
            busy_timeout_ms: integer("busy_timeout")?,
        })
    }

    /// The schema version the database is at (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| self.error("read the schema version", e))
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.error("set the busy timeout", e))?;
        // The first statement that reads the file: a file that is not SQLite fails here.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| self.error("switch to WAL", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal {
                path: self.path.clone(),
                mode,
            });
        }
        self.conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.error("set synchronous and foreign_keys", e))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        self.check_version(current)?;
        if current == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let number = index + 1;
            let tx = self.write()?;
            // Read inside the write transaction: another process may have migrated meanwhile.
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |row| row.get(0))
                .map_err(|e| sqlite_error(&self.path, "read the schema version", e))?;
            self.check_version(version)?;
            if version >= number as i64 {
                continue;
            }
            let migration_error = |source| StoreError::Migration {
                path: self.path.clone(),
                number,
                name,
                source: Box::new(source),
            };
            tx.execute_batch(sql).map_err(migration_error)?;
            tx.pragma_update(None, "user_version", number as i64)
                .map_err(migration_error)?;
            tx.commit().map_err(migration_error)?;
        }
        Ok(())
    }

    fn check_version(&self, version: i64) -> Result<(), StoreError> {
        let known = MIGRATIONS.len();
        if version < 0 {
            return Err(StoreError::BadRow {
                path: self.path.clone(),
                what: "schema version (PRAGMA user_version)",
                detail: format!("{version} is negative"),
            });
        }
        if version > known as i64 {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        Ok(())
    }

    /// Starts a write transaction. IMMEDIATE takes the write lock up front, so a busy
    /// database makes the write wait (up to the busy timeout) instead of failing midway.
    /// Callers take `&mut self` for the whole write, so transactions never nest.
    pub(super) fn write(&self) -> Result<Transaction<'_>, StoreError> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.error("start a write transaction", e))
    }

    /// Starts a read transaction, so several queries see one snapshot.
    pub(super) fn read(&self) -> Result<Transaction<'_>, StoreError> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(|e| self.error("start a read transaction", e))
    }

    pub(super) fn error(&self, action: &'static str, source: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, action, source)
    }
}
