//! Splits a stream of JSON text into top-level records without parsing them:
//! the elements of an array, or a sequence of values (pretty-printed objects
//! one after another). A small resumable scanner tracks strings and brackets,
//! so nesting depth costs nothing and blocks can end anywhere.

use super::native::RecordStart;

/// What the stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `[ {...}, {...} ]`
    Array,
    /// `{...} {...}` separated by white space.
    Values,
}

/// A problem with the stream's structure (not with a record's content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StructureError {
    /// Something other than `[` or `{` where a record should start.
    Unexpected { line: u64, column: u64, found: char },
    /// Text after the closing `]`.
    TrailingContent { line: u64, column: u64 },
    /// The array was never closed.
    Unclosed,
}

/// A complete record found by the splitter: its byte range in the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub at: RecordStart,
}

/// The resumable scanner.
pub struct Splitter {
    layout: Layout,
    opened: bool,
    closed: bool,
    depth: u64,
    in_string: bool,
    escape: bool,
    /// Offset and position of the record being scanned.
    current: Option<(usize, RecordStart)>,
    /// Position of the next byte to scan.
    line: u64,
    column: u64,
    pos: usize,
    /// Structure errors, reported once each.
    pub errors: Vec<StructureError>,
}

impl Splitter {
    pub fn new(layout: Layout, line: u64) -> Splitter {
        Splitter {
            layout,
            opened: layout == Layout::Values,
            closed: false,
            depth: 0,
            in_string: false,
            escape: false,
            current: None,
            line,
            column: 1,
            pos: 0,
            errors: Vec::new(),
        }
    }

    /// Scans `buf` from where the last call stopped, pushing complete records.
    pub fn scan(&mut self, buf: &[u8], out: &mut Vec<Span>) {
        while self.pos < buf.len() {
            if self.in_string && !self.escape && self.current.is_some() {
                // The bytes of a string up to its next quote or backslash
                // change nothing but the position: skip them in one go
                // (memchr), not byte by byte. They are most of a record.
                let rest = &buf[self.pos..];
                let plain = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                if plain > 0 {
                    self.pass_over(&rest[..plain]);
                    self.pos += plain;
                    continue;
                }
            }
            self.scan_byte(buf[self.pos], out);
        }
    }

    /// Scans the byte at `pos`.
    fn scan_byte(&mut self, b: u8, out: &mut Vec<Span>) {
        if self.current.is_some() {
            self.scan_record_byte(b, out);
        } else {
            self.scan_between(b);
        }
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if (b & 0xC0) != 0x80 {
            self.column += 1;
        }
        self.pos += 1;
    }

    /// Moves the line and column past `bytes` as [`Self::scan_byte`] would,
    /// counting characters (bytes that do not continue one) in bulk.
    fn pass_over(&mut self, bytes: &[u8]) {
        let chars = |b: &[u8]| b.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                self.column = 1 + chars(&bytes[last + 1..]);
            }
            None => self.column += chars(bytes),
        }
    }

    fn scan_between(&mut self, b: u8) {
        let (line, column) = (self.line, self.column);
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if self.closed => {
                if self
                    .errors
                    .iter()
                    .all(|e| !matches!(e, StructureError::TrailingContent { .. }))
                {
                    self.errors
                        .push(StructureError::TrailingContent { line, column });
                }
            }
            b'[' if !self.opened => self.opened = true,
            b',' if self.layout == Layout::Array => {}
            b']' if self.layout == Layout::Array => self.closed = true,
            b'{' | b'[' => {
                self.current = Some((self.pos, RecordStart { line, column }));
                self.depth = 1;
            }
            b'\xEF' | b'\xBB' | b'\xBF' if line == 1 => {} // a byte-order mark
            _ => {
                // A scalar where a record should be: report it once per run.
                if !matches!(self.errors.last(), Some(StructureError::Unexpected { line: l, .. }) if *l == line)
                {
                    let found = b as char;
                    self.errors.push(StructureError::Unexpected {
                        line,
                        column,
                        found,
                    });
                }
            }
        }
    }

    fn scan_record_byte(&mut self, b: u8, out: &mut Vec<Span>) {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    let (start, at) = self.current.take().expect("inside a record");
                    out.push(Span {
                        start,
                        end: self.pos + 1,
                        at,
                    });
                }
            }
            _ => {}
        }
    }

    /// Offset where the unfinished record (if any) starts; bytes before it
    /// are no longer needed.
    pub fn keep_from(&self) -> usize {
        self.current.map_or(self.pos, |(start, _)| start)
    }

    /// Forgets the first `n` bytes of the buffer (after the caller drained them).
    pub fn shift(&mut self, n: usize) {
        self.pos -= n;
        if let Some((start, _)) = &mut self.current {
            *start -= n;
        }
    }

    /// At end of input: the unfinished record (cut short) and structure errors.
    pub fn finish(&mut self) -> Option<RecordStart> {
        if self.layout == Layout::Array && self.opened && !self.closed && self.current.is_none() {
            self.errors.push(StructureError::Unclosed);
        }
        self.current.take().map(|(_, at)| at)
    }
}

