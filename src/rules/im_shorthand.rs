#![doc = crate::rule_doc!("im-shorthand")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{Hit, ListDef, ListId, Matcher};

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "im-shorthand",
        summary: "No agent message uses instant-messaging shorthand",
        help: "write words in full: \"you\", \"please\", \"thank you\", \"by the way\"",
        doc: crate::rule_doc!("im-shorthand"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 1] = [phrase_list!(
    "im-shorthand.shorthand",
    Agent,
    "im-shorthand/shorthand.txt",
    negation: false
)];

struct ImShorthand {
    shorthand: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(ImShorthand {
        shorthand: m.id("im-shorthand.shorthand"),
    })
}

/// Whether a hit is really shorthand and not a code, initial or abbreviation
/// ("gate B4", "U.S.", "U-turn", "r/place").
fn is_shorthand(t: &str, h: &Hit) -> bool {
    let word = &t[h.start as usize..h.end as usize];
    let before = t[..h.start as usize].chars().next_back();
    let mut after = t[h.end as usize..].chars();
    let (next, next2) = (after.next(), after.next());
    let has_upper = word.bytes().any(|b| b.is_ascii_uppercase());
    if has_upper && (word.len() == 1 || word.bytes().any(|b| b.is_ascii_digit())) {
        return false;
    }
    if matches!(
        before,
        Some('.' | '-' | '/' | '@' | '#' | '\'' | '\u{2019}' | '&')
    ) {
        return false;
    }
    match next {
        Some('-' | '/' | '@' | '&' | '\'' | '\u{2019}') => false,
        Some('.') => !next2.is_some_and(|c| c.is_alphanumeric()),
        _ => true,
    }
}

impl Rule for ImShorthand {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent.is_empty() {
            return Verdict::na();
        }
        let findings: Vec<_> = a
            .agent
            .iter()
            .flat_map(|&i| {
                let t = a.text(i);
                a.hits_of(i, self.shorthand)
                    .filter(move |h| is_shorthand(t, h))
                    .map(move |h| {
                        let word = &t[h.start as usize..h.end as usize];
                        finding(
                            i,
                            Some((h.start, h.end)),
                            format!("\"{word}\" is chat shorthand"),
                        )
                    })
            })
            .collect();
        if findings.is_empty() {
            Verdict::pass()
        } else {
            Verdict::fail_all(findings)
        }
    }
}
