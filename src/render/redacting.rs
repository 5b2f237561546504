//! `--redact` for any renderer: the scorecard's excerpts and notes (and, for
//! terminal renderers, the message text they show) are masked with
//! [`crate::redact`] before the inner renderer formats them. Verdicts and
//! scores are untouched: the rules ran on the original text. In JSON output
//! `start`/`end` keep referring to the original message, so an excerpt may
//! differ from `text[start..end]` once redacted.

use super::Renderer;
use crate::ingest::Place;
use crate::model::Conversation;
use crate::redact::{redact, redact_with_span};
use crate::score::Scorecard;
use crate::summary::Summary;

pub struct Redacting {
    pub inner: Box<dyn Renderer>,
    /// Also mask the message text handed to the inner renderer, moving
    /// finding offsets onto the masked text (for `check`'s message lines).
    pub messages: bool,
}

impl Renderer for Redacting {
    fn begin(&self, out: &mut Vec<u8>) {
        self.inner.begin(out)
    }

    fn record(&self, card: &Scorecard, conv: &Conversation, place: Place, out: &mut Vec<u8>) {
        let mut card = card.clone();
        for excerpt in &mut card.excerpts {
            *excerpt = redact(excerpt).into_owned().into();
        }
        for f in card.rules.iter_mut().flat_map(|r| r.findings.iter_mut()) {
            f.note = redact(&f.note.text()).into_owned().into();
        }
        if !self.messages {
            return self.inner.record(&card, conv, place, out);
        }
        let mut conv = conv.clone();
        for (i, m) in conv.messages.iter_mut().enumerate() {
            let mut changed = None;
            for f in card
                .rules
                .iter_mut()
                .flat_map(|r| r.findings.iter_mut())
                .filter(|f| f.message == i)
            {
                let (text, span) = redact_with_span(&m.text, f.span);
                f.span = span;
                if let std::borrow::Cow::Owned(t) = text {
                    changed = Some(t);
                }
            }
            match changed {
                Some(t) => m.text = t.into(),
                None => {
                    if let std::borrow::Cow::Owned(t) = redact(&m.text) {
                        m.text = t.into();
                    }
                }
            }
        }
        self.inner.record(&card, &conv, place, out)
    }

    fn separator(&self) -> &'static [u8] {
        self.inner.separator()
    }

    fn end(&self, summary: &Summary, out: &mut Vec<u8>) {
        self.inner.end(summary, out)
    }

    fn redacts(&self) -> bool {
        true
    }
}
