//! Building a bundle on the connected side: the feed files of a source folder laid out like a
//! site's `feeds/` (kev/, epss/, osv/, vulnrichment/, csaf/), each checked by its importer, copied
//! under a flat safe name, listed in a manifest and signed.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::error::BundleError;
use super::manifest::{
    FORMAT, MANIFEST_FILE, Manifest, ManifestFile, SIGNATURE_FILE, is_safe_name,
};
use crate::adapters::feeds::site_feeds::{SizeCaps, list_files, load_with};
use crate::adapters::journal::OperatorSigner;
use crate::config::write_atomically;
use crate::core::threat::FeedKind;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest<'a> {
    pub src: &'a Path,
    pub out: &'a Path,
    pub feed_id: &'a str,
    pub seq: u64,
    pub created: DateTime<Utc>,
    pub expires: NaiveDate,
}

/// Builds the bundle into `request.out` (which must not exist, or be empty) and signs its
/// manifest with `signer`. Returns the manifest.
pub fn build_bundle(
    request: &BuildRequest,
    signer: &OperatorSigner,
) -> Result<Manifest, BundleError> {
    prepare_out(request.out)?;
    let caps = SizeCaps::default();
    let mut files = Vec::new();
    let mut names = HashSet::new();
    let in_src = |e: crate::adapters::feeds::FeedError| BundleError::BadRequest {
        file: request.src.display().to_string(),
        detail: format!("(read as a feeds/ folder) {e}"),
    };
    for kind in FeedKind::ALL {
        // Refuse what the site's importer would refuse, before anything is signed.
        load_with(request.src, kind, caps).map_err(in_src)?;
        for (path, rel) in list_files(request.src, kind).map_err(in_src)? {
            let name = format!("{}-{}", kind.dir(), rel.replace('/', "-"));
            let shown = format!("{}/{}/{rel}", request.src.display(), kind.dir());
            if !is_safe_name(&name) || !names.insert(name.clone()) {
                return Err(BundleError::BadRequest {
                    file: shown,
                    detail: format!(
                        "becomes `{name}` in the bundle, which is not a safe flat name or is taken; rename it"
                    ),
                });
            }
            let bytes = read_file(&path, caps.for_kind(kind))?;
            write_atomically(&request.out.join(&name), &bytes).map_err(|source| {
                BundleError::Io {
                    file: request.out.join(&name),
                    source,
                }
            })?;
            files.push(ManifestFile {
                name,
                kind,
                length: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
            });
        }
    }
    if files.is_empty() {
        return Err(BundleError::BadRequest {
            file: request.src.display().to_string(),
            detail: "holds no feed files; expected kev/*.json, epss/*.csv, osv/**/*.json, vulnrichment/**/*.json or csaf/**/*.json".to_string(),
        });
    }
    let manifest = Manifest {
        format: FORMAT.to_string(),
        feed_id: request.feed_id.to_string(),
        seq: request.seq,
        created: request.created,
        expires: request.expires,
        files,
    };
    manifest.check().map_err(|detail| BundleError::BadRequest {
        file: "feed build".to_string(),
        detail,
    })?;
    let bytes = manifest.to_bytes().map_err(|e| BundleError::BadRequest {
        file: MANIFEST_FILE.to_string(),
        detail: e.to_string(),
    })?;
    let signature = signer
        .sign(&bytes, &manifest.trusted_comment())
        .map_err(|e| BundleError::BadRequest {
            file: SIGNATURE_FILE.to_string(),
            detail: e.to_string(),
        })?;
    for (name, content) in [
        (MANIFEST_FILE, bytes),
        (SIGNATURE_FILE, signature.into_bytes()),
    ] {
        let path = request.out.join(name);
        write_atomically(&path, &content)
            .map_err(|source| BundleError::Io { file: path, source })?;
    }
    Ok(manifest)
}

fn prepare_out(out: &Path) -> Result<(), BundleError> {
    let io = |source| BundleError::Io {
        file: out.to_path_buf(),
        source,
    };
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BundleError::BadDirectory {
                    dir: out.to_path_buf(),
                    detail: "is not empty; a bundle is written into a new or empty directory"
                        .to_string(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fs::create_dir_all(out).map_err(io),
        Err(e) => Err(io(e)),
    }
}

fn read_file(path: &Path, cap: u64) -> Result<Vec<u8>, BundleError> {
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map_err(|source| BundleError::Io {
            file: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(BundleError::BadRequest {
            file: path.display().to_string(),
            detail: format!("is larger than the {cap}-byte limit for its kind"),
        });
    }
    Ok(bytes)
}
