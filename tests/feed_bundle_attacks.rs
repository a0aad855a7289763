//! The attack list of issue 6 for feed bundles, each refused with its own message and exit
//! code 1 and nothing imported. Refusals of a well-signed bundle (rollback, equivocation,
//! expiry, replay) are journaled as security events; broken bundles are not.

mod bundle_support;
mod signing_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use bundle_support::{World, world};
use chrono::{Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use signing_support::{TestKey, journal_entries, run_expecting};

/// Imports `bundle` expecting exit 1 with `needle` in the message, and checks that nothing
/// was journaled beyond the `imported_before` entries.
fn refused(w: &World, bundle: &Path, needle: &str, imported_before: usize) {
    let (_, stderr) = run_expecting(&mut w.import(bundle), 1);
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert_eq!(
        journal_entries(&w.site).len(),
        imported_before,
        "nothing journaled"
    );
}

/// As [`refused`] for a bundle that is whole and well signed but must not be imported: the
/// refusal itself is journaled, signed by the importing operator.
fn refused_and_journaled(w: &World, bundle: &Path, needle: &str, imported_before: usize) {
    let (_, stderr) = run_expecting(&mut w.import(bundle), 1);
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    let entries = journal_entries(&w.site);
    assert_eq!(
        entries.len(),
        imported_before + 1,
        "the refusal is journaled"
    );
    let (_, kind, subject, payload) = &entries[imported_before];
    assert_eq!(kind, "feed_import");
    assert!(subject.starts_with("feed import refused"), "{subject}");
    assert!(payload.contains(needle), "{payload}");
}

#[test]
fn a_lower_seq_is_a_rollback() {
    let w = world();
    run_expecting(&mut w.import(&w.build(&w.src, 5)), 0);
    refused_and_journaled(
        &w,
        &w.build(&w.src, 4),
        "rollback refused: feed northwind seq 4 is older than seq 5",
        1,
    );
}

#[test]
fn the_same_seq_with_other_content_is_an_equivocation_alert() {
    let w = world();
    run_expecting(&mut w.import(&w.build(&w.src, 3)), 0);
    refused_and_journaled(
        &w,
        &w.build(&w.altered_src(), 3),
        "ALERT: equivocation: feed northwind seq 3",
        1,
    );
}

#[test]
fn an_expired_bundle_is_refused() {
    let w = world();
    let created = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let bundle = w.build_at(
        &w.src,
        1,
        created,
        NaiveDate::from_ymd_opt(2025, 2, 1).unwrap(),
    );
    refused_and_journaled(
        &w,
        &bundle,
        "expired: feed northwind seq 1 expired at 2025-02-01",
        0,
    );
}

#[test]
fn a_bundle_created_before_the_clock_floor_is_refused() {
    let w = world();
    let now = Utc::now().trunc_subsecs(0);
    let expires = (now + Duration::days(30)).date_naive();
    run_expecting(&mut w.import(&w.build_at(&w.src, 1, now, expires)), 0);
    let older = w.build_at(&w.src, 2, now - Duration::days(2), expires);
    refused_and_journaled(
        &w,
        &older,
        "is older than the newest bundle already seen",
        1,
    );
}

#[test]
fn a_manifest_with_files_from_another_bundle_is_mix_and_match() {
    let w = world();
    let first = w.build(&w.src, 1);
    let second = w.build(&w.altered_src(), 2);
    let name = w.file_of(&first, "osv-ubuntu-USN-6859-1");
    fs::copy(second.join(name.file_name().unwrap()), &name).unwrap();
    refused(&w, &first, "differs from the manifest's", 0);
}

#[test]
fn a_file_longer_than_declared_is_endless_data() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    let kev = w.file_of(&bundle, "kev-");
    let mut bytes = fs::read(&kev).unwrap();
    bytes.extend(std::iter::repeat_n(b' ', 4096));
    fs::write(&kev, bytes).unwrap();
    refused(&w, &bundle, "longer than the", 0);
    let (_, stderr) = run_expecting(&mut w.import(&bundle), 1);
    assert!(stderr.contains("(endless data)"), "{stderr}");
}

#[test]
fn dot_dot_and_absolute_names_in_a_signed_manifest_are_refused() {
    for bad in ["../x", "/abs"] {
        let w = world();
        let bundle = w.build(&w.src, 1);
        w.resign(&bundle, |m| m["files"][0]["name"] = bad.into());
        refused(
            &w,
            &bundle,
            &format!("files[0].name `{bad}` is not a safe flat name"),
            0,
        );
    }
}

#[test]
fn a_symlink_in_the_bundle_is_refused() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    let kev = w.file_of(&bundle, "kev-");
    let moved = w.dir.path().join("elsewhere.json");
    fs::rename(&kev, &moved).unwrap();
    symlink(&moved, &kev).unwrap();
    refused(&w, &bundle, "is a symbolic link", 0);
}

#[test]
fn a_fifo_in_the_bundle_is_refused() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    let made = std::process::Command::new("mkfifo")
        .arg(bundle.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    refused(&w, &bundle, "is not a regular file", 0);
}

#[test]
fn an_unlisted_file_is_refused() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    fs::write(bundle.join("extra.json"), b"{}").unwrap();
    refused(&w, &bundle, "extra.json: is not listed in the manifest", 0);
}

#[test]
fn a_bundle_signed_by_an_unpinned_key_is_an_unknown_key() {
    let w = world();
    let stranger = TestKey::new(w.dir.path(), "stranger");
    let bundle = w.build(&w.src, 1);
    let manifest = fs::read(bundle.join("manifest.json")).unwrap();
    let text = fs::read_to_string(bundle.join("manifest.json.minisig")).unwrap();
    let comment = text
        .lines()
        .nth(2)
        .unwrap()
        .trim_start_matches("trusted comment: ");
    let signature = w.signer(&stranger).sign(&manifest, comment).unwrap();
    fs::write(bundle.join("manifest.json.minisig"), signature).unwrap();
    refused(
        &w,
        &bundle,
        &format!("unknown key {}", stranger.pair.key_id),
        0,
    );
}

#[test]
fn an_altered_manifest_or_trusted_comment_is_refused() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    let path = bundle.join("manifest.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen("\"seq\": 1", "\"seq\": 9", 1)).unwrap();
    refused(&w, &bundle, "bad signature", 0);
    fs::write(&path, text).unwrap();
    let sig = bundle.join("manifest.json.minisig");
    let signature = fs::read_to_string(&sig).unwrap();
    fs::write(&sig, signature.replace("seq=1 ", "seq=2 ")).unwrap();
    refused(&w, &bundle, "the trusted comment was edited", 0);
}

#[test]
fn a_signed_bundle_with_a_malformed_file_imports_nothing() {
    let w = world();
    let bundle = w.build(&w.src, 1);
    let kev = w.file_of(&bundle, "kev-");
    let broken = b"{\"vulnerabilities\": [".to_vec();
    fs::write(&kev, &broken).unwrap();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&broken));
    let name = kev.file_name().unwrap().to_str().unwrap().to_string();
    w.resign(&bundle, |m| {
        for file in m["files"].as_array_mut().unwrap() {
            if file["name"] == name.as_str() {
                file["length"] = broken.len().into();
                file["sha256"] = sha.clone().into();
            }
        }
    });
    refused(&w, &bundle, "truncated?", 0);
    assert!(
        !w.site.join("state.db").exists()
            || secureupdate::adapters::store::StateStore::open(&w.site.join("state.db"))
                .unwrap()
                .bundles()
                .unwrap()
                .is_empty()
    );
}
