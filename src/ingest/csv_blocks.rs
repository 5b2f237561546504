//! The CSV reader's second pass for the inputs the byte scan of
//! [`csv_rows`] reads (the usual case). The reader thread only finds the
//! rows and groups them into conversations, as the csv crate's pass 2 in
//! `csv.rs` does; the rows go on as raw bytes, in blocks, and the workers
//! parse them, borrowing the text from the block.

use super::csv::{add_row, Columns, Field, Row, NOT_UTF8, NO_ID};
use super::csv_rows::{self, Ends, LastRows, Progress, Scan};
use super::error::{Location, RecordError};
use super::{fill, io_message, Batch, Place, Record};
use crate::model::{Conversation, Text};
use crate::pool::BLOCKS;
use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

/// A row: where its bytes are in a buffer, and the line it starts on.
#[derive(Clone, Debug)]
struct RowAt {
    range: Range<usize>,
    line: u64,
}

/// What a block hands on, in input order.
enum Unit {
    /// A conversation: its rows are `Block::rows[rows]`, in `Block::data`
    /// or, when it began in an earlier block, in `Block::carried[i]`.
    Conversation {
        rows: Range<usize>,
        carried: Option<usize>,
    },
    Skipped(RecordError),
}

/// Rows of a CSV and the conversations they make, for a worker to parse.
pub struct Block {
    source: Arc<str>,
    cols: Columns,
    data: Vec<u8>,
    /// The rows of conversations that began in earlier blocks.
    carried: Vec<Vec<u8>>,
    rows: Vec<RowAt>,
    units: Vec<Unit>,
}

impl Block {
    /// Builds the block's conversations and hands each to `each`, in order.
    pub fn for_each(self: Box<Self>, each: &mut dyn FnMut(Record, Place)) {
        let Block {
            source,
            cols,
            data,
            carried,
            rows,
            units,
        } = *self;
        let place = Place {
            source: &source,
            line: None,
        };
        {
            let whole = Bytes::new(&data);
            let mut cells = Cells::default();
            for unit in units {
                match unit {
                    Unit::Skipped(e) => each(Err(e), place),
                    Unit::Conversation {
                        rows: at,
                        carried: i,
                    } => {
                        let bytes = match i {
                            Some(i) => Bytes::new(carried.get(i).map_or(&[][..], |c| c)),
                            None => whole,
                        };
                        let rows = rows.get(at).unwrap_or_default();
                        match build(bytes, rows, &cols, &source, &mut cells) {
                            Ok(conv) => each(Ok(&conv), place),
                            Err(e) => each(Err(e), place),
                        }
                    }
                }
            }
        }
        BLOCKS.give(data);
    }
}

/// The conversation of `rows`, or why it is skipped: its first bad row.
fn build<'a>(
    data: Bytes<'a>,
    rows: &[RowAt],
    cols: &Columns,
    source: &str,
    cells: &mut Cells<'a>,
) -> Result<Conversation<'a>, RecordError> {
    let mut conv = Conversation::new("");
    conv.messages.reserve_exact(rows.len());
    for (n, row) in rows.iter().enumerate() {
        let error = |msg: &str| RecordError::new(Location::line(source, row.line), msg);
        // The reader skipped rows that are not UTF-8: this does not fail.
        let text = data.row(row.range.clone()).ok_or_else(|| error(NOT_UTF8))?;
        cells.split(text);
        if n == 0 {
            conv.id = cols.text(cells, Field::ConversationId).unwrap_or_default();
        }
        if let Err(msg) = add_row(&mut conv, cols, cells) {
            return Err(error(&msg).with_conversation(Some(conv.id.to_string())));
        }
    }
    Ok(conv)
}

