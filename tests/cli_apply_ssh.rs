//! `secureupdate apply` on real hosts: the command line's default executor, ssh, against a
//! fleet of real sshd processes, with the site's own [ssh] settings (its known_hosts and
//! identity). Every claim about a host is read from the files its steps left behind.

mod rollout_support;
mod ssh_rollout_support;
mod ssh_support;

use rollout_support::verify_site_journal;
use ssh_rollout_support::{HOSTS, PATCH_ID, SshRollout};

#[test]
fn apply_over_ssh_patches_every_host_once_and_journals_it() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let site = rollout.site_dir();
    rollout.use_fleet_ssh();

    let output = assert_cmd::Command::cargo_bin("secureupdate")
        .unwrap()
        .args(["--log-file", "/dev/null", "--site"])
        .arg(site)
        .args(["apply", PATCH_ID, "--operator", "bob", "--yes"])
        .env_remove("SECUREUPDATE_SITE")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("Done:"), "{out}");
    assert!(
        out.contains(&format!("{} | ", rollout.name(0))),
        "host | line: {out}"
    );
    for i in 0..HOSTS {
        rollout.assert_patched(i);
    }
    let report = verify_site_journal(site);
    assert!(report.ok, "{:?}", report.problems);
}
