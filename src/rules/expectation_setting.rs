#![doc = crate::rule_doc!("expectation-setting")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};
use regex::Regex;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "expectation-setting",
        summary: "The agent tells the customer what happens next or how long it takes",
        help:
            "say what happens next and when, e.g. \"Let me check, this will take about 2 minutes\"",
        doc: crate::rule_doc!("expectation-setting"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 1] = [phrase_list!(
    "expectation-setting.next-step",
    Agent,
    "expectation-setting/next-step.txt"
)];

/// Durations and appointed times: "in 5 minutes", "3-5 business days", "at 3 pm".
const TIMING: &str = r"(?i)\b(?:(?:in|within|about|around|approximately|approx\.?|up to|under|less than|at least|roughly|another|only|just)\s+(?:a few|a couple(?: of)?|\d+(?:\s*(?:-|to|–)\s*\d+)?|one|two|three|four|five|six|seven|ten|fifteen|twenty|thirty|forty|sixty|a|an)\s+(?:more\s+)?(?:business\s+|working\s+)?(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)|\d+\s*(?:-|to|–)\s*\d+\s+(?:business\s+|working\s+)?(?:seconds|minutes|mins|hours|days|weeks)|(?:at|by|around|before)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d+\s+(?:minutes?|mins?|hours?|stops?)\s+away)\b";

struct ExpectationSetting {
    next_step: ListId,
    timing: Regex,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(ExpectationSetting {
        next_step: m.id("expectation-setting.next-step"),
        timing: Regex::new(TIMING).expect("timing pattern compiles"),
    })
}

impl Rule for ExpectationSetting {
    fn check(&self, a: &Analysis) -> Verdict {
        let after = a.agent_after_customer();
        let Some(&first) = after.first() else {
            return Verdict::na();
        };
        let sets =
            |i: usize| a.find(i, self.next_step).is_some() || self.timing.is_match(a.text(i));
        if after.iter().any(|&i| sets(i)) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            first,
            None,
            "no agent message tells the customer what happens next or how long it will take",
        ))
    }
}
