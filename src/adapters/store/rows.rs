//! Decoding stored values: a row that does not decode is reported, never trusted.

use std::path::Path;

use chrono::NaiveDate;

use super::error::StoreError;

pub(super) fn bad_row(path: &Path, what: &'static str, detail: String) -> StoreError {
    StoreError::BadRow {
        path: path.to_path_buf(),
        what,
        detail,
    }
}

/// Dates are stored as `YYYY-MM-DD` (`NaiveDate`'s own format).
pub(super) fn parse_date(
    path: &Path,
    what: &'static str,
    text: &str,
) -> Result<NaiveDate, StoreError> {
    text.parse().map_err(|e| {
        bad_row(
            path,
            what,
            format!("{text:?} is not a YYYY-MM-DD date: {e}"),
        )
    })
}
