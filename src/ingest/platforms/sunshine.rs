//! Zendesk Sunshine Conversations: v2 "list messages" responses
//! (`GET /v2/apps/{appId}/conversations/{conversationId}/messages`:
//! `{"messages": [...], "meta": {"hasMore"}, "links"}`), arrays of such
//! pages, arrays of bare messages, or JSON Lines of messages.
//!
//! The response does not carry the conversation id (it is in the request
//! path), so the conversation is named by a `conversation.id` beside the
//! list when there is one (webhook payloads carry it), else by the file
//! name without extension (`stem`, `stem-2`, ... for further pages).
//!
//! Documented fields relied on: `received` (ISO 8601 with milliseconds);
//! `author.type` (`user` -> customer, `business` -> agent),
//! `author.subtypes` (`["AI"]` marks a bot), `author.userId`,
//! `author.displayName`; `content.type`, `content.text` (plain), and when a
//! message has no `text`, `content.htmlText` (reduced to plain text) or
//! `content.textFallback`; `source.type` (a `zd:answerBot` source is a bot
//! too). Messages whose content has no text (images, files, carousels without
//! fallback) are tallied as ignored content types. The message list has no
//! system events, internal notes or ratings.

use super::{html_to_text, message_pages, sort_messages, Ctx, Groups, Ts};
use crate::ingest::error::RecordError;
use crate::model::{Conversation, Customer, Message, Role};
use serde::Deserialize;

/// Documented fields chatlint does not use (never tallied as unknown).
const KNOWN: &[&str] = &[
    "id",
    "metadata",
    "deleted",
    "quotedMessage",
    "userExternalId",
    "avatarUrl",
    "user",
    "integrationId",
    "originalMessageId",
    "originalMessageTimestamp",
    "client",
    "device",
    "campaign",
    "mediaUrl",
    "mediaType",
    "mediaSize",
    "altText",
    "actions",
    "items",
    "fields",
    "blockChatInput",
    "markdownText",
    "payload",
    "coordinates",
    "location",
    "template",
    "attachmentId",
    "mediaSize",
    "displaySettings",
    "submitted",
    "textFallback",
    "htmlText",
];

#[derive(Deserialize)]
struct Msg {
    received: Ts,
    author: Author,
    content: Content,
    #[serde(default)]
    source: Option<SourceInfo>,
}

#[derive(Deserialize)]
struct Author {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    subtypes: Option<Vec<String>>,
    #[serde(default, rename = "userId")]
    user_id: Option<String>,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, rename = "htmlText")]
    html_text: Option<String>,
    #[serde(default, rename = "textFallback")]
    text_fallback: Option<String>,
}

#[derive(Deserialize)]
struct SourceInfo {
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

type Item = Result<Conversation<'static>, RecordError>;

/// Imports every message list of every document.
pub fn import<'t>(ctx: &mut Ctx<'t>, docs: &[&'t str]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut groups = Groups::default();
    let mut unnamed = 0usize;
    for doc in docs {
        let pages = match message_pages(ctx, doc) {
            Ok(p) => p,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        for page in pages {
            let id = match page.conversation {
                Some(id) => id,
                None if page.bare => ctx.stem.clone(),
                None => {
                    unnamed += 1;
                    if unnamed == 1 {
                        ctx.stem.clone()
                    } else {
                        format!("{}-{unnamed}", ctx.stem)
                    }
                }
            };
            groups.of(id).extend(page.messages);
        }
    }
    for (id, messages) in groups.into_groups() {
        out.push(build(ctx, &id, &messages).map_err(|e| e.with_conversation(Some(id.clone()))));
    }
    out
}

fn build(ctx: &mut Ctx, id: &str, raws: &[(String, &str)]) -> Item {
    let mut conv = Conversation::new(id.to_string());
    for (path, raw) in raws {
        let m: Msg = ctx.parse(raw, path, KNOWN)?;
        let bot_source = m
            .source
            .as_ref()
            .and_then(|s| s.kind.as_deref())
            .is_some_and(|k| k.to_ascii_lowercase().contains("answerbot"));
        let role = match m.author.kind.as_str() {
            "user" => Role::Customer,
            "business"
                if bot_source
                    || m.author
                        .subtypes
                        .as_ref()
                        .is_some_and(|s| s.iter().any(|t| t == "AI")) =>
            {
                Role::Bot
            }
            "business" => Role::Agent,
            other => {
                let at = super::join_path(path, "author.type");
                return Err(ctx.error_at(
                    raw,
                    &at,
                    format!("unknown author type {other:?} (expected `user` or `business`)"),
                ));
            }
        };
        let text = match (
            &m.content.text,
            &m.content.html_text,
            &m.content.text_fallback,
        ) {
            (Some(t), _, _) if !t.trim().is_empty() => t.trim().to_string(),
            (_, Some(h), _) if !h.trim().is_empty() => html_to_text(h),
            (_, _, Some(t)) if !t.trim().is_empty() => t.trim().to_string(),
            _ => {
                ctx.unknown_event(&m.content.kind);
                continue;
            }
        };
        if role == Role::Customer && conv.customer.is_none() {
            conv.customer = Some(Customer {
                id: m.author.user_id.clone().map(Into::into),
                name: m.author.display_name.clone().map(Into::into),
            });
        }
        conv.messages.push(Message {
            role,
            author: m.author.user_id.map(Into::into),
            name: m.author.display_name.map(Into::into),
            text: text.into(),
            ts: Some(m.received.0),
            event: None,
            internal: false,
        });
    }
    sort_messages(&mut conv.messages);
    Ok(conv)
}
