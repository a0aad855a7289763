//! `site.toml`: the site's name, operators and their roles, trusted keys, ssh settings, theme.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::document::{Document, Issue};
use super::error::{ConfigError, FieldPath};
use super::minisign_key::MinisignPublicKey;
use super::names::{check_marker_dir, check_name, check_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Signs approvals for production rollouts.
    Approver,
    /// Signs journal checkpoints and feed bundles.
    Signer,
    /// Runs rollouts.
    Deployer,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    pub roles: Vec<Role>,
    /// Minisign public key file as written in site.toml. An operator without one cannot sign
    /// until `secureupdate keygen` has made a key and site.toml names it.
    #[serde(default)]
    pub public_key: Option<PathBuf>,
    /// Public key files of keys replaced by a key rotation: trusted for what they signed up to
    /// the journal's rotation entry, never after it. `secureupdate keygen` adds them.
    #[serde(default)]
    pub retired_keys: Vec<PathBuf>,
}

impl Role {
    /// The role as site.toml spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Approver => "approver",
            Role::Signer => "signer",
            Role::Deployer => "deployer",
        }
    }
}

impl Operator {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A minisign public key pinned in site.toml in full (the base64 line of its `.pub` file):
/// a key id alone could be forged, the whole key cannot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PinnedKey(MinisignPublicKey);

impl PinnedKey {
    pub fn new(key: MinisignPublicKey) -> PinnedKey {
        PinnedKey(key)
    }

    pub fn key(&self) -> &MinisignPublicKey {
        &self.0
    }
}

impl TryFrom<String> for PinnedKey {
    type Error = String;

