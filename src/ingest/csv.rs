//! The generic CSV export: one message per row, a header row naming the
//! columns (see the README). Rows of one conversation need not be adjacent:
//! a first pass finds where each conversation ends (see `csv_rows`), so a
//! conversation is handed on as soon as it is complete and memory holds
//! only the conversations still open (one, for an export sorted by
//! conversation) and the last rows of the ids whose rows are not together.

use super::csv_rows::{self, Ends, LastRows, Progress, ID_FILTER_BITS};
use super::error::{Location, RecordError};
use super::{csv_blocks, Batch};
use crate::model::{Conversation, Message, Role, Text};
use crate::text::trim;
use crate::timestamp;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

/// The fields chatlint reads from a CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    ConversationId,
    Timestamp,
    Role,
    Author,
    Name,
    Text,
    Team,
    Agent,
    Event,
    Channel,
    Internal,
}

/// Each field's name (as `--csv-column` takes it) and the header names it
/// recognises, in `Field` order.
const FIELDS: [(Field, &str, &[&str]); 11] = [
    (
        Field::ConversationId,
        "conversation_id",
        &[
            "conversation_id",
            "chat_id",
            "ticket_id",
            "thread_id",
            "conversation",
        ],
    ),
    (
        Field::Timestamp,
        "timestamp",
        &["timestamp", "ts", "created_at", "time", "date"],
    ),
    (Field::Role, "role", &["role", "sender_type", "author_type"]),
    (Field::Author, "author", &["author", "author_id", "sender"]),
    (Field::Name, "name", &["name", "author_name", "sender_name"]),
    (Field::Text, "text", &["text", "message", "body", "content"]),
    (Field::Team, "team", &["team", "queue", "department"]),
    (Field::Agent, "agent", &["agent", "agent_id"]),
    (Field::Event, "event", &["event"]),
    (Field::Channel, "channel", &["channel"]),
    (Field::Internal, "internal", &["internal", "private"]),
];

/// Column indices of the fields found in a header (looked up for every
/// cell read, hence an array rather than a map), and the header's width.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Columns {
    idx: [Option<usize>; FIELDS.len()],
    width: usize,
}

/// A row's cells as [`add_row`] reads them: a csv crate record, whose text
/// is copied into the conversation, or a row of a block of input, whose
/// text is borrowed from it.
pub(super) trait Row<'a> {
    /// How many cells the row has.
    fn len(&self) -> usize;
    /// Cell `i`.
    fn get(&self, i: usize) -> Option<&str>;
    /// Cell `i`, cut down to `part` of it, as text kept in a conversation.
    fn text(&self, i: usize, part: fn(&str) -> &str) -> Option<Text<'a>>;
    /// Whether any cell holds a line feed.
    fn has_line_feed(&self) -> bool;
}

impl Row<'static> for csv::StringRecord {
    fn len(&self) -> usize {
        csv::StringRecord::len(self)
    }

    fn get(&self, i: usize) -> Option<&str> {
        csv::StringRecord::get(self, i)
    }

    fn text(&self, i: usize, part: fn(&str) -> &str) -> Option<Text<'static>> {
        csv::StringRecord::get(self, i).map(|s| Text::Owned(part(s).to_owned()))
    }

    fn has_line_feed(&self) -> bool {
        memchr::memchr(b'\n', self.as_slice().as_bytes()).is_some()
    }
}

impl Columns {
    pub(super) fn resolve(
        header: &csv::StringRecord,
        overrides: &[(String, String)],
    ) -> Result<Columns, String> {
        let mut cols = Columns {
            width: header.len(),
            ..Columns::default()
        };
        let norm = |s: &str| s.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        for (field, name, aliases) in FIELDS {
            let wanted: Vec<String> = match overrides.iter().find(|(f, _)| f == name) {
                Some((_, h)) => vec![norm(h)],
                None => aliases.iter().map(|a| a.to_string()).collect(),
            };
            cols.idx[field as usize] = wanted
                .iter()
                .find_map(|w| header.iter().position(|h| norm(h) == *w));
        }
        for required in [Field::ConversationId, Field::Role, Field::Text] {
            if cols.index(required).is_none() {
                let (_, name, aliases) = FIELDS[required as usize];
                return Err(format!(
                    "the CSV header has no {name} column (looked for: {}); map one with --csv-column {name}=HEADER",
                    aliases.join(", ")
                ));
            }
        }
        Ok(cols)
    }

