//! `journal note` and `journal checkpoint`: the two journal commands that sign. Everything is
//! checked before the operator is asked for a password.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use chrono::Utc;
use secureupdate::adapters::journal::{Journal, checkpoint_site_journal, journal_path};
use secureupdate::config::{Role, Site};
use secureupdate::core::journal::{Anchor, EntryKind, Head, JournalId, NewEntry};
use serde_json::json;

use super::open_existing;
use crate::exit::bad_input;
use crate::operator_key::unlock_operator;

#[derive(Debug, thiserror::Error)]
enum NoteError {
    #[error("the note is empty; expected some text")]
    Empty,
    #[error(
        "the note contains a control character (U+{0:04X}); expected printable text, tabs and newlines"
    )]
    Control(u32),
    #[error(
        "operator `{operator}` does not have the signer role in site.toml (roles: {roles}); checkpoints are signed by signers"
    )]
    NotSigner { operator: String, roles: String },
}

pub fn note(
    site_dir: &Path,
    operator: &str,
    secret: Option<&Path>,
    subject: &str,
    text: &str,
    out: &mut impl Write,
) -> Result<()> {
    if text.trim().is_empty() {
        return Err(bad_input(NoteError::Empty));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Err(bad_input(NoteError::Control(u32::from(c))));
    }
    let site = Site::load(site_dir).map_err(bad_input)?;
    let entry = NewEntry::new(
        Utc::now(),
        operator,
        EntryKind::Note,
        subject,
        &json!({ "text": text }),
    )
    .map_err(bad_input)?;
    let signer = unlock_operator(&site, operator, secret)?;
    let mut journal = Journal::open_or_create(&journal_path(site_dir))?;
    let appended = journal.append_decision(&entry, &signer)?;
    writeln!(out, "entry {} appended, signed by {operator}", appended.seq)?;
    print_head(out, journal.id(), journal.head()?)
}

pub fn checkpoint(
    site_dir: &Path,
    operator: &str,
    secret: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let site = Site::load(site_dir).map_err(bad_input)?;
    if let Some(entry) = site.config.operator(operator)
        && !entry.has_role(Role::Signer)
    {
        let roles: Vec<&str> = entry.roles.iter().map(|r| r.as_str()).collect();
        return Err(bad_input(NoteError::NotSigner {
            operator: operator.to_string(),
            roles: if roles.is_empty() {
                "none".to_string()
            } else {
                roles.join(", ")
            },
        }));
    }
    let journal = open_existing(site_dir)?;
    let signer = unlock_operator(&site, operator, secret)?;
    let files = checkpoint_site_journal(site_dir, &site.config, &signer)?;
    let head = files.checkpoint.head;
    writeln!(
        out,
        "checkpoint of journal {} at size {}, signed by {operator}:",
        journal.id(),
        head.size
    )?;
    writeln!(out, "  {}", files.text.display())?;
    writeln!(out, "  {}", files.signature.display())?;
    if let Some(public) = site
        .config
        .operator(operator)
        .and_then(|o| o.public_key.as_ref())
    {
        writeln!(
            out,
            "check it without SecureUPDATE: minisign -VH -m {} -p {}",
            files.text.display(),
            site.path(public).display()
        )?;
    }
    print_head(out, journal.id(), head)
}

/// The status line and the full anchor, to copy into the change ticket.
pub fn print_head(out: &mut impl Write, id: JournalId, head: Head) -> Result<()> {
    writeln!(out, "{}", head.status_line(id))?;
    writeln!(
        out,
        "anchor (for journal verify --anchor): {}",
        Anchor(head)
    )?;
    Ok(())
}
