//! Threat-data importers: CISA KEV, FIRST EPSS, OSV, CISA vulnrichment (SSVC and CVSS), CSAF 2.0
//! (advisories and VEX), the site's `feeds/` folder they are read from and signed feed bundles.
//! Everything here treats its input as hostile: sizes are capped, ids must match strict
//! patterns and free text is sanitized at ingest.

pub mod bundle;
pub mod csaf;
mod csaf_products;
pub mod epss;
pub mod error;
mod ids;
mod json;
pub mod kev;
pub mod osv;
mod osv_affected;
pub mod site_feeds;
pub mod vulnrichment;

pub use csaf::{CsafParsed, parse_csaf};
pub use epss::{EpssFile, parse_epss};
pub use error::FeedError;
pub use kev::parse_kev;
pub use osv::{OsvParsed, parse_osv};
pub use osv_affected::map_ecosystem;
pub use site_feeds::{
    Loaded, SizeCaps, fingerprint, fingerprint_with, list_files, load, load_with, parse_records,
};
pub use vulnrichment::parse_vulnrichment;
