//! `secureupdate journal …`: signed notes and checkpoints, verification of the journal or of
//! an export, and reading it back (issue 3).

mod show;
mod verify;
mod write;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use secureupdate::adapters::journal::{Journal, journal_path};
use secureupdate::core::journal::Anchor;

use crate::exit::bad_input;

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Append a signed free-text note (the "document" step); prints its number and the head.
    Note {
        /// The operator signing the note (an operator of site.toml with a key).
        #[arg(long, value_name = "NAME")]
        operator: String,
        /// The operator's secret key (default keys/NAME.key in the site).
        #[arg(long, value_name = "PATH")]
        secret: Option<PathBuf>,
        /// What the note is about, e.g. a change ticket.
        #[arg(long, value_name = "TEXT", default_value = "")]
        subject: String,
        /// The note.
        text: String,
    },
    /// Check the whole journal: SQLite's integrity, every link and signature, every checkpoint
    /// and the anchor. Exit 0 when intact, 1 naming the first bad entry.
    Verify {
        /// A head copied earlier (`SIZE:HEAD`, e.g. from a change ticket): it must still be a
        /// prefix of the journal.
        #[arg(long, value_name = "SIZE:HEAD")]
        anchor: Option<Anchor>,
        /// Print {ok, journal_id, size, head, checkpoints_checked, problems, warnings}.
        #[arg(long)]
        json: bool,
    },
    /// Sign the current head into checkpoints/<journal-id>-<size>.txt and its .minisig.
    Checkpoint {
        /// The signing operator (needs the signer role).
        #[arg(long, value_name = "NAME")]
        operator: String,
        /// The operator's secret key (default keys/NAME.key in the site).
        #[arg(long, value_name = "PATH")]
        secret: Option<PathBuf>,
    },
    /// List entries (as stored; `journal verify` says whether they can be trusted).
    Show {
        /// Only entries from this sequence number on.
        #[arg(long, value_name = "SEQ", default_value_t = 1)]
        since: u64,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write every entry as one JSON line, with what is needed to re-verify it offline.
    Export {
        /// JSON Lines, the export format.
        #[arg(long)]
        jsonl: bool,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Re-verify an export offline: every link and signature against site.toml's keys.
    VerifyExport {
        /// A file written by `journal export --jsonl`.
        file: PathBuf,
        /// A head copied earlier (`SIZE:HEAD`) that must be a prefix of the export.
        #[arg(long, value_name = "SIZE:HEAD")]
        anchor: Option<Anchor>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(site_dir: &Path, command: JournalCommand, out: &mut impl Write) -> Result<()> {
    match command {
        JournalCommand::Note {
            operator,
            secret,
            subject,
            text,
        } => write::note(site_dir, &operator, secret.as_deref(), &subject, &text, out),
        JournalCommand::Checkpoint { operator, secret } => {
            write::checkpoint(site_dir, &operator, secret.as_deref(), out)
        }
        JournalCommand::Verify { anchor, json } => verify::journal(site_dir, anchor, json, out),
        JournalCommand::VerifyExport { file, anchor, json } => {
            verify::export(site_dir, &file, anchor, json, out)
        }
        JournalCommand::Show { since, json } => show::entries(site_dir, since, json, out),
        JournalCommand::Export { jsonl, out: file } => show::export(site_dir, jsonl, file, out),
    }
}

/// The path of the site's journal, which must exist: a missing one is bad input naming it.
fn existing_journal(site_dir: &Path) -> Result<PathBuf> {
    let path = journal_path(site_dir);
    if path.exists() {
        Ok(path)
    } else {
        Err(bad_input(std::io::Error::other(format!(
            "{} does not exist: the site has no journal yet (`journal note` starts one)",
            path.display()
        ))))
    }
}

/// The site's existing journal, opened read-only.
fn open_existing(site_dir: &Path) -> Result<Journal> {
    Ok(Journal::open_read_only(&existing_journal(site_dir)?)?)
}
