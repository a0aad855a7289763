//! Signed feed bundles for air-gapped sites (DESIGN.md §4): built on the connected side,
//! checked and imported on the site. The rules against the site's state (sequence, expiry,
//! clock floor) are `core::feed_bundle`.

mod build;
mod error;
mod manifest;
mod open;

pub use build::{BuildRequest, build_bundle};
pub use error::BundleError;
pub use manifest::{
    FORMAT, MANIFEST_FILE, MAX_FILES, MAX_MANIFEST_BYTES, MAX_TOTAL_BYTES, Manifest, ManifestFile,
    SIGNATURE_FILE, is_feed_id, is_safe_name,
};
pub use open::{OpenedBundle, open_bundle};
