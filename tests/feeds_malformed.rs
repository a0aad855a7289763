//! Malformed, hostile and oversized feed files: each gives a clear error naming the file
//! (and the line or JSON path), and nothing is loaded.

use std::path::{Path, PathBuf};

use secureupdate::adapters::feeds::{self, FeedError, SizeCaps, fingerprint, load, load_with};
use secureupdate::core::threat::{FeedKind, FeedRecords};
use serde_json::Value;
use tempfile::TempDir;

const KEV: &str = "feeds/kev/known_exploited_vulnerabilities.json";

fn real(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/real")
            .join(rel),
    )
    .unwrap()
}

/// A site's feeds/ folder holding one file.
fn feeds_with(rel: &str, bytes: &[u8]) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let feeds = tmp.path().join("feeds");
    let path = feeds.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    (tmp, feeds)
}

fn load_error(rel: &str, bytes: &[u8], kind: FeedKind) -> FeedError {
    let (_tmp, feeds) = feeds_with(rel, bytes);
    let err = load(&feeds, kind).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.file(), format!("feeds/{rel}"), "{text}");
    assert!(text.starts_with(&format!("feeds/{rel}")), "{text}");
    assert!(
        !text.chars().any(char::is_control),
        "raw control character in {text:?}"
    );
    err
}

fn kev_edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc: Value =
        serde_json::from_slice(&real("kev/known_exploited_vulnerabilities.json")).unwrap();
    edit(&mut doc);
    serde_json::to_vec_pretty(&doc).unwrap()
}

#[test]
fn truncated_kev_names_line_and_column() {
    let bytes = real("kev/known_exploited_vulnerabilities.json");
    let cut = &bytes[..bytes.len() / 2];
    let err = load_error(
        "kev/known_exploited_vulnerabilities.json",
        cut,
        FeedKind::Kev,
    );
    let FeedError::Syntax { line, column, .. } = &err else {
        panic!("{err}")
    };
    assert!(*line > 1000 && *column > 0, "{err}");
    assert!(err.to_string().contains("truncated?"), "{err}");
}

#[test]
fn kev_with_a_word_for_a_date() {
    let bytes = kev_edited(|doc| doc["vulnerabilities"][12]["dateAdded"] = "yesterday".into());
    let err = load_error(
        "kev/known_exploited_vulnerabilities.json",
        &bytes,
        FeedKind::Kev,
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{KEV}: vulnerabilities[12].dateAdded: expected a date YYYY-MM-DD, got \"yesterday\""
        )
    );
}

#[test]
fn kev_with_a_bad_cve_id_shows_it_safely() {
    let bytes =
        kev_edited(|doc| doc["vulnerabilities"][3]["cveID"] = "CVE-2021-4034\u{1b}[2J".into());
    let err = load_error(
        "kev/known_exploited_vulnerabilities.json",
        &bytes,
        FeedKind::Kev,
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{KEV}: vulnerabilities[3].cveID: expected a CVE id like CVE-2021-4034, got \"CVE-2021-4034␛[2J\""
        )
    );
}

#[test]
fn kev_with_an_unknown_ransomware_value() {
    let bytes =
        kev_edited(|doc| doc["vulnerabilities"][0]["knownRansomwareCampaignUse"] = "Yes".into());
    let err = load_error(
        "kev/known_exploited_vulnerabilities.json",
        &bytes,
        FeedKind::Kev,
    );
    assert!(
        err.to_string().contains(
            "vulnerabilities[0].knownRansomwareCampaignUse: expected \"Known\" or \"Unknown\""
        ),
        "{err}"
    );
}

