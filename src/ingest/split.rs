//! Splits a stream of JSON text into top-level records without parsing them:
//! the elements of an array, or a sequence of values (pretty-printed objects
//! one after another). A small resumable scanner tracks strings and brackets,
//! so nesting depth costs nothing and blocks can end anywhere.

use super::native::RecordStart;
use crate::swar;

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
///
/// Line and column are counted lazily, only where a record starts or an
/// error stands: counting them byte by byte cost more than finding the
/// records.
pub struct Splitter {
    layout: Layout,
    opened: bool,
    closed: bool,
    depth: u64,
    in_string: bool,
    escape: bool,
    /// Offset and position of the record being scanned.
    current: Option<(usize, RecordStart)>,
    /// Offset of the next byte to scan.
    pos: usize,
    /// The offset up to which lines and columns are counted, and the line
    /// and column there.
    counted: usize,
    line: u64,
    column: u64,
    /// Structure errors, reported once each.
    pub errors: Vec<StructureError>,
    /// An error whose character the buffer ends inside: the next scan sees
    /// it whole, or [`Self::finish`] reports it as it is.
    pending: Option<StructureError>,
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
            pos: 0,
            counted: 0,
            line,
            column: 1,
            errors: Vec::new(),
            pending: None,
        }
    }

    /// Scans `buf` from where the last call stopped, pushing complete records.
    pub fn scan(&mut self, buf: &[u8], out: &mut Vec<Span>) {
        self.pending = None;
        while self.pos < buf.len() {
            if self.current.is_some() {
                self.scan_record(buf, out);
            } else if self.scan_between(buf) {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    /// Scans the bytes of the current record from `pos` until it ends (then
    /// pushes it) or `buf` does. The state lives in locals while it runs:
    /// kept in the struct, every byte stored it back.
    fn scan_record(&mut self, buf: &[u8], out: &mut Vec<Span>) {
        let mut at = self.pos;
        let mut depth = self.depth;
        let mut in_string = self.in_string;
        if self.escape && at < buf.len() {
            self.escape = false;
            at += 1;
        }
        while at < buf.len() {
            if in_string {
                // The bytes up to the next quote or backslash change
                // nothing: they are most of a record. (The search also stops
                // at control bytes, which JSON strings should not hold raw;
                // they change nothing either.)
                let Some(i) = swar::find_json_special(&buf[at..]) else {
                    at = buf.len();
                    break;
                };
                at += i + 1;
                match buf[at - 1] {
                    b'"' => in_string = false,
                    // The escaped byte.
                    b'\\' if at < buf.len() => at += 1,
                    b'\\' => self.escape = true,
                    _ => {}
                }
                continue;
            }
            let b = buf[at];
            at += 1;
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        let (start, record_start) = self.current.take().expect("inside a record");
                        out.push(Span {
                            start,
                            end: at,
                            at: record_start,
                        });
                        break;
                    }
                }
                _ => {}
            }
        }
        self.pos = at;
        self.depth = depth;
        self.in_string = in_string;
    }

    /// Scans the byte at `pos`, outside any record. Only a record start and
    /// what may be an error need the line and column. False when the byte
    /// starts a character that `buf` ends inside, and an error must name it:
    /// it is scanned again with more bytes.
    fn scan_between(&mut self, buf: &[u8]) -> bool {
        let b = buf[self.pos];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if self.closed => {
                if self
                    .errors
                    .iter()
                    .all(|e| !matches!(e, StructureError::TrailingContent { .. }))
                {
                    let RecordStart { line, column } = self.locate(buf, self.pos);
                    self.errors
                        .push(StructureError::TrailingContent { line, column });
                }
            }
            b'[' if !self.opened => self.opened = true,
            b',' if self.layout == Layout::Array => {}
            b']' if self.layout == Layout::Array => self.closed = true,
            b'{' | b'[' => {
                self.current = Some((self.pos, self.locate(buf, self.pos)));
                self.depth = 1;
            }
            _ => {
                let RecordStart { line, column } = self.locate(buf, self.pos);
                let bom = matches!(b, b'\xEF' | b'\xBB' | b'\xBF') && line == 1;
                // A scalar where a record should be: report it once per run.
                if !bom
                    && !matches!(self.errors.last(), Some(StructureError::Unexpected { line: l, .. }) if *l == line)
                {
                    let found = char_at(buf, self.pos);
                    let error = StructureError::Unexpected {
                        line,
                        column,
                        found: found.unwrap_or(char::REPLACEMENT_CHARACTER),
                    };
                    if found.is_none() {
                        self.pending = Some(error);
                        return false;
                    }
                    self.errors.push(error);
                }
            }
        }
        true
    }

    /// The line and column of offset `at` (not before the last one asked),
    /// counting the bytes since: lines by their line ends, columns by the
    /// characters since the last line end.
    fn locate(&mut self, buf: &[u8], at: usize) -> RecordStart {
        let skipped = &buf[self.counted..at];
        match memchr::memrchr(b'\n', skipped) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', skipped).count() as u64;
                self.column = 1 + chars(&skipped[last + 1..]);
            }
            None => self.column += chars(skipped),
        }
        self.counted = at;
        RecordStart {
            line: self.line,
            column: self.column,
        }
    }

    /// Offset where the unfinished record (if any) starts; bytes before it
    /// are no longer needed.
    pub fn keep_from(&self) -> usize {
        self.current.map_or(self.pos, |(start, _)| start)
    }

    /// Forgets `dropped`, the first bytes of the buffer (at most
    /// [`Self::keep_from`] of them), which the caller is about to drain.
    pub fn shift(&mut self, dropped: &[u8]) {
        let n = dropped.len();
        self.locate(dropped, n);
        self.counted = 0;
        self.pos -= n;
        if let Some((start, _)) = &mut self.current {
            *start -= n;
        }
    }

    /// At end of input: the unfinished record (cut short) and structure errors.
    pub fn finish(&mut self) -> Option<RecordStart> {
        self.errors.extend(self.pending.take());
        if self.layout == Layout::Array && self.opened && !self.closed && self.current.is_none() {
            self.errors.push(StructureError::Unclosed);
        }
        self.current.take().map(|(_, at)| at)
    }
}

