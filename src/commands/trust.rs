//! `secureupdate trust add|list|remove`: the feed and artifact keys pinned in site.toml. Every
//! change is journaled as a decision signed by the operator who made it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Subcommand, ValueEnum};
use secureupdate::adapters::journal::{KeyError, read_small};
use secureupdate::adapters::store::SiteLock;
use secureupdate::config::{
    MinisignPublicKey, SITE_FILE, Site, SiteConfig, SiteEdit, TrustList, write_atomically,
};
use secureupdate::core::journal::EntryKind;
use serde::Serialize;
use serde_json::json;

use crate::exit::{bad_input, usage};
use crate::{decision, operator_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Feed,
    Artifact,
}

impl Role {
    fn list(self) -> TrustList {
        match self {
            Role::Feed => TrustList::Feed,
            Role::Artifact => TrustList::Artifact,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Pin a minisign public key (KEY.pub) for feed bundles or artifacts.
    Add {
        #[arg(long, value_enum)]
        role: Role,
        /// The minisign public key file.
        key: PathBuf,
        /// The operator making the change; their key signs the journal entry.
        #[arg(long)]
        operator: String,
    },
    /// The pinned keys and the artifact source directories.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Unpin the key with KEYID (16 hex digits, as minisign prints it) from every list.
    Remove {
        key_id: String,
        #[arg(long)]
        operator: String,
    },
}

#[derive(Debug, Serialize)]
struct PinnedJson {
    role: &'static str,
    key_id: String,
    public_key: String,
}

#[derive(Debug, Serialize)]
struct TrustJson {
    keys: Vec<PinnedJson>,
    artifact_sources: Vec<String>,
}

pub fn run(
    site_dir: &Path,
    command: &TrustCommand,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    match command {
        TrustCommand::Add {
            role,
            key,
            operator,
        } => add(site_dir, role.list(), key, operator, secret, out),
        TrustCommand::List { json } => list(site_dir, *json, out),
        TrustCommand::Remove { key_id, operator } => {
            remove(site_dir, key_id, operator, secret, out)
        }
    }
}

fn add(
    site_dir: &Path,
    list: TrustList,
    key_path: &Path,
    operator: &str,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let key = read_public_key(key_path)?;
    let _lock = SiteLock::acquire(site_dir, "trust").map_err(bad_input)?;
    let site = Site::load(site_dir).map_err(bad_input)?;
    let signer = operator_key::unlock_operator(&site, operator, secret)?;
    let mut edit = SiteEdit::open(site_dir).map_err(bad_input)?;
    let key_id = key.key_id_hex();
    let note = format!(
        "{} key {key_id} pinned by {operator} on {}",
        list.role(),
        Utc::now().date_naive()
    );
    if !edit.pin_key(list, &key, &note) {
        writeln!(
            out,
            "Key {key_id} is already pinned for {}; nothing changed.",
            list.role()
        )?;
        return Ok(());
    }
    let payload = json!({
        "event": "trust_add",
        "role": list.role(),
        "key_id": key_id,
        "public_key": key.to_base64(),
    });
    let subject = format!("trust add {} key {key_id}", list.role());
    save_and_record(site_dir, edit, &signer, &subject, &payload)?;
    writeln!(
        out,
        "Pinned {} key {key_id} in site.toml (journaled as {operator}'s decision).",
        list.role()
    )?;
    Ok(())
}

fn remove(
    site_dir: &Path,
    key_id: &str,
    operator: &str,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    if key_id.len() != 16 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(usage(format!(
            "KEYID `{}` is not a key id; expected 16 hexadecimal digits as `trust list` shows them",
            secureupdate::core::sanitize::sanitize_line(key_id, 40)
        )));
    }
    let key_id = key_id.to_ascii_uppercase();
    let _lock = SiteLock::acquire(site_dir, "trust").map_err(bad_input)?;
    let site = Site::load(site_dir).map_err(bad_input)?;
    let signer = operator_key::unlock_operator(&site, operator, secret)?;
    let mut edit = SiteEdit::open(site_dir).map_err(bad_input)?;
    let removed = edit.unpin_key(&key_id);
    if removed.is_empty() {
        return Err(usage(format!(
            "no pinned key has id {key_id}; `secureupdate trust list` shows the pinned keys"
        )));
    }
    let roles: Vec<&str> = removed.iter().map(|l| l.role()).collect();
    let payload = json!({"event": "trust_remove", "key_id": key_id, "roles": roles});
    let subject = format!("trust remove key {key_id}");
    save_and_record(site_dir, edit, &signer, &subject, &payload)?;
    writeln!(
        out,
        "Unpinned key {key_id} ({}) from site.toml (journaled as {operator}'s decision).",
        roles.join(", ")
    )?;
    Ok(())
}

/// Saves the edit, then journals it; if the journal cannot take the entry, site.toml is put
/// back as it was, so no trust change goes unrecorded.
fn save_and_record(
    site_dir: &Path,
    edit: SiteEdit,
    signer: &secureupdate::adapters::journal::OperatorSigner,
    subject: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    let path = site_dir.join(SITE_FILE);
    let before = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    edit.save().map_err(bad_input)?;
    if let Err(error) = decision::record(site_dir, signer, EntryKind::TrustChange, subject, payload)
    {
        write_atomically(&path, &before)
            .with_context(|| format!("restoring {} after: {error:#}", path.display()))?;
        return Err(error.context("the change was not journaled, so site.toml was restored"));
    }
    Ok(())
}

fn list(site_dir: &Path, json: bool, out: &mut impl Write) -> Result<()> {
    let config = SiteConfig::load(&site_dir.join(SITE_FILE), site_dir).map_err(bad_input)?;
    let keys: Vec<PinnedJson> = TrustList::ALL
        .into_iter()
        .flat_map(|list| {
            let pinned = match list {
                TrustList::Feed => &config.trust.feed_keys,
                TrustList::Artifact => &config.trust.artifact_keys,
            };
            pinned.iter().map(move |k| PinnedJson {
                role: list.role(),
                key_id: k.key().key_id_hex(),
                public_key: k.key().to_base64(),
            })
        })
        .collect();
    let sources: Vec<String> = config
        .trust
        .artifact_sources
        .iter()
        .map(|s| s.display().to_string())
        .collect();
    if json {
        let all = TrustJson {
            keys,
            artifact_sources: sources,
        };
        serde_json::to_writer_pretty(&mut *out, &all)?;
        writeln!(out)?;
        return Ok(());
    }
    if keys.is_empty() {
        writeln!(out, "No keys are pinned.")?;
    }
    for key in &keys {
        writeln!(out, "{:<9} {}  {}", key.role, key.key_id, key.public_key)?;
    }
    writeln!(
        out,
        "artifact sources: {}",
        if sources.is_empty() {
            "(none)".to_string()
        } else {
            sources.join(", ")
        }
    )?;
    Ok(())
}

fn read_public_key(path: &Path) -> Result<MinisignPublicKey> {
    let shown = path.display();
    let text = read_small(path).map_err(|e| match e {
        KeyError::Io { source, .. } => usage(format!("{shown}: cannot read: {source}")),
        other => usage(other.to_string()),
    })?;
    MinisignPublicKey::parse(&text).map_err(|e| usage(format!("{shown}: {e}")))
}
