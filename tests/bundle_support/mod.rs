//! Feed bundles for the tests: a source folder of real threat data, bundles built with the
//! library or the command line, and re-signed manifests for the hostile cases.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use secureupdate::adapters::feeds::bundle::{BuildRequest, build_bundle};
use secureupdate::adapters::journal::OperatorSigner;
use tempfile::TempDir;

use crate::signing_support::{TestKey, write_site};

pub struct World {
    pub dir: TempDir,
    pub site: PathBuf,
    pub src: PathBuf,
    pub publisher: TestKey,
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A site pinning `publisher` for feeds, and `src` holding real KEV, EPSS, OSV, vulnrichment
/// and CSAF files.
pub fn world() -> World {
    let dir = TempDir::new().unwrap();
    let publisher = TestKey::new(dir.path(), "publisher");
    let site = dir.path().join("site");
    write_site(&site, &[publisher.base64()], &[], &[]);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let src = dir.path().join("src");
    for kind in ["kev", "epss", "vulnrichment"] {
        copy_tree(&fixtures.join("real").join(kind), &src.join(kind));
    }
    copy_tree(&fixtures.join("real/osv/ubuntu"), &src.join("osv/ubuntu"));
    copy_tree(
        &fixtures.join("samples/csaf/redhat-from-osv-schema"),
        &src.join("csaf/redhat"),
    );
    World {
        dir,
        site,
        src,
        publisher,
    }
}

impl World {
    pub fn signer(&self, key: &TestKey) -> OperatorSigner {
        OperatorSigner::from_secret_text("feed-publisher", &key.pair.secret, None, &key.secret)
            .unwrap()
    }

    /// Builds feed `northwind` seq `seq` from `src` with the given times.
    pub fn build_at(
        &self,
        src: &Path,
        seq: u64,
        created: DateTime<Utc>,
        expires: NaiveDate,
    ) -> PathBuf {
        let out = tempfile::Builder::new()
            .prefix(&format!("bundle-{seq}-"))
            .tempdir_in(self.dir.path())
            .unwrap()
            .keep();
        let request = BuildRequest {
            src,
            out: &out,
            feed_id: "northwind",
            seq,
            created,
            expires,
        };
        build_bundle(&request, &self.signer(&self.publisher)).unwrap();
        out
    }

    /// A current bundle of `src` with sequence `seq`.
    pub fn build(&self, src: &Path, seq: u64) -> PathBuf {
        let now = Utc::now().trunc_subsecs(0);
        self.build_at(src, seq, now, (now + Duration::days(30)).date_naive())
    }

    /// A copy of the source folder with one OSV file's summary changed (same length).
    pub fn altered_src(&self) -> PathBuf {
        let src = self.dir.path().join("src-altered");
        copy_tree(&self.src, &src);
        let file = src.join("osv/ubuntu/USN-6859-1.json");
        let text = fs::read_to_string(&file).unwrap();
        let altered = text.replacen("openssh", "OPENSSH", 1);
        assert_eq!(altered.len(), text.len());
        fs::write(&file, altered).unwrap();
        src
    }

    /// Edits the bundle's manifest JSON and signs it again with the publisher's key.
    pub fn resign(&self, bundle: &Path, edit: impl Fn(&mut serde_json::Value)) {
        let path = bundle.join("manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        edit(&mut manifest);
        let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap();
        bytes.push(b'\n');
        fs::write(&path, &bytes).unwrap();
        let comment = format!(
            "feed={} seq={} expires={}",
            manifest["feed_id"].as_str().unwrap(),
            manifest["seq"],
            manifest["expires"].as_str().unwrap()
        );
        let signature = self.signer(&self.publisher).sign(&bytes, &comment).unwrap();
        fs::write(bundle.join("manifest.json.minisig"), signature).unwrap();
    }

    /// `feed import BUNDLE --operator alice`.
    pub fn import(&self, bundle: &Path) -> assert_cmd::Command {
        let mut command = crate::signing_support::secureupdate(&self.site);
        command
            .args(["feed", "import", "--operator", "alice"])
            .arg(bundle);
        command
    }

    /// The name of the bundle's first file of `kind`.
    pub fn file_of(&self, bundle: &Path, prefix: &str) -> PathBuf {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
        let name = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .find(|n| n.starts_with(prefix))
            .unwrap();
        bundle.join(name)
    }
}
