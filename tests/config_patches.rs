//! Patch definitions (`patches/*.toml`) and the rollout settings of site.toml and
//! inventory.toml: valid files load, and every mistake names its file, line, column and field.

mod config_support;

use std::fs;
use std::path::Path;

use config_support::{INVENTORY, SITE, load_error, site_with, valid_site, write};
use secureupdate::config::{DEFAULT_MARKER_DIR, Site, write_files, write_site};
use secureupdate::core::asset::Environment;
use tempfile::TempDir;

const PATCH: &str = r#"id = "openssh-debian"
title = "OpenSSH update"
fixes = ["DSA-5724-1", "CVE-2024-6387"]

[targets]
os = ["debian-12"]
environments = ["production"]

[artifact]
path = "artifacts/openssh-server_9.2p1-2+deb12u3_amd64.deb"
sha256 = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

[steps]
backup = "tar -C /etc -czf /var/backups/etc-ssh.tar.gz ssh"
apply = "apt-get install -y openssh-server"
verify = "systemctl is-active ssh"
rollback = "tar -C /etc -xzf /var/backups/etc-ssh.tar.gz"
"#;

fn patch_error(from: &str, to: &str) -> String {
    assert!(PATCH.contains(from), "fixture lacks {from:?}");
    load_error(&site_with(
        "patches/openssh.toml",
        &PATCH.replacen(from, to, 1),
    ))
    .1
}

#[test]
fn a_patch_definition_loads_with_its_targets_artifact_and_steps() {
    let dir = site_with("patches/openssh.toml", PATCH);
    write(
        dir.path(),
        "patches/notes.md",
        "not a patch: only *.toml files are read",
    );
    let site = Site::load(dir.path()).unwrap();
    assert_eq!(site.patches.len(), 1);
    let patch = site.patch("openssh-debian").unwrap();
    assert_eq!(patch.fixes, ["DSA-5724-1", "CVE-2024-6387"]);
    assert_eq!(patch.targets.environments, [Environment::Production]);
    let targeted: Vec<&str> = site
        .assets
        .iter()
        .filter(|a| patch.targets.matches(a))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(targeted, ["web-01"], "db-01 is rhel-9 and staging");
    let artifact = patch.artifact.as_ref().unwrap();
    assert_eq!(
        artifact.file_name(),
        "openssh-server_9.2p1-2+deb12u3_amd64.deb"
    );
    assert_eq!(patch.steps.apply, "apt-get install -y openssh-server");
    assert!(patch.steps.precheck.is_none());
}

#[test]
fn a_site_without_a_patches_directory_has_no_definitions_and_the_default_marker_dir() {
    let dir = valid_site();
    assert!(!dir.path().join("patches").exists());
    let site = Site::load(dir.path()).unwrap();
    assert!(site.patches.is_empty());
    assert_eq!(site.marker_dir("web-01"), DEFAULT_MARKER_DIR);
}

#[test]
fn marker_dirs_come_from_the_asset_then_the_site() {
    let dir = site_with(
        "site.toml",
        &format!("{SITE}\n[rollout]\nmarker_dir = \"/srv/markers\"\n"),
    );
    write(
        dir.path(),
        "inventory.toml",
        &INVENTORY.replacen(
            "criticality = \"high\"",
            "criticality = \"high\"\nmarker_dir = \"/tmp/host-web-01/markers\"",
            1,
        ),
    );
    let site = Site::load(dir.path()).unwrap();
    assert_eq!(site.marker_dir("web-01"), "/tmp/host-web-01/markers");
    assert_eq!(site.marker_dir("db-01"), "/srv/markers");
}

#[test]
fn a_marker_dir_that_could_inject_shell_is_refused_with_its_place() {
    let dir = site_with(
        "inventory.toml",
        &INVENTORY.replacen(
            "criticality = \"high\"",
            "criticality = \"high\"\nmarker_dir = \"/tmp/$(reboot)\"",
            1,
        ),
    );
    let message = load_error(&dir).1;
    assert!(
        message.starts_with("inventory.toml:8:14: asset[0].marker_dir: `/tmp/$(reboot)` is not usable; expected an absolute directory"),
        "{message}"
    );
    let dir = site_with(
        "site.toml",
        &format!("{SITE}\n[rollout]\nmarker_dir = \"markers\"\n"),
    );
    let message = load_error(&dir).1;
    assert!(
        message.starts_with("site.toml:19:14: rollout.marker_dir: `markers` is not usable"),
        "{message}"
    );
}

#[test]
fn an_unknown_step_is_named_with_the_steps_that_exist() {
    let message = patch_error("verify = ", "verfiy = ");
    assert!(
        message.starts_with(
            "patches/openssh.toml:16:1: steps.verfiy: unknown field `verfiy`, expected one of `precheck`, `backup`, `apply`"
        ),
        "{message}"
    );
}

#[test]
fn a_missing_apply_step_is_reported() {
    let message = patch_error("apply = \"apt-get install -y openssh-server\"\n", "");
    assert!(
        message.starts_with("patches/openssh.toml:") && message.contains("missing field `apply`"),
        "{message}"
    );
}

