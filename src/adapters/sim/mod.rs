//! The simulated fleet: an executor for training, the demo and tests, driven by scenario files.

mod executor;
mod state;

pub use executor::SimExecutor;
pub use state::{
    BACKUP_FILE, HALF_APPLIED, ORIGINAL, PACKAGE_FILE, PATCHED, SimError, SimHost, SimLock,
    load_host, state_path,
};
