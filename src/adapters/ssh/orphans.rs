//! Control directories left behind by a run that died without closing its masters (SIGKILL, a
//! power cut of the laptop's session, …): `ssh -f` masters live on until `ControlPersist` ends
//! them. A new executor clears them: each master still listening is asked to stop (it takes no
//! new session and exits once any still running ends), then the directory is removed.
//!
//! Only directories that are certainly orphans are touched: named like ours, a real directory
//! (not a link) owned by our uid, holding an owner file that names a process of our pid
//! namespace that `/proc` says is gone. A live owner, an owner in another namespace, a missing
//! or unreadable owner file, or a `/proc` that cannot be read leaves the directory alone.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::owner::{Liveness, Owner};
use super::stop_master::stop_master;

/// The name every control directory starts with.
pub const CONTROL_DIR_PREFIX: &str = "su-ssh-";

/// Clears the orphaned control directories beside `own_dir` (ours, just made: its uid is ours),
/// logging each; returns how many were cleared.
pub fn clear_orphans(own_dir: &Path) -> usize {
    let (Some(parent), Ok(own)) = (own_dir.parent(), fs::symlink_metadata(own_dir)) else {
        return 0;
    };
    // Without a readable /proc every owner would look gone.
    if Owner::of_this_process().is_none() {
        return 0;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    let mut cleared = 0;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let ours_by_name = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(CONTROL_DIR_PREFIX));
        if !ours_by_name || path == own_dir {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() || meta.uid() != own.uid() {
            continue;
        }
        let Some(owner) = Owner::read_from(&path) else {
            continue;
        };
        if owner.liveness() != Liveness::Gone {
            continue;
        }
        let masters_stopped = stop_masters(&path);
        if let Err(error) = fs::remove_dir_all(&path) {
            tracing::warn!(
                "could not remove {} left by process {} (no longer running): {error}",
                path.display(),
                owner.pid
            );
            continue;
        }
        tracing::info!(
            "cleared the ssh control directory {} left by process {}, which is no longer \
             running: {masters_stopped} ssh master(s) asked to exit",
            path.display(),
            owner.pid
        );
        cleared += 1;
    }
    cleared
}

/// Asks every master listening on a socket in `dir` to stop; returns how many answered.
fn stop_masters(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_socket()))
        .filter(|e| match stop_master(&e.path()) {
            Ok(()) => true,
            // A master that already exited leaves its socket file refusing connections.
            Err(error) => {
                tracing::debug!("{}: {error}", e.path().display());
                false
            }
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn dir_in(parent: &Path, name: &str, owner: Option<Owner>) -> PathBuf {
        let dir = parent.join(name);
        fs::create_dir(&dir).unwrap();
        if let Some(owner) = owner {
            owner.write_into(&dir).unwrap();
        }
        dir
    }

    fn exited_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn only_directories_whose_owner_is_certainly_gone_are_removed() {
        let parent = tempfile::tempdir().unwrap();
        let me = Owner::of_this_process().unwrap();
        let own = dir_in(parent.path(), "su-ssh-own", Some(me));
        let dead = dir_in(
            parent.path(),
            "su-ssh-dead",
            Some(Owner {
                pid: exited_pid(),
                ..me
            }),
        );
        let reused = dir_in(
            parent.path(),
            "su-ssh-reused",
            Some(Owner {
                start: me.start + 1,
                ..me
            }),
        );
        let live = dir_in(parent.path(), "su-ssh-live", Some(me));
        let other_machine = dir_in(
            parent.path(),
            "su-ssh-other-machine",
            Some(Owner {
                pid: exited_pid(),
                boot: me.boot ^ 1,
                ..me
            }),
        );
        let other_namespace = dir_in(
            parent.path(),
            "su-ssh-other-namespace",
            Some(Owner {
                pid: exited_pid(),
                pid_namespace: me.pid_namespace + 1,
                ..me
            }),
        );
        let no_owner = dir_in(parent.path(), "su-ssh-no-owner", None);
        let garbage = dir_in(parent.path(), "su-ssh-garbage", None);
        fs::write(garbage.join("owner"), "not an owner\n").unwrap();
        let other_name = dir_in(
            parent.path(),
            "other-dead",
            Some(Owner {
                pid: exited_pid(),
                ..me
            }),
        );
        let target = dir_in(
            parent.path(),
            "link-target",
            Some(Owner {
                pid: exited_pid(),
                ..me
            }),
        );
        std::os::unix::fs::symlink(&target, parent.path().join("su-ssh-link")).unwrap();
        // Another user's directory, when this test may make one (it runs as root).
        let foreign = dir_in(
            parent.path(),
            "su-ssh-foreign",
            Some(Owner {
                pid: exited_pid(),
                ..me
            }),
        );
        let foreign_made = std::os::unix::fs::chown(&foreign, Some(65_534), None).is_ok();

        // Without root the "foreign" directory is ours and dead: cleared like the others.
        assert_eq!(clear_orphans(&own), 2 + usize::from(!foreign_made));

        assert!(!dead.exists() && !reused.exists());
        let kept = [
            &own,
            &live,
            &other_namespace,
            &other_machine,
            &no_owner,
            &garbage,
            &other_name,
            &target,
        ];
        for kept in kept {
            assert!(kept.is_dir(), "{} was removed", kept.display());
        }
        assert!(parent.path().join("su-ssh-link").exists());
        assert_eq!(foreign.is_dir(), foreign_made, "another user's directory");
    }
}
