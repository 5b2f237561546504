//! chatlint's native transcript JSON: one conversation per JSON object
//! (see the README, "Transcript formats"). Parsing borrows strings from the
//! input buffer wherever the JSON text allows.

use super::error::{Location, RecordError, Snippet};
use crate::model::{Conversation, Customer, Message, Rating, Role, Text};
use crate::timestamp::Ts;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

mod fast;

#[derive(Deserialize)]
struct NativeConversation<'a> {
    #[serde(borrow)]
    id: Id<'a>,
    #[serde(borrow, default)]
    channel: Option<Str<'a>>,
    #[serde(borrow, default)]
    team: Option<Str<'a>>,
    #[serde(borrow, default)]
    agent: Option<Str<'a>>,
    #[serde(borrow, default)]
    customer: Option<NativeCustomer<'a>>,
    #[serde(default)]
    started_at: Option<Ts>,
    #[serde(borrow, default)]
    tags: Option<Vec<Str<'a>>>,
    #[serde(borrow, default)]
    rating: Option<NativeRating<'a>>,
    #[serde(borrow)]
    messages: Vec<NativeMessage<'a>>,
}

#[derive(Deserialize)]
struct NativeCustomer<'a> {
    #[serde(borrow, default)]
    id: Option<Id<'a>>,
    #[serde(borrow, default)]
    name: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct NativeRating<'a> {
    score: f64,
    #[serde(default)]
    scale: Option<f64>,
    #[serde(borrow, default)]
    comment: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct NativeMessage<'a> {
    role: Role,
    #[serde(borrow, default)]
    author: Option<Id<'a>>,
    #[serde(borrow, default)]
    name: Option<Str<'a>>,
    #[serde(borrow, default)]
    text: Option<Str<'a>>,
    #[serde(default)]
    ts: Option<Ts>,
    #[serde(borrow, default)]
    event: Option<Str<'a>>,
    #[serde(default)]
    internal: Option<bool>,
}

/// An identifier: a string, or a number written as one.
struct Id<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string, borrowed from the input when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Where a record starts in its source, to turn positions inside the
/// record into file positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordStart {
    pub line: u64,
    pub column: u64,
}

/// Parses one native conversation from `bytes`.
pub fn parse<'a>(
    bytes: &'a [u8],
    source: &str,
    at: RecordStart,
) -> Result<Conversation<'a>, RecordError> {
    // The common shape by hand; serde for anything else, and for errors.
    if let Some(conversation) = std::str::from_utf8(bytes).ok().and_then(fast::parse) {
        return Ok(conversation);
    }
    parse_with_serde(bytes, source, at)
}

/// Parses one native conversation with serde_json alone: what [`parse`]
/// falls back to, and the baseline the benchmark compares chatlint with.
pub fn parse_with_serde<'a>(
    bytes: &'a [u8],
    source: &str,
    at: RecordStart,
) -> Result<Conversation<'a>, RecordError> {
    // Valid UTF-8 checked once for the whole record lets serde_json skip
    // checking each string; invalid input goes the byte path for its error.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<NativeConversation<'a>>(text),
        Err(_) => serde_json::from_slice::<NativeConversation<'a>>(bytes),
    };
    match parsed {
        Ok(raw) => convert(raw).map_err(|(path, msg)| {
            RecordError::new(
                Location {
                    source: source.to_string(),
                    line: at.line,
                    column: Some(at.column),
                },
                format!("{path}: {msg}"),
            )
            .with_conversation(peek_id(bytes))
        }),
        Err(e) => Err(locate(bytes, source, at, e)),
    }
}

/// Turns a serde error into a located record error, re-parsing to find the
/// path to the offending value (only on this error path).
fn locate(bytes: &[u8], source: &str, at: RecordStart, e: serde_json::Error) -> RecordError {
    let path = {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, NativeConversation>(&mut de) {
            Err(pe) => pe.path().to_string(),
            Ok(_) => String::new(),
        }
    };
    let (l, c) = (e.line() as u64, e.column() as u64);
    let line = at.line + l.saturating_sub(1);
    let column = if l <= 1 {
        at.column + c.saturating_sub(1)
    } else {
        c
    };
    let mut message = e.to_string();
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    if e.is_eof() {
        message = format!("{message} (the record is cut short)");
    }
    let message = if path.is_empty() || path == "." {
        message
    } else {
        format!("{path}: {message}")
    };
    // The text of the error's line within the record, for display.
    let line_text = bytes
        .split(|&b| b == b'\n')
        .nth(l.saturating_sub(1) as usize)
        .unwrap_or(&[]);
    RecordError::new(
        Location {
            source: source.to_string(),
            line,
            column: Some(column),
        },
        message,
    )
    .with_snippet(Snippet::around(line_text, c))
    .with_conversation(peek_id(bytes))
}