    /// The column of `field`, if the header has one.
    pub(super) fn index(&self, field: Field) -> Option<usize> {
        self.idx[field as usize]
    }

    /// The trimmed, non-empty value of `field` in `row`.
    fn get<'r, 'a>(&self, row: &'r impl Row<'a>, field: Field) -> Option<&'r str> {
        self.index(field)
            .and_then(|i| row.get(i))
            .map(trim)
            .filter(|s| !s.is_empty())
    }

    /// [`Columns::get`] as text kept in a conversation.
    pub(super) fn text<'a>(&self, row: &impl Row<'a>, field: Field) -> Option<Text<'a>> {
        self.index(field)
            .and_then(|i| row.text(i, trim))
            .filter(|s| !s.is_empty())
    }
}

/// Maps a CSV role value to a role.
pub fn role_of(value: &str) -> Option<Role> {
    // Lowered on the stack (this runs for every row): no role name is
    // longer than the buffer, so a longer value is no role.
    let value = trim(value).as_bytes();
    let mut lower = [0u8; 16];
    let lower = lower.get_mut(..value.len())?;
    for (l, b) in lower.iter_mut().zip(value) {
        *l = b.to_ascii_lowercase();
    }
    match &*lower {
        b"agent" | b"operator" | b"admin" | b"staff" | b"support" | b"rep" | b"representative" => {
            Some(Role::Agent)
        }
        b"customer" | b"visitor" | b"user" | b"client" | b"contact" | b"end_user" | b"end-user"
        | b"enduser" | b"lead" => Some(Role::Customer),
        b"bot" | b"assistant" | b"ai" | b"automation" => Some(Role::Bot),
        b"system" | b"event" => Some(Role::System),
        _ => None,
    }
}

/// Reads a CSV export and hands on its batches. `reopen` gives the input
/// afresh for each pass. Returns an error message when the header is
/// unusable or the input cannot be read.
pub fn read(
    source: &Arc<str>,
    reopen: &mut dyn FnMut() -> std::io::Result<Box<dyn Read>>,
    overrides: &[(String, String)],
    block_size: usize,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), String> {
    // The header, read by the csv crate's reader of pass 2.
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(reopen().map_err(|e| e.to_string())?);
    let header = rdr.headers().map_err(|e| e.to_string())?;
    let cols = Columns::resolve(header, overrides)?;
    let id_col = cols
        .index(Field::ConversationId)
        .expect("resolve requires it");

    // Pass 1: the last rows pass 2 cannot find by itself, by a byte scan,
    // or by the csv crate for the shapes the scan leaves to it; pass 2
    // reads the rows the same way.
    let input = reopen().map_err(|e| e.to_string())?;
    match csv_rows::last_rows(input, id_col, ID_FILTER_BITS).map_err(|e| e.to_string())? {
        Some(last_row) => {
            drop(rdr);
            let input = reopen().map_err(|e| e.to_string())?;
            // Half blocks: a byte of CSV holds more of a conversation than
            // a byte of JSON (no keys), so it parses and renders larger.
            let block_size = (block_size / 2).max(1);
            csv_blocks::read(source, input, cols, &last_row, block_size, emit)
        }
        None => {
            let input = reopen().map_err(|e| e.to_string())?;
            let last_row = csv_rows::last_rows_by_csv_crate(input, id_col, ID_FILTER_BITS)
                .map_err(|e| e.to_string())?;
            read_records(source, rdr, cols, &last_row, emit);
            Ok(())
        }
    }
}

