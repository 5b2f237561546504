//! Zendesk Chat: chat objects of the Chat REST API (`GET /api/v2/chats/{id}`),
//! arrays of them, the incremental chat export page (`GET
//! /api/v2/incremental/chats`: `{"chats": [...], "count", "end_id",
//! "end_time", "next_page"}`), or JSON Lines of any of them.
//!
//! Documented fields relied on:
//! - chat: `id`, `type` (`chat` or `offline_msg`), `timestamp`, `visitor`
//!   (`id`, `name`), `department_name` (the team), `rating` (`good` / `bad` /
//!   null, read as 1 / 0 on a scale of 1), `comment` (the rating's comment),
//!   `tags`, `history[]`, and `message` on offline messages;
//! - history entry: `type`, `timestamp`, `name`, `nick` (`visitor:<id>` for
//!   the visitor, `agent:<id>` for agents), `msg`, and `new_rating` /
//!   `new_comment` on rating entries.
//!
//! `chat.msg` entries become messages (the role from `nick`; `agent:trigger`,
//! the nick of automated trigger messages, is a bot). `chat.memberjoin` ->
//! `join`, `chat.memberleave` -> `leave`, `chat.rating` and `chat.comment` ->
//! `rating`, `chat.request.rating` -> `rating_request`, and any type naming a
//! transfer -> `transfer` become system events. Other entry types
//! (`chat.file`, ...) are tallied as ignored. Chat text is plain; a message
//! that carries HTML markup is reduced to text.

use super::{peek_field, plain, sort_messages, units, Ctx, Id, Ts};
use crate::ingest::error::RecordError;
use crate::model::{Conversation, Customer, Message, Rating, Role};
use serde::Deserialize;

/// Documented fields chatlint does not use (never tallied as unknown).
const KNOWN: &[&str] = &[
    "agent_ids",
    "agent_names",
    "department_id",
    "duration",
    "response_time",
    "missed",
    "session",
    "count",
    "started_by",
    "triggered",
    "triggered_response",
    "unread",
    "conversions",
    "webpath",
    "zendesk_ticket_id",
    "end_timestamp",
    "update_timestamp",
    "email",
    "phone",
    "notes",
    "channel",
    "msg_id",
    "options",
    "sender_type",
    "prev_department_id",
    "prev_department_name",
    "department_name",
    "agent_id",
    "new_tags",
    "tags",
    "attachment",
    "filename",
    "url",
    "size",
    "mime_type",
    "source",
    "reason",
    "first",
    "avg",
    "max",
    "id",
    "nick",
    "name",
    "rating",
    "comment",
    "new_rating",
    "new_comment",
    "type",
    "timestamp",
];

