#![doc = crate::rule_doc!("expectation-setting")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrase_list;
use crate::phrases::{parse_list, Hit, ListDef, ListId, Matcher};
use crate::text;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::collections::HashSet;

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

static LISTS: [ListDef; 3] = [
    phrase_list!(
        "expectation-setting.next-step",
        Agent,
        "expectation-setting/next-step.txt"
    ),
    phrase_list!(
        "expectation-setting.not-next-step",
        Agent,
        "expectation-setting/not-next-step.txt",
        negation: false
    ),
    phrase_list!(
        "expectation-setting.duration-unit",
        Agent,
        "expectation-setting/duration-unit.txt",
        negation: false
    ),
];

/// Durations: "in 5 minutes", "within 24 hours", "3-5 business days",
/// "takes a minute", "in the next few minutes", "within minutes". A bare
/// "takes 6 hours" is left out: it describes a trip or a fact more often
/// than a wait ("a flight that takes 6 hours"). Clock
/// times alone ("Dr. Morgan is available at 3 pm") say when something is,
/// not what happens next, so they do not count.
const TIMING: &str = r"(?i)\b(?:(?:in|within|about|around|approximately|approx\.?|up to|under|less than|at least|roughly|another|only|just)\s+(?:a few|a couple(?: of)?|\d+(?:\s*(?:-|to|–)\s*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|sixty|a|an)\s+(?:more\s+)?(?:business\s+|working\s+)?(?:seconds?|secs?|minutes?|mins?|moments?|hours?|hrs?|days?|weeks?|months?)|(?:in|within|over|during)\s+the\s+next\s+(?:few\s+|couple\s+(?:of\s+)?|\d+\s+)?(?:business\s+|working\s+)?(?:seconds?|minutes?|mins?|hours?|days?|weeks?)|(?:takes?|taking)\s+(?:a|an|one|a few|a couple(?: of)?)\s+(?:seconds?|secs?|minutes?|mins?|moments?)|within\s+(?:minutes|hours|days|the\s+hour|the\s+day|the\s+week)|\d+\s*(?:-|to|–)\s*\d+\s+(?:business\s+|working\s+)?(?:seconds|minutes|mins|hours|days|weeks)|\d+\s+(?:minutes?|mins?|hours?|stops?)\s+away)\b";

/// "I'm checking...", "we're looking into it", "I am transferring you": the
/// agent saying what they are doing right now.
const DOING: &str = r"(?i)\b(?:i'm|i’m|im|i am|we're|we’re|we are)\s+(?:now\s+|currently\s+|still\s+|just\s+|already\s+)?([a-z]+ing)\b";

/// Words ending in -ing after "I'm"/"we're" that describe a state or a
/// feeling, not an action taken for the customer.
const NOT_ACTIONS: &[&str] = &[
    "seeing",
    "hearing",
    "feeling",
    "having",
    "wondering",
    "hoping",
    "thinking",
    "guessing",
    "assuming",
    "saying",
    "asking",
    "writing",
    "reaching",
    "being",
    "missing",
    "loving",
    "enjoying",
    "expecting",
    "experiencing",
    "noticing",
    "receiving",
    "getting",
    "talking",
    "speaking",
    "chatting",
    "sorry",
    "willing",
    "waiting",
    "working",
    "living",
    "doing",
    "nothing",
    "something",
    "anything",
    "everything",
];

/// Words ending in -ing that open a sentence without being an action:
/// "Nothing else?", "Morning!", "During the sale...".
const NOT_VERBS: &[&str] = &[
    "nothing",
    "something",
    "anything",
    "everything",
    "morning",
    "evening",
    "during",
    "thing",
    "king",
    "ring",
    "sing",
    "spring",
    "string",
    "bring",
    "being",
    "according",
    "regarding",
    "including",
    "following",
    "pending",
    "wishing",
    "hoping",
    "thanking",
    "greeting",
    "greetings",
    "having",
    "feeling",
    "seeing",
];

/// Openers skipped before a sentence's first word ("Ok, checking now").
const OPENERS: &[&str] = &[
    "ok", "okay", "sure", "great", "perfect", "alright", "right", "thanks", "thank", "you", "thx",
    "ty", "got", "it", "no", "problem", "done", "cool", "lovely", "and", "so", "now", "hmm", "ah",
    "oh",
];

const ATTITUDES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/expectation-setting/attitude.txt"
));

