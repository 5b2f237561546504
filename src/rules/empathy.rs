#![doc = crate::rule_doc!("empathy")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{Hit, ListDef, ListId, Matcher};

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

static LISTS: [ListDef; 6] = [
    phrase_list!("empathy.problem", Customer, "empathy/problem.txt"),
    phrase_list!("empathy.persist", Customer, "empathy/persist.txt"),
    phrase_list!("empathy.expected", Customer, "empathy/expected.txt"),
    phrase_list!("empathy.acknowledge", Agent, "empathy/acknowledge.txt"),
    phrase_list!(
        "empathy.acknowledge-weak",
        Agent,
        "empathy/acknowledge-weak.txt"
    ),
    phrase_list!(
        "empathy.not-acknowledge",
        Agent,
        "empathy/not-acknowledge.txt"
    ),
];

struct Empathy {
    /// Customer words that voice a problem or a negative feeling.
    problem: ListId,
    /// Customer words for things that should happen; a problem when negated.
    expected: ListId,
    /// "keeps", "I keep": a problem when an -ing verb follows ("keeps dropping").
    persist: ListId,
    /// Agent understanding, apology, regret or reassurance.
    acknowledge: ListId,
    /// Agent regret that comes with bad news; counts only next to a problem.
    weak: ListId,
    /// Agent apologies that acknowledge nothing ("sorry, I don't understand").
    not_acknowledge: ListId,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Empathy {
        problem: m.id("empathy.problem"),
        expected: m.id("empathy.expected"),
        persist: m.id("empathy.persist"),
        acknowledge: m.id("empathy.acknowledge"),
        weak: m.id("empathy.acknowledge-weak"),
        not_acknowledge: m.id("empathy.not-acknowledge"),
    })
}

/// How an agent message acknowledges a problem.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ack {
    None,
    /// Regret with bad news: counts only right before or after a problem.
    Weak,
    /// Understanding, apology or reassurance: counts anywhere after the first problem.
    Strong,
}

fn overlaps(a: &Hit, b: &Hit) -> bool {
    a.start < b.end && b.start < a.end
}

impl Empathy {
    /// The words that voice a problem in customer message `i`: a problem
    /// phrase that is not negated ("no problem" is none), or a negated
    /// expectation ("it doesn't load", "I can't log in").
    fn problem(&self, a: &Analysis, i: usize) -> Option<Hit> {
        let t = a.text(i);
        a.hits(i).iter().find_map(|h| {
            let found = if h.list == self.problem {
                !h.negated || says_no_itself(t, h)
            } else if h.list == self.persist {
                // Point at the whole "keeps dropping".
                return (!h.negated)
                    .then(|| repeats_fault(t, h))
                    .flatten()
                    .map(|end| Hit { end, ..*h });
            } else {
                h.list == self.expected && negates_failure(t, h)
            };
            found.then_some(*h)
        })
    }

    /// The strongest acknowledgement in agent message `i`.
    fn ack(&self, a: &Analysis, i: usize) -> Ack {
        let hits = a.hits(i);
        let covered = |h: &Hit, list: ListId| {
            hits.iter()
                .any(|o| o.list == list && !o.negated && overlaps(h, o))
        };
        let mut best = Ack::None;
        for h in hits.iter().filter(|h| !h.negated) {
            if (h.list != self.acknowledge && h.list != self.weak)
                || covered(h, self.not_acknowledge)
            {
                continue;
            }
            let strength = if h.list == self.weak || covered(h, self.weak) {
                Ack::Weak
            } else {
                Ack::Strong
            };
            best = best.max(strength);
        }
        best
    }
}

/// Whether a phrase carries its own negation ("don't like", "not happy"):
/// a negation before it ("isn't John, I dont like him") does not undo it.
fn says_no_itself(text: &str, h: &Hit) -> bool {
    let first = text[h.start as usize..h.end as usize]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "not" | "no" | "never" | "nothing" | "cannot" | "dont"
    ) || first.ends_with("n't")
        || first.ends_with("n\u{2019}t")
}

/// -ing words after "keep" that report nothing going wrong ("keep going",
/// "I keep thinking about it").
const NEUTRAL_REPEATS: &[&str] = &[
    "going",
    "playing",
    "thinking",
    "wondering",
    "hoping",
    "talking",
    "looking",
    "smiling",
    "laughing",
    "working",
    "using",
    "shopping",
    "ordering",
    "buying",
    "winning",
    "improving",
    "growing",
    "learning",
    "reading",
    "watching",
    "listening",
    "forgetting",
];

/// Where the -ing verb after a "keeps"/"I keep" hit ends, when it reports a
/// recurring fault: "keeps dropping", "I keep getting an error".
fn repeats_fault(text: &str, h: &Hit) -> Option<u32> {
    let rest = &text[h.end as usize..];
    let start = rest.len() - rest.trim_start().len();
    let len = rest[start..]
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len() - start);
    let next = rest[start..start + len].to_ascii_lowercase();
    (next.len() > 4 && next.ends_with("ing") && !NEUTRAL_REPEATS.contains(&next.as_str()))
        .then_some(h.end + (start + len) as u32)
}

