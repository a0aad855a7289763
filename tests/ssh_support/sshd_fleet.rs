//! A fleet of real `sshd` processes on loopback ports, one per fake host: each with its own host
//! key (made with ssh-keygen now), port, HOME, state directory, pid file and log; one client key
//! authorized on all; a known_hosts written from the generated host keys (never by scanning).
//! Dropping the fleet stops exactly the sshd processes it started.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use secureupdate::config::SshSettings;
use secureupdate::engine::executor::HostTarget;
use tempfile::TempDir;

pub const SSHD: &str = "/usr/sbin/sshd";
const PRIVSEP_DIR: &str = "/run/sshd";
/// How long one sshd may take to write its pid file on a loaded machine.
const START_LIMIT: Duration = Duration::from_secs(20);
const PORT_TRIES: usize = 5;

pub struct FakeHost {
    pub name: String,
    pub port: u16,
    /// Per-host state: `markers/` is its marker directory; tests keep counters here.
    pub state_dir: PathBuf,
    pub host_key_line: String,
    dir: PathBuf,
    child: Option<Child>,
}

pub struct SshdFleet {
    root: TempDir,
    user: String,
    hosts: Vec<FakeHost>,
}

impl SshdFleet {
    /// Starts `count` hosts, or says why sshd cannot run on this machine.
    pub fn start(count: usize) -> Result<SshdFleet, String> {
        let user = current_user()?;
        prepare_privsep_dir()?;
        let root = tempfile::Builder::new()
            .prefix("sshd-fleet-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let ssh_dir = root.path().join("ssh");
        fs::create_dir_all(&ssh_dir).map_err(|e| e.to_string())?;
        keygen(&ssh_dir.join("id_ed25519"), "secureupdate-test-client")?;
        fs::copy(
            ssh_dir.join("id_ed25519.pub"),
            root.path().join("authorized_keys"),
        )
        .map_err(|e| e.to_string())?;
        let mut fleet = SshdFleet {
            root,
            user,
            hosts: Vec::new(),
        };
        for i in 0..count {
            let host = fleet.prepare_host(i)?;
            fleet.hosts.push(host);
        }
        for i in 0..count {
            fleet.launch(i)?;
        }
        for i in 0..count {
            fleet.wait_ready(i)?;
        }
        fleet.write_known_hosts(&fleet.known_hosts(), |_, own| Some(own.to_string()))?;
        Ok(fleet)
    }

    /// [`start`](Self::start), or `None` after printing why the test is skipped. Under CI
    /// (`CI` set) sshd must run, so a failure to start is a test failure there.
    pub fn start_or_skip(count: usize) -> Option<SshdFleet> {
        match SshdFleet::start(count) {
            Ok(fleet) => Some(fleet),
            Err(reason) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED: sshd cannot run on this machine: {reason}");
                None
            }
            Err(reason) => panic!("sshd fleet failed to start under CI: {reason}"),
        }
    }

    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// The site directory: `ssh/known_hosts` and the client key `ssh/id_ed25519`.
    pub fn site_dir(&self) -> &Path {
        self.root.path()
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.root.path().join("ssh/known_hosts")
    }

