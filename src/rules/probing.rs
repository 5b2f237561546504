#![doc = crate::rule_doc!("probing")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{Hit, ListDef, ListId, Matcher};
use crate::text;
use std::ops::Range;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "probing",
        summary: "The agent asks at least one question to understand the issue",
        help:
            "ask about the issue before solving it, e.g. \"What happens when you try to log in?\"",
        doc: crate::rule_doc!("probing"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 2] = [
    phrase_list!("probing.request", Agent, "probing/request.txt"),
    phrase_list!("probing.not-probe", Agent, "probing/not-probe.txt"),
];

struct Probing {
    request: ListId,
    not_probe: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Probing {
        request: m.id("probing.request"),
        not_probe: m.id("probing.not-probe"),
    })
}

/// Clauses of a sentence split at ", or" / " or " (one question can hold two).
fn clauses(text: &str, sentence: Range<usize>) -> Vec<Range<usize>> {
    let s = &text[sentence.clone()];
    let mut out = Vec::new();
    let mut start = 0;
    for (at, sep) in s.match_indices(" or ") {
        out.push(sentence.start + start..sentence.start + at);
        start = at + sep.len();
    }
    out.push(sentence.start + start..sentence.end);
    out
}

impl Probing {
    /// The first probe in message `i`: a question clause that is not an
    /// opener, offer or confirmation, or a request for details.
    fn probe(&self, a: &Analysis, i: usize) -> Option<Range<usize>> {
        let t = a.text(i);
        let hits = a.hits(i);
        let in_range = |h: &&Hit, r: &Range<usize>| r.contains(&(h.start as usize));
        for sentence in text::sentences(t) {
            let is_question = t[sentence.clone()]
                .trim_end_matches(['.', '!'])
                .ends_with('?');
            for clause in clauses(t, sentence.clone()) {
                let has = |list: ListId| {
                    hits.iter()
                        .any(|h| h.list == list && !h.negated && in_range(&h, &clause))
                };
                if has(self.not_probe) {
                    continue;
                }
                if is_question || has(self.request) {
                    return Some(clause);
                }
            }
        }
        None
    }
}

impl Rule for Probing {
    fn check(&self, a: &Analysis) -> Verdict {
        let after = a.agent_after_customer();
        let Some(&first) = after.first() else {
            return Verdict::na();
        };
        if after.iter().any(|&i| self.probe(a, i).is_some()) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            first,
            None,
            "the agent asks no question to understand the customer's issue",
        ))
    }
}
