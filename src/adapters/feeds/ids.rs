//! Strict identifier checks and the text limits applied at ingest. Ids key the store and
//! appear in commands and reports, so they must match a narrow pattern; free text is kept
//! but passed through the sanitizer.

use crate::core::sanitize::sanitize_line;

/// Longest free-text field (title, summary, product name) kept, in characters.
pub(crate) const TEXT_CAP: usize = 300;

/// How much of a hostile value an error message quotes.
const SHOWN_CAP: usize = 80;

/// `CVE-YYYY-NNNN…`: four year digits, then at least four digits (at most 19, to stay sane).
pub(crate) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && (4..=19).contains(&number.len()) && digits(number)
}

/// Advisory ids such as `USN-6859-1`, `RHSA-2024:4546`, `DSA-3029-1`, `GHSA-…`:
/// `[A-Za-z0-9][A-Za-z0-9:._-]{0,127}`.
pub(crate) fn is_advisory_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'-'))
}

/// Package names as dpkg and rpm allow them (`libstdc++`, `python3.11`, `git-lfs`):
/// `[A-Za-z0-9][A-Za-z0-9+._~-]{0,127}`.
pub(crate) fn is_package_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'_' | b'~' | b'-'))
}

/// Free text from a feed, made safe for the screen and capped.
pub(crate) fn clean_text(s: &str) -> String {
    sanitize_line(s.trim(), TEXT_CAP)
}

/// A hostile value made safe to quote in an error message.
pub(crate) fn shown(s: &str) -> String {
    sanitize_line(s, SHOWN_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_strict() {
        assert!(is_cve_id("CVE-2021-4034"));
        assert!(is_cve_id("CVE-2024-123456"));
        for bad in [
            "CVE-21-4034",
            "CVE-2021-403",
            "cve-2021-4034",
            "CVE-2021-4034\n",
            "CVE-2021-40a4",
            "",
        ] {
            assert!(!is_cve_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn advisory_ids_allow_distribution_forms_only() {
        for good in [
            "USN-6859-1",
            "RHSA-2024:4546",
            "DSA-3029-1",
            "GHSA-9v2f-6vcg-3hgv",
            "SUSE-FU-2022:0444-1",
        ] {
            assert!(is_advisory_id(good), "{good}");
        }
        for bad in ["", "-x", "USN 1", "USN-1\u{1b}", "a/b", &"A".repeat(129)] {
            assert!(!is_advisory_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn package_names_allow_plus_and_dots() {
        assert!(is_package_name("libstdc++6"));
        assert!(is_package_name("python3.11"));
        assert!(!is_package_name("-rf"));
        assert!(!is_package_name("a b"));
    }
}
