//! The one sanitizer for text that came from a host or a feed (DESIGN.md §4, "Remote output
//! is hostile"). Control characters, escape sequences, bidi controls and invalid UTF-8 become
//! visible placeholders, so nothing can move the cursor, recolour the screen, reorder what the
//! operator reads or hide bytes; long lines are cut with a visible `…`.
//!
//! Escape sequences are neutralised by their introducer: ESC shows as `␛` (and the 8-bit CSI,
//! OSC and ST as `<U+009B>` …), so the rest of a sequence is left as harmless printable text
//! the operator can still read.

/// Marks a line that was cut at its cap.
pub const ELLIPSIS: char = '…';

/// One line of hostile input as safe, printable text of at most `max_chars` characters.
/// Tabs become a space; newlines and carriage returns show as `␊` and `␍`.
pub fn sanitize_line(input: impl AsRef<[u8]>, max_chars: usize) -> String {
    let mut out = CappedLine::new(max_chars);
    for_each_piece(input.as_ref(), |piece| match piece {
        Piece::Char('\t') => out.push_str(" "),
        Piece::Char(c) => push_char(&mut out, c),
        Piece::InvalidByte(b) => out.push_str(&format!("\\x{b:02X}")),
    });
    out.finish()
}

/// Multi-line hostile text: like [`sanitize_line`] for each line, keeping `\n` and `\t`
/// (a `\r\n` pair counts as one newline); every line is capped at `max_line_chars`.
pub fn sanitize_text(input: impl AsRef<[u8]>, max_line_chars: usize) -> String {
    let bytes = input.as_ref();
    let mut text = String::new();
    let mut line = CappedLine::new(max_line_chars);
    let mut pending_cr = false;
    for_each_piece(bytes, |piece| {
        if pending_cr {
            pending_cr = false;
            if piece != Piece::Char('\n') {
                push_char(&mut line, '\r');
            }
        }
        match piece {
            Piece::Char('\n') => {
                let done = std::mem::replace(&mut line, CappedLine::new(max_line_chars));
                text.push_str(&done.finish());
                text.push('\n');
            }
            Piece::Char('\r') => pending_cr = true,
            Piece::Char('\t') => line.push_str("\t"),
            Piece::Char(c) => push_char(&mut line, c),
            Piece::InvalidByte(b) => line.push_str(&format!("\\x{b:02X}")),
        }
    });
    if pending_cr {
        push_char(&mut line, '\r');
    }
    text.push_str(&line.finish());
    text
}

/// True for the Unicode controls that reorder or break displayed text: bidi embeddings,
/// overrides, isolates and marks, and the line and paragraph separators.
pub fn is_bidi_or_separator(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{2028}' | '\u{2029}')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Char(char),
    InvalidByte(u8),
}

fn for_each_piece(bytes: &[u8], mut f: impl FnMut(Piece)) {
    for chunk in bytes.utf8_chunks() {
        chunk.valid().chars().for_each(|c| f(Piece::Char(c)));
        chunk
            .invalid()
            .iter()
            .for_each(|&b| f(Piece::InvalidByte(b)));
    }
}

fn push_char(out: &mut CappedLine, c: char) {
    match c {
        // C0 controls have their own glyphs in the Control Pictures block: ␀ … ␟.
        '\0'..='\u{1F}' => {
            let picture = char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}');
            out.push_str(picture.encode_utf8(&mut [0; 4]));
        }
        '\u{7F}' => out.push_str("␡"),
        c if c.is_control() || is_bidi_or_separator(c) => {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        }
        c => out.push_str(c.encode_utf8(&mut [0; 4])),
    }
}

/// A line that refuses to grow past its cap; a placeholder is never cut in half.
struct CappedLine {
    text: String,
    chars: usize,
    max_chars: usize,
    /// Byte length of `text` at the last point where it still had room for the ellipsis.
    last_fit: usize,
    cut: bool,
}

