#![doc = crate::rule_doc!("greeting")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};
use crate::text;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "greeting",
        summary: "The agent's opening message greets the customer",
        help: "open with a greeting, e.g. \"Hi Sam, thanks for reaching out!\"",
        doc: crate::rule_doc!("greeting"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 3] = [
    phrase_list!("greeting.greet", Agent, "greeting/greet.txt"),
    phrase_list!("greeting.thanks", Agent, "greeting/thanks.txt"),
    phrase_list!("greeting.lead", Agent, "greeting/lead.txt"),
];

struct Greeting {
    greet: ListId,
    thanks: ListId,
    lead: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Greeting {
        greet: m.id("greeting.greet"),
        thanks: m.id("greeting.thanks"),
        lead: m.id("greeting.lead"),
    })
}

/// An opening message that is only a name line ("Dave here", "— Priya, Billing").
fn is_name_line(text: &str) -> bool {
    text::word_count(text) <= 5 && !text.contains('?')
}

impl Greeting {
    fn greets(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        let sentences = text::sentences(t);
        let end_of = |n: usize| sentences.get(n).or(sentences.last()).map_or(0, |r| r.end) as u32;
        let first_word_start = text::words(t).next().map_or(u32::MAX, |r| r.start as u32);
        a.hits(i).iter().filter(|h| !h.negated).any(|h| {
            (h.list == self.greet && h.start < end_of(1))
                || (h.list == self.thanks && h.start < end_of(0))
                || (h.list == self.lead && h.start == first_word_start)
        })
    }
}

impl Rule for Greeting {
    fn check(&self, a: &Analysis) -> Verdict {
        let Some(&first) = a.agent.first() else {
            return Verdict::na();
        };
        let mut opening = vec![first];
        if is_name_line(a.text(first)) {
            opening.extend(a.agent.get(1));
        }
        if opening.iter().any(|&i| self.greets(a, i)) {
            return Verdict::pass();
        }
        let span = text::sentences(a.text(first))
            .first()
            .map(|r| (r.start as u32, r.end as u32));
        Verdict::fail(finding(
            first,
            span,
            "the agent's first message goes straight to business without a greeting",
        ))
    }
}