#[derive(Deserialize)]
struct Chat {
    id: Id,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    timestamp: Option<Ts>,
    #[serde(default)]
    visitor: Option<Visitor>,
    #[serde(default)]
    department_name: Option<String>,
    #[serde(default)]
    rating: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    history: Option<Vec<Entry>>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Visitor {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    timestamp: Ts,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nick: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    new_rating: Option<String>,
    #[serde(default)]
    new_comment: Option<String>,
    #[serde(default)]
    department_name: Option<String>,
}

type Item = Result<Conversation<'static>, RecordError>;

/// Imports every chat of every document.
pub fn import(ctx: &mut Ctx, docs: &[&str]) -> Vec<Item> {
    let mut out = Vec::new();
    for doc in docs {
        match units(ctx, doc, "chats") {
            Ok(list) => {
                for (path, raw) in list {
                    out.push(
                        ctx.parse::<Chat>(raw, &path, KNOWN)
                            .and_then(|chat| build(ctx, chat, raw, &path))
                            .map_err(|e| e.with_conversation(peek_field(raw, "id"))),
                    );
                }
            }
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

fn score(rating: &str) -> Option<f64> {
    match rating {
        "good" => Some(1.0),
        "bad" => Some(0.0),
        _ => None,
    }
}

fn build(ctx: &mut Ctx, chat: Chat, raw: &str, path: &str) -> Item {
    let mut conv = Conversation::new(chat.id.0.clone());
    let offline = chat.kind.as_deref() == Some("offline_msg");
    conv.channel = Some(if offline { "offline_msg" } else { "chat" }.into());
    conv.team = chat.department_name.map(Into::into);
    conv.started_at = chat.timestamp.map(|t| t.0);
    conv.tags = chat
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    let visitor_id = chat
        .visitor
        .as_ref()
        .and_then(|v| v.id.clone())
        .map(|i| i.0);
    let visitor_name = chat.visitor.as_ref().and_then(|v| v.name.clone());
    if chat.visitor.is_some() {
        conv.customer = Some(Customer {
            id: visitor_id.clone().map(Into::into),
            name: visitor_name.clone().map(Into::into),
        });
    }
    conv.rating = chat.rating.as_deref().and_then(score).map(|s| Rating {
        score: s,
        scale: Some(1.0),
        comment: chat
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| c.to_string().into()),
    });
    if offline {
        if let Some(text) = chat.message.as_deref() {
            conv.messages.push(Message {
                role: Role::Customer,
                author: visitor_id.clone().map(Into::into),
                name: visitor_name.clone().map(Into::into),
                text: plain(text).into(),
                ts: conv.started_at,
                event: None,
                internal: false,
            });
        }
    }
    for (i, e) in chat.history.unwrap_or_default().into_iter().enumerate() {
        let epath = if path.is_empty() {
            format!("history[{i}]")
        } else {
            format!("{path}.history[{i}]")
        };
        let ts = Some(e.timestamp.0);
        let who = e.name.clone().unwrap_or_else(|| "Someone".to_string());
        let system = |event: &str, text: String| Message {
            role: Role::System,
            author: None,
            name: None,
            text: text.into(),
            ts,
            event: Some(event.to_string().into()),
            internal: false,
        };
        let m = match e.kind.as_str() {
            "chat.msg" => {
                let text = e.msg.as_deref().ok_or_else(|| {
                    ctx.error_at(
                        raw,
                        &epath,
                        "missing field `msg` (required for chat.msg entries)",
                    )
                })?;
                let nick = e.nick.as_deref().unwrap_or("");
                let (kind, id) = nick.split_once(':').unwrap_or((nick, ""));
                let role = match (kind, id) {
                    ("visitor", _) => Role::Customer,
                    ("agent", "trigger") | ("bot", _) => Role::Bot,
                    ("agent", _) => Role::Agent,
                    _ if e.name.is_some() && e.name == visitor_name => Role::Customer,
                    _ => Role::Agent,
                };
                let author = match role {
                    Role::Customer => visitor_id.clone().or_else(|| Some(id.to_string())),
                    _ => Some(id.to_string()),
                }
                .filter(|a| !a.is_empty());
                Message {
                    role,
                    author: author.map(Into::into),
                    name: e.name.map(Into::into),
                    text: plain(text).into(),
                    ts,
                    event: None,
                    internal: false,
                }
            }
            "chat.memberjoin" => system("join", format!("{who} joined the chat")),
            "chat.memberleave" => system("leave", format!("{who} left the chat")),
            "chat.rating" => match e.new_rating.as_deref() {
                Some(r) if !r.is_empty() => {
                    system("rating", format!("{who} rated the chat as {r}"))
                }
                _ => system("rating", format!("{who} removed the rating")),
            },
            "chat.comment" => system(
                "rating",
                format!(
                    "{who} left a comment: {}",
                    e.new_comment.as_deref().unwrap_or("").trim()
                ),
            ),
            "chat.request.rating" => system("rating_request", format!("{who} asked for a rating")),
            k if k.contains("transfer") => {
                let to = e
                    .department_name
                    .as_deref()
                    .map(|d| format!(" to {d}"))
                    .unwrap_or_default();
                system("transfer", format!("{who} transferred the chat{to}"))
            }
            other => {
                ctx.unknown_event(other);
                continue;
            }
        };
        conv.messages.push(m);
    }
    sort_messages(&mut conv.messages);
    Ok(conv)
}