/// A conversation being assembled from rows.
struct Open {
    conv: Conversation<'static>,
    error: Option<RecordError>,
    progress: Progress,
}

impl Open {
    fn done(self) -> Result<Conversation<'static>, RecordError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.conv),
        }
    }
}

/// Conversations built on the reader thread, handed on in batches.
struct Built<'e> {
    source: Arc<str>,
    items: Vec<Result<Conversation<'static>, RecordError>>,
    emit: &'e mut dyn FnMut(Batch),
}

impl Built<'_> {
    /// Conversations or skipped records per batch.
    const BATCH: usize = 256;

    fn push(&mut self, item: Result<Conversation<'static>, RecordError>) {
        self.items.push(item);
        if self.items.len() >= Self::BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            (self.emit)(Batch::Built {
                source: self.source.clone(),
                items: std::mem::take(&mut self.items),
            });
        }
    }
}

/// Pass 2 by the csv crate, for the shapes the byte scan leaves to it:
/// builds the conversations on this thread and hands each on once its last
/// row is read and known to be its last.
pub(super) fn read_records(
    source: &Arc<str>,
    mut rdr: csv::Reader<Box<dyn Read>>,
    cols: Columns,
    last_rows: &LastRows,
    emit: &mut dyn FnMut(Batch),
) {
    let Some(id_col) = cols.index(Field::ConversationId) else {
        return; // `Columns::resolve` requires it
    };
    let mut convs = Conversations {
        out: Built {
            source: source.clone(),
            items: Vec::new(),
            emit,
        },
        cols,
        ends: Ends::new(last_rows),
        open: HashMap::new(),
        current: None,
    };
    // Read as bytes: pass 1 reads the id of a row that is not UTF-8 too.
    let mut bytes = csv::ByteRecord::new();
    for row in 0u64.. {
        // Where the csv crate places a row that is not UTF-8.
        let start_line = rdr.position().line();
        let read = rdr.read_byte_record(&mut bytes);
        let line_of = |at: Option<&csv::Position>| at.map_or(rdr.position().line(), |p| p.line());
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                convs.skip(line_of(e.position()), format!("row skipped: {e}"));
                continue;
            }
        }
        let line = line_of(bytes.position());
        if let Some(cell) = bytes.get(id_col) {
            convs.note(cell, row);
        }
        bytes = match csv::StringRecord::from_byte_record(std::mem::take(&mut bytes)) {
            Ok(record) => {
                convs.add(&record, row, line);
                record.into_byte_record()
            }
            Err(e) => {
                convs.skip(start_line, NOT_UTF8.to_string());
                e.into_byte_record()
            }
        };
    }
    convs.finish();
}

/// Groups rows read by the csv crate into conversations.
struct Conversations<'e, 'l> {
    out: Built<'e>,
    cols: Columns,
    ends: Ends<'l>,
    /// Conversations still open, by id, but for `current`.
    open: HashMap<String, Open>,
    /// The conversation of the previous row, kept out of the map: rows of
    /// one conversation usually come together.
    current: Option<Open>,
}

impl Conversations<'_, '_> {
    /// Skips a row that is not one of a conversation.
    fn skip(&mut self, line: u64, why: String) {
        let at = Location::line(&self.out.source, line);
        self.out.push(Err(RecordError::new(at, why)));
    }

    /// Notes row `row`, whose id cell is `cell`, as pass 1 did: the run it
    /// ends may complete the current conversation.
    fn note(&mut self, cell: &[u8], row: u64) {
        if let Some(last) = self.ends.note(cell, row) {
            self.run_ended(last);
        }
    }

    /// Notes that the run being read ended at row `last`.
    fn run_ended(&mut self, last: u64) {
        if self
            .current
            .as_mut()
            .is_some_and(|c| c.progress.run_ended(last))
        {
            self.complete_current();
        }
    }

    /// Hands on the current conversation.
    fn complete_current(&mut self) {
        if let Some(done) = self.current.take() {
            self.out.push(done.done());
        }
    }

