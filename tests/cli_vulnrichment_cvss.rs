//! CVSS vectors from the CISA vulnrichment records reach the ranking: on the demo site,
//! glibc's Looney Tunables (CVE-2023-4911) has no vector in its Debian advisory, only in
//! its vulnrichment record.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn secureupdate() -> Command {
    let mut command = Command::cargo_bin("secureupdate").expect("binary");
    command.args(["--log-file", "/dev/null"]);
    command
}

fn pending_patches(site: &Path) -> Vec<Value> {
    let output = secureupdate()
        .arg("--site")
        .arg(site)
        .args(["patches", "--json"])
        .output()
        .expect("run secureupdate patches");
    assert!(
        output.status.success(),
        "patches failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("patches --json prints JSON")
}

#[test]
fn demo_glibc_patch_for_debian_12_is_scored_with_the_vulnrichment_vector() {
    let parent = TempDir::new().expect("temp dir");
    let site = parent.path().join("site");
    secureupdate()
        .args(["init", "--demo"])
        .arg(&site)
        .assert()
        .success();

    let patches = pending_patches(&site);
    let glibc = patches
        .iter()
        .find(|p| p["os"] == "debian-12" && p["package"] == "glibc")
        .unwrap_or_else(|| panic!("no glibc patch for debian-12 in {patches:#?}"));
    assert_eq!(glibc["worst_cve"], "CVE-2023-4911", "{glibc:#}");
    assert_eq!(
        glibc["cvss_vector"], "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        "{glibc:#}"
    );
    assert_eq!(glibc["cvss_base"], 7.8, "{glibc:#}");
    assert!(glibc["cvss"].is_f64(), "{glibc:#}");
}