/// The record's id, if it can be read at all.
fn peek_id(bytes: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()?
        .get("id")?
    {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn convert(raw: NativeConversation<'_>) -> Result<Conversation<'_>, (String, String)> {
    let mut messages = Vec::with_capacity(raw.messages.len());
    for (i, m) in raw.messages.into_iter().enumerate() {
        messages.push(
            m.into_message()
                .map_err(|e| (format!("messages[{i}]"), e))?,
        );
    }
    Ok(Conversation {
        id: raw.id.0,
        channel: raw.channel.map(|s| s.0),
        team: raw.team.map(|s| s.0),
        agent: raw.agent.map(|s| s.0),
        customer: raw.customer.map(|c| Customer {
            id: c.id.map(|i| i.0),
            name: c.name.map(|s| s.0),
        }),
        started_at: raw.started_at.map(|t| t.0),
        tags: raw
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.0)
            .collect(),
        rating: raw.rating.map(|r| Rating {
            score: r.score,
            scale: r.scale,
            comment: r.comment.map(|s| s.0),
        }),
        messages,
    })
}

impl<'a> NativeMessage<'a> {
    /// The message, or why it is not one: only system messages and events
    /// may leave out `text`.
    #[inline(always)]
    fn into_message(self) -> Result<Message<'a>, String> {
        let text = match (self.text, self.role) {
            (Some(t), _) => t.0,
            (None, Role::System) => Text::Borrowed(""),
            (None, _) if self.event.is_some() => Text::Borrowed(""),
            (None, role) => {
                return Err(format!(
                    "missing field `text` (required for {} messages)",
                    role.as_str()
                ))
            }
        };
        Ok(Message {
            role: self.role,
            author: self.author.map(|a| a.0),
            name: self.name.map(|s| s.0),
            text,
            ts: self.ts.map(|t| t.0),
            event: self.event.map(|s| s.0),
            internal: self.internal.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: RecordStart = RecordStart { line: 7, column: 1 };

    #[test]
    fn parses_and_borrows() {
        let json = br#"{"id":"c1","agent":"a","messages":[{"role":"customer","text":"hi","ts":"2026-11-09T09:00:00Z"},{"role":"agent","text":"Hello \"there\"","ts":1762678800}]}"#;
        let c = parse(json, "f.jsonl", AT).unwrap();
        assert_eq!(c.id, "c1");
        assert!(matches!(c.messages[0].text, Cow::Borrowed(_)));
        assert_eq!(c.messages[1].text, "Hello \"there\"");
        assert_eq!(c.messages[1].ts, Some(1_762_678_800_000));
    }

    #[test]
    fn errors_name_path_line_and_column() {
        let e = parse(
            br#"{"id":"c1","messages":[{"role":"agent"}]}"#,
            "f.jsonl",
            AT,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "messages[0]: missing field `text` (required for agent messages)"
        );
        assert_eq!(e.conversation.as_deref(), Some("c1"));
        let e = parse(
            br#"{"id":"c1","messages":[{"role":"robot","text":"x"}]}"#,
            "f.jsonl",
            AT,
        )
        .unwrap_err();
        assert!(
            e.message
                .starts_with("messages[0].role: unknown variant `robot`"),
            "{}",
            e.message
        );
        assert_eq!(e.location.line, 7);
        assert_eq!(e.location.column, Some(38));
        let e = parse(br#"{"messages":[]}"#, "f.jsonl", AT).unwrap_err();
        assert!(e.message.contains("missing field `id`"), "{}", e.message);
        let e = parse(
            br#"{"id":"c1","messages":[{"role":"agent","te"#,
            "f.jsonl",
            AT,
        )
        .unwrap_err();
        assert!(e.message.contains("cut short"), "{}", e.message);
    }
}
