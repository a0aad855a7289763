//! Training scenarios for the simulated fleet: the demo's load against the demo inventory, and
//! mistakes name their file, line, column and field.

use std::fs;
use std::path::Path;

use secureupdate::config::{FaultKind, Site, load_scenario};
use secureupdate::core::rollout::StepKind;
use tempfile::TempDir;

fn demo() -> Site {
    Site::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")).unwrap()
}

fn error(text: &str) -> String {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("bad.toml");
    fs::write(&path, text).unwrap();
    let error = load_scenario(&path, &["web-01"]).unwrap_err().to_string();
    error.replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn the_demo_scenarios_load_against_the_demo_inventory() {
    let site = demo();
    let hosts: Vec<&str> = site.assets.iter().map(|a| a.name.as_str()).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/scenarios");
    let mut names = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario = load_scenario(&path, &hosts).unwrap();
            assert_eq!(
                path.file_stem().unwrap().to_str().unwrap(),
                scenario.name,
                "file named after its scenario"
            );
            names.push(scenario.name);
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "all-good",
            "canary-fails",
            "hash-mismatch",
            "host-drops",
            "slow-verify",
            "verify-fails"
        ]
    );
    let canary = load_scenario(&dir.join("canary-fails.toml"), &hosts).unwrap();
    assert_eq!(
        canary.faults[0].kind,
        FaultKind::Fail {
            step: StepKind::Apply,
            exit_code: 100
        }
    );
}

#[test]
fn a_fault_on_a_host_that_is_not_in_the_inventory_is_named() {
    let message = error(
        "name = \"x\"\ndescription = \"d\"\n[[fault]]\nhost = \"web-99\"\nkind = \"drop\"\nstep = \"apply\"\n",
    );
    assert_eq!(
        message,
        "bad.toml:4:8: fault[0].host: `web-99` is not in the inventory; expected the name of an asset"
    );
}

#[test]
fn a_slow_fault_without_ms_and_an_unknown_kind_are_refused() {
    let message = error(
        "name = \"x\"\ndescription = \"d\"\n[[fault]]\nhost = \"web-01\"\nkind = \"slow\"\nstep = \"verify\"\n",
    );
    assert!(
        message.starts_with("bad.toml:3:1: fault[0]: a `slow` fault needs `ms`"),
        "{message}"
    );
    let message = error(
        "name = \"x\"\ndescription = \"d\"\n[[fault]]\nhost = \"web-01\"\nkind = \"explode\"\n",
    );
    assert!(
        message.starts_with("bad.toml:5:8: fault[0].kind: unknown variant `explode`"),
        "{message}"
    );
    let message = error(
        "name = \"x\"\ndescription = \"d\"\n[[fault]]\nhost = \"web-01\"\nkind = \"fail\"\nstep = \"apply\"\nexit_code = 0\n",
    );
    assert!(
        message.starts_with("bad.toml:7:13: fault[0].exit_code: 0 is success"),
        "{message}"
    );
}
