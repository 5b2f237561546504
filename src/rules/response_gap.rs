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
}

fn build(_: &Matcher, s: &Settings) -> Box<dyn Rule> {
    Box::new(ResponseGap {
        max_gap_ms: (s.max_gap_s * 1000.0).round() as i64,
    })
}

fn secs(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
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
        let limit = secs(self.max_gap_ms);
        let findings: Vec<_> = waits
            .iter()
            .filter(|w| w.millis > self.max_gap_ms)
            .map(|w| {
                let note = match w.answered_by {
                    Some(reply) => format!("the customer waited {} for an agent reply (message {reply}; limit {limit})", secs(w.millis)),
                    None => format!("never answered: the chat went on for {} after this message (limit {limit})", secs(w.millis)),
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
