//! The schema of state.db, as numbered migrations. Migration N (1-based) brings
//! `PRAGMA user_version` from N-1 to N. Never edit a released migration: add one.

/// `(name, sql)` in the order they apply.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("threat data", THREAT_DATA),
    ("findings", FINDINGS),
    ("vulnrichment cvss", VULNRICHMENT_CVSS),
    ("rollouts", ROLLOUTS),
    ("feed bundles and csaf", FEED_BUNDLES_AND_CSAF),
    ("journaled step results", JOURNALED_RESULTS),
    ("run decisions", RUN_DECISIONS),
    ("run attempts", RUN_ATTEMPTS),
];

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

/// The `ssvc` feed kind becomes `vulnrichment` and also brings CVSS vectors. Its load
/// record and decisions are dropped, so the next refresh imports the records again,
/// this time with their vectors. `ssvc` keeps one row per vulnrichment record.
const VULNRICHMENT_CVSS: &str = "
CREATE TABLE feed_loads_new (
    kind TEXT PRIMARY KEY CHECK (kind IN ('kev', 'epss', 'osv', 'vulnrichment')),
    fingerprint TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    record_count INTEGER NOT NULL CHECK (record_count >= 0),
    epss_model_version TEXT,
    epss_score_date TEXT
) STRICT;
INSERT INTO feed_loads_new SELECT * FROM feed_loads WHERE kind <> 'ssvc';
DROP TABLE feed_loads;
ALTER TABLE feed_loads_new RENAME TO feed_loads;
DELETE FROM ssvc;

-- A record's vectors in the record's order: the CNA's first, then the ADPs'.
CREATE TABLE cve_cvss (
    cve TEXT NOT NULL REFERENCES ssvc (cve) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    vector TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('cna', 'adp')),
    PRIMARY KEY (cve, position),
    UNIQUE (cve, vector)
) STRICT, WITHOUT ROWID;
";

/// Plans as hashed (canonical JSON), runs (one per plan: its hash is the run's identity) and
/// each host×step's intent and result, so a crashed run resumes without running a step twice.
const ROLLOUTS: &str = "
CREATE TABLE plans (
    hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
    patch TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE runs (
    plan_hash TEXT PRIMARY KEY REFERENCES plans (hash),
    patch TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'halted', 'aborted')),
    wave INTEGER CHECK (wave >= 0),
    operator TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE host_steps (
    plan_hash TEXT NOT NULL REFERENCES runs (plan_hash),
    host TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('precheck', 'backup', 'upload', 'apply', 'verify', 'smoke', 'rollback')),
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    guard_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intent', 'finished', 'failed')),
    exit_code INTEGER,
    reason TEXT,
    unreachable INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1)),
    output_sha256 TEXT,
    output_lines INTEGER CHECK (output_lines >= 0),
    from_marker INTEGER CHECK (from_marker IN (0, 1)),
    intent_at TEXT NOT NULL,
    result_at TEXT,
    PRIMARY KEY (plan_hash, host, step, attempt)
) STRICT, WITHOUT ROWID;
";

/// The `csaf` feed kind with its advisories (apart from OSV's: ids such as RHSA-2024:4546 exist
/// in both) and VEX statements, and the last imported bundle of each feed id. The newest
/// `created` over all bundles is the clock floor.
const FEED_BUNDLES_AND_CSAF: &str = "
CREATE TABLE feed_loads_new (
    kind TEXT PRIMARY KEY CHECK (kind IN ('kev', 'epss', 'osv', 'vulnrichment', 'csaf')),
    fingerprint TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    record_count INTEGER NOT NULL CHECK (record_count >= 0),
    epss_model_version TEXT,
    epss_score_date TEXT
) STRICT;
INSERT INTO feed_loads_new SELECT * FROM feed_loads;
DROP TABLE feed_loads;
ALTER TABLE feed_loads_new RENAME TO feed_loads;

