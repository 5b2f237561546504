//! Intercom: conversations of the Conversations API (`GET
//! /conversations/{id}`, a single conversation with its parts), arrays of
//! them, `{"conversations": [...]}` pages (list and search responses; the
//! parts appear only when each conversation was retrieved), or JSON Lines.
//!
//! Documented fields relied on:
//! - conversation: `id`, `created_at` (epoch seconds), `source` (the first
//!   message: `type`, `author {type, id, name}`, `body` as HTML; API 1.x calls
//!   it `conversation_message`), `conversation_rating` (`rating` 1-5, read on
//!   a scale of 5, `remark`), `conversation_parts.conversation_parts[]`,
//!   `tags.tags[].name`;
//! - part: `part_type`, `body` (HTML), `created_at`, `author {type, id,
//!   name}`, `assigned_to`.
//!
//! Author types: `admin` -> agent, `user` / `lead` / `contact` -> customer,
//! `bot` -> bot, `team` -> bot (teams post only automated messages).
//! `comment` parts are messages; `note` parts are internal notes;
//! `assignment`, `default_assignment`, `away_mode_assignment` -> `transfer`,
//! `open` -> `open`, `close` -> `close`, `snoozed` -> `snooze`,
//! `participant_added` -> `join`, `participant_removed` -> `leave`,
//! `conversation_rating_changed` / `conversation_rating_remark_added` ->
//! `rating`. An event part with a body (a reply sent while closing or
//! assigning) also yields the author's message. Other part types are
//! tallied as ignored. Bodies are HTML and always reduced to plain text.

use super::{html_to_text, peek_field, sort_messages, units, Ctx, Id, Ts};
use crate::ingest::error::RecordError;
use crate::model::{Conversation, Customer, Message, Rating, Role};
use serde::Deserialize;
use serde_json::Value;

/// Documented fields chatlint does not use (never tallied as unknown).
const KNOWN: &[&str] = &[
    "type",
    "title",
    "updated_at",
    "waiting_since",
    "snoozed_until",
    "open",
    "state",
    "read",
    "priority",
    "admin_assignee_id",
    "team_assignee_id",
    "contacts",
    "teammates",
    "first_contact_reply",
    "sla_applied",
    "statistics",
    "linked_objects",
    "ai_agent_participated",
    "ai_agent",
    "custom_attributes",
    "topics",
    "assignee",
    "user",
    "customers",
    "total_count",
    "id",
    "delivered_as",
    "subject",
    "attachments",
    "url",
    "redacted",
    "email",
    "notified_at",
    "external_id",
    "metadata",
    "app_package_code",
    "event_details",
    "email_message_metadata",
    "created_at",
    "customer",
    "contact",
    "teammate",
    "company_id",
    "tags",
    "applied_at",
    "applied_by",
    "name",
    "customer_first_reply",
    "from",
    "to",
    "cc",
    "bcc",
];

