//! `apply` with a signed artifact: the checklist's "verify signatures and integrity" step admits
//! it into store/sha256/<hex> (journaled) before any host runs, and an altered artifact stops
//! the rollout with exit code 1 before anything ran.

mod cli_support;
mod signing_support;

use std::fs;
use std::path::{Path, PathBuf};

use cli_support::{apply_sim, approved_plan, assert_code, demo_site_with_keys, stderr, stdout};
use sha2::{Digest, Sha256};
use signing_support::{TestKey, run_expecting, secureupdate};
use tempfile::TempDir;

const PATCH: &str = "openssh-regresshion-debian";

struct Demo {
    _tmp: TempDir,
    site: PathBuf,
    artifact: PathBuf,
    sha256: String,
}

/// The demo site with keys for alice, bob and carol, a vendor key pinned for artifacts (by
/// `trust add`), and the patch shipping a signed artifact from the vetted `artifacts/` folder.
fn demo() -> Demo {
    let (tmp, site) = demo_site_with_keys();
    let vendor = TestKey::new(tmp.path(), "vendor");
    run_expecting(
        secureupdate(&site)
            .args(["trust", "add", "--role", "artifact", "--operator", "alice"])
            .arg(&vendor.public),
        0,
    );
    let artifact = site.join("artifacts/openssh-server_9.2p1-2+deb12u3_amd64.deb");
    fs::write(&artifact, b"pretend openssh-server package\n").unwrap();
    vendor.sign_with_command(&artifact, &["-t", "openssh-server 1:9.2p1-2+deb12u3"]);
    let sha256 = hex::encode(Sha256::digest(fs::read(&artifact).unwrap()));
    let patch = site.join(format!("patches/{PATCH}.toml"));
    let definition = fs::read_to_string(&patch).unwrap().replacen(
        "\n[steps]",
        &format!(
            "\n[artifact]\npath = \"artifacts/openssh-server_9.2p1-2+deb12u3_amd64.deb\"\nsha256 = \"{sha256}\"\nsignature = \"artifacts/openssh-server_9.2p1-2+deb12u3_amd64.deb.minisig\"\n\n[steps]"
        ),
        1,
    );
    fs::write(&patch, definition).unwrap();
    Demo {
        _tmp: tmp,
        site,
        artifact,
        sha256,
    }
}

fn approve_and_apply(site: &Path, code: i32) -> (String, String) {
    approved_plan(site, PATCH);
    let applied = apply_sim(site, PATCH, "bob", &["--emergency", "test"]);
    assert_code(&applied, code);
    (stdout(&applied), stderr(&applied))
}

/// The payloads of the journal's `verify artifact` entries.
fn verify_entries(site: &Path) -> Vec<serde_json::Value> {
    let journal = secureupdate::adapters::journal::Journal::open(&site.join("journal.db")).unwrap();
    let mut found = Vec::new();
    journal
        .for_each_row(1, |row| {
            if row.subject.ends_with("verify artifact") {
                found.push(serde_json::from_str(&row.payload).unwrap());
            }
        })
        .unwrap();
    found
}

#[test]
fn a_signed_artifact_is_admitted_into_the_store_and_journaled_before_the_rollout() {
    let d = demo();
    let (out, err) = approve_and_apply(&d.site, 0);
    assert!(
        out.contains("Artifact artifacts/openssh-server"),
        "{out}\n{err}"
    );
    let stored = d.site.join("store/sha256").join(&d.sha256);
    assert_eq!(fs::read(&stored).unwrap(), fs::read(&d.artifact).unwrap());
    let entries = verify_entries(&d.site);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["ok"], true);
    assert_eq!(entries[0]["sha256"], d.sha256.as_str());
}

#[test]
fn an_altered_artifact_stops_the_rollout_before_any_host_runs() {
    let d = demo();
    fs::write(&d.artifact, b"pretend openssh-server package!\n").unwrap();
    let (_, err) = approve_and_apply(&d.site, 1);
    assert!(err.contains("bad signature"), "{err}");
    assert!(!d.site.join("sim").exists(), "no host ran");
    assert!(!d.site.join("store/sha256").join(&d.sha256).exists());
    let entries = verify_entries(&d.site);
    assert_eq!(entries[0]["ok"], false);
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .contains("bad signature")
    );
}

#[test]
fn the_demo_ships_a_signed_artifact_and_a_corrupted_copy_halts_staging() {
    const UBUNTU: &str = "openssh-ubuntu";
    let (_tmp, site) = demo_site_with_keys();
    let plan = approved_plan(&site, UBUNTU);
    let halted = apply_sim(
        &site,
        UBUNTU,
        "bob",
        &["--emergency", "test", "--scenario", "hash-mismatch"],
    );
    assert_code(&halted, 1);
    let out = stdout(&halted);
    assert!(
        out.contains("Artifact artifacts/openssh-server_8.9p1-3ubuntu0.10_amd64.deb verified"),
        "{out}"
    );
    assert!(
        out.contains("web-stg-ubu-01 | == failed at upload"),
        "{out}"
    );
    assert!(
        stderr(&halted).contains("the rollout halted in wave 1"),
        "{}",
        stderr(&halted)
    );
    assert_eq!(verify_entries(&site)[0]["ok"], true);
    let sim = site.join("sim");
    for wave in &plan["plan"]["waves"].as_array().unwrap()[1..] {
        for host in wave["hosts"].as_array().unwrap() {
            let name = host["name"].as_str().unwrap();
            let untouched = secureupdate::adapters::sim::load_host(&sim, name)
                .map(|state| state.untouched())
                .unwrap_or(true);
            assert!(untouched, "{name}: production is never reached");
        }
    }
}
