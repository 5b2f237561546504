#![doc = crate::rule_doc!("review-request")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "review-request",
        summary: "Near the end, the agent asks for a rating, review or feedback",
        help: "near the end, ask \"Would you mind rating this chat?\"",
        doc: crate::rule_doc!("review-request"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 4] = [
    phrase_list!("review-request.ask", Agent, "review-request/ask.txt"),
    phrase_list!(
        "review-request.ask-weak",
        Agent,
        "review-request/ask-weak.txt"
    ),
    phrase_list!("review-request.cue", Agent, "review-request/cue.txt"),
    phrase_list!(
        "review-request.not",
        Agent,
        "review-request/not-request.txt",
        negation: false
    ),
];

/// How many of the agent's last messages count as "near the end".
const WINDOW: usize = 3;

struct ReviewRequest {
    ask: ListId,
    /// Rating words that ask only next to a cue in the same sentence.
    weak: ListId,
    /// "please", "would mean a lot", "if you could".
    cue: ListId,
    not: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(ReviewRequest {
        ask: m.id("review-request.ask"),
        weak: m.id("review-request.ask-weak"),
        cue: m.id("review-request.cue"),
        not: m.id("review-request.not"),
    })
}

impl ReviewRequest {
    fn asks(&self, a: &Analysis, i: usize) -> bool {
        // Only an ask or a weak ask can ask: most messages hold neither.
        if !a
            .hits(i)
            .iter()
            .any(|h| !h.negated && (h.list == self.ask || h.list == self.weak))
        {
            return false;
        }
        let sentences = a.sentences(i);
        let sentence_of = |at: u32| sentences.iter().position(|r| r.contains(&(at as usize)));
        let excluded: Vec<_> = a
            .hits_of(i, self.not)
            .map(|h| sentence_of(h.start))
            .collect();
        let cued: Vec<_> = a
            .hits_of(i, self.cue)
            .filter(|h| !h.negated)
            .map(|h| sentence_of(h.start))
            .collect();
        a.hits(i).iter().any(|h| {
            let sentence = sentence_of(h.start);
            !h.negated
                && !excluded.contains(&sentence)
                && (h.list == self.ask || (h.list == self.weak && cued.contains(&sentence)))
        })
    }
}

impl Rule for ReviewRequest {
    fn check(&self, a: &Analysis) -> Verdict {
        let Some(&last) = a.agent.last() else {
            return Verdict::na();
        };
        let window = &a.agent[a.agent.len().saturating_sub(WINDOW)..];
        if window.iter().any(|&i| self.asks(a, i)) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            last,
            None,
            "the agent never asks for a rating, review or feedback near the end",
        ))
    }
}
