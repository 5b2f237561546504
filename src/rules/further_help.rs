#![doc = crate::rule_doc!("further-help")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "further-help",
        summary: "Before closing, the agent offers more help",
        help: "before closing, ask \"Is there anything else I can help you with?\"",
        doc: crate::rule_doc!("further-help"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 1] = [phrase_list!(
    "further-help.offer",
    Agent,
    "further-help/offer.txt"
)];

struct FurtherHelp {
    offer: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(FurtherHelp {
        offer: m.id("further-help.offer"),
    })
}

impl Rule for FurtherHelp {
    fn check(&self, a: &Analysis) -> Verdict {
        let Some(&last) = a.agent.last() else {
            return Verdict::na();
        };
        // The opening message offers help with the issue itself, not more help.
        let candidates = if a.agent.len() > 1 {
            &a.agent[1..]
        } else {
            &a.agent[..]
        };
        if candidates.iter().any(|&i| a.find(i, self.offer).is_some()) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            last,
            None,
            "the agent never offers further help before the chat ends",
        ))
    }
}
