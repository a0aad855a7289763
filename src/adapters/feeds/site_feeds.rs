//! The site's `feeds/` folder: which files belong to a feed kind, reading them safely
//! (size caps, no links, regular files only), fingerprinting and loading them.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::csaf::parse_csaf;
use super::epss::parse_epss;
use super::error::FeedError;
use super::kev::parse_kev;
use super::osv::parse_osv;
use super::vulnrichment::parse_vulnrichment;
use crate::core::sanitize::sanitize_line;
use crate::core::threat::{FeedKind, FeedRecords};

const MIB: u64 = 1024 * 1024;
/// Most files (and folders) one feed kind may hold, and how deep its folders may nest.
const MAX_ENTRIES: usize = 1_000_000;
const MAX_DEPTH: usize = 16;

/// Largest file accepted per kind; anything bigger is refused before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeCaps {
    pub kev: u64,
    pub epss: u64,
    /// One OSV, vulnrichment or CSAF document.
    pub record: u64,
}

impl Default for SizeCaps {
    fn default() -> Self {
        SizeCaps {
            kev: 64 * MIB,
            epss: 256 * MIB,
            record: 16 * MIB,
        }
    }
}

impl SizeCaps {
    /// The cap for one file of `kind`.
    pub fn for_kind(self, kind: FeedKind) -> u64 {
        match kind {
            FeedKind::Kev => self.kev,
            FeedKind::Epss => self.epss,
            FeedKind::Osv | FeedKind::Vulnrichment | FeedKind::Csaf => self.record,
        }
    }
}

/// A kind's records and what was read to get them.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub records: FeedRecords,
    pub files: usize,
    /// OSV `affected[]` entries for other ecosystems, vulnrichment records with neither SSVC
    /// nor CVSS, and CSAF product references to products we do not match.
    pub skipped: usize,
}

/// SHA-256 (hex) over the sorted relative names and contents of `kind`'s files, or `None`
/// when its folder is missing or holds no files of that kind.
pub fn fingerprint(feeds_dir: &Path, kind: FeedKind) -> Result<Option<String>, FeedError> {
    fingerprint_with(feeds_dir, kind, SizeCaps::default())
}

/// [`fingerprint`] with explicit size caps.
pub fn fingerprint_with(
    feeds_dir: &Path,
    kind: FeedKind,
    caps: SizeCaps,
) -> Result<Option<String>, FeedError> {
    let files = list(feeds_dir, kind)?;
    if files.is_empty() {
        return Ok(None);
    }
    let mut hasher = Sha256::new();
    hasher.update(kind.dir().as_bytes());
    for file in &files {
        let bytes = read_capped(file, caps.for_kind(kind), kind)?;
        // Length prefixes keep name/content boundaries unambiguous.
        hasher.update((file.rel.len() as u64).to_be_bytes());
        hasher.update(&file.rel);
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
    }
    Ok(Some(hex::encode(hasher.finalize())))
}

/// Reads and parses every file of `kind` under `feeds_dir`, in name order.
pub fn load(feeds_dir: &Path, kind: FeedKind) -> Result<FeedRecords, FeedError> {
    Ok(load_with(feeds_dir, kind, SizeCaps::default())?.records)
}

/// [`load`] with explicit size caps, also telling how many files were read and skipped.
pub fn load_with(feeds_dir: &Path, kind: FeedKind, caps: SizeCaps) -> Result<Loaded, FeedError> {
    let files = list(feeds_dir, kind)?;
    let contents = files.iter().map(|file| {
        read_capped(file, caps.for_kind(kind), kind).map(|bytes| (file.origin.clone(), bytes))
    });
    parse_records(kind, contents)
}

/// The files of `kind` under `feeds_dir`, in name order, as (path, name relative to the kind's
/// folder with `/` between folders). Links and special files are refused as by [`load`].
pub fn list_files(feeds_dir: &Path, kind: FeedKind) -> Result<Vec<(PathBuf, String)>, FeedError> {
    Ok(list(feeds_dir, kind)?
        .into_iter()
        .map(|file| (file.path, String::from_utf8_lossy(&file.rel).into_owned()))
        .collect())
}

