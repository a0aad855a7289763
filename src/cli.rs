//! Command-line interface: the argument grammar of DESIGN.md §3.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "secureupdate",
    version,
    about = "Risk-ranked, audited security patching for Linux fleets",
    long_about = "SecureUPDATE ranks a fleet's pending security patches by risk, runs each patch's \
                  checklist and keeps a signed audit journal.\n\nExit codes: 0 success, 1 a check \
                  failed, 2 bad input or usage."
)]
pub struct Cli {
    /// The site directory (else $SECUREUPDATE_SITE, else the XDG data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub site: Option<PathBuf>,

    /// Rank as of this date (YYYY-MM-DD) instead of today, e.g. to see what falls due next week.
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,

    /// Write the log here instead of the XDG state directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Rank even though the imported feed bundle has expired, for this REASON; needs
    /// `--operator NAME` and is journaled as that operator's decision.
    #[arg(long, global = true, value_name = "REASON")]
    pub accept_expired_feed: Option<String>,

    #[command(flatten)]
    pub console: crate::commands::tui::ConsoleArgs,

    /// Without a command, the console opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The console: ranked queue, assets, details and checklists (the default).
    Tui,
    /// Write a new, commented site into DIR (which must not exist or be empty).
    Init {
        dir: PathBuf,
        /// Write a copy of the built-in demo site instead of the empty templates.
        #[arg(long)]
        demo: bool,
    },
    /// Assets, highest risk first.
    Assets {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the reasons behind each asset's rank.
        #[arg(long)]
        why: bool,
    },
    /// Pending patches ranked, with class, due date and reasons.
    Patches {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the reasons behind each patch's rank.
        #[arg(long)]
        why: bool,
    },
    /// An operator's key pair (minisign format), named in site.toml; rotates an existing key.
    Keygen(crate::commands::keygen::KeygenArgs),
    /// The signed audit journal: notes, checkpoints, verification, listing and export.
    #[command(subcommand)]
    Journal(crate::commands::journal::JournalCommand),
    /// The waves, hosts and steps a patch's rollout would run, and the plan hash approvals sign.
    Plan {
        /// The patch definition's id (patches/*.toml).
        patch: String,
        /// Print JSON (with `plan_hash`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Approve a stored plan: a signed journal entry bound to the plan's hash.
    Approve {
        /// The plan_hash printed by `secureupdate plan`.
        plan_hash: String,
        /// The approving operator (approver role); their key signs.
        #[arg(long)]
        operator: String,
    },
    /// Run a patch's plan (or resume its unfinished run), printing `host | line`.
    Apply {
        /// The patch definition's id (patches/*.toml).
        patch: String,
        /// The deploying operator (deployer role); their key signs the decisions.
        #[arg(long)]
        operator: String,
        /// Proceed at every health gate and roll back failures without asking.
        #[arg(long)]
        yes: bool,
        /// Where steps run.
        #[arg(long, value_enum, default_value = "ssh")]
        executor: crate::commands::fleet::ExecutorKind,
        /// Run outside the maintenance window; the reason is journaled.
        #[arg(long, value_name = "REASON")]
        emergency: Option<String>,
        /// With --executor sim: a scenario from the site's scenarios/ directory.
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
        /// Retry a halted run: its failed hosts run again under a new attempt (journaled).
        #[arg(long)]
        retry: bool,
    },
    /// Roll back what a patch's latest run changed: one host, one wave, or every host.
    Rollback {
        /// The patch definition's id (patches/*.toml).
        patch: String,
        /// The deploying operator (deployer role); their key signs the decision.
        #[arg(long)]
        operator: String,
        /// Only this host.
        #[arg(long, value_name = "NAME", conflicts_with = "wave")]
        host: Option<String>,
        /// Only the hosts of this wave (as numbered by `plan`).
        #[arg(long, value_name = "N")]
        wave: Option<u32>,
        /// Do not ask to type the patch id first.
        #[arg(long)]
        yes: bool,
        /// Where the rollback runs.
        #[arg(long, value_enum, default_value = "ssh")]
        executor: crate::commands::fleet::ExecutorKind,
    },
    /// The console on the built-in training site, copied to a fresh directory (when standard
    /// output is not a terminal, prints its ranking instead).
    Demo {
        /// Keep the training site in DIR instead of a fresh temporary directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// How the simulated fleet behaves in rollouts: a scenario of the training site
        /// (all-good, canary-fails, hash-mismatch, host-drops, slow-verify, verify-fails).
        /// Default: all-good.
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
    },
    /// Check an artifact's minisign signature (pinned artifact keys, prehashed only) and SHA-256.
    Verify(crate::commands::verify::VerifyArgs),
    /// Keys pinned for feed bundles and artifacts: add, list, remove (changes are journaled).
    Trust {
        #[command(subcommand)]
        command: crate::commands::trust::TrustCommand,
    },
    /// Signed threat-data bundles: build (connected side), import, status.
    Feed {
        #[command(subcommand)]
        command: crate::commands::feed::FeedCommand,
    },
}