/// The character that starts at `at` (a stray byte as U+FFFD), or `None`
/// when `bytes` ends inside it.
fn char_at(bytes: &[u8], at: usize) -> Option<char> {
    // No character is longer than four bytes.
    let head = &bytes[at..bytes.len().min(at + 4)];
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.valid_up_to() > 0 => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(e) if e.error_len().is_none() => return None,
        Err(_) => "\u{FFFD}",
    };
    valid.chars().next()
}

/// The number of characters in `bytes`: the bytes that do not continue
/// one (`10xxxxxx`), eight at a time. A minified array is one line, so its
/// columns count every byte before a record.
fn chars(bytes: &[u8]) -> u64 {
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    let continuing = words
        .map(|w| {
            let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
            // Bit 7 set and bit 6 (shifted up into bit 7's place) clear.
            (x & !(x << 1) & swar::HIGH).count_ones() as u64
        })
        .sum::<u64>()
        + tail.iter().filter(|&&b| (b & 0xC0) == 0x80).count() as u64;
    bytes.len() as u64 - continuing
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
            s.shift(&buf[..keep]);
            buf.drain(..keep);
        }
        let cut = s.finish();
        (records, s.errors.clone(), cut)
    }

    /// What a split found: (record text, where it starts) of each record,
    /// structure errors, where the record cut short starts.
    type Split = (
        Vec<(Vec<u8>, RecordStart)>,
        Vec<StructureError>,
        Option<RecordStart>,
    );

    /// The records of `text` split by the reference scanner, all at once.
    fn split_reference(layout: Layout, text: &[u8]) -> Split {
        let mut s = reference::Splitter::new(layout);
        let mut spans = Vec::new();
        for _ in text {
            s.scan_byte(text, &mut spans);
        }
        let cut = s.finish();
        let records = spans
            .into_iter()
            .map(|sp| (text[sp.start..sp.end].to_vec(), sp.at))
            .collect();
        (records, s.errors, cut)
    }

    /// The same through [`Splitter`], fed in pieces of `chunk` bytes: with
    /// `drop_done`, dropping what it no longer needs after each piece, as
    /// the reader does; else into one growing buffer.
    fn split_fed(layout: Layout, text: &[u8], chunk: usize, drop_done: bool) -> Split {
        let mut s = Splitter::new(layout, 1);
        let mut buf = Vec::new();
        let mut spans = Vec::new();
        let mut records = Vec::new();
        for piece in text.chunks(chunk) {
            buf.extend_from_slice(piece);
            s.scan(&buf, &mut spans);
            records.extend(
                spans
                    .drain(..)
                    .map(|sp| (buf[sp.start..sp.end].to_vec(), sp.at)),
            );
            if drop_done {
                let keep = s.keep_from();
                s.shift(&buf[..keep]);
                buf.drain(..keep);
            }
        }
        let cut = s.finish();
        (records, s.errors.clone(), cut)
    }

    proptest::proptest! {
        #[test]
        fn same_records_and_positions_as_the_byte_by_byte_reference(
            text in "[\\[\\]{}\"\\\\ ,:\n\r\tae1é😀\u{FEFF}]{0,80}",
            chunk in 1usize..24,
            array in proptest::bool::ANY,
            drop_done in proptest::bool::ANY,
        ) {
            let layout = if array { Layout::Array } else { Layout::Values };
            let expected = split_reference(layout, text.as_bytes());
            let got = split_fed(layout, text.as_bytes(), chunk, drop_done);
            proptest::prop_assert_eq!(got, expected);
        }

        #[test]
        fn chars_agrees_with_a_byte_loop(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            proptest::prop_assert_eq!(
                chars(&bytes),
                bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
            );
        }
    }

    /// The scanner as it was before lines and columns were counted lazily:
    /// byte by byte, every byte moving the position. (It reads the whole
    /// text, so an error can name the character its byte starts.)
    mod reference {
        use super::super::{Layout, RecordStart, Span, StructureError};

        pub struct Splitter {
            layout: Layout,
            opened: bool,
            closed: bool,
            depth: u64,
            in_string: bool,
            escape: bool,
            current: Option<(usize, RecordStart)>,
            line: u64,
            column: u64,
            pos: usize,
            pub errors: Vec<StructureError>,
        }

        impl Splitter {
            pub fn new(layout: Layout) -> Splitter {
                Splitter {
                    layout,
                    opened: layout == Layout::Values,
                    closed: false,
                    depth: 0,
                    in_string: false,
                    escape: false,
                    current: None,
                    line: 1,
                    column: 1,
                    pos: 0,
                    errors: Vec::new(),
                }
            }

            /// Scans `text[pos]`; an error names the character it starts
            /// (U+FFFD where the text ends inside it).
            pub fn scan_byte(&mut self, text: &[u8], out: &mut Vec<Span>) {
                let b = text[self.pos];
                if self.current.is_some() {
                    self.scan_record_byte(b, out);
                } else {
                    let found = super::super::char_at(text, self.pos)
                        .unwrap_or(char::REPLACEMENT_CHARACTER);
                    self.scan_between(b, found);
                }
                if b == b'\n' {
                    self.line += 1;
                    self.column = 1;
                } else if (b & 0xC0) != 0x80 {
                    self.column += 1;
                }
                self.pos += 1;
            }

            fn scan_between(&mut self, b: u8, found: char) {
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
                    b'\xEF' | b'\xBB' | b'\xBF' if line == 1 => {}
                    _ => {
                        if !matches!(self.errors.last(), Some(StructureError::Unexpected { line: l, .. }) if *l == line)
                        {
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

            pub fn finish(&mut self) -> Option<RecordStart> {
                if self.layout == Layout::Array
                    && self.opened
                    && !self.closed
                    && self.current.is_none()
                {
                    self.errors.push(StructureError::Unclosed);
                }
                self.current.take().map(|(_, at)| at)
            }
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
    fn an_error_names_the_character_not_its_first_byte() {
        let found = |text: &[u8], chunk: usize| {
            let (_, errors, _) = split_fed(Layout::Array, text, chunk, true);
            errors
                .iter()
                .filter_map(|e| match e {
                    StructureError::Unexpected { found, column, .. } => Some((*found, *column)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        for chunk in [1, 2, 3, 64] {
            assert_eq!(
                found("[{}, é]".as_bytes(), chunk),
                [('é', 6)],
                "chunk {chunk}"
            );
            assert_eq!(found("[{},\n😀 ]".as_bytes(), chunk), [('😀', 1)]);
            // A byte that starts no character, and a character cut by the end.
            assert_eq!(found(b"[{}, \xFF]", chunk), [('\u{FFFD}', 6)]);
            assert_eq!(found(b"[{}, \xE2\x82", chunk), [('\u{FFFD}', 6)]);
        }
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
