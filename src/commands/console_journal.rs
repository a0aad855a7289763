//! The console's view of the site's journal: read-only reads of `journal.db` for the journal
//! view and the status bar, and a checkpoint signed when the console closes.

use std::path::{Path, PathBuf};

use secureupdate::adapters::journal::{
    Journal, OperatorSigner, checkpoint_paths, checkpoint_site_journal, checkpoints_dir,
    journal_path,
};
use secureupdate::app::journal::{JournalRow, JournalSnapshot, JournalSource};
use secureupdate::config::SiteConfig;

/// The journal of a site directory.
pub struct SiteJournal {
    path: PathBuf,
}

impl SiteJournal {
    pub fn new(site_dir: &Path) -> SiteJournal {
        SiteJournal {
            path: journal_path(site_dir),
        }
    }
}

impl JournalSource for SiteJournal {
    fn load(&self, limit: usize) -> Result<Option<JournalSnapshot>, String> {
        if !self.path.exists() {
            return Ok(None);
        }
        let read = || -> Result<JournalSnapshot, secureupdate::adapters::journal::JournalError> {
            let journal = Journal::open_read_only(&self.path)?;
            let head = journal.head()?;
            let first = head.size.saturating_sub(limit as u64) + 1;
            let mut recent: Vec<JournalRow> = journal
                .rows_from(first)?
                .into_iter()
                .map(|row| {
                    JournalRow::from_stored(
                        u64::try_from(row.seq).unwrap_or(0),
                        &row.ts,
                        &row.operator,
                        &row.kind,
                        &row.subject,
                    )
                })
                .collect();
            recent.reverse();
            Ok(JournalSnapshot {
                id: journal.id(),
                head,
                recent,
            })
        };
        read().map(Some).map_err(|e| {
            tracing::warn!(error = %e, "journal unreadable");
            e.to_string()
        })
    }
}

/// Signs a checkpoint of the journal's head as the console closes (issue 3: "on exit"),
/// unless there is no journal or that head already has one. Returns the text file written.
pub fn checkpoint_on_exit(
    site_dir: &Path,
    config: &SiteConfig,
    signer: &OperatorSigner,
) -> Result<Option<PathBuf>, secureupdate::adapters::journal::JournalError> {
    let path = journal_path(site_dir);
    if !path.exists() {
        return Ok(None);
    }
    let journal = Journal::open_read_only(&path)?;
    let head = journal.head()?;
    let dir = checkpoints_dir(site_dir);
    if head.size == 0 || checkpoint_paths(&dir, journal.id(), head.size).1.exists() {
        return Ok(None);
    }
    Ok(Some(
        checkpoint_site_journal(site_dir, config, signer)?.text,
    ))
}
