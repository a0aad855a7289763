//! `journal.db`: opening, creating and migrating the SQLite file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::error::{JournalError, Result};
use crate::core::journal::JournalId;

/// Numbered migrations; `PRAGMA user_version` is how many have run.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;
    CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        operator TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev BLOB NOT NULL,
        hash BLOB NOT NULL,
        sig TEXT
    ) STRICT;
    -- Append-only by construction; the chain, not these triggers, is what proves it.
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
"];

/// An open journal database.
pub struct Journal {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    pub(super) id: JournalId,
}

pub(super) fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |source| match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            JournalError::Corrupt {
                path: path.to_path_buf(),
                detail: source.to_string(),
            }
        }
        _ => JournalError::Sqlite {
            path: path.to_path_buf(),
            source,
        },
    }
}

impl Journal {
    /// Creates a new journal with a random 128-bit id. Refuses an existing file.
    pub fn create(path: &Path) -> Result<Journal> {
        if path.exists() {
            return Err(JournalError::Exists {
                path: path.to_path_buf(),
            });
        }
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| JournalError::Random(e.to_string()))?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite(path))?;
        configure(&conn, path)?;
        migrate(&conn, path, Some(JournalId(id)))?;
        Journal::load(conn, path)
    }

    /// Opens an existing journal, running any pending migrations.
    pub fn open(path: &Path) -> Result<Journal> {
        if !path.exists() {
            return Err(JournalError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite(path))?;
        configure(&conn, path)?;
        migrate(&conn, path, None)?;
        Journal::load(conn, path)
    }

    /// Opens an existing journal for reading only: the file is never written, no migration
    /// runs and the journal mode is left as it is, so verifying a copy changes nothing in it.
    /// SQLite may add empty `-wal`/`-shm` files beside it to read a WAL-mode file; where it
    /// cannot (read-only media), the file is read as immutable, since nobody can be writing it.
    pub fn open_read_only(path: &Path) -> Result<Journal> {
        if !path.exists() {
            return Err(JournalError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let conn = match open_read_only_with(path, false) {
            Err(JournalError::Sqlite { source, .. })
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) =>
            {
                open_read_only_with(path, true)?
            }
            other => other?,
        };
        Journal::load(conn, path)
    }

    /// Opens the journal at `path`, creating it if there is none.
    pub fn open_or_create(path: &Path) -> Result<Journal> {
        if path.exists() {
            Journal::open(path)
        } else {
            Journal::create(path)
        }
    }

    fn load(conn: Connection, path: &Path) -> Result<Journal> {
        let value: Option<Vec<u8>> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'journal_id'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(sqlite(path))?;
        let id = value
            .and_then(|bytes| <[u8; 16]>::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| JournalError::Corrupt {
                path: path.to_path_buf(),
                detail: "no 16-byte journal id in table meta".to_string(),
            })?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
            id: JournalId(id),
        })
    }

    pub fn id(&self) -> JournalId {
        self.id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's own check of the file; `Err(Corrupt)` unless it answers `ok`.
    pub fn integrity_check(&self) -> Result<()> {
        let mut statement = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(sqlite(&self.path))?;
        let answers: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .map_err(sqlite(&self.path))?
            .collect::<rusqlite::Result<_>>()
            .map_err(sqlite(&self.path))?;
        if answers.len() == 1 && answers[0] == "ok" {
            Ok(())
        } else {
            let detail: String = answers.join("; ").chars().take(500).collect();
            Err(JournalError::Corrupt {
                path: self.path.clone(),
                detail,
            })
        }
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite(path))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .map_err(sqlite(path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(JournalError::NotWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(sqlite(path))
}

/// A read-only connection whose schema version is this program's. `immutable` skips SQLite's
/// locks and WAL (its side files), for files nobody can be writing.
fn open_read_only_with(path: &Path, immutable: bool) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let uri = format!(
        "file:{}{}?mode=ro{}",
        // An empty authority, so that a path starting with `//` stays a path.
        if path.is_absolute() { "//" } else { "" },
        uri_path(path),
        if immutable { "&immutable=1" } else { "" }
    );
    let conn = Connection::open_with_flags(uri, flags).map_err(sqlite(path))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite(path))?;
    // SQLite opens lazily: this first read is where a missing side file shows.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sqlite(path))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(JournalError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known,
        });
    }
    if version < known {
        return Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("not a journal of this version (schema version {version})"),
        });
    }
    Ok(conn)
}

/// `path` for a `file:` URI: bytes other than unreserved ones and `/` are percent-encoded.
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn migrate(conn: &Connection, path: &Path, new_id: Option<JournalId>) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .map_err(sqlite(path))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sqlite(path))?;
    if version > known {
        return Err(JournalError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known,
        });
    }
    if version < 0 || (version == 0 && new_id.is_none()) {
        return Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            detail: "not a journal (schema version 0)".to_string(),
        });
    }
    for (number, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(migration).map_err(sqlite(path))?;
        tx.pragma_update(None, "user_version", number as i64 + 1)
            .map_err(sqlite(path))?;
    }
    if let Some(id) = new_id {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('journal_id', ?1)",
            [id.0.as_slice()],
        )
        .map_err(sqlite(path))?;
    }
    tx.commit().map_err(sqlite(path))
}