/// Parses the files of one kind, given as (origin for errors, contents), in order. An id seen
/// in an earlier file is an error.
pub fn parse_records(
    kind: FeedKind,
    files: impl IntoIterator<Item = Result<(String, Vec<u8>), FeedError>>,
) -> Result<Loaded, FeedError> {
    let mut loaded = Loaded {
        records: empty(kind),
        files: 0,
        skipped: 0,
    };
    let mut seen = HashSet::new();
    let mut epss_model: Option<String> = None;
    for file in files {
        let (origin, bytes) = file?;
        loaded.files += 1;
        let origin = origin.as_str();
        let mut first_time = |key: &str, what: &str| {
            if seen.insert(key.to_string()) {
                Ok(())
            } else {
                Err(FeedError::Field {
                    file: origin.to_string(),
                    path: what.to_string(),
                    message: format!("{key} already came from an earlier file of this feed"),
                })
            }
        };
        match &mut loaded.records {
            FeedRecords::Kev(all) => {
                for entry in parse_kev(&bytes, origin)? {
                    first_time(&entry.cve, "vulnerabilities")?;
                    all.push(entry);
                }
            }
            FeedRecords::Epss {
                model_version,
                score_date,
                scores,
            } => {
                let parsed = parse_epss(&bytes, origin)?;
                if let Some(earlier) = &epss_model
                    && *earlier != parsed.model_version
                {
                    return Err(FeedError::Line {
                        file: origin.to_string(),
                        line: 1,
                        message: format!(
                            "model_version {} differs from {earlier} of an earlier file; keep one model's scores",
                            parsed.model_version
                        ),
                    });
                }
                epss_model = Some(parsed.model_version.clone());
                *model_version = parsed.model_version;
                *score_date = (*score_date).max(parsed.score_date);
                for (cve, score) in parsed.scores {
                    first_time(&cve, "scores")?;
                    scores.push((cve, score));
                }
            }
            FeedRecords::Osv(all) => {
                let parsed = parse_osv(&bytes, origin)?;
                loaded.skipped += parsed.skipped_packages;
                if let Some(advisory) = parsed.advisory {
                    first_time(&advisory.id, "id")?;
                    all.push(advisory);
                }
            }
            FeedRecords::Vulnrichment(all) => match parse_vulnrichment(&bytes, origin)? {
                Some(record) => {
                    first_time(&record.cve, "cveMetadata.cveId")?;
                    all.push(record);
                }
                None => loaded.skipped += 1,
            },
            FeedRecords::Csaf { advisories, vex } => {
                let parsed = parse_csaf(&bytes, origin)?;
                loaded.skipped += parsed.skipped_products;
                for advisory in parsed.advisories {
                    first_time(&advisory.id, "document.tracking.id")?;
                    advisories.push(advisory);
                }
                vex.extend(parsed.vex);
            }
        }
    }
    Ok(loaded)
}

fn empty(kind: FeedKind) -> FeedRecords {
    match kind {
        FeedKind::Kev => FeedRecords::Kev(Vec::new()),
        FeedKind::Epss => FeedRecords::Epss {
            model_version: String::new(),
            score_date: None,
            scores: Vec::new(),
        },
        FeedKind::Osv => FeedRecords::Osv(Vec::new()),
        FeedKind::Vulnrichment => FeedRecords::Vulnrichment(Vec::new()),
        FeedKind::Csaf => FeedRecords::Csaf {
            advisories: Vec::new(),
            vex: Vec::new(),
        },
    }
}

/// One file of a feed kind, with the identity it had when listed.
struct FeedFile {
    path: PathBuf,
    /// Relative to the kind's folder, `/`-separated, as raw bytes.
    rel: Vec<u8>,
    /// `feeds/<kind>/<rel>`, safe to print.
    origin: String,
    dev: u64,
    ino: u64,
}

