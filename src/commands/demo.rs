//! `secureupdate demo`: the training site in a fresh directory, opened in the console.
//! When standard output is not a terminal (a pipe, a script), the ranking is printed instead.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use secureupdate::config::write_files;

use super::tui::ConsoleArgs;
use crate::assessment::Assessment;
use crate::demo_site;
use crate::exit::bad_input;

pub fn run(
    dir: Option<&Path>,
    as_of: Option<NaiveDate>,
    console: &ConsoleArgs,
    out: &mut impl Write,
) -> Result<()> {
    let (site_dir, temporary) = match dir {
        Some(dir) => (dir.to_path_buf(), false),
        None => (fresh_dir()?, true),
    };
    write_files(&site_dir, &demo_site::files()).map_err(bad_input)?;
    let result = show(&site_dir, as_of, console, out);
    if temporary {
        std::fs::remove_dir_all(&site_dir)
            .with_context(|| format!("removing the training site {}", site_dir.display()))?;
    }
    result
}

fn show(
    site_dir: &Path,
    as_of: Option<NaiveDate>,
    console: &ConsoleArgs,
    out: &mut impl Write,
) -> Result<()> {
    let assessment = Assessment::run(site_dir, "demo", as_of)?;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return super::tui::run(&assessment, console);
    }
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

fn fresh_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    Ok(base.join(format!("secureupdate-demo-{stamp}-{}", std::process::id())))
}
