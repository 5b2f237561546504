//! Platform exports: LiveChat, Zendesk Chat, Sunshine Conversations,
//! Intercom and Freshchat (see `docs/platforms.md`).
//!
//! A platform export is an API response of a few megabytes at most, so a
//! source is read whole and parsed as a document (or as JSON Lines of
//! documents). Each chat of a page is then deserialised on its own, so that a
//! chat that is not the shape its platform documents is reported with the
//! path to the offending value (`chats[3].thread.events[7]: missing field
//! `created_at``), its file and line, and skipped, while the others are
//! scored. Fields and event types a platform adds later are tolerated and
//! tallied for the `--verbose` summary.
//!
//! This module holds what the importers share: detection by content, the
//! dispatch, positions, typed timestamps and ids, HTML to plain text, and the
//! tallies of what was ignored.

pub mod freshchat;
pub mod intercom;
pub mod livechat;
pub mod sunshine;
pub mod zendesk_chat;

use super::error::{Location, RecordError, Snippet, SourceError};
use super::{io_message, Batch, InputFormat, ReadOptions, Source};
use crate::model::{Message, Millis};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// The platforms chatlint imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    LiveChat,
    ZendeskChat,
    Sunshine,
    Intercom,
    Freshchat,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::LiveChat,
        Platform::ZendeskChat,
        Platform::Sunshine,
        Platform::Intercom,
        Platform::Freshchat,
    ];

    /// The name used by `--input-format` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Platform::LiveChat => "livechat",
            Platform::ZendeskChat => "zendesk-chat",
            Platform::Sunshine => "sunshine",
            Platform::Intercom => "intercom",
            Platform::Freshchat => "freshchat",
        }
    }

    /// The platform an `--input-format` value names, if any.
    pub fn from_format(format: InputFormat) -> Option<Platform> {
        match format {
            InputFormat::Livechat => Some(Platform::LiveChat),
            InputFormat::ZendeskChat => Some(Platform::ZendeskChat),
            InputFormat::Sunshine => Some(Platform::Sunshine),
            InputFormat::Intercom => Some(Platform::Intercom),
            InputFormat::Freshchat => Some(Platform::Freshchat),
            InputFormat::Auto | InputFormat::Native | InputFormat::Csv => None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every format chatlint reads, for error messages.
pub const KNOWN_FORMATS: &str = "chatlint reads: native (chatlint transcript JSON: JSON Lines, a JSON array or one object), csv (one message per row with a header), livechat (LiveChat Agent Chat API list_archives), zendesk-chat (Zendesk Chat chats or incremental chat export), sunshine (Sunshine Conversations list messages), intercom (Intercom conversations), freshchat (Freshchat conversation messages); choose one with --input-format";

// ---------------------------------------------------------------------------
// Tallies for --verbose.

/// What one platform's importer tolerated.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Event (or part, or content) types the importer does not handle, by name.
    pub unknown_events: BTreeMap<String, usize>,
    /// Fields the importer does not know, by name.
    pub unknown_fields: BTreeMap<String, usize>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (k, n) in other.unknown_events {
            *self.unknown_events.entry(k).or_default() += n;
        }
        for (k, n) in other.unknown_fields {
            *self.unknown_fields.entry(k).or_default() += n;
        }
    }
}

#[derive(Debug, Default)]
struct StatsInner {
    tallies: BTreeMap<Platform, Tally>,
    /// `(source, platform, conversations)` for every source read as a platform export.
    files: Vec<(String, Platform, usize)>,
}

/// Tallies shared by every reader of a run; read once it is over.
#[derive(Debug, Default)]
pub struct ImportStats(Mutex<StatsInner>);

impl ImportStats {
    fn record(&self, source: &str, platform: Platform, conversations: usize, tally: Tally) {
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        inner.tallies.entry(platform).or_default().merge(tally);
        inner
            .files
            .push((source.to_string(), platform, conversations));
    }

    /// The platform a source was read as, if it was read as one.
    pub fn format_of(&self, source: &str) -> Option<Platform> {
        let inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .files
            .iter()
            .find(|(s, _, _)| s == source)
            .map(|(_, p, _)| *p)
    }