    /// Adds row `row`, which starts on line `line`, or skips it when it
    /// has no conversation id.
    fn add(&mut self, record: &csv::StringRecord, row: u64, line: u64) {
        let Some(id) = self.cols.get(record, Field::ConversationId) else {
            return self.skip(line, NO_ID.to_string());
        };
        if self.current.as_ref().is_none_or(|c| c.conv.id != id) {
            if let Some(previous) = self.current.take() {
                self.open.insert(previous.conv.id.to_string(), previous);
            }
            self.current = Some(self.open.remove(id).unwrap_or_else(|| Open {
                conv: Conversation::new(Text::Owned(id.to_string())),
                error: None,
                progress: self.ends.open(id.as_bytes(), row),
            }));
        }
        let Some(entry) = self.current.as_mut() else {
            return;
        };
        if entry.error.is_none() {
            if let Err(msg) = add_row(&mut entry.conv, &self.cols, record) {
                let at = Location::line(&self.out.source, line);
                entry.error =
                    Some(RecordError::new(at, msg).with_conversation(Some(id.to_string())));
            }
        }
        if entry.progress.add(row) {
            self.complete_current();
        }
    }

    /// At the end of the input, ends the last run, then hands on the
    /// conversations still open (those whose last row was skipped as not
    /// UTF-8, and those of an input changed since pass 1), in id order.
    fn finish(mut self) {
        if let Some(last) = self.ends.finish() {
            self.run_ended(last);
        }
        if let Some(previous) = self.current.take() {
            self.open.insert(previous.conv.id.to_string(), previous);
        }
        let mut rest: Vec<_> = self.open.into_iter().collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, done) in rest {
            self.out.push(done.done());
        }
        self.out.flush();
    }
}

/// Why a row that is not valid UTF-8 is skipped.
pub(super) const NOT_UTF8: &str = "row skipped: the row is not valid UTF-8";

/// Why a row without a conversation id is skipped.
pub(super) const NO_ID: &str = "row skipped: empty conversation id";

/// Adds `row` to `conv` as a message, or says why it cannot be one.
pub(super) fn add_row<'a>(
    conv: &mut Conversation<'a>,
    cols: &Columns,
    row: &impl Row<'a>,
) -> Result<(), String> {
    let width = cols.width;
    if row.len() != width {
        return Err(format!(
            "row has {} fields but the header has {width}",
            row.len()
        ));
    }
    if let Some(swallowed) = swallowed_rows(cols, row) {
        return Err(format!(
            "a quoted field runs on over {swallowed} line(s) that look like rows of their own (a quote left open?); those rows are not scored"
        ));
    }
    let role_text = cols.get(row, Field::Role).ok_or("missing role")?;
    let role = role_of(role_text).ok_or_else(|| {
        format!("unknown role {role_text:?} (use agent, customer, bot or system)")
    })?;
    let ts = match cols.get(row, Field::Timestamp) {
        None => None,
        Some(t) => Some(timestamp::parse_str(t).ok_or_else(|| format!("invalid timestamp {t:?}"))?),
    };
    let text_col = cols.index(Field::Text);
    let text = text_col.and_then(|i| row.get(i)).unwrap_or("");
    let event = cols.text(row, Field::Event);
    if trim(text).is_empty() && role != Role::System && event.is_none() {
        return Err(format!("empty text for a {} message", role.as_str()));
    }
    if conv.team.is_none() {
        conv.team = cols.text(row, Field::Team);
    }
    if conv.agent.is_none() {
        conv.agent = cols.text(row, Field::Agent);
    }
    if conv.channel.is_none() {
        conv.channel = cols.text(row, Field::Channel);
    }
    let internal = cols
        .get(row, Field::Internal)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
    conv.messages.push(Message {
        role,
        author: cols.text(row, Field::Author),
        name: cols.text(row, Field::Name),
        text: text_col
            .and_then(|i| row.text(i, |s| s))
            .unwrap_or_default(),
        ts,
        event,
        internal,
    });
    Ok(())
}

