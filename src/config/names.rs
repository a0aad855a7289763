//! Character rules for names that reach ssh command lines, file names and the screen.

/// Operator, asset and ssh user names: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
pub(crate) fn check_name(value: &str, what: &str) -> Result<(), String> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && value.len() <= 64 {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid {what}; expected 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit",
            value.escape_debug()
        ))
    }
}

/// Host names and addresses: ssh would read a leading `-` as an option.
pub(crate) fn check_address(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("empty; expected a host name or IP address".to_string());
    }
    if value.starts_with('-') {
        return Err(format!(
            "`{}` starts with `-`; expected a host name or IP address",
            value.escape_debug()
        ));
    }
    check_word(value).map_err(|e| format!("{e}; expected a host name or IP address"))?;
    if value.len() > 255 {
        return Err("longer than 255 bytes; expected a host name or IP address".to_string());
    }
    Ok(())
}

/// Package names, groups and tags: one non-empty word.
pub(crate) fn check_word(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("empty".to_string());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{}` contains whitespace or control characters",
            value.escape_debug()
        ));
    }
    Ok(())
}

/// Free text shown on screen (owners, window names): one line without control characters.
pub(crate) fn check_text(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("empty; expected some text".to_string());
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "`{}` contains control characters; expected one line of text",
            value.escape_debug()
        ));
    }
    Ok(())
}

/// Marker directories reach shell command lines on hosts: an absolute path of plain
/// characters, without `.` or `..` segments.
pub(crate) fn check_marker_dir(value: &str) -> Result<(), String> {
    let expected = "expected an absolute directory such as /var/lib/secureupdate/markers (A-Z a-z 0-9 . _ - / only)";
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
    let segments_ok = value
        .split('/')
        .skip(1)
        .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if value.starts_with('/') && value.len() > 1 && value.len() <= 200 && plain && segments_ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not usable; {expected}",
            value.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_site_format() {
        assert!(check_name("web-01", "name").is_ok());
        assert!(check_name("a.b_c-9", "name").is_ok());
        assert!(check_name(&"a".repeat(64), "name").is_ok());
        assert!(check_name(&"a".repeat(65), "name").is_err());
        assert!(check_name("", "name").is_err());
        assert!(check_name("-web", "name").is_err());
        assert!(check_name(".web", "name").is_err());
        assert!(check_name("web 01", "name").is_err());
        assert!(check_name("wéb", "name").is_err());
    }

    #[test]
    fn addresses_refuse_option_lookalikes_and_spaces() {
        assert!(check_address("10.0.0.1").is_ok());
        assert!(check_address("::1").is_ok());
        assert!(check_address("-oProxyCommand=x").is_err());
        assert!(check_address("a b").is_err());
        assert!(check_address("a\u{7}").is_err());
        assert!(check_address("").is_err());
    }

    #[test]
    fn marker_dirs_are_plain_absolute_paths() {
        assert!(check_marker_dir("/var/lib/secureupdate/markers").is_ok());
        for bad in [
            "",
            "/",
            "relative/dir",
            "/a/../b",
            "/a//b",
            "/a/b/",
            "/a b",
            "/a;rm",
            "/$(x)",
        ] {
            assert!(check_marker_dir(bad).is_err(), "{bad:?}");
        }
    }
}