struct ExpectationSetting {
    next_step: ListId,
    not_next_step: ListId,
    /// The units of [`TIMING`]'s durations (see [`ExpectationSetting::may_name_duration`]).
    duration_unit: ListId,
    /// Words after "be" that state a feeling ("I'll be honest").
    attitudes: HashSet<&'static str>,
    timing: Regex,
    /// See [`may_name_duration`].
    duration_words: AhoCorasick,
    doing: Regex,
}

fn build(m: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(ExpectationSetting::new(m))
}

impl ExpectationSetting {
    fn new(m: &Matcher) -> ExpectationSetting {
        ExpectationSetting {
            next_step: m.id("expectation-setting.next-step"),
            not_next_step: m.id("expectation-setting.not-next-step"),
            duration_unit: m.id("expectation-setting.duration-unit"),
            attitudes: parse_list(ATTITUDES).collect(),
            timing: Regex::new(TIMING).expect("timing pattern compiles"),
            duration_words: duration_words(),
            doing: Regex::new(DOING).expect("doing pattern compiles"),
        }
    }
}

/// The words every duration [`TIMING`] matches ends in (a unit: "sec",
/// "min", "moment", "month", "hour", "hr", "day", "week") or says ("stop").
const DURATION_WORDS: [&str; 9] = [
    "sec", "stop", "min", "moment", "month", "hour", "hr", "day", "week",
];

/// A searcher for [`DURATION_WORDS`] in any ASCII case.
fn duration_words() -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(DURATION_WORDS)
        .expect("the duration words compile")
}

/// Whether `t` may match [`TIMING`]: it holds one of `words` (see
/// [`duration_words`]). Under `(?i)` their letters match only their ASCII
/// cases, except `s` (also 'ſ') and `k` (also the Kelvin sign): a text with
/// either goes to the regex. This search is far cheaper than the regex's
/// (and than a byte loop, whose branches the processor cannot predict).
fn may_name_duration(words: &AhoCorasick, t: &str) -> bool {
    // Their UTF-8 lead bytes first: a byte scan is cheaper than decoding.
    (text::has_any_byte(t, b"\xC5\xE2") && t.contains(['\u{17F}', '\u{212A}'])) || words.is_match(t)
}

/// Whether `t` has "ing" in any ASCII case. [`DOING`] needs an "-ing" word
/// (under `(?i)` these letters have no other cases), and so does
/// [`opens_with_action`] (it compares bytes).
fn has_ing(t: &str) -> bool {
    let b = t.as_bytes();
    (2..b.len())
        .any(|i| (b[i] | 0x20) == b'g' && (b[i - 1] | 0x20) == b'n' && (b[i - 2] | 0x20) == b'i')
}

/// Whether `b` ends with "be" in any ASCII case.
fn ends_with_be(b: &[u8]) -> bool {
    b.len() >= 2 && b[b.len() - 2..].eq_ignore_ascii_case(b"be")
}

fn overlaps(a: &Hit, b: &Hit) -> bool {
    a.start < b.end && b.start < a.end
}

/// Whether a sentence opens with an action in progress: "Checking.",
/// "Looking into it", "ok, resetting the OTP for ur number now". The -ing
/// word must be the first word after openers, and the sentence must say
/// "now" or be short (at most four words), so that "Following our policy,
/// refunds take..." does not count. Questions ("Standing orders?") never do.
fn opens_with_action(sentence: &str) -> bool {
    if sentence.trim_end_matches(['.', '!', ' ']).ends_with('?') {
        return false;
    }
    let is = |w: &str, list: &[&str]| list.iter().any(|x| x.eq_ignore_ascii_case(w));
    let mut words = text::words(sentence).map(|r| &sentence[r]);
    let Some(w) = words.by_ref().find(|w| !is(w, OPENERS)) else {
        return false;
    };
    let ends_ing = w.len() > 5 && w.as_bytes()[w.len() - 3..].eq_ignore_ascii_case(b"ing");
    if !ends_ing || is(w, NOT_VERBS) {
        return false;
    }
    // At most three more words, or "now" among the rest.
    let mut rest = 0;
    for w in words {
        if w.eq_ignore_ascii_case("now") {
            return true;
        }
        rest += 1;
    }
    rest <= 3
}