impl CappedLine {
    fn new(max_chars: usize) -> Self {
        CappedLine {
            text: String::new(),
            chars: 0,
            max_chars,
            last_fit: 0,
            cut: false,
        }
    }

    fn push_str(&mut self, piece: &str) {
        if self.cut {
            return;
        }
        let len = piece.chars().count();
        if self.chars + len > self.max_chars {
            self.text.truncate(self.last_fit);
            if self.max_chars > 0 {
                self.text.push(ELLIPSIS);
            }
            self.cut = true;
            return;
        }
        self.text.push_str(piece);
        self.chars += len;
        if self.chars < self.max_chars {
            self.last_fit = self.text.len();
        }
    }

    fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escape_sequences_show_their_introducer() {
        assert_eq!(sanitize_line("\x1b[31mred\x1b[0m", 80), "␛[31mred␛[0m");
        assert_eq!(
            sanitize_line("\x1b]0;title\x07x", 80),
            "␛]0;title␇x",
            "an OSC title change ends in BEL, which shows too"
        );
        assert_eq!(sanitize_line("a\u{9B}2Jb", 80), "a<U+009B>2Jb");
    }

    #[test]
    fn bidi_controls_become_visible_code_points() {
        assert_eq!(
            sanitize_line("evil\u{202E}txt.exe", 80),
            "evil<U+202E>txt.exe"
        );
        assert_eq!(sanitize_line("\u{2066}x\u{2069}", 80), "<U+2066>x<U+2069>");
        assert_eq!(sanitize_line("\u{061C}\u{200F}", 80), "<U+061C><U+200F>");
    }

    #[test]
    fn invalid_utf8_shows_as_hex_bytes() {
        assert_eq!(sanitize_line(b"ok\xff\xfe!", 80), "ok\\xFF\\xFE!");
    }

    #[test]
    fn lines_are_cut_with_a_visible_marker() {
        assert_eq!(sanitize_line("abcdef", 4), "abc…");
        assert_eq!(sanitize_line("abcd", 4), "abcd");
        assert_eq!(sanitize_line("abc", 0), "");
        assert_eq!(
            sanitize_line("ab\u{202E}", 6),
            "ab…",
            "a placeholder is never cut in half"
        );
    }

    #[test]
    fn line_shows_newlines_and_turns_tabs_into_spaces() {
        assert_eq!(sanitize_line("a\tb\r\nc", 80), "a b␍␊c");
    }

    #[test]
    fn text_keeps_newlines_and_tabs_and_caps_each_line() {
        assert_eq!(sanitize_text("one\r\ntwo\tx\n", 80), "one\ntwo\tx\n");
        assert_eq!(sanitize_text("abcdef\nxy", 3), "ab…\nxy");
        assert_eq!(sanitize_text("a\rb\r", 80), "a␍b␍");
    }

    #[test]
    fn printable_unicode_passes_unchanged() {
        assert_eq!(sanitize_line("Grüße – 日本", 80), "Grüße – 日本");
    }

    fn forbidden_in_line(c: char) -> bool {
        c.is_control() || is_bidi_or_separator(c)
    }

    proptest! {
        #[test]
        fn line_output_is_always_safe_and_capped(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in "\\PC*|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a]{0,60}",
            cap in 0usize..40,
        ) {
            for out in [sanitize_line(&bytes, cap), sanitize_line(&text, cap)] {
                prop_assert!(out.chars().count() <= cap, "{out:?} longer than {cap}");
                prop_assert!(!out.chars().any(forbidden_in_line), "{out:?}");
            }
        }

        #[test]
        fn text_output_keeps_only_newline_and_tab_and_caps_lines(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            cap in 0usize..40,
        ) {
            let out = sanitize_text(&bytes, cap);
            prop_assert!(out.lines().all(|line| line.chars().count() <= cap), "{out:?}");
            prop_assert!(
                !out.chars().any(|c| c != '\n' && c != '\t' && forbidden_in_line(c)),
                "{out:?}"
            );
        }
    }
}
