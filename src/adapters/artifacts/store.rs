//! The content store: verified artifacts copied to `store/sha256/<hex>`, read-only. Everything
//! after admission (staging, rollout) uses that copy only.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::ArtifactError;
use super::sources::open_from_sources;
use crate::adapters::signatures::{SignatureCheck, read_signature_file};
use crate::config::{SiteConfig, TrustList};

/// Where verified artifacts live, relative to the site.
pub const STORE_DIR: &str = "store/sha256";

/// An artifact admitted into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArtifact {
    /// SHA-256 of the content, lowercase hex; also the stored file's name.
    pub sha256: String,
    pub length: u64,
    /// `store/sha256/<hex>` in the site: the only copy later steps may use.
    pub path: PathBuf,
    /// The source file, links resolved.
    pub source: PathBuf,
    /// The pinned artifact key that signed it.
    pub key_id: String,
    pub trusted_comment: String,
}

/// The site's artifact store.
pub struct ArtifactStore<'a> {
    site_dir: &'a Path,
    config: &'a SiteConfig,
}

impl<'a> ArtifactStore<'a> {
    pub fn new(site_dir: &'a Path, config: &'a SiteConfig) -> ArtifactStore<'a> {
        ArtifactStore { site_dir, config }
    }

    /// The stored copy of the artifact with `sha256` (hex), if it was admitted.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let path = self.site_dir.join(STORE_DIR).join(sha256);
        (sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(path)
        .filter(|p| p.is_file())
    }

    /// Takes `artifact` from a vetted source, verifies `signature` (pinned artifact keys,
    /// prehashed) and the SHA-256 (against `expected_sha256` when given) while copying it in the
    /// same pass, then moves the copy into place and checks its hash again. Admitting the same
    /// content twice keeps the first copy. The caller journals the result.
    pub fn admit(
        &self,
        artifact: &Path,
        signature: &Path,
        expected_sha256: Option<&[u8; 32]>,
    ) -> Result<StoredArtifact, ArtifactError> {
        let (file, source) =
            open_from_sources(self.site_dir, &self.config.trust.artifact_sources, artifact)?;
        let parsed = read_signature_file(signature)?;
        let store = self.site_dir.join(STORE_DIR);
        fs::create_dir_all(&store).map_err(|source| ArtifactError::Io {
            path: store.clone(),
            source,
        })?;
        let incoming = Incoming::create(&store)?;
        let mut writer = &incoming.file;
        let reopen = || {
            let mut again = file.try_clone()?;
            again.seek(SeekFrom::Start(0))?;
            Ok(again)
        };
        let verified = SignatureCheck {
            signature: &parsed,
            signature_name: &signature.display().to_string(),
            keys: &self.config.trust.artifact_keys,
            role: TrustList::Artifact,
        }
        .stream(
            reopen,
            &artifact.display().to_string(),
            expected_sha256,
            |chunk| writer.write_all(chunk),
        )?;
        let path = store.join(&verified.sha256);
        if !path.exists() {
            incoming.commit(&path)?;
        }
        let actual = sha256_of(&path)?;
        if actual != verified.sha256 {
            // Best effort: the error says the copy is bad whether or not it could be removed.
            let _ = fs::remove_file(&path);
            return Err(ArtifactError::CopyMismatch {
                path,
                expected: verified.sha256,
                actual,
            });
        }
        Ok(StoredArtifact {
            sha256: verified.sha256,
            length: verified.length,
            path,
            source,
            key_id: verified.key_id,
            trusted_comment: verified.trusted_comment,
        })
    }
}

/// A temporary file in the store, removed unless committed.
struct Incoming {
    file: File,
    path: PathBuf,
    committed: bool,
}

impl Incoming {
    fn create(store: &Path) -> Result<Incoming, ArtifactError> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| ArtifactError::Io {
            path: store.to_path_buf(),
            source: io::Error::other(e.to_string()),
        })?;
        let path = store.join(format!(".incoming-{}", hex::encode(random)));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| ArtifactError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(Incoming {
            file,
            path,
            committed: false,
        })
    }

    /// Syncs the copy, makes it read-only and renames it to `target`, then syncs the directory.
    fn commit(mut self, target: &Path) -> Result<(), ArtifactError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ArtifactError::Io { path, source }
        };
        self.file.sync_all().map_err(io(&self.path))?;
        fs::set_permissions(&self.path, Permissions::from_mode(0o444)).map_err(io(&self.path))?;
        fs::rename(&self.path, target).map_err(io(target))?;
        self.committed = true;
        if let Some(dir) = target.parent() {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        Ok(())
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a leftover `.incoming-*` file is never used as an artifact.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// SHA-256 (hex) of a file, read in chunks.
fn sha256_of(path: &Path) -> Result<String, ArtifactError> {
    let io = |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => hasher.update(&buffer[..read]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
