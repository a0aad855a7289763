//! `secureupdate keygen`: key files, site.toml, refusing to overwrite, key rotation signed by
//! the old key, and all-or-nothing when a step fails.

mod cli_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cli_support::*;
use secureupdate::config::{Role, Site};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn keygen_writes_the_pair_and_names_it_in_site_toml() {
    let (_tmp, dir) = demo_site();
    let before = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    let out = ok(
        &dir,
        &[
            "keygen",
            "--operator",
            "dave",
            "--role",
            "approver",
            "--role",
            "deployer",
            "--unencrypted",
        ],
    );
    assert!(out.contains("UNENCRYPTED"), "{out}");
    let secret = dir.join("keys/dave.key");
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        std::fs::read_to_string(dir.join("keys/dave.pub"))
            .unwrap()
            .starts_with("untrusted comment:")
    );
    let site = Site::load(&dir).unwrap();
    let dave = site.config.operator("dave").unwrap();
    assert_eq!(dave.roles, vec![Role::Approver, Role::Deployer]);
    assert_eq!(dave.public_key.as_deref(), Some(Path::new("keys/dave.pub")));
    let after = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    assert!(
        after.starts_with(&before[..before.find("[[operator]]").unwrap()]),
        "the comments above the operators are kept"
    );

    // An existing operator keeps its roles when none are given.
    ok(&dir, &["keygen", "--operator", "bob", "--unencrypted"]);
    let site = Site::load(&dir).unwrap();
    assert_eq!(
        site.config.operator("bob").unwrap().roles,
        vec![Role::Deployer]
    );
}

#[test]
fn keygen_never_overwrites_a_key_file() {
    let (_tmp, dir) = demo_site();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/bob.key"), "not mine to replace").unwrap();
    let site_toml = read(&dir.join("site.toml"));
    let output = run(&dir, &["keygen", "--operator", "bob", "--unencrypted"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("keys/bob.key already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&dir.join("keys/bob.key")), b"not mine to replace");
    assert!(!dir.join("keys/bob.pub").exists());
    assert_eq!(read(&dir.join("site.toml")), site_toml);

    let elsewhere = dir.join("elsewhere.key");
    std::fs::write(&elsewhere, "taken").unwrap();
    let output = run(
        &dir,
        &[
            "keygen",
            "--operator",
            "carol",
            "--unencrypted",
            "--secret",
            elsewhere.to_str().unwrap(),
        ],
    );
    assert_code(&output, 2);
    assert!(!dir.join("keys/carol.pub").exists());
}

#[test]
fn a_password_is_needed_unless_the_key_is_for_training() {
    let (_tmp, dir) = demo_site();
    // No terminal to ask: refused, nothing written.
    let output = run(&dir, &["keygen", "--operator", "alice"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("--unencrypted"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("keys/alice.pub").exists());
    assert!(!dir.join("keys/alice.key").exists());
}

#[test]
fn bad_operator_names_and_roles_are_refused() {
    let (_tmp, dir) = demo_site();
    let output = run(&dir, &["keygen", "--operator", "../evil", "--unencrypted"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("operator `../evil`"),
        "{}",
        stderr(&output)
    );
    let output = run(
        &dir,
        &[
            "keygen",
            "--operator",
            "dave",
            "--role",
            "root",
            "--unencrypted",
        ],
    );
    assert_code(&output, 2);
    assert!(stderr(&output).contains("expected approver, signer or deployer"));
}

#[test]
fn a_second_keygen_rotates_the_key_with_an_entry_signed_by_the_old_one() {
    let (_tmp, dir) = demo_site();
    keygen(&dir, "alice");
    ok(
        &dir,
        &[
            "journal",
            "note",
            "--operator",
            "alice",
            "before the rotation",
        ],
    );
    let old_public = read(&dir.join("keys/alice.pub"));
    let out = ok(&dir, &["keygen", "--operator", "alice", "--unencrypted"]);
    assert!(
        out.contains("key rotation recorded as journal entry 2"),
        "{out}"
    );
    assert_ne!(read(&dir.join("keys/alice.pub")), old_public);

    let site = Site::load(&dir).unwrap();
    let retired = &site.config.operator("alice").unwrap().retired_keys;
    assert_eq!(retired.len(), 1);
    assert_eq!(read(&dir.join(&retired[0])), old_public);
    let old_secret = dir.join(&retired[0]).with_extension("key");
    assert!(
        old_secret.exists(),
        "the old secret key is moved, not deleted"
    );

    ok(
        &dir,
        &[
            "journal",
            "note",
            "--operator",
            "alice",
            "after the rotation",
        ],
    );
    let show = ok(&dir, &["journal", "show"]);
    assert!(show.contains("key_rotation"), "{show}");
    ok(&dir, &["journal", "verify"]);

    // The retired key no longer matches site.toml: it cannot sign for alice any more.
    let output = run(
        &dir,
        &[
            "journal",
            "note",
            "--operator",
            "alice",
            "--secret",
            old_secret.to_str().unwrap(),
            "x",
        ],
    );
    assert_code(&output, 2);
    assert!(stderr(&output).contains("is not the secret key of operator `alice`"));
}

#[test]
fn a_rotation_that_cannot_be_journaled_changes_nothing() {
    let (_tmp, dir) = demo_site();
    keygen(&dir, "alice");
    // A journal that cannot be opened: the rotation cannot be recorded.
    std::fs::create_dir(dir.join("journal.db")).unwrap();
    let site_toml = read(&dir.join("site.toml"));
    let (public, secret) = (
        read(&dir.join("keys/alice.pub")),
        read(&dir.join("keys/alice.key")),
    );
    let output = run(&dir, &["keygen", "--operator", "alice", "--unencrypted"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("nothing was changed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&dir.join("site.toml")), site_toml);
    assert_eq!(read(&dir.join("keys/alice.pub")), public);
    assert_eq!(read(&dir.join("keys/alice.key")), secret);
    let retired: Vec<_> = std::fs::read_dir(dir.join("keys/retired"))
        .map(|entries| entries.collect())
        .unwrap_or_default();
    assert!(retired.is_empty(), "{retired:?}");
}

#[test]
fn a_site_toml_that_cannot_be_written_leaves_no_key_behind() {
    let (_tmp, dir) = demo_site();
    // site.toml is replaced through `.site.toml.tmp`; a directory there makes the write fail.
    std::fs::create_dir(dir.join(".site.toml.tmp")).unwrap();
    let site_toml = read(&dir.join("site.toml"));
    let output = run(&dir, &["keygen", "--operator", "alice", "--unencrypted"]);
    assert_code(&output, 1);
    assert!(stderr(&output).contains("site.toml"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("nothing was changed"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("keys/alice.pub").exists());
    assert!(!dir.join("keys/alice.key").exists());
    assert_eq!(read(&dir.join("site.toml")), site_toml);
}
