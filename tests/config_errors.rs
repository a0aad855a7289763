//! Malformed site files: each error names the file, the line and column, the field and the
//! problem, and nothing loads.

mod config_support;

use config_support::{INVENTORY, POLICY, SITE, load_error, site_with, valid_site, write};
use secureupdate::config::{ConfigError, Position};

fn inventory_error(from: &str, to: &str) -> String {
    assert!(INVENTORY.contains(from), "fixture lacks {from:?}");
    load_error(&site_with(
        "inventory.toml",
        &INVENTORY.replacen(from, to, 1),
    ))
    .1
}

fn policy_error(from: &str, to: &str) -> String {
    assert!(POLICY.contains(from), "fixture lacks {from:?}");
    load_error(&site_with("policy.toml", &POLICY.replacen(from, to, 1))).1
}

fn site_error(from: &str, to: &str) -> String {
    assert!(SITE.contains(from), "fixture lacks {from:?}");
    load_error(&site_with("site.toml", &SITE.replacen(from, to, 1))).1
}

#[test]
fn broken_toml_syntax_names_file_line_and_column() {
    let message = inventory_error("name = \"web-01\"", "name = \"web-01");
    assert_eq!(
        message,
        "inventory.toml:2:15: invalid TOML: invalid basic string, expected `\"`"
    );
}

#[test]
fn unknown_field_is_named_with_the_fields_that_are_allowed() {
    let message = inventory_error("port = 2222", "prot = 2222");
    assert!(
        message.starts_with(
            "inventory.toml:16:1: asset[1].prot: unknown field `prot`, expected one of `name`, `address`, `port`"
        ),
        "{message}"
    );
}

#[test]
fn wrong_environment_lists_the_valid_ones() {
    let message = inventory_error("environment = \"production\"", "environment = \"prod\"");
    assert_eq!(
        message,
        "inventory.toml:6:15: asset[0].environment: unknown variant `prod`, expected `staging` or `production`"
    );
}

#[test]
fn unknown_os_says_which_forms_are_accepted() {
    let message = inventory_error("os = \"debian-12\"", "os = \"windows-11\"");
    assert!(
        message.starts_with(
            "inventory.toml:5:6: asset[0].os: `windows-11` is not a known OS release; expected debian-N, ubuntu-YY.MM or rhel-N"
        ),
        "{message}"
    );
}

#[test]
fn duplicate_asset_points_at_the_second_and_names_the_first() {
    let message = inventory_error("name = \"db-01\"", "name = \"web-01\"");
    assert_eq!(
        message,
        "inventory.toml:14:8: asset[1].name: asset `web-01` is already defined as asset[0]; expected unique names"
    );
}

#[test]
fn port_zero_and_port_above_65535_are_out_of_range() {
    assert_eq!(
        inventory_error("port = 2222", "port = 0"),
        "inventory.toml:16:8: asset[1].port: 0 is out of range; expected a port from 1 to 65535"
    );
    assert_eq!(
        inventory_error("port = 2222", "port = 70000"),
        "inventory.toml:16:8: asset[1].port: 70000 is out of range; expected a port from 1 to 65535"
    );
}

#[test]
fn address_with_leading_dash_is_refused_before_ssh_sees_it() {
    let message = inventory_error("address = \"10.0.0.1\"", "address = \"-oProxyCommand=sh\"");
    assert_eq!(
        message,
        "inventory.toml:3:11: asset[0].address: `-oProxyCommand=sh` starts with `-`; expected a host name or IP address"
    );
}

#[test]
fn bad_user_and_asset_names_are_refused() {
    let message = inventory_error("user = \"patch\"", "user = \"pa tch\"");
    assert!(
        message.starts_with("inventory.toml:4:8: asset[0].user: `pa tch` is not a valid ssh user"),
        "{message}"
    );
    let message = inventory_error("name = \"web-01\"", "name = \".hidden\"");
    assert!(
        message
            .starts_with("inventory.toml:2:8: asset[0].name: `.hidden` is not a valid asset name"),
        "{message}"
    );
}

