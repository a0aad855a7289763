//! One process per site: the lock, its holder description, and its release.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use secureupdate::adapters::store::{LOCK_FILE_NAME, SiteLock, StoreError};

/// Set when this test binary runs as the lock holder for `another_process_holding_the_site`.
const CHILD_SITE_VAR: &str = "SECUREUPDATE_TEST_LOCK_HOLDER_SITE";

#[test]
fn a_second_lock_on_the_site_fails_naming_the_holder() {
    let site = tempfile::tempdir().unwrap();
    let _held = SiteLock::acquire(site.path(), "tui").unwrap();

    let error = SiteLock::acquire(site.path(), "apply").unwrap_err();
    assert!(matches!(error, StoreError::SiteBusy { .. }), "{error:?}");
    let message = error.to_string();
    let expected = format!(
        "site {} is in use by secureupdate pid {} (tui, started ",
        site.path().display(),
        std::process::id()
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.ends_with("; close it or wait"), "{message}");
}

#[test]
fn the_lock_is_free_again_after_drop_and_the_file_stays() {
    let site = tempfile::tempdir().unwrap();
    let first = SiteLock::acquire(site.path(), "scan").unwrap();
    assert_eq!(first.path(), site.path().join(LOCK_FILE_NAME));
    drop(first);
    assert!(site.path().join(LOCK_FILE_NAME).exists());

    let second = SiteLock::acquire(site.path(), "apply").unwrap();
    let text = std::fs::read_to_string(second.path()).unwrap();
    assert!(text.contains("command=apply\n"), "{text}");
    assert!(
        !text.contains("command=scan"),
        "old holder's description is replaced: {text}"
    );
}

#[test]
fn a_missing_site_directory_is_an_error_naming_the_lock_file() {
    let site = tempfile::tempdir().unwrap();
    let missing = site.path().join("nope");
    let message = SiteLock::acquire(&missing, "tui").unwrap_err().to_string();
    assert!(
        message.contains(&missing.join(LOCK_FILE_NAME).display().to_string()),
        "{message}"
    );
}

#[test]
fn a_hostile_holder_description_is_shown_printable() {
    let site = tempfile::tempdir().unwrap();
    let path = site.path().join(LOCK_FILE_NAME);
    std::fs::write(
        &path,
        "pid=66\ncommand=\u{1b}]0;pwned\u{7}tui\nstarted=now\u{202e}\n",
    )
    .unwrap();
    let holder = std::fs::File::open(&path).unwrap();
    holder.try_lock().unwrap();

    let message = SiteLock::acquire(site.path(), "tui")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("secureupdate pid 66 (?]0;pwned?tui, started now?)"),
        "{message}"
    );
}

fn spawn_holder(site: &std::path::Path) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lock::hold_the_site_for_the_parent",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_SITE_VAR, site)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while line.trim() != "LOCKED" {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "holder exited before locking"
        );
    }
    (child, out)
}

#[test]
fn another_process_holding_the_site_is_named_and_its_exit_frees_the_site() {
    let site = tempfile::tempdir().unwrap();
    let (mut child, _out) = spawn_holder(site.path());

    let message = SiteLock::acquire(site.path(), "tui")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("secureupdate pid {} (apply, started ", child.id())),
        "{message}"
    );

    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert!(child.wait().unwrap().success());
    SiteLock::acquire(site.path(), "tui").unwrap();
}

#[test]
fn a_killed_holder_leaves_no_stale_lock() {
    let site = tempfile::tempdir().unwrap();
    let (mut child, _out) = spawn_holder(site.path());
    assert!(SiteLock::acquire(site.path(), "tui").is_err());

    child.kill().unwrap();
    child.wait().unwrap();
    SiteLock::acquire(site.path(), "tui").unwrap();
}

/// Not a test: the lock holder the tests above start in a child process.
#[test]
#[ignore = "run by the lock tests as a child process"]
fn hold_the_site_for_the_parent() {
    let Some(site) = std::env::var_os(CHILD_SITE_VAR) else {
        return;
    };
    let _lock = SiteLock::acquire(std::path::Path::new(&site), "apply").unwrap();
    println!("LOCKED");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}