/// The bytes that a block's rows are cut from: as text when all of them
/// are UTF-8 (the usual case, as the reader skips the rows that are not),
/// so that each row is not checked again; rows start and end next to line
/// ends, so they are cut on character boundaries.
#[derive(Clone, Copy)]
enum Bytes<'a> {
    Text(&'a str),
    Raw(&'a [u8]),
}

impl<'a> Bytes<'a> {
    fn new(bytes: &'a [u8]) -> Bytes<'a> {
        std::str::from_utf8(bytes).map_or(Bytes::Raw(bytes), Bytes::Text)
    }

    /// The row at `range`, if it is UTF-8.
    fn row(self, range: Range<usize>) -> Option<&'a str> {
        match self {
            Bytes::Text(text) => text.get(range),
            Bytes::Raw(bytes) => bytes.get(range).and_then(|b| std::str::from_utf8(b).ok()),
        }
    }
}

/// The cells of one row, borrowed from its block where they can be.
#[derive(Default)]
struct Cells<'a> {
    text: Vec<Text<'a>>,
    line_feed: bool,
}

impl<'a> Cells<'a> {
    /// Splits `row`, a record as the reader's scan found it.
    fn split(&mut self, row: &'a str) {
        self.text.clear();
        let bytes = row.as_bytes();
        let body = (bytes.strip_suffix(b"\r\n"))
            .or_else(|| bytes.strip_suffix(b"\n"))
            .unwrap_or(bytes);
        self.line_feed = memchr::memchr(b'\n', body).is_some();
        let text = &mut self.text;
        csv_rows::scan_record(bytes, 0, true, |_, range, quoted| {
            // Cells start and end next to ASCII bytes: `get` does not fail.
            let cell = row.get(range).unwrap_or_default();
            text.push(if quoted && cell.contains('"') {
                Text::Owned(cell.replace("\"\"", "\""))
            } else {
                Text::Borrowed(cell)
            });
        });
    }
}

impl<'a> Row<'a> for Cells<'a> {
    fn len(&self) -> usize {
        self.text.len()
    }

    fn get(&self, i: usize) -> Option<&str> {
        self.text.get(i).map(|t| &**t)
    }

    fn text(&self, i: usize, part: fn(&str) -> &str) -> Option<Text<'a>> {
        Some(match self.text.get(i)? {
            Text::Borrowed(s) => Text::Borrowed(part(s)),
            Text::Owned(s) => Text::Owned(part(s).to_owned()),
        })
    }

    fn has_line_feed(&self) -> bool {
        self.line_feed
    }
}

