#![doc = crate::rule_doc!("probing")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{is_word_char, Hit, ListDef, ListId, Matcher};
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

static LISTS: [ListDef; 3] = [
    phrase_list!("probing.request", Agent, "probing/request.txt"),
    phrase_list!("probing.not-probe", Agent, "probing/not-probe.txt"),
    phrase_list!("probing.detail", Agent, "probing/detail.txt"),
];

struct Probing {
    request: ListId,
    not_probe: ListId,
    detail: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Probing {
        request: m.id("probing.request"),
        not_probe: m.id("probing.not-probe"),
        detail: m.id("probing.detail"),
    })
}

/// Clauses of a sentence split at ", or" / " or " (one question can hold two).
fn clauses(text: &str, sentence: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let s = &text[sentence.clone()];
    let mut start = 0;
    let mut splits = s.match_indices(" or ");
    std::iter::from_fn(move || {
        let from = sentence.start + start;
        match splits.next() {
            Some((at, sep)) => {
                start = at + sep.len();
                Some(from..sentence.start + at)
            }
            None if start <= s.len() => {
                start = s.len() + 1;
                Some(from..sentence.end)
            }
            None => None,
        }
    })
}

/// Whether a sentence is a question: it ends with a question mark that is
/// not part of a link or code (`page.html?id=3` is no question).
fn is_question(text: &str, sentence: &Range<usize>) -> bool {
    let s = text[sentence.clone()].trim_end_matches(['.', '!']);
    if !s.ends_with('?') {
        return false;
    }
    !text[sentence.end..]
        .chars()
        .next()
        .is_some_and(|c| is_word_char(c) || matches!(c, '=' | '&' | '/'))
}

/// Whether a detail named in a sentence is asked for: the detail opens the
/// sentence, possibly after a filler word ("Your name and arrival location",
/// "And your email address"), or the sentence ends in "please" ("Hotel name,
/// room number and time please").
fn asks_for_detail(text: &str, sentence: &Range<usize>, hit: &Hit) -> bool {
    if !sentence.contains(&(hit.start as usize)) {
        return false;
    }
    let before = text[sentence.start..hit.start as usize].trim();
    let before = before.trim_end_matches([',', ':']).to_ascii_lowercase();
    let opens = matches!(
        before.as_str(),
        "" | "and" | "also" | "just" | "ok" | "okay" | "great" | "thanks" | "thank you"
    );
    let s = text[sentence.clone()].trim_end_matches(['.', '!', ' ']);
    opens || s.to_ascii_lowercase().ends_with("please")
}

impl Probing {
    /// The first probe in message `i`: a question clause that is not an
    /// opener, offer or confirmation; a request for details; or a fragment
    /// that names the details wanted ("Your name and email, please").
    fn probe(&self, a: &Analysis, i: usize) -> Option<Range<usize>> {
        let t = a.text(i);
        let hits = a.hits(i);
        // Without a question mark, only a request or a detail can probe.
        if !t.contains('?')
            && !hits
                .iter()
                .any(|h| !h.negated && (h.list == self.request || h.list == self.detail))
        {
            return None;
        }
        let in_range = |h: &Hit, r: &Range<usize>| r.contains(&(h.start as usize));
        for sentence in a.sentences(i) {
            let question = is_question(t, sentence);
            // Whether the sentence names the details wanted: the same for
            // each of its clauses, so found at most once.
            let mut fragment = None;
            for clause in clauses(t, sentence.clone()) {
                let has = |list: ListId| {
                    hits.iter()
                        .any(|h| h.list == list && !h.negated && in_range(h, &clause))
                };
                if has(self.not_probe) {
                    continue;
                }
                if question
                    || has(self.request)
                    || *fragment.get_or_insert_with(|| {
                        hits.iter().any(|h| {
                            h.list == self.detail && !h.negated && asks_for_detail(t, sentence, h)
                        })
                    })
                {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use crate::rules::Outcome;

    /// The outcome of this rule on a chat of `(role, text)` messages.
    fn outcome(chat: &[(Role, &str)]) -> Outcome {
        crate::rules::testing::outcome(&ENTRY, chat)
    }

    use Role::{Agent as A, Customer as C};

    #[test]
    fn doc_examples() {
        let issue = "my app keeps crashing";
        assert_eq!(
            outcome(&[
                (C, issue),
                (A, "Please reinstall it and let me know how it goes.")
            ]),
            Outcome::Fail
        );
        assert_eq!(
            outcome(&[(C, issue), (A, "Sorry about that! What are you doing when it crashes, and which phone are you using?")]),
            Outcome::Pass
        );
    }

    /// The clauses as a split collected into a Vec found them.
    fn clauses_reference(text: &str, sentence: Range<usize>) -> Vec<Range<usize>> {
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

    #[test]
    fn clauses_split_at_or() {
        let t = "xx Red or blue or  or green or yy";
        for sentence in [3..30, 3..3, 0..t.len(), 5..9, 9..13] {
            assert_eq!(
                clauses(t, sentence.clone()).collect::<Vec<_>>(),
                clauses_reference(t, sentence.clone()),
                "{sentence:?}"
            );
        }
    }

    #[test]
    fn requests_and_fragments_probe() {
        for text in [
            "Please provide your name.",
            "Your name  arrival location and departure location",
            "Hotel name, room number and time please",
            "Just to confirm, have you already tried the steps here: https://x.com/a?b=c",
        ] {
            assert_eq!(outcome(&[(C, "hi"), (A, text)]), Outcome::Pass, "{text}");
        }
    }

    #[test]
    fn pointers_links_and_offers_do_not_probe() {
        for text in [
            "More info here: https://support.example.com/answer",
            "You may visit this link: https://example.com/help.html?nodeId=2 to learn more.",
            "Could you go through the steps here and see if this clears up for you?",
            "Should I book that for you?",
            "We sent it to your email.",
        ] {
            assert_eq!(outcome(&[(C, "hi"), (A, text)]), Outcome::Fail, "{text}");
        }
    }
}