    pub fn client_key(&self) -> PathBuf {
        self.root.path().join("ssh/id_ed25519")
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// site.toml `[ssh]` for this fleet, paths relative to [`site_dir`](Self::site_dir).
    pub fn ssh_settings(&self) -> SshSettings {
        fleet_ssh_settings()
    }

    pub fn host(&self, i: usize) -> &FakeHost {
        &self.hosts[i]
    }

    pub fn target(&self, i: usize) -> HostTarget {
        let host = &self.hosts[i];
        HostTarget {
            name: host.name.clone(),
            address: "127.0.0.1".to_string(),
            port: host.port,
            user: self.user.clone(),
            marker_dir: host.state_dir.join("markers").display().to_string(),
        }
    }

    pub fn targets(&self) -> Vec<HostTarget> {
        (0..self.hosts.len()).map(|i| self.target(i)).collect()
    }

    /// The known_hosts line for host `i` with `key_line` (`ssh-ed25519 AAAA…`).
    pub fn known_hosts_entry(&self, i: usize, key_line: &str) -> String {
        format!("[127.0.0.1]:{} {key_line}", self.hosts[i].port)
    }

    /// Writes a known_hosts file: `key_for(i, host_key_line)` gives the key line pinned for
    /// host `i` (its own, another, or `None` to leave the host out).
    pub fn write_known_hosts(
        &self,
        path: &Path,
        key_for: impl Fn(usize, &str) -> Option<String>,
    ) -> Result<(), String> {
        let text: String = (0..self.hosts.len())
            .filter_map(|i| {
                key_for(i, &self.hosts[i].host_key_line)
                    .map(|key| format!("{}\n", self.known_hosts_entry(i, &key)))
            })
            .collect();
        fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// A fresh ed25519 public key line that belongs to no host.
    pub fn unrelated_key_line(&self) -> String {
        let path = self.root.path().join("unrelated_key");
        let _ = fs::remove_file(&path);
        let _ = fs::remove_file(path.with_extension("pub"));
        keygen(&path, "unrelated").unwrap();
        key_line(&path.with_extension("pub")).unwrap()
    }

    /// Stops host `i`'s sshd; its port then refuses connections.
    pub fn stop(&mut self, i: usize) {
        if let Some(child) = self.hosts[i].child.take() {
            stop_child(child);
        }
    }

    /// The host's sshd log, for failure messages.
    pub fn log(&self, i: usize) -> String {
        fs::read_to_string(self.hosts[i].dir.join("sshd.log")).unwrap_or_default()
    }

    fn prepare_host(&self, i: usize) -> Result<FakeHost, String> {
        let name = format!("host-{i:02}");
        let dir = self.root.path().join("hosts").join(&name);
        let state_dir = dir.join("state");
        for sub in [&state_dir, &dir.join("home")] {
            fs::create_dir_all(sub).map_err(|e| format!("cannot create {}: {e}", sub.display()))?;
        }
        keygen(&dir.join("host_key"), &name)?;
        let host_key_line = key_line(&dir.join("host_key.pub"))?;
        Ok(FakeHost {
            name,
            port: 0,
            state_dir,
            host_key_line,
            dir,
            child: None,
        })
    }

    fn launch(&mut self, i: usize) -> Result<(), String> {
        let port = free_port()?;
        let dir = self.hosts[i].dir.clone();
        let config = dir.join("sshd_config");
        fs::write(&config, sshd_config(&dir, self.root.path(), port))
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
        let _ = fs::remove_file(dir.join("sshd.pid"));
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-f")
            .arg(&config)
            .arg("-E")
            .arg(dir.join("sshd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {SSHD}: {e}"))?;
        self.hosts[i].port = port;
        self.hosts[i].child = Some(child);
        Ok(())
    }

    /// Waits for the pid file sshd writes once it listens; retries on another port when the
    /// chosen one was taken meanwhile.
    fn wait_ready(&mut self, i: usize) -> Result<(), String> {
        for _ in 0..PORT_TRIES {
            let started = Instant::now();
            let pid_file = self.hosts[i].dir.join("sshd.pid");
            loop {
                let Some(child) = self.hosts[i].child.as_mut() else {
                    return Err("sshd was not started".to_string());
                };
                if let Ok(Some(status)) = child.try_wait() {
                    self.hosts[i].child = None;
                    let log = self.log(i);
                    if log.contains("Address already in use") {
                        break;
                    }
                    return Err(format!("{SSHD} exited with {status}: {}", log.trim()));
                }
                if pid_file.exists() {
                    return Ok(());
                }
                if started.elapsed() > START_LIMIT {
                    return Err(format!("{SSHD} did not start: {}", self.log(i).trim()));
                }
                sleep(Duration::from_millis(10));
            }
            self.launch(i)?;
        }
        Err(format!("no free port after {PORT_TRIES} tries"))
    }
}

/// site.toml `[ssh]` for any fleet, paths relative to its site directory (a child process
/// that only knows the directory can make the same executor).
pub fn fleet_ssh_settings() -> SshSettings {
    SshSettings {
        known_hosts: PathBuf::from("ssh/known_hosts"),
        identity: Some(PathBuf::from("ssh/id_ed25519")),
        config: None,
        connect_timeout_s: 10,
        command_timeout_s: 60,
    }
}

impl Drop for SshdFleet {
    fn drop(&mut self) {
        for host in &mut self.hosts {
            if let Some(child) = host.child.take() {
                stop_child(child);
            }
        }
    }
}

/// SIGTERM to the sshd we started (it removes its pid file), SIGKILL if it lingers.
fn stop_child(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn sshd_config(dir: &Path, root: &Path, port: u16) -> String {
    let d = dir.display();
    let mut text = format!(
        "Port {port}\n\
         ListenAddress 127.0.0.1\n\
         HostKey {d}/host_key\n\
         PidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {}/authorized_keys\n\
         SetEnv HOME={d}/home\n\
         UsePAM no\n\
         StrictModes no\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PubkeyAuthentication yes\n\
         PermitRootLogin prohibit-password\n\
         AllowTcpForwarding no\n\
         X11Forwarding no\n\
         PrintMotd no\n\
         MaxSessions 64\n\
         MaxStartups 200:30:400\n",
        root.display()
    );
    if sshd_has_source_penalties() {
        // 9.8+ would slow down loopback after the refused-host-key tests.
        text.push_str("PerSourcePenalties no\n");
    }
    text
}

/// Whether this sshd is 9.8 or later (`PerSourcePenalties`).
fn sshd_has_source_penalties() -> bool {
    let Ok(out) = Command::new(SSHD).arg("-V").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stderr);
    let Some(version) = text.split("OpenSSH_").nth(1) else {
        return false;
    };
    let mut numbers = version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    (major, minor) >= (9, 8)
}

fn prepare_privsep_dir() -> Result<(), String> {
    if !Path::new(SSHD).is_file() {
        return Err(format!(
            "{SSHD} is not installed (apt-get install openssh-server)"
        ));
    }
    if Path::new(PRIVSEP_DIR).is_dir() {
        return Ok(());
    }
    fs::create_dir_all(PRIVSEP_DIR)
        .map_err(|e| format!("{PRIVSEP_DIR} is missing and cannot be created: {e}"))
}

fn current_user() -> Result<String, String> {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .map_err(|e| format!("cannot run id -un: {e}"))?;
    let user = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if user.is_empty() {
        return Err("id -un named no user".to_string());
    }
    Ok(user)
}

fn keygen(path: &Path, comment: &str) -> Result<(), String> {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run ssh-keygen: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("ssh-keygen failed for {}", path.display()))
    }
}

/// `ssh-ed25519 AAAA…` from a public key file, without its comment.
fn key_line(pub_file: &Path) -> Result<String, String> {
    let text = fs::read_to_string(pub_file).map_err(|e| e.to_string())?;
    let mut fields = text.split_whitespace();
    match (fields.next(), fields.next()) {
        (Some(kind), Some(key)) => Ok(format!("{kind} {key}")),
        _ => Err(format!("{} is not a public key", pub_file.display())),
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
