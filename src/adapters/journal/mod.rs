//! The audit journal at the edge: `journal.db` in SQLite, minisign keys and signatures, and
//! checkpoint files (DESIGN.md §4, issue 3). The chain rules live in `core::journal`.

mod append;
mod checkpoints;
mod db;
mod error;
mod export;
mod keys;
mod read;
mod site_files;
mod trusted;
mod verify;

pub use append::Appended;
pub use checkpoints::{CheckpointFiles, checkpoint_paths, write_checkpoint};
pub use db::Journal;
pub use error::{JournalError, KeyError};
pub use export::{export_jsonl, verify_jsonl};
pub use keys::{
    KeyPairText, OperatorSigner, generate_keypair, is_password_protected, key_id, load_public_key,
    parse_public_key, read_small, write_keypair,
};
pub use site_files::{
    VerifiedHead, checkpoint_site_journal, checkpoints_dir, journal_path, site_trusted_keys,
    verify_site_journal,
};
pub use trusted::{KeyRotationPayload, TrustedKeys, key_rotation_payload};
pub use verify::verify_journal;
