#![doc = crate::rule_doc!("further-help")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{Hit, ListDef, ListId, Matcher};
use crate::text;
use std::ops::Range;

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

static LISTS: [ListDef; 4] = [
    phrase_list!("further-help.offer", Agent, "further-help/offer.txt"),
    phrase_list!(
        "further-help.offer-weak",
        Agent,
        "further-help/offer-weak.txt"
    ),
    phrase_list!(
        "further-help.open-condition",
        Agent,
        "further-help/open-condition.txt"
    ),
    phrase_list!("further-help.call", Agent, "further-help/call.txt"),
];

struct FurtherHelp {
    offer: ListId,
    /// "Anything else": an offer only in a sentence about helping, or alone.
    weak: ListId,
    /// "If anything comes up": an offer only with a call in the same sentence.
    condition: ListId,
    /// "let me know", "I'll help".
    call: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(FurtherHelp {
        offer: m.id("further-help.offer"),
        weak: m.id("further-help.offer-weak"),
        condition: m.id("further-help.open-condition"),
        call: m.id("further-help.call"),
    })
}

/// Words that make a sentence with "anything else" about the agent helping
/// ("anything else you need", "anything else I can assist with today?").
const HELP_WORDS: &[&str] = &[
    "help",
    "assist",
    "assistance",
    "need",
    "needs",
    "like",
    "want",
    "question",
    "questions",
    "ask",
    "today",
    "tonight",
    "support",
    "concerns",
    "concern",
    "issues",
    "require",
    "mind",
    "you'd",
    "you\u{2019}d",
];

/// Word pairs that make it about the agent helping ("anything else that I
/// can do for you?", "Can we do anything else?").
const HELP_PAIRS: &[(&str, &str)] = &[
    ("i", "can"),
    ("we", "can"),
    ("i", "could"),
    ("we", "could"),
    ("can", "i"),
    ("can", "we"),
    ("could", "i"),
    ("may", "i"),
    ("for", "you"),
];

/// Words that may follow "anything else" in a bare offer ("Anything else
/// at all?", "Anything else for now?") or stand before it ("Is there...").
const BARE_WORDS: &[&str] = &[
    "is",
    "was",
    "there",
    "anything",
    "something",
    "else",
    "more",
    "at",
    "all",
    "for",
    "now",
    "then",
    "ok",
    "okay",
    "and",
    "so",
    "great",
    "perfect",
    "alright",
    "right",
    "sure",
    "or",
    "no",
    "any",
    "thing",
    "things",
    "else's",
    "maybe",
    "possibly",
];

impl FurtherHelp {
    /// Whether agent message `i` offers more help.
    fn offers(&self, a: &Analysis, i: usize) -> bool {
        let hits = a.hits(i);
        if hits.iter().any(|h| h.list == self.offer && !h.negated) {
            return true;
        }
        if !hits
            .iter()
            .any(|h| (h.list == self.weak || h.list == self.condition) && !h.negated)
        {
            return false;
        }
        let t = a.text(i);
        a.sentences(i).iter().any(|s| {
            let in_sentence: Vec<&Hit> = hits
                .iter()
                .filter(|h| !h.negated && s.contains(&(h.start as usize)))
                .collect();
            let has = |list: ListId| in_sentence.iter().any(|h| h.list == list);
            let call = has(self.call);
            (call && has(self.condition))
                || in_sentence.iter().any(|h| {
                    h.list == self.weak
                        && (call || about_helping(&t[s.clone()]) || asked_alone(t, s.clone(), h))
                })
        })
    }
}

/// The lowercase words of `t[from..to]`.
fn lower_words(t: &str) -> Vec<String> {
    text::words(t).map(|r| t[r].to_ascii_lowercase()).collect()
}

/// Whether a sentence holding "anything else" is about the agent helping:
/// it names help, a need or a question ("anything else you need?",
/// "anything else that I can do for you?").
fn about_helping(sentence: &str) -> bool {
    let words = lower_words(sentence);
    words.iter().any(|w| HELP_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|p| HELP_PAIRS.contains(&(p[0].as_str(), p[1].as_str())))
}

/// Whether "anything else" at `hit` is asked on its own: nothing but filler
/// follows it in the sentence, and its clause does not open a question about
/// something else ("Did the box contain anything else?"). "Anything else?",
/// "Is there anything else?", "Booked, anything else?" are.
fn asked_alone(t: &str, sentence: Range<usize>, hit: &Hit) -> bool {
    let (sentence_start, hit) = (sentence.start, hit.start as usize);
    let after = &t[hit..sentence.end];
    if !lower_words(after)
        .iter()
        .all(|w| BARE_WORDS.contains(&w.as_str()))
    {
        return false;
    }
    let clause_start = t[sentence_start..hit]
        .rfind([',', ';', ':', '-'])
        .map_or(sentence_start, |p| sentence_start + p + 1);
    !lower_words(&t[clause_start..hit])
        .iter()
        .any(|w| QUESTION_OPENERS.contains(&w.as_str()))
}

/// Words that open a question whose object "anything else" is ("Did it
/// contain anything else?", "Have they sent anything else?").
const QUESTION_OPENERS: &[&str] = &[
    "did", "do", "does", "has", "have", "had", "will", "would", "could", "can", "should", "what",
    "where", "why", "who", "which", "how", "were", "are",
];

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
        if candidates.iter().any(|&i| self.offers(a, i)) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            last,
            None,
            "the agent never offers further help before the chat ends",
        ))
    }
}
