//! Loading a whole site, writing new ones with `init`, and finding the site directory.

mod config_support;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use secureupdate::config::{
    ConfigError, Role, Site, Theme, resolve_site_dir, write_files, write_site,
};
use secureupdate::core::asset::{Environment, Exposure, InstalledPackage};
use secureupdate::core::policy::{DecisionInputs, PriorityClass, WaveSize};
use tempfile::TempDir;

#[test]
fn valid_site_loads_into_the_core_types() {
    let dir = config_support::valid_site();
    let site = Site::load(dir.path()).unwrap();

    assert_eq!(site.config.name, "Test site");
    let alice = site.config.operator("alice").unwrap();
    assert!(alice.has_role(Role::Approver) && !alice.has_role(Role::Deployer));
    assert_eq!(
        site.path(alice.public_key.as_deref().unwrap()),
        dir.path().join("keys/alice.pub")
    );
    assert_eq!(site.config.operator("bob").unwrap().public_key, None);
    assert_eq!(site.config.ssh.connect_timeout_s, 10);
    assert_eq!(site.config.ssh.command_timeout_s, 600);
    assert_eq!(site.config.theme, Theme::Default);

    assert_eq!(
        site.policy
            .class_rule(PriorityClass::High)
            .unwrap()
            .sla_days,
        14
    );
    assert_eq!(
        site.policy.rollout.waves,
        [
            WaveSize::Hosts(1),
            WaveSize::Percent(50),
            WaveSize::Percent(100)
        ]
    );

    let [web, db] = site.assets.as_slice() else {
        panic!("expected two assets, got {:?}", site.assets)
    };
    assert_eq!((web.name.as_str(), web.port), ("web-01", 22));
    assert_eq!(
        web.exposure,
        Exposure::Internet,
        "missing exposure counts as internet"
    );
    assert!(web.groups.is_empty() && web.tags.is_empty());
    assert!(web.packages.contains(&InstalledPackage::new(
        "libc6",
        "2.36-9+deb12u3",
        Some("glibc".to_string())
    )));
    assert_eq!(db.port, 2222);
    assert_eq!(db.environment, Environment::Staging);
    assert_eq!(
        db.last_scan,
        Some(Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap())
    );
}

#[test]
fn a_site_written_by_init_loads_as_it_is() {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("new-site");
    write_site(&dir).unwrap();

    let site = Site::load(&dir).unwrap();
    assert_eq!(site.config.operators.len(), 1);
    assert_eq!(site.assets.len(), 3);
    assert_eq!(site.policy.default_class, PriorityClass::High);
    assert_eq!(site.policy.windows.len(), 1);
    for sub in [
        "feeds/kev",
        "feeds/epss",
        "feeds/osv",
        "feeds/vulnrichment",
        "feeds/csaf",
        "patches",
    ] {
        assert!(dir.join(sub).is_dir(), "{sub} missing");
    }
    assert!(dir.join("keys/README.md").is_file());
    let leftovers: Vec<_> = fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the site itself is left in the parent"
    );
}

#[test]
fn the_template_policy_follows_the_bod_26_04_table() {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("site");
    write_site(&dir).unwrap();
    let policy = Site::load(&dir).unwrap().policy;

    let class = |kev, internet_facing, automatable, total_impact| {
        policy
            .decide(DecisionInputs {
                kev,
                internet_facing,
                automatable: Some(automatable),
                total_impact: Some(total_impact),
            })
            .class
    };
    assert_eq!(class(true, true, true, true), PriorityClass::Critical);
    assert_eq!(class(true, false, false, false), PriorityClass::High);
    assert_eq!(class(false, true, true, true), PriorityClass::High);
    assert_eq!(class(false, true, false, false), PriorityClass::Medium);
    assert_eq!(class(false, false, true, true), PriorityClass::Medium);
    assert_eq!(class(false, false, false, false), PriorityClass::OnUpgrade);
    assert_eq!(class(false, false, true, false), PriorityClass::Low);
    let critical = policy.class_rule(PriorityClass::Critical).unwrap();
    assert_eq!((critical.sla_days, critical.forensic_triage), (3, true));
    let unknown_ssvc = DecisionInputs {
        kev: false,
        internet_facing: false,
        automatable: None,
        total_impact: Some(true),
    };
    assert_eq!(policy.decide(unknown_ssvc).class, PriorityClass::High);
}

#[test]
fn init_fills_an_existing_empty_directory() {
    let dir = TempDir::new().unwrap();
    write_site(dir.path()).unwrap();
    Site::load(dir.path()).unwrap();
}

#[test]
fn init_refuses_a_directory_that_is_not_empty_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let error = write_site(dir.path()).unwrap_err();
    assert!(matches!(error, ConfigError::DirectoryNotEmpty { .. }));
    assert!(
        error
            .to_string()
            .contains("refusing to write into a directory that is not empty")
    );
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"]);
}

#[test]
fn write_files_writes_all_files_or_nothing() {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("demo");
    let files: [(&str, &[u8]); 2] = [("site.toml", b"name = 1"), ("a/b/c.txt", b"deep")];
    write_files(&dir, &files).unwrap();
    assert_eq!(fs::read(dir.join("a/b/c.txt")).unwrap(), b"deep");

    let unsafe_entries: [&[(&str, &[u8])]; 3] = [
        &[("ok.txt", b"x"), ("../escape.txt", b"x")],
        &[("/etc/passwd", b"x")],
        &[("ok.txt", b"x"), ("ok.txt", b"twice")],
    ];
    for files in unsafe_entries {
        let target = parent.path().join("refused");
        assert!(write_files(&target, files).is_err(), "{files:?}");
        assert!(!target.exists(), "nothing written for {files:?}");
    }
    let names: Vec<_> = fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["demo"], "no temporary directories left behind");
}

#[test]
fn site_dir_comes_from_the_flag_then_the_environment_then_the_data_dir() {
    let flag = Some(PathBuf::from("/from/flag"));
    let env = Some(OsString::from("/from/env"));
    assert_eq!(
        resolve_site_dir(flag, env.clone()).unwrap(),
        Path::new("/from/flag")
    );
    assert_eq!(resolve_site_dir(None, env).unwrap(), Path::new("/from/env"));
    let fallback = resolve_site_dir(None, Some(OsString::new())).unwrap();
    assert!(fallback.ends_with("secureupdate"), "{}", fallback.display());
}
