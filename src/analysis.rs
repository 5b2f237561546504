//! Per-conversation facts that several rules share, computed once: which
//! messages are the agent's and the customer's, every phrase hit (one scan per
//! message for all lists), and the customer's waits for an agent reply.

use crate::model::{Conversation, Millis};
use crate::phrases::{Hit, ListId, Matcher, Scope};
use crate::text;
use std::ops::Range;

/// A conversation with its shared facts.
pub struct Analysis<'c, 'a> {
    pub conv: &'c Conversation<'a>,
    /// Indices of the human agent's customer-visible messages.
    pub agent: Vec<usize>,
    /// Indices of the customer's messages.
    pub customer: Vec<usize>,
    hits: Vec<Hit>,
    hit_ranges: Vec<Range<u32>>,
    /// Computed on first use, shared by `response-gap` and the metrics.
    waits: std::cell::OnceCell<Option<Vec<Wait>>>,
    /// Each message's sentences, split on first use (several rules read them).
    sentences: Vec<std::cell::OnceCell<Vec<Range<usize>>>>,
}

impl<'c, 'a> Analysis<'c, 'a> {
    /// Scans every agent and customer message once with `matcher`.
    pub fn new(conv: &'c Conversation<'a>, matcher: &Matcher) -> Self {
        let n = conv.messages.len();
        let mut agent = Vec::with_capacity(n);
        let mut customer = Vec::with_capacity(n);
        // Room for a hit every 32 bytes (dense text has one every 40 or so),
        // so that the vector seldom grows while the messages are scanned.
        let bytes: usize = conv.messages.iter().map(|m| m.text.len()).sum();
        let mut hits = Vec::with_capacity(bytes / 32 + 8);
        let mut hit_ranges = Vec::with_capacity(conv.messages.len());
        for (i, m) in conv.messages.iter().enumerate() {
            let start = hits.len() as u32;
            if m.is_agent_visible() {
                agent.push(i);
                matcher.scan(Scope::Agent, &m.text, &mut hits);
                drop_quoted(&m.text, &mut hits, start as usize);
            } else if m.is_customer() {
                customer.push(i);
                matcher.scan(Scope::Customer, &m.text, &mut hits);
            }
            hit_ranges.push(start..hits.len() as u32);
        }
        Analysis {
            conv,
            agent,
            customer,
            hits,
            hit_ranges,
            waits: std::cell::OnceCell::new(),
            sentences: vec![std::cell::OnceCell::new(); conv.messages.len()],
        }
    }

    /// The text of message `i`.
    pub fn text(&self, i: usize) -> &str {
        &self.conv.messages[i].text
    }

    /// The sentences of message `i` (see [`text::sentences`]).
    pub fn sentences(&self, i: usize) -> &[Range<usize>] {
        self.sentences[i].get_or_init(|| text::sentences(self.text(i)))
    }

    /// Every hit in message `i`, by position.
    pub fn hits(&self, i: usize) -> &[Hit] {
        let r = &self.hit_ranges[i];
        &self.hits[r.start as usize..r.end as usize]
    }

    /// The hits of one list in message `i`.
    pub fn hits_of(&self, i: usize, list: ListId) -> impl Iterator<Item = &Hit> + '_ {
        self.hits(i).iter().filter(move |h| h.list == list)
    }

    /// The first hit of `list` in message `i` that is not negated.
    pub fn find(&self, i: usize, list: ListId) -> Option<&Hit> {
        self.hits_of(i, list).find(|h| !h.negated)
    }

    /// The first hit of any of `lists` in message `i` that is not negated.
    pub fn find_any(&self, i: usize, lists: &[ListId]) -> Option<&Hit> {
        self.hits(i)
            .iter()
            .find(|h| !h.negated && lists.contains(&h.list))
    }

    /// Index of the customer's first message.
    pub fn first_customer(&self) -> Option<usize> {
        self.customer.first().copied()
    }

    /// Agent messages after the customer's first message.
    pub fn agent_after_customer(&self) -> &[usize] {
        let first = self.first_customer().unwrap_or(usize::MAX);
        let from = self.agent.partition_point(|&i| i < first);
        if first == usize::MAX {
            &[]
        } else {
            &self.agent[from..]
        }
    }

    /// The agent's last turn: the last agent message and the agent messages
    /// right before it with no customer message in between (at most two).
    pub fn final_agent_turn(&self) -> Vec<usize> {
        let Some(&last) = self.agent.last() else {
            return Vec::new();
        };
        let mut turn = vec![last];
        if self.agent.len() >= 2 {
            let prev = self.agent[self.agent.len() - 2];
            if !self.conv.messages[prev + 1..last]
                .iter()
                .any(|m| m.is_customer())
            {
                turn.insert(0, prev);
            }
        }
        turn
    }

    /// The customer's waits for an agent reply; `None` when an agent or
    /// customer message lacks a timestamp.
    pub fn waits(&self) -> Option<&[Wait]> {
        self.waits
            .get_or_init(|| customer_waits(self.conv))
            .as_deref()
    }
}