    /// The `--verbose` summary: one line per file, then one per platform.
    pub fn summary_lines(&self) -> Vec<String> {
        let inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines = Vec::new();
        for (source, platform, n) in &inner.files {
            let s = if *n == 1 { "" } else { "s" };
            lines.push(format!(
                "{source}: read as {platform} ({n} conversation{s})"
            ));
        }
        for (platform, t) in &inner.tallies {
            let events: usize = t.unknown_events.values().sum();
            let fields: usize = t.unknown_fields.values().sum();
            lines.push(format!(
                "{platform}: {events} unknown event types{} and {fields} unknown fields{} ignored",
                names(&t.unknown_events),
                names(&t.unknown_fields)
            ));
        }
        lines
    }
}

/// ` (a, b, c, ...)` for a tally's names, or nothing when it is empty.
fn names(m: &BTreeMap<String, usize>) -> String {
    if m.is_empty() {
        return String::new();
    }
    let mut list: Vec<&str> = m.keys().take(6).map(String::as_str).collect();
    if m.len() > 6 {
        list.push("...");
    }
    format!(" ({})", list.join(", "))
}

// ---------------------------------------------------------------------------
// Detection.

/// Keys that only platform exports use; a JSON input whose first bytes hold
/// one of them is examined as a whole.
const PLATFORM_KEYS: &[&str] = &[
    "thread",
    "threads",
    "author_id",
    "users",
    "chats",
    "history",
    "nick",
    "visitor",
    "agent_ids",
    "received",
    "displayName",
    "hasMore",
    "conversations",
    "conversation_parts",
    "part_type",
    "conversation_rating",
    "actor_type",
    "message_parts",
    "created_time",
];

/// Whether a source goes to the platform importers: a platform was asked for,
/// or under `auto` the input is JSON that is not plainly chatlint's own.
pub(super) fn takes(requested: InputFormat, sniffed: InputFormat, head: &[u8]) -> bool {
    if Platform::from_format(requested).is_some() {
        return true;
    }
    requested == InputFormat::Auto && sniffed == InputFormat::Native && !plainly_native(head)
}

/// Native transcripts name a `role` early and none of the platforms' keys.
fn plainly_native(head: &[u8]) -> bool {
    if head.iter().all(|b| b.is_ascii_whitespace() || *b >= 0x80) {
        return true; // empty (or just a byte-order mark)
    }
    has_key(head, "role") && !PLATFORM_KEYS.iter().any(|k| has_key(head, k))
}

/// `"key"` followed by a colon, not inside an escaped string.
fn has_key(head: &[u8], key: &str) -> bool {
    let needle = format!("\"{key}\"");
    memchr::memmem::find_iter(head, needle.as_bytes()).any(|at| {
        let escaped = at > 0 && head[at - 1] == b'\\';
        let after = &head[at + needle.len()..];
        let next = after.iter().find(|b| !b.is_ascii_whitespace());
        !escaped && next == Some(&b':')
    })
}

/// What a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    Native,
    Platform(Platform),
}

/// Recognises a JSON document by its shape; `None` when it is none of the
/// formats chatlint reads.
pub fn detect(doc: &str) -> Option<Detected> {
    let v: Value = serde_json::from_str(doc).ok()?;
    detect_value(&v)
}

fn detect_value(v: &Value) -> Option<Detected> {
    match v {
        Value::Array(items) => items.iter().find(|i| i.is_object()).and_then(classify),
        Value::Object(o) => {
            if let Some(Value::Array(chats)) = o.get("chats") {
                let by_page = if o.contains_key("found_chats") || o.contains_key("next_page_id") {
                    Some(Detected::Platform(Platform::LiveChat))
                } else if o.contains_key("end_id") || o.contains_key("end_time") {
                    Some(Detected::Platform(Platform::ZendeskChat))
                } else {
                    None
                };
                return match chats.iter().find(|c| c.is_object()) {
                    Some(c) => classify(c).or(by_page),
                    None => by_page,
                };
            }
            if let Some(Value::Array(convs)) = o.get("conversations") {
                return match convs.iter().find(|c| c.is_object()) {
                    Some(c) => classify(c),
                    None => Some(Detected::Platform(Platform::Intercom)),
                };
            }
            classify(v)
        }
        _ => None,
    }
}

