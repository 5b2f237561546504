//! Per-conversation facts that several rules share, computed once: which
//! messages are the agent's and the customer's, every phrase hit (one scan per
//! message for all lists), and the customer's waits for an agent reply.

use crate::model::{Conversation, Millis};
use crate::phrases::{Hit, ListId, Matcher, Scope};
use crate::text;
use std::cell::{Cell, OnceCell, RefCell};
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
    waits: OnceCell<Option<Vec<Wait>>>,
    /// The buffer `waits` is computed in.
    spare_waits: Cell<Vec<Wait>>,
    /// Each message's sentences, split on first use (several rules read them).
    sentences: Vec<OnceCell<Vec<Range<usize>>>>,
    /// Empty vectors for `sentences`, left by earlier conversations.
    spare_sentences: RefCell<Vec<Vec<Range<usize>>>>,
}

/// The vectors of an [`Analysis`], kept by a worker from one conversation to
/// the next: once they have grown, analysing a conversation allocates nothing.
#[derive(Default)]
pub struct Buffers {
    agent: Vec<usize>,
    customer: Vec<usize>,
    hits: Vec<Hit>,
    hit_ranges: Vec<Range<u32>>,
    waits: Vec<Wait>,
    sentences: Vec<OnceCell<Vec<Range<usize>>>>,
    spare_sentences: Vec<Vec<Range<usize>>>,
}

/// Buffers that grew beyond this many elements (for one huge conversation)
/// are freed rather than kept.
const MAX_KEPT_LEN: usize = 1 << 14;

/// Empties `v` for reuse, or frees it when it grew too large.
fn recycle<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() > MAX_KEPT_LEN {
        return Vec::new();
    }
    v.clear();
    v
}

impl<'c, 'a> Analysis<'c, 'a> {
    /// Scans every agent and customer message once with `matcher`.
    pub fn new(conv: &'c Conversation<'a>, matcher: &Matcher) -> Self {
        Self::with_buffers(conv, matcher, Buffers::default())
    }

    /// [`Analysis::new`] in `buffers` (from [`Analysis::into_buffers`]).
    pub fn with_buffers(conv: &'c Conversation<'a>, matcher: &Matcher, buffers: Buffers) -> Self {
        let Buffers {
            mut agent,
            mut customer,
            mut hits,
            mut hit_ranges,
            waits,
            mut sentences,
            spare_sentences,
        } = buffers;
        let n = conv.messages.len();
        agent.reserve(n);
        customer.reserve(n);
        // Room for a hit every 32 bytes (dense text has one every 40 or so),
        // so that the vector seldom grows while the messages are scanned.
        let bytes: usize = conv.messages.iter().map(|m| m.text.len()).sum();
        hits.reserve(bytes / 32 + 8);
        hit_ranges.reserve(n);
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
        sentences.resize_with(n, OnceCell::new);
        Analysis {
            conv,
            agent,
            customer,
            hits,
            hit_ranges,
            waits: OnceCell::new(),
            spare_waits: Cell::new(waits),
            sentences,
            spare_sentences: RefCell::new(spare_sentences),
        }
    }

    /// The analysis's vectors, emptied for the next conversation.
    pub fn into_buffers(self) -> Buffers {
        let mut spare_sentences = self.spare_sentences.into_inner();
        let mut sentences = self.sentences;
        for cell in &mut sentences {
            if let Some(v) = cell.take() {
                if spare_sentences.len() < MAX_KEPT_LEN {
                    spare_sentences.push(recycle(v));
                }
            }
        }
        let waits = match self.waits.into_inner() {
            Some(Some(w)) => w,
            _ => self.spare_waits.into_inner(),
        };
        Buffers {
            agent: recycle(self.agent),
            customer: recycle(self.customer),
            hits: recycle(self.hits),
            hit_ranges: recycle(self.hit_ranges),
            waits: recycle(waits),
            sentences: recycle(sentences),
            spare_sentences,
        }
    }

    /// The text of message `i`.
    pub fn text(&self, i: usize) -> &str {
        &self.conv.messages[i].text
    }

    /// The sentences of message `i` (see [`text::sentences`]).
    pub fn sentences(&self, i: usize) -> &[Range<usize>] {
        self.sentences[i].get_or_init(|| {
            let mut out = self.spare_sentences.borrow_mut().pop().unwrap_or_default();
            text::sentences_into(self.text(i), &mut out);
            out
        })
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
    pub fn final_agent_turn(&self) -> &[usize] {
        let n = self.agent.len();
        let Some(&last) = self.agent.last() else {
            return &[];
        };
        if n >= 2 {
            let prev = self.agent[n - 2];
            if !self.conv.messages[prev + 1..last]
                .iter()
                .any(|m| m.is_customer())
            {
                return &self.agent[n - 2..];
            }
        }
        &self.agent[n - 1..]
    }

    /// The customer's waits for an agent reply; `None` when an agent or
    /// customer message lacks a timestamp.
    pub fn waits(&self) -> Option<&[Wait]> {
        self.waits
            .get_or_init(|| {
                let mut waits = self.spare_waits.take();
                if customer_waits(self.conv, &mut waits) {
                    return Some(waits);
                }
                // Kept for the next conversation.
                waits.clear();
                self.spare_waits.set(waits);
                None
            })
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

/// Computes every customer wait into `waits` (empty); false when a
/// timestamp is missing.
fn customer_waits(conv: &Conversation, waits: &mut Vec<Wait>) -> bool {
    let relevant = conv
        .messages
        .iter()
        .filter(|m| m.is_agent_visible() || m.is_customer());
    if relevant.clone().any(|m| m.ts.is_none()) {
        return false;
    }
    // At most one wait per customer message.
    waits.reserve(conv.messages.len() / 2 + 1);
    let mut open: Option<(usize, Millis)> = None;
    let mut last_ts: Option<Millis> = None;
    for (i, m) in conv.messages.iter().enumerate() {
        if let Some(t) = m.ts {
            last_ts = Some(last_ts.map_or(t, |l| l.max(t)));
        }
        if m.is_customer() {
            if open.is_none() {
                let Some(t) = m.ts else { return false };
                open = Some((i, t));
            }
        } else if m.is_agent_visible() {
            if let Some((c, start)) = open.take() {
                let Some(t) = m.ts else { return false };
                waits.push(Wait {
                    customer_msg: c,
                    answered_by: Some(i),
                    millis: t - start,
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
    true
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