impl ExpectationSetting {
    /// Whether the words from `at` are "(to) be" and an attitude: "I'm
    /// going to| be honest", "You'll be| glad to know", "I'll| be frank".
    fn states_attitude(&self, t: &str, at: usize) -> bool {
        let rest = &t[at..];
        let mut words = text::words(rest).take(3).map(|r| &rest[r]);
        let mut w = words.next();
        if w.is_some_and(|w| w.eq_ignore_ascii_case("to")) {
            w = words.next();
        }
        if w.is_some_and(|w| w.eq_ignore_ascii_case("be")) {
            w = words.next();
        } else if !ends_with_be(&t.as_bytes()[..at]) {
            return false;
        }
        // The list is lowercase.
        w.is_some_and(|w| self.attitudes.contains(w.to_ascii_lowercase().as_str()))
    }

    /// Whether agent message `i` may match [`TIMING`]. Every duration the
    /// pattern matches ends in a unit that follows white space, so it starts
    /// a word, where the shared scan finds it as a `duration-unit` hit: a
    /// message without one is not searched. Two cases go to the word search
    /// of [`may_name_duration`] instead: a unit inside quotes, whose hit the
    /// scan drops, and units spelled with 'ſ' or the Kelvin sign, which the
    /// pattern reads as `s` and `k`.
    fn may_name_duration(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        a.hits_of(i, self.duration_unit).next().is_some()
            || (text::has_any_byte(t, b"\">\xC5\xE2") && may_name_duration(&self.duration_words, t))
    }

    /// Whether agent message `i` tells the customer what happens next or
    /// how long it takes.
    fn sets_expectation(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        let hits = a.hits(i);
        let announced = hits.iter().any(|h| {
            h.list == self.next_step
                && !h.negated
                && !hits
                    .iter()
                    .any(|o| o.list == self.not_next_step && overlaps(h, o))
                && !self.states_attitude(t, h.end as usize)
        });
        let ing = has_ing(t);
        announced
            || (self.may_name_duration(a, i) && self.timing.is_match(t))
            || (ing
                && self.doing.captures_iter(t).any(|c| {
                    let verb = c.get(1).expect("DOING has one group");
                    let is = |word: &str| verb.as_str().eq_ignore_ascii_case(word);
                    let attitude = is("going") && self.states_attitude(t, verb.end());
                    !(NOT_ACTIONS.iter().any(|n| is(n)) || attitude)
                }))
            || (ing
                && a.sentences(i)
                    .iter()
                    .any(|s| opens_with_action(&t[s.clone()])))
    }
}