/// Reads the rows of `input` (the whole CSV, header first) in blocks of
/// about `block_size` bytes, groups them into conversations ending where
/// [`Ends`] says from `last_rows`, and hands each block on.
pub fn read(
    source: &Arc<str>,
    mut input: impl Read,
    cols: Columns,
    last_rows: &LastRows,
    block_size: usize,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), String> {
    let Some(id_col) = cols.index(Field::ConversationId) else {
        return Ok(()); // `Columns::resolve` requires it
    };
    let mut info = csv_rows::RowInfo::default();
    let mut rows = Rows {
        source: source.clone(),
        cols,
        ends: Ends::new(last_rows),
        open: HashMap::new(),
        current: None,
        rows: Vec::new(),
        units: Vec::new(),
        carried: Vec::new(),
        row_no: 0,
        spare_rows: Vec::new(),
    };
    let mut buf = BLOCKS.take();
    let mut start = 0;
    let mut bom_checked = false;
    // The line a row starts on, as the csv crate says: it counts the line
    // feeds up to a record's end as it reads the record, and reads those
    // after (of a CRLF line end and of empty lines) with the next record.
    // So a row after empty lines is said to start on the line after the
    // row before it, and a row after a CRLF one line before that.
    let mut line = 1u64;
    let mut uncounted_line_feeds = 0;
    let mut header = true;
    let mut id_scratch = Vec::new();
    let mut failure = None;
    let mut read_ahead = ReadAhead::new(block_size);
    loop {
        let ahead = std::mem::replace(&mut read_ahead, ReadAhead::new(block_size));
        let filled = match ahead.error {
            Some(e) => Err(e),
            None => fill(&mut input, &mut buf, ahead.step_left),
        };
        let more = match filled {
            Ok(more) => more,
            Err(e) => {
                failure = Some(format!(
                    "{} (reading stopped here; everything before was read)",
                    io_message(&e)
                ));
                false
            }
        };
        if !bom_checked {
            match csv_rows::first_record(&buf, !more) {
                Some(at) => start = at,
                None => continue,
            }
            bom_checked = true;
        }
        // Rows ending before this are UTF-8; the others are checked alone.
        let utf8_to = match std::str::from_utf8(&buf[start..]) {
            Ok(_) => buf.len(),
            Err(e) => start + e.valid_up_to(),
        };
        loop {
            let next = match csv_rows::scan_row(&buf, start, !more, id_col, &mut info) {
                Scan::Record { next } => next,
                Scan::EmptyLine { next } => {
                    uncounted_line_feeds += 1;
                    start = next;
                    continue;
                }
                Scan::NeedMore if more => break,
                Scan::End => break,
                // Pass 1 read every record: the input changed since.
                Scan::NeedMore | Scan::Unusual => {
                    failure = Some(format!(
                        "the input changed while it was read; rows from line {line} on were not read"
                    ));
                    break;
                }
            };
            let row = RowAt {
                range: start..next,
                line,
            };
            // A record ending in a carriage return and line feed ends in a
            // CRLF: the scan reads no other outside quotes, and a quoted
            // cell ends in a quote.
            let crlf = buf[..next].ends_with(b"\r\n");
            line += uncounted_line_feeds + info.line_feeds + u64::from(!crlf);
            uncounted_line_feeds = u64::from(crlf);
            start = next;
            if std::mem::take(&mut header) {
                continue;
            }
            let row_no = rows.row_no;
            rows.row_no += 1;
            let utf8 =
                row.range.end <= utf8_to || std::str::from_utf8(&buf[row.range.clone()]).is_ok();
            let cell = (info.id.take())
                .map(|(range, quoted)| csv_rows::unquote(&buf[range], quoted, &mut id_scratch));
            if let Some(cell) = cell {
                rows.note(&buf, cell, row_no);
            }
            match cell.and_then(csv_rows::trimmed_id) {
                _ if !utf8 => rows.skip(NOT_UTF8, row.line),
                None => rows.skip(NO_ID, row.line),
                Some(id) => rows.add(&buf, row, id, row_no),
            }
        }
        let ended = !more || failure.is_some();
        if start == 0 && !ended {
            continue; // a record longer than a block: read on
        }
        if ended {
            rows.finish(&buf);
        } else {
            rows.look_past(
                &mut input,
                &mut buf,
                start,
                &mut read_ahead,
                &mut id_scratch,
            );
            rows.carry(&buf[..start]);
        }
        // Hand on the rows read; the rest of the last one starts the next block.
        let mut rest = BLOCKS.take();
        rest.extend_from_slice(&buf[start..]);
        buf.truncate(start);
        start = 0;
        let block = std::mem::replace(&mut buf, rest);
        if let Some(block) = rows.block(block) {
            emit(Batch::Csv(Box::new(block)));
        }
        if ended {
            BLOCKS.give(buf);
            return failure.map_or(Ok(()), Err);
        }
    }
}

/// Reading done for the next block before the rows read are handed on,
/// in the steps the loop of [`read`] reads in (a block's bytes; the rows
/// are cut into a block at the end of a step that ends a record), so that
/// it cuts the same blocks.
struct ReadAhead {
    block_size: usize,
    /// Whether it has read anything.
    started: bool,
    /// What is left to read of the step read into (a block's bytes when
    /// nothing is read).
    step_left: usize,
    /// The error that stopped it, for the next block to report.
    error: Option<std::io::Error>,
}

impl ReadAhead {
    fn new(block_size: usize) -> ReadAhead {
        ReadAhead {
            block_size,
            started: false,
            step_left: block_size,
            error: None,
        }
    }

    /// Reads on from `input` into `buf`: a little at first (a record's id
    /// cell is near its start), then to the end of a step. Returns false
    /// at the end of the input or after an error, which it keeps.
    fn read(&mut self, input: &mut impl Read, buf: &mut Vec<u8>) -> bool {
        if self.step_left == 0 {
            self.step_left = self.block_size;
        }
        let want = if self.started {
            self.step_left
        } else {
            (self.block_size / PEEK_PARTS).max(1).min(self.step_left)
        };
        self.started = true;
        let before = buf.len();
        let read = fill(input, buf, want);
        self.step_left -= buf.len() - before;
        read.unwrap_or_else(|e| {
            self.error = Some(e);
            false
        })
    }
}

/// The part of a block read at first to find the id cell of the record
/// after a block (8 KiB of the 512 KiB blocks of CSV).
const PEEK_PARTS: usize = 64;