fn extension(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Epss => "csv",
        FeedKind::Kev | FeedKind::Osv | FeedKind::Vulnrichment | FeedKind::Csaf => "json",
    }
}

/// The kind's files in name order. Names starting with `.` are ignored (version-control
/// folders); links and special files anywhere visited are refused.
fn list(feeds_dir: &Path, kind: FeedKind) -> Result<Vec<FeedFile>, FeedError> {
    let dir = feeds_dir.join(kind.dir());
    let origin = |rel: &[u8]| {
        let rel = String::from_utf8_lossy(rel);
        let joined = if rel.is_empty() {
            format!("feeds/{}", kind.dir())
        } else {
            format!("feeds/{}/{rel}", kind.dir())
        };
        sanitize_line(joined, 400)
    };
    let meta = match fs::symlink_metadata(&dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FeedError::Read {
                file: origin(b""),
                source,
            });
        }
    };
    if meta.file_type().is_symlink() {
        return Err(FeedError::Symlink { file: origin(b"") });
    }
    if !meta.is_dir() {
        return Err(FeedError::NotRegular { file: origin(b"") });
    }
    let recursive = matches!(
        kind,
        FeedKind::Osv | FeedKind::Vulnrichment | FeedKind::Csaf
    );
    let mut files = Vec::new();
    let mut entries = 0usize;
    let mut pending = vec![(dir, Vec::new(), 0usize)];
    while let Some((folder, rel, depth)) = pending.pop() {
        let read = fs::read_dir(&folder).map_err(|source| FeedError::Read {
            file: origin(&rel),
            source,
        })?;
        for entry in read {
            let entry = entry.map_err(|source| FeedError::Read {
                file: origin(&rel),
                source,
            })?;
            let name = entry.file_name();
            if name.as_bytes().starts_with(b".") {
                continue;
            }
            let mut child_rel = rel.clone();
            if !child_rel.is_empty() {
                child_rel.push(b'/');
            }
            child_rel.extend_from_slice(name.as_bytes());
            entries += 1;
            if entries > MAX_ENTRIES || depth > MAX_DEPTH {
                return Err(FeedError::TooMany {
                    file: origin(&child_rel),
                    cap: MAX_ENTRIES,
                    depth: MAX_DEPTH,
                });
            }
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).map_err(|source| FeedError::Read {
                file: origin(&child_rel),
                source,
            })?;
            let kind_of = meta.file_type();
            if kind_of.is_symlink() {
                return Err(FeedError::Symlink {
                    file: origin(&child_rel),
                });
            } else if kind_of.is_dir() {
                if recursive {
                    pending.push((path, child_rel, depth + 1));
                }
            } else if !kind_of.is_file() {
                return Err(FeedError::NotRegular {
                    file: origin(&child_rel),
                });
            } else if Path::new(&name)
                .extension()
                .is_some_and(|e| e == extension(kind))
            {
                files.push(FeedFile {
                    path,
                    origin: origin(&child_rel),
                    rel: child_rel,
                    dev: meta.dev(),
                    ino: meta.ino(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

/// Reads a listed file, refusing it when it is over `cap` or is no longer the file that
/// was listed (swapped for a link or another file in between).
fn read_capped(file: &FeedFile, cap: u64, kind: FeedKind) -> Result<Vec<u8>, FeedError> {
    let read_err = |source| FeedError::Read {
        file: file.origin.clone(),
        source,
    };
    let handle = File::open(&file.path).map_err(read_err)?;
    let meta = handle.metadata().map_err(read_err)?;
    if !meta.is_file() || meta.dev() != file.dev || meta.ino() != file.ino {
        return Err(FeedError::NotRegular {
            file: file.origin.clone(),
        });
    }
    let too_large = |size| FeedError::TooLarge {
        file: file.origin.clone(),
        size,
        cap,
        what: kind.dir(),
    };
    if meta.len() > cap {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    handle
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}
