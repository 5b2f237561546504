#![doc = crate::rule_doc!("response-gap")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrases::Matcher;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "response-gap",
        summary: "Every customer message gets an agent reply within the time limit (30 s)",
        help: "reply within the limit, even if only to say you are still looking into it",
        doc: crate::rule_doc!("response-gap"),
        lists: &[],
    },
    build,
};

struct ResponseGap {
    max_gap_ms: i64,
    /// The limit as the notes state it ("30 s").
    limit: String,
}

fn build(_: &Matcher, s: &Settings) -> Box<dyn Rule> {
    let max_gap_ms = (s.max_gap_s * 1000.0).round() as i64;
    Box::new(ResponseGap {
        max_gap_ms,
        limit: Secs(max_gap_ms).to_string(),
    })
}

/// Milliseconds shown as seconds: whole ("45 s") or to a tenth ("12.5 s").
struct Secs(i64);

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let ms = self.0;
        if ms % 1000 == 0 {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{:.1} s", ms as f64 / 1000.0)
        }
    }
}

impl Rule for ResponseGap {
    fn check(&self, a: &Analysis) -> Verdict {
        let Some(waits) = a.waits() else {
            return Verdict::na();
        };
        if waits.is_empty() {
            return Verdict::na();
        }
        let limit = &self.limit;
        let findings: Vec<_> = waits
            .iter()
            .filter(|w| w.millis > self.max_gap_ms)
            .map(|w| {
                let note = match w.answered_by {
                    Some(reply) => format!("the customer waited {} for an agent reply (message {reply}; limit {limit})", Secs(w.millis)),
                    None => format!("never answered: the chat went on for {} after this message (limit {limit})", Secs(w.millis)),
                };
                finding(w.customer_msg, None, note)
            })
            .collect();
        if findings.is_empty() {
            Verdict::pass()
        } else {
            Verdict::fail_all(findings)
        }
    }
}
