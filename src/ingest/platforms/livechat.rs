//! LiveChat: Agent Chat API v3.x `list_archives` responses
//! (`{"chats": [...], "found_chats", "next_page_id"}`), a single chat
//! (`get_chat`), an array of chats, or JSON Lines of any of them.
//!
//! Documented fields relied on:
//! - chat: `id`, `users[]` (`id`, `type` = `agent` | `customer`, `name`),
//!   `thread` (or the older `threads[]`);
//! - thread: `id`, `created_at` (RFC 3339, microseconds, UTC), `tags`,
//!   `properties.rating.score` (1 good, 0 bad) and `properties.rating.comment`
//!   (either plain values or `{"value": ...}`), `events[]`;
//! - event: `type`, `created_at`, `author_id` (joined to `users[].id` for the
//!   role; an author missing from `users` is an agent when the id is an email,
//!   as agent ids are, else the customer), `visibility` (`agents` marks an
//!   internal note), `text`, and `system_message_type` on `system_message`.
//!
//! `message` events become messages; `system_message` events become system
//! events: `agent_joined`/`agent_added` -> `join`, `agent_left`/
//! `agent_removed` -> `leave`, `chat_transferred` -> `transfer`,
//! `manual_archived_*`/`archived_*` -> `close`, `rating.*` -> `rating`, any
//! other type kept under its own name. `file`, `form`, `filled_form` and
//! `rich_message` events carry no chat text and are tallied as ignored.
//! A user of type `bot` (not in the reference, but sent by bot integrations)
//! is a bot. `list_archives` lists a chat once per thread: entries with the
//! same chat id are merged into one conversation, threads in time order.

use super::{peek_field, plain, sort_messages, units, Ctx, Id, Ts};
use crate::ingest::error::RecordError;
use crate::model::{Conversation, Customer, Message, Rating, Role};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// Documented fields chatlint does not use (never tallied as unknown).
const KNOWN: &[&str] = &[
    "email",
    "avatar",
    "present",
    "events_seen_up_to",
    "visibility",
    "last_visit",
    "statistics",
    "agent_last_event_created_at",
    "customer_last_event_created_at",
    "created_at",
    "session_fields",
    "active",
    "user_ids",
    "restricted_access",
    "access",
    "previous_thread_id",
    "next_thread_id",
    "queue",
    "properties",
    "custom_id",
    "recipients",
    "url",
    "name",
    "content_type",
    "size",
    "width",
    "height",
    "thumbnail_url",
    "thumbnail2x_url",
    "alternative_text",
    "fields",
    "form_id",
    "template_id",
    "elements",
    "postback",
    "id",
    "is_bot",
    "deleted",
    "customer_visit",
    "highlight",
    "is_deleted",
    "routing_status",
    "followed",
    "state",
    "group_ids",
];

#[derive(Deserialize)]
struct Chat {
    id: Id,
    #[serde(default)]
    users: Option<Vec<User>>,
    #[serde(default)]
    thread: Option<Thread>,
    #[serde(default)]
    threads: Option<Vec<Thread>>,
}

#[derive(Deserialize)]
struct User {
    id: Id,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Thread {
    id: Id,
    created_at: Ts,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    events: Option<Vec<Event>>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    created_at: Ts,
    #[serde(default)]
    author_id: Option<Id>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    system_message_type: Option<String>,
}

/// One thread, read.
struct Built {
    id: String,
    created_at: i64,
    tags: Vec<String>,
    rating: Option<Rating<'static>>,
    messages: Vec<Message<'static>>,
}

/// A chat being merged from its entries.
struct Merged {
    id: String,
    customer: Option<Customer<'static>>,
    threads: Vec<Built>,
}

type Item = Result<Conversation<'static>, RecordError>;

/// Imports every chat of every document.
pub fn import(ctx: &mut Ctx, docs: &[&str]) -> Vec<Item> {
    // In order of first appearance: a merged chat, or an error.
    let mut slots: Vec<Option<Result<Merged, RecordError>>> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for doc in docs {
        let list = match units(ctx, doc, "chats") {
            Ok(l) => l,
            Err(e) => {
                slots.push(Some(Err(e)));
                continue;
            }
        };
        for (path, raw) in list {
            let read = ctx
                .parse::<Chat>(raw, &path, KNOWN)
                .and_then(|chat| build(ctx, chat, raw, &path));
            match read {
                Ok((id, customer, threads)) => match by_id.get(&id) {
                    Some(&i) => {
                        if let Some(Some(Ok(m))) = slots.get_mut(i) {
                            for t in threads {
                                if m.threads.iter().all(|old| old.id != t.id) {
                                    m.threads.push(t);
                                }
                            }
                            if m.customer.is_none() {
                                m.customer = customer;
                            }
                        }
                    }
                    None => {
                        by_id.insert(id.clone(), slots.len());
                        slots.push(Some(Ok(Merged {
                            id,
                            customer,
                            threads,
                        })));
                    }
                },
                Err(e) => {
                    let id = peek_field(raw, "id");
                    // The chat's other threads are not scored without this one.
                    if let Some(&i) = id.as_ref().and_then(|id| by_id.get(id)) {
                        // usize::MAX: an earlier record of this id failed too.
                        if let Some(slot) = slots.get_mut(i) {
                            *slot = None;
                        }
                    }
                    if let Some(id) = &id {
                        by_id.insert(id.clone(), usize::MAX);
                    }
                    slots.push(Some(Err(e.with_conversation(id))));
                }
            }
        }
    }
    slots
        .into_iter()
        .flatten()
        .map(|slot| slot.map(finish))
        .collect()
}

type Parts = (String, Option<Customer<'static>>, Vec<Built>);

fn build(ctx: &mut Ctx, chat: Chat, raw: &str, path: &str) -> Result<Parts, RecordError> {
    let users = chat.users.unwrap_or_default();
    let customer = users
        .iter()
        .find(|u| u.kind == "customer")
        .map(|u| Customer {
            id: Some(u.id.0.clone().into()),
            name: u.name.clone().map(Into::into),
        });
    let mut threads = Vec::new();
    let (list, field) = match (chat.thread, chat.threads) {
        (Some(t), _) => (vec![t], "thread".to_string()),
        (None, Some(ts)) => (ts, "threads".to_string()),
        (None, None) => {
            return Err(ctx.error_at(raw, path, "missing field `thread`"));
        }
    };
    let many = field == "threads";
    for (ti, thread) in list.into_iter().enumerate() {
        let tpath = if many {
            format!("{}{field}[{ti}]", dot(path))
        } else {
            format!("{}{field}", dot(path))
        };
        let mut messages = Vec::new();
        for (i, ev) in thread.events.unwrap_or_default().into_iter().enumerate() {
            let epath = format!("{tpath}.events[{i}]");
            if let Some(m) = message(ctx, &users, ev, raw, &epath)? {
                messages.push(m);
            }
        }
        threads.push(Built {
            id: thread.id.0,
            created_at: thread.created_at.0,
            tags: thread.tags.unwrap_or_default(),
            rating: thread.properties.as_ref().and_then(rating),
            messages,
        });
    }
    Ok((chat.id.0, customer, threads))
}

fn dot(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    }
}

/// A property value: plain, or wrapped as `{"value": ...}`.
fn prop<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let v = v.get(key)?;
    match v.get("value") {
        Some(inner) => Some(inner),
        None => Some(v),
    }
}