#[test]
fn a_bad_sha256_names_the_field_and_the_expected_form() {
    let message = patch_error("sha256 = \"0a1b", "sha256 = \"0A1B");
    assert_eq!(
        message,
        "patches/openssh.toml:11:10: artifact.sha256: `0A1B2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9`: expected 64 lowercase hex digits (the output of sha256sum)"
    );
}

#[test]
fn a_backup_without_a_rollback_is_refused() {
    let message = patch_error(
        "rollback = \"tar -C /etc -xzf /var/backups/etc-ssh.tar.gz\"\n",
        "",
    );
    assert_eq!(
        message,
        "patches/openssh.toml:13:1: steps.rollback: missing, but `backup` is given; expected the commands that restore the backup"
    );
}

#[test]
fn targets_that_select_nothing_are_refused() {
    let message = patch_error(
        "os = [\"debian-12\"]\nenvironments = [\"production\"]\n",
        "",
    );
    assert_eq!(
        message,
        "patches/openssh.toml:5:1: targets: selects nothing; expected at least one of names, groups, tags, environments, os"
    );
}

#[test]
fn an_unknown_environment_and_a_bad_os_are_named() {
    let message = patch_error(
        "environments = [\"production\"]",
        "environments = [\"prod\"]",
    );
    assert!(
        message.starts_with(
            "patches/openssh.toml:7:17: targets.environments[0]: unknown variant `prod`"
        ),
        "{message}"
    );
    let message = patch_error("os = [\"debian-12\"]", "os = [\"debian\"]");
    assert!(
        message.starts_with(
            "patches/openssh.toml:6:7: targets.os[0]: `debian` is not a known OS release"
        ),
        "{message}"
    );
}

#[test]
fn control_characters_in_a_step_or_id_are_refused() {
    let message = patch_error(
        "apply = \"apt-get install -y openssh-server\"",
        "apply = \"apt-get install\\u001b[2J -y openssh-server\"",
    );
    assert!(
        message.starts_with("patches/openssh.toml:15:9: steps.apply: contains control characters"),
        "{message}"
    );
    let message = patch_error("id = \"openssh-debian\"", "id = \"-openssh\"");
    assert!(
        message.starts_with("patches/openssh.toml:1:6: id: `-openssh` is not a valid patch id"),
        "{message}"
    );
}

#[test]
fn two_files_with_one_id_are_refused_naming_both() {
    let dir = site_with("patches/a.toml", PATCH);
    write(dir.path(), "patches/b.toml", PATCH);
    let message = load_error(&dir).1;
    assert!(
        message
            .starts_with("patches/b.toml:1:6: id: patch `openssh-debian` is already defined in ")
            && message.ends_with("patches/a.toml; expected unique ids"),
        "{message}"
    );
}

#[test]
fn an_empty_or_oversized_patch_file_is_refused() {
    let message = load_error(&site_with("patches/empty.toml", "# nothing yet\n")).1;
    assert!(
        message.starts_with("patches/empty.toml: the file is empty"),
        "{message}"
    );
    let big = format!("{PATCH}\n# {}\n", "x".repeat(300 * 1024));
    let message = load_error(&site_with("patches/big.toml", &big)).1;
    assert!(message.starts_with("patches/big.toml: "), "{message}");
    assert!(
        message.contains("expected a patch definition of at most"),
        "{message}"
    );
}

#[test]
fn the_init_example_loads_once_copied_to_a_toml_file() {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("site");
    write_site(&dir).unwrap();
    assert!(Site::load(&dir).unwrap().patches.is_empty());
    fs::copy(
        dir.join("patches/example.toml.sample"),
        dir.join("patches/example.toml"),
    )
    .unwrap();
    let site = Site::load(&dir).unwrap();
    let patch = site.patch("openssh-debian-12").unwrap();
    let targeted = site
        .assets
        .iter()
        .filter(|a| patch.targets.matches(a))
        .count();
    assert_eq!(
        targeted, 2,
        "both Debian web hosts of the template inventory"
    );
}

#[test]
fn the_demo_site_patches_load_and_each_targets_hosts() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("site");
    let files: Vec<(String, Vec<u8>)> = walk(&demo)
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&demo).unwrap().display().to_string();
            (relative, fs::read(&path).unwrap())
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    write_files(&dir, &borrowed).unwrap();
    let site = Site::load(&dir).unwrap();
    assert!(site.patches.len() >= 4);
    for patch in &site.patches {
        let staging = site
            .assets
            .iter()
            .filter(|a| patch.targets.matches(a) && a.environment == Environment::Staging)
            .count();
        let production = site
            .assets
            .iter()
            .filter(|a| patch.targets.matches(a) && a.environment == Environment::Production)
            .count();
        assert!(
            staging >= 1 && production >= 3,
            "{}: {staging} staging, {production} production",
            patch.id
        );
        assert!(
            patch.steps.verify.is_some() && patch.steps.rollback.is_some(),
            "{}",
            patch.id
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
