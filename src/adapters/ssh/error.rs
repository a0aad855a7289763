//! Why the ssh executor could not be set up, or why a host target was refused before ssh ran.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// A file named in site.toml `[ssh]` is missing or cannot be used.
    #[error("site.toml [ssh] {field}: `{path}` {problem}")]
    SiteFile {
        field: &'static str,
        path: PathBuf,
        problem: String,
    },
    #[error("cannot make a private ssh control directory in {parent}: {source}")]
    ControlDir {
        parent: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "no short enough directory for ssh control sockets (tried {tried}); \
         set TMPDIR to a directory whose path is at most {max} bytes"
    )]
    NoShortControlDir { tried: String, max: usize },
    #[error("cannot write the generated ssh config {path}: {source}")]
    WriteConfig {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A host name, address, user, marker directory, guard key or remote path that ssh or the
    /// remote shell must never see.
    #[error("host target {field} `{value}` refused: {problem}")]
    InvalidTarget {
        field: &'static str,
        /// The refused value, escaped so that it is safe to print.
        value: String,
        problem: &'static str,
    },
}
