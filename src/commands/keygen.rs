//! `secureupdate keygen`: an operator's minisign key pair, named in site.toml. When the
//! operator already has a key this is a key rotation: the old key signs a journal entry that
//! announces the new one, and stays trusted (as a retired key) for what it signed before.
//! All or nothing: if any step fails, the files written so far are removed and moved back.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use secureupdate::adapters::journal::{
    KeyError, OperatorSigner, generate_keypair, key_rotation_payload, write_keypair,
};
use secureupdate::adapters::store::SiteLock;
use secureupdate::config::{ConfigError, Role, SITE_FILE, Site, SiteEdit};
use secureupdate::core::journal::EntryKind;
use secureupdate::core::journal::entry::validate_operator;

use super::file_undo::FileUndo;
use crate::exit::bad_input;
use crate::operator_key::{default_secret_path, unlock_operator};

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The operator: one of site.toml, or a new one to add.
    #[arg(long, value_name = "NAME")]
    pub operator: String,
    /// A role (repeatable): approver, signer, deployer. Given, they replace the operator's roles.
    #[arg(long = "role", value_name = "ROLE", value_parser = parse_role)]
    pub roles: Vec<Role>,
    /// No password on the secret key: for training and tests only.
    #[arg(long)]
    pub unencrypted: bool,
    /// Where to write the secret key (default keys/NAME.key in the site).
    #[arg(long, value_name = "PATH")]
    pub secret: Option<PathBuf>,
    /// Key rotation: the operator's current secret key, which signs the rotation entry
    /// (default keys/NAME.key in the site).
    #[arg(long, value_name = "PATH")]
    pub old_secret: Option<PathBuf>,
}

fn parse_role(text: &str) -> Result<Role, String> {
    [Role::Approver, Role::Signer, Role::Deployer]
        .into_iter()
        .find(|role| role.as_str() == text)
        .ok_or_else(|| format!("`{text}`: expected approver, signer or deployer"))
}

#[derive(Debug, thiserror::Error)]
enum KeygenError {
    #[error("{0} already exists; keygen never overwrites a key (move it away first)")]
    Exists(PathBuf),
    #[error("no terminal to ask for the new key's password ({0}); use --unencrypted for training")]
    NoTerminal(String),
    #[error("the two passwords differ; nothing was written")]
    Mismatch,
}

/// Where a key pair's files are.
struct KeyPaths {
    public: PathBuf,
    secret: PathBuf,
}

/// The operator's key being replaced.
struct OldKey {
    signer: OperatorSigner,
    /// The old public key as site.toml's `retired_keys` will name it.
    retired_text: String,
}