/// Removes hits that fall inside quoted text (the agent citing someone else).
fn drop_quoted(msg: &str, hits: &mut Vec<Hit>, from: usize) {
    if hits.len() == from {
        return;
    }
    // A byte test first: '"', '>' or the lead byte of '\u{201C}'.
    let may_quote = text::has_any_byte(msg, b"\">\xE2");
    if !may_quote || !(msg.contains(['"', '\u{201C}', '>'])) {
        return;
    }
    let quoted = text::quoted_spans(msg);
    let mut keep = from;
    for i in from..hits.len() {
        if !text::inside(&quoted, hits[i].start as usize) {
            hits[keep] = hits[i];
            keep += 1;
        }
    }
    hits.truncate(keep);
}

/// One customer wait: from the first of consecutive customer messages to the
/// next human agent message (or, when none came, to the conversation's end).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wait {
    /// The customer message that started the wait.
    pub customer_msg: usize,
    /// The agent message that ended it, if any.
    pub answered_by: Option<usize>,
    pub millis: Millis,
}

/// Computes every customer wait. `None` when a timestamp is missing.
pub fn customer_waits(conv: &Conversation) -> Option<Vec<Wait>> {
    let relevant = conv
        .messages
        .iter()
        .filter(|m| m.is_agent_visible() || m.is_customer());
    if relevant.clone().any(|m| m.ts.is_none()) {
        return None;
    }
    // At most one wait per customer message.
    let mut waits = Vec::with_capacity(conv.messages.len() / 2 + 1);
    let mut open: Option<(usize, Millis)> = None;
    let mut last_ts: Option<Millis> = None;
    for (i, m) in conv.messages.iter().enumerate() {
        if let Some(t) = m.ts {
            last_ts = Some(last_ts.map_or(t, |l| l.max(t)));
        }
        if m.is_customer() {
            if open.is_none() {
                open = Some((i, m.ts?));
            }
        } else if m.is_agent_visible() {
            if let Some((c, start)) = open.take() {
                waits.push(Wait {
                    customer_msg: c,
                    answered_by: Some(i),
                    millis: m.ts? - start,
                });
            }
        }
    }
    if let (Some((c, start)), Some(end)) = (open, last_ts) {
        waits.push(Wait {
            customer_msg: c,
            answered_by: None,
            millis: end - start,
        });
    }
    Some(waits)
}

/// Facts about a conversation reported beside the verdicts.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Seconds from the customer's first message to the first agent reply.
    pub first_response_s: Option<f64>,
    /// The longest customer wait, in seconds.
    pub max_gap_s: Option<f64>,
    pub agent_messages: usize,
    pub customer_messages: usize,
    /// Seconds from the first to the last timestamp.
    pub duration_s: Option<f64>,
}

impl Metrics {
    /// Computes the metrics of an analysed conversation.
    pub fn of(a: &Analysis) -> Metrics {
        let msgs = &a.conv.messages;
        let secs = |ms: Millis| ms as f64 / 1000.0;
        let first_response_s = a.first_customer().and_then(|c| {
            let reply = a.agent.iter().find(|&&i| i > c)?;
            Some(secs(msgs[*reply].ts? - msgs[c].ts?))
        });
        let max_gap_s = a
            .waits()
            .and_then(|w| w.iter().map(|w| w.millis).max())
            .map(secs);
        let times = msgs.iter().filter_map(|m| m.ts);
        let duration_s = times
            .clone()
            .min()
            .zip(times.max())
            .map(|(lo, hi)| secs(hi - lo));
        Metrics {
            first_response_s,
            max_gap_s,
            agent_messages: a.agent.len(),
            customer_messages: a.customer.len(),
            duration_s,
        }
    }
}
