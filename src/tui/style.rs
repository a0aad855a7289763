//! Theme roles turned into ratatui styles, and the symbols for UTF-8 or ASCII terminals.

use std::borrow::Cow;

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::config::{ColorName, StyleSpec, TextModifier, ThemeSpec};
use crate::core::policy::PriorityClass;

/// Styles per semantic role (gitui's `style.rs` idea): render code asks for a meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub critical: Style,
    pub high: Style,
    pub medium: Style,
    pub low: Style,
    pub upgrade: Style,
    pub overdue: Style,
    pub kev: Style,
    pub status: Style,
    pub hint: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
}

fn color(name: ColorName) -> Color {
    match name {
        ColorName::Black => Color::Black,
        ColorName::Red => Color::Red,
        ColorName::Green => Color::Green,
        ColorName::Yellow => Color::Yellow,
        ColorName::Blue => Color::Blue,
        ColorName::Magenta => Color::Magenta,
        ColorName::Cyan => Color::Cyan,
        ColorName::Gray => Color::Gray,
        ColorName::DarkGray => Color::DarkGray,
        ColorName::LightRed => Color::LightRed,
        ColorName::LightGreen => Color::LightGreen,
        ColorName::LightYellow => Color::LightYellow,
        ColorName::LightBlue => Color::LightBlue,
        ColorName::LightMagenta => Color::LightMagenta,
        ColorName::LightCyan => Color::LightCyan,
        ColorName::White => Color::White,
    }
}

fn style(spec: &StyleSpec) -> Style {
    let mut style = Style::new();
    if let Some(fg) = spec.fg {
        style = style.fg(color(fg));
    }
    if let Some(bg) = spec.bg {
        style = style.bg(color(bg));
    }
    for m in &spec.modifiers {
        style = style.add_modifier(match m {
            TextModifier::Bold => Modifier::BOLD,
            TextModifier::Dim => Modifier::DIM,
            TextModifier::Italic => Modifier::ITALIC,
            TextModifier::Underlined => Modifier::UNDERLINED,
            TextModifier::Reversed => Modifier::REVERSED,
        });
    }
    style
}

impl Styles {
    pub fn from_theme(theme: &ThemeSpec) -> Styles {
        let r = &theme.styles;
        Styles {
            text: style(&r.text),
            dim: style(&r.dim),
            border: style(&r.border),
            title: style(&r.title),
            header: style(&r.header),
            selected: style(&r.selected),
            tab: style(&r.tab),
            tab_active: style(&r.tab_active),
            critical: style(&r.critical),
            high: style(&r.high),
            medium: style(&r.medium),
            low: style(&r.low),
            upgrade: style(&r.upgrade),
            overdue: style(&r.overdue),
            kev: style(&r.kev),
            status: style(&r.status),
            hint: style(&r.hint),
            ok: style(&r.ok),
            warn: style(&r.warn),
            error: style(&r.error),
        }
    }

    pub fn class(&self, class: PriorityClass) -> Style {
        match class {
            PriorityClass::Critical => self.critical,
            PriorityClass::High => self.high,
            PriorityClass::Medium => self.medium,
            PriorityClass::Low => self.low,
            PriorityClass::OnUpgrade => self.upgrade,
        }
    }
}

/// Borders, markers and the rule for text on screen: with `ascii`, only ASCII is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    pub styles: Styles,
    pub ascii: bool,
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Look {
    pub fn new(theme: &ThemeSpec, ascii: bool) -> Look {
        Look {
            styles: Styles::from_theme(theme),
            ascii,
        }
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    /// The mark in front of the selected row, so the selection shows without reverse video.
    pub fn pointer(&self) -> &'static str {
        if self.ascii { "> " } else { "▶ " }
    }

    /// A separator between status-bar parts.
    pub fn separator(&self) -> &'static str {
        if self.ascii { " | " } else { " │ " }
    }

    /// `text` as it may be drawn: in ASCII mode, common punctuation is spelled in ASCII and
    /// anything else non-ASCII becomes `?`.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.ascii || text.is_ascii() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                c if c.is_ascii() => out.push(c),
                '—' | '–' | '‐' => out.push('-'),
                '…' => out.push_str("..."),
                // The sanitizer's placeholders for control characters stay visible in ASCII.
                '␛' => out.push_str("^["),
                '␊' => out.push_str("^J"),
                '␍' => out.push_str("^M"),
                '‘' | '’' => out.push('\''),
                '“' | '”' => out.push('"'),
                'é' | 'è' | 'ê' => out.push('e'),
                'ä' => out.push_str("ae"),
                'ö' => out.push_str("oe"),
                'ü' => out.push_str("ue"),
                _ => out.push('?'),
            }
        }
        Cow::Owned(out)
    }
}