/// Lines inside a field that read like rows of the file (a role in the role
/// column, and a timestamp in the timestamp column when there is one): the
/// mark of a quote left open, which swallows the rows after it.
fn swallowed_rows<'a>(cols: &Columns, row: &impl Row<'a>) -> Option<usize> {
    // Most rows hold no line feed at all: one scan of the whole row.
    if !row.has_line_feed() {
        return None;
    }
    let role_col = cols.index(Field::Role)?;
    let ts_col = cols.index(Field::Timestamp);
    let n = (0..row.len())
        .filter_map(|i| row.get(i))
        .filter(|f| f.contains('\n'))
        .flat_map(|f| f.lines().skip(1))
        .filter(|line| {
            let cells: Vec<&str> = line
                .split(',')
                .map(|c| c.trim().trim_matches('"'))
                .collect();
            cells.get(role_col).is_some_and(|r| role_of(r).is_some())
                && ts_col.is_none_or(|t| {
                    cells
                        .get(t)
                        .is_some_and(|v| timestamp::parse_str(v).is_some())
                })
        })
        .count();
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_in_any_case_and_nothing_longer() {
        for (value, role) in [
            ("Agent", Some(Role::Agent)),
            (" REPRESENTATIVE\t", Some(Role::Agent)),
            ("End-User", Some(Role::Customer)),
            ("\u{a0}visitor", Some(Role::Customer)),
            ("AI", Some(Role::Bot)),
            ("system", Some(Role::System)),
            ("representatives", None),
            ("a very long value indeed", None),
            ("agént", None),
            ("", None),
        ] {
            assert_eq!(role_of(value), role, "{value:?}");
        }
    }

    /// What reading `text` gives: `id:messages` of each conversation, and
    /// the errors.
    fn run(text: &'static str) -> (Vec<String>, Vec<String>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let mut reopen = || Ok(Box::new(text.as_bytes()) as Box<dyn Read>);
        read(&"t.csv".into(), &mut reopen, &[], 1 << 20, &mut |batch| {
            batch.for_each(|item, _| match item {
                Ok(c) => ok.push(format!("{}:{}", c.id, c.messages.len())),
                Err(e) => bad.push(e.to_string()),
            });
        })
        .unwrap();
        (ok, bad)
    }

    #[test]
    fn groups_interleaved_rows() {
        let (ok, bad) = run("chat_id,role,text\na,customer,hi\nb,customer,yo\na,agent,hello\nb,operator,hey\nb,visitor,thx\n");
        assert_eq!(ok, ["a:2", "b:3"]);
        assert!(bad.is_empty());
    }

    #[test]
    fn bad_rows_skip_their_conversation_and_say_where() {
        let (ok, bad) = run("chat_id,role,text\na,customer,hi\nb,wizard,x\nb,agent,y\na,agent,\"multi\nline\"\nc,agent\n");
        assert_eq!(ok, ["a:2"]);
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad[0].starts_with("t.csv:3: unknown role \"wizard\""),
            "{}",
            bad[0]
        );
        assert!(
            bad[1].starts_with("t.csv:7: row has 2 fields"),
            "{}",
            bad[1]
        );
    }

    #[test]
    fn header_without_required_column() {
        let mut reopen = || Ok(Box::new(&b"id,who,words\n"[..]) as Box<dyn Read>);
        let err = read(&"t.csv".into(), &mut reopen, &[], 1 << 20, &mut |_| {}).unwrap_err();
        assert!(err.contains("no conversation_id column"));
        let mut reopen = || Ok(Box::new(&b"id,who,words\n1,agent,hi\n"[..]) as Box<dyn Read>);
        let map = [
            ("conversation_id".to_string(), "id".to_string()),
            ("role".into(), "who".into()),
            ("text".into(), "words".into()),
        ];
        let mut n = 0;
        read(&"t.csv".into(), &mut reopen, &map, 1 << 20, &mut |batch| {
            batch.for_each(|_, _| n += 1);
        })
        .unwrap();
        assert_eq!(n, 1);
    }
}
