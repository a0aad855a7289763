//! Plain-text tables for terminals and pipes: fixed columns, cut to width with a marker.

/// Pads or cuts `text` to exactly `width` characters (a cut ends in `…`).
pub fn cell(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:<width$}")
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// Joins cells with two spaces and trims the right edge.
pub fn row(cells: &[String]) -> String {
    cells.join("  ").trim_end().to_string()
}
