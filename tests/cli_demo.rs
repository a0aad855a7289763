//! The ranking commands on the demo site, as an operator runs them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const AS_OF: &str = "2026-11-26";

fn secureupdate() -> Command {
    let mut cmd = Command::cargo_bin("secureupdate").expect("binary");
    cmd.args(["--log-file", "/dev/null"])
        .env_remove("SECUREUPDATE_SITE");
    cmd
}

fn demo_site() -> (TempDir, PathBuf) {
    let parent = TempDir::new().expect("temp dir");
    let dir = parent.path().join("site");
    secureupdate()
        .arg("init")
        .arg("--demo")
        .arg(&dir)
        .assert()
        .success();
    (parent, dir)
}

fn json(dir: &Path, command: &str) -> Vec<Value> {
    let output = secureupdate()
        .arg("--site")
        .arg(dir)
        .args(["--as-of", AS_OF, command, "--json"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    value.as_array().expect("a JSON array").clone()
}

const CLASS_ORDER: [&str; 5] = ["critical", "high", "medium", "low", "on-upgrade"];

fn class_index(entry: &Value) -> usize {
    let class = entry["class"].as_str().expect("class");
    CLASS_ORDER
        .iter()
        .position(|c| *c == class)
        .expect("a known class")
}

#[test]
fn patches_json_puts_kev_on_internet_facing_hosts_first_and_explains_every_rank() {
    let (_tmp, dir) = demo_site();
    let patches = json(&dir, "patches");
    assert!(patches.len() >= 10, "the demo has many pending patches");
    for (i, p) in patches.iter().enumerate() {
        assert_eq!(p["rank"].as_u64(), Some(i as u64 + 1), "ranks are 1..n");
        for field in [
            "id",
            "title",
            "class",
            "sla_days",
            "due",
            "overdue",
            "kev",
            "ransomware",
            "epss",
            "epss_percentile",
            "cvss",
            "assets",
            "reasons",
        ] {
            assert!(p.get(field).is_some(), "patch {} lacks {field}", p["id"]);
        }
        let reasons = p["reasons"].as_array().expect("reasons");
        assert!(reasons.len() >= 3, "patch {} has reasons", p["id"]);
        assert!(
            reasons
                .iter()
                .any(|r| r.as_str().is_some_and(|r| r.contains("due"))),
            "a deadline reason"
        );
    }
    // Classes never go back up the list.
    let classes: Vec<usize> = patches.iter().map(class_index).collect();
    assert!(
        classes.windows(2).all(|w| w[0] <= w[1]),
        "sorted by class: {classes:?}"
    );
    // KEV findings on internet-facing hosts lead the list, and no patch without a KEV
    // finding ranks above any of them (inside a class, criticality may put a KEV patch
    // for a mission-critical internal host between them).
    let kev_internet: Vec<bool> = patches
        .iter()
        .map(|p| p["kev"].as_bool() == Some(true) && p["internet_facing"].as_bool() == Some(true))
        .collect();
    assert!(
        kev_internet[..3].iter().all(|k| *k),
        "the top three are KEV on internet-facing hosts: {kev_internet:?}"
    );
    let last_kev_internet = kev_internet.iter().rposition(|k| *k).expect("some");
    assert!(
        patches[..last_kev_internet]
            .iter()
            .all(|p| p["kev"].as_bool() == Some(true)),
        "no patch without KEV outranks a KEV patch on an internet-facing host"
    );
    let top = &patches[0];
    assert_eq!(top["class"], "critical");
    assert!(top["reasons"].as_array().expect("reasons").iter().any(|r| {
        r.as_str()
            .is_some_and(|r| r.starts_with("in CISA KEV since"))
    }));
}

#[test]
fn assets_json_ranks_hosts_with_pending_patches_first() {
    let (_tmp, dir) = demo_site();
    let assets = json(&dir, "assets");
    assert!(assets.len() >= 40);
    let pending: Vec<bool> = assets
        .iter()
        .map(|a| a["pending"].as_u64().expect("pending") > 0)
        .collect();
    let first_clean = pending
        .iter()
        .position(|p| !p)
        .expect("some hosts are fully patched");
    assert!(
        pending[first_clean..].iter().all(|p| !p),
        "hosts with pending patches come first"
    );
    for a in &assets {
        assert!(!a["reasons"].as_array().expect("reasons").is_empty());
    }
    let top = &assets[0];
    assert_eq!(top["class"], "critical");
    // The top asset's worst patch is the top patch or shares its class.
    let patches = json(&dir, "patches");
    let ids: Vec<&str> = top["patches"]
        .as_array()
        .expect("patches")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        patches.iter().any(
            |p| ids.contains(&p["id"].as_str().unwrap_or_default()) && p["class"] == "critical"
        )
    );
}

#[test]
fn ranking_is_repeatable_and_first_seen_dates_persist() {
    let (_tmp, dir) = demo_site();
    let first = json(&dir, "patches");
    let again = json(&dir, "patches");
    assert_eq!(first, again);
    assert!(dir.join("state.db").exists());
    // A later date moves deadlines closer, never further.
    let output = secureupdate()
        .arg("--site")
        .arg(&dir)
        .args(["--as-of", "2027-06-01", "patches", "--json"])
        .output()
        .expect("run");
    let later: Vec<Value> = serde_json::from_slice(&output.stdout).expect("json");
    assert!(
        later.iter().all(|p| p["overdue"] == true),
        "everything is overdue by mid-2027"
    );
    let due = |list: &[Value]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = list
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap_or_default().to_string(),
                    p["due"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        due(&first),
        due(&later),
        "deadlines come from first-seen dates, not from the day of the run"
    );
}

#[test]
fn table_output_is_readable() {
    let (_tmp, dir) = demo_site();
    let patches = json(&dir, "patches");
    let top_id = patches[0]["id"].as_str().expect("id").to_string();
    let output = secureupdate()
        .arg("--site")
        .arg(&dir)
        .args(["--as-of", AS_OF, "patches", "--why"])
        .output()
        .expect("run");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let first_row = text.lines().nth(1).expect("a first row");
    assert!(
        first_row.starts_with("1 ") && first_row.contains("CRIT") && first_row.contains(&top_id),
        "{first_row}"
    );
    assert!(text.contains("      - in CISA KEV since"));
    assert!(text.lines().next().expect("header").contains("RANK"));
}

#[test]
fn the_site_can_come_from_the_environment() {
    let (_tmp, dir) = demo_site();
    let output = secureupdate()
        .env("SECUREUPDATE_SITE", &dir)
        .args(["--as-of", AS_OF, "assets", "--json"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_second_process_on_the_same_site_is_told_who_holds_it() {
    let (_tmp, dir) = demo_site();
    // `flock` holds the site's lock file the way a running console would.
    let lock = dir.join(".secureupdate.lock");
    fs::write(&lock, "").expect("lock file");
    let mut holder = Process::new("flock")
        .arg("--close")
        .arg(&lock)
        .args(["sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .expect("flock is installed (util-linux)");
    // Wait until the lock is really held.
    let mut held = false;
    for _ in 0..100 {
        let probe = Process::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .expect("flock");
        if !probe.success() {
            held = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(held, "the helper process holds the lock");
    let output = secureupdate()
        .arg("--site")
        .arg(&dir)
        .arg("patches")
        .output()
        .expect("run");
    holder.kill().expect("stop the holder");
    let _ = holder.wait();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    // Once the holder is gone the site is free again.
    secureupdate()
        .arg("--site")
        .arg(&dir)
        .arg("patches")
        .assert()
        .success();
}

#[test]
fn a_bad_feed_file_is_named_and_leaves_the_loaded_threat_data_alone() {
    let (_tmp, dir) = demo_site();
    let before = json(&dir, "patches");
    let epss_dir = dir.join("feeds/epss");
    let file = fs::read_dir(&epss_dir)
        .expect("epss dir")
        .next()
        .expect("an EPSS file")
        .expect("entry")
        .path();
    let name = file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    let text = fs::read_to_string(&file).expect("read");
    let stored_epss = || -> String {
        let db = rusqlite::Connection::open(dir.join("state.db")).expect("open state.db");
        db.query_row(
            "SELECT fingerprint FROM feed_loads WHERE kind = 'epss'",
            [],
            |row| row.get(0),
        )
        .expect("an EPSS load is recorded")
    };
    let loaded = stored_epss();
    fs::write(&file, format!("{text}CVE-2099-0001,1.5,0.2\n")).expect("write");
    let output = secureupdate()
        .arg("--site")
        .arg(&dir)
        .args(["--as-of", AS_OF, "patches"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&name), "names the file: {stderr}");
    assert_eq!(
        stored_epss(),
        loaded,
        "the store still holds the EPSS data loaded before"
    );
    // Restoring the file gives back exactly the ranking from before: nothing was half-written.
    fs::write(&file, &text).expect("restore");
    assert_eq!(json(&dir, "patches"), before);
}

#[test]
fn init_refuses_a_directory_that_is_not_empty() {
    let (_tmp, dir) = demo_site();
    let output = secureupdate().arg("init").arg(&dir).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&*dir.to_string_lossy()));
}
