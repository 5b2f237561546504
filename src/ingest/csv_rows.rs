//! The CSV reader's first pass: where each conversation ends.
//!
//! Rows of one conversation need not be adjacent, so pass 2 hands a
//! conversation on at its last row, which this pass finds. In a grouped
//! export (each conversation's rows together, the usual case) an id's rows
//! make one run of rows, and pass 2 sees where that run ends without help:
//! this pass keeps the last row only of the ids whose rows come in more
//! than one run (see [`LastRows`]), so its memory does not grow with a
//! grouped input. Pass 2 reads the runs as this pass does ([`Ends`]).
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

/// The last row (rows counted from 0 after the header) of the ids whose
/// last row pass 2 cannot find by itself, by their hash.
///
/// A run is a stretch of rows with one id (trimmed of ASCII white space),
/// where rows without an id cell go on the run around them. Pass 2 sees a
/// run end when the next row with an id cell has another id (see [`Ends`]),
/// so this map keeps an id only when that is not where its conversation
/// ends, or is seen too late (see [`Kept::record`]):
///
/// - ids whose rows come in more than one run;
/// - ids of a run that rows without an id cell interrupt or follow (pass 2
///   reports those rows, and the conversation must come before them);
/// - ids that pass 2, trimming more, looks up from a row of another id
///   (`"\u{a0}a"` is looked up as `a`), when they come after that row;
/// - and ids that the [`IdFilter`] takes for ids of an earlier run.
///
/// Every id kept has its true last row, so the filter's mistakes cost
/// memory only: an export whose conversations each have their rows
/// together keeps no other id (one of 179 131 in a 500 MB test export).
/// Ids are kept as 64-bit hashes, not as bytes: SipHash with fixed keys, so every
/// run of an input gives the same output; two ids of one input share a hash
/// with odds of about n²/2⁶⁵ (one in 10⁹ for 200 000 ids), and would then
/// share a last row, which can move where the earlier of the two appears in
/// the output.
#[derive(Debug, Default, PartialEq)]
pub struct LastRows {
    rows: HashMap<u64, u64>,
}

impl LastRows {
    /// The last row of `id`, if it is kept.
    pub fn get(&self, id: &[u8]) -> Option<u64> {
        self.rows.get(&hash(id)).copied()
    }
}

#[cfg(test)]
impl LastRows {
    /// The last rows `rows` gives, by id: with every id's, pass 2 reads as
    /// it did when pass 1 kept them all.
    pub fn of_ids(rows: impl IntoIterator<Item = (Vec<u8>, u64)>) -> LastRows {
        let rows = rows.into_iter().map(|(id, row)| (hash(&id), row));
        LastRows {
            rows: rows.collect(),
        }
    }
}

