//! The rules: each checks one aspect of a conversation and gives `pass`,
//! `fail` or `na`, with findings that point at the messages behind a fail.
//!
//! One file per rule. Each rule's documentation and phrase lists are data
//! under `rules/<id>/`, embedded at build time. Rules never print and never
//! score: a verdict is a fact, scoring is policy (see `score`).

use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrases::{ListDef, Matcher};
use serde::Serialize;
use std::borrow::Cow;

mod closing;
mod empathy;
mod expectation_setting;
mod further_help;
mod greeting;
mod im_shorthand;
mod probing;
mod repeated_info;
pub use repeated_info::untriggered_asks;
mod response_gap;
pub use response_gap::WaitNote;
mod review_request;
mod shouting;

/// A rule's verdict on one conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Na,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Na => "na",
        }
    }
}

/// How serious a failed rule is, for `check --fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Why a rule failed: a message and, where known, the words in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Index of the message in the conversation.
    pub message: usize,
    /// Byte range of the words in the message text.
    pub span: Option<(usize, usize)>,
    /// What is wrong, in a sentence.
    pub note: Note,
}

/// What is wrong, in a sentence.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// Text: most notes are fixed text, borrowed.
    Text(Cow<'static, str>),
    /// A customer's wait over the limit, kept as numbers: written out only
    /// where it is shown.
    Wait(WaitNote),
}

impl Note {
    /// The note's text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Note::Text(text) => Cow::Borrowed(text),
            Note::Wait(wait) => {
                // Straight into one buffer, not through the formatting machinery.
                let mut text = Vec::with_capacity(96);
                wait.push_to(&mut text);
                Cow::Owned(String::from_utf8(text).expect("a wait note is ASCII"))
            }
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Note::Text(text) => f.write_str(text),
            Note::Wait(wait) => wait.fmt(f),
        }
    }
}

impl From<&'static str> for Note {
    fn from(text: &'static str) -> Note {
        Note::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Note {
    fn from(text: String) -> Note {
        Note::Text(Cow::Owned(text))
    }
}

impl From<WaitNote> for Note {
    fn from(wait: WaitNote) -> Note {
        Note::Wait(wait)
    }
}

/// A rule's outcome with its findings (never empty for a fail).
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn pass() -> Verdict {
        Verdict {
            outcome: Outcome::Pass,
            findings: Vec::new(),
        }
    }
    pub fn na() -> Verdict {
        Verdict {
            outcome: Outcome::Na,
            findings: Vec::new(),
        }
    }
    pub fn fail(finding: Finding) -> Verdict {
        Verdict {
            outcome: Outcome::Fail,
            findings: vec![finding],
        }
    }
    pub fn fail_all(findings: Vec<Finding>) -> Verdict {
        debug_assert!(!findings.is_empty());
        Verdict {
            outcome: Outcome::Fail,
            findings,
        }
    }
}

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// What to do instead, shown under each finding.
    pub help: &'static str,
    /// The rule's documentation (Markdown, `rules/<id>/doc.md`).
    pub doc: &'static str,
    /// The phrase lists it reads.
    pub lists: &'static [ListDef],
}

/// A rule, ready to check conversations.
pub trait Rule: Send + Sync {
    fn check(&self, a: &Analysis) -> Verdict;
}

/// How to build a rule once the phrase lists are compiled.
pub struct RuleEntry {
    pub meta: RuleMeta,
    pub build: fn(&Matcher, &Settings) -> Box<dyn Rule>,
}

/// Every built-in rule, in report order.
pub static REGISTRY: [&RuleEntry; 11] = [
    &greeting::ENTRY,
    &empathy::ENTRY,
    &probing::ENTRY,
    &expectation_setting::ENTRY,
    &shouting::ENTRY,
    &im_shorthand::ENTRY,
    &response_gap::ENTRY,
    &review_request::ENTRY,
    &repeated_info::ENTRY,
    &closing::ENTRY,
    &further_help::ENTRY,
];

/// Looks up a rule by id.
pub fn entry(id: &str) -> Option<(usize, &'static RuleEntry)> {
    REGISTRY
        .iter()
        .enumerate()
        .find(|(_, e)| e.meta.id == id)
        .map(|(i, e)| (i, *e))
}

/// The phrase lists of every rule, in registry order.
pub fn all_lists() -> Vec<&'static ListDef> {
    REGISTRY.iter().flat_map(|e| e.meta.lists.iter()).collect()
}

/// The enabled rules with their compiled phrase lists.
pub struct RuleSet {
    pub matcher: Matcher,
    /// Registry index and rule, for each enabled rule.
    rules: Vec<(usize, Box<dyn Rule>)>,
}

impl RuleSet {
    /// Compiles the phrase lists of every rule and builds the enabled ones.
    pub fn new(settings: &Settings) -> RuleSet {
        let matcher = Matcher::new(&all_lists());
        let rules = REGISTRY
            .iter()
            .enumerate()
            .filter(|(i, _)| settings.rules[*i].enabled)
            .map(|(i, e)| (i, (e.build)(&matcher, settings)))
            .collect();
        RuleSet { matcher, rules }
    }

    /// Runs every enabled rule: `(registry index, verdict)` in registry order.
    pub fn check(&self, a: &Analysis) -> Vec<(usize, Verdict)> {
        self.rules.iter().map(|(i, r)| (*i, r.check(a))).collect()
    }
}

/// Shorthand for a finding on a message, optionally with a span.
pub fn finding(message: usize, span: Option<(u32, u32)>, note: impl Into<Note>) -> Finding {
    Finding {
        message,
        span: span.map(|(s, e)| (s as usize, e as usize)),
        note: note.into(),
    }
}