/// A conversation whose last row is yet to come.
struct Pending {
    progress: Progress,
    /// Its rows in the block being read.
    rows: Vec<RowAt>,
    /// Its rows from blocks handed on already, copied out of them.
    carried: Option<(Vec<u8>, Vec<RowAt>)>,
}

impl Pending {
    /// Moves the rows in `data`, the block being read, to `carried`.
    fn carry(&mut self, data: &[u8]) {
        if self.rows.is_empty() {
            return;
        }
        let (bytes, rows) = self.carried.get_or_insert_with(Default::default);
        for row in self.rows.drain(..) {
            let start = bytes.len();
            bytes.extend_from_slice(data.get(row.range.clone()).unwrap_or_default());
            rows.push(RowAt {
                range: start..bytes.len(),
                line: row.line,
            });
        }
    }
}

/// Groups rows into conversations, each handed on once its last row is
/// read and known to be its last, and gathers them into blocks.
struct Rows<'l> {
    source: Arc<str>,
    cols: Columns,
    ends: Ends<'l>,
    /// Conversations still open, by id, but for `current`.
    open: HashMap<Box<[u8]>, Pending>,
    /// The conversation of the previous row, kept out of the map: rows of
    /// one conversation usually come together.
    current: Option<(Box<[u8]>, Pending)>,
    /// The block being read: rows of the conversations complete in it, ...
    rows: Vec<RowAt>,
    /// ... what it hands on, ...
    units: Vec<Unit>,
    /// ... and the rows of conversations that began before it.
    carried: Vec<Vec<u8>>,
    /// Rows read so far.
    row_no: u64,
    /// Emptied `Pending::rows`, for the conversations to come.
    spare_rows: Vec<Vec<RowAt>>,
}

/// `Rows::spare_rows` kept at most.
const SPARE_ROWS: usize = 16;

