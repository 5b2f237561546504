//! The generic CSV export: one message per row, a header row naming the
//! columns (see the README). Rows of one conversation need not be adjacent:
//! a first pass finds each conversation's last row, so a conversation is
//! handed on as soon as it is complete and memory holds only the
//! conversations still open (one, for an export sorted by conversation).

use super::csv_rows;
use super::error::{Location, RecordError};
use crate::model::{Conversation, Message, Role, Text};
use crate::timestamp;
use std::collections::HashMap;
use std::io::Read;

/// The fields chatlint reads from a CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
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
/// cell read, hence an array rather than a map).
#[derive(Debug, Default)]
struct Columns {
    idx: [Option<usize>; FIELDS.len()],
}

impl Columns {
    fn resolve(
        header: &csv::StringRecord,
        overrides: &[(String, String)],
    ) -> Result<Columns, String> {
        let mut cols = Columns::default();
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
    fn index(&self, field: Field) -> Option<usize> {
        self.idx[field as usize]
    }

    /// The trimmed, non-empty value of `field` in `row`.
    fn get<'r>(&self, row: &'r csv::StringRecord, field: Field) -> Option<&'r str> {
        self.index(field)
            .and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// Maps a CSV role value to a role.
pub fn role_of(value: &str) -> Option<Role> {
    // Lowered on the stack (this runs for every row): no role name is
    // longer than the buffer, so a longer value is no role.
    let value = value.trim().as_bytes();
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

/// A conversation being assembled from rows.
struct Open {
    conv: Conversation<'static>,
    error: Option<RecordError>,
    last_row: u64,
}

/// What the CSV reader hands on, in order.
pub enum CsvItem {
    Conversation(Box<Conversation<'static>>),
    Skipped(RecordError),
}

/// Reads a CSV export. `reopen` gives the input afresh for each of the two
/// passes. Returns an error message when the header is unusable.
pub fn read(
    source: &str,
    reopen: &mut dyn FnMut() -> std::io::Result<Box<dyn Read>>,
    overrides: &[(String, String)],
    emit: &mut dyn FnMut(CsvItem),
) -> Result<(), String> {
    let builder = || {
        let mut b = csv::ReaderBuilder::new();
        b.flexible(true);
        b
    };
    // The header, read by the reader of pass 2.
    let mut rdr = builder().from_reader(reopen().map_err(|e| e.to_string())?);
    let header = rdr.headers().map_err(|e| e.to_string())?.clone();
    let cols = Columns::resolve(&header, overrides)?;
    let id_col = cols
        .index(Field::ConversationId)
        .expect("resolve requires it");

    // Pass 1: each conversation's last row, by a byte scan, or by the csv
    // crate for the shapes the scan leaves to it.
    let last_row = match csv_rows::last_rows(reopen().map_err(|e| e.to_string())?, id_col)
        .map_err(|e| e.to_string())?
    {
        Some(last_row) => last_row,
        None => csv_rows::last_rows_by_csv_crate(reopen().map_err(|e| e.to_string())?, id_col)
            .map_err(|e| e.to_string())?,
    };

    // Pass 2: build conversations, hand each on at its last row.
    let mut open: HashMap<String, Open> = HashMap::new();
    let mut current: Option<Open> = None;
    let mut row_no = 0u64;
    let mut srec = csv::StringRecord::new();
    let width = header.len();
    loop {
        let this_row = row_no;
        row_no += 1;
        let result = rdr.read_record(&mut srec);
        let line = match &result {
            Err(e) => e.position().map_or(rdr.position().line(), |p| p.line()),
            Ok(_) => srec.position().map_or(rdr.position().line(), |p| p.line()),
        };
        let loc = |column: Option<u64>| Location {
            source: source.to_string(),
            line,
            column,
        };
        let ok = match result {
            Ok(false) => break,
            Ok(true) => true,
            Err(e) => {
                let msg = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
                    _ => e.to_string(),
                };
                emit(CsvItem::Skipped(RecordError::new(
                    loc(None),
                    format!("row skipped: {msg}"),
                )));
                false
            }
        };
        if !ok {
            continue;
        }
        let Some(id) = cols.get(&srec, Field::ConversationId) else {
            emit(CsvItem::Skipped(RecordError::new(
                loc(None),
                "row skipped: empty conversation id",
            )));
            continue;
        };
        // The conversation of the previous row is kept out of the map: rows
        // of one conversation usually come together.
        if current.as_ref().is_none_or(|c| c.conv.id != id) {
            if let Some(previous) = current.take() {
                open.insert(previous.conv.id.to_string(), previous);
            }
            current = Some(open.remove(id).unwrap_or_else(|| Open {
                conv: Conversation::new(Text::Owned(id.to_string())),
                error: None,
                last_row: last_row.get(id.as_bytes()).copied().unwrap_or(this_row),
            }));
        }
        let entry = current.as_mut().expect("set just above");
        if entry.error.is_none() {
            if let Err(msg) = add_row(&mut entry.conv, &cols, &srec, width) {
                entry.error =
                    Some(RecordError::new(loc(None), msg).with_conversation(Some(id.to_string())));
            }
        }
        if this_row >= entry.last_row {
            let done = current.take().expect("set just above");
            emit(match done.error {
                Some(e) => CsvItem::Skipped(e),
                None => CsvItem::Conversation(Box::new(done.conv)),
            });
        }
    }
    if let Some(previous) = current.take() {
        open.insert(previous.conv.id.to_string(), previous);
    }
    // Rows whose last-row index disagreed between passes (input changed): flush in id order.
    let mut rest: Vec<_> = open.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, done) in rest {
        emit(match done.error {
            Some(e) => CsvItem::Skipped(e),
            None => CsvItem::Conversation(Box::new(done.conv)),
        });
    }
    Ok(())
}

fn add_row(
    conv: &mut Conversation<'static>,
    cols: &Columns,
    row: &csv::StringRecord,
    width: usize,
) -> Result<(), String> {
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
    let text = cols
        .index(Field::Text)
        .and_then(|i| row.get(i))
        .unwrap_or("");
    let event = cols
        .get(row, Field::Event)
        .map(|s| Text::Owned(s.to_string()));
    if text.trim().is_empty() && role != Role::System && event.is_none() {
        return Err(format!("empty text for a {} message", role.as_str()));
    }
    let owned = |f: Field| cols.get(row, f).map(|s| Text::Owned(s.to_string()));
    if conv.team.is_none() {
        conv.team = owned(Field::Team);
    }
    if conv.agent.is_none() {
        conv.agent = owned(Field::Agent);
    }
    if conv.channel.is_none() {
        conv.channel = owned(Field::Channel);
    }
    let internal = cols
        .get(row, Field::Internal)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
    conv.messages.push(Message {
        role,
        author: owned(Field::Author),
        name: owned(Field::Name),
        text: Text::Owned(text.to_string()),
        ts,
        event,
        internal,
    });
    Ok(())
}

/// Lines inside a field that read like rows of the file (a role in the role
/// column, and a timestamp in the timestamp column when there is one): the
/// mark of a quote left open, which swallows the rows after it.
fn swallowed_rows(cols: &Columns, row: &csv::StringRecord) -> Option<usize> {
    // Most rows hold no line feed at all: one scan of the whole row.
    memchr::memchr(b'\n', row.as_slice().as_bytes())?;
    let role_col = cols.index(Field::Role)?;
    let ts_col = cols.index(Field::Timestamp);
    let n = row
        .iter()
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

    fn run(text: &'static str) -> (Vec<String>, Vec<String>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let mut reopen = || Ok(Box::new(text.as_bytes()) as Box<dyn Read>);
        read("t.csv", &mut reopen, &[], &mut |item| match item {
            CsvItem::Conversation(c) => ok.push(format!("{}:{}", c.id, c.messages.len())),
            CsvItem::Skipped(e) => bad.push(e.to_string()),
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
        let err = read("t.csv", &mut reopen, &[], &mut |_| {}).unwrap_err();
        assert!(err.contains("no conversation_id column"));
        let mut reopen = || Ok(Box::new(&b"id,who,words\n1,agent,hi\n"[..]) as Box<dyn Read>);
        let map = [
            ("conversation_id".to_string(), "id".to_string()),
            ("role".into(), "who".into()),
            ("text".into(), "words".into()),
        ];
        let mut n = 0;
        read("t.csv", &mut reopen, &map, &mut |_| n += 1).unwrap();
        assert_eq!(n, 1);
    }
}
