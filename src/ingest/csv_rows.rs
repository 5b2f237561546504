//! The CSV reader's first pass: the last row of each conversation.
//!
//! Only the row boundaries and one column are needed, so instead of parsing
//! every field with the csv crate this pass scans the bytes for quotes,
//! commas and line ends (several times faster, and the second pass cannot
//! start before it ends). It splits rows exactly as the csv crate's default
//! reader does for the shapes it accepts: records ending in a line feed or
//! a carriage return and line feed (as Excel writes them), carriage returns
//! inside quoted cells (text), and a UTF-8 byte order mark at the start
//! (skipped, as the csv crate skips it). A shape where the two could differ
//! (a carriage return outside quotes not followed by a line feed, text after
//! a closing quote, a quote still open at the end) makes it give up, and the
//! caller runs the csv crate instead.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::ops::Range;

/// Each conversation id's last row (rows counted from 0 after the header).
///
/// This map is the only memory pass 2 keeps for every conversation of the
/// input, so ids are kept as 64-bit hashes, not as bytes: 500 MB of CSV
/// (190 000 conversations) then takes 4 MB rather than 12. The hash is
/// SipHash with fixed keys, so every run of an input gives the same output;
/// two ids of one input share a hash with odds of about n²/2⁶⁵ (one in 10⁹
/// for 200 000 ids), and would then share a last row, which can move where
/// the earlier of the two appears in the output.
#[derive(Debug, Default, PartialEq)]
pub struct LastRows {
    rows: HashMap<u64, u64>,
}

impl LastRows {
    /// The last row of `id`, if it has rows.
    pub fn get(&self, id: &[u8]) -> Option<u64> {
        self.rows.get(&hash(id)).copied()
    }

    fn set(&mut self, id: &[u8], row: u64) {
        self.rows.insert(hash(id), row);
    }
}

/// An id's hash: the same in every run.
fn hash(id: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Collects the last row of each id, touching the map once per run of
/// rows of one conversation (they usually come together).
#[derive(Default)]
pub struct Runs {
    last_row: LastRows,
    run_id: Vec<u8>,
    run_last: Option<u64>,
}

impl Runs {
    /// Notes row `row`, whose id cell (untrimmed) is `id`, if it has one.
    pub fn note(&mut self, id: Option<&[u8]>, row: u64) {
        let Some(id) = id.map(<[u8]>::trim_ascii) else {
            return;
        };
        if id != self.run_id.as_slice() {
            self.flush();
            self.run_id.clear();
            self.run_id.extend_from_slice(id);
        }
        self.run_last = Some(row);
    }

    fn flush(&mut self) {
        if let Some(row) = self.run_last {
            self.last_row.set(&self.run_id, row);
        }
    }

    /// The last row of each id.
    pub fn finish(mut self) -> LastRows {
        self.flush();
        self.last_row
    }
}

/// The last row of each id in column `id_col`, read by the csv crate (the
/// definition [`last_rows`] follows, and what reads the shapes it leaves).
/// Unreadable rows count as rows; pass 2 reports them.
pub fn last_rows_by_csv_crate(input: impl Read, id_col: usize) -> csv::Result<LastRows> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    rdr.byte_headers()?;
    let mut runs = Runs::default();
    let mut rec = csv::ByteRecord::new();
    let mut row = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => runs.note(rec.get(id_col), row),
            Err(_) => {}
        }
        row += 1;
    }
    Ok(runs.finish())
}

/// Bytes read at a time.
const BLOCK: usize = 1 << 20;

/// The last row of each id in column `id_col` of the CSV `input`, whose
/// first record is the header; `None` when the input has a shape left to
/// the csv crate.
pub fn last_rows(mut input: impl Read, id_col: usize) -> std::io::Result<Option<LastRows>> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
    let mut start = 0;
    let mut eof = false;
    let mut bom_checked = false;
    let mut runs = Runs::default();
    // The header is record 0; data rows count from 0 after it.
    let mut records = 0u64;
    let mut id = Vec::new();
    loop {
        if !eof {
            buf.drain(..start);
            start = 0;
            let read = (&mut input).take(BLOCK as u64).read_to_end(&mut buf)?;
            eof = read == 0;
        }
        if !bom_checked {
            match first_record(&buf, eof) {
                Some(at) => start = at,
                None => continue,
            }
            bom_checked = true;
        }
        let mut row = RowInfo::default();
        loop {
            match scan_row(&buf, start, eof, id_col, &mut row) {
                Scan::Record { next } => {
                    if records > 0 {
                        let cell = (row.id.take())
                            .map(|(range, quoted)| unquote(&buf[range], quoted, &mut id));
                        runs.note(cell, records - 1);
                    }
                    records += 1;
                    start = next;
                }
                Scan::EmptyLine { next } => start = next,
                Scan::NeedMore if !eof => break,
                Scan::NeedMore | Scan::Unusual => return Ok(None),
                Scan::End => return Ok(Some(runs.finish())),
            }
        }
    }
}