/// An id's hash: the same in every run.
fn hash(id: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Bits of the [`IdFilter`] pass 1 uses: 1 MiB, which mistakes fewer than
/// one id in 10 000 for an earlier one in an export of 200 000 ids, one in
/// 50 at a million. Pass 1 drops it before pass 2 starts.
pub const ID_FILTER_BITS: usize = 1 << 23;

/// The hashes of ids seen in a fixed amount of memory (a Bloom filter):
/// it may take an id for one it holds when it does not, never the reverse.
/// It never fills up; the more ids it holds, the more mistakes it makes.
struct IdFilter {
    words: Vec<u64>,
}

impl IdFilter {
    /// Bits set for each id.
    const PROBES: u64 = 4;

    /// An empty filter of `bits` bits (a power of two, at least 64).
    fn new(bits: usize) -> IdFilter {
        IdFilter {
            words: vec![0; (bits / 64).max(1)],
        }
    }

    /// Adds the id whose hash is `key`; returns whether it may have been
    /// in already (`false`: it surely was not).
    fn insert(&mut self, key: u64) -> bool {
        let mask = (self.words.len() * 64 - 1) as u64;
        // Double hashing: the probes step by an odd stride from the key.
        let step = key.rotate_left(32) | 1;
        let mut was_in = true;
        for probe in 0..Self::PROBES {
            let bit = key.wrapping_add(probe.wrapping_mul(step)) & mask;
            let (word, bit) = ((bit / 64) as usize, 1u64 << (bit % 64));
            was_in &= self.words[word] & bit != 0;
            self.words[word] |= bit;
        }
        was_in
    }
}

/// The run of rows being read (rows with one id; a row without an id cell
/// is not noted, and goes on the run around it), and the run before it,
/// for the moment it ends.
#[derive(Default)]
struct Run {
    /// The id of the run (of its rows' id cells trimmed of ASCII white
    /// space).
    id: Vec<u8>,
    /// The run's last row so far; `None` before the first row.
    last: Option<u64>,
    /// The id of the run before, once it ended.
    ended_id: Vec<u8>,
}

impl Run {
    /// Notes row `row`, whose id (trimmed of ASCII white space) is `id`;
    /// returns the run it ends, if it starts one: its id and last row.
    fn note(&mut self, id: &[u8], row: u64) -> Option<(&[u8], u64)> {
        let goes_on = self.id == id;
        let ended = self.last.replace(row).filter(|_| !goes_on);
        if !goes_on {
            std::mem::swap(&mut self.id, &mut self.ended_id);
            self.id.clear();
            self.id.extend_from_slice(id);
        }
        ended.map(|last| (self.ended_id.as_slice(), last))
    }

    /// Ends the run at the end of the input; returns it, if there is one.
    fn finish(&mut self) -> Option<(&[u8], u64)> {
        let last = self.last.take()?;
        Some((self.id.as_slice(), last))
    }
}

/// Collects [`LastRows`] as pass 1 reads the rows.
pub struct Runs {
    kept: Kept,
    run: Run,
    /// Whether rows without an id cell interrupt or follow the run.
    interrupted: bool,
}

impl Runs {
    /// Collects with an [`IdFilter`] of `filter_bits` bits.
    pub fn new(filter_bits: usize) -> Runs {
        Runs {
            kept: Kept {
                last_rows: LastRows::default(),
                seen: IdFilter::new(filter_bits),
            },
            run: Run::default(),
            interrupted: false,
        }
    }

    /// Notes row `row`, whose id cell (untrimmed) is `id`, if it has one.
    pub fn note(&mut self, id: Option<&[u8]>, row: u64) {
        let Some(id) = id else {
            self.interrupted |= self.run.last.is_some();
            return;
        };
        if let Some((ended, last)) = self.run.note(id.trim_ascii(), row) {
            let interrupted = std::mem::take(&mut self.interrupted);
            self.kept.record(ended, last, interrupted);
        }
    }

    /// The last rows pass 2 needs.
    pub fn finish(mut self) -> LastRows {
        if let Some((ended, last)) = self.run.finish() {
            self.kept.record(ended, last, self.interrupted);
        }
        self.kept.last_rows
    }
}

/// What pass 1 keeps of the runs ended.
struct Kept {
    last_rows: LastRows,
    /// The ids of the runs ended, and the ids their rows are looked up by.
    seen: IdFilter,
}

impl Kept {
    /// Records a run of `id` (as [`Run`] reads it) that ended at row
    /// `last`, with rows without an id cell if `interrupted`: keeps its
    /// last row when pass 2 cannot find it by itself (see [`LastRows`]),
    /// and notes the ids seen, so that a later run of them is kept.
    fn record(&mut self, id: &[u8], last: u64, interrupted: bool) {
        let key = hash(id);
        let seen_before = self.seen.insert(key);
        if seen_before || interrupted {
            self.last_rows.rows.insert(key, last);
        }
        // Pass 2 looks this run's rows up by its own id: a later run of
        // that id must be kept (an earlier one, ended, changes nothing).
        if let Some(looked_up) = trimmed_id(id).map(hash).filter(|&k| k != key) {
            self.seen.insert(looked_up);
        }
    }
}

/// Where pass 2's conversations end: at the last row pass 1 kept for
/// their id, or else at the end of the run they open in, which it finds by
/// reading the runs as pass 1 did.
pub struct Ends<'l> {
    last_rows: &'l LastRows,
    run: Run,
}

