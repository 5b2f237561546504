#![doc = crate::rule_doc!("closing")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "closing",
        summary: "The agent's last message closes politely with thanks or a farewell",
        help: "end with thanks and a farewell, e.g. \"Thanks for chatting with us, have a great day!\"",
        doc: crate::rule_doc!("closing"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 1] = [phrase_list!(
    "closing.farewell",
    Agent,
    "closing/farewell.txt"
)];

struct Closing {
    farewell: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Closing {
        farewell: m.id("closing.farewell"),
    })
}

impl Rule for Closing {
    fn check(&self, a: &Analysis) -> Verdict {
        let turn = a.final_agent_turn();
        let Some(&last) = turn.last() else {
            return Verdict::na();
        };
        if turn.iter().any(|&i| a.find(i, self.farewell).is_some()) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            last,
            None,
            "the agent's last message ends the chat without thanks or a farewell",
        ))
    }
}