/// Recognises one chat, conversation, page of messages or message.
fn classify(v: &Value) -> Option<Detected> {
    let o = v.as_object()?;
    let has = |k: &str| o.contains_key(k);
    let str_of = |k: &str| o.get(k).and_then(Value::as_str);
    if has("thread") || has("threads") {
        return Some(Detected::Platform(Platform::LiveChat));
    }
    if has("history")
        || has("agent_ids")
        || has("visitor")
        || (matches!(str_of("type"), Some("chat" | "offline_msg")) && has("timestamp"))
    {
        return Some(Detected::Platform(Platform::ZendeskChat));
    }
    if has("conversation_parts")
        || has("conversation_rating")
        || has("conversation_message")
        || str_of("type") == Some("conversation")
    {
        return Some(Detected::Platform(Platform::Intercom));
    }
    if let Some(Value::Array(messages)) = o.get("messages") {
        return match messages.iter().find(|m| m.is_object()) {
            Some(m) if m.get("role").is_some() => Some(Detected::Native),
            Some(m) => classify_message(m),
            None if o.get("meta").and_then(|m| m.get("hasMore")).is_some() => {
                Some(Detected::Platform(Platform::Sunshine))
            }
            None if has("id") => Some(Detected::Native),
            None => None,
        };
    }
    classify_message(v)
}

/// Recognises a bare platform message.
fn classify_message(v: &Value) -> Option<Detected> {
    let o = v.as_object()?;
    if o.contains_key("actor_type") || o.contains_key("message_parts") {
        return Some(Detected::Platform(Platform::Freshchat));
    }
    if o.get("author").is_some_and(Value::is_object)
        && (o.contains_key("content") || o.contains_key("received"))
    {
        return Some(Detected::Platform(Platform::Sunshine));
    }
    None
}

// ---------------------------------------------------------------------------
// Reading.

/// Items are handed on in blocks of this many.
const BLOCK: usize = 256;

/// Reads a whole source as a platform export (or, under `auto`, as whatever
/// its content shows it is) and emits its conversations.
pub(super) fn read(
    source: &Source,
    mut reader: Box<dyn Read + Send>,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) {
    let name = source.name.to_string();
    let mut buf = Vec::new();
    if let Err(e) = reader.read_to_end(&mut buf) {
        return emit(Batch::Problem(SourceError::new(name, io_message(&e))));
    }
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    let text = match String::from_utf8(buf) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return emit(Batch::Problem(
                SourceError::new(name, format!("not valid UTF-8 (at byte {at})"))
                    .help("platform exports are UTF-8 JSON; convert the file first"),
            ));
        }
    };
    let platform = match Platform::from_format(opts.format) {
        Some(p) => p,
        None => match detect_first(&text) {
            Err(()) => {
                return emit(Batch::Problem(
                    SourceError::new(
                        name,
                        "unknown input format: this JSON is none of the formats chatlint reads",
                    )
                    .help(KNOWN_FORMATS),
                ))
            }
            Ok(None) => return, // empty input
            Ok(Some(Detected::Platform(p))) => p,
            Ok(Some(Detected::Native)) => {
                let data: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(text.into_bytes()));
                if let Err(e) = super::read_native(source, data, opts, emit) {
                    emit(Batch::Problem(SourceError::new(name, e)));
                }
                return;
            }
        },
    };
    import(source, &text, platform, opts, emit);
}

/// What the first document of an input is; `Ok(None)` when there is none.
fn detect_first(text: &str) -> Result<Option<Detected>, ()> {
    match serde_json::Deserializer::from_str(text)
        .into_iter::<&RawValue>()
        .next()
    {
        None => Ok(None),
        // Broken JSON: the native reader reports it where it is.
        Some(Err(_)) => Ok(Some(Detected::Native)),
        Some(Ok(doc)) => detect(doc.get()).map(Some).ok_or(()),
    }
}

