//! The schema of state.db, as numbered migrations. Migration N (1-based) brings
//! `PRAGMA user_version` from N-1 to N. Never edit a released migration: add one.

/// `(name, sql)` in the order they apply.
pub const MIGRATIONS: &[(&str, &str)] = &[("threat data", THREAT_DATA), ("findings", FINDINGS)];

/// One row per feed kind: what was loaded last and from where.
const THREAT_DATA: &str = "
CREATE TABLE feed_loads (
    kind TEXT PRIMARY KEY CHECK (kind IN ('kev', 'epss', 'osv', 'ssvc')),
    fingerprint TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    record_count INTEGER NOT NULL CHECK (record_count >= 0),
    epss_model_version TEXT,
    epss_score_date TEXT
) STRICT;

-- The core Advisory as JSON: the matcher needs all of it and nothing queries inside it.
CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE kev (
    cve TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    name TEXT NOT NULL,
    date_added TEXT NOT NULL,
    due_date TEXT,
    ransomware INTEGER NOT NULL CHECK (ransomware IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE epss (
    cve TEXT PRIMARY KEY,
    score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
    percentile REAL NOT NULL CHECK (percentile BETWEEN 0 AND 1)
) STRICT, WITHOUT ROWID;

CREATE TABLE ssvc (
    cve TEXT PRIMARY KEY,
    automatable INTEGER CHECK (automatable IN (0, 1)),
    technical_impact TEXT CHECK (technical_impact IN ('partial', 'total'))
) STRICT, WITHOUT ROWID;
";

/// Dates are `YYYY-MM-DD` with a four-digit year, so text order is date order
/// (`record_findings` takes min/max of them in SQL).
const FINDINGS: &str = "
CREATE TABLE findings (
    asset TEXT NOT NULL,
    cve TEXT NOT NULL,
    package TEXT NOT NULL,
    advisory TEXT NOT NULL,
    installed TEXT NOT NULL,
    fixed TEXT,
    first_seen TEXT NOT NULL CHECK (first_seen GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    last_seen TEXT NOT NULL CHECK (last_seen GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    PRIMARY KEY (asset, cve, package)
) STRICT, WITHOUT ROWID;
";
