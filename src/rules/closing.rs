#![doc = crate::rule_doc!("closing")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{Hit, ListDef, ListId, Matcher};
use crate::text;

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

static LISTS: [ListDef; 2] = [
    phrase_list!("closing.farewell", Agent, "closing/farewell.txt"),
    phrase_list!("closing.wish", Agent, "closing/wish.txt"),
];

struct Closing {
    farewell: ListId,
    /// Wishes that close only when addressed to the customer ("Enjoy!").
    wish: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Closing {
        farewell: m.id("closing.farewell"),
        wish: m.id("closing.wish"),
    })
}

/// Words that may stand before a wish in the same clause: fillers
/// ("ok, enjoy", "and enjoy", "please enjoy") and the customer addressed
/// ("hope you enjoy", "want you to enjoy").
const BEFORE_WISH: &[&str] = &[
    "and",
    "please",
    "so",
    "just",
    "now",
    "do",
    "then",
    "also",
    "ok",
    "okay",
    "oh",
    "go",
    "again",
    "great",
    "perfect",
    "alright",
    "sure",
    "cool",
    "awesome",
    "n",
    "you",
    "you'll",
    "you\u{2019}ll",
    "to",
    "will",
    "really",
    "truly",
];

/// Words after "thanks to" that make it thanks to the customer ("thanks to
/// you too!") rather than a cause ("thanks to the update, ...").
const THANKED: &[&str] = &["you", "u", "ya", "yourself", "everyone", "all", "both"];

/// The word of `t` right before `at`, within the clause (stops at sentence
/// or clause punctuation).
fn word_before(t: &str, at: usize) -> Option<&str> {
    let clause = t[..at]
        .rfind(['.', '!', '?', ',', ';', ':', '\n'])
        .map_or(0, |p| p + 1);
    let before = &t[clause..at];
    text::words(before).last().map(|r| &before[r])
}

/// Whether `word` is one of `lower` (lowercase words), ignoring ASCII case.
fn is_one_of(word: &str, lower: &[&str]) -> bool {
    lower.iter().any(|l| word.eq_ignore_ascii_case(l))
}

/// Whether the thanks hit `h` is "thanks to <a cause>": "Thanks to the
/// update, the battery lasts longer" thanks nobody.
fn thanks_to_cause(t: &str, h: &Hit) -> bool {
    let said = &t[h.start as usize..h.end as usize];
    let thanks = said.len().checked_sub(6).and_then(|s| said.get(s..));
    if !thanks.is_some_and(|w| w.eq_ignore_ascii_case("thanks")) {
        return false;
    }
    let rest = &t[h.end as usize..];
    let mut after = text::words(rest).map(|r| &rest[r]);
    after.next().is_some_and(|w| w.eq_ignore_ascii_case("to"))
        && after.next().is_none_or(|w| !is_one_of(w, THANKED))
}

impl Closing {
    /// Whether agent message `i` thanks the customer or says goodbye.
    fn closes(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        a.hits(i).iter().filter(|h| !h.negated).any(|h| {
            if h.list == self.farewell {
                !thanks_to_cause(t, h)
            } else if h.list == self.wish {
                word_before(t, h.start as usize).is_none_or(|w| is_one_of(w, BEFORE_WISH))
            } else {
                false
            }
        })
    }
}

impl Rule for Closing {
    fn check(&self, a: &Analysis) -> Verdict {
        let turn = a.final_agent_turn();
        let Some(&last) = turn.last() else {
            return Verdict::na();
        };
        if turn.iter().any(|&i| self.closes(a, i)) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            last,
            None,
            "the agent's last message ends the chat without thanks or a farewell",
        ))
    }
}
