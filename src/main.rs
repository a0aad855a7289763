//! The `secureupdate` binary: parses arguments, sets up logging and wires the layers.

mod assessment;
mod cli;
mod commands;
mod decision;
mod demo_site;
mod exit;
mod feed_gate;
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

fn run(mut cli: Cli) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let command = cli.command.take().unwrap_or(Command::Tui);
    match command {
        Command::Tui => {
            let assessment = open_ranked(&cli, "tui")?;
            commands::tui::run(&assessment, &cli.console, None)
        }
        Command::Init { dir, demo } => commands::init::run(&dir, demo),
        Command::Demo { dir, scenario } => commands::demo::run(
            dir.as_deref(),
            scenario.as_deref(),
            cli.as_of,
            &cli.console,
            &mut stdout,
        ),
        Command::Assets { json, why } => {
            let assessment = open_ranked(&cli, "assets")?;
            commands::assets::run(&assessment, json, why, &mut stdout)
        }
        Command::Keygen(args) => commands::keygen::run(&site_dir(&cli.site)?, &args, &mut stdout),
        Command::Journal(command) => {
            commands::journal::run(&site_dir(&cli.site)?, command, &mut stdout)
        }
        Command::Patches { json, why } => {
            let assessment = open_ranked(&cli, "patches")?;
            commands::patches::run(&assessment, json, why, &mut stdout)
        }
        Command::Plan { patch, json } => {
            let assessment = open_site(&cli, "plan")?;
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
            let assessment = open_site(&cli, "apply")?;
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
        Command::Verify(args) => commands::verify::run(&site_dir(&cli.site)?, &args, &mut stdout),
        Command::Feed { command } => commands::feed::run(
            &cli.site,
            &command,
            cli.console.secret.as_deref(),
            &mut stdout,
        ),
        Command::Trust { command } => commands::trust::run(
            &site_dir(&cli.site)?,
            &command,
            cli.console.secret.as_deref(),
            &mut stdout,
        ),
        Command::Rollback {
            patch,
            operator,
            host,
            wave,
            yes,
            executor,
        } => {
            let assessment = open_site(&cli, "rollback")?;
            let scope = match (host, wave) {
                (Some(host), _) => secureupdate::engine::RollbackScope::Host(host),
                (None, Some(wave)) => secureupdate::engine::RollbackScope::Wave(wave),
                (None, None) => secureupdate::engine::RollbackScope::Run,
            };
            let args = commands::rollback::RollbackArgs {
                patch: &patch,
                operator: &operator,
                scope,
                yes,
                executor,
                secret: cli.console.secret.as_deref(),
            };
            commands::rollback::run(&assessment, &args, &mut stdout)
        }
    }
}

/// The site directory from `--site`, else the environment, else the XDG data directory.
pub(crate) fn site_dir(flag: &Option<std::path::PathBuf>) -> Result<std::path::PathBuf> {
    let env = std::env::var_os(secureupdate::config::SITE_ENV);
    secureupdate::config::resolve_site_dir(flag.clone(), env).map_err(exit::bad_input)
}

fn open_site(cli: &Cli, command: &str) -> Result<assessment::Assessment> {
    let assessment = assessment::Assessment::run(&site_dir(&cli.site)?, command, cli.as_of)?;
    if !assessment.warnings.is_empty() {
        eprintln!(
            "warning: {} advisory range(s) could not be used (bad versions in a feed); details in the log",
            assessment.warnings.len()
        );
    }
    Ok(assessment)
}

/// [`open_site`] for the commands that rank: an expired feed bundle needs the operator's
/// journaled override first.
fn open_ranked(cli: &Cli, command: &str) -> Result<assessment::Assessment> {
    let mut assessment = open_site(cli, command)?;
    feed_gate::enforce(
        &mut assessment,
        cli.console.operator.as_deref(),
        cli.console.secret.as_deref(),
        cli.accept_expired_feed.as_deref(),
        command,
    )?;
    Ok(assessment)
}
