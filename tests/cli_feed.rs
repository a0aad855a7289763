//! `feed build`, `feed import` and `feed status` on the command line: a bundle built with the
//! publisher's key imports once (journaled), again as a no-op, verifies with `minisign -VH`, and
//! its data is what ranking uses afterwards.

mod bundle_support;
mod signing_support;

use std::fs;

use bundle_support::world;
use chrono::{Duration, Utc};
use signing_support::{command_verifies, journal_entries, run_expecting, secureupdate};

#[test]
fn build_import_status_and_a_second_import_is_a_no_op() {
    let w = world();
    let out = w.dir.path().join("bundle");
    let expires = (Utc::now() + Duration::days(14)).date_naive().to_string();
    let (stdout, _) = run_expecting(
        secureupdate(&w.site)
            .args(["feed", "build"])
            .arg(&w.src)
            .arg("--key")
            .arg(&w.publisher.secret)
            .args([
                "--feed-id",
                "northwind",
                "--seq",
                "7",
                "--expires",
                &expires,
                "--out",
            ])
            .arg(&out),
        0,
    );
    assert!(stdout.contains("Built feed northwind seq 7"), "{stdout}");
    assert!(command_verifies(
        &out.join("manifest.json"),
        &out.join("manifest.json.minisig"),
        &w.publisher.public
    ));
    let signature = fs::read_to_string(out.join("manifest.json.minisig")).unwrap();
    assert!(signature.contains(&format!(
        "trusted comment: feed=northwind seq=7 expires={expires}\n"
    )));

    let (stdout, _) = run_expecting(&mut w.import(&out), 0);
    assert!(stdout.contains("Imported feed northwind seq 7"), "{stdout}");
    assert!(stdout.contains("kev 1404"), "{stdout}");
    let entries = journal_entries(&w.site);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, "feed_import");
    assert_eq!(entries[0].2, "feed import northwind seq 7");
    assert!(entries[0].3.contains("\"seq\":7"), "{}", entries[0].3);

    let (stdout, _) = run_expecting(&mut w.import(&out), 0);
    assert!(stdout.contains("already imported"), "{stdout}");
    assert_eq!(
        journal_entries(&w.site).len(),
        1,
        "a no-op is not journaled"
    );

    let (stdout, _) = run_expecting(secureupdate(&w.site).args(["feed", "status"]), 0);
    assert!(stdout.contains("feed northwind seq 7"), "{stdout}");
    assert!(stdout.contains(&format!("expires {expires}")), "{stdout}");
    assert!(stdout.contains("bundle northwind seq 7"), "{stdout}");
    let (stdout, _) = run_expecting(secureupdate(&w.site).args(["feed", "status", "--json"]), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let bundle = &json["bundles"][0];
    assert_eq!(bundle["seq"], 7);
    assert_eq!(bundle["expired"], false);
    assert_eq!(bundle["records"]["kev"], 1404);
    assert_eq!(bundle["records"]["osv"], 4);
    assert_eq!(
        bundle["records"]["csaf"],
        2 + 41,
        "2 advisories and 41 fixed statements"
    );
}

#[test]
fn a_newer_bundle_replaces_the_data_and_the_feeds_folder_does_not_override_it() {
    let w = world();
    run_expecting(&mut w.import(&w.build(&w.src, 1)), 0);
    // A KEV file in the site's feeds/ folder must not replace what the signed bundle brought.
    let feeds = w.site.join("feeds/kev");
    fs::create_dir_all(&feeds).unwrap();
    fs::write(
        feeds.join("kev.json"),
        r#"{"title":"x","catalogVersion":"1","dateReleased":"2025-01-01T00:00:00.000Z","count":0,"vulnerabilities":[]}"#,
    )
    .unwrap();
    run_expecting(secureupdate(&w.site).args(["patches", "--json"]), 0);
    let (stdout, _) = run_expecting(secureupdate(&w.site).args(["feed", "status", "--json"]), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let kev = json["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "kev")
        .unwrap();
    assert_eq!(kev["records"], 1404, "{kev}");
    run_expecting(&mut w.import(&w.build(&w.src, 2)), 0);
    assert_eq!(journal_entries(&w.site).len(), 2);
}

#[test]
fn build_refuses_a_non_empty_output_or_a_bad_source_with_exit_2() {
    let w = world();
    let out = w.dir.path().join("full");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("x"), b"x").unwrap();
    let build = |src: &std::path::Path, out: &std::path::Path| {
        let mut command = secureupdate(&w.site);
        command
            .args(["feed", "build"])
            .arg(src)
            .arg("--key")
            .arg(&w.publisher.secret)
            .args([
                "--feed-id",
                "northwind",
                "--seq",
                "1",
                "--expires",
                "2099-01-01",
                "--out",
            ])
            .arg(out);
        command
    };
    let (_, stderr) = run_expecting(&mut build(&w.src, &out), 2);
    assert!(stderr.contains("is not empty"), "{stderr}");
    let broken = w.dir.path().join("broken");
    fs::create_dir_all(broken.join("kev")).unwrap();
    fs::write(broken.join("kev/kev.json"), b"[1,").unwrap();
    let (_, stderr) = run_expecting(&mut build(&broken, &w.dir.path().join("new")), 2);
    assert!(stderr.contains("kev/kev.json"), "{stderr}");
}

/// Records a bundle that expired yesterday, as if time had passed since its import.
fn expire_a_bundle(site: &std::path::Path) {
    use secureupdate::adapters::store::StateStore;
    use secureupdate::core::feed_bundle::BundleFacts;
    let mut store = StateStore::open(&site.join("state.db")).unwrap();
    let facts = BundleFacts {
        feed_id: "northwind".into(),
        seq: 1,
        manifest_sha256: "ab".repeat(32),
        created: Utc::now() - Duration::days(40),
        expires: (Utc::now() - Duration::days(1)).date_naive(),
    };
    store
        .import_bundle(&facts, &[], Utc::now() - Duration::days(40), |_| Ok(()))
        .unwrap();
}

#[test]
fn ranking_on_an_expired_feed_needs_a_journaled_override() {
    let w = world();
    expire_a_bundle(&w.site);
    let (_, stderr) = run_expecting(secureupdate(&w.site).args(["patches"]), 1);
    assert!(
        stderr.contains("feed northwind seq 1 expired on"),
        "{stderr}"
    );
    assert!(stderr.contains("--accept-expired-feed REASON"), "{stderr}");
    let (_, stderr) = run_expecting(
        secureupdate(&w.site).args(["patches", "--accept-expired-feed", "courier delayed"]),
        2,
    );
    assert!(stderr.contains("needs --operator NAME"), "{stderr}");
    assert!(journal_entries(&w.site).is_empty());
    let (_, stderr) = run_expecting(
        secureupdate(&w.site).args([
            "assets",
            "--accept-expired-feed",
            "courier delayed",
            "--operator",
            "alice",
        ]),
        0,
    );
    assert!(
        stderr.contains("ranking on EXPIRED feed northwind seq 1"),
        "{stderr}"
    );
    let entries = journal_entries(&w.site);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, "feed_override");
    assert!(entries[0].3.contains("courier delayed"), "{}", entries[0].3);
}