/// Contractions typed without an apostrophe, common in chat ("it wont load").
const BARE_NEGATIONS: &[&str] = &[
    "dont", "doesnt", "didnt", "cant", "couldnt", "wont", "wouldnt", "isnt", "wasnt", "arent",
    "werent", "havent", "hasnt", "hadnt", "aint",
];

/// Whether an expectation hit is negated in a way that reports a failure:
/// by the matcher's negation words or a bare contraction ("cant login")
/// among the three words before it, but not by "without" ("without giving
/// them access" names no failure).
fn negates_failure(text: &str, h: &Hit) -> bool {
    let clause_start = text[..h.start as usize]
        .rfind(['.', '!', '?', ';', ',', '\n', ':'])
        .map_or(0, |p| p + 1);
    let words = text[clause_start..h.start as usize]
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty());
    let mut before = [""; 3];
    let mut n = 0;
    for (slot, w) in before.iter_mut().zip(words) {
        *slot = w;
        n += 1;
    }
    let before = &before[..n];
    if before.iter().any(|w| w.eq_ignore_ascii_case("without")) {
        return false;
    }
    h.negated
        || before
            .iter()
            .any(|w| BARE_NEGATIONS.iter().any(|n| w.eq_ignore_ascii_case(n)))
}

/// Whether no customer message stands between messages `from` and `to`.
fn same_exchange(a: &Analysis, from: usize, to: usize) -> bool {
    !a.conv.messages[from + 1..to]
        .iter()
        .any(|m| m.is_customer())
}

impl Rule for Empathy {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent.is_empty() {
            return Verdict::na();
        }
        let problems: Vec<(usize, Hit)> = a
            .customer
            .iter()
            .filter_map(|&i| self.problem(a, i).map(|h| (i, h)))
            .collect();
        let Some(&(first_problem, hit)) = problems.first() else {
            return Verdict::na();
        };
        // Agent messages in the turn right before a problem (the customer
        // reacting to bad news) or right after one (the agent answering it).
        let next_to_problem = |i: usize| {
            problems.iter().any(|&(p, _)| {
                if i < p {
                    same_exchange(a, i, p)
                } else {
                    same_exchange(a, p, i)
                }
            })
        };
        let acknowledged = a.agent.iter().any(|&i| match self.ack(a, i) {
            Ack::Strong => i > first_problem || next_to_problem(i),
            Ack::Weak => next_to_problem(i),
            Ack::None => false,
        });
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
        let problem = "I was charged twice for my subscription, this is ridiculous";
        assert_eq!(
            outcome(&[(C, problem), (A, "Please send your invoice number.")]),
            Outcome::Fail
        );
        assert_eq!(
            outcome(&[(C, problem), (A, "I'm so sorry about that, I understand how annoying a double charge is. Could you send your invoice number?")]),
            Outcome::Pass
        );
    }

    #[test]
    fn routine_requests_are_not_applicable() {
        assert_eq!(
            outcome(&[
                (C, "Can you help me book a table for 4?"),
                (A, "Sure, what time?")
            ]),
            Outcome::Na
        );
        assert_eq!(
            outcome(&[(C, "No problem, I'm not worried."), (A, "Great.")]),
            Outcome::Na
        );
        assert_eq!(
            outcome(&[
                (
                    C,
                    "How do I add a guest without giving them access to everything?"
                ),
                (A, "Click Share.")
            ]),
            Outcome::Na
        );
    }

    #[test]
    fn negated_expectations_are_problems() {
        for text in [
            "the code never arrives",
            "I cant log in",
            "the promo code didn't apply",
            "it wont load",
        ] {
            assert_eq!(
                outcome(&[(C, text), (A, "What's your email?")]),
                Outcome::Fail,
                "{text}"
            );
        }
        assert_eq!(
            outcome(&[(C, "the driver isn't John, I dont like him"), (A, "Ok.")]),
            Outcome::Fail
        );
    }

    #[test]
    fn bad_news_regret_counts_only_next_to_a_problem() {
        let reaction = [
            (C, "Book flight 684 please"),
            (A, "Sorry, but the flight is not available any more."),
            (C, "Oh no, that's annoying."),
        ];
        assert_eq!(outcome(&reaction), Outcome::Pass);
        let far = [
            (C, "My game was stolen. Can we play trivia?"),
            (A, "At what question would you like to start?"),
            (C, "Question 5."),
            (A, "Unfortunately your answer was wrong."),
        ];
        assert_eq!(outcome(&far), Outcome::Fail);
    }

    #[test]
    fn clarification_apologies_do_not_acknowledge() {
        let chat = [
            (C, "We're under attack and I'm locked out!"),
            (A, "I am sorry, I don't quite understand what you mean."),
        ];
        assert_eq!(outcome(&chat), Outcome::Fail);
    }
}