/// The UTF-8 byte order mark, which the csv crate skips at the start of
/// its input.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where the first record of an input that starts with `buf` starts: after
/// its byte order mark, if it has one; `None` when `buf` may be the start of
/// one. With `eof`, `buf` is the whole input.
pub fn first_record(buf: &[u8], eof: bool) -> Option<usize> {
    if buf.starts_with(BOM) {
        Some(BOM.len())
    } else if !eof && BOM.starts_with(buf) {
        None
    } else {
        Some(0)
    }
}

/// What [`scan_record`] found at a position.
#[derive(Debug, PartialEq)]
pub enum Scan {
    /// A record ending before `next` (after its line end, if it has one:
    /// a line feed, or a carriage return and line feed).
    Record { next: usize },
    /// An empty line, which the csv crate skips.
    EmptyLine { next: usize },
    /// The record may go on past the bytes read so far.
    NeedMore,
    /// A shape left to the csv crate.
    Unusual,
    /// The end of the input.
    End,
}

/// Scans the record that starts at `start`, handing each of its cells to
/// `cell` (its index, the range of its text, and whether it is quoted, so
/// that its doubled quotes are yet to be made single). Cells are handed on
/// as they are found, also those of a record that turns out to need more
/// bytes. With `eof`, `buf` is the rest of the input.
pub fn scan_record(
    buf: &[u8],
    start: usize,
    eof: bool,
    mut cell: impl FnMut(usize, Range<usize>, bool),
) -> Scan {
    if let Some(scan) = no_record(buf, start, eof) {
        return scan;
    }
    let mut at = start;
    let mut index = 0;
    loop {
        let (content, quoted, end) = match cell_at(buf, at, eof) {
            Ok(found) => found,
            Err(scan) => return scan,
        };
        cell(index, content, quoted);
        match next_cell(buf, end, eof) {
            Ok(next) => {
                index += 1;
                at = next;
            }
            Err(scan) => return scan,
        }
    }
}

/// What pass 2's reader needs of a record besides its end.
#[derive(Debug, Default)]
pub struct RowInfo {
    /// The range of cell `id_col` and whether it is quoted (`None` when
    /// the record has too few cells).
    pub id: Option<(Range<usize>, bool)>,
    /// Line feeds inside the record's quoted cells.
    pub line_feeds: u64,
}

/// Scans the record that starts at `start` as [`scan_record`] does, for
/// its cell `id_col` and the line feeds inside it only: past that cell,
/// it looks at quotes and line ends alone, most records holding far fewer
/// of them than commas.
pub fn scan_row(buf: &[u8], start: usize, eof: bool, id_col: usize, info: &mut RowInfo) -> Scan {
    *info = RowInfo::default();
    if let Some(scan) = no_record(buf, start, eof) {
        return scan;
    }
    let mut at = start;
    for index in 0..=id_col {
        let (content, quoted, end) = match cell_at(buf, at, eof) {
            Ok(found) => found,
            Err(scan) => return scan,
        };
        if quoted {
            info.line_feeds += line_feeds_in(&buf[content.clone()]);
        }
        if index == id_col {
            info.id = Some((content, quoted));
        }
        at = match next_cell(buf, end, eof) {
            Ok(next) => next,
            Err(scan) => return scan,
        };
    }
    // The rest, from the start of a cell: a quote opens a quoted cell only
    // at the start of one; a line end outside quotes ends the record.
    let mut from = at;
    loop {
        let Some(n) = memchr::memchr3(b'"', b'\n', b'\r', &buf[from..]) else {
            return if eof {
                Scan::Record { next: buf.len() }
            } else {
                Scan::NeedMore
            };
        };
        let p = from + n;
        if buf[p] != b'"' {
            return line_end(buf, p, eof);
        }
        if p > at && buf[p - 1] != b',' {
            from = p + 1; // a quote inside an unquoted cell is text
            continue;
        }
        let Some(close) = closing_quote(buf, p + 1, eof) else {
            return if eof { Scan::Unusual } else { Scan::NeedMore };
        };
        info.line_feeds += line_feeds_in(&buf[p + 1..close]);
        match next_cell(buf, close + 1, eof) {
            Ok(next) => {
                at = next;
                from = next;
            }
            Err(scan) => return scan,
        }
    }
}