fn epss_lines() -> Vec<String> {
    String::from_utf8(real("epss/epss_scores-2026-09-29.subset.csv"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn epss_without_model_version_line() {
    let text = epss_lines()[1..].join("\n");
    let err = load_error("epss/scores.csv", text.as_bytes(), FeedKind::Epss);
    assert!(
        err.to_string()
            .starts_with("feeds/epss/scores.csv:1: expected a first line like `#model_version:"),
        "{err}"
    );
}

#[test]
fn epss_score_above_one_names_its_line() {
    let mut lines = epss_lines();
    lines[9] = "CVE-1999-0008,1.5,0.9".to_string();
    let err = load_error(
        "epss/scores.csv",
        lines.join("\n").as_bytes(),
        FeedKind::Epss,
    );
    assert_eq!(
        err.to_string(),
        "feeds/epss/scores.csv:10: epss `1.5` is not a number from 0 to 1"
    );
}

#[test]
fn epss_non_numeric_percentile_names_its_line() {
    let mut lines = epss_lines();
    lines[4] = "CVE-1999-0003,0.1,high".to_string();
    let err = load_error(
        "epss/scores.csv",
        lines.join("\n").as_bytes(),
        FeedKind::Epss,
    );
    assert_eq!(
        err.to_string(),
        "feeds/epss/scores.csv:5: percentile `high` is not a number from 0 to 1"
    );
}

fn osv_edited(rel: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(&real(rel)).unwrap();
    edit(&mut doc);
    serde_json::to_vec_pretty(&doc).unwrap()
}

#[test]
fn osv_with_a_vector_that_does_not_score() {
    let bytes = osv_edited("osv/redhat/RHSA-2024_4546.json", |doc| {
        doc["severity"][0]["score"] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:X".into()
    });
    let err = load_error("osv/redhat/RHSA-2024_4546.json", &bytes, FeedKind::Osv);
    let text = err.to_string();
    assert!(text.starts_with("feeds/osv/redhat/RHSA-2024_4546.json: severity[0].score: record RHSA-2024:4546, CVE-2023-45288: invalid CVSS vector"), "{text}");
}

#[test]
fn osv_ubuntu_cves_map_vector_that_does_not_score_names_its_cve() {
    let bytes = osv_edited("osv/ubuntu/USN-4705-1.json", |doc| {
        doc["affected"][1]["database_specific"]["cves_map"]["cves"][1]["severity"][0]["score"] =
            "CVSS:3.1/AV:Q".into()
    });
    let err = load_error("osv/ubuntu/USN-4705-1.json", &bytes, FeedKind::Osv);
    let text = err.to_string();
    assert!(text.contains("affected[1].database_specific.cves_map.cves[1].severity[0].score: record USN-4705-1, CVE-2021-23239"), "{text}");
}

#[test]
fn osv_with_a_control_character_in_the_id() {
    let bytes = osv_edited("osv/ubuntu/USN-6859-1.json", |doc| {
        doc["id"] = "USN-6859-1\u{7}\u{202e}".into()
    });
    let err = load_error("osv/ubuntu/USN-6859-1.json", &bytes, FeedKind::Osv);
    assert!(
        err.to_string().contains("id: expected an advisory id"),
        "{err}"
    );
    assert!(err.to_string().contains("\"USN-6859-1␇<U+202E>\""), "{err}");
}

#[test]
fn osv_with_an_invalid_version_names_the_package() {
    let bytes = osv_edited("osv/debian/DSA-3029-1.json", |doc| {
        doc["affected"][0]["ranges"][0]["events"][1]["fixed"] = "1.2.1 wheezy3".into()
    });
    let err = load_error("osv/debian/DSA-3029-1.json", &bytes, FeedKind::Osv);
    assert!(
        err.to_string()
            .contains("affected[0].ranges[0].events[1].fixed: package nginx:"),
        "{err}"
    );
}

#[test]
fn vulnrichment_with_an_unknown_technical_impact() {
    let bytes = real("vulnrichment/2024/6xxx/CVE-2024-6387.json");
    let text = String::from_utf8(bytes).unwrap().replace(
        "\"Technical Impact\": \"total\"",
        "\"Technical Impact\": \"huge\"",
    );
    let err = load_error(
        "vulnrichment/2024/6xxx/CVE-2024-6387.json",
        text.as_bytes(),
        FeedKind::Ssvc,
    );
    assert!(
        err.to_string().ends_with(
            "options[2].Technical Impact: expected \"total\" or \"partial\", got \"huge\""
        ),
        "{err}"
    );
}

#[test]
fn oversized_file_is_refused_before_parsing() {
    let (_tmp, feeds) = feeds_with(
        "kev/known_exploited_vulnerabilities.json",
        &real("kev/known_exploited_vulnerabilities.json"),
    );
    let caps = SizeCaps {
        kev: 4096,
        ..SizeCaps::default()
    };
    let err = load_with(&feeds, FeedKind::Kev, caps).unwrap_err();
    assert!(
        matches!(err, FeedError::TooLarge { cap: 4096, .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with(&format!("{KEV}: ")), "{err}");
    assert!(err.to_string().contains("4096-byte limit"), "{err}");
    assert!(feeds::fingerprint_with(&feeds, FeedKind::Kev, caps).is_err());
}

#[test]
fn a_symlink_inside_feeds_is_refused() {
    let (tmp, feeds) = feeds_with(
        "osv/debian/DSA-3029-1.json",
        &real("osv/debian/DSA-3029-1.json"),
    );
    let outside = tmp.path().join("outside.json");
    std::fs::write(&outside, real("osv/ubuntu/USN-6859-1.json")).unwrap();
    std::os::unix::fs::symlink(&outside, feeds.join("osv/debian/link.json")).unwrap();
    for err in [
        load(&feeds, FeedKind::Osv).unwrap_err(),
        fingerprint(&feeds, FeedKind::Osv).unwrap_err(),
    ] {
        assert!(matches!(err, FeedError::Symlink { .. }), "{err}");
        assert_eq!(err.file(), "feeds/osv/debian/link.json");
    }
}

#[test]
fn a_symlinked_kind_folder_is_refused() {
    let (tmp, feeds) = feeds_with("kev/known_exploited_vulnerabilities.json", b"{}");
    std::os::unix::fs::symlink(tmp.path(), feeds.join("epss")).unwrap();
    let err = load(&feeds, FeedKind::Epss).unwrap_err();
    assert!(matches!(err, FeedError::Symlink { .. }), "{err}");
    assert_eq!(err.file(), "feeds/epss");
}

#[test]
fn a_socket_inside_feeds_is_refused() {
    let (_tmp, feeds) = feeds_with(
        "osv/debian/DSA-3029-1.json",
        &real("osv/debian/DSA-3029-1.json"),
    );
    let _listener = std::os::unix::net::UnixListener::bind(feeds.join("osv/sock.json")).unwrap();
    let err = load(&feeds, FeedKind::Osv).unwrap_err();
    assert!(matches!(err, FeedError::NotRegular { .. }), "{err}");
}

#[test]
fn hostile_file_names_are_shown_safely() {
    let (_tmp, feeds) = feeds_with("osv/evil\u{1b}]0;pwned\u{7}.json", b"{");
    let err = load(&feeds, FeedKind::Osv).unwrap_err();
    assert_eq!(err.file(), "feeds/osv/evil␛]0;pwned␇.json");
}

#[test]
fn missing_or_empty_feed_folders_have_no_fingerprint_and_no_records() {
    let (_tmp, feeds) = feeds_with("kev/notes.txt", b"not a feed file");
    assert_eq!(
        fingerprint(&feeds, FeedKind::Kev).unwrap(),
        None,
        "only .json files count"
    );
    assert_eq!(
        fingerprint(&feeds, FeedKind::Osv).unwrap(),
        None,
        "no osv folder"
    );
    assert_eq!(
        load(&feeds, FeedKind::Kev).unwrap(),
        FeedRecords::Kev(Vec::new())
    );
}

#[test]
fn fingerprint_changes_with_any_byte_or_name() {
    let record = real("osv/debian/DSA-3029-1.json");
    let (_a, feeds_a) = feeds_with("osv/debian/DSA-3029-1.json", &record);
    let (_b, feeds_b) = feeds_with("osv/debian/DSA-3029-2.json", &record);
    let mut edited = record.clone();
    edited[10] ^= 1;
    let (_c, feeds_c) = feeds_with("osv/debian/DSA-3029-1.json", &edited);
    let fp = |dir: &Path| fingerprint(dir, FeedKind::Osv).unwrap().unwrap();
    assert_ne!(fp(&feeds_a), fp(&feeds_b));
    assert_ne!(fp(&feeds_a), fp(&feeds_c));
}

#[test]
fn the_same_advisory_in_two_files_is_an_error() {
    let record = real("osv/debian/DSA-3029-1.json");
    let (_tmp, feeds) = feeds_with("osv/a/DSA-3029-1.json", &record);
    std::fs::create_dir_all(feeds.join("osv/b")).unwrap();
    std::fs::write(feeds.join("osv/b/copy.json"), &record).unwrap();
    let err = load(&feeds, FeedKind::Osv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "feeds/osv/b/copy.json: id: DSA-3029-1 already came from an earlier file of this feed"
    );
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let bytes = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = load_error("osv/deep.json", bytes.as_bytes(), FeedKind::Osv);
    assert!(matches!(err, FeedError::Syntax { .. }), "{err}");
}
