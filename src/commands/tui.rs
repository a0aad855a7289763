//! `secureupdate [tui]`: the console on a site. Reads the keymap and theme, checks that
//! there is a terminal, and hands over to `secureupdate::tui`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use secureupdate::adapters::journal::OperatorSigner;
use secureupdate::app::Model;
use secureupdate::app::keymap::Keymap;
use secureupdate::config::{Role, ThemeSpec, load_theme};
use secureupdate::tui::style::Look;

use super::console_journal::{SiteJournal, checkpoint_on_exit};
use super::console_rollout::{SiteWork, Training};
use crate::assessment::Assessment;
use crate::exit::bad_input;
use crate::operator_key::unlock_operator;
use secureupdate::app::model::RolloutAccess;

/// How the operator wants the console to look and which keys it takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConsoleArgs {
    /// Console theme: default, light, high-contrast, mono, a name under the site's themes/,
    /// or a .toml file. Default: NO_COLOR selects mono, else site.toml's theme.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// ASCII borders and markers only (automatic when the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Key bindings to use instead of the defaults (else the site's keys.toml, if any).
    #[arg(long, global = true, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Who is at the keyboard: an operator named in site.toml, shown in the status bar. An
    /// operator with a key unlocks it at start (the password is asked then, never mid-run).
    #[arg(long, global = true, value_name = "NAME")]
    pub operator: Option<String>,
    /// The operator's secret key (default keys/NAME.key in the site).
    #[arg(long, global = true, value_name = "PATH")]
    pub secret: Option<PathBuf>,
}

/// Whether the locale promises UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set).
fn locale_is_utf8() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

fn keymap(args: &ConsoleArgs, site_dir: &Path) -> Result<Keymap> {
    let site_keys = site_dir.join("keys.toml");
    let file = match &args.keys {
        Some(file) => file.clone(),
        None if site_keys.is_file() => site_keys,
        None => return Ok(Keymap::default()),
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading the key bindings {}", file.display()))
        .map_err(|e| bad_input(std::io::Error::other(format!("{e:#}"))))?;
    Keymap::with_overrides(&file.display().to_string(), &text).map_err(bad_input)
}

fn theme(args: &ConsoleArgs, assessment: &Assessment) -> Result<ThemeSpec> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = match &args.theme {
        Some(name) => name.clone(),
        None if no_color => "mono".to_string(),
        None => assessment.site.config.theme.name().to_string(),
    };
    load_theme(&name, Some(&assessment.site.dir)).map_err(bad_input)
}

fn operator(args: &ConsoleArgs, assessment: &Assessment) -> Result<Option<String>> {
    let Some(name) = &args.operator else {
        return Ok(None);
    };
    if assessment.site.config.operator(name).is_none() {
        let known: Vec<&str> = assessment
            .site
            .config
            .operators
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        return Err(bad_input(std::io::Error::other(format!(
            "--operator {name}: no such operator in site.toml; expected one of: {}",
            known.join(", ")
        ))));
    }
    Ok(Some(name.clone()))
}

/// Everything the console needs, checked before the terminal is taken over, so that bad
/// input is reported on a normal screen with exit code 2.
pub fn prepare(assessment: &Assessment, args: &ConsoleArgs) -> Result<(Model, Look)> {
    let keymap = keymap(args, &assessment.site.dir)?;
    let theme = theme(args, assessment)?;
    let operator = operator(args, assessment)?;
    let fleet = super::console::fleet(assessment, operator);
    let look = Look::new(&theme, args.ascii || !locale_is_utf8());
    let model = Model::new(fleet, keymap, Utc::now(), 80, 24);
    Ok((model, look))
}

/// The console on the site; `training` for the demo's throwaway copy.
pub fn run(assessment: &Assessment, args: &ConsoleArgs, training: Option<Training>) -> Result<()> {
    let (mut model, look) = prepare(assessment, args)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(bad_input(std::io::Error::other(
            "the console needs a terminal; for scripts use `patches --json` or `assets --json`",
        )));
    }
    let signer = match &assessment.signer {
        Some(unlocked) => Some(unlocked.clone()),
        None => unlock(assessment, args)?,
    };
    model.access = access(assessment, signer.as_ref(), training.is_some());
    tracing::info!(site = %assessment.site.dir.display(), "console started");
    let journal = SiteJournal::new(&assessment.site.dir);
    let mut work = SiteWork::new(assessment, signer.clone(), training);
    secureupdate::tui::runtime::run(model, &look, &journal, &mut work)
        .map_err(|e| anyhow!("the console failed: {e}"))?;
    if let Some(signer) = signer {
        let is_signer = assessment
            .site
            .config
            .operator_with_role(signer.operator(), Role::Signer)
            .is_some();
        if is_signer {
            match checkpoint_on_exit(&assessment.site.dir, &assessment.site.config, &signer) {
                Ok(Some(path)) => println!("journal checkpoint written: {}", path.display()),
                Ok(None) => {}
                Err(error) => eprintln!("warning: no journal checkpoint was written: {error}"),
            }
        }
    }
    Ok(())
}

/// Whether the console may start rollouts, and if not, why (shown on screen).
fn access(
    assessment: &Assessment,
    signer: Option<&OperatorSigner>,
    training: bool,
) -> RolloutAccess {
    let Some(signer) = signer else {
        return RolloutAccess::ShowOnly(
            "no operator key is unlocked (start the console with --operator NAME of an operator with a key)"
                .to_string(),
        );
    };
    let deploys = assessment
        .site
        .config
        .operator_with_role(signer.operator(), Role::Deployer)
        .is_some();
    if deploys {
        RolloutAccess::Ready { training }
    } else {
        RolloutAccess::ShowOnly(format!(
            "operator `{}` does not have the deployer role in site.toml",
            signer.operator()
        ))
    }
}

/// Unlocks the `--operator`'s key before the terminal is taken over, when site.toml gives the
/// operator one: an operator without a key can look but not sign.
fn unlock(assessment: &Assessment, args: &ConsoleArgs) -> Result<Option<OperatorSigner>> {
    let Some(name) = &args.operator else {
        return Ok(None);
    };
    let has_key = assessment
        .site
        .config
        .operator(name)
        .is_some_and(|o| o.public_key.is_some());
    if !has_key {
        return Ok(None);
    }
    unlock_operator(&assessment.site, name, args.secret.as_deref()).map(Some)
}