/// Imports every document of `text` as `platform` and emits the results.
fn import(
    source: &Source,
    text: &str,
    platform: Platform,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) {
    let mut ctx = Ctx::new(source, text);
    let mut docs = Vec::new();
    let mut broken = None;
    for doc in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
        match doc {
            Ok(d) => docs.push(d.get()),
            Err(e) => {
                broken = Some(ctx.broken_json(&e));
                break;
            }
        }
    }
    let mut items = match platform {
        Platform::LiveChat => livechat::import(&mut ctx, &docs),
        Platform::ZendeskChat => zendesk_chat::import(&mut ctx, &docs),
        Platform::Sunshine => sunshine::import(&mut ctx, &docs),
        Platform::Intercom => intercom::import(&mut ctx, &docs),
        Platform::Freshchat => freshchat::import(&mut ctx, &docs),
    };
    items.extend(broken.map(Err));
    let built = items.iter().filter(|i| i.is_ok()).count();
    opts.platform_stats.record(
        &source.name,
        platform,
        built,
        std::mem::take(&mut ctx.tally),
    );
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        emit(Batch::Built {
            source: source.name.clone(),
            items: items.by_ref().take(BLOCK).collect(),
        });
    }
}

// ---------------------------------------------------------------------------
// Positions, parsing and errors.

/// One input being imported: its text, for positions, and what was ignored.
pub struct Ctx<'t> {
    source: Arc<str>,
    text: &'t str,
    /// Byte offsets of every `\n` in `text`.
    newlines: Vec<usize>,
    /// The file name without its extensions, for ids an export does not carry.
    pub stem: String,
    pub tally: Tally,
}

impl<'t> Ctx<'t> {
    pub fn new(source: &Source, text: &'t str) -> Ctx<'t> {
        let stem = source
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .map(|n| n.split('.').next().unwrap_or_default().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "stdin".to_string());
        Ctx {
            source: source.name.clone(),
            text,
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
            stem,
            tally: Tally::default(),
        }
    }

    /// Byte offset of `part` (a slice of the input) in the input.
    fn offset(&self, part: &str) -> usize {
        (part.as_ptr() as usize)
            .saturating_sub(self.text.as_ptr() as usize)
            .min(self.text.len())
    }

    /// 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> (u64, u64) {
        let idx = self.newlines.partition_point(|&n| n < offset);
        let line_start = if idx == 0 {
            0
        } else {
            self.newlines[idx - 1] + 1
        };
        (idx as u64 + 1, (offset - line_start) as u64 + 1)
    }

