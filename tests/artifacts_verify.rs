//! Artifact verification against pinned keys: interop with the `minisign` command both ways,
//! and the attack list of issue 6, each refused with its own message.

mod signing_support;

use std::fs;
use std::path::{Path, PathBuf};

use secureupdate::adapters::signatures::{
    SignatureCheck, SignatureError, SignatureFile, Verified, read_signature_file,
};
use secureupdate::config::{MinisignPublicKey, PinnedKey, TrustList};
use sha2::{Digest, Sha256};
use signing_support::{TestKey, command_verifies};
use tempfile::TempDir;

struct Fixture {
    dir: TempDir,
    key: TestKey,
    artifact: PathBuf,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let key = TestKey::new(dir.path(), "vendor");
    let artifact = dir.path().join("openssl_3.0.15-1_amd64.deb");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(&artifact, content).unwrap();
    Fixture { dir, key, artifact }
}

fn verify(
    file: &Path,
    signature: &Path,
    keys: &[PinnedKey],
    sha256: Option<[u8; 32]>,
) -> Result<Verified, SignatureError> {
    let parsed = read_signature_file(signature)?;
    SignatureCheck {
        signature: &parsed,
        signature_name: "sig",
        keys,
        role: TrustList::Artifact,
    }
    .file(file, sha256.as_ref())
}

fn sha256_of(path: &Path) -> [u8; 32] {
    Sha256::digest(fs::read(path).unwrap()).into()
}

/// The error message of a refused check.
fn refused(result: Result<Verified, SignatureError>) -> (bool, String) {
    let error = result.expect_err("the check must fail");
    (error.is_check_failure(), error.to_string())
}

#[test]
fn a_signature_made_by_the_minisign_command_verifies_with_ours() {
    let f = fixture();
    let signature = f
        .key
        .sign_with_command(&f.artifact, &["-t", "openssl 3.0.15 for bookworm"]);
    let verified = verify(
        &f.artifact,
        &signature,
        &[f.key.pinned()],
        Some(sha256_of(&f.artifact)),
    )
    .unwrap();
    assert_eq!(verified.length, 300_000);
    assert_eq!(verified.sha256, hex::encode(sha256_of(&f.artifact)));
    assert_eq!(verified.key_id, f.key.pair.key_id);
    assert_eq!(verified.trusted_comment, "openssl 3.0.15 for bookworm");
}

#[test]
fn a_signature_made_by_ours_verifies_with_minisign_vh_and_ours() {
    let f = fixture();
    let signature = f
        .key
        .sign_with_crate(&f.artifact, "file=openssl_3.0.15-1_amd64.deb");
    assert!(command_verifies(&f.artifact, &signature, &f.key.public));
    assert!(verify(&f.artifact, &signature, &[f.key.pinned()], None).is_ok());
}

#[test]
fn a_flipped_byte_is_a_bad_signature() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let mut bytes = fs::read(&f.artifact).unwrap();
    bytes[150_000] ^= 0x01;
    fs::write(&f.artifact, bytes).unwrap();
    let (failure, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(failure);
    assert!(message.contains("bad signature"), "{message}");
}

#[test]
fn a_truncated_file_is_a_bad_signature() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let bytes = fs::read(&f.artifact).unwrap();
    fs::write(&f.artifact, &bytes[..bytes.len() - 1]).unwrap();
    let (_, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(message.contains("bad signature"), "{message}");
}

#[test]
fn one_byte_extra_is_a_bad_signature() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let mut bytes = fs::read(&f.artifact).unwrap();
    bytes.push(0);
    fs::write(&f.artifact, bytes).unwrap();
    let (_, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(message.contains("bad signature"), "{message}");
}

#[test]
fn a_signature_from_another_file_is_a_bad_signature() {
    let f = fixture();
    let other = f.dir.path().join("other.deb");
    fs::write(&other, b"another package").unwrap();
    let signature = f.key.sign_with_command(&other, &[]);
    let (_, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(message.contains("bad signature"), "{message}");
    assert!(message.contains("belongs to another file"), "{message}");
}

#[test]
fn an_edited_trusted_comment_is_named_as_such() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &["-t", "version=1.0"]);
    let text = fs::read_to_string(&signature).unwrap();
    fs::write(
        &signature,
        text.replace(
            "trusted comment: version=1.0",
            "trusted comment: version=9.9",
        ),
    )
    .unwrap();
    let (failure, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(failure);
    assert!(message.contains("trusted comment was edited"), "{message}");
}

#[test]
fn a_signature_by_an_unpinned_key_is_an_unknown_key() {
    let f = fixture();
    let stranger = TestKey::new(f.dir.path(), "stranger");
    let signature = stranger.sign_with_command(&f.artifact, &[]);
    let (failure, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(failure);
    assert!(
        message.contains(&format!("unknown key {}", stranger.pair.key_id)),
        "{message}"
    );
    assert!(
        message.contains(&f.key.pair.key_id),
        "lists the pinned keys: {message}"
    );
}

#[test]
fn a_legacy_signature_is_refused_as_legacy() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &["-l"]);
    let (failure, message) = refused(verify(&f.artifact, &signature, &[f.key.pinned()], None));
    assert!(failure);
    assert!(message.contains("legacy (non-prehashed)"), "{message}");
}

#[test]
fn a_hash_other_than_expected_is_a_mismatch() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let mut expected = sha256_of(&f.artifact);
    expected[0] ^= 0xff;
    let (failure, message) = refused(verify(
        &f.artifact,
        &signature,
        &[f.key.pinned()],
        Some(expected),
    ));
    assert!(failure);
    assert!(message.contains("SHA-256 mismatch"), "{message}");
    assert!(message.contains(&hex::encode(expected)), "{message}");
}

/// Rewrites the signature file with `edit` and returns the parse error's message.
fn malformed(edit: impl Fn(&str) -> String) -> String {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let text = fs::read_to_string(&signature).unwrap();
    let edited = edit(&text);
    let error = match SignatureFile::parse(edited.as_bytes(), "file.minisig") {
        Ok(_) => panic!("{edited:?} should not parse"),
        Err(error) => error,
    };
    assert!(!error.is_check_failure(), "malformed input exits 2");
    error.to_string()
}

#[test]
fn a_signature_file_of_three_lines_is_malformed() {
    let message = malformed(|t| t.lines().take(3).collect::<Vec<_>>().join("\n") + "\n");
    assert!(
        message.contains("has 3 lines; expected exactly 4"),
        "{message}"
    );
}

#[test]
fn a_signature_file_of_five_lines_is_malformed() {
    let message = malformed(|t| format!("{t}extra line\n"));
    assert!(
        message.contains("has 5 lines; expected exactly 4"),
        "{message}"
    );
}

#[test]
fn bad_base64_in_a_signature_file_is_malformed() {
    let message = malformed(|t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        lines[1].replace_range(4..6, "!!");
        lines.join("\n") + "\n"
    });
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("not valid base64"), "{message}");
}

#[test]
fn crlf_line_endings_in_a_signature_file_are_malformed() {
    let message = malformed(|t| t.replace('\n', "\r\n"));
    assert!(message.contains("CRLF"), "{message}");
}

#[test]
fn among_pinned_keys_sharing_a_key_id_the_right_one_is_found() {
    let f = fixture();
    let signature = f.key.sign_with_command(&f.artifact, &[]);
    let real = f.key.minisign_key();
    let impostor = MinisignPublicKey {
        key_id: real.key_id,
        key: [7; 32],
    };
    let keys = [PinnedKey::new(impostor), f.key.pinned()];
    assert!(verify(&f.artifact, &signature, &keys, None).is_ok());
}
