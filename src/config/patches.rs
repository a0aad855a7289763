//! `patches/*.toml`: one patch definition per file — what it fixes, which hosts it targets, its
//! artifact and the shell text of each step. An absent `patches/` directory means none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::document::{Document, Issue};
use super::error::{ConfigError, FieldPath};
use super::names::{check_name, check_text, check_word};
use crate::core::asset::{Environment, OsRelease};
use crate::core::rollout::{ArtifactRef, PatchDefinition, StepScripts, TargetSelector};

/// The directory of patch definitions inside a site.
pub const PATCHES_DIR: &str = "patches";

/// A patch file is a page of TOML; anything far larger is a mistake.
const MAX_PATCH_FILE_BYTES: u64 = 256 * 1024;
/// One step's shell text.
const MAX_SCRIPT_BYTES: usize = 32 * 1024;
const MAX_FIX_ID_BYTES: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatch {
    id: String,
    title: String,
    fixes: Vec<String>,
    targets: RawTargets,
    #[serde(default)]
    artifact: Option<RawArtifact>,
    steps: RawSteps,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    environments: Vec<Environment>,
    #[serde(default)]
    os: Vec<OsRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArtifact {
    path: String,
    sha256: String,
    #[serde(default)]
    signature: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSteps {
    #[serde(default)]
    precheck: Option<String>,
    #[serde(default)]
    backup: Option<String>,
    apply: String,
    #[serde(default)]
    verify: Option<String>,
    #[serde(default)]
    rollback: Option<String>,
    #[serde(default)]
    smoke: Option<String>,
}

/// Reads every `*.toml` in `dir` (in name order) as a patch definition. A missing directory
/// holds no definitions; ids must be unique across files.
pub fn load_patches(dir: &Path) -> Result<Vec<PatchDefinition>, ConfigError> {
    let shown = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ConfigError::io(&shown, "read directory", e)),
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| ConfigError::io(&shown, "read directory", e))?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "toml"));
    files.sort();
    let mut patches: Vec<PatchDefinition> = Vec::with_capacity(files.len());
    let mut first_file: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let (document, patch) = load_patch(&file)?;
        if let Some(first) = first_file.get(&patch.id) {
            return Err(document.invalid(Issue::new(
                FieldPath::root().key("id"),
                format!(
                    "patch `{}` is already defined in {}; expected unique ids",
                    patch.id,
                    first.display()
                ),
            )));
        }
        first_file.insert(patch.id.clone(), file);
        patches.push(patch);
    }
    Ok(patches)
}

fn load_patch(path: &Path) -> Result<(Document, PatchDefinition), ConfigError> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| ConfigError::io(&shown, "read file", e))?
        .len();
    if size > MAX_PATCH_FILE_BYTES {
        return Err(ConfigError::Invalid {
            at: super::error::Location {
                file: shown,
                position: None,
            },
            field: FieldPath::root(),
            message: format!(
                "{size} bytes; expected a patch definition of at most {MAX_PATCH_FILE_BYTES} bytes"
            ),
        });
    }
    let document = Document::read(path)?;
    if document.is_blank() {
        return Err(document.invalid(Issue::new(
            FieldPath::root(),
            "the file is empty; expected id, title, fixes, [targets] and [steps] with apply",
        )));
    }
    let raw: RawPatch = document.deserialize_top_level(&["id", "title", "fixes"])?;
    let patch = to_definition(raw).map_err(|issue| document.invalid(issue))?;
    Ok((document, patch))
}

fn to_definition(raw: RawPatch) -> Result<PatchDefinition, Issue> {
    let root = FieldPath::root;
    check_name(&raw.id, "patch id").map_err(|e| Issue::new(root().key("id"), e))?;
    check_text(&raw.title).map_err(|e| Issue::new(root().key("title"), e))?;
    if raw.fixes.is_empty() {
        return Err(Issue::new(
            root().key("fixes"),
            "empty; expected the advisory or CVE ids the patch closes, such as [\"DSA-5724-1\", \"CVE-2024-6387\"]",
        ));
    }
    for (i, fix) in raw.fixes.iter().enumerate() {
        check_word(fix)
            .and_then(|()| {
                (fix.len() <= MAX_FIX_ID_BYTES)
                    .then_some(())
                    .ok_or_else(|| format!("longer than {MAX_FIX_ID_BYTES} bytes"))
            })
            .map_err(|e| {
                Issue::new(
                    root().key("fixes").index(i),
                    format!("{e}; expected an advisory or CVE id"),
                )
            })?;
    }
    let targets = to_targets(raw.targets)?;
    let artifact = raw.artifact.map(to_artifact).transpose()?;
    let steps = to_steps(raw.steps)?;
    Ok(PatchDefinition {
        id: raw.id,
        title: raw.title,
        fixes: raw.fixes,
        targets,
        artifact,
        steps,
    })
}

