//! Rollouts on the real sshd fleet: a site whose inventory is the fleet (one staging host, seven
//! production hosts unless a test asks for fewer, each with its own marker directory), a patch
//! whose steps act on the host's own state directory, and readers for what the steps left there.
//!
//! The hosts share this machine's filesystem, so every step finds its host's state through the
//! `HOME` sshd sets for that host: `S=${HOME%/home}/state`. Each step appends its name to
//! `$S/runs` before anything else (a run counter that even a half-run step bumps), then obeys
//! fault files the tests drop into `$S`: `hold-STEP` (wait for `$S/release`), `fail-STEP`
//! (exit 3) and, for precheck, `say` (print its bytes). Without fault files the steps print
//! nothing, so a step left running by a killed process finishes quietly on the host.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secureupdate::adapters::ssh::SshExecutor;
use secureupdate::core::policy::PriorityClass;
use secureupdate::core::rollout::Plan;
use secureupdate::engine::{AlwaysYes, EngineEvent};
use tempfile::TempDir;

use crate::rollout_support::{Ran, load, plan_of, policy, run_plan, site_with};
pub use crate::ssh_support::wait_until;
use crate::ssh_support::{SshdFleet, executor, processes_mentioning};

pub const PATCH_ID: &str = "app-hardening";
/// host-00 is staging; host-01 the canary; waves 3 and 4 take three hosts each.
pub const HOSTS: usize = 8;
pub const STAGING_STEPS: [&str; 5] = ["precheck", "backup", "apply", "verify", "smoke"];
pub const PRODUCTION_STEPS: [&str; 4] = ["precheck", "backup", "apply", "verify"];
/// What each step does after the shared prelude.
const STEP_BODIES: [(&str, &str); 6] = [
    (
        "precheck",
        r#"if [ -f "$S/say" ]; then cat "$S/say"; fi
test -f "$S/app.conf""#,
    ),
    (
        "backup",
        r#"cp "$S/app.conf" "$S/app.conf.bak" && cp "$S/version" "$S/version.bak""#,
    ),
    (
        "apply",
        r#"printf 'patched = true\n' >> "$S/app.conf" && v=$(cat "$S/version") && echo $((v + 1)) > "$S/version""#,
    ),
    ("verify", r#"grep -qx 'patched = true' "$S/app.conf""#),
    (
        "rollback",
        r#"cp "$S/app.conf.bak" "$S/app.conf" && cp "$S/version.bak" "$S/version""#,
    ),
    ("smoke", r#"test "$(cat "$S/version")" -gt 1"#),
];

fn step_script(step: &str, body: &str) -> String {
    format!(
        r#"S="${{HOME%/home}}/state"
echo {step} >> "$S/runs"
if [ -e "$S/hold-{step}" ]; then
  i=0; while [ ! -e "$S/release" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
fi
if [ -e "$S/fail-{step}" ]; then echo "{step} fails on purpose" >&2; exit 3; fi
{body}"#
    )
}

fn patch_toml() -> String {
    let mut text = format!(
        "id = \"{PATCH_ID}\"\ntitle = \"Harden the app config\"\nfixes = [\"CVE-2024-6387\"]\n\n\
         [targets]\nos = [\"debian-12\"]\n\n[steps]\n"
    );
    for (step, body) in STEP_BODIES {
        text.push_str(&format!("{step} = '''\n{}'''\n", step_script(step, body)));
    }
    text
}

fn fleet_policy(concurrency: u32) -> String {
    policy(&format!(
        "[approval]\nrequire_for = [\"critical\"]\napprovers = 1\ntwo_person = true\n\n\
         [rollout]\nwaves = [1, \"50%\", \"100%\"]\nmax_fail_percentage = 40\n\
         concurrency = {concurrency}\n"
    ))
}

/// The fleet and a site whose inventory points at it.
pub struct SshRollout {
    pub fleet: SshdFleet,
    pub site: TempDir,
}

impl SshRollout {
    /// Starts the fleet (or skips, see [`SshdFleet::start_or_skip`]) and writes each host's
    /// original files.
    pub fn start(concurrency: u32) -> Option<SshRollout> {
        SshRollout::start_with(HOSTS, concurrency, "")
    }

    /// As [`start`](Self::start) with `hosts` hosts (at least 2), `asset_tables` appended to
    /// every asset (such as its `[asset.packages]`).
    pub fn start_with(hosts: usize, concurrency: u32, asset_tables: &str) -> Option<SshRollout> {
        let fleet = SshdFleet::start_or_skip(hosts)?;
        let mut inventory = String::new();
        for i in 0..hosts {
            let target = fleet.target(i);
            let environment = if i == 0 { "staging" } else { "production" };
            inventory.push_str(&format!(
                "[[asset]]\nname = \"{}\"\naddress = \"{}\"\nport = {}\nuser = \"{}\"\n\
                 os = \"debian-12\"\nenvironment = \"{environment}\"\ncriticality = \"medium\"\n\
                 groups = [\"app\"]\nmarker_dir = \"{}\"\n{asset_tables}\n",
                target.name, target.address, target.port, target.user, target.marker_dir
            ));
        }
        let site = site_with(&inventory, &fleet_policy(concurrency), &patch_toml());
        let rollout = SshRollout { fleet, site };
        for i in 0..hosts {
            fs::write(rollout.state(i).join("app.conf"), original_conf(i)).unwrap();
            fs::write(rollout.state(i).join("version"), "1\n").unwrap();
        }
        Some(rollout)
    }

    /// Points the site's `[ssh]` at the fleet: its known_hosts and client key, as an operator
    /// would configure a site for these hosts.
    pub fn use_fleet_ssh(&self) {
        let path = self.site_dir().join("site.toml");
        let site_toml = fs::read_to_string(&path).unwrap();
        let ssh = format!(
            "[ssh]\nknown_hosts = \"{}\"\nidentity = \"{}\"\n",
            self.fleet.known_hosts().display(),
            self.fleet.client_key().display()
        );
        fs::write(&path, site_toml.replace("[ssh]\n", &ssh)).unwrap();
    }

    pub fn site_dir(&self) -> &Path {
        self.site.path()
    }

    pub fn name(&self, i: usize) -> String {
        self.fleet.host(i).name.clone()
    }

    pub fn state(&self, i: usize) -> PathBuf {
        self.fleet.host(i).state_dir.clone()
    }

    /// Drops a fault file (`hold-apply`, `fail-verify`, `release`, …) into host `i`'s state.
    pub fn touch(&self, i: usize, file: &str) {
        fs::write(self.state(i).join(file), "").unwrap();
    }

    pub fn plan(&self, step_timeout_s: u32) -> Plan {
        plan_of(
            &load(self.site_dir()),
            PATCH_ID,
            PriorityClass::High,
            step_timeout_s,
        )
    }

    /// Runs the plan to its end with `--yes` semantics on a fresh ssh executor, closes it and
    /// checks that no ssh master is left behind.
    pub async fn run(&self, plan: &Plan) -> Ran {
        let ssh = Arc::new(executor(&self.fleet));
        let ran = run_plan(
            self.site_dir(),
            plan,
            ssh.clone(),
            Arc::new(AlwaysYes),
            None,
        )
        .await;
        close_and_check(&ssh).await;
        ran
    }

    /// How often each step ran on host `i`, from the host's own run counter.
    pub fn runs(&self, i: usize) -> BTreeMap<String, usize> {
        let text = fs::read_to_string(self.state(i).join("runs")).unwrap_or_default();
        let mut runs = BTreeMap::new();
        for line in text.lines() {
            *runs.entry(line.to_string()).or_insert(0) += 1;
        }
        runs
    }

    /// Completion markers on host `i`.
    pub fn markers(&self, i: usize) -> usize {
        let Ok(entries) = fs::read_dir(self.state(i).join("markers")) else {
            return 0;
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".done"))
            .count()
    }

    pub fn conf(&self, i: usize) -> Vec<u8> {
        fs::read(self.state(i).join("app.conf")).unwrap()
    }

    pub fn version(&self, i: usize) -> String {
        fs::read_to_string(self.state(i).join("version")).unwrap()
    }

    /// Nothing ran on host `i`: no step counted, no marker, its files as they were.
    pub fn assert_untouched(&self, i: usize) {
        let name = self.name(i);
        assert!(self.runs(i).is_empty(), "{name} ran {:?}", self.runs(i));
        assert_eq!(self.markers(i), 0, "{name} has markers");
        assert_eq!(self.conf(i), original_conf(i), "{name}: app.conf changed");
        assert_eq!(self.version(i), "1\n", "{name}: version changed");
    }

    /// Host `i` ran every step of its wave exactly once and is patched.
    pub fn assert_patched(&self, i: usize) {
        let name = self.name(i);
        let steps: &[&str] = if i == 0 {
            &STAGING_STEPS
        } else {
            &PRODUCTION_STEPS
        };
        let expected: BTreeMap<String, usize> = steps.iter().map(|s| (s.to_string(), 1)).collect();
        assert_eq!(self.runs(i), expected, "{name}: runs per step");
        assert_eq!(self.markers(i), steps.len(), "{name}: one marker per step");
        let mut patched = original_conf(i);
        patched.extend_from_slice(b"patched = true\n");
        assert_eq!(self.conf(i), patched, "{name}: app.conf");
        assert_eq!(self.version(i), "2\n", "{name}: version");
    }

    /// Waits (file-driven, with a deadline) until host `i` holds `count` markers.
    pub async fn wait_for_markers(&self, i: usize, count: usize) {
        let what = format!("{count} markers on {}", self.name(i));
        wait_until(&what, || self.markers(i) >= count).await;
    }
}

/// Host `i`'s original config: distinct per host, with a tab, trailing spaces, a CR and a byte
/// that is not UTF-8, so "restored byte for byte" means exactly that.
pub fn original_conf(i: usize) -> Vec<u8> {
    let mut conf =
        format!("# host-{i:02}\nlisten = 80{i}\n\tciphers  =  aes256-gcm  \r\n").into_bytes();
    conf.extend_from_slice(b"banner = \xff\n");
    conf
}

/// Closes the executor and checks that its masters are gone.
pub async fn close_and_check(ssh: &SshExecutor) {
    let control = ssh.control_dir().display().to_string();
    ssh.close().await;
    wait_until("the ssh masters to exit", || {
        processes_mentioning(&control).is_empty()
    })
    .await;
}

/// The counts of a wave's `WaveFinished` event: (succeeded, failed, untouched, halted).
pub fn wave_tally(events: &[EngineEvent], wave: u32) -> Option<(usize, usize, usize, bool)> {
    events.iter().find_map(|e| match e {
        EngineEvent::WaveFinished {
            wave: w,
            succeeded,
            failed,
            untouched,
            halted,
        } if *w == wave => Some((*succeeded, *failed, *untouched, *halted)),
        _ => None,
    })
}