#[derive(Deserialize)]
struct Conv {
    id: Id,
    #[serde(default)]
    created_at: Option<Ts>,
    #[serde(default)]
    source: Option<Source>,
    #[serde(default)]
    conversation_message: Option<Source>,
    #[serde(default)]
    conversation_rating: Option<CRating>,
    #[serde(default)]
    conversation_parts: Option<Parts>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    author: Option<Author>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
struct Author {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct CRating {
    #[serde(default)]
    rating: Option<f64>,
    #[serde(default)]
    remark: Option<String>,
}

#[derive(Deserialize)]
struct Parts {
    #[serde(default)]
    conversation_parts: Option<Vec<Part>>,
}

#[derive(Deserialize)]
struct Part {
    part_type: String,
    #[serde(default)]
    body: Option<String>,
    created_at: Ts,
    author: Author,
    #[serde(default)]
    assigned_to: Option<Value>,
}

#[derive(Deserialize)]
struct Tags {
    #[serde(default)]
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
struct Tag {
    name: String,
}

type Item = Result<Conversation<'static>, RecordError>;

/// Imports every conversation of every document.
pub fn import(ctx: &mut Ctx, docs: &[&str]) -> Vec<Item> {
    let mut out = Vec::new();
    for doc in docs {
        match units(ctx, doc, "conversations") {
            Ok(list) => {
                for (path, raw) in list {
                    out.push(
                        ctx.parse::<Conv>(raw, &path, KNOWN)
                            .and_then(|c| build(ctx, c, raw, &path))
                            .map_err(|e| e.with_conversation(peek_field(raw, "id"))),
                    );
                }
            }
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

fn role_of(kind: &str) -> Option<Role> {
    match kind {
        "admin" => Some(Role::Agent),
        "user" | "lead" | "contact" => Some(Role::Customer),
        "bot" | "team" => Some(Role::Bot),
        _ => None,
    }
}

fn part_event(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "assignment" | "default_assignment" | "away_mode_assignment" | "assign_and_reopen" => {
            "transfer"
        }
        "open" | "unsnoozed" | "timer_unsnooze" => "open",
        "close" => "close",
        "snoozed" => "snooze",
        "participant_added" => "join",
        "participant_removed" => "leave",
        "conversation_rating_changed" | "conversation_rating_remark_added" => "rating",
        _ => return None,
    })
}

/// Who an assignment went to, in words.
fn assignee(v: Option<&Value>) -> Option<String> {
    let v = v?;
    if let Some(name) = v.get("name").and_then(Value::as_str) {
        return Some(name.to_string());
    }
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    let id = v.get("id").and_then(super::id_value)?;
    Some(format!("{kind} {id}").trim().to_string())
}

fn event_text(event: &str, who: &str, part: &Part) -> String {
    match event {
        "transfer" => match assignee(part.assigned_to.as_ref()) {
            Some(to) => format!("{who} assigned the conversation to {to}"),
            None => format!("{who} assigned the conversation"),
        },
        "open" => format!("{who} reopened the conversation"),
        "close" => format!("{who} closed the conversation"),
        "snooze" => format!("{who} snoozed the conversation"),
        "join" => format!("{who} added a participant"),
        "leave" => format!("{who} removed a participant"),
        "rating" => format!("{who} rated the conversation"),
        other => format!("{other} by {who}"),
    }
}

fn build(ctx: &mut Ctx, c: Conv, raw: &str, path: &str) -> Item {
    let mut conv = Conversation::new(c.id.0.clone());
    conv.started_at = c.created_at.map(|t| t.0);
    conv.tags = c
        .tags
        .and_then(|t| t.tags)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name.into())
        .collect();
    conv.rating = c.conversation_rating.and_then(|r| {
        Some(Rating {
            score: r.rating?,
            scale: Some(5.0),
            comment: r
                .remark
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .map(Into::into),
        })
    });
    let at = |p: &str| super::join_path(path, p);
    let source_field = if c.source.is_some() {
        "source"
    } else {
        "conversation_message"
    };
    if let Some(src) = c.source.or(c.conversation_message) {
        conv.channel = match src.kind.as_deref() {
            Some("conversation") | None => Some("chat".into()),
            Some(other) => Some(other.to_string().into()),
        };
        let text = src.body.as_deref().map(html_to_text).unwrap_or_default();
        if !text.is_empty() {
            let author = src
                .author
                .ok_or_else(|| ctx.error_at(raw, &at(source_field), "missing field `author`"))?;
            let role = role_of(&author.kind).ok_or_else(|| {
                ctx.error_at(
                    raw,
                    &at(&format!("{source_field}.author.type")),
                    format!("unknown author type {:?}", author.kind),
                )
            })?;
            if role == Role::Customer {
                conv.customer = Some(Customer {
                    id: author.id.clone().map(|i| i.0.into()),
                    name: author.name.clone().map(Into::into),
                });
            }
            conv.messages.push(Message {
                role,
                author: author.id.map(|i| i.0.into()),
                name: author.name.map(Into::into),
                text: text.into(),
                ts: conv.started_at,
                event: None,
                internal: false,
            });
        }
    }
    let parts = c
        .conversation_parts
        .and_then(|p| p.conversation_parts)
        .unwrap_or_default();
    for (i, part) in parts.into_iter().enumerate() {
        let ppath = at(&format!("conversation_parts.conversation_parts[{i}]"));
        let role = role_of(&part.author.kind).ok_or_else(|| {
            ctx.error_at(
                raw,
                &format!("{ppath}.author.type"),
                format!("unknown author type {:?}", part.author.kind),
            )
        })?;
        let ts = Some(part.created_at.0);
        let text = part.body.as_deref().map(html_to_text).unwrap_or_default();
        let author = part.author.id.clone().map(|i| i.0);
        let name = part.author.name.clone();
        let said = |internal: bool, text: String| Message {
            role,
            author: author.clone().map(Into::into),
            name: name.clone().map(Into::into),
            text: text.into(),
            ts,
            event: None,
            internal,
        };
        if role == Role::Customer && conv.customer.is_none() {
            conv.customer = Some(Customer {
                id: author.clone().map(Into::into),
                name: name.clone().map(Into::into),
            });
        }
        match part.part_type.as_str() {
            "comment" | "note" | "quick_reply" => {
                if text.is_empty() {
                    ctx.unknown_event(&format!("{} without text", part.part_type));
                    continue;
                }
                conv.messages.push(said(part.part_type == "note", text));
            }
            kind => match part_event(kind) {
                Some(event) => {
                    if !text.is_empty() {
                        conv.messages.push(said(false, text));
                    }
                    let who = name.clone().unwrap_or_else(|| part.author.kind.clone());
                    conv.messages.push(Message {
                        role: Role::System,
                        author: None,
                        name: None,
                        text: event_text(event, &who, &part).into(),
                        ts,
                        event: Some(event.into()),
                        internal: false,
                    });
                }
                None => ctx.unknown_event(kind),
            },
        }
    }
    sort_messages(&mut conv.messages);
    Ok(conv)
}
