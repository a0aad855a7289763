//! Console themes: `themes/*.toml`, embedded in the binary and overridable by a file of the
//! same name in the site's `themes/` folder. A theme gives each semantic role a style built
//! from the 16 ANSI colour names and text modifiers only, so it works on any terminal.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::site::Theme;

/// The 16 ANSI colours, by the names terminals agree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColorName {
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Gray,
    DarkGray,
    LightRed,
    LightGreen,
    LightYellow,
    LightBlue,
    LightMagenta,
    LightCyan,
    White,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextModifier {
    Bold,
    Dim,
    Italic,
    Underlined,
    Reversed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<ColorName>,
    pub bg: Option<ColorName>,
    #[serde(default)]
    pub modifiers: Vec<TextModifier>,
}

/// A style for every role the console draws; a role a theme leaves out is plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeRoles {
    pub text: StyleSpec,
    pub dim: StyleSpec,
    pub border: StyleSpec,
    pub title: StyleSpec,
    pub header: StyleSpec,
    pub selected: StyleSpec,
    pub tab: StyleSpec,
    pub tab_active: StyleSpec,
    pub critical: StyleSpec,
    pub high: StyleSpec,
    pub medium: StyleSpec,
    pub low: StyleSpec,
    pub upgrade: StyleSpec,
    pub overdue: StyleSpec,
    pub kev: StyleSpec,
    pub status: StyleSpec,
    pub hint: StyleSpec,
    pub ok: StyleSpec,
    pub warn: StyleSpec,
    pub error: StyleSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeSpec {
    /// What the theme is for, one line.
    pub description: String,
    pub styles: ThemeRoles,
}

#[derive(Debug, Error)]
pub enum ThemeError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("no theme `{name}`: expected one of {} or a file under the site's themes/ folder", BUILTIN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    Unknown { name: String },
}

/// The themes shipped in the binary, by name.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Default => "default",
            Theme::Light => "light",
            Theme::HighContrast => "high-contrast",
            Theme::Mono => "mono",
        }
    }
}

/// Parses a theme; `file` names it in errors (with line and column).
pub fn parse_theme(file: &str, text: &str) -> Result<ThemeSpec, ThemeError> {
    toml::from_str(text).map_err(|e| ThemeError::Invalid {
        file: file.to_string(),
        message: e.to_string().trim_end().replace('\n', " "),
    })
}

/// The theme `name`: a path to a `.toml` file, else `themes/NAME.toml` in the site, else
/// the built-in theme of that name.
pub fn load_theme(name: &str, site_dir: Option<&Path>) -> Result<ThemeSpec, ThemeError> {
    let read = |path: &Path| {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
            file: file.clone(),
            source,
        })?;
        parse_theme(&file, &text)
    };
    if name.ends_with(".toml") {
        return read(Path::new(name));
    }
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return Err(ThemeError::Unknown {
            name: name.to_string(),
        });
    }
    if let Some(dir) = site_dir {
        let path = dir.join("themes").join(format!("{name}.toml"));
        if path.is_file() {
            return read(&path);
        }
    }
    let (_, text) =
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ThemeError::Unknown {
                name: name.to_string(),
            })?;
    parse_theme(&format!("themes/{name}.toml (built in)"), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(theme: &ThemeSpec) -> Vec<&StyleSpec> {
        let r = &theme.styles;
        vec![
            &r.text,
            &r.dim,
            &r.border,
            &r.title,
            &r.header,
            &r.selected,
            &r.tab,
            &r.tab_active,
            &r.critical,
            &r.high,
            &r.medium,
            &r.low,
            &r.upgrade,
            &r.overdue,
            &r.kev,
            &r.status,
            &r.hint,
            &r.ok,
            &r.warn,
            &r.error,
        ]
    }

    #[test]
    fn every_built_in_theme_loads() {
        for (name, _) in BUILTIN {
            let theme = load_theme(name, None).unwrap();
            assert!(!theme.description.is_empty(), "{name}");
        }
    }

    #[test]
    fn mono_uses_no_colour_and_still_marks_the_selection() {
        let mono = load_theme("mono", None).unwrap();
        for role in roles(&mono) {
            assert_eq!((role.fg, role.bg), (None, None));
        }
        assert!(
            mono.styles
                .selected
                .modifiers
                .contains(&TextModifier::Reversed)
        );
    }

    #[test]
    fn a_site_theme_overrides_the_built_in_one_of_its_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/default.toml"),
            "description = \"ours\"\n[styles]\n",
        )
        .unwrap();
        let theme = load_theme("default", Some(dir.path())).unwrap();
        assert_eq!(theme.description, "ours");
    }

    #[test]
    fn names_that_could_reach_outside_the_site_are_refused() {
        for name in ["../etc/x", "a/b", ""] {
            assert!(matches!(
                load_theme(name, None),
                Err(ThemeError::Unknown { .. })
            ));
        }
    }

    #[test]
    fn an_unknown_role_is_an_error_naming_it() {
        let err = parse_theme("t.toml", "description = \"x\"\n[styles]\nblink = {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.toml: "), "{err}");
        assert!(err.contains("blink"), "{err}");
    }
}