/// What is at `start` when it is not the start of a record.
fn no_record(buf: &[u8], start: usize, eof: bool) -> Option<Scan> {
    match buf.get(start) {
        None if eof => Some(Scan::End),
        None => Some(Scan::NeedMore),
        Some(b'\n' | b'\r') => Some(match line_end(buf, start, eof) {
            Scan::Record { next } => Scan::EmptyLine { next },
            scan => scan,
        }),
        Some(_) => None,
    }
}

/// What the line end outside quotes at `at` (a line feed or a carriage
/// return) ends. A carriage return alone (an old Mac line end) ends a
/// record for the csv crate too, but is left to it.
fn line_end(buf: &[u8], at: usize, eof: bool) -> Scan {
    match (buf.get(at), buf.get(at + 1)) {
        (Some(b'\n'), _) => Scan::Record { next: at + 1 },
        (Some(b'\r'), Some(b'\n')) => Scan::Record { next: at + 2 },
        (Some(b'\r'), None) if !eof => Scan::NeedMore,
        _ => Scan::Unusual,
    }
}

/// The cell that starts at `at`: the range of its text, whether it is
/// quoted, and where it ends.
fn cell_at(buf: &[u8], at: usize, eof: bool) -> Result<(Range<usize>, bool, usize), Scan> {
    if buf.get(at) == Some(&b'"') {
        return match closing_quote(buf, at + 1, eof) {
            Some(close) => Ok((at + 1..close, true, close + 1)),
            None if eof => Err(Scan::Unusual),
            None => Err(Scan::NeedMore),
        };
    }
    match memchr::memchr3(b',', b'\n', b'\r', &buf[at..]) {
        Some(n) => Ok((at..at + n, false, at + n)),
        None if eof => Ok((at..buf.len(), false, buf.len())),
        None => Err(Scan::NeedMore),
    }
}

/// After a cell ending at `end`: where the next cell of the record starts,
/// or else what the record is.
fn next_cell(buf: &[u8], end: usize, eof: bool) -> Result<usize, Scan> {
    match buf.get(end) {
        Some(b',') => Ok(end + 1),
        Some(b'\n' | b'\r') => Err(line_end(buf, end, eof)),
        None if eof => Err(Scan::Record { next: end }),
        None => Err(Scan::NeedMore),
        Some(_) => Err(Scan::Unusual),
    }
}

/// How many line feeds `text` holds.
fn line_feeds_in(text: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', text).count() as u64
}

/// The position of the quote that closes a quoted cell whose text starts
/// at `from` (a doubled quote is a quote in the text); `None` when the
/// bytes read so far hold none.
fn closing_quote(buf: &[u8], mut from: usize, eof: bool) -> Option<usize> {
    loop {
        let q = from + memchr::memchr(b'"', &buf[from..])?;
        match buf.get(q + 1) {
            Some(b'"') => from = q + 2,
            None if !eof => return None,
            _ => return Some(q),
        }
    }
}

/// A cell's text: `raw` itself, or a quoted cell's text with doubled
/// quotes made single (in `scratch`).
pub fn unquote<'b>(raw: &'b [u8], quoted: bool, scratch: &'b mut Vec<u8>) -> &'b [u8] {
    if !quoted || memchr::memchr(b'"', raw).is_none() {
        return raw;
    }
    scratch.clear();
    let mut rest = raw;
    while let Some(q) = memchr::memchr(b'"', rest) {
        scratch.extend_from_slice(&rest[..=q]);
        rest = &rest[q + 2..];
    }
    scratch.extend_from_slice(rest);
    scratch
}

