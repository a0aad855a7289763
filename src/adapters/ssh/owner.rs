//! Which process a control directory belongs to: its pid, the kernel's start time for that pid
//! (from `/proc`), so that a pid reused by a later process does not pass for the owner, and its
//! pid namespace, since a pid means nothing to a process in another one (containers sharing a
//! `/tmp`): an owner from another namespace is never judged gone. Nor is one recorded under
//! another boot id: another machine sharing the directory (an NFS home), or before a reboot.

use std::fs;
use std::io::{ErrorKind, Read as _};
use std::path::Path;

/// The owner file inside a control directory.
pub const OWNER_FILE: &str = "owner";

/// Longest owner file read back: three decimal numbers and a boot id.
const MAX_OWNER_BYTES: u64 = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    /// Field 22 of `/proc/PID/stat`: clock ticks after boot.
    pub start: u64,
    /// The inode of `/proc/self/ns/pid`.
    pub pid_namespace: u64,
    /// `/proc/sys/kernel/random/boot_id`: this machine, this boot.
    pub boot: u128,
}

/// What `/proc` says about a recorded owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Running,
    /// No such process, a zombie, or a later process under the same pid.
    Gone,
    /// `/proc` could not be read, or the owner lives in another pid namespace.
    CannotTell,
}

impl Owner {
    /// This process, when `/proc/self/stat` can be read.
    pub fn of_this_process() -> Option<Owner> {
        let (start, _) = parse_stat(&fs::read_to_string("/proc/self/stat").ok()?)?;
        Some(Owner {
            pid: std::process::id(),
            start,
            pid_namespace: this_pid_namespace()?,
            boot: this_boot()?,
        })
    }

    /// The owner recorded in `dir`, or `None` when there is none or it is not ours to read.
    pub fn read_from(dir: &Path) -> Option<Owner> {
        let mut text = String::new();
        fs::File::open(dir.join(OWNER_FILE))
            .ok()?
            .take(MAX_OWNER_BYTES)
            .read_to_string(&mut text)
            .ok()?;
        let fields: Vec<&str> = text.strip_suffix('\n')?.split(' ').collect();
        let [pid, start, pid_namespace, boot] = fields[..] else {
            return None;
        };
        let number = |s: &str| -> Option<u64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        Some(Owner {
            pid: number(pid).and_then(|n| u32::try_from(n).ok())?,
            start: number(start)?,
            pid_namespace: number(pid_namespace)?,
            boot: parse_boot_id(boot)?,
        })
    }

    pub fn write_into(&self, dir: &Path) -> std::io::Result<()> {
        let line = format!(
            "{} {} {} {:032x}\n",
            self.pid, self.start, self.pid_namespace, self.boot
        );
        fs::write(dir.join(OWNER_FILE), line)
    }

    pub fn liveness(&self) -> Liveness {
        if this_pid_namespace() != Some(self.pid_namespace) || this_boot() != Some(self.boot) {
            return Liveness::CannotTell;
        }
        match fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => match parse_stat(&stat) {
                Some((start, state)) if start == self.start && !matches!(state, 'Z' | 'X') => {
                    Liveness::Running
                }
                Some(_) => Liveness::Gone,
                None => Liveness::CannotTell,
            },
            Err(e) if e.kind() == ErrorKind::NotFound => Liveness::Gone,
            Err(_) => Liveness::CannotTell,
        }
    }
}

fn this_boot() -> Option<u128> {
    parse_boot_id(
        fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()?
            .trim(),
    )
}

/// A boot id as the kernel prints it (a UUID) or as the owner file keeps it (32 hex digits).
fn parse_boot_id(text: &str) -> Option<u128> {
    let digits: String = text.chars().filter(|&c| c != '-').collect();
    if digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&digits, 16).ok()
}

/// `pid:[4026531836]` → 4026531836.
fn this_pid_namespace() -> Option<u64> {
    let link = fs::read_link("/proc/self/ns/pid").ok()?;
    let text = link.to_str()?;
    text.strip_prefix("pid:[")?.strip_suffix(']')?.parse().ok()
}

/// (start time, state) from the text of `/proc/PID/stat`. The command name (field 2) may hold
/// spaces and parentheses, so the fields are counted after its last `)`.
fn parse_stat(stat: &str) -> Option<(u64, char)> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // Field 3 is the state; the start time is field 22.
    let start = fields.nth(18)?.parse().ok()?;
    Some((start, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_is_read_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 200 18446744073709551615";
        assert_eq!(parse_stat(stat), Some((987_654, 'S')));
        assert_eq!(parse_stat("4242 (x) S 1"), None);
    }

    #[test]
    fn this_process_is_running_and_the_same_pid_with_another_start_is_gone() {
        let me = Owner::of_this_process().unwrap();
        assert_eq!(me.pid, std::process::id());
        assert_eq!(me.liveness(), Liveness::Running);
        let reused = Owner {
            start: me.start + 1,
            ..me
        };
        assert_eq!(reused.liveness(), Liveness::Gone);
        let elsewhere = Owner {
            pid: u32::MAX,
            pid_namespace: me.pid_namespace + 1,
            ..me
        };
        assert_eq!(elsewhere.liveness(), Liveness::CannotTell);
        let other_machine = Owner {
            pid: u32::MAX,
            boot: me.boot ^ 1,
            ..me
        };
        assert_eq!(other_machine.liveness(), Liveness::CannotTell);
    }

    #[test]
    fn an_owner_file_round_trips_and_anything_else_is_not_an_owner() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Owner::read_from(dir.path()), None);
        let owner = Owner {
            pid: 12,
            start: 34,
            pid_namespace: 56,
            boot: 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        };
        owner.write_into(dir.path()).unwrap();
        assert_eq!(Owner::read_from(dir.path()), Some(owner));
        let boot = "0123456789abcdef0123456789abcdef";
        let not_owners = [
            format!("12 34 56 {boot}"),
            format!("12  34 56 {boot}\n"),
            format!("-12 34 56 {boot}\n"),
            "12 34 56\n".to_string(),
            format!("12 34 56 {boot} 78\n"),
            format!("4294967296 34 56 {boot}\n"),
            "12 34 56 0123\n".to_string(),
            String::new(),
        ];
        for text in not_owners {
            fs::write(dir.path().join(OWNER_FILE), &text).unwrap();
            assert_eq!(Owner::read_from(dir.path()), None, "{text:?}");
        }
    }
}
