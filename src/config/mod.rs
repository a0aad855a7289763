//! Site configuration: reading and validating site.toml, policy.toml, inventory.toml and
//! patches/*.toml into the core types, with errors that name the file, line, column and field;
//! and writing new sites (`init`).

mod atomic_write;
mod document;
mod error;
mod init;
mod inventory;
mod minisign_key;
mod names;
mod patches;
mod policy;
mod scenario;
mod site;
mod site_dir;
mod site_edit;
mod theme;

pub use atomic_write::write_atomically;
pub use error::{ConfigError, FieldPath, Location, PathSegment, Position};
pub use init::{write_files, write_site};
pub use inventory::{Inventory, load_inventory, read_inventory};
pub use minisign_key::{MinisignPublicKey, key_id_hex};
pub use patches::{PATCHES_DIR, load_patches};
pub use policy::load_policy;
pub use scenario::{Fault, FaultKind, SCENARIOS_DIR, Scenario, load_scenario};
pub use site::{
    DEFAULT_MARKER_DIR, Operator, PinnedKey, Role, RolloutSettings, SiteConfig, SshSettings, Theme,
    Trust, resolve_in_site,
};
pub use site_dir::{INVENTORY_FILE, POLICY_FILE, SITE_ENV, SITE_FILE, Site, resolve_site_dir};
pub use site_edit::{SiteEdit, TrustList};
pub use theme::{
    BUILTIN as BUILTIN_THEMES, ColorName, StyleSpec, TextModifier, ThemeError, ThemeRoles,
    ThemeSpec, load_theme, parse_theme,
};
