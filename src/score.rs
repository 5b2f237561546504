//! Scoring policy: turns the rules' verdicts into a scorecard with a score,
//! using the weights, critical rules and pass mark from the settings.

use crate::analysis::Metrics;
use crate::config::Settings;
use crate::model::Conversation;
use crate::rules::{Finding, Outcome, Severity, Verdict, REGISTRY};
use crate::text;
use crate::timestamp;
use std::borrow::Cow;

/// One rule's result in a scorecard.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// Index into [`REGISTRY`].
    pub rule: usize,
    pub outcome: Outcome,
    pub severity: Severity,
    /// The rule's findings, moved from its verdict; a span that does not
    /// fit its message's text is dropped.
    pub findings: Vec<Finding>,
}

impl RuleResult {
    pub fn id(&self) -> &'static str {
        REGISTRY[self.rule].meta.id
    }
}

/// Everything chatlint says about one conversation, borrowing its texts
/// from the conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Scorecard<'c> {
    pub id: &'c str,
    pub agent: Option<&'c str>,
    pub team: Option<&'c str>,
    /// ISO week of the conversation's start (`2026-W46`).
    pub week: Option<timestamp::Week>,
    /// 0 to 100, one decimal.
    pub score: f64,
    pub passed: bool,
    /// A critical rule failed, which sets the score to 0.
    pub auto_failed: bool,
    /// The enabled rules, in registry order.
    pub rules: Vec<RuleResult>,
    /// The excerpt of each finding, rule after rule (see
    /// [`Scorecard::rules_with_excerpts`]): the flagged words, or the start
    /// of the message when no words are flagged. Borrowed from the
    /// conversation where the text needs no change.
    pub excerpts: Vec<Cow<'c, str>>,
    pub metrics: Metrics,
}

impl Scorecard<'_> {
    /// Each rule's result with the excerpts of its findings.
    pub fn rules_with_excerpts(&self) -> impl Iterator<Item = (&RuleResult, &[Cow<'_, str>])> {
        let mut rest = self.excerpts.as_slice();
        self.rules.iter().map(move |r| {
            let (excerpts, after) = rest.split_at(r.findings.len());
            rest = after;
            (r, excerpts)
        })
    }
}

/// How long an excerpt of a message may be when no words are flagged.
const EXCERPT_CHARS: usize = 80;

/// Builds the scorecard of a conversation from its verdicts.
pub fn scorecard<'c>(
    conv: &'c Conversation,
    verdicts: Vec<(usize, Verdict)>,
    metrics: Metrics,
    settings: &Settings,
) -> Scorecard<'c> {
    let mut earned = 0.0;
    let mut possible = 0.0;
    let mut auto_failed = false;
    let mut excerpts = Vec::with_capacity(verdicts.iter().map(|(_, v)| v.findings.len()).sum());
    let rules = verdicts
        .into_iter()
        .map(|(rule, mut verdict)| {
            let policy = &settings.rules[rule];
            match verdict.outcome {
                Outcome::Pass => {
                    earned += policy.weight;
                    possible += policy.weight;
                }
                Outcome::Fail => {
                    possible += policy.weight;
                    auto_failed |= policy.critical;
                }
                Outcome::Na => {}
            }
            for f in &mut verdict.findings {
                excerpts.push(excerpt(conv, f));
            }
            RuleResult {
                rule,
                outcome: verdict.outcome,
                severity: policy.severity,
                findings: verdict.findings,
            }
        })
        .collect();
    let score = if auto_failed {
        0.0
    } else if possible > 0.0 {
        (earned / possible * 1000.0).round() / 10.0
    } else {
        100.0
    };
    Scorecard {
        id: &conv.id,
        agent: conv.primary_agent(),
        team: conv.team.as_deref(),
        week: conv.start_time().and_then(timestamp::iso_week),
        score,
        passed: !auto_failed && score >= settings.pass_mark,
        auto_failed,
        rules,
        excerpts,
        metrics,
    }
}

/// The excerpt of a finding: its words, or the start of its message when
/// no words are flagged. Drops a span that does not fit the message's text.
fn excerpt<'c>(conv: &'c Conversation, f: &mut Finding) -> Cow<'c, str> {
    let text = conv.messages.get(f.message).map_or("", |m| &m.text);
    f.span = f.span.filter(|&(s, e)| {
        s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)
    });
    match f.span {
        Some((s, e)) => Cow::Borrowed(&text[s..e]),
        None => text::shorten(text, EXCERPT_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(outcomes: &[(usize, Outcome)]) -> Vec<(usize, Verdict)> {
        outcomes
            .iter()
            .map(|&(i, o)| {
                let findings = if o == Outcome::Fail {
                    vec![Finding {
                        message: 0,
                        span: Some((0, 2)),
                        note: "n".into(),
                    }]
                } else {
                    vec![]
                };
                (
                    i,
                    Verdict {
                        outcome: o,
                        findings,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn weights_na_and_critical() {
        let conv = Conversation::new("c");
        let mut s = Settings::defaults();
        // greeting (10) pass, empathy (15) fail, probing (10) na
        let card = scorecard(
            &conv,
            verdicts(&[(0, Outcome::Pass), (1, Outcome::Fail), (2, Outcome::Na)]),
            Metrics::default(),
            &s,
        );
        assert_eq!(card.score, 40.0);
        assert!(!card.passed && !card.auto_failed);
        // na leaves the denominator: same as if the rule were off
        let card2 = scorecard(
            &conv,
            verdicts(&[(0, Outcome::Pass), (1, Outcome::Fail)]),
            Metrics::default(),
            &s,
        );
        assert_eq!(card.score, card2.score);
        s.rules[1].critical = true;
        let card = scorecard(
            &conv,
            verdicts(&[(0, Outcome::Pass), (1, Outcome::Fail)]),
            Metrics::default(),
            &s,
        );
        assert_eq!(
            (card.score, card.auto_failed, card.passed),
            (0.0, true, false)
        );
        let card = scorecard(&conv, verdicts(&[(2, Outcome::Na)]), Metrics::default(), &s);
        assert_eq!((card.score, card.passed), (100.0, true));
    }
}
