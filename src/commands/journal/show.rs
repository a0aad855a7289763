//! `journal show` and `journal export`: the entries as stored. Everything read from the
//! database is treated as hostile text before it reaches the terminal.

use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secureupdate::adapters::journal::export_jsonl;
use secureupdate::core::journal::StoredRow;
use secureupdate::core::journal::entry::is_canonical_timestamp;
use secureupdate::core::sanitize::sanitize_line;
use serde_json::{Value, json};

use super::open_existing;
use crate::commands::table::{cell, row};
use crate::exit::bad_input;

pub fn entries(site_dir: &Path, since: u64, json: bool, out: &mut impl Write) -> Result<()> {
    let journal = open_existing(site_dir)?;
    let rows = journal.rows_from(since)?;
    if json {
        let entries: Vec<Value> = rows.iter().map(entry_json).collect();
        serde_json::to_writer_pretty(&mut *out, &entries)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "journal {} ({} entries shown; `journal verify` checks them)",
        journal.id(),
        rows.len()
    )?;
    writeln!(out, "{}", table_row(&HEADER.map(String::from)))?;
    for stored in &rows {
        writeln!(out, "{}", table_row(&cells(stored)))?;
    }
    Ok(())
}

const HEADER: [&str; 6] = [
    "SEQ",
    "TIME (UTC)",
    "OPERATOR",
    "KIND",
    "SUBJECT",
    "SUMMARY",
];
const WIDTHS: [usize; 6] = [6, 19, 12, 15, 24, 60];

fn table_row(cells: &[String; 6]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(WIDTHS)
        .map(|(text, width)| cell(text, width))
        .collect();
    row(&padded)
}

fn cells(stored: &StoredRow) -> [String; 6] {
    let clean = |text: &str, width: usize| sanitize_line(text, width);
    [
        stored.seq.to_string(),
        short_time(&stored.ts),
        clean(&stored.operator, WIDTHS[2]),
        clean(&stored.kind, WIDTHS[3]),
        clean(&stored.subject, WIDTHS[4]),
        clean(&summary(&stored.payload), WIDTHS[5]),
    ]
}

/// `2026-11-20 02:00:00` from the stored timestamp (anything else is shown as it is, cleaned).
fn short_time(ts: &str) -> String {
    if is_canonical_timestamp(ts) {
        format!("{} {}", &ts[..10], &ts[11..19])
    } else {
        sanitize_line(ts, WIDTHS[1])
    }
}

/// A note's text, a reason, or else the payload's JSON, on one line.
fn summary(payload: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(payload).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    field("text")
        .or_else(|| field("reason"))
        .unwrap_or_else(|| payload.to_string())
}

fn entry_json(stored: &StoredRow) -> Value {
    let payload = serde_json::from_str::<Value>(&stored.payload)
        .unwrap_or_else(|_| Value::String(stored.payload.clone()));
    json!({
        "seq": stored.seq,
        "ts": stored.ts,
        "operator": stored.operator,
        "kind": stored.kind,
        "subject": stored.subject,
        "payload": payload,
        "signed": stored.sig.is_some(),
    })
}

#[derive(Debug, thiserror::Error)]
#[error("journal export: give --jsonl (JSON Lines is the export format)")]
struct NoFormat;

pub fn export(
    site_dir: &Path,
    jsonl: bool,
    file: Option<PathBuf>,
    out: &mut impl Write,
) -> Result<()> {
    if !jsonl {
        return Err(bad_input(NoFormat));
    }
    let journal = open_existing(site_dir)?;
    let Some(file) = file else {
        let mut buffered = BufWriter::new(&mut *out);
        export_jsonl(&journal, &mut buffered)?;
        buffered.flush()?;
        return Ok(());
    };
    // Written beside the target and renamed into place: a reader never sees half an export.
    let partial = PathBuf::from(format!("{}.partial-{}", file.display(), std::process::id()));
    let written = (|| -> Result<u64> {
        let handle = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let mut buffered = BufWriter::new(handle);
        let count = export_jsonl(&journal, &mut buffered)?;
        let handle = buffered
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", partial.display()))?;
        handle
            .sync_all()
            .with_context(|| format!("writing {}", partial.display()))?;
        fs::rename(&partial, &file).with_context(|| format!("writing {}", file.display()))?;
        Ok(count)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
    writeln!(out, "{} entries written to {}", written?, file.display())?;
    Ok(())
}
