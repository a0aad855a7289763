//! The `ssh` executor: guarded steps, marker probes and uploads on real hosts over OpenSSH.
//!
//! Host keys are checked strictly against the site's known_hosts only (the generated ssh config
//! sets `GlobalKnownHostsFile /dev/null`), the site's own ssh config is included after the
//! settings we enforce, every name is validated before ssh sees it, arguments are escaped,
//! stdio is always piped, and host output is sanitized as it arrives.

mod connect_error;
mod control_dir;
mod error;
mod executor;
mod guard_script;
mod guarded;
mod master;
mod options;
mod orphans;
mod output;
mod owner;
mod probe;
mod sessions;
mod stop_master;
mod upload;
mod validate;

pub use control_dir::MAX_CONTROL_DIR_BYTES;
pub use error::SshError;
pub use executor::SshExecutor;
pub use options::{DEFAULT_IDLE_LIMIT, SshOptions};
pub use upload::{UPLOAD_HASH_MISMATCH, UPLOAD_LOCAL_UNREADABLE};
pub use validate::{check_address, check_target, check_user};
