//! Vetted sources: the directories site.toml allows artifacts to come from. Both the sources and
//! the artifact are canonicalised, so a symbolic link cannot lead out of a source.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::ArtifactError;
use crate::config::resolve_in_site;

/// Opens `artifact` if, with every link resolved, it is a regular file inside one of `sources`
/// (as written in site.toml, relative to `site_dir` unless absolute). Returns the open file and
/// its canonical path.
pub fn open_from_sources(
    site_dir: &Path,
    sources: &[PathBuf],
    artifact: &Path,
) -> Result<(File, PathBuf), ArtifactError> {
    if sources.is_empty() {
        return Err(ArtifactError::NoSources);
    }
    let mut allowed = Vec::with_capacity(sources.len());
    for source in sources {
        let path = resolve_in_site(site_dir, source);
        let canonical = path.canonicalize().map_err(|e| ArtifactError::BadSource {
            path: path.clone(),
            detail: format!("cannot be resolved: {e}"),
        })?;
        if !canonical.is_dir() {
            return Err(ArtifactError::BadSource {
                path,
                detail: "is not a directory".to_string(),
            });
        }
        allowed.push(canonical);
    }
    let io = |source| ArtifactError::Io {
        path: artifact.to_path_buf(),
        source,
    };
    let resolved = artifact.canonicalize().map_err(io)?;
    if !allowed.iter().any(|dir| resolved.starts_with(dir)) {
        return Err(ArtifactError::NotInSources {
            path: artifact.to_path_buf(),
            resolved,
            allowed: allowed
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    // The canonical path has no link in it: if one appears meanwhile, refuse it. Non-blocking,
    // so that a FIFO planted in a source cannot hang the open.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&resolved)
        .map_err(io)?;
    if !file.metadata().map_err(io)?.is_file() {
        return Err(ArtifactError::NotRegular {
            path: artifact.to_path_buf(),
        });
    }
    Ok((file, resolved))
}