CREATE TABLE csaf_advisories (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The core VexStatement as JSON, in document order.
CREATE TABLE vex (
    position INTEGER PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;

CREATE TABLE feed_bundles (
    feed_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    manifest_sha256 TEXT NOT NULL CHECK (length(manifest_sha256) = 64),
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    -- {kind: record count} as JSON, for `feed status`.
    counts TEXT NOT NULL
) STRICT;
";

/// A step's result is committed here first, then journaled, then marked: a result stored but
/// never journaled (a crash or a journal error between) is journaled on the next run. Results
/// stored before this migration were journaled right after they were stored.
const JOURNALED_RESULTS: &str = "
ALTER TABLE host_steps ADD COLUMN journaled INTEGER NOT NULL DEFAULT 0 CHECK (journaled IN (0, 1));
UPDATE host_steps SET journaled = 1 WHERE state <> 'intent';
";

/// Decisions taken during a run (health gates, rollback questions), one per gate, kept with the
/// journal entry they make so a resumed run neither asks again nor loses the entry.
const RUN_DECISIONS: &str = "
CREATE TABLE run_decisions (
    plan_hash TEXT NOT NULL REFERENCES runs (plan_hash),
    gate TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    journaled INTEGER NOT NULL DEFAULT 0 CHECK (journaled IN (0, 1)),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (plan_hash, gate)
) STRICT, WITHOUT ROWID;
";

/// A halted run retried runs its failed hosts again under the next attempt number.
const RUN_ATTEMPTS: &str = "
ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1);
";

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::MIGRATIONS;
    use crate::adapters::store::StateStore;
    use crate::core::threat::FeedKind;
    use crate::engine::RunStore;

    /// A state.db as the release before vulnrichment CVSS left it, with KEV and SSVC loaded.
    fn version_2_database(path: &std::path::Path) {
        let conn = Connection::open(path).unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO feed_loads (kind, fingerprint, source, loaded_at, record_count)
                 VALUES ('kev', 'k1', 'feeds/kev', '2026-11-26T07:00:00Z', 1),
                        ('ssvc', 's1', 'feeds/vulnrichment', '2026-11-26T07:00:00Z', 1);
             INSERT INTO ssvc (cve, automatable, technical_impact)
                 VALUES ('CVE-2023-4911', 0, 'total');",
        )
        .unwrap();
    }

    #[test]
    fn upgrading_a_version_4_run_counts_its_stored_results_as_journaled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
        }
        let hash = "a".repeat(64);
        conn.execute_batch(&format!(
            "PRAGMA user_version = 4;
             INSERT INTO plans VALUES ('{hash}', 'p', '{{}}', 't');
             INSERT INTO runs (plan_hash, patch, state, operator, started_at, updated_at)
                 VALUES ('{hash}', 'p', 'halted', 'bob', 't', 't');
             INSERT INTO host_steps (plan_hash, host, step, attempt, guard_key, state, exit_code, intent_at)
                 VALUES ('{hash}', 'h1', 'apply', 1, 'k1', 'finished', 0, 't'),
                        ('{hash}', 'h2', 'apply', 1, 'k2', 'intent', NULL, 't');"
        ))
        .unwrap();
        drop(conn);

        let mut store = StateStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert!(store.unjournaled_results(&hash).unwrap().is_empty());
        assert_eq!(store.run_attempt(&hash).unwrap(), 1);
        assert_eq!(store.decision(&hash, "health after wave 1").unwrap(), None);
    }

    #[test]
    fn upgrading_forgets_the_ssvc_load_so_vulnrichment_is_imported_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        version_2_database(&path);

        let store = StateStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(
            store.feed_fingerprint(FeedKind::Vulnrichment).unwrap(),
            None
        );
        assert_eq!(
            store.feed_fingerprint(FeedKind::Kev).unwrap().as_deref(),
            Some("k1")
        );
        let kinds: Vec<FeedKind> = store
            .feed_status()
            .unwrap()
            .iter()
            .map(|s| s.kind)
            .collect();
        assert_eq!(kinds, [FeedKind::Kev]);
        assert!(store.threat_intel(&[]).unwrap().by_cve.is_empty());
    }
}
