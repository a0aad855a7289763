//! Editing site.toml for `keygen` and `trust`: comments survive, the result loads, keys are
//! pinned in full and removed by key id.

mod config_support;

use config_support::{SITE, valid_site, write};
use secureupdate::config::{MinisignPublicKey, Role, Site, SiteEdit, TrustList};

fn key(seed: u8) -> MinisignPublicKey {
    let text = config_support::public_key_text(seed);
    MinisignPublicKey::parse(&text).unwrap()
}

#[test]
fn pinning_a_key_keeps_the_operators_comments_and_loads() {
    let dir = valid_site();
    let commented = SITE.replace("[trust]", "# keys we trust, reviewed by the CISO\n[trust]");
    write(dir.path(), "site.toml", &commented);

    let mut edit = SiteEdit::open(dir.path()).unwrap();
    assert!(edit.pin_key(TrustList::Artifact, &key(7), "vendor.pub: release key"));
    assert!(!edit.pin_key(TrustList::Artifact, &key(7), "again"));
    edit.save().unwrap();

    let text = std::fs::read_to_string(dir.path().join("site.toml")).unwrap();
    assert!(
        text.contains("# keys we trust, reviewed by the CISO"),
        "{text}"
    );
    assert!(text.contains("# vendor.pub: release key\n"), "{text}");
    assert!(text.contains(&key(7).to_base64()), "{text}");
    let site = Site::load(dir.path()).unwrap();
    assert_eq!(site.config.trust.artifact_keys.len(), 1);
    assert_eq!(site.config.trust.artifact_keys[0].key(), &key(7));
    assert_eq!(
        site.config.trust.feed_keys.len(),
        1,
        "the feed key is untouched"
    );
}

#[test]
fn removing_by_key_id_takes_the_key_from_every_list() {
    let dir = valid_site();
    let mut edit = SiteEdit::open(dir.path()).unwrap();
    edit.pin_key(TrustList::Artifact, &key(2), "same key as the feed key");
    edit.save().unwrap();

    let mut edit = SiteEdit::open(dir.path()).unwrap();
    let id = key(2).key_id_hex().to_lowercase();
    assert_eq!(
        edit.unpin_key(&id),
        vec![TrustList::Feed, TrustList::Artifact]
    );
    assert!(edit.unpin_key("00000000000000AA").is_empty());
    edit.save().unwrap();
    let site = Site::load(dir.path()).unwrap();
    assert!(site.config.trust.feed_keys.is_empty());
    assert!(site.config.trust.artifact_keys.is_empty());
}

#[test]
fn operators_are_added_or_get_their_key_updated() {
    let dir = valid_site();
    write(
        dir.path(),
        "keys/bob.pub",
        &config_support::public_key_text(3),
    );
    write(
        dir.path(),
        "keys/carol.pub",
        &config_support::public_key_text(4),
    );
    let mut edit = SiteEdit::open(dir.path()).unwrap();
    assert!(!edit.set_operator_key("bob", &[], "keys/bob.pub"));
    assert!(edit.set_operator_key("carol", &[Role::Signer, Role::Deployer], "keys/carol.pub"));
    edit.save().unwrap();

    let site = Site::load(dir.path()).unwrap();
    let bob = site.config.operator("bob").unwrap();
    assert_eq!(
        bob.roles,
        vec![Role::Deployer],
        "roles kept when none are given"
    );
    assert_eq!(
        bob.public_key.as_deref(),
        Some(std::path::Path::new("keys/bob.pub"))
    );
    let carol = site.config.operator("carol").unwrap();
    assert_eq!(carol.roles, vec![Role::Signer, Role::Deployer]);
}

#[test]
fn an_edit_that_would_break_the_site_is_refused_and_nothing_is_written() {
    let dir = valid_site();
    let before = std::fs::read_to_string(dir.path().join("site.toml")).unwrap();
    let mut edit = SiteEdit::open(dir.path()).unwrap();
    edit.set_operator_key("dave", &[Role::Signer], "keys/dave.pub");
    let message = edit.save().unwrap_err().to_string();
    assert!(
        message.contains("site.toml:")
            && message.contains("public_key: `keys/dave.pub` does not exist"),
        "{message}"
    );
    let after = std::fs::read_to_string(dir.path().join("site.toml")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_retired_key_is_listed_and_must_exist() {
    let dir = valid_site();
    write(
        dir.path(),
        "keys/bob.pub",
        &config_support::public_key_text(3),
    );
    write(
        dir.path(),
        "keys/retired/bob-1.pub",
        &config_support::public_key_text(5),
    );
    let mut edit = SiteEdit::open(dir.path()).unwrap();
    assert!(edit.retire_operator_key("bob", "keys/retired/bob-1.pub"));
    assert!(!edit.retire_operator_key("nobody", "keys/retired/bob-1.pub"));
    edit.set_operator_key("bob", &[], "keys/bob.pub");
    edit.save().unwrap();
    let site = Site::load(dir.path()).unwrap();
    let bob = site.config.operator("bob").unwrap();
    assert_eq!(
        bob.retired_keys,
        vec![std::path::PathBuf::from("keys/retired/bob-1.pub")]
    );

    let mut edit = SiteEdit::open(dir.path()).unwrap();
    edit.retire_operator_key("bob", "keys/retired/gone.pub");
    let message = edit.save().unwrap_err().to_string();
    assert!(
        message.contains("retired_keys[1]") && message.contains("does not exist"),
        "{message}"
    );
}
