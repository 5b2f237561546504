//! Aggregates over a run: how many conversations were read, scored and
//! skipped, how they scored, and how each rule fared.

use crate::rules::{Outcome, Severity, REGISTRY};
use crate::score::Scorecard;

/// The little of a scorecard the summary needs (kept after the card is rendered).
#[derive(Clone, Debug)]
pub struct Digest {
    pub score: f64,
    pub passed: bool,
    /// `(outcome, number of findings, severity)` of each enabled rule, by
    /// registry index (an array, not a vector: one less allocation a chat).
    pub rules: [Option<(Outcome, usize, Severity)>; REGISTRY.len()],
}

impl Digest {
    pub fn of(card: &Scorecard) -> Digest {
        let mut rules = [None; REGISTRY.len()];
        for r in &card.rules {
            rules[r.rule] = Some((r.outcome, r.findings.len(), r.severity));
        }
        Digest {
            score: card.score,
            passed: card.passed,
            rules,
        }
    }
}

/// Counts for one rule over the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleTally {
    pub pass: usize,
    pub fail: usize,
    pub na: usize,
    pub findings: usize,
}

/// Totals over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Conversations read (scored + skipped).
    pub read: usize,
    pub scored: usize,
    pub skipped: usize,
    /// Inputs that could not be read, wholly or in part.
    pub input_problems: usize,
    pub passed: usize,
    pub score_sum: f64,
    pub lowest: Option<f64>,
    /// Indexed like [`REGISTRY`].
    pub rules: Vec<RuleTally>,
    pub errors: usize,
    pub warnings: usize,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            read: 0,
            scored: 0,
            skipped: 0,
            input_problems: 0,
            passed: 0,
            score_sum: 0.0,
            lowest: None,
            rules: vec![RuleTally::default(); REGISTRY.len()],
            errors: 0,
            warnings: 0,
        }
    }
}

impl Summary {
    /// Counts one scored conversation.
    pub fn add(&mut self, d: &Digest) {
        self.read += 1;
        self.scored += 1;
        self.passed += usize::from(d.passed);
        self.score_sum += d.score;
        self.lowest = Some(self.lowest.map_or(d.score, |l| l.min(d.score)));
        for (rule, r) in d.rules.iter().enumerate() {
            let Some((outcome, findings, severity)) = *r else {
                continue;
            };
            let t = &mut self.rules[rule];
            match outcome {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::Na => t.na += 1,
            }
            t.findings += findings;
            match severity {
                Severity::Error => self.errors += findings,
                Severity::Warning => self.warnings += findings,
            }
        }
    }

    /// Counts one skipped conversation.
    pub fn skip(&mut self) {
        self.read += 1;
        self.skipped += 1;
    }

    /// Mean score of the scored conversations.
    pub fn mean_score(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.score_sum / self.scored as f64)
    }

    /// The accounting line printed last on stderr.
    pub fn accounting_line(&self) -> String {
        let mut s = format!(
            "chatlint: {} conversation{} read, {} scored, {} skipped",
            self.read,
            if self.read == 1 { "" } else { "s" },
            self.scored,
            self.skipped
        );
        if self.input_problems > 0 {
            s.push_str(&format!(
                "; {} input problem{} (see above)",
                self.input_problems,
                if self.input_problems == 1 { "" } else { "s" }
            ));
        }
        s
    }
}
