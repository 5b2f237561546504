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

/// Words that open a name line before a name: "I'm Priya", "It's Dave".
const NAME_INTROS: &[&str] = &["i'm", "i\u{2019}m", "im", "it's", "it\u{2019}s"];

/// Verbs that make a short capitalised opening an instruction, not a name
/// ("Send Details", "Please Hold").
const IMPERATIVES: &[&str] = &[
    "please", "send", "give", "tell", "check", "click", "go", "open", "try", "call", "share",
    "provide", "enter", "type", "wait", "hold", "let", "use", "make", "see", "look", "confirm",
    "reply", "restart", "select", "visit", "contact", "add", "follow", "choose", "pick", "read",
    "turn", "update", "reset", "log", "sign", "book", "cancel", "drive", "keep", "put", "take",
];

/// An opening message that is only a name line: short, no question, and
/// shaped like one: "Dave here", "This is Priya", "— Priya, Billing", a
/// template placeholder ("{agent_name}") or a few capitalised words that do
/// not open with an imperative verb ("Priya, Billing"). A short instruction
/// ("Send me the order number.") is no name line.
fn is_name_line(t: &str) -> bool {
    if t.contains('?') {
        return false;
    }
    // Six words are enough to know the line is too long.
    let mut first_six = [""; 6];
    let mut n = 0;
    for (slot, r) in first_six.iter_mut().zip(text::words(t)) {
        *slot = &t[r];
        n += 1;
    }
    if n > 5 {
        return false;
    }
    let words = &first_six[..n];
    let is = |w: &str, lower: &str| w.eq_ignore_ascii_case(lower);
    let trimmed = t.trim_start();
    let signed = trimmed.starts_with(['-', '\u{2014}', '\u{2013}', '~', '^']);
    let placeholder = t.contains(['{', '[', '<', '%']);
    let here = words.iter().any(|w| is(w, "here"));
    let capitalised = |k: usize| {
        words
            .get(k)
            .and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase)
    };
    let intro = match words {
        [a, b, ..] if is(a, "this") && is(b, "is") => true,
        [a, b, ..] if is(a, "my") && is(b, "name") => true,
        [a, b, ..] if is(a, "i") && is(b, "am") => capitalised(2),
        [a, ..] if NAME_INTROS.iter().any(|n| is(a, n)) => capitalised(1),
        _ => false,
    };
    let names_only = !words.is_empty()
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| !c.is_lowercase()))
        && !IMPERATIVES.iter().any(|v| is(words[0], v));
    signed || placeholder || here || intro || names_only
}

/// Forms of "be" that make a following "welcome" mean permission or a reply
/// to thanks ("you're welcome to return them", "guests are most welcome").
const BE_FORMS: &[&str] = &[
    "are",
    "is",
    "be",
    "am",
    "were",
    "was",
    "been",
    "you're",
    "you\u{2019}re",
    "youre",
    "they're",
    "they\u{2019}re",
    "we're",
    "we\u{2019}re",
    "it's",
    "it\u{2019}s",
    "always",
];

/// Whether the greeting word at `at` is "welcome" after a form of "be" in
/// the same clause (at most two words back): not a greeting.
fn is_permission(t: &str, at: usize) -> bool {
    if !t[at..]
        .get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("welcome"))
    {
        return false;
    }
    let clause = t[..at]
        .rfind(['.', '!', '?', ',', ';', ':', '\n'])
        .map_or(0, |p| p + 1);
    let before = &t[clause..at];
    text::words(before)
        .map(|r| before[r].to_ascii_lowercase())
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .take(2)
        .any(|w| BE_FORMS.contains(&w.as_str()))
}

impl Greeting {
    fn greets(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        let sentences = a.sentences(i);
        let end_of = |n: usize| sentences.get(n).or(sentences.last()).map_or(0, |r| r.end) as u32;
        let first_word_start = text::words(t).next().map_or(u32::MAX, |r| r.start as u32);
        a.hits(i).iter().filter(|h| !h.negated).any(|h| {
            (h.list == self.greet && h.start < end_of(1) && !is_permission(t, h.start as usize))
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
        // After a name line, the next agent message too.
        let opening = if is_name_line(a.text(first)) {
            &a.agent[..a.agent.len().min(2)]
        } else {
            &a.agent[..1]
        };
        if opening.iter().any(|&i| self.greets(a, i)) {
            return Verdict::pass();
        }
        let span = a
            .sentences(first)
            .first()
            .map(|r| (r.start as u32, r.end as u32));
        Verdict::fail(finding(
            first,
            span,
            "the agent's first message goes straight to business without a greeting",
        ))
    }
}
