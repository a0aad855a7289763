//! The checklist's "verify signatures and integrity" step for `apply`: the patch's artifact is
//! taken from a vetted source, verified (pinned artifact key, prehashed signature, SHA-256 of
//! the patch definition) and admitted into `store/sha256/<hex>`; the rollout uploads that copy
//! only. The result is journaled either way.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use secureupdate::adapters::artifacts::ArtifactStore;
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::signatures::parse_sha256_hex;
use secureupdate::config::Site;
use secureupdate::core::journal::EntryKind;
use secureupdate::core::rollout::ArtifactRef;
use secureupdate::engine::RunJournal;
use serde_json::json;

use crate::exit::{bad_input, usage};

/// Admits `artifact` into the store and returns the stored copy's path.
pub fn admit(
    site: &Site,
    plan_hash: &str,
    artifact: &ArtifactRef,
    journal: &mut RolloutJournal,
    out: &mut impl Write,
) -> Result<PathBuf> {
    let Some(signature) = &artifact.signature else {
        return Err(usage(format!(
            "the patch's artifact {} has no `signature`; only signed artifacts are deployed (add the .minisig path to the patch file)",
            artifact.path
        )));
    };
    let expected = parse_sha256_hex(&artifact.sha256).map_err(usage)?;
    let subject = format!("plan {plan_hash} verify artifact");
    let admitted = ArtifactStore::new(&site.dir, &site.config).admit(
        &site.path(Path::new(&artifact.path)),
        &site.path(Path::new(signature)),
        Some(&expected),
    );
    let payload = match &admitted {
        Ok(stored) => json!({
            "step": "verify_signatures_and_integrity",
            "ok": true,
            "artifact": artifact.path,
            "sha256": stored.sha256,
            "length": stored.length,
            "key_id": stored.key_id,
            "stored": format!("store/sha256/{}", stored.sha256),
        }),
        Err(error) => json!({
            "step": "verify_signatures_and_integrity",
            "ok": false,
            "artifact": artifact.path,
            "reason": error.to_string(),
        }),
    };
    journal.events(&[(EntryKind::StepFinished, subject, payload)])?;
    match admitted {
        Ok(stored) => {
            writeln!(
                out,
                "Artifact {} verified (key {}, sha256 {}) and stored as {}",
                artifact.path,
                stored.key_id,
                stored.sha256,
                stored.path.display()
            )?;
            Ok(stored.path)
        }
        Err(error) if error.is_check_failure() => Err(anyhow::Error::new(error)),
        Err(error) => Err(bad_input(error)),
    }
}
