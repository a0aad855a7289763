//! Host output as it arrives: split into lines with a hard cap on how much of one line is kept
//! (a host that never sends a newline cannot grow memory), sanitized at ingest.

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::core::sanitize::sanitize_line;
use crate::engine::executor::MAX_OUTPUT_LINE_CHARS;

/// Bytes kept of one line: enough for `MAX_OUTPUT_LINE_CHARS` characters of 4 bytes and one
/// more, so a cut line always shows the sanitizer's ellipsis.
const MAX_LINE_BYTES: usize = MAX_OUTPUT_LINE_CHARS * 4 + 4;

const READ_CHUNK: usize = 8 * 1024;

/// Splits a byte stream into lines; a line longer than the cap is kept up to the cap and the
/// rest of it dropped.
#[derive(Debug, Default)]
pub struct LineSplitter {
    line: Vec<u8>,
}

impl LineSplitter {
    pub fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(&[u8])) {
        while let Some(end) = chunk.iter().position(|&b| b == b'\n') {
            self.keep(&chunk[..end]);
            emit(trim_cr(&self.line));
            self.line.clear();
            chunk = &chunk[end + 1..];
        }
        self.keep(chunk);
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(self, mut emit: impl FnMut(&[u8])) {
        if !self.line.is_empty() {
            emit(trim_cr(&self.line));
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.line.len());
        self.line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A raw line made safe for the screen, the journal and stderr.
pub fn clean(line: &[u8]) -> String {
    sanitize_line(line, MAX_OUTPUT_LINE_CHARS)
}

/// Reads `reader` to its end, handing each raw line to `on_line` as it completes.
pub async fn pump_lines<R>(reader: Option<R>, mut on_line: impl FnMut(&[u8]))
where
    R: AsyncRead + Unpin,
{
    let Some(mut reader) = reader else { return };
    let mut splitter = LineSplitter::default();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => splitter.push(&chunk[..n], &mut on_line),
        }
    }
    splitter.finish(on_line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        let mut splitter = LineSplitter::default();
        for chunk in chunks {
            splitter.push(chunk, |l| lines.push(l.to_vec()));
        }
        splitter.finish(|l| lines.push(l.to_vec()));
        lines
    }

    #[test]
    fn lines_are_joined_across_chunks_and_crlf_is_one_newline() {
        let lines = split(&[b"ab", b"c\r\nde", b"f\n", b"tail"]);
        assert_eq!(
            lines,
            vec![b"abc".to_vec(), b"def".to_vec(), b"tail".to_vec()]
        );
    }

    #[test]
    fn an_endless_line_is_capped_and_shows_it_was_cut() {
        let big = vec![b'x'; 1 << 20];
        let lines = split(&[&big, &big, b"\nnext\n"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE_BYTES);
        let shown = clean(&lines[0]);
        assert!(shown.chars().count() <= MAX_OUTPUT_LINE_CHARS);
        assert!(shown.ends_with('…'), "{}", &shown[shown.len() - 8..]);
        assert_eq!(lines[1], b"next");
    }

    #[test]
    fn escapes_and_invalid_utf8_become_placeholders() {
        let shown = clean(b"\x1b[2Jhi\xff\xe2\x80\xae");
        assert!(!shown.contains('\u{1b}'));
        assert!(!shown.contains('\u{202e}'));
        assert!(shown.contains("hi"));
        assert!(shown.contains("\\xFF"), "{shown}");
    }
}
