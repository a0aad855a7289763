//! Verifying a 1 GiB artifact (generated here) against `b2sum` on the same file: the BLAKE2b
//! prehash is the floor, and our pass also computes SHA-256. Target (issue 6): within 1.2× of
//! `b2sum`, in constant memory. Prints the median of several warm runs and the peak RSS.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use secureupdate::adapters::journal::generate_keypair;
use secureupdate::adapters::signatures::{SignatureCheck, SignatureFile};
use secureupdate::config::{MinisignPublicKey, PinnedKey, TrustList};

const SIZE: u64 = 1 << 30;
const RUNS: usize = 5;

/// Peak resident set size of this process so far, in MiB (`VmHWM`: unlike `ru_maxrss` it is
/// not inherited from the process that started this one).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

fn generate(path: &Path) {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..SIZE / block.len() as u64 {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let rss_at_start = peak_rss_mib();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("artifact.bin");
    generate(&artifact);
    let pair = generate_keypair(None).unwrap();
    // Signed by streaming the file, so that the peak RSS below is the verifier's.
    let secret = minisign::SecretKey::from_unencrypted_box(
        minisign::SecretKeyBox::from_string(&pair.secret).unwrap(),
    )
    .unwrap();
    let signature_text = minisign::sign(
        None,
        &secret,
        File::open(&artifact).unwrap(),
        Some("bench artifact"),
        None,
    )
    .unwrap()
    .into_string();
    let signature = SignatureFile::parse(signature_text.as_bytes(), "artifact.minisig").unwrap();
    let key = PinnedKey::new(MinisignPublicKey::parse(&pair.public).unwrap());
    let rss_before = peak_rss_mib();

    let mut ours = Vec::new();
    let mut b2sum = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let verified = SignatureCheck {
            signature: &signature,
            signature_name: "artifact.minisig",
            keys: std::slice::from_ref(&key),
            role: TrustList::Artifact,
        }
        .file(&artifact, None)
        .unwrap();
        ours.push(start.elapsed());
        assert_eq!(verified.length, SIZE);

        let start = Instant::now();
        let status = Command::new("b2sum")
            .arg(&artifact)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        b2sum.push(start.elapsed());
        assert!(status.success());
    }
    let (ours, b2sum) = (median(ours), median(b2sum));
    let gib = SIZE as f64 / (1u64 << 30) as f64;
    println!(
        "verify 1 GiB (BLAKE2b prehash + Ed25519 + SHA-256, one pass): {:.3} s ({:.0} MiB/s)",
        ours.as_secs_f64(),
        gib * 1024.0 / ours.as_secs_f64()
    );
    println!(
        "b2sum on the same file:                                      {:.3} s ({:.0} MiB/s)",
        b2sum.as_secs_f64(),
        gib * 1024.0 / b2sum.as_secs_f64()
    );
    println!(
        "ratio ours / b2sum: {:.2} (target <= 1.20); median of {RUNS} warm runs",
        ours.as_secs_f64() / b2sum.as_secs_f64()
    );
    println!(
        "peak RSS: {rss_at_start:.1} MiB at start, {:.1} MiB before the verify runs, {:.1} MiB after ({RUNS} verifications of 1 GiB)",
        rss_before,
        peak_rss_mib()
    );
}
