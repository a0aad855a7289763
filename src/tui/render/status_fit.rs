//! Fitting the status bar to the terminal's width: each part may have a shorter form, and the
//! parts that matter least are shortened first, then dropped; the site name takes what room
//! is left. The journal head is never cut: the operator copies it into the change ticket.

use ratatui::style::Style;
use ratatui::text::Span;

/// One part of the status bar.
pub struct StatusPart {
    pub text: String,
    /// A shorter form for narrow terminals.
    pub short: Option<String>,
    pub style: Style,
    /// Parts with lower numbers are shortened and dropped first; `None` is never dropped.
    pub give_way: Option<u8>,
}

/// The spans of the status bar: ` NAME | part | part …` in at most `width` columns. `fit_name`
/// cuts the site name to a number of columns.
pub fn fit_status<'a>(
    name: &str,
    fit_name: impl Fn(&str, usize) -> String,
    mut parts: Vec<StatusPart>,
    separator: &'a str,
    width: usize,
) -> Vec<Span<'a>> {
    let sep = separator.chars().count();
    let used = |parts: &[StatusPart]| -> usize {
        1 + parts
            .iter()
            .map(|p| sep + p.text.chars().count())
            .sum::<usize>()
    };
    let mut order: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].give_way.is_some())
        .collect();
    order.sort_by_key(|&i| parts[i].give_way);
    for &i in &order {
        if used(&parts) <= width {
            break;
        }
        if let Some(short) = parts[i].short.take() {
            parts[i].text = short;
        }
    }
    for &i in &order {
        if used(&parts) <= width {
            break;
        }
        parts[i].text.clear();
    }
    parts.retain(|p| !p.text.is_empty());
    // The name needs room for a few characters to be worth showing.
    let room = width.saturating_sub(used(&parts));
    let mut spans = vec![Span::raw(" ")];
    let first_sep = if room >= 6 {
        spans.push(Span::raw(fit_name(name, room)));
        true
    } else {
        false
    };
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 || first_sep {
            spans.push(Span::raw(separator));
        }
        spans.push(Span::styled(part.text, part.style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &str, short: Option<&str>, give_way: Option<u8>) -> StatusPart {
        StatusPart {
            text: text.to_string(),
            short: short.map(str::to_string),
            style: Style::default(),
            give_way,
        }
    }

    fn line(width: usize) -> String {
        let parts = vec![
            part("op: alice", None, Some(2)),
            part("feeds 3h00m old", Some("feeds 3h00m"), Some(0)),
            part(
                "window closed; weekend in 1d10h",
                Some("window in 1d10h"),
                Some(1),
            ),
            part("journal 12345678 size 7 head 0123456789ab", None, None),
        ];
        let cut = |name: &str, room: usize| name.chars().take(room).collect::<String>();
        fit_status("Northwind", cut, parts, " | ", width)
            .iter()
            .map(|s| s.content.as_ref())
            .collect()
    }

    #[test]
    fn everything_shows_when_there_is_room() {
        assert_eq!(
            line(200),
            " Northwind | op: alice | feeds 3h00m old | window closed; weekend in 1d10h | journal 12345678 size 7 head 0123456789ab"
        );
    }

    #[test]
    fn at_80_columns_the_journal_head_stays_whole() {
        let text = line(80);
        assert!(text.chars().count() <= 80, "{text}");
        assert!(
            text.ends_with("journal 12345678 size 7 head 0123456789ab"),
            "{text}"
        );
        assert!(
            text.contains("op: alice") && text.contains("window in 1d10h"),
            "{text}"
        );
        assert!(
            !text.contains("Northwind") && !text.contains("feeds"),
            "{text}"
        );
    }

    #[test]
    fn the_site_name_gives_way_first() {
        let text = line(130);
        assert!(text.starts_with(" Northw"), "{text}");
        assert!(text.contains("feeds 3h00m old"), "{text}");
    }
}
