#![doc = crate::rule_doc!("empathy")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "empathy",
        summary: "When the customer voices a problem or feeling, the agent acknowledges it",
        help: "acknowledge the problem before solving it, e.g. \"I'm sorry about that, I can see how frustrating it is\"",
        doc: crate::rule_doc!("empathy"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 2] = [
    phrase_list!("empathy.problem", Customer, "empathy/problem.txt"),
    phrase_list!("empathy.acknowledge", Agent, "empathy/acknowledge.txt"),
];

struct Empathy {
    problem: ListId,
    acknowledge: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Empathy {
        problem: m.id("empathy.problem"),
        acknowledge: m.id("empathy.acknowledge"),
    })
}

impl Rule for Empathy {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent.is_empty() {
            return Verdict::na();
        }
        let Some((first_problem, hit)) = a
            .customer
            .iter()
            .find_map(|&i| a.find(i, self.problem).map(|h| (i, *h)))
        else {
            return Verdict::na();
        };
        // An acknowledgement counts when it comes after the first problem, or
        // in the agent turn right before it (the customer reacting to bad news).
        let turn_before = a
            .agent
            .iter()
            .rev()
            .find(|&&i| i < first_problem)
            .filter(|&&i| {
                !a.conv.messages[i + 1..first_problem]
                    .iter()
                    .any(|m| m.is_customer())
            });
        let acknowledged = a
            .agent
            .iter()
            .filter(|&&i| i > first_problem || Some(&i) == turn_before)
            .any(|&i| a.find(i, self.acknowledge).is_some());
        if acknowledged {
            return Verdict::pass();
        }
        let words = &a.text(first_problem)[hit.start as usize..hit.end as usize];
        Verdict::fail(finding(
            first_problem,
            Some((hit.start, hit.end)),
            format!(
                "the customer voiced a problem (\"{words}\") and no agent message acknowledges it"
            ),
        ))
    }
}