pub fn run(site_dir: &Path, args: &KeygenArgs, out: &mut impl Write) -> Result<()> {
    let name = args.operator.as_str();
    validate_operator(name).map_err(bad_input)?;
    let site = Site::load(site_dir).map_err(bad_input)?;
    let _lock = SiteLock::acquire(site_dir, "keygen").map_err(bad_input)?;
    let public_text = format!("keys/{name}.pub");
    let new = KeyPaths {
        public: site_dir.join(&public_text),
        secret: args
            .secret
            .clone()
            .unwrap_or_else(|| default_secret_path(site_dir, name)),
    };
    // An operator with a public key already is rotating it.
    let old = site
        .config
        .operator(name)
        .and_then(|o| o.public_key.as_ref())
        .map(|written| {
            let paths = KeyPaths {
                public: site.path(written),
                secret: args
                    .old_secret
                    .clone()
                    .unwrap_or_else(|| default_secret_path(site_dir, name)),
            };
            (written.display().to_string(), paths)
        });
    let old_paths = old.as_ref().map(|(_, paths)| paths);
    let taken = [
        (&new.public, old_paths.map(|o| &o.public)),
        (&new.secret, old_paths.map(|o| &o.secret)),
    ];
    for (path, moved_away) in taken {
        if path.exists() && moved_away != Some(path) {
            return Err(bad_input(KeygenError::Exists(path.clone())));
        }
    }
    let old_signer = match &old {
        Some(_) => Some(unlock_operator(&site, name, args.old_secret.as_deref())?),
        None => None,
    };
    let password = if args.unencrypted {
        None
    } else {
        Some(ask_new_password(name)?)
    };
    let pair = generate_keypair(password.as_deref()).map_err(bad_input)?;

    let mut undo = FileUndo::default();
    let result = (|| -> Result<Option<u64>> {
        let retired = match (old_signer, &old) {
            (Some(signer), Some((written, paths))) => Some(retire(
                &mut undo, site_dir, name, signer, written, paths, &new,
            )?),
            _ => None,
        };
        write_keypair(&pair, &new.public, &new.secret).map_err(|e| match e {
            KeyError::Exists { path } => bad_input(KeygenError::Exists(path)),
            other => other.into(),
        })?;
        undo.created(&new.secret);
        undo.created(&new.public);
        let site_file = site_dir.join(SITE_FILE);
        let before = std::fs::read(&site_file)?;
        let mut edit = SiteEdit::open(site_dir).map_err(bad_input)?;
        edit.set_operator_key(name, &args.roles, &public_text);
        if let Some(retired) = &retired {
            edit.retire_operator_key(name, &retired.retired_text);
        }
        // Saving is atomic: site.toml needs restoring only if a later step fails.
        edit.save().map_err(|e| match e {
            ConfigError::Io { .. } => anyhow::Error::new(e),
            invalid => bad_input(invalid),
        })?;
        undo.replacing(&site_file, before);
        retired
            .map(|old| record_rotation(site_dir, name, &old.signer, &pair.public))
            .transpose()
    })();
    let rotation_seq = match result {
        Ok(seq) => seq,
        Err(error) => {
            let failures = undo.undo();
            return Err(if failures.is_empty() {
                error.context("keygen: nothing was changed")
            } else {
                error.context(format!(
                    "keygen: undoing its changes failed: {}",
                    failures.join("; ")
                ))
            });
        }
    };
    writeln!(
        out,
        "operator {name}: key {} in {} (public) and {} (secret, mode 0600, {})",
        pair.key_id,
        new.public.display(),
        new.secret.display(),
        if args.unencrypted {
            "UNENCRYPTED: training only"
        } else {
            "password-protected"
        },
    )?;
    writeln!(out, "site.toml names it as operator {name}'s public_key")?;
    if let Some(seq) = rotation_seq {
        writeln!(
            out,
            "key rotation recorded as journal entry {seq}, signed by the old key, which stays \
             trusted (retired_keys) for the entries before it"
        )?;
    }
    Ok(())
}

/// Moves the old key files out of the new ones' way, into keys/retired/, when they sit where
/// the new ones go. Returns the old key and how `retired_keys` names its public key.
fn retire(
    undo: &mut FileUndo,
    site_dir: &Path,
    name: &str,
    signer: OperatorSigner,
    written: &str,
    old: &KeyPaths,
    new: &KeyPaths,
) -> Result<OldKey> {
    let stem = format!("keys/retired/{name}-{}", signer.key_id());
    let retired_text = if old.public == new.public {
        let text = format!("{stem}.pub");
        undo.rename(&old.public, &site_dir.join(&text))?;
        text
    } else {
        written.to_string()
    };
    if old.secret == new.secret && old.secret.exists() {
        undo.rename(&old.secret, &site_dir.join(format!("{stem}.key")))?;
    }
    Ok(OldKey {
        signer,
        retired_text,
    })
}

fn record_rotation(
    site_dir: &Path,
    name: &str,
    old: &OperatorSigner,
    new_public_text: &str,
) -> Result<u64> {
    let new_public = secureupdate::adapters::journal::parse_public_key(new_public_text, "new key")?;
    let payload = key_rotation_payload(&new_public);
    Ok(crate::decision::record(site_dir, old, EntryKind::KeyRotation, name, &payload)?.seq)
}

fn ask_new_password(operator: &str) -> Result<String> {
    let ask = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map_err(|e| bad_input(KeygenError::NoTerminal(e.to_string())))
    };
    let first = ask(format!("Password for {operator}'s new key: "))?;
    if first.is_empty() {
        return Err(bad_input(KeyError::EmptyPassword));
    }
    let second = ask("The same password again: ".to_string())?;
    if first != second {
        return Err(bad_input(KeygenError::Mismatch));
    }
    Ok(first)
}