    fn try_from(text: String) -> Result<PinnedKey, String> {
        MinisignPublicKey::parse_base64(&text)
            .map(PinnedKey)
            .map_err(|e| format!("`{text}` {e} (the second line of a .pub file)"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trust {
    /// Keys whose signatures are accepted on feed bundles.
    #[serde(default)]
    pub feed_keys: Vec<PinnedKey>,
    /// Keys whose signatures are accepted on patch artifacts.
    #[serde(default)]
    pub artifact_keys: Vec<PinnedKey>,
    /// Directories artifacts may be taken from, absolute or relative to the site.
    #[serde(default)]
    pub artifact_sources: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshSettings {
    /// The only known_hosts file used (strict host key checking).
    #[serde(default = "default_known_hosts")]
    pub known_hosts: PathBuf,
    /// Identity file; when absent the operator's agent is used.
    #[serde(default)]
    pub identity: Option<PathBuf>,
    /// ssh config file; when absent none is read.
    #[serde(default)]
    pub config: Option<PathBuf>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_s: u32,
    #[serde(default = "default_command_timeout")]
    pub command_timeout_s: u32,
}

fn default_known_hosts() -> PathBuf {
    PathBuf::from("ssh/known_hosts")
}

fn default_connect_timeout() -> u32 {
    10
}

fn default_command_timeout() -> u32 {
    600
}

/// Where hosts keep rollout locks and completion markers unless an asset sets its own.
pub const DEFAULT_MARKER_DIR: &str = "/var/lib/secureupdate/markers";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutSettings {
    /// Absolute directory on each host for step locks and completion markers.
    #[serde(default = "default_marker_dir")]
    pub marker_dir: String,
}

impl Default for RolloutSettings {
    fn default() -> Self {
        RolloutSettings {
            marker_dir: default_marker_dir(),
        }
    }
}

fn default_marker_dir() -> String {
    DEFAULT_MARKER_DIR.to_string()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    Default,
    Light,
    HighContrast,
    Mono,
}

/// `site.toml` after validation. Paths are kept as written; resolve them with
/// [`resolve_in_site`] (or `Site::path`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: String,
    #[serde(default, rename = "operator")]
    pub operators: Vec<Operator>,
    pub trust: Trust,
    pub ssh: SshSettings,
    #[serde(default)]
    pub theme: Theme,
    #[serde(default)]
    pub rollout: RolloutSettings,
}

impl SiteConfig {
    /// Reads and validates `site.toml` at `path`; key files are looked up relative to `site_dir`.
    pub fn load(path: &Path, site_dir: &Path) -> Result<SiteConfig, ConfigError> {
        SiteConfig::from_document(&Document::read(path)?, site_dir)
    }

    /// As [`SiteConfig::load`], from a document already read.
    pub(crate) fn from_document(
        document: &Document,
        site_dir: &Path,
    ) -> Result<SiteConfig, ConfigError> {
        if document.is_blank() {
            return Err(document.invalid(Issue::new(
                FieldPath::root(),
                "the file is empty; expected `name`, at least one [[operator]], [trust] and [ssh]",
            )));
        }
        let config: SiteConfig = document.deserialize_top_level(&["name", "theme"])?;
        config
            .validate(site_dir)
            .map_err(|issue| document.invalid(issue))?;
        Ok(config)
    }

    pub fn operator(&self, name: &str) -> Option<&Operator> {
        self.operators.iter().find(|op| op.name == name)
    }

    /// Operator `name`, when site.toml gives them `role`.
    pub fn operator_with_role(&self, name: &str, role: Role) -> Option<&Operator> {
        self.operator(name).filter(|op| op.has_role(role))
    }

    fn validate(&self, site_dir: &Path) -> Result<(), Issue> {
        check_text(&self.name).map_err(|e| Issue::new(FieldPath::root().key("name"), e))?;
        if self.operators.is_empty() {
            return Err(Issue::new(
                FieldPath::root().key("operator"),
                "no operators; expected at least one [[operator]] with name and roles",
            ));
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, operator) in self.operators.iter().enumerate() {
            let field = FieldPath::root().key("operator").index(i);
            check_name(&operator.name, "operator name")
                .map_err(|e| Issue::new(field.clone().key("name"), e))?;
            if let Some(first) = seen.insert(&operator.name, i) {
                return Err(Issue::new(
                    field.key("name"),
                    format!(
                        "operator `{}` is already defined as operator[{first}]; expected unique names",
                        operator.name
                    ),
                ));
            }
            for (k, key) in operator.retired_keys.iter().enumerate() {
                check_key_file(site_dir, key).map_err(|problem| {
                    let (KeyFileProblem::Missing(message) | KeyFileProblem::Unusable(message)) =
                        problem;
                    Issue::new(field.clone().key("retired_keys").index(k), message)
                })?;
            }
            if let Some(key) = &operator.public_key {
                check_key_file(site_dir, key).map_err(|problem| {
                    let message = match problem {
                        KeyFileProblem::Missing(e) => format!(
                            "{e}; run `secureupdate keygen --operator {}` or fix the path",
                            operator.name
                        ),
                        KeyFileProblem::Unusable(e) => e,
                    };
                    Issue::new(field.key("public_key"), message)
                })?;
            }
        }
        let trust = FieldPath::root().key("trust");
        for (list, keys) in [
            ("feed_keys", &self.trust.feed_keys),
            ("artifact_keys", &self.trust.artifact_keys),
        ] {
            for (i, pinned) in keys.iter().enumerate() {
                if let Some(first) = keys[..i].iter().position(|k| k == pinned) {
                    return Err(Issue::new(
                        trust.clone().key(list).index(i),
                        format!(
                            "key {} is already pinned as {list}[{first}]; expected each key once",
                            pinned.key().key_id_hex()
                        ),
                    ));
                }
            }
        }
        for (i, source) in self.trust.artifact_sources.iter().enumerate() {
            if source.as_os_str().is_empty() {
                return Err(Issue::new(
                    trust.clone().key("artifact_sources").index(i),
                    "empty; expected a directory path",
                ));
            }
        }
        let ssh = FieldPath::root().key("ssh");
        for (name, value) in [
            ("connect_timeout_s", self.ssh.connect_timeout_s),
            ("command_timeout_s", self.ssh.command_timeout_s),
        ] {
            if value == 0 {
                return Err(Issue::new(
                    ssh.clone().key(name),
                    "0; expected a number of seconds of at least 1",
                ));
            }
        }
        check_marker_dir(&self.rollout.marker_dir)
            .map_err(|e| Issue::new(FieldPath::root().key("rollout").key("marker_dir"), e))?;
        Ok(())
    }
}

/// `path` as written in a site file, made absolute against the site directory when relative.
pub fn resolve_in_site(site_dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        site_dir.join(path)
    }
}

enum KeyFileProblem {
    Missing(String),
    Unusable(String),
}

fn check_key_file(site_dir: &Path, key: &Path) -> Result<MinisignPublicKey, KeyFileProblem> {
    let resolved = resolve_in_site(site_dir, key);
    let shown = key.display();
    let bytes = std::fs::read(&resolved).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => KeyFileProblem::Missing(format!(
            "`{shown}` does not exist (looked for {}); expected a minisign public key file",
            resolved.display()
        )),
        _ => KeyFileProblem::Unusable(format!("`{shown}` cannot be read: {e}")),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        KeyFileProblem::Unusable(format!(
            "`{shown}` is not text; expected a minisign public key file"
        ))
    })?;
    MinisignPublicKey::parse(&text).map_err(|e| KeyFileProblem::Unusable(format!("`{shown}`: {e}")))
}