impl<'l> Ends<'l> {
    /// Ends from the last rows pass 1 kept, before the first row.
    pub fn new(last_rows: &'l LastRows) -> Ends<'l> {
        Ends {
            last_rows,
            run: Run::default(),
        }
    }

    /// Notes row `row`, whose id cell (untrimmed) is `cell`; returns the
    /// last row of the run it ends, if it starts one. Every row with an id
    /// cell must be noted, in order, before it is added or skipped.
    pub fn note(&mut self, cell: &[u8], row: u64) -> Option<u64> {
        self.run.note(cell.trim_ascii(), row).map(|(_, last)| last)
    }

    /// Ends the last run at the end of the input; returns its last row.
    pub fn finish(&mut self) -> Option<u64> {
        self.run.finish().map(|(_, last)| last)
    }

    /// Where the conversation `id` (pass 2's id) that opens at row `row`
    /// ends.
    pub fn open(&self, id: &[u8], row: u64) -> Progress {
        let last_row = self.last_rows.get(id).or_else(|| {
            // Not kept: the id has at most one run, and none after this
            // row but this row's own (see `Kept::record`). If this row is
            // in it, the conversation ends with it; if not, it ends here.
            let this_run = self.run.id.as_slice();
            let in_this_run = this_run == id || hash(this_run) == hash(id);
            (!in_this_run).then_some(row)
        });
        Progress {
            last_row,
            newest: row,
        }
    }
}

/// How far pass 2 has read a conversation.
pub struct Progress {
    /// Its last row; `None` while it is the end of the run being read.
    last_row: Option<u64>,
    /// The newest row added to it.
    newest: u64,
}

impl Progress {
    /// Notes its row `row`; returns whether the conversation is complete.
    pub fn add(&mut self, row: u64) -> bool {
        self.newest = row;
        self.is_complete()
    }

    /// Whether its last row is the end of the run being read.
    pub fn waits_for_run_end(&self) -> bool {
        self.last_row.is_none()
    }

    /// Notes that the run being read ended at row `last`, which ends the
    /// conversation if it waited for it; returns whether it is complete.
    pub fn run_ended(&mut self, last: u64) -> bool {
        if self.last_row.is_some() {
            return false;
        }
        self.last_row = Some(last);
        self.is_complete()
    }

    /// Whether its last row is read (or passed: the row added after a
    /// last row skipped as not UTF-8 completes it).
    fn is_complete(&self) -> bool {
        self.last_row.is_some_and(|last| self.newest >= last)
    }
}

/// The [`LastRows`] of the ids in column `id_col`, read by the csv crate
/// (the definition [`last_rows`] follows, and what reads the shapes it
/// leaves), with an [`IdFilter`] of `filter_bits` bits. Unreadable rows
/// count as rows without an id cell; pass 2 reports them.
pub fn last_rows_by_csv_crate(
    input: impl Read,
    id_col: usize,
    filter_bits: usize,
) -> csv::Result<LastRows> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    rdr.byte_headers()?;
    let mut runs = Runs::new(filter_bits);
    let mut rec = csv::ByteRecord::new();
    let mut row = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => runs.note(rec.get(id_col), row),
            Err(_) => runs.note(None, row),
        }
        row += 1;
    }
    Ok(runs.finish())
}

/// Bytes read at a time.
const BLOCK: usize = 1 << 20;