impl Rule for ExpectationSetting {
    fn check(&self, a: &Analysis) -> Verdict {
        let after = a.agent_after_customer();
        let Some(&first) = after.first() else {
            return Verdict::na();
        };
        if after.iter().any(|&i| self.sets_expectation(a, i)) {
            return Verdict::pass();
        }
        Verdict::fail(finding(
            first,
            None,
            "no agent message tells the customer what happens next or how long it will take",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Conversation, Message, Role};
    use crate::rules::Outcome;

    /// The outcome of this rule on a chat of `(role, text)` messages.
    fn outcome(chat: &[(Role, &str)]) -> Outcome {
        crate::rules::testing::outcome(&ENTRY, chat)
    }

    use Role::{Agent as A, Customer as C};

    /// The characters that match, under `(?i)`, a letter of the words the
    /// byte pre-checks look for: their ASCII cases, and 'ſ' and the Kelvin
    /// sign. The pre-checks rely on this.
    #[test]
    fn case_folds_of_precheck_letters() {
        assert_eq!(
            crate::rules::testing::non_ascii_case_folds("secminothurdaywkpg"),
            ['\u{17F}', '\u{212A}']
        );
    }

    #[test]
    fn prechecks_accept_what_the_regexes_match() {
        let timing = Regex::new(TIMING).unwrap();
        let doing = Regex::new(DOING).unwrap();
        let words = duration_words();
        for t in [
            "in 5 MINUTES",
            "within the hour",
            "3-5 business days",
            "takes a moment",
            "2 stops away",
            "in 2 HRS",
            "another 2 weeks",
            "in a month",
            "I'M CHECKING",
            "we\u{2019}re looking",
            "in 5 \u{17F}ecs",
        ] {
            assert!(timing.is_match(t) || doing.is_match(t), "{t}");
            assert!(!timing.is_match(t) || may_name_duration(&words, t), "{t}");
            assert!(!doing.is_match(t) || has_ing(t), "{t}");
        }
        assert!(!may_name_duration(&words, "Please keep the receipt."));
        assert!(!has_ing("Done. Please keep the receipt. In G"));
        assert!(has_ing("CHECKING") && has_ing("ing"));
    }

    /// A duration of one of [`TIMING`]'s shapes, with varied white space,
    /// letter case and spellings of `s` and `k`, maybe quoted, between
    /// other words.
    fn duration_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let space = select(vec![" ", "  ", "\t", "\u{a0}", "\n"]);
        let lead = select(vec![
            "in",
            "within",
            "about",
            "up to",
            "less than",
            "another",
            "takes",
            "in the next",
            "within the",
            "",
        ]);
        let amount = select(vec![
            "5",
            "a few",
            "a couple of",
            "one",
            "a",
            "an",
            "3-5",
            "10 to 15",
        ]);
        let unit = select(vec![
            "seconds",
            "sec",
            "minutes",
            "mins",
            "moment",
            "hours",
            "hrs",
            "hr",
            "days",
            "day",
            "weeks",
            "months",
            "hour",
            "stops away",
            "minutes away",
        ]);
        let quote = select(vec![
            ("", ""),
            ("\"", "\""),
            ("\u{201C}", "\u{201D}"),
            ("> ", ""),
        ]);
        let words = select(vec!["ok", "Your order arrives", "thanks.", ""]);
        (
            words.clone(),
            lead,
            space.clone(),
            amount,
            space,
            unit,
            any::<u8>(),
            quote,
            words,
        )
            .prop_map(
                |(before, lead, s1, amount, s2, unit, case, (open, close), after)| {
                    let unit: String = unit
                        .chars()
                        .map(|c| match (c, case % 4) {
                            ('s', 1) => '\u{17F}',
                            ('k', 1) => '\u{212A}',
                            (c, 2) => c.to_ascii_uppercase(),
                            (c, _) => c,
                        })
                        .collect();
                    let duration = [lead, s1, amount, s2, unit.as_str()].concat();
                    format!("{before} {open}{duration}{close} {after}")
                },
            )
    }

    proptest::proptest! {
        #[test]
        fn messages_the_duration_pattern_matches_pass_the_pretest(t in duration_text()) {
            let (matcher, rule) = rule();
            let mut conv = Conversation::new("t");
            conv.messages.push(Message {
                role: A,
                author: None,
                name: None,
                text: t.as_str().into(),
                ts: None,
                event: None,
                internal: false,
            });
            let a = Analysis::new(&conv, matcher);
            proptest::prop_assert!(!rule.timing.is_match(&t) || rule.may_name_duration(&a, 0), "{t:?}");
        }
    }

    /// The rule and the matcher of every list, built once.
    fn rule() -> &'static (Matcher, ExpectationSetting) {
        static RULE: std::sync::OnceLock<(Matcher, ExpectationSetting)> =
            std::sync::OnceLock::new();
        RULE.get_or_init(|| {
            let matcher = Matcher::new(&crate::rules::all_lists());
            let rule = ExpectationSetting::new(&matcher);
            (matcher, rule)
        })
    }

    #[test]
    fn doc_examples() {
        let ask = "can you refund my order?";
        assert_eq!(
            outcome(&[(C, ask), (A, "Done. Please keep the receipt.")]),
            Outcome::Fail
        );
        assert_eq!(
            outcome(&[
                (C, ask),
                (
                    A,
                    "Done! The refund will reach your card within 3-5 business days."
                )
            ]),
            Outcome::Pass
        );
    }

    #[test]
    fn announcements_pass() {
        for text in [
            "Let me check, one moment.",
            "I'll transfer you to billing.",
            "We're investigating and will update our status page.",
            "Checking.",
            "ok, resetting the code for your number now",
            "you'll get an email in the next few minutes",
            "Your driver is 5 minutes away.",
            "Please submit a request here and we will assist.",
            "I'm going to transfer you to billing.",
            "I'll be right back with your tracking number.",
        ] {
            assert_eq!(outcome(&[(C, "hi"), (A, text)]), Outcome::Pass, "{text}");
        }
    }

    #[test]
    fn instructions_times_and_offers_fail() {
        for text in [
            "Please bring a proof of income and your passport.",
            "Dr. Morgan is available at 3 pm. Can I book it?",
            "It will be Sunny all day on Tuesday in Detroit.",
            "You can check the article here.",
            "I'll be happy to help! Let me know if you need anything.",
            "Standing orders?",
            "A snail takes 33 hours to crawl one mile",
            "I'm going to be honest, that model has no warranty left.",
            "You'll be glad to know it has two USB-C ports.",
            "I'll be frank: the blue one is nicer.",
        ] {
            assert_eq!(outcome(&[(C, "hi"), (A, text)]), Outcome::Fail, "{text}");
        }
    }
}