    /// The text of a 1-based line.
    fn line_text(&self, line: u64) -> &'t str {
        let idx = line.saturating_sub(1) as usize;
        let start = if idx == 0 {
            0
        } else {
            self.newlines
                .get(idx - 1)
                .map_or(self.text.len(), |n| n + 1)
        };
        let end = self.newlines.get(idx).copied().unwrap_or(self.text.len());
        &self.text[start.min(end)..end]
    }

    fn located(&self, line: u64, column: u64, message: String) -> RecordError {
        let text = self.line_text(line);
        RecordError::new(
            Location {
                source: self.source.to_string(),
                line,
                column: Some(column),
            },
            message,
        )
        .with_snippet(Snippet::around(text.as_bytes(), column))
    }

    /// An error about `part` of the input, at its start.
    pub fn error_at(&self, part: &str, path: &str, message: impl fmt::Display) -> RecordError {
        let (line, column) = self.position(self.offset(part));
        let message = if path.is_empty() {
            message.to_string()
        } else {
            format!("{path}: {message}")
        };
        self.located(line, column, message)
    }

    fn broken_json(&self, e: &serde_json::Error) -> RecordError {
        let mut message = e.to_string();
        if let Some(cut) = message.rfind(" at line ") {
            message.truncate(cut);
        }
        self.located(
            e.line() as u64,
            e.column() as u64,
            format!("invalid JSON: {message} (nothing after this point was read)"),
        )
    }

    /// Deserialises `raw` (a slice of the input) as `T`. Errors name the path
    /// to the offending value, prefixed with `path`, and its line and column;
    /// fields not in `T` and not in `known` are tallied as unknown.
    pub fn parse<T: DeserializeOwned>(
        &mut self,
        raw: &str,
        path: &str,
        known: &[&str],
    ) -> Result<T, RecordError> {
        let mut ignored: Vec<String> = Vec::new();
        let result = {
            let mut de = serde_json::Deserializer::from_str(raw);
            let mut note = |p: serde_ignored::Path| {
                if let serde_ignored::Path::Map { key, .. } = p {
                    ignored.push(key);
                }
            };
            let de = serde_ignored::Deserializer::new(&mut de, &mut note);
            serde_path_to_error::deserialize::<_, T>(de)
        };
        for key in ignored {
            if !known.contains(&key.as_str()) {
                *self.tally.unknown_fields.entry(key).or_default() += 1;
            }
        }
        result.map_err(|e| {
            let inner_path = e.path().to_string();
            let inner = e.into_inner();
            let mut message = inner.to_string();
            if let Some(cut) = message.rfind(" at line ") {
                message.truncate(cut);
            }
            let full = join_path(path, &inner_path);
            let message = if full.is_empty() {
                message
            } else {
                format!("{full}: {message}")
            };
            let (line, column) = self.position(self.offset(raw));
            let (l, c) = (inner.line() as u64, inner.column() as u64);
            let (line, column) = if l <= 1 {
                (line, column + c.saturating_sub(1))
            } else {
                (line + l - 1, c)
            };
            self.located(line, column.max(1), message)
        })
    }

    /// Notes an event type the importer does not handle.
    pub fn unknown_event(&mut self, kind: &str) {
        *self
            .tally
            .unknown_events
            .entry(kind.to_string())
            .or_default() += 1;
    }
}

/// `prefix` and a serde path joined: `chats[3]` + `thread.events[7]`.
pub fn join_path(prefix: &str, path: &str) -> String {
    let path = if path == "." { "" } else { path };
    match (prefix.is_empty(), path.is_empty()) {
        (_, true) => prefix.to_string(),
        (true, false) => path.to_string(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// The units of a document: the elements of its `key` array when it is an
/// object holding one, the elements of a top-level array, or the document
/// itself. Each comes with its path (`chats[3]`, `[3]` or nothing).
pub fn units<'t>(
    ctx: &Ctx<'t>,
    doc: &'t str,
    key: &str,
) -> Result<Vec<(String, &'t str)>, RecordError> {
    let first = doc.trim_start().as_bytes().first().copied();
    let elements = |raw: &'t str, prefix: &str| -> Result<Vec<(String, &'t str)>, RecordError> {
        let list: Vec<&'t RawValue> = serde_json::from_str(raw)
            .map_err(|e| ctx.error_at(raw, prefix, format!("expected an array: {e}")))?;
        Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("{prefix}[{i}]"), r.get()))
            .collect())
    };
    match first {
        Some(b'[') => elements(doc, ""),
        Some(b'{') => {
            let map: BTreeMap<String, &'t RawValue> = serde_json::from_str(doc)
                .map_err(|e| ctx.error_at(doc, "", format!("expected an object: {e}")))?;
            match map.get(key) {
                Some(list) if list.get().trim_start().starts_with('[') => elements(list.get(), key),
                _ => Ok(vec![(String::new(), doc)]),
            }
        }
        _ => Err(ctx.error_at(doc, "", "expected a JSON object or array")),
    }
}

/// A list of messages: a page (`{"messages": [...]}`), or bare messages.
pub struct MessagePage<'t> {
    /// The conversation id beside the list (`conversation.id`, as webhook
    /// payloads carry it), if any.
    pub conversation: Option<String>,
    /// Bare messages (an array of them, or one per JSON line) rather than a page.
    pub bare: bool,
    /// Each message's path and text.
    pub messages: Vec<(String, &'t str)>,
}

