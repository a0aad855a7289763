//! The text a host runs for a step: a header naming the step (so logs on the host, and the
//! simulated fleet, can tell steps apart), where the artifact is, then the patch's script.

use crate::core::rollout::{ArtifactRef, StepKind};

/// Where artifacts land on hosts; the file keeps its name.
pub const REMOTE_ARTIFACT_DIR: &str = "/var/tmp/secureupdate";

/// The first line of every step script.
pub fn header(patch: &str, step: StepKind) -> String {
    format!("# secureupdate patch={patch} step={step}")
}

/// Reads back the step a script was made for, from its header.
pub fn step_of(script: &str) -> Option<StepKind> {
    let first = script.lines().next()?;
    let rest = first.strip_prefix("# secureupdate ")?;
    rest.split(' ')
        .find_map(|field| field.strip_prefix("step="))
        .and_then(StepKind::parse)
}

/// The remote path of an artifact.
pub fn remote_artifact_path(artifact: &ArtifactRef) -> String {
    format!("{REMOTE_ARTIFACT_DIR}/{}", artifact.file_name())
}

/// The full script for a step. The artifact's name was checked to be plain characters when
/// the patch was loaded, so it can be quoted with single quotes.
pub fn step_script(
    patch: &str,
    step: StepKind,
    body: &str,
    artifact: Option<&ArtifactRef>,
) -> String {
    let mut script = header(patch, step);
    script.push('\n');
    if let Some(artifact) = artifact {
        script.push_str(&format!(
            "SECUREUPDATE_ARTIFACT='{}'; export SECUREUPDATE_ARTIFACT\n",
            remote_artifact_path(artifact)
        ));
    }
    script.push_str(body);
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_step_and_reads_back() {
        let script = step_script("glibc", StepKind::Verify, "true", None);
        assert_eq!(script, "# secureupdate patch=glibc step=verify\ntrue");
        assert_eq!(step_of(&script), Some(StepKind::Verify));
        assert_eq!(step_of("true"), None);
    }
}