#[test]
fn dpkg_version_with_empty_upstream_or_a_space_is_refused() {
    assert_eq!(
        inventory_error("\"1:9.2p1-2+deb12u2\"", "\"1:\""),
        "inventory.toml:10:20: asset[0].packages.openssh-server: `1:` is not a valid Dpkg version: \
         nothing after the epoch; expected a version as debian-12 writes it"
    );
    assert_eq!(
        inventory_error("\"2.36-9+deb12u3\"", "\"2.36 9\""),
        "inventory.toml:11:23: asset[0].packages.libc6.version: `2.36 9` is not a valid Dpkg version: \
         contains whitespace or control characters; expected a version as debian-12 writes it"
    );
}

#[test]
fn package_entry_of_the_wrong_shape_says_both_accepted_shapes() {
    let message = inventory_error("\"1:9.2p1-2+deb12u2\"", "5");
    assert_eq!(
        message,
        "inventory.toml:10:20: asset[0].packages.openssh-server: invalid type: integer `5`, \
         expected a version string or a table { version = \"...\", source = \"...\" }"
    );
}

#[test]
fn missing_required_field_points_at_the_asset() {
    let message = inventory_error("user = \"patch\"\nos = \"rhel-9\"", "os = \"rhel-9\"");
    assert_eq!(
        message,
        "inventory.toml:13:1: asset[1]: missing field `user`"
    );
}

#[test]
fn local_datetime_for_last_scan_is_refused() {
    let message = inventory_error("2026-11-20T02:00:00Z", "2026-11-20T02:00:00");
    assert!(
        message.starts_with(
            "inventory.toml:23:13: asset[1].last_scan: `2026-11-20T02:00:00` has no time zone"
        ),
        "{message}"
    );
}

#[test]
fn decision_table_with_a_gap_names_the_first_uncovered_combination() {
    let message = policy_error("[[decision]]\nclass = \"low\"\n", "");
    assert!(
        message.starts_with(
            "policy.toml:15:1: decision: no row matches kev = no, internet_facing = no, \
             automatable = no, total_impact = no; expected the rows to cover every combination"
        ),
        "{message}"
    );
}

#[test]
fn unknown_class_in_decision_lists_the_classes() {
    let message = policy_error("class = \"low\"", "class = \"urgent\"");
    assert_eq!(
        message,
        "policy.toml:20:9: decision[1].class: unknown variant `urgent`, expected one of \
         `critical`, `high`, `medium`, `low`, `on-upgrade`"
    );
}

#[test]
fn wave_above_100_percent_is_refused() {
    let message = policy_error("\"50%\"", "\"150%\"");
    assert_eq!(
        message,
        "policy.toml:28:13: rollout.waves[1]: `150%`: expected a host count such as 1 or a \
         percentage such as \"10%\" (1% to 100%)"
    );
}

#[test]
fn rollout_limits_are_checked() {
    assert_eq!(
        policy_error("max_fail_percentage = 10", "max_fail_percentage = 101"),
        "policy.toml:29:23: rollout.max_fail_percentage: 101 is out of range; expected a percentage from 0 to 100"
    );
    assert_eq!(
        policy_error("concurrency = 2", "concurrency = 0"),
        "policy.toml:30:15: rollout.concurrency: 0; expected at least 1 host at a time"
    );
    assert_eq!(
        policy_error("approvers = 1", "approvers = 0"),
        "policy.toml:24:13: approval.approvers: 0, but require_for names classes that need approval; expected at least 1"
    );
    let message = policy_error(
        "concurrency = 2",
        "concurrency = 2\n\n[journal]\ncheckpoint_every = 0",
    );
    assert!(
        message.starts_with("policy.toml:33:20: journal.checkpoint_every: 0; expected"),
        "{message}"
    );
}