impl Rows<'_> {
    /// Skips a row that is not one of a conversation.
    fn skip(&mut self, why: &str, line: u64) {
        let at = Location::line(&self.source, line);
        self.units.push(Unit::Skipped(RecordError::new(at, why)));
    }

    /// Adds row `row_no`, of the conversation `id`, in `data`.
    fn add(&mut self, data: &[u8], row: RowAt, id: &[u8], row_no: u64) {
        if self.current.as_ref().is_none_or(|(c, _)| **c != *id) {
            if let Some((previous, pending)) = self.current.take() {
                self.open.insert(previous, pending);
            }
            let opened = match self.open.remove_entry(id) {
                Some(open) => open,
                None => {
                    let pending = Pending {
                        progress: self.ends.open(id, row_no),
                        rows: self.spare_rows.pop().unwrap_or_default(),
                        carried: None,
                    };
                    (id.into(), pending)
                }
            };
            self.current = Some(opened);
        }
        let Some((_, pending)) = self.current.as_mut() else {
            return;
        };
        pending.rows.push(row);
        if pending.progress.add(row_no) {
            self.complete_current(data);
        }
    }

    /// Notes row `row_no`, in `data`, whose id cell is `cell`, as pass 1
    /// did: the run it ends may complete the current conversation.
    fn note(&mut self, data: &[u8], cell: &[u8], row_no: u64) {
        if let Some(last) = self.ends.note(cell, row_no) {
            self.run_ended(last, data);
        }
    }

    /// Notes that the run being read ended at row `last`.
    fn run_ended(&mut self, last: u64, data: &[u8]) {
        if let Some((_, pending)) = self.current.as_mut() {
            if pending.progress.run_ended(last) {
                self.complete_current(data);
            }
        }
    }

    /// Before the rows of `buf` up to `start` are handed on, if the current
    /// conversation waits for the end of its run: reads on from `input`
    /// (into `ahead`) until the id cell of the record at `start` is read,
    /// and notes it, so that the conversation is handed on with these rows
    /// if its run ends with them: at the row where the reader handed it on
    /// when pass 1 kept every id's last row, which keeps the blocks (and so
    /// the order of warnings on stderr) as they were.
    fn look_past(
        &mut self,
        input: &mut impl Read,
        buf: &mut Vec<u8>,
        start: usize,
        ahead: &mut ReadAhead,
        scratch: &mut Vec<u8>,
    ) {
        let waits = (self.current.as_ref()).is_some_and(|(_, c)| c.progress.waits_for_run_end());
        let Some(id_col) = self.cols.index(Field::ConversationId).filter(|_| waits) else {
            return;
        };
        let (mut at, mut eof) = (start, false);
        let mut info = csv_rows::RowInfo::default();
        loop {
            let scan = csv_rows::scan_row(buf, at, eof, id_col, &mut info);
            // The scan gives the id cell once its end is read, also when the
            // end of its record is not.
            if let Some((range, quoted)) = info.id.take() {
                let cell = csv_rows::unquote(&buf[range], quoted, scratch);
                return self.note(buf, cell, self.row_no);
            }
            match scan {
                Scan::EmptyLine { next } => at = next,
                Scan::End => return self.end_runs(buf),
                Scan::NeedMore if !eof => {
                    eof = !ahead.read(input, buf);
                    if ahead.error.is_some() {
                        return;
                    }
                }
                // No id cell, or a changed input.
                _ => return,
            }
        }
    }

    /// Ends the last run, at the end of the input (if not ended already).
    fn end_runs(&mut self, data: &[u8]) {
        if let Some(last) = self.ends.finish() {
            self.run_ended(last, data);
        }
    }

    /// Hands on the current conversation.
    fn complete_current(&mut self, data: &[u8]) {
        if let Some((_, done)) = self.current.take() {
            self.complete(done, data);
        }
    }

    /// Hands on a conversation whose last row is read.
    fn complete(&mut self, mut done: Pending, data: &[u8]) {
        let first = self.rows.len();
        let carried = if done.carried.is_some() {
            done.carry(data);
            let (bytes, rows) = done.carried.unwrap_or_default();
            self.rows.extend(rows);
            self.carried.push(bytes);
            Some(self.carried.len() - 1)
        } else {
            self.rows.append(&mut done.rows);
            if self.spare_rows.len() < SPARE_ROWS {
                self.spare_rows.push(done.rows);
            }
            None
        };
        self.units.push(Unit::Conversation {
            rows: first..self.rows.len(),
            carried,
        });
    }

    /// Copies the rows of the conversations still open out of `data`, the
    /// block about to be handed on.
    fn carry(&mut self, data: &[u8]) {
        if let Some((_, pending)) = self.current.as_mut() {
            pending.carry(data);
        }
        for pending in self.open.values_mut() {
            pending.carry(data);
        }
    }

    /// At the end of the input, ends the last run, then hands on the
    /// conversations still open (those whose last row was skipped as not
    /// UTF-8, and those of an input changed since pass 1), in id order.
    fn finish(&mut self, data: &[u8]) {
        self.end_runs(data);
        if let Some((id, pending)) = self.current.take() {
            self.open.insert(id, pending);
        }
        let mut rest: Vec<_> = self.open.drain().collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, pending) in rest {
            self.complete(pending, data);
        }
    }

    /// The block read, with what it hands on; `None` when that is nothing.
    fn block(&mut self, data: Vec<u8>) -> Option<Block> {
        if self.units.is_empty() {
            BLOCKS.give(data);
            return None;
        }
        Some(Block {
            source: self.source.clone(),
            cols: self.cols,
            data,
            carried: std::mem::take(&mut self.carried),
            rows: std::mem::take(&mut self.rows),
            units: std::mem::take(&mut self.units),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::csv::{read_records, Columns};
    use super::super::csv_reference;
    use super::super::csv_rows::{last_rows, last_rows_by_csv_crate, ID_FILTER_BITS};
    use super::*;
    use proptest::strategy::Strategy;

    /// What a batch hands on, one line each.
    fn describe(batch: Batch) -> Vec<String> {
        let mut out = Vec::new();
        batch.for_each(|record, _| out.push(csv_reference::describe(record)));
        out
    }

    /// What each block hands on when the blocks of this module read `data`,
    /// `block_size` bytes at a time, with the last rows `last`.
    fn blocks(data: &[u8], block_size: usize, last: &LastRows) -> Vec<Vec<String>> {
        let (cols, _) = header(data);
        let mut blocks = Vec::new();
        read(&"t.csv".into(), data, cols, last, block_size, &mut |b| {
            blocks.push(describe(b))
        })
        .unwrap();
        blocks
    }

    /// Reads `data` with the blocks of this module, `block_size` bytes at a
    /// time, after pass 1 with an id filter of `filter_bits` bits; `None`
    /// when the byte scan leaves it to the csv crate.
    fn by_blocks(data: &[u8], block_size: usize, filter_bits: usize) -> Option<Vec<Vec<String>>> {
        let (_, id_col) = header(data);
        let last = last_rows(data, id_col, filter_bits).unwrap()?;
        Some(blocks(data, block_size, &last))
    }

    /// Reads `data` with the csv crate, as the shapes it keeps are read,
    /// after pass 1 with an id filter of `filter_bits` bits.
    fn by_csv_crate(data: &'static [u8], filter_bits: usize) -> Vec<String> {
        let (cols, id_col) = header(data);
        let last = last_rows_by_csv_crate(data, id_col, filter_bits).unwrap();
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(Box::new(data) as Box<dyn Read>);
        rdr.headers().unwrap();
        let mut batches = Vec::new();
        read_records(&"t.csv".into(), rdr, cols, &last, &mut |b| batches.push(b));
        batches.into_iter().flat_map(describe).collect()
    }

    fn header(data: &[u8]) -> (Columns, usize) {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(data);
        let cols = Columns::resolve(rdr.headers().unwrap(), &[]).unwrap();
        let id_col = cols.index(Field::ConversationId).unwrap();
        (cols, id_col)
    }

    /// Rows of a few conversations, in runs of rows of one id, the runs
    /// interleaved, with bad and odd cells: unknown roles, bad timestamps,
    /// empty ids, ids that pass 2 trims more than pass 1 (of a no-break
    /// space, a vertical tab), too few or many cells, quoted text with
    /// commas, line ends, carriage returns, doubled quotes and rows of their
    /// own, bytes that are not UTF-8, and empty lines; LF and CRLF line ends
    /// mixed, the last perhaps missing, perhaps a byte order mark. The
    /// columns are `chat_id,role,ts,text` turned left `turn` times, so that
    /// the short rows have an id cell or not.
    fn rows(turn: usize) -> impl Strategy<Value = Vec<u8>> {
        let id = proptest::sample::select(vec![
            "a",
            "b",
            "c",
            " a",
            "\"b\"",
            "\"c\"\"\"",
            "",
            "\u{a0}a",
            "\u{b}b",
            "\u{b}",
        ]);
        let role = proptest::sample::select(vec!["agent", "customer", " System", "wizard", ""]);
        let ts = proptest::sample::select(vec!["2024-01-02T03:04:05Z", "", "soon"]);
        let text = proptest::sample::select(vec![
            "hi",
            "",
            "\"a, \"\"quoted\"\" text\"",
            "\"two\nlines\"",
            "\"two\r\nlines\r\n\"",
            "\"carriage\rreturn\"",
            "\"x\nb,agent,2024-01-02T03:04:05Z,y\"",
            "\"x\r\nb,agent,2024-01-02T03:04:05Z,y\"",
            "caf\u{e9}",
            "bad \u{ff}",
            "a,extra",
        ]);
        let end = || proptest::sample::select(vec![&b"\n"[..], b"\r\n"]);
        let message = (role, ts, text, end());
        let run = (id, proptest::collection::vec(message, 1..4)).prop_map(move |(id, messages)| {
            let row = |(role, ts, text, end): (&str, &str, &str, &'static [u8])| {
                let text = text.replace('\u{ff}', "\u{1}");
                let mut cells = [id, role, ts, &text];
                cells.rotate_left(turn);
                let mut row = cells.join(",").into_bytes();
                // U+0001 stands for a byte that is not UTF-8.
                for b in &mut row {
                    if *b == 1 {
                        *b = 0xff;
                    }
                }
                (row, end)
            };
            messages.into_iter().map(row).collect::<Vec<_>>()
        });
        let line = |text: &'static [u8]| (end()).prop_map(move |end| vec![(text.to_vec(), end)]);
        let lines = proptest::prop_oneof![
            6 => run,
            1 => line(b""),
            1 => line(b"c,agent"),
            1 => line(b"b"),
        ];
        (
            proptest::collection::vec(lines, 0..10),
            end(),
            proptest::bool::ANY,
            proptest::bool::ANY,
        )
            .prop_map(move |(lines, header_end, last_end, bom)| {
                let mut header = ["chat_id", "role", "ts", "text"];
                header.rotate_left(turn);
                let mut data = if bom { "\u{feff}" } else { "" }.as_bytes().to_vec();
                data.extend(header.join(",").as_bytes());
                data.extend(header_end);
                let lines: Vec<_> = lines.into_iter().flatten().collect();
                let n = lines.len();
                for (i, (line, end)) in lines.into_iter().enumerate() {
                    data.extend(line);
                    if i + 1 < n || last_end {
                        data.extend(end);
                    }
                }
                data
            })
    }

    /// Id filters of pass 1: one that mistakes most ids for ids seen, one
    /// that mistakes some, and the one the reader uses.
    fn filter_bits() -> impl Strategy<Value = usize> {
        proptest::sample::select(vec![64, 256, ID_FILTER_BITS])
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1000))]

        #[test]
        fn reads_as_the_reader_before_did(
            data in (0usize..4).prop_flat_map(rows),
            block_size in 1usize..80,
            filter_bits in filter_bits(),
        ) {
            let data: &'static [u8] = Box::leak(data.into_boxed_slice());
            let before = csv_reference::read(data);
            let fast = by_blocks(data, block_size, filter_bits);
            proptest::prop_assert!(fast.is_some(), "left to the csv crate");
            let fast = fast.unwrap();
            proptest::prop_assert_eq!(&fast.concat(), &before, "by blocks");
            proptest::prop_assert_eq!(by_csv_crate(data, filter_bits), before, "by the csv crate");
            // With every id's last row, no conversation waits for the end of
            // its run: the blocks are those the reader handed on before.
            let every = LastRows::of_ids(csv_reference::last_rows(data, header(data).1));
            proptest::prop_assert_eq!(fast, blocks(data, block_size, &every), "blocks");
        }
    }

    #[test]
    fn a_row_after_empty_lines_is_placed_as_the_csv_crate_places_it() {
        // The csv crate says such a row starts on the line after the row
        // before it; reports keep saying so.
        let data = b"chat_id,role,text\n\n\na,agent,not \xff UTF-8\n\nb,wizard,x\n";
        let got = by_blocks(data, 1 << 20, ID_FILTER_BITS).unwrap().concat();
        assert_eq!(got, by_csv_crate(data, ID_FILTER_BITS));
        assert!(got[0].starts_with("t.csv:2: row skipped"), "{got:?}");
        assert!(got[1].starts_with("t.csv:5: unknown role"), "{got:?}");
    }

    #[test]
    fn crlf_rows_are_placed_as_the_csv_crate_places_them() {
        // The csv crate reads the line feed of a CRLF with the next record,
        // so it places the rows after one a line early.
        let data = b"\xEF\xBB\xBFchat_id,role,text\r\na,agent,\"x\r\ny\"\r\n\r\nb,wizard,x\r\nc,agent\nd,agent,\xff\r\n";
        let got = by_blocks(data, 1 << 20, ID_FILTER_BITS).unwrap().concat();
        assert_eq!(got, by_csv_crate(data, ID_FILTER_BITS));
        assert!(got[1].starts_with("t.csv:3: unknown role"), "{got:?}");
        assert!(got[2].starts_with("t.csv:5: row has 2 fields"), "{got:?}");
        assert!(got[3].starts_with("t.csv:7: row skipped"), "{got:?}");
    }

    #[test]
    fn conversations_across_blocks_keep_their_rows() {
        let data = b"chat_id,role,text\na,agent,one\nb,customer,\"two\nlines\"\na,customer,three\nb,agent,four\n";
        for block_size in [1, 7, 30, 1 << 20] {
            let got = by_blocks(data, block_size, ID_FILTER_BITS)
                .unwrap()
                .concat();
            assert_eq!(
                got,
                by_csv_crate(data, ID_FILTER_BITS),
                "block size {block_size}"
            );
            assert_eq!(got.len(), 2);
        }
    }
}
