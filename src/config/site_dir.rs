//! A site directory: finding it, and loading its three files together.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::error::ConfigError;
use super::inventory::read_inventory;
use super::patches::{PATCHES_DIR, load_patches};
use super::policy::load_policy;
use super::site::{SiteConfig, resolve_in_site};
use crate::core::asset::Asset;
use crate::core::policy::Policy;
use crate::core::rollout::PatchDefinition;

pub const SITE_FILE: &str = "site.toml";
pub const POLICY_FILE: &str = "policy.toml";
pub const INVENTORY_FILE: &str = "inventory.toml";

/// The environment variable that names the site when `--site` is not given.
pub const SITE_ENV: &str = "SECUREUPDATE_SITE";

/// A loaded and validated site.
#[derive(Debug, Clone)]
pub struct Site {
    pub dir: PathBuf,
    pub config: SiteConfig,
    pub policy: Policy,
    pub assets: Vec<Asset>,
    /// Asset name to its own marker directory, for the assets that set `marker_dir`.
    pub marker_dirs: BTreeMap<String, String>,
    /// Patch definitions from `patches/*.toml`, in file name order.
    pub patches: Vec<PatchDefinition>,
}

impl Site {
    /// Loads site.toml, policy.toml, inventory.toml and patches/*.toml from `dir`; the first problem found is
    /// returned, naming its file.
    pub fn load(dir: &Path) -> Result<Site, ConfigError> {
        let site_file = dir.join(SITE_FILE);
        if !site_file.is_file() {
            return Err(ConfigError::NotASite {
                dir: dir.display().to_string(),
                missing: SITE_FILE.to_string(),
            });
        }
        let config = SiteConfig::load(&site_file, dir)?;
        let policy = load_policy(&dir.join(POLICY_FILE))?;
        let inventory = read_inventory(&dir.join(INVENTORY_FILE))?;
        let patches = load_patches(&dir.join(PATCHES_DIR))?;
        Ok(Site {
            dir: dir.to_path_buf(),
            config,
            policy,
            assets: inventory.assets,
            marker_dirs: inventory.marker_dirs,
            patches,
        })
    }

    /// The directory `asset` keeps its rollout markers in: its own, else the site default.
    pub fn marker_dir(&self, asset: &str) -> &str {
        self.marker_dirs
            .get(asset)
            .map_or(self.config.rollout.marker_dir.as_str(), String::as_str)
    }

    /// The patch definition with this id.
    pub fn patch(&self, id: &str) -> Option<&PatchDefinition> {
        self.patches.iter().find(|p| p.id == id)
    }

    /// A path written in a site file, resolved against the site directory.
    pub fn path(&self, path: &Path) -> PathBuf {
        resolve_in_site(&self.dir, path)
    }
}

/// The site directory: `--site DIR`, else `$SECUREUPDATE_SITE` (pass its value, so callers
/// and tests decide where it comes from), else the per-user data directory.
pub fn resolve_site_dir(
    flag: Option<PathBuf>,
    env_value: Option<OsString>,
) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    ProjectDirs::from("", "", "secureupdate")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or(ConfigError::NoSiteDir)
}