/// The message lists of a document: one page, an array of pages, an array
/// of bare messages, or one bare message.
pub fn message_pages<'t>(ctx: &Ctx<'t>, doc: &'t str) -> Result<Vec<MessagePage<'t>>, RecordError> {
    match doc.trim_start().as_bytes().first() {
        Some(b'{') => {
            let map: BTreeMap<String, &'t RawValue> = serde_json::from_str(doc)
                .map_err(|e| ctx.error_at(doc, "", format!("expected an object: {e}")))?;
            if !map.contains_key("messages") {
                return Ok(vec![MessagePage {
                    conversation: None,
                    bare: true,
                    messages: vec![(String::new(), doc)],
                }]);
            }
            let conversation = map
                .get("conversation")
                .and_then(|c| serde_json::from_str::<Value>(c.get()).ok())
                .and_then(|v| id_value(v.get("id")?));
            Ok(vec![MessagePage {
                conversation,
                bare: false,
                messages: units(ctx, doc, "messages")?,
            }])
        }
        Some(b'[') => {
            let elements = units(ctx, doc, "")?;
            let is_page = |raw: &str| {
                serde_json::from_str::<BTreeMap<String, &RawValue>>(raw)
                    .is_ok_and(|m| m.contains_key("messages"))
            };
            if elements.first().is_some_and(|(_, raw)| is_page(raw)) {
                let mut pages = Vec::new();
                for (prefix, raw) in elements {
                    for mut page in message_pages(ctx, raw)? {
                        for (path, _) in page.messages.iter_mut() {
                            *path = join_path(&prefix, path);
                        }
                        pages.push(page);
                    }
                }
                Ok(pages)
            } else {
                Ok(vec![MessagePage {
                    conversation: None,
                    bare: true,
                    messages: elements,
                }])
            }
        }
        _ => Err(ctx.error_at(doc, "", "expected a JSON object or array")),
    }
}

