//! Uploads: the file lands only when its SHA-256 matched on the host; otherwise nothing is left.

mod ssh_support;

use std::fs;
use std::path::Path;

use secureupdate::adapters::ssh::{UPLOAD_HASH_MISMATCH, UPLOAD_LOCAL_UNREADABLE};
use secureupdate::engine::executor::{Executor, StepOutcome};
use sha2::{Digest, Sha256};
use ssh_support::{SshdFleet, executor};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Names in `dir`, sorted: shows stray temporary files.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_with_the_right_hash_lands_in_place() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    // Larger than a pipe buffer, with every byte value, so streaming and binary safety count.
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let local = fleet.site_dir().join("artifact.deb");
    fs::write(&local, &content).unwrap();
    let inbox = fleet.host(0).state_dir.join("inbox");
    fs::create_dir_all(&inbox).unwrap();
    let remote = inbox.join("artifact.deb");

    let outcome = ssh
        .upload(
            &fleet.target(0),
            &local,
            &sha256_hex(&content),
            &remote.display().to_string(),
        )
        .await;
    assert_eq!(
        outcome,
        StepOutcome::Finished {
            exit_code: 0,
            already_done: false
        }
    );
    assert_eq!(fs::read(&remote).unwrap(), content);
    assert_eq!(listing(&inbox), vec!["artifact.deb"]);
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_with_a_wrong_hash_is_refused_and_leaves_nothing() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let local = fleet.site_dir().join("artifact.deb");
    fs::write(&local, b"tampered payload").unwrap();
    let inbox = fleet.host(1).state_dir.join("inbox");
    fs::create_dir_all(&inbox).unwrap();
    let remote = inbox.join("artifact.deb");
    let outcome = ssh
        .upload(
            &fleet.target(1),
            &local,
            &sha256_hex(b"the genuine payload"),
            &remote.display().to_string(),
        )
        .await;
    assert_eq!(
        outcome,
        StepOutcome::Finished {
            exit_code: UPLOAD_HASH_MISMATCH,
            already_done: false
        }
    );
    assert!(listing(&inbox).is_empty(), "{:?}", listing(&inbox));
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_cannot_be_checked_sends_nothing() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let inbox = fleet.host(2).state_dir.join("inbox");
    fs::create_dir_all(&inbox).unwrap();
    let remote = inbox.join("artifact.deb").display().to_string();
    let missing = ssh
        .upload(
            &fleet.target(2),
            &fleet.site_dir().join("no-such-file"),
            &sha256_hex(b""),
            &remote,
        )
        .await;
    assert_eq!(
        missing,
        StepOutcome::Finished {
            exit_code: UPLOAD_LOCAL_UNREADABLE,
            already_done: false
        }
    );
    let local = fleet.site_dir().join("artifact.deb");
    fs::write(&local, b"x").unwrap();
    for (sha, path) in [
        ("NOT-A-HASH", remote.as_str()),
        (&sha256_hex(b"x") as &str, "relative/path"),
    ] {
        let refused = ssh.upload(&fleet.target(2), &local, sha, path).await;
        assert!(
            matches!(refused, StepOutcome::Unreachable { .. }),
            "{refused:?}"
        );
    }
    assert!(listing(&inbox).is_empty());
}
