//! `secureupdate init DIR [--demo]`: a new commented site, or a copy of the demo site.

use std::path::Path;

use anyhow::Result;
use secureupdate::config::{write_files, write_site};

use crate::demo_site;
use crate::exit::bad_input;

pub fn run(dir: &Path, demo: bool) -> Result<()> {
    if demo {
        write_files(dir, &demo_site::files()).map_err(bad_input)?;
    } else {
        write_site(dir).map_err(bad_input)?;
    }
    println!("Wrote a new site to {}.", dir.display());
    if demo {
        println!(
            "It is a copy of the demo site. Try: secureupdate --site {} patches",
            dir.display()
        );
    } else {
        println!(
            "Next: describe your hosts in inventory.toml, put threat data under feeds/, then run \
             `secureupdate --site {} patches`.",
            dir.display()
        );
    }
    Ok(())
}