fn rating(properties: &Value) -> Option<Rating<'static>> {
    let r = properties.get("rating")?;
    let score = prop(r, "score")?.as_f64()?;
    let comment = prop(r, "comment")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string().into());
    Some(Rating {
        score,
        scale: Some(1.0),
        comment,
    })
}

fn role_of<'u>(users: &'u [User], author: &str) -> (Role, Option<&'u str>) {
    match users.iter().find(|u| u.id.0 == author) {
        Some(u) => {
            let role = match u.kind.as_str() {
                "customer" => Role::Customer,
                "bot" => Role::Bot,
                _ => Role::Agent,
            };
            (role, u.name.as_deref())
        }
        None if author.contains('@') => (Role::Agent, None),
        None => (Role::Customer, None),
    }
}

/// The event name for a LiveChat system message type.
fn system_event(kind: &str) -> String {
    match kind {
        "agent_joined" | "agent_added" | "customer_added" | "customer_joined" => "join".into(),
        "agent_left" | "agent_removed" | "customer_removed" | "customer_left" => "leave".into(),
        "chat_transferred" => "transfer".into(),
        k if k.starts_with("manual_archived") || k.starts_with("archived_") => "close".into(),
        k if k.starts_with("rating.") => "rating".into(),
        "" => "system".into(),
        other => other.into(),
    }
}

fn message(
    ctx: &mut Ctx,
    users: &[User],
    ev: Event,
    raw: &str,
    path: &str,
) -> Result<Option<Message<'static>>, RecordError> {
    let internal = ev.visibility.as_deref() == Some("agents");
    let ts = Some(ev.created_at.0);
    match ev.kind.as_str() {
        "message" => {
            let text = ev.text.ok_or_else(|| {
                ctx.error_at(
                    raw,
                    path,
                    "missing field `text` (required for message events)",
                )
            })?;
            let author = ev.author_id.ok_or_else(|| {
                ctx.error_at(
                    raw,
                    path,
                    "missing field `author_id` (required for message events)",
                )
            })?;
            let (role, name) = role_of(users, &author.0);
            Ok(Some(Message {
                role,
                name: name.map(|n| n.to_string().into()),
                author: Some(author.0.into()),
                text: plain(&text).into(),
                ts,
                event: None,
                internal,
            }))
        }
        "system_message" => {
            let event = system_event(ev.system_message_type.as_deref().unwrap_or(""));
            let text = match ev.text {
                Some(t) if !t.trim().is_empty() => plain(&t),
                _ => format!("{event} event"),
            };
            Ok(Some(Message {
                role: Role::System,
                author: None,
                name: None,
                text: text.into(),
                ts,
                event: Some(event.into()),
                internal,
            }))
        }
        other => {
            ctx.unknown_event(other);
            Ok(None)
        }
    }
}

fn finish(m: Merged) -> Conversation<'static> {
    let mut threads = m.threads;
    threads.sort_by_key(|t| t.created_at);
    let mut conv = Conversation::new(m.id);
    conv.channel = Some("chat".into());
    conv.customer = m.customer;
    conv.started_at = threads.first().map(|t| t.created_at);
    for t in threads {
        for tag in t.tags {
            if !conv.tags.iter().any(|x| *x == tag) {
                conv.tags.push(tag.into());
            }
        }
        if t.rating.is_some() {
            conv.rating = t.rating;
        }
        conv.messages.extend(t.messages);
    }
    sort_messages(&mut conv.messages);
    conv
}
