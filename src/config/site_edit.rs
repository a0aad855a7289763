//! Edits site.toml in place for `keygen` and `trust`: the operator's comments and layout are
//! kept, and the edited text must load as a valid site before it atomically replaces the file.

use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value, value};

use super::atomic_write::write_atomically;
use super::document::Document;
use super::error::ConfigError;
use super::minisign_key::MinisignPublicKey;
use super::site::{Role, SiteConfig};
use super::site_dir::SITE_FILE;

/// Which `[trust]` list a pinned key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustList {
    Feed,
    Artifact,
}

impl TrustList {
    pub const ALL: [TrustList; 2] = [TrustList::Feed, TrustList::Artifact];

    /// The field in `[trust]`.
    pub fn field(self) -> &'static str {
        match self {
            TrustList::Feed => "feed_keys",
            TrustList::Artifact => "artifact_keys",
        }
    }

    /// The role as the command line names it.
    pub fn role(self) -> &'static str {
        match self {
            TrustList::Feed => "feed",
            TrustList::Artifact => "artifact",
        }
    }
}

/// site.toml opened for editing.
pub struct SiteEdit {
    site_dir: PathBuf,
    path: PathBuf,
    document: DocumentMut,
}

impl SiteEdit {
    /// Opens `site_dir`'s site.toml; it must already be a valid site.
    pub fn open(site_dir: &Path) -> Result<SiteEdit, ConfigError> {
        let path = site_dir.join(SITE_FILE);
        SiteConfig::load(&path, site_dir)?;
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|e| ConfigError::io(&shown, "read file", e))?;
        let document = text.parse::<DocumentMut>().map_err(|e| {
            ConfigError::io(
                &shown,
                "edit file",
                std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            )
        })?;
        Ok(SiteEdit {
            site_dir: site_dir.to_path_buf(),
            path,
            document,
        })
    }

    /// Adds operator `name` or updates it: its public key, and its roles when `roles` is not
    /// empty. Returns true when the operator is new.
    pub fn set_operator_key(&mut self, name: &str, roles: &[Role], public_key: &str) -> bool {
        let roles_value = || {
            let mut array = Array::new();
            for role in roles {
                array.push(role.as_str());
            }
            value(array)
        };
        let operators = self
            .document
            .entry("operator")
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
        let Some(operators) = operators.as_array_of_tables_mut() else {
            return false;
        };
        if let Some(existing) = operators
            .iter_mut()
            .find(|op| op.get("name").and_then(Item::as_str) == Some(name))
        {
            existing["public_key"] = value(public_key);
            if !roles.is_empty() {
                existing["roles"] = roles_value();
            }
            return false;
        }
        let mut operator = Table::new();
        operator["name"] = value(name);
        operator["roles"] = roles_value();
        operator["public_key"] = value(public_key);
        operators.push(operator);
        true
    }

    /// Adds `public_key` to the retired keys of operator `name` (after a key rotation); false
    /// when there is no such operator.
    pub fn retire_operator_key(&mut self, name: &str, public_key: &str) -> bool {
        let Some(operator) = self
            .document
            .get_mut("operator")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|ops| {
                ops.iter_mut()
                    .find(|op| op.get("name").and_then(Item::as_str) == Some(name))
            })
        else {
            return false;
        };
        let retired = &mut operator["retired_keys"];
        if !retired.is_array() {
            *retired = value(Array::new());
        }
        if let Some(array) = retired.as_array_mut() {
            array.push(public_key);
        }
        true
    }

    /// Pins `key` in `list` with `note` as a comment after it; false when it was already there.
    pub fn pin_key(&mut self, list: TrustList, key: &MinisignPublicKey, note: &str) -> bool {
        let encoded = key.to_base64();
        let Some(array) = self.trust_list(list) else {
            return false;
        };
        if array.iter().any(|v| v.as_str() == Some(encoded.as_str())) {
            return false;
        }
        let mut entry = Value::from(encoded);
        entry
            .decor_mut()
            .set_prefix(format!("\n    # {}\n    ", one_line(note)));
        array.push_formatted(entry);
        array.set_trailing("\n");
        array.set_trailing_comma(true);
        true
    }

    /// Removes the key with minisign key id `key_id` (16 hex digits) from every list; returns
    /// the lists it was removed from.
    pub fn unpin_key(&mut self, key_id: &str) -> Vec<TrustList> {
        let mut removed = Vec::new();
        for list in TrustList::ALL {
            let Some(array) = self.trust_list(list) else {
                continue;
            };
            let before = array.len();
            array.retain(|v| {
                let id = v
                    .as_str()
                    .and_then(|text| MinisignPublicKey::parse_base64(text).ok())
                    .map(|k| k.key_id_hex());
                !id.is_some_and(|id| id.eq_ignore_ascii_case(key_id))
            });
            if array.len() != before {
                removed.push(list);
            }
        }
        removed
    }

    /// Checks the edited text as a whole site file and replaces site.toml with it.
    pub fn save(self) -> Result<SiteConfig, ConfigError> {
        let text = self.document.to_string();
        let shown = self.path.display().to_string();
        let document = Document::from_bytes(shown.clone(), text.clone().into_bytes())?;
        let config = SiteConfig::from_document(&document, &self.site_dir)?;
        write_atomically(&self.path, text.as_bytes())
            .map_err(|e| ConfigError::io(&shown, "write file", e))?;
        Ok(config)
    }

    fn trust_list(&mut self, list: TrustList) -> Option<&mut Array> {
        let trust = self
            .document
            .entry("trust")
            .or_insert_with(|| Item::Table(Table::new()));
        let field = &mut trust[list.field()];
        if !field.is_array() {
            *field = value(Array::new());
        }
        field.as_array_mut()
    }
}

/// Notes become TOML comments, which end at a newline.
fn one_line(note: &str) -> String {
    note.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
