//! `inventory.toml`: the fleet's assets and their installed packages.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::document::{Document, Issue};
use super::error::{ConfigError, FieldPath};
use super::names::{check_address, check_marker_dir, check_name, check_text, check_word};
use crate::core::asset::{Asset, Criticality, Environment, Exposure, InstalledPackage, OsRelease};
use crate::core::version;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    #[serde(default)]
    asset: Vec<RawAsset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsset {
    name: String,
    address: String,
    // Wider than u16 so that 0 and 70000 get the range message rather than a type error.
    #[serde(default = "default_port")]
    port: i64,
    user: String,
    os: OsRelease,
    environment: Environment,
    criticality: Criticality,
    #[serde(default)]
    exposure: Exposure,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    last_scan: Option<toml::value::Datetime>,
    /// Where this host keeps rollout locks and markers, when not the site default.
    #[serde(default)]
    marker_dir: Option<String>,
    #[serde(default)]
    packages: BTreeMap<String, PackageSpec>,
}

fn default_port() -> i64 {
    22
}

/// `"1.2-3"` or `{ version = "1.2-3", source = "src" }`.
struct PackageSpec {
    version: String,
    source: Option<String>,
    /// Written as a table, so errors about the version point inside it.
    detailed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailedPackageSpec {
    version: String,
    #[serde(default)]
    source: Option<String>,
}

impl<'de> Deserialize<'de> for PackageSpec {
    // Hand-written rather than `untagged` so that mistakes get a precise message.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = PackageSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string or a table { version = \"...\", source = \"...\" }")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<PackageSpec, E> {
                Ok(PackageSpec {
                    version: v.to_string(),
                    source: None,
                    detailed: false,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PackageSpec, A::Error> {
                let detailed =
                    DetailedPackageSpec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(PackageSpec {
                    version: detailed.version,
                    source: detailed.source,
                    detailed: true,
                })
            }
        }
        d.deserialize_any(SpecVisitor)
    }
}

/// `inventory.toml` after validation.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub assets: Vec<Asset>,
    /// Asset name to its own marker directory, for the assets that set `marker_dir`.
    pub marker_dirs: BTreeMap<String, String>,
}

/// Reads and validates `inventory.toml`. A file without assets is a valid, empty fleet.
pub fn load_inventory(path: &Path) -> Result<Vec<Asset>, ConfigError> {
    read_inventory(path).map(|inventory| inventory.assets)
}

/// As [`load_inventory`], with the per-asset settings that are not part of the core asset.
pub fn read_inventory(path: &Path) -> Result<Inventory, ConfigError> {
    let document = Document::read(path)?;
    let raw: RawInventory = document.deserialize()?;
    let mut assets = Vec::with_capacity(raw.asset.len());
    let mut marker_dirs = BTreeMap::new();
    let mut first_index: HashMap<String, usize> = HashMap::new();
    for (i, raw_asset) in raw.asset.into_iter().enumerate() {
        let field = FieldPath::root().key("asset").index(i);
        if let Some(first) = first_index.get(&raw_asset.name) {
            return Err(document.invalid(Issue::new(
                field.key("name"),
                format!(
                    "asset `{}` is already defined as asset[{first}]; expected unique names",
                    raw_asset.name
                ),
            )));
        }
        first_index.insert(raw_asset.name.clone(), i);
        if let Some(dir) = &raw_asset.marker_dir {
            check_marker_dir(dir)
                .map_err(|e| document.invalid(Issue::new(field.clone().key("marker_dir"), e)))?;
            marker_dirs.insert(raw_asset.name.clone(), dir.clone());
        }
        let asset = to_asset(raw_asset, &field).map_err(|issue| document.invalid(issue))?;
        assets.push(asset);
    }
    Ok(Inventory {
        assets,
        marker_dirs,
    })
}

fn to_asset(raw: RawAsset, field: &FieldPath) -> Result<Asset, Issue> {
    let at = |key: &str| field.clone().key(key);
    check_name(&raw.name, "asset name").map_err(|e| Issue::new(at("name"), e))?;
    check_address(&raw.address).map_err(|e| Issue::new(at("address"), e))?;
    check_name(&raw.user, "ssh user").map_err(|e| Issue::new(at("user"), e))?;
    let port = u16::try_from(raw.port)
        .ok()
        .filter(|port| *port >= 1)
        .ok_or_else(|| {
            Issue::new(
                at("port"),
                format!(
                    "{} is out of range; expected a port from 1 to 65535",
                    raw.port
                ),
            )
        })?;
    for (list, values) in [("groups", &raw.groups), ("tags", &raw.tags)] {
        for (i, value) in values.iter().enumerate() {
            check_word(value).map_err(|e| {
                Issue::new(
                    at(list).index(i),
                    format!("{e}; expected a single word such as `web`"),
                )
            })?;
        }
    }
    if let Some(owner) = &raw.owner {
        check_text(owner).map_err(|e| Issue::new(at("owner"), e))?;
    }
    let last_scan = raw
        .last_scan
        .map(|when| utc_datetime(&when).map_err(|e| Issue::new(at("last_scan"), e)))
        .transpose()?;
    let format = raw.os.distro.package_format();
    let mut packages = Vec::with_capacity(raw.packages.len());
    for (name, spec) in raw.packages {
        let package = at("packages").key(name.clone());
        check_word(&name).map_err(|e| {
            Issue::new(
                package.clone(),
                format!("package name {e}; expected a binary package name"),
            )
        })?;
        if let Some(source) = &spec.source {
            check_word(source).map_err(|e| {
                Issue::new(
                    package.clone().key("source"),
                    format!("{e}; expected a source package name"),
                )
            })?;
        }
        version::validate(format, &spec.version).map_err(|e| {
            let field = if spec.detailed {
                package.clone().key("version")
            } else {
                package.clone()
            };
            let os = &raw.os;
            Issue::new(field, format!("{e}; expected a version as {os} writes it"))
        })?;
        packages.push(InstalledPackage::new(name, spec.version, spec.source));
    }
    Ok(Asset {
        name: raw.name,
        address: raw.address,
        port,
        user: raw.user,
        os: raw.os,
        environment: raw.environment,
        criticality: raw.criticality,
        exposure: raw.exposure,
        groups: raw.groups,
        tags: raw.tags,
        owner: raw.owner,
        last_scan,
        packages,
    })
}

/// A TOML offset date-time as UTC; local date-times are refused because the zone is unknown.
fn utc_datetime(value: &toml::value::Datetime) -> Result<DateTime<Utc>, String> {
    let expected = "expected a date-time with a zone, such as 2026-11-20T02:00:00Z";
    if value.date.is_none() || value.time.is_none() {
        return Err(format!("`{value}` is not a full date-time; {expected}"));
    }
    if value.offset.is_none() {
        return Err(format!("`{value}` has no time zone; {expected}"));
    }
    DateTime::parse_from_rfc3339(&value.to_string())
        .map(|when| when.with_timezone(&Utc))
        .map_err(|e| format!("`{value}`: {e}; {expected}"))
}
