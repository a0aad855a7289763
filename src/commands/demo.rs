//! `secureupdate demo [--scenario NAME]`: the training site in a fresh directory, opened in
//! the console with the simulated fleet behaving as the scenario says. The copy gets
//! unencrypted training keys for its deploying operator and an approver, so a trainee can run a
//! rollout end to end with nothing else. When standard output is not a terminal (a pipe, a
//! script), the ranking is printed instead.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use secureupdate::adapters::journal::OperatorSigner;
use secureupdate::config::{Role, SCENARIOS_DIR, write_files};

use super::console_rollout::Training;
use super::fleet::site_scenario;
use super::keygen::KeygenArgs;
use super::tui::ConsoleArgs;
use crate::assessment::Assessment;
use crate::demo_site;
use crate::exit::bad_input;
use crate::operator_key::default_secret_path;

/// The scenario when none is named.
const DEFAULT_SCENARIO: &str = "all-good";
/// The training site's deploying operator when `--operator` names none.
const TRAINEE: &str = "carol";

#[derive(Debug, thiserror::Error)]
#[error("no scenario `{given}`; expected one of: {known}")]
struct UnknownScenario {
    given: String,
    known: String,
}

/// The scenario names the training site ships.
fn scenario_names() -> Vec<String> {
    demo_site::files()
        .into_iter()
        .filter_map(|(path, _)| {
            path.strip_prefix(&format!("{SCENARIOS_DIR}/") as &str)?
                .strip_suffix(".toml")
                .map(String::from)
        })
        .collect()
}

pub fn run(
    dir: Option<&Path>,
    scenario: Option<&str>,
    as_of: Option<NaiveDate>,
    console: &ConsoleArgs,
    out: &mut impl Write,
) -> Result<()> {
    let scenario = scenario.unwrap_or(DEFAULT_SCENARIO);
    let known = scenario_names();
    if !known.iter().any(|k| k == scenario) {
        return Err(bad_input(UnknownScenario {
            given: scenario
                .chars()
                .take(80)
                .filter(|c| !c.is_control())
                .collect(),
            known: known.join(", "),
        }));
    }
    let (site_dir, temporary) = match dir {
        Some(dir) => (dir.to_path_buf(), false),
        None => (fresh_dir()?, true),
    };
    write_files(&site_dir, &demo_site::files()).map_err(bad_input)?;
    let result = show(&site_dir, scenario, as_of, console, out);
    if temporary {
        std::fs::remove_dir_all(&site_dir)
            .with_context(|| format!("removing the training site {}", site_dir.display()))?;
    }
    result
}

fn show(
    site_dir: &Path,
    scenario: &str,
    as_of: Option<NaiveDate>,
    console: &ConsoleArgs,
    out: &mut impl Write,
) -> Result<()> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        let mut console = console.clone();
        let trainee = console
            .operator
            .get_or_insert_with(|| TRAINEE.to_string())
            .clone();
        let approver = training_keys(site_dir, &trainee)?;
        let assessment = Assessment::run(site_dir, "demo", as_of)?;
        let training = Training {
            scenario: site_scenario(&assessment.site, scenario)?,
            approver: approver
                .map(|name| {
                    OperatorSigner::load(&name, &default_secret_path(site_dir, &name), None)
                })
                .transpose()?,
        };
        return super::tui::run(&assessment, &console, Some(training));
    }
    let assessment = Assessment::run(site_dir, "demo", as_of)?;
    writeln!(
        out,
        "SecureUPDATE training site: {}\n",
        assessment.site.config.name
    )?;
    super::patches::run(&assessment, false, false, out)?;
    writeln!(out)?;
    super::assets::run(&assessment, false, false, out)?;
    Ok(())
}

/// Unencrypted keys (training only) for the trainee and for the first approver who is not
/// the trainee, unless they have keys; returns that approver's name.
fn training_keys(site_dir: &Path, trainee: &str) -> Result<Option<String>> {
    let site = secureupdate::config::Site::load(site_dir).map_err(bad_input)?;
    let approver = site
        .config
        .operators
        .iter()
        .find(|o| o.name != trainee && o.has_role(Role::Approver))
        .map(|o| o.name.clone());
    for name in std::iter::once(trainee.to_string()).chain(approver.clone()) {
        let has_key = site
            .config
            .operator(&name)
            .is_some_and(|o| o.public_key.is_some());
        if has_key || site.config.operator(&name).is_none() {
            continue;
        }
        let args = KeygenArgs {
            operator: name,
            roles: Vec::new(),
            unencrypted: true,
            secret: None,
            old_secret: None,
        };
        super::keygen::run(site_dir, &args, &mut std::io::sink())?;
    }
    Ok(approver)
}

fn fresh_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    Ok(base.join(format!("secureupdate-demo-{stamp}-{}", std::process::id())))
}