/// Declares a phrase list file under `rules/`. Its hits are marked
/// negated when a negation word stands before them; with `negation: false`
/// (for a list whose rule never reads [`Hit::negated`](crate::phrases::Hit))
/// the scan does not look.
#[macro_export]
macro_rules! phrase_list {
    ($name:literal, $scope:ident, $path:literal) => {
        $crate::phrase_list!($name, $scope, $path, negation: true)
    };
    ($name:literal, $scope:ident, $path:literal, negation: $negation:literal) => {
        $crate::phrases::ListDef {
            name: $name,
            scope: $crate::phrases::Scope::$scope,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $path)),
            negation: $negation,
        }
    };
}

/// Embeds a rule's documentation from `rules/<id>/doc.md`.
#[macro_export]
macro_rules! rule_doc {
    ($id:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/",
            $id,
            "/doc.md"
        ))
    };
}

/// Test support: run one rule on a small chat.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Outcome, RuleEntry};
    use crate::analysis::Analysis;
    use crate::config::Settings;
    use crate::model::{Conversation, Message, Role};
    use crate::phrases::Matcher;

    /// The outcome of `entry`'s rule on a chat of `(role, text)` messages.
    pub fn outcome(entry: &RuleEntry, chat: &[(Role, &str)]) -> Outcome {
        let matcher = Matcher::new(&super::all_lists());
        let rule = (entry.build)(&matcher, &Settings::defaults());
        let mut conv = Conversation::new("t");
        for &(role, text) in chat {
            conv.messages.push(Message {
                role,
                author: None,
                name: None,
                text: text.into(),
                ts: None,
                event: None,
                internal: false,
            });
        }
        rule.check(&Analysis::new(&conv, &matcher)).outcome
    }

    /// The non-ASCII characters that the regex class `class` matches under
    /// `(?i)`. For a class of ASCII letters these are 'ſ' (for `s`) and the
    /// Kelvin sign (for `k`) at most: byte pre-checks that compare ASCII
    /// letters rely on it, and test it with this.
    pub fn non_ascii_case_folds(class: &str) -> Vec<char> {
        let letters = regex::Regex::new(&format!("(?i)^[{class}]$")).unwrap();
        let mut buf = [0; 4];
        (char::MIN..=char::MAX)
            .filter(|c| !c.is_ascii() && letters.is_match(c.encode_utf8(&mut buf)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analysis;
    use crate::ingest::native::{self, RecordStart};
    use std::path::Path;

    /// Every line of the demo export and of the rules' fixtures, with where
    /// it is.
    fn fixture_lines() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = vec![root.join("demo/chats.jsonl")];
        for rule in REGISTRY {
            for outcome in ["pass", "fail", "na"] {
                files.push(root.join(format!("rules/{}/{outcome}.jsonl", rule.meta.id)));
            }
        }
        let mut lines = Vec::new();
        for file in files.iter().filter(|f| f.exists()) {
            let text = std::fs::read_to_string(file).expect("readable fixture");
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
                lines.push((format!("{}:{}", file.display(), n + 1), line.to_string()));
            }
        }
        lines
    }

    /// The lists declared with `negation: false` are lists whose negation no
    /// rule reads: on every fixture, every rule gives the same verdict when
    /// the scan looks for a negation before the hits of every list.
    #[test]
    fn no_rule_reads_the_negation_of_a_list_that_skips_it() {
        let defs = all_lists();
        let everywhere: Vec<ListDef> = (defs.iter())
            .map(|def| ListDef {
                negation: true,
                ..**def
            })
            .collect();
        let skipping = Matcher::new(&defs);
        let everywhere = Matcher::new(&everywhere.iter().collect::<Vec<_>>());
        let settings = Settings::defaults();
        let rules = |m: &Matcher| -> Vec<Box<dyn Rule>> {
            REGISTRY.iter().map(|e| (e.build)(m, &settings)).collect()
        };
        let (with_skips, without) = (rules(&skipping), rules(&everywhere));
        let lines = fixture_lines();
        assert!(lines.len() > 200, "only {} fixture lines", lines.len());
        // Negated hits of each list that skips them: there must be some, or
        // this test would prove nothing about that list.
        let mut negated: Vec<usize> = vec![0; defs.len()];
        for (place, line) in &lines {
            let at = RecordStart { line: 1, column: 1 };
            let conv = native::parse(line.as_bytes(), place, at).expect("fixtures parse");
            // The chat as it is, and with "not" before every hit of a list
            // that skips negation.
            let mut negative = conv.clone();
            let b = Analysis::new(&conv, &everywhere);
            for (i, m) in negative.messages.iter_mut().enumerate() {
                let starts: std::collections::BTreeSet<usize> = (b.hits(i).iter())
                    .filter(|h| !defs[usize::from(h.list.0)].negation)
                    .map(|h| h.start as usize)
                    .collect();
                let mut text = m.text.to_string();
                for &start in starts.iter().rev() {
                    text.insert_str(start, "not ");
                }
                m.text = text.into();
            }
            for conv in [&conv, &negative] {
                let (a, b) = (
                    Analysis::new(conv, &skipping),
                    Analysis::new(conv, &everywhere),
                );
                for i in 0..conv.messages.len() {
                    for h in b.hits(i).iter().filter(|h| h.negated) {
                        negated[usize::from(h.list.0)] += 1;
                    }
                }
                for (entry, (x, y)) in REGISTRY.iter().zip(with_skips.iter().zip(&without)) {
                    assert_eq!(x.check(&a), y.check(&b), "{} on {place}", entry.meta.id);
                }
            }
        }
        for (def, n) in defs.iter().zip(&negated).filter(|(d, _)| !d.negation) {
            assert!(*n > 0, "no negated hit of {} to test with", def.name);
        }
    }
}
