//! The CSV reader as it was before pass 1 kept the last rows of only some
//! ids: the reference the readers are tested against. Pass 1 kept every
//! id's last row; pass 2, by the csv crate, handed each conversation on at
//! the last row of its id (or at once when pass 1 had no row for it), and
//! the conversations still open at the end in id order.

use super::csv::{add_row, Columns, Field, NOT_UTF8, NO_ID};
use super::error::{Location, RecordError};
use crate::model::{Conversation, Text};
use std::collections::HashMap;

/// A conversation being assembled from rows.
struct Open {
    conv: Conversation<'static>,
    error: Option<RecordError>,
    last_row: u64,
}

/// How a test describes a conversation or a skipped record, one line each.
pub fn describe(item: Result<&Conversation, RecordError>) -> String {
    match item {
        Ok(conv) => format!("{conv:?}"),
        Err(e) => format!("{e} {:?}", e.conversation),
    }
}

/// What reading `data`, a CSV named `t.csv`, hands on, described.
pub fn read(data: &[u8]) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let cols = Columns::resolve(rdr.headers().unwrap(), &[]).unwrap();
    let last_row = last_rows(data, cols.index(Field::ConversationId).unwrap());
    let mut out = Vec::new();
    let mut push = |item: Result<Conversation<'static>, RecordError>| {
        out.push(match item {
            Ok(conv) => describe(Ok(&conv)),
            Err(e) => describe(Err(e)),
        })
    };
    let done = |open: Open| match open.error {
        Some(e) => Err(e),
        None => Ok(open.conv),
    };
    let mut open: HashMap<String, Open> = HashMap::new();
    let mut current: Option<Open> = None;
    let mut row_no = 0u64;
    let mut srec = csv::StringRecord::new();
    loop {
        let this_row = row_no;
        row_no += 1;
        let result = rdr.read_record(&mut srec);
        let line = match &result {
            Err(e) => e.position().map_or(rdr.position().line(), |p| p.line()),
            Ok(_) => srec.position().map_or(rdr.position().line(), |p| p.line()),
        };
        let loc = || Location::line("t.csv", line);
        match result {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let msg = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => NOT_UTF8.to_string(),
                    _ => format!("row skipped: {e}"),
                };
                push(Err(RecordError::new(loc(), msg)));
                continue;
            }
        }
        let id = srec.get(cols.index(Field::ConversationId).unwrap());
        let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
            push(Err(RecordError::new(loc(), NO_ID)));
            continue;
        };
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
        let entry = current.as_mut().unwrap();
        if entry.error.is_none() {
            if let Err(msg) = add_row(&mut entry.conv, &cols, &srec) {
                entry.error =
                    Some(RecordError::new(loc(), msg).with_conversation(Some(id.to_string())));
            }
        }
        if this_row >= entry.last_row {
            push(done(current.take().unwrap()));
        }
    }
    if let Some(previous) = current.take() {
        open.insert(previous.conv.id.to_string(), previous);
    }
    let mut rest: Vec<_> = open.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, open) in rest {
        push(done(open));
    }
    out
}

/// Each id's last row in `data`: the last row whose cell `id_col`, trimmed
/// of ASCII white space, is the id (rows the csv crate cannot read count as
/// rows).
pub fn last_rows(data: &[u8], id_col: usize) -> HashMap<Vec<u8>, u64> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    rdr.byte_headers().unwrap();
    let mut last = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    for row in 0u64.. {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if let Some(id) = rec.get(id_col) {
                    last.insert(id.trim_ascii().to_vec(), row);
                }
            }
            Err(_) => {}
        }
    }
    last
}
