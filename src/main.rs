//! The `secureupdate` binary: parses arguments, sets up logging and wires the layers.

mod assessment;
mod cli;
mod commands;
mod demo_site;
mod exit;
mod logging;
mod operator_key;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init(cli.log_file.as_deref());
    match run(cli) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "command failed");
            eprintln!("error: {error:#}");
            ExitCode::from(exit::code_for(&error))
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match cli.command.unwrap_or(Command::Tui) {
        Command::Tui => {
            let assessment = open_site(&cli.site, "tui", cli.as_of)?;
            commands::tui::run(&assessment, &cli.console)
        }
        Command::Init { dir, demo } => commands::init::run(&dir, demo),
        Command::Demo { dir } => {
            commands::demo::run(dir.as_deref(), cli.as_of, &cli.console, &mut stdout)
        }
        Command::Assets { json, why } => {
            let assessment = open_site(&cli.site, "assets", cli.as_of)?;
            commands::assets::run(&assessment, json, why, &mut stdout)
        }
        Command::Keygen(args) => commands::keygen::run(&site_dir(&cli.site)?, &args, &mut stdout),
        Command::Journal(command) => {
            commands::journal::run(&site_dir(&cli.site)?, command, &mut stdout)
        }
        Command::Patches { json, why } => {
            let assessment = open_site(&cli.site, "patches", cli.as_of)?;
            commands::patches::run(&assessment, json, why, &mut stdout)
        }
        Command::Plan { patch, json } => {
            let assessment = open_site(&cli.site, "plan", cli.as_of)?;
            commands::plan::run(&assessment, &patch, json, &mut stdout)
        }
        Command::Approve {
            plan_hash,
            operator,
        } => {
            let env = std::env::var_os(secureupdate::config::SITE_ENV);
            let dir = secureupdate::config::resolve_site_dir(cli.site.clone(), env)
                .map_err(exit::bad_input)?;
            commands::approve::run(
                &dir,
                &plan_hash,
                &operator,
                cli.console.secret.as_deref(),
                &mut stdout,
            )
        }
        Command::Apply {
            patch,
            operator,
            yes,
            executor,
            emergency,
            scenario,
            retry,
        } => {
            let assessment = open_site(&cli.site, "apply", cli.as_of)?;
            let args = commands::apply::ApplyArgs {
                patch: &patch,
                operator: &operator,
                yes,
                executor,
                emergency: emergency.as_deref(),
                scenario: scenario.as_deref(),
                secret: cli.console.secret.as_deref(),
                retry,
            };
            commands::apply::run(&assessment, &args, &mut stdout)
        }
    }
}

/// The site directory from `--site`, else the environment, else the XDG data directory.
fn site_dir(flag: &Option<std::path::PathBuf>) -> Result<std::path::PathBuf> {
    let env = std::env::var_os(secureupdate::config::SITE_ENV);
    secureupdate::config::resolve_site_dir(flag.clone(), env).map_err(exit::bad_input)
}

fn open_site(
    flag: &Option<std::path::PathBuf>,
    command: &str,
    as_of: Option<chrono::NaiveDate>,
) -> Result<assessment::Assessment> {
    let assessment = assessment::Assessment::run(&site_dir(flag)?, command, as_of)?;
    if !assessment.warnings.is_empty() {
        eprintln!(
            "warning: {} advisory range(s) could not be used (bad versions in a feed); details in the log",
            assessment.warnings.len()
        );
    }
    Ok(assessment)
}