#[test]
fn every_class_needs_an_sla_of_at_least_a_day() {
    let message = policy_error("[classes.low]\nsla_days = 90\n", "");
    assert!(
        message.contains("classes.low: missing; expected [classes.low] with sla_days"),
        "{message}"
    );
    assert_eq!(
        policy_error("sla_days = 14", "sla_days = 0"),
        "policy.toml:7:12: classes.high.sla_days: 0; expected a number of days of at least 1"
    );
}

#[test]
fn maintenance_windows_are_checked() {
    let window = "\n[[window]]\nname = \"weekend\"\ndays = [\"sat\"]\nstart = \"22:00\"\nduration_minutes = 20000\nenvironments = [\"production\"]\n";
    let message = load_error(&site_with("policy.toml", &format!("{POLICY}{window}"))).1;
    assert_eq!(
        message,
        "policy.toml:36:20: window[0].duration_minutes: 20000 is out of range; expected 1 to 10080 minutes (one week)"
    );
    let no_days = window.replace("[\"sat\"]", "[]").replace("20000", "60");
    let message = load_error(&site_with("policy.toml", &format!("{POLICY}{no_days}"))).1;
    assert!(
        message.starts_with("policy.toml:34:8: window[0].days: empty"),
        "{message}"
    );
}

#[test]
fn the_rollback_setting_takes_automatic_or_ask_and_defaults_to_ask() {
    use secureupdate::core::policy::RollbackMode;
    let bad = "\n[rollback]\non_failed_verify = \"sometimes\"\n";
    let message = load_error(&site_with("policy.toml", &format!("{POLICY}{bad}"))).1;
    assert!(
        message.starts_with("policy.toml:33:20: rollback.on_failed_verify: unknown variant `sometimes`, expected `automatic` or `ask`"),
        "{message}"
    );
    let good = "\n[rollback]\non_failed_verify = \"automatic\"\n";
    let dir = site_with("policy.toml", &format!("{POLICY}{good}"));
    let site = secureupdate::config::Site::load(dir.path()).unwrap();
    assert_eq!(
        site.policy.rollback.on_failed_verify,
        RollbackMode::Automatic
    );
    let site = secureupdate::config::Site::load(valid_site().path()).unwrap();
    assert_eq!(site.policy.rollback.on_failed_verify, RollbackMode::Ask);
}

#[test]
fn empty_policy_file_says_what_belongs_in_it() {
    let message = load_error(&site_with("policy.toml", "# nothing yet\n")).1;
    assert_eq!(
        message,
        "policy.toml: the file is empty; expected default_class, [classes.*], [[decision]], [approval] and [rollout]"
    );
}

#[test]
fn empty_site_file_says_what_belongs_in_it() {
    let (error, message) = load_error(&site_with("site.toml", ""));
    assert!(matches!(error, ConfigError::Invalid { .. }));
    assert!(
        message.starts_with("site.toml: the file is empty; expected `name`"),
        "{message}"
    );
}

