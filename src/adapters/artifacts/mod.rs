//! Artifacts: taken only from vetted source directories, verified against the pinned artifact
//! keys and admitted into the content-addressed store (`store/sha256/<hex>`).

mod error;
mod sources;
mod store;

pub use error::ArtifactError;
pub use sources::open_from_sources;
pub use store::{ArtifactStore, STORE_DIR, StoredArtifact};
