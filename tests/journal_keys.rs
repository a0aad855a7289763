//! Operator keys and signatures: files and modes, passwords, and interop with the stock
//! `minisign` command (checkpoints verify with `minisign -VH`; our keys sign with `minisign -S`).

mod journal_support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use journal_support::*;
use secureupdate::adapters::journal::{
    KeyError, OperatorSigner, TrustedKeys, checkpoint_paths, generate_keypair, load_public_key,
    write_checkpoint, write_keypair,
};

fn minisign() -> Command {
    let path = ["/usr/bin/minisign", "/usr/local/bin/minisign"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    Command::new(path.expect("the minisign command is needed: apt-get install -y minisign"))
}

#[track_caller]
fn run(command: &mut Command, stdin: &str) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn checkpoints_verify_with_the_minisign_command_in_prehashed_mode() {
    let site = Site::standard();
    let files = write_checkpoint(&site.checkpoints(), &site.journal, &site.alice).unwrap();
    let (text, signature) = checkpoint_paths(&site.checkpoints(), site.journal.id(), 12);
    assert_eq!((&files.text, &files.signature), (&text, &signature));
    let alice_pub = site.dir.path().join("keys/alice.pub");
    let output = minisign()
        .arg("-VH")
        .arg("-m")
        .arg(&text)
        .arg("-p")
        .arg(&alice_pub)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!(
            "journal={} size=12 head={}",
            site.journal.id(),
            site.journal.head().unwrap().hash
        )),
        "{said}"
    );

    let bob_pub = site.dir.path().join("keys/bob.pub");
    let status = minisign()
        .arg("-VH")
        .arg("-m")
        .arg(&text)
        .arg("-p")
        .arg(&bob_pub)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "bob's key must not verify alice's checkpoint"
    );
}

#[test]
fn an_unencrypted_key_of_ours_signs_with_the_minisign_command() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = operator(dir.path(), "alice");
    let message = dir.path().join("message.txt");
    std::fs::write(&message, "secureupdate interop\n").unwrap();
    run(
        minisign()
            .arg("-S")
            .arg("-s")
            .arg(dir.path().join("keys/alice.key"))
            .arg("-m")
            .arg(&message)
            .arg("-t")
            .arg("made by minisign"),
        "",
    );
    let signature = std::fs::read_to_string(dir.path().join("message.txt.minisig")).unwrap();
    let trusted = TrustedKeys::new(&[("alice".to_string(), public)]);
    let (signer, comment) = trusted
        .verify_any(&std::fs::read(&message).unwrap(), &signature)
        .unwrap();
    assert_eq!(
        (signer.as_str(), comment.as_str()),
        ("alice", "made by minisign")
    );
}

#[test]
fn a_password_protected_key_of_ours_signs_with_the_minisign_command() {
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_keypair(Some("correct horse")).unwrap();
    let (public_path, secret_path) = (dir.path().join("alice.pub"), dir.path().join("alice.key"));
    write_keypair(&pair, &public_path, &secret_path).unwrap();
    let message = dir.path().join("message.txt");
    std::fs::write(&message, "signed with a password\n").unwrap();
    run(
        minisign()
            .arg("-S")
            .arg("-s")
            .arg(&secret_path)
            .arg("-m")
            .arg(&message),
        "correct horse\n",
    );
    let signature = std::fs::read_to_string(dir.path().join("message.txt.minisig")).unwrap();
    let trusted =
        TrustedKeys::new(&[("alice".to_string(), load_public_key(&public_path).unwrap())]);
    assert!(
        trusted
            .verify_any(&std::fs::read(&message).unwrap(), &signature)
            .is_ok()
    );
}

#[test]
fn password_protected_keys_unlock_only_with_their_password() {
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_keypair(Some("s3cret")).unwrap();
    let (public_path, secret_path) = (dir.path().join("k.pub"), dir.path().join("k.key"));
    write_keypair(&pair, &public_path, &secret_path).unwrap();
    let signer = OperatorSigner::load("alice", &secret_path, Some("s3cret")).unwrap();
    assert_eq!(signer.key_id(), pair.key_id);
    assert!(matches!(
        OperatorSigner::load("alice", &secret_path, Some("wrong")),
        Err(KeyError::Unlock { .. })
    ));
    let Err(KeyError::Unlock { detail, .. }) = OperatorSigner::load("alice", &secret_path, None)
    else {
        panic!("an encrypted key must not load without a password");
    };
    assert!(detail.contains("password"), "{detail}");
    assert!(matches!(
        generate_keypair(Some("")),
        Err(KeyError::EmptyPassword)
    ));
}

#[test]
fn key_files_have_the_minisign_layout_and_the_secret_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_keypair(None).unwrap();
    let (public_path, secret_path) = (
        dir.path().join("keys/alice.pub"),
        dir.path().join("keys/alice.key"),
    );
    write_keypair(&pair, &public_path, &secret_path).unwrap();
    let mode = std::fs::metadata(&secret_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let public = std::fs::read_to_string(&public_path).unwrap();
    let lines: Vec<&str> = public.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        format!("untrusted comment: minisign public key: {}", pair.key_id)
    );
    assert!(
        lines[1].starts_with("RW"),
        "base64 of `Ed` + key: {}",
        lines[1]
    );
    assert!(matches!(
        write_keypair(&pair, &public_path, &dir.path().join("other.key")),
        Err(KeyError::Exists { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(&secret_path).unwrap(),
        pair.secret,
        "an existing key is never overwritten"
    );
}

#[test]
fn malformed_key_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pub");
    std::fs::write(&path, "untrusted comment: x\nnot-base64!!\n").unwrap();
    let error = load_public_key(&path).unwrap_err().to_string();
    assert!(error.contains("bad.pub"), "{error}");
    std::fs::write(&path, "hello").unwrap();
    assert!(
        load_public_key(&path)
            .unwrap_err()
            .to_string()
            .contains("untrusted comment")
    );
    let secret = dir.path().join("bad.key");
    std::fs::write(&secret, "untrusted comment: x\nAAAA\n").unwrap();
    assert!(matches!(
        OperatorSigner::load("a", &secret, None),
        Err(KeyError::Unlock { .. })
    ));
}

#[test]
fn trusted_comments_must_be_one_trimmed_line() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, _) = operator(dir.path(), "alice");
    for bad in ["trailing ", " leading", "two\nlines", ""] {
        assert!(
            matches!(alice.sign(b"m", bad), Err(KeyError::Comment(_))),
            "{bad:?}"
        );
    }
    assert!(alice.sign(b"m", "journal=ab size=1 head=cd").is_ok());
}
