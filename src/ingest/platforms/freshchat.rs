//! Freshchat: v2 conversation messages (`GET
//! /v2/conversations/{conversation_id}/messages`: `{"messages": [...],
//! "link": ...}`), arrays of such pages, arrays of bare messages, or JSON
//! Lines of messages. Messages are grouped into conversations by their
//! `conversation_id`; without one, by file (named by the file name).
//!
//! Documented fields relied on: `actor_type` (`user` -> customer, `agent`
//! -> agent, `system` -> system; `bot`, sent for bot flows, -> bot),
//! `actor_id`, `message_type` (`normal`, `private` = an internal note,
//! `system` = a platform event), `message_parts[]` (text in
//! `text.content`; several text parts are joined by line breaks; HTML
//! markup, which rich-text agent replies may carry, is reduced to text),
//! `created_time` (ISO 8601), `conversation_id`.
//!
//! A system message's event is read from its text, as the message list
//! carries no event type: assignment or transfer -> `transfer`, resolved or
//! closed -> `close`, reopened -> `open`, rating -> `rating`, joined ->
//! `join`, left -> `leave`, anything else -> `system`. Messages with no text
//! part (images, files, buttons) are tallied as ignored by part kind. The
//! message list carries no CSAT rating.

use super::{message_pages, peek_field, plain, sort_messages, Ctx, Groups, Id, Ts};
use crate::ingest::error::RecordError;
use crate::model::{Conversation, Customer, Message, Role};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Documented fields chatlint does not use (never tallied as unknown).
const KNOWN: &[&str] = &[
    "id",
    "app_id",
    "channel_id",
    "user_id",
    "reply_parts",
    "interaction_id",
    "org_actor_id",
    "message_source",
    "freshchat_conversation_id",
    "freshchat_channel_id",
    "meta_data",
    "message_parts",
    "conversation_id",
];

#[derive(Deserialize)]
struct Msg {
    actor_type: String,
    #[serde(default)]
    actor_id: Option<Id>,
    #[serde(default)]
    message_type: Option<String>,
    #[serde(default)]
    message_parts: Option<Vec<BTreeMap<String, Value>>>,
    created_time: Ts,
}

type Item = Result<Conversation<'static>, RecordError>;

/// Imports every message of every document, grouped by conversation.
pub fn import<'t>(ctx: &mut Ctx<'t>, docs: &[&'t str]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut groups = Groups::default();
    for doc in docs {
        let pages = match message_pages(ctx, doc) {
            Ok(p) => p,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        for page in pages {
            for (path, raw) in page.messages {
                let id = peek_field(raw, "conversation_id")
                    .or_else(|| page.conversation.clone())
                    .unwrap_or_else(|| ctx.stem.clone());
                groups.of(id).push((path, raw));
            }
        }
    }
    for (id, messages) in groups.into_groups() {
        out.push(build(ctx, &id, &messages).map_err(|e| e.with_conversation(Some(id.clone()))));
    }
    out
}

/// The event a system message's text describes.
fn system_event(text: &str) -> &'static str {
    let t = text.to_lowercase();
    if t.contains("assign") || t.contains("transfer") {
        "transfer"
    } else if t.contains("reopen") {
        "open"
    } else if t.contains("resolve") || t.contains("closed") {
        "close"
    } else if t.contains("rate") || t.contains("rating") || t.contains("csat") {
        "rating"
    } else if t.contains("joined") {
        "join"
    } else if t.contains("left") {
        "leave"
    } else {
        "system"
    }
}

fn build(ctx: &mut Ctx, id: &str, raws: &[(String, &str)]) -> Item {
    let mut conv = Conversation::new(id.to_string());
    for (path, raw) in raws {
        let m: Msg = ctx.parse(raw, path, KNOWN)?;
        let mut role = match m.actor_type.as_str() {
            "user" => Role::Customer,
            "agent" => Role::Agent,
            "bot" => Role::Bot,
            "system" => Role::System,
            other => {
                let at = super::join_path(path, "actor_type");
                return Err(ctx.error_at(
                    raw,
                    &at,
                    format!("unknown actor type {other:?} (expected `user`, `agent` or `system`)"),
                ));
            }
        };
        let kind = m.message_type.as_deref().unwrap_or("normal");
        if kind == "system" {
            role = Role::System;
        }
        let parts = m.message_parts.unwrap_or_default();
        let texts: Vec<String> = parts
            .iter()
            .filter_map(|p| p.get("text")?.get("content")?.as_str())
            .map(plain)
            .filter(|t| !t.is_empty())
            .collect();
        if texts.is_empty() {
            let part_kind = parts
                .iter()
                .flat_map(|p| p.keys())
                .next()
                .map_or("empty message", String::as_str);
            ctx.unknown_event(part_kind);
            continue;
        }
        let text = texts.join("\n");
        let actor = m.actor_id.map(|a| a.0);
        if role == Role::Customer && conv.customer.is_none() {
            conv.customer = Some(Customer {
                id: actor.clone().map(Into::into),
                name: None,
            });
        }
        let event = (role == Role::System).then(|| system_event(&text).into());
        conv.messages.push(Message {
            role,
            author: if role == Role::System {
                None
            } else {
                actor.map(Into::into)
            },
            name: None,
            text: text.into(),
            ts: Some(m.created_time.0),
            event,
            internal: kind == "private",
        });
    }
    sort_messages(&mut conv.messages);
    Ok(conv)
}
