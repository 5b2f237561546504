#![doc = crate::rule_doc!("repeated-info")]

use super::{finding, Finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrases::Matcher;
use crate::text;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "repeated-info",
        summary: "The agent never asks again for information the customer already gave",
        help: "read back through the chat (and the bot's hand-off) before asking; confirm what you have instead",
        doc: crate::rule_doc!("repeated-info"),
        lists: &[],
    },
    build,
};

const KINDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/repeated-info/kinds.toml"
));

/// Sentences that request something without a question mark.
const REQUEST: &str = r"(?i)\b(please|kindly|could you|can you|would you|may i|can i|let me know|tell me|provide|confirm|need (your|the)|what|which|where|when)\b";

#[derive(Deserialize)]
struct KindsFile {
    kind: Vec<KindDef>,
}

#[derive(Deserialize)]
struct KindDef {
    name: String,
    asks: Vec<String>,
    gives: Vec<String>,
}

/// A kind of information, compiled.
struct Kind {
    name: String,
    asks: Regex,
    gives: Regex,
}

struct RepeatedInfo {
    kinds: Vec<Kind>,
    request: Regex,
}

fn alternation(patterns: &[String], case_insensitive: bool) -> Regex {
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&joined)
        .case_insensitive(case_insensitive)
        .multi_line(true)
        .build()
        .unwrap_or_else(|e| panic!("rules/repeated-info/kinds.toml: {e}"))
}

fn build(_: &Matcher, _: &Settings) -> Box<dyn Rule> {
    let file: KindsFile = toml::from_str(KINDS).expect("rules/repeated-info/kinds.toml is valid");
    let kinds = file
        .kind
        .into_iter()
        .map(|k| Kind {
            asks: alternation(&k.asks, true),
            gives: alternation(&k.gives, false),
            name: k.name,
        })
        .collect();
    Box::new(RepeatedInfo {
        kinds,
        request: Regex::new(REQUEST).expect("request pattern compiles"),
    })
}

impl Rule for RepeatedInfo {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent_after_customer().is_empty() {
            return Verdict::na();
        }
        let mut findings: Vec<Finding> = Vec::new();
        for &i in a.agent_after_customer() {
            let t = a.text(i);
            for sentence in text::sentences(t) {
                let s = &t[sentence.clone()];
                if !(s.ends_with('?') || self.request.is_match(s)) {
                    continue;
                }
                for kind in &self.kinds {
                    let Some(ask) = kind.asks.find(s) else {
                        continue;
                    };
                    // A question that contains the value is a confirmation.
                    if kind.gives.is_match(s) {
                        continue;
                    }
                    let given = a
                        .customer
                        .iter()
                        .take_while(|&&c| c < i)
                        .find(|&&c| kind.gives.is_match(a.text(c)));
                    if let Some(&given) = given {
                        if findings.iter().any(|f| f.message == i) {
                            continue;
                        }
                        let span = (
                            (sentence.start + ask.start()) as u32,
                            (sentence.start + ask.end()) as u32,
                        );
                        findings.push(finding(
                            i,
                            Some(span),
                            format!(
                                "asks for the {} that the customer already gave in message {given}",
                                kind.name
                            ),
                        ));
                    }
                }
            }
        }
        if findings.is_empty() {
            Verdict::pass()
        } else {
            Verdict::fail_all(findings)
        }
    }
}