/// A JSON id (string or number) as text.
pub fn id_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Messages grouped by conversation id, each group in order of its id's
/// first appearance (exports that page one conversation's messages, or mix
/// several conversations in one list).
#[derive(Default)]
pub struct Groups<'t> {
    groups: Vec<(String, Vec<(String, &'t str)>)>,
    index: HashMap<String, usize>,
}

impl<'t> Groups<'t> {
    /// The messages of conversation `id` so far, to add to.
    pub fn of(&mut self, id: String) -> &mut Vec<(String, &'t str)> {
        let groups = &mut self.groups;
        let i = *self.index.entry(id.clone()).or_insert_with(|| {
            groups.push((id, Vec::new()));
            groups.len() - 1
        });
        &mut self.groups[i].1
    }

    /// The groups: `(id, [(JSON path, raw message)])`.
    pub fn into_groups(self) -> Vec<(String, Vec<(String, &'t str)>)> {
        self.groups
    }
}

/// The `key` of a JSON object given as text, when it is an id.
pub fn peek_field(raw: &str, key: &str) -> Option<String> {
    id_value(serde_json::from_str::<Value>(raw).ok()?.get(key)?)
}

// ---------------------------------------------------------------------------
// Values shared by the importers.

pub use crate::timestamp::Ts;

/// An identifier: a string, or a number written as one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub String);

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Id, E> {
                Ok(Id(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Puts messages in time order, keeping the export's order for equal times
/// and for messages without one (they stay after the message before them).
pub fn sort_messages(messages: &mut Vec<Message<'static>>) {
    let mut last = Millis::MIN;
    let mut keyed: Vec<(Millis, Message<'static>)> = messages
        .drain(..)
        .map(|m| {
            if let Some(ts) = m.ts {
                last = ts;
            }
            (last, m)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    messages.extend(keyed.into_iter().map(|(_, m)| m));
}

// ---------------------------------------------------------------------------
// HTML to plain text.

/// Elements whose content is never text a reader saw.
const HIDDEN: &[&[u8]] = &[
    b"script",
    b"style",
    b"head",
    b"title",
    b"template",
    b"noscript",
];

/// Elements that start and end on a line of their own.
const BLOCKS: &[&[u8]] = &[
    b"p",
    b"div",
    b"li",
    b"ul",
    b"ol",
    b"tr",
    b"table",
    b"blockquote",
    b"pre",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"section",
    b"article",
    b"header",
    b"footer",
    b"hr",
    b"dl",
    b"dt",
    b"dd",
    b"figure",
    b"figcaption",
    b"address",
];

/// Whether a body carries HTML markup: a complete tag (`<p>`, `</b>`,
/// `<br/>`, `<a href="...">`) of an element chatlint knows.
pub fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'<', b).any(|i| {
        let rest = &b[i + 1..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let name_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = rest[..name_len].to_ascii_lowercase();
        let after = rest.get(name_len).copied();
        // The tag must close on its line, before another one opens.
        let closes = rest[name_len..]
            .iter()
            .take_while(|&&c| c != b'<' && c != b'\n')
            .any(|&c| c == b'>');
        name_len > 0
            && closes
            && matches!(after, Some(b'>' | b' ' | b'/' | b'\t'))
            && (BLOCKS.contains(&name.as_slice())
                || matches!(
                    name.as_slice(),
                    b"br"
                        | b"a"
                        | b"b"
                        | b"i"
                        | b"u"
                        | b"em"
                        | b"strong"
                        | b"span"
                        | b"img"
                        | b"code"
                        | b"small"
                        | b"sub"
                        | b"sup"
                ))
    })
}

/// Reduces an HTML body to plain text: tags removed, character references
/// decoded, `<br>` and block elements (`<p>`, `<div>`, `<li>`, ...) as line
/// breaks, runs of white space collapsed as a browser would, no blank lines.
///
/// Tokenising is html5gum's (a WHATWG-conformant HTML tokenizer), so
/// malformed markup, bare `&` and every named reference behave as in a
/// browser.
pub fn html_to_text(html: &str) -> String {
    use html5gum::{DefaultEmitter, Token, Tokenizer};
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut out = String::with_capacity(html.len());
    let mut hidden = 0usize;
    let mut pre = 0usize;
    // A space is owed before the next text (collapsed white space).
    let mut space = false;
    let newline = |out: &mut String, space: &mut bool| {
        *space = false;
        while out.ends_with(' ') {
            out.pop();
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
    };
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if HIDDEN.contains(&name.as_slice()) {
                    if !tag.self_closing {
                        hidden += 1;
                    }
                } else if name == b"br" {
                    space = false;
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\n');
                } else if BLOCKS.contains(&name.as_slice()) {
                    if name == b"pre" {
                        pre += 1;
                    }
                    newline(&mut out, &mut space);
                } else if name == b"img" {
                    if let Some(alt) = tag.attributes.get(b"alt".as_slice()) {
                        let alt = String::from_utf8_lossy(&alt.value);
                        if !alt.trim().is_empty() {
                            if space && !out.is_empty() && !out.ends_with('\n') {
                                out.push(' ');
                            }
                            space = false;
                            out.push_str(alt.trim());
                        }
                    }
                }
            }
            Token::EndTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if HIDDEN.contains(&name.as_slice()) {
                    hidden = hidden.saturating_sub(1);
                } else if BLOCKS.contains(&name.as_slice()) {
                    if name == b"pre" {
                        pre = pre.saturating_sub(1);
                    }
                    newline(&mut out, &mut space);
                }
            }
            Token::String(s) if hidden == 0 => {
                let s = String::from_utf8_lossy(&s.value).replace('\u{a0}', " ");
                if pre > 0 {
                    out.push_str(&s);
                    continue;
                }
                for (i, word) in s.split(|c: char| c.is_ascii_whitespace()).enumerate() {
                    if i > 0 {
                        space = true;
                    }
                    if word.is_empty() {
                        continue;
                    }
                    if space && !out.is_empty() && !out.ends_with('\n') {
                        out.push(' ');
                    }
                    space = false;
                    out.push_str(word);
                }
            }
            _ => {}
        }
    }
    // No blank lines, no trailing spaces.
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines.join("\n")
}

/// A body that may be HTML as plain text: reduced when it carries markup.
pub fn plain(body: &str) -> String {
    if looks_like_html(body) {
        html_to_text(body)
    } else {
        body.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_text("<p>Hi Jane,</p><p>Tom &amp; Jerry&#39;s order&nbsp;#12 is <b>on   its way</b>.<br>Thanks!</p>"),
            "Hi Jane,\nTom & Jerry's order #12 is on its way.\nThanks!"
        );
        assert_eq!(
            html_to_text("a &lt; b &gt; c &copy; &eacute;"),
            "a < b > c \u{a9} \u{e9}"
        );
        assert_eq!(
            html_to_text("<script>alert(1)</script>ok<style>p{}</style>"),
            "ok"
        );
        assert_eq!(
            html_to_text("<ul><li>one</li><li>two</li></ul><p></p>"),
            "one\ntwo"
        );
        assert_eq!(html_to_text("x<br/>y<br />z"), "x\ny\nz");
        assert_eq!(
            html_to_text("<img src=\"a.png\" alt=\"screenshot\">"),
            "screenshot"
        );
    }

    #[test]
    fn only_markup_counts_as_html() {
        assert!(looks_like_html("<p>hi</p>"));
        assert!(looks_like_html("line<br>line"));
        assert!(!looks_like_html("if a <b then"));
        assert!(!looks_like_html("use <=> and a < b"));
        assert!(!looks_like_html("Tom & Jerry"));
        assert_eq!(plain("  a < b  "), "a < b");
    }

    #[test]
    fn detects_every_shape() {
        let p = |s: &str| detect(s);
        use Platform::*;
        assert_eq!(
            p(r#"{"chats":[{"id":"X","users":[],"thread":{}}],"found_chats":1}"#),
            Some(Detected::Platform(LiveChat))
        );
        assert_eq!(
            p(r#"{"chats":[],"found_chats":0,"next_page_id":null}"#),
            Some(Detected::Platform(LiveChat))
        );
        assert_eq!(
            p(r#"{"chats":[{"id":"1","type":"chat","history":[]}],"end_id":"1"}"#),
            Some(Detected::Platform(ZendeskChat))
        );
        assert_eq!(
            p(r#"[{"id":"1","type":"chat","timestamp":"2026-01-01T00:00:00Z"}]"#),
            Some(Detected::Platform(ZendeskChat))
        );
        assert_eq!(
            p(r#"{"messages":[{"author":{"type":"user"},"content":{"type":"text"}}],"meta":{}}"#),
            Some(Detected::Platform(Sunshine))
        );
        assert_eq!(
            p(r#"{"type":"conversation","id":"1","source":{}}"#),
            Some(Detected::Platform(Intercom))
        );
        assert_eq!(
            p(r#"{"conversations":[{"type":"conversation","id":"1"}]}"#),
            Some(Detected::Platform(Intercom))
        );
        assert_eq!(
            p(r#"{"messages":[{"actor_type":"user","message_parts":[]}]}"#),
            Some(Detected::Platform(Freshchat))
        );
        assert_eq!(
            p(r#"{"id":"c1","messages":[{"role":"agent","text":"hi"}]}"#),
            Some(Detected::Native)
        );
        assert_eq!(p(r#"{"foo":[1,2]}"#), None);
        assert_eq!(p(r#"[1,2]"#), None);
    }

    #[test]
    fn head_keys() {
        assert!(has_key(br#"{"thread" : {"#, "thread"));
        assert!(!has_key(br#"{"text":"a \"thread\": b"}"#, "thread"));
        assert!(plainly_native(
            br#"{"id":"c","messages":[{"role":"agent"}]}"#
        ));
        assert!(!plainly_native(br#"{"chats":[{"thread":{"events":[]}}]}"#));
        assert!(!plainly_native(br#"{"foo":1}"#));
    }

    #[test]
    fn sorts_stably_by_time() {
        use crate::model::Role;
        let m = |t: Option<Millis>, s: &str| Message {
            role: Role::Agent,
            author: None,
            name: None,
            text: s.to_string().into(),
            ts: t,
            event: None,
            internal: false,
        };
        let mut v = vec![
            m(Some(5), "b"),
            m(None, "c"),
            m(Some(1), "a"),
            m(Some(5), "d"),
        ];
        sort_messages(&mut v);
        let order: Vec<&str> = v.iter().map(|m| m.text.as_ref()).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }
}
