//! Admitting artifacts into the content store: only from vetted sources (no link or `..`
//! escapes, no special files), verified while copied, and nothing stored when a check fails.

mod signing_support;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use secureupdate::adapters::artifacts::{ArtifactError, ArtifactStore};
use secureupdate::config::Site;
use sha2::{Digest, Sha256};
use signing_support::{TestKey, write_site};
use tempfile::TempDir;

struct Setup {
    dir: TempDir,
    site: PathBuf,
    vendor: TestKey,
    artifact: PathBuf,
    signature: PathBuf,
}

fn setup() -> Setup {
    let dir = TempDir::new().unwrap();
    let vendor = TestKey::new(dir.path(), "vendor");
    let site = dir.path().join("site");
    write_site(&site, &[], &[vendor.base64()], &["artifacts"]);
    fs::create_dir_all(site.join("artifacts")).unwrap();
    let artifact = site.join("artifacts/fix_1.0.deb");
    fs::write(&artifact, vec![42u8; 70_000]).unwrap();
    let signature = vendor.sign_with_command(&artifact, &[]);
    Setup {
        dir,
        site,
        vendor,
        artifact,
        signature,
    }
}

fn admit(s: &Setup, artifact: &Path, expected: Option<[u8; 32]>) -> Result<PathBuf, ArtifactError> {
    let site = Site::load(&s.site).unwrap();
    ArtifactStore::new(&s.site, &site.config)
        .admit(artifact, &s.signature, expected.as_ref())
        .map(|stored| stored.path)
}

fn store_entries(s: &Setup) -> Vec<String> {
    match fs::read_dir(s.site.join("store/sha256")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_verified_artifact_is_stored_read_only_under_its_hash() {
    let s = setup();
    let sha: [u8; 32] = Sha256::digest(fs::read(&s.artifact).unwrap()).into();
    let site = Site::load(&s.site).unwrap();
    let stored = ArtifactStore::new(&s.site, &site.config)
        .admit(&s.artifact, &s.signature, Some(&sha))
        .unwrap();
    assert_eq!(stored.sha256, hex::encode(sha));
    assert_eq!(
        stored.path,
        s.site.join("store/sha256").join(hex::encode(sha))
    );
    assert_eq!(stored.key_id, s.vendor.pair.key_id);
    assert_eq!(stored.length, 70_000);
    assert_eq!(
        fs::read(&stored.path).unwrap(),
        fs::read(&s.artifact).unwrap()
    );
    let mode = fs::metadata(&stored.path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o444);
    let again = admit(&s, &s.artifact, Some(sha)).unwrap();
    assert_eq!(again, stored.path);
    assert_eq!(
        store_entries(&s),
        vec![hex::encode(sha)],
        "no temporary file left"
    );
    let store = ArtifactStore::new(&s.site, &site.config);
    assert_eq!(store.path_of(&hex::encode(sha)), Some(stored.path));
    assert_eq!(store.path_of("../../etc/passwd"), None);
}

#[test]
fn an_artifact_outside_the_sources_is_refused() {
    let s = setup();
    let outside = s.dir.path().join("fix_1.0.deb");
    fs::copy(&s.artifact, &outside).unwrap();
    let error = admit(&s, &outside, None).unwrap_err();
    assert!(error.is_check_failure());
    assert!(
        error
            .to_string()
            .contains("not under a vetted artifact source"),
        "{error}"
    );
    let dotdot = s.site.join("artifacts/../../fix_1.0.deb");
    let error = admit(&s, &dotdot, None).unwrap_err();
    assert!(
        matches!(error, ArtifactError::NotInSources { .. }),
        "{error}"
    );
    assert!(store_entries(&s).is_empty());
}

#[test]
fn a_symlink_out_of_a_source_is_refused() {
    let s = setup();
    let outside = s.dir.path().join("evil.deb");
    fs::copy(&s.artifact, &outside).unwrap();
    let link = s.site.join("artifacts/link.deb");
    symlink(&outside, &link).unwrap();
    let error = admit(&s, &link, None).unwrap_err();
    assert!(
        matches!(error, ArtifactError::NotInSources { .. }),
        "{error}"
    );
}

#[test]
fn a_fifo_in_a_source_is_refused_without_hanging() {
    let s = setup();
    let fifo = s.site.join("artifacts/fifo.deb");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let error = admit(&s, &fifo, None).unwrap_err();
    assert!(
        error.to_string().contains("is not a regular file"),
        "{error}"
    );
}

#[test]
fn nothing_is_stored_when_the_signature_or_hash_fails() {
    let s = setup();
    let error = admit(&s, &s.artifact, Some([0; 32])).unwrap_err();
    assert!(error.to_string().contains("SHA-256 mismatch"), "{error}");
    fs::write(&s.artifact, vec![43u8; 70_000]).unwrap();
    let error = admit(&s, &s.artifact, None).unwrap_err();
    assert!(error.to_string().contains("bad signature"), "{error}");
    assert!(store_entries(&s).is_empty(), "{:?}", store_entries(&s));
}