/// Whether the first line of `head` holds one complete JSON value (then the
/// input is JSON Lines). `None` when `head` ends before that is known.
pub fn first_line_is_complete_value(head: &[u8], at_eof: bool) -> Option<bool> {
    let mut s = Splitter::new(Layout::Values, 1);
    let nl = memchr::memchr(b'\n', head);
    let line = &head[..nl.unwrap_or(head.len())];
    let mut spans = Vec::new();
    s.scan(line, &mut spans);
    if !spans.is_empty() {
        return Some(true);
    }
    if nl.is_some() || at_eof {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(
        layout: Layout,
        text: &str,
        chunk: usize,
    ) -> (Vec<String>, Vec<StructureError>, Option<RecordStart>) {
        let mut s = Splitter::new(layout, 1);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut records = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            buf.extend_from_slice(piece);
            s.scan(&buf, &mut out);
            for sp in out.drain(..) {
                records.push(String::from_utf8(buf[sp.start..sp.end].to_vec()).unwrap());
            }
            let keep = s.keep_from();
            buf.drain(..keep);
            s.shift(keep);
        }
        let cut = s.finish();
        (records, s.errors.clone(), cut)
    }

    /// `Splitter::scan` without its skipping of string bytes: byte by byte.
    fn split_bytewise(
        layout: Layout,
        text: &[u8],
    ) -> (Vec<Span>, Vec<StructureError>, Option<RecordStart>) {
        let mut s = Splitter::new(layout, 1);
        let mut out = Vec::new();
        while s.pos < text.len() {
            s.scan_byte(text[s.pos], &mut out);
        }
        let cut = s.finish();
        (out, s.errors.clone(), cut)
    }

    proptest::proptest! {
        #[test]
        fn skipping_string_bytes_changes_nothing(
            text in "[\\[\\]{}\"\\\\ ,:\n\tae1é😀]{0,60}",
            chunk in 1usize..20,
            array in proptest::bool::ANY,
        ) {
            let layout = if array { Layout::Array } else { Layout::Values };
            let (spans, errors, cut) = split_bytewise(layout, text.as_bytes());
            // Fed in pieces, as the reader does.
            let mut s = Splitter::new(layout, 1);
            let mut got = Vec::new();
            let mut end = 0;
            while end < text.len() {
                end = (end + chunk).min(text.len());
                s.scan(&text.as_bytes()[..end], &mut got);
            }
            let got_cut = s.finish();
            proptest::prop_assert_eq!(got, spans);
            proptest::prop_assert_eq!(&s.errors, &errors);
            proptest::prop_assert_eq!(got_cut, cut);
        }
    }

    #[test]
    fn splits_arrays_across_any_block_size() {
        let text = "[\n {\"id\": \"a]\\\"{\", \"m\": [1, {\"x\": 2}]},\n {\"id\": \"b\"}\n]\n";
        for chunk in [1, 2, 3, 7, 64] {
            let (recs, errs, cut) = split(Layout::Array, text, chunk);
            assert_eq!(
                recs,
                vec![
                    "{\"id\": \"a]\\\"{\", \"m\": [1, {\"x\": 2}]}",
                    "{\"id\": \"b\"}"
                ],
                "chunk {chunk}"
            );
            assert!(errs.is_empty() && cut.is_none());
        }
    }

    #[test]
    fn reports_cut_short_and_unclosed() {
        let (recs, _, cut) = split(Layout::Array, "[{\"id\":\"a\"},\n{\"id\":\"b", 5);
        assert_eq!(recs.len(), 1);
        assert_eq!(cut.map(|c| (c.line, c.column)), Some((2, 1)));
        let (_, errs, _) = split(Layout::Array, "[{\"id\":\"a\"}", 5);
        assert_eq!(errs, vec![StructureError::Unclosed]);
        let (_, errs, _) = split(Layout::Array, "[{}] x", 5);
        assert_eq!(
            errs,
            vec![StructureError::TrailingContent { line: 1, column: 6 }]
        );
    }

    #[test]
    fn deep_nesting_is_just_a_counter() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (recs, _, _) = split(Layout::Values, &deep, 4096);
        assert_eq!(recs.len(), 1);
    }

    #[test]
    fn detects_json_lines() {
        assert_eq!(
            first_line_is_complete_value(b"{\"a\":1}\n{\"a\":2}\n", false),
            Some(true)
        );
        assert_eq!(
            first_line_is_complete_value(b"{\n  \"a\": 1\n}\n", false),
            Some(false)
        );
        assert_eq!(first_line_is_complete_value(b"{\"a\":", false), None);
    }
}
