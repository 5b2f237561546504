//! The default `score` output: one readable row per conversation, then a summary.

use super::terminal::{fit, pad, sanitize, Style};
use super::Renderer;
use crate::ingest::Place;
use crate::model::Conversation;
use crate::rules::{Outcome, REGISTRY};
use crate::score::Scorecard;
use crate::summary::Summary;
use std::io::Write;

const ID_W: usize = 22;
const AGENT_W: usize = 18;
const TEAM_W: usize = 12;

pub struct TableRenderer {
    pub style: Style,
}

impl Renderer for TableRenderer {
    fn begin(&self, out: &mut Vec<u8>) {
        let head = format!(
            "{} {} {} {:>5}  {:<6}  {}",
            pad("CONVERSATION", ID_W),
            pad("AGENT", AGENT_W),
            pad("TEAM", TEAM_W),
            "SCORE",
            "RESULT",
            "FAILED RULES"
        );
        let _ = writeln!(out, "{}", self.style.bold(&head));
    }

    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        let cell = |s: Option<&str>, w: usize| pad(&fit(&sanitize(s.unwrap_or("-")), w), w);
        let result = if card.auto_failed {
            self.style.red("FAIL! ")
        } else if card.passed {
            self.style.green("pass  ")
        } else {
            self.style.red("fail  ")
        };
        let failed: Vec<&str> = card
            .rules
            .iter()
            .filter(|r| r.outcome == Outcome::Fail)
            .map(|r| r.id())
            .collect();
        let _ = writeln!(
            out,
            "{} {} {} {:>5.1}  {}  {}",
            cell(Some(card.id), ID_W),
            cell(card.agent, AGENT_W),
            cell(card.team, TEAM_W),
            card.score,
            result,
            if failed.is_empty() {
                "-".to_string()
            } else {
                failed.join(", ")
            }
        );
    }

    fn end(&self, s: &Summary, out: &mut Vec<u8>) {
        let _ = writeln!(out);
        if s.scored == 0 {
            let _ = writeln!(out, "No conversations scored.");
            return;
        }
        let pct = |n: usize, d: usize| {
            if d == 0 {
                0.0
            } else {
                n as f64 * 100.0 / d as f64
            }
        };
        let _ = writeln!(
            out,
            "{} conversations scored: {} passed ({:.1}%), mean score {:.1}, lowest {:.1}{}",
            s.scored,
            s.passed,
            pct(s.passed, s.scored),
            s.mean_score().unwrap_or(0.0),
            s.lowest.unwrap_or(0.0),
            if s.skipped > 0 {
                format!("; {} skipped", s.skipped)
            } else {
                String::new()
            }
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            self.style.bold(&format!(
                "{:<22} {:>6} {:>6} {:>6}  {:>9}",
                "RULE", "PASS", "FAIL", "N/A", "PASS RATE"
            ))
        );
        for (i, t) in s.rules.iter().enumerate() {
            if t.pass + t.fail + t.na == 0 {
                continue;
            }
            let rate = if t.pass + t.fail == 0 {
                "-".to_string()
            } else {
                format!("{:.1}%", pct(t.pass, t.pass + t.fail))
            };
            let _ = writeln!(
                out,
                "{:<22} {:>6} {:>6} {:>6}  {:>9}",
                REGISTRY[i].meta.id, t.pass, t.fail, t.na, rate
            );
        }
    }
}