#[test]
fn missing_operator_key_file_says_how_to_make_one() {
    let message = site_error("keys/alice.pub", "keys/alicia.pub");
    assert!(
        message.starts_with(
            "site.toml:6:14: operator[0].public_key: `keys/alicia.pub` does not exist"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("run `secureupdate keygen --operator alice` or fix the path"),
        "{message}"
    );
}

#[test]
fn malformed_key_file_is_refused_with_the_reason() {
    let dir = valid_site();
    write(dir.path(), "keys/alice.pub", "untrusted comment: x\nRWQ=\n");
    assert_eq!(
        load_error(&dir).1,
        "site.toml:6:14: operator[0].public_key: `keys/alice.pub`: line 2 decodes to 2 bytes; \
         expected 42 bytes starting with \"Ed\" (a minisign Ed25519 public key)"
    );
    write(dir.path(), "keys/alice.pub", "-----BEGIN PUBLIC KEY-----\n");
    assert!(
        load_error(&dir)
            .1
            .contains("line 1 must start with `untrusted comment:`")
    );
}

#[test]
fn trusted_feed_key_must_be_a_whole_minisign_key_pinned_once() {
    let message = site_error(&format!("[\"{FEED_KEY}\"]"), "[\"RWQf6LRCGA9i53ml\"]");
    assert!(
        message.starts_with(
            "site.toml:13:14: trust.feed_keys[0]: `RWQf6LRCGA9i53ml` decodes to 12 bytes; expected 42"
        ),
        "{message}"
    );
    let message = site_error(
        &format!("[\"{FEED_KEY}\"]"),
        &format!("[\"{FEED_KEY}\", \"{FEED_KEY}\"]"),
    );
    assert!(
        message.starts_with("site.toml:13:")
            && message.contains(
                "trust.feed_keys[1]: key 0202020202020202 is already pinned as feed_keys[0]"
            ),
        "{message}"
    );
}

const FEED_KEY: &str = "RWQCAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC";

#[test]
fn unknown_role_duplicate_operator_and_zero_timeout_are_refused() {
    assert_eq!(
        site_error("[\"deployer\"]", "[\"deploy\"]"),
        "site.toml:10:10: operator[1].roles[0]: unknown variant `deploy`, expected one of \
         `approver`, `signer`, `deployer`"
    );
    assert_eq!(
        site_error("name = \"bob\"", "name = \"alice\""),
        "site.toml:9:8: operator[1].name: operator `alice` is already defined as operator[0]; expected unique names"
    );
    assert_eq!(
        site_error("known_hosts = \"ssh/known_hosts\"", "connect_timeout_s = 0"),
        "site.toml:16:21: ssh.connect_timeout_s: 0; expected a number of seconds of at least 1"
    );
}

#[test]
fn site_without_operators_is_refused() {
    let without = SITE.split("[[operator]]").next().unwrap().to_string() + "[trust]\n[ssh]\n";
    let message = load_error(&site_with("site.toml", &without)).1;
    assert_eq!(
        message,
        "site.toml: operator: no operators; expected at least one [[operator]] with name and roles"
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let dir = valid_site();
    std::fs::write(
        dir.path().join("inventory.toml"),
        b"[[asset]]\nname = \"w\xffb\"\n",
    )
    .unwrap();
    let (error, message) = load_error(&dir);
    assert_eq!(
        message,
        "inventory.toml:2:10: byte 0xff is not valid UTF-8; expected a UTF-8 text file"
    );
    assert_eq!(
        error.location().and_then(|at| at.position),
        Some(Position {
            line: 2,
            column: 10
        })
    );
}

#[test]
fn missing_file_is_named() {
    let dir = valid_site();
    std::fs::remove_file(dir.path().join("policy.toml")).unwrap();
    let (error, message) = load_error(&dir);
    assert!(matches!(error, ConfigError::Io { .. }));
    assert!(
        message.starts_with("policy.toml: cannot read file:"),
        "{message}"
    );
}

#[test]
fn directory_without_site_toml_is_not_a_site() {
    let dir = tempfile::TempDir::new().unwrap();
    let error = secureupdate::config::Site::load(dir.path()).unwrap_err();
    assert!(matches!(error, ConfigError::NotASite { .. }));
    assert!(
        error
            .to_string()
            .contains("not a SecureUPDATE site: site.toml is missing")
    );
}

#[test]
fn top_level_key_below_a_table_gets_a_hint() {
    let message = load_error(&site_with(
        "site.toml",
        &format!("{SITE}theme = \"mono\"\n"),
    ))
    .1;
    assert_eq!(
        message,
        "site.toml:17:1: ssh.theme: unknown field `theme`, expected one of `known_hosts`, \
         `identity`, `config`, `connect_timeout_s`, `command_timeout_s`; `theme` is a top-level \
         key: move it above the first [table] header"
    );
}