/// The [`LastRows`] of the ids in column `id_col` of the CSV `input`,
/// whose first record is the header, with an [`IdFilter`] of `filter_bits`
/// bits; `None` when the input has a shape left to the csv crate.
pub fn last_rows(
    mut input: impl Read,
    id_col: usize,
    filter_bits: usize,
) -> std::io::Result<Option<LastRows>> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
    let mut start = 0;
    let mut eof = false;
    let mut bom_checked = false;
    let mut runs = Runs::new(filter_bits);
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
        last_rows_by_csv_crate(data, id_col, ID_FILTER_BITS).unwrap()
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
        let rows = last_rows(&data[..], 0, ID_FILTER_BITS).unwrap().unwrap();
        assert_eq!(rows.get(b"a"), Some(2));
        assert_eq!(rows.get(b"b"), Some(3));
        assert_eq!(rows.get(b"c"), None);
        assert_eq!(rows, with_csv_crate(data, 0));
    }

    #[test]
    fn reads_crlf_line_ends_and_a_byte_order_mark_as_the_csv_crate_does() {
        let data =
            b"\xEF\xBB\xBF\"id,\r\nx\",text\r\na,\"hi\r\n\"\r\n\r\nb,x\n\"a\",\"\r\"\r\nb\r\n";
        let rows = last_rows(&data[..], 0, ID_FILTER_BITS).unwrap().unwrap();
        assert_eq!(rows.get(b"a"), Some(2));
        assert_eq!(rows.get(b"b"), Some(3));
        assert_eq!(rows, with_csv_crate(data, 0));
    }

    /// The ids whose last rows pass 1 keeps in `data`, read with a filter
    /// that makes no mistakes there, and their last rows.
    fn kept(data: &str, id_col: usize) -> Vec<(&'static str, u64)> {
        let rows = last_rows(data.as_bytes(), id_col, ID_FILTER_BITS)
            .unwrap()
            .unwrap();
        assert_eq!(rows, with_csv_crate(data.as_bytes(), id_col));
        let mut kept: Vec<_> = ["a", "b", "c", "\u{a0}a"]
            .into_iter()
            .filter_map(|id| Some((id, rows.get(id.as_bytes())?)))
            .collect();
        kept.sort();
        assert_eq!(kept.len(), rows.rows.len(), "{:?}", rows.rows);
        kept
    }

    #[test]
    fn keeps_no_id_of_a_grouped_export() {
        assert_eq!(kept("id,text\na,x\na,y\n\nb,z\n\"c\",w\nc,v", 0), []);
    }

    #[test]
    fn keeps_the_ids_whose_rows_are_not_together() {
        assert_eq!(
            kept("id,text\na,x\nb,y\na,z\nc,w\nb,v\n", 0),
            [("a", 2), ("b", 4)]
        );
    }

    #[test]
    fn keeps_the_ids_of_runs_that_rows_without_an_id_cell_interrupt_or_follow() {
        let data = "text,id\nx,a\nshort\nx,a\nx,b\nx,c\nshort\nx,b\n";
        assert_eq!(kept(data, 1), [("a", 2), ("b", 6), ("c", 4)]);
    }

    #[test]
    fn keeps_the_ids_looked_up_from_an_earlier_row_of_another_id() {
        // Pass 2 trims the no-break space, and looks `a` up from row 0.
        assert_eq!(kept("id\n\u{a0}a\na\n", 0), [("a", 1)]);
        assert_eq!(kept("id\na\n\u{a0}a\n", 0), []);
    }

    #[test]
    fn the_id_filter_makes_mistakes_but_never_forgets() {
        let mut filter = IdFilter::new(ID_FILTER_BITS);
        assert!((0..1000).all(|id| !filter.insert(hash(&[id as u8, (id >> 8) as u8]))));
        assert!((0..1000).all(|id| filter.insert(hash(&[id as u8, (id >> 8) as u8]))));
        // A small one, full, takes every id for one it holds.
        let mut small = IdFilter::new(64);
        for id in 0..1000 {
            small.insert(hash(&[id as u8, (id >> 8) as u8]));
        }
        assert!(small.insert(hash(b"new")));
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
            assert_eq!(
                last_rows(data, 0, ID_FILTER_BITS).unwrap(),
                None,
                "{data:?}"
            );
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
            filter_bits in proptest::sample::select(vec![64, ID_FILTER_BITS]),
        ) {
            let fast = last_rows(Trickle(data.as_bytes(), chunk), id_col, filter_bits).unwrap();
            let by_csv_crate = last_rows_by_csv_crate(data.as_bytes(), id_col, filter_bits);
            proptest::prop_assert_eq!(fast, Some(by_csv_crate.unwrap()));
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
            let fast = last_rows(Trickle(data.as_bytes(), chunk), id_col, ID_FILTER_BITS).unwrap();
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(fast, with_csv_crate(data.as_bytes(), id_col));
            }
        }
    }
}
