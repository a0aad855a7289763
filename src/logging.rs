//! Logging goes to a file: the screen belongs to the console and to command output.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The default log file: `$XDG_STATE_HOME/secureupdate/secureupdate.log` or the data dir.
fn default_log_file() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "secureupdate")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("secureupdate.log"))
}

/// Starts logging to `path` (else the default); `SECUREUPDATE_LOG` sets the filter.
/// Without a writable log file the program runs on without logs and says so once.
pub fn init(path: Option<&Path>) -> Option<WorkerGuard> {
    let file = path.map(Path::to_path_buf).or_else(default_log_file)?;
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let opened = std::fs::create_dir_all(dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
    });
    let writer = match opened {
        Ok(writer) => writer,
        Err(error) => {
            eprintln!(
                "warning: not logging: cannot open {}: {error}",
                file.display()
            );
            return None;
        }
    };
    let (non_blocking, guard) = tracing_appender::non_blocking(writer);
    let filter =
        EnvFilter::try_from_env("SECUREUPDATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(non_blocking)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}