fn to_targets(raw: RawTargets) -> Result<TargetSelector, Issue> {
    let field = || FieldPath::root().key("targets");
    for (i, name) in raw.names.iter().enumerate() {
        check_name(name, "asset name").map_err(|e| Issue::new(field().key("names").index(i), e))?;
    }
    for (list, values) in [("groups", &raw.groups), ("tags", &raw.tags)] {
        for (i, value) in values.iter().enumerate() {
            check_word(value).map_err(|e| {
                Issue::new(
                    field().key(list).index(i),
                    format!("{e}; expected a single word such as `web`"),
                )
            })?;
        }
    }
    let targets = TargetSelector {
        names: raw.names,
        groups: raw.groups,
        tags: raw.tags,
        environments: raw.environments,
        os: raw.os,
    };
    if targets.is_empty() {
        return Err(Issue::new(
            field(),
            "selects nothing; expected at least one of names, groups, tags, environments, os",
        ));
    }
    Ok(targets)
}

fn to_artifact(raw: RawArtifact) -> Result<ArtifactRef, Issue> {
    let field = |key: &str| FieldPath::root().key("artifact").key(key);
    let artifact = ArtifactRef {
        path: raw.path,
        sha256: raw.sha256,
        signature: raw.signature,
    };
    let name = artifact.file_name();
    let name_ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if !name_ok || artifact.path.chars().any(char::is_control) {
        return Err(Issue::new(
            field("path"),
            format!(
                "`{}`: expected a file path whose name is made of A-Z a-z 0-9 . _ - +",
                artifact.path.escape_debug()
            ),
        ));
    }
    let hex_ok = artifact.sha256.len() == 64
        && artifact
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex_ok {
        return Err(Issue::new(
            field("sha256"),
            format!(
                "`{}`: expected 64 lowercase hex digits (the output of sha256sum)",
                artifact.sha256.escape_debug()
            ),
        ));
    }
    if let Some(signature) = &artifact.signature
        && (signature.trim().is_empty() || signature.chars().any(char::is_control))
    {
        return Err(Issue::new(
            field("signature"),
            "expected the path of the artifact's .minisig file",
        ));
    }
    Ok(artifact)
}

fn to_steps(raw: RawSteps) -> Result<StepScripts, Issue> {
    let steps = StepScripts {
        precheck: raw.precheck,
        backup: raw.backup,
        apply: raw.apply,
        verify: raw.verify,
        rollback: raw.rollback,
        smoke: raw.smoke,
    };
    let named = [
        ("precheck", steps.precheck.as_deref()),
        ("backup", steps.backup.as_deref()),
        ("apply", Some(steps.apply.as_str())),
        ("verify", steps.verify.as_deref()),
        ("rollback", steps.rollback.as_deref()),
        ("smoke", steps.smoke.as_deref()),
    ];
    for (name, script) in named {
        let Some(script) = script else { continue };
        let field = FieldPath::root().key("steps").key(name);
        if script.trim().is_empty() {
            return Err(Issue::new(
                field,
                "empty; expected shell commands (leave the step out if it has none)",
            ));
        }
        if script.len() > MAX_SCRIPT_BYTES {
            return Err(Issue::new(
                field,
                format!("longer than {MAX_SCRIPT_BYTES} bytes; expected a short script"),
            ));
        }
        if script
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            return Err(Issue::new(
                field,
                "contains control characters; expected shell text (newlines and tabs only)",
            ));
        }
    }
    if steps.backup.is_some() && steps.rollback.is_none() {
        return Err(Issue::new(
            FieldPath::root().key("steps").key("rollback"),
            "missing, but `backup` is given; expected the commands that restore the backup",
        ));
    }
    Ok(steps)
}
