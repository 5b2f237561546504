//! The conversation model: what every importer produces and every rule reads.
//!
//! Strings are `Cow<'a, str>` so that the native JSON reader can borrow text
//! straight from the input buffer; importers that build text themselves use
//! owned strings. Nothing here depends on any other module of the crate.

use serde::Serialize;
use std::borrow::Cow;

/// Text that is either borrowed from the input or owned.
pub type Text<'a> = Cow<'a, str>;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A human support agent.
    Agent,
    /// The person seeking help.
    Customer,
    /// An automated assistant.
    Bot,
    /// A platform event (join, transfer, close, rating, ...).
    System,
}

impl Role {
    /// Every role's name, in declaration order.
    pub const NAMES: [&'static str; 4] = ["agent", "customer", "bot", "system"];

    /// The role of a lowercase name.
    pub fn from_name(name: &str) -> Option<Role> {
        Some(match name {
            "agent" => Role::Agent,
            "customer" => Role::Customer,
            "bot" => Role::Bot,
            "system" => Role::System,
            _ => return None,
        })
    }

    /// The lowercase name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
            Role::Bot => "bot",
            Role::System => "system",
        }
    }
}

/// Read from a string, as a derived unit enum would be, without serde's
/// enum machinery (this runs for every message).
impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Role;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a role (agent, customer, bot or system)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Role, E> {
                Role::from_name(v).ok_or_else(|| E::unknown_variant(v, &Role::NAMES))
            }
        }
        d.deserialize_str(Name)
    }
}

/// One message or event of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message<'a> {
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    /// Plain text; empty for events that carry none.
    pub text: Text<'a>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timestamp::serialize_opt"
    )]
    pub ts: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Text<'a>>,
    /// An internal note the customer never saw.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

impl Message<'_> {
    /// A human agent's message that the customer saw.
    pub fn is_agent_visible(&self) -> bool {
        self.role == Role::Agent && !self.internal && self.event.is_none()
    }

    /// A message written by the customer.
    pub fn is_customer(&self) -> bool {
        self.role == Role::Customer && !self.internal && self.event.is_none()
    }
}

/// The customer a conversation is with.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Customer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
}

/// A customer satisfaction rating.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rating<'a> {
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Text<'a>>,
}

/// One support conversation, messages and events in time order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conversation<'a> {
    pub id: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer<'a>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timestamp::serialize_opt"
    )]
    pub started_at: Option<Millis>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating<'a>>,
    pub messages: Vec<Message<'a>>,
}

impl<'a> Conversation<'a> {
    /// An empty conversation with the given id.
    pub fn new(id: impl Into<Text<'a>>) -> Self {
        Conversation {
            id: id.into(),
            channel: None,
            team: None,
            agent: None,
            customer: None,
            started_at: None,
            tags: Vec::new(),
            rating: None,
            messages: Vec::new(),
        }
    }

    /// The primary agent: the `agent` field, else the author of most agent
    /// messages (ties go to the one who wrote first).
    pub fn primary_agent(&self) -> Option<&str> {
        if let Some(agent) = &self.agent {
            return Some(agent);
        }
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for m in self.messages.iter().filter(|m| m.is_agent_visible()) {
            let Some(author) = m.author.as_deref().or(m.name.as_deref()) else {
                continue;
            };
            match counts.iter_mut().find(|(a, _)| *a == author) {
                Some((_, n)) => *n += 1,
                None => counts.push((author, 1)),
            }
        }
        let mut best: Option<(&str, usize)> = None;
        for (author, n) in counts {
            if best.is_none_or(|(_, b)| n > b) {
                best = Some((author, n));
            }
        }
        best.map(|(a, _)| a)
    }

    /// When the conversation started: `started_at`, else the earliest message time.
    pub fn start_time(&self) -> Option<Millis> {
        self.started_at
            .or_else(|| self.messages.iter().filter_map(|m| m.ts).min())
    }
}