/// A conversation id cell's text as pass 2 takes it: trimmed as
/// `str::trim` trims (an ASCII id without `str` checks), unless that
/// leaves nothing or it is not UTF-8.
pub fn trimmed_id(cell: &[u8]) -> Option<&[u8]> {
    let id = if cell.is_ascii() {
        // `str::trim`'s white space in ASCII, with vertical tab.
        let space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
        let start = cell.iter().position(|b| !space(b)).unwrap_or(cell.len());
        let end = cell
            .iter()
            .rposition(|b| !space(b))
            .map_or(start, |i| i + 1);
        &cell[start..end]
    } else {
        std::str::from_utf8(cell).ok()?.trim().as_bytes()
    };
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    /// Pass 1 as the csv crate reads it: the definition this scan follows.
    fn with_csv_crate(data: &[u8], id_col: usize) -> LastRows {
        last_rows_by_csv_crate(data, id_col).unwrap()
    }

    /// Reads `data` a few bytes at a time, so that records cross reads.
    struct Trickle<'d>(&'d [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn finds_last_rows_of_interleaved_conversations() {
        let data = b"id,role,text\na,agent,hi\n\nb,customer,\"x, \"\"y\"\"\nz\"\n a ,agent,\"\"\n\"b\",agent,ok";
        let rows = last_rows(&data[..], 0).unwrap().unwrap();
        assert_eq!(rows.get(b"a"), Some(2));
        assert_eq!(rows.get(b"b"), Some(3));
        assert_eq!(rows.get(b"c"), None);
        assert_eq!(rows, with_csv_crate(data, 0));
    }

    #[test]
    fn reads_crlf_line_ends_and_a_byte_order_mark_as_the_csv_crate_does() {
        let data =
            b"\xEF\xBB\xBF\"id,\r\nx\",text\r\na,\"hi\r\n\"\r\n\r\nb,x\n\"a\",\"\r\"\r\nb\r\n";
        let rows = last_rows(&data[..], 0).unwrap().unwrap();
        assert_eq!(rows.get(b"a"), Some(2));
        assert_eq!(rows.get(b"b"), Some(3));
        assert_eq!(rows, with_csv_crate(data, 0));
    }

    #[test]
    fn leaves_unusual_shapes_to_the_csv_crate() {
        for data in [
            &b"id\ra\r"[..],
            b"id\r\na\rb\r\n",
            b"id,text\na,x\ry\n",
            b"id\r\n\ra\r\n",
            b"id\r\na\r",
            b"id,text\na,\"quoted\"tail\n",
            b"id,text\na,\"open\n",
        ] {
            assert_eq!(last_rows(data, 0).unwrap(), None, "{data:?}");
        }
    }

    /// A well-formed CSV: cells plain or quoted (with commas, line feeds,
    /// carriage returns and doubled quotes inside), rows of varying width,
    /// empty lines, LF and CRLF line ends mixed, perhaps a byte order mark.
    fn well_formed() -> impl proptest::strategy::Strategy<Value = String> {
        let cell = proptest::prop_oneof![
            "[ab ]{0,3}",
            "[ab ,\r\n\"]{0,5}".prop_map(|t| format!("\"{}\"", t.replace('"', "\"\""))),
        ];
        let row = proptest::collection::vec(cell, 1..4).prop_map(|cells| cells.join(","));
        let line = proptest::prop_oneof![4 => row, 1 => proptest::strategy::Just(String::new())];
        let end = proptest::sample::select(vec!["\n", "\r\n"]);
        (
            proptest::collection::vec((line, end), 0..8),
            proptest::bool::ANY,
            proptest::bool::ANY,
        )
            .prop_map(|(lines, last_end, bom)| {
                let mut text = String::from(if bom { "\u{feff}" } else { "" });
                let n = lines.len();
                for (i, (line, end)) in lines.into_iter().enumerate() {
                    text.push_str(&line);
                    if i + 1 < n || last_end {
                        text.push_str(end);
                    }
                }
                text
            })
    }

    proptest::proptest! {
        #[test]
        fn reads_well_formed_csv_as_the_csv_crate_does(
            data in well_formed(),
            id_col in 0usize..3,
            chunk in 1usize..9,
        ) {
            let fast = last_rows(Trickle(data.as_bytes(), chunk), id_col).unwrap();
            proptest::prop_assert_eq!(fast, Some(with_csv_crate(data.as_bytes(), id_col)));
        }

        #[test]
        fn scan_row_finds_what_scan_record_finds(
            data in "[ab ,\"\r\n]{0,40}",
            id_col in 0usize..3,
            eof in proptest::bool::ANY,
        ) {
            let buf = data.as_bytes();
            let (mut id, mut line_feeds) = (None, 0);
            let whole = scan_record(buf, 0, eof, |i, range, quoted| {
                if quoted {
                    line_feeds += line_feeds_in(&buf[range.clone()]);
                }
                if i == id_col {
                    id = Some((range, quoted));
                }
            });
            let mut info = RowInfo::default();
            let row = scan_row(buf, 0, eof, id_col, &mut info);
            proptest::prop_assert_eq!(&row, &whole);
            if let Scan::Record { .. } = row {
                proptest::prop_assert_eq!(info.id, id);
                proptest::prop_assert_eq!(info.line_feeds, line_feeds);
            }
        }

        #[test]
        fn agrees_with_the_csv_crate(
            data in "(\u{feff})?[ab ,\"\r\n]{0,60}",
            id_col in 0usize..3,
            chunk in 1usize..9,
        ) {
            let fast = last_rows(Trickle(data.as_bytes(), chunk), id_col).unwrap();
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(fast, with_csv_crate(data.as_bytes(), id_col));
            }
        }
    }
}
