//! `check`: one diagnostic per finding, like a compiler's, with the message
//! text and the offending words underlined, and a help line.

use super::terminal::{fit, sanitize, width, Painted, Style};
use super::{CheckFormat, Renderer};
use crate::ingest::Place;
use crate::model::Conversation;
use crate::rules::{Outcome, Severity, REGISTRY};
use crate::score::{ReportedFinding, RuleResult, Scorecard};
use crate::summary::Summary;
use crate::timestamp;
use std::io::Write;

/// Widest excerpt of a message line shown.
const LINE_WIDTH: usize = 100;

pub struct CheckRenderer {
    pub style: Style,
    pub format: CheckFormat,
}

impl CheckRenderer {
    fn severity(&self, s: Severity) -> Painted<'static> {
        match s {
            Severity::Error => self.style.red("error"),
            Severity::Warning => self.style.yellow("warning"),
        }
    }

    fn full(
        &self,
        card: &Scorecard,
        conv: &Conversation,
        source: &str,
        r: &RuleResult,
        f: &ReportedFinding,
        out: &mut Vec<u8>,
    ) {
        let meta = &REGISTRY[r.rule].meta;
        let _ = writeln!(
            out,
            "{}{} {}",
            self.severity(r.severity),
            self.style.bold(&format!("[{}]:", meta.id)),
            self.style.bold(&sanitize(&f.note))
        );
        let msg = conv.messages.get(f.message);
        let _ = write!(
            out,
            "{} {} conversation {} message {}",
            self.style.blue(" -->"),
            sanitize(source),
            sanitize(card.id),
            f.message
        );
        if let Some(m) = msg {
            let _ = write!(out, " ({}", m.role.as_str());
            if let Some(who) = m.name.as_deref().or(m.author.as_deref()) {
                let _ = write!(out, " {}", sanitize(who));
            }
            if let Some(ts) = m.ts {
                let _ = write!(out, ", {}", timestamp::format(ts));
            }
            out.push(b')');
        }
        out.push(b'\n');
        let gutter = self.style.blue("  |");
        if let Some(m) = msg {
            let (line, under) = excerpt_line(&m.text, f.start.zip(f.end));
            let _ = writeln!(out, "{gutter}");
            let _ = writeln!(out, "{gutter} {line}");
            if let Some((col, len)) = under {
                let marks = format!("{}{}", " ".repeat(col), "^".repeat(len.max(1)));
                let colored = match r.severity {
                    Severity::Error => self.style.red(&marks),
                    Severity::Warning => self.style.yellow(&marks),
                };
                let _ = writeln!(out, "{gutter} {colored}");
            }
        }
        let _ = writeln!(
            out,
            "{} {} {}\n",
            self.style.blue("  ="),
            self.style.bold("help:"),
            meta.help
        );
    }

    fn concise(
        &self,
        card: &Scorecard,
        source: &str,
        r: &RuleResult,
        f: &ReportedFinding,
        out: &mut Vec<u8>,
    ) {
        let _ = writeln!(
            out,
            "{}: {}#{} {}[{}]: {}",
            sanitize(source),
            sanitize(card.id),
            f.message,
            self.severity(r.severity),
            r.id(),
            sanitize(&f.note)
        );
    }
}

/// The line of `text` holding the span (or its first line), cut to fit,
/// with the underline's column and width in display columns.
fn excerpt_line(text: &str, span: Option<(usize, usize)>) -> (String, Option<(usize, usize)>) {
    let start = span.map_or(0, |(s, _)| s);
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let Some((s, e)) = span else {
        return (fit(&sanitize(line), LINE_WIDTH), None);
    };
    let (s, e) = (s - line_start, e.min(line_end) - line_start);
    // Start the window a little before the span when the line is long.
    let before = sanitize(&line[..s]);
    let mut shown_before = before.to_string();
    let mut prefix = String::new();
    if width(&before) > LINE_WIDTH / 3 {
        let keep: String = before
            .chars()
            .rev()
            .take(LINE_WIDTH / 3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        shown_before = keep;
        prefix.push('…');
    }
    let words = sanitize(&line[s..e]).to_string();
    let after = sanitize(&line[e..]).to_string();
    let col = width(&prefix) + width(&shown_before);
    let shown = fit(
        &format!("{prefix}{shown_before}{words}{after}"),
        LINE_WIDTH.max(col + width(&words)),
    );
    (shown, Some((col, width(&words))))
}

impl Renderer for CheckRenderer {
    fn record(&self, card: &Scorecard, conv: &Conversation, place: Place, out: &mut Vec<u8>) {
        if card.rules.iter().all(|r| r.outcome != Outcome::Fail) {
            return;
        }
        let place = place.to_string();
        let source = place.as_str();
        for r in card.rules.iter().filter(|r| r.outcome == Outcome::Fail) {
            for f in &r.findings {
                match self.format {
                    CheckFormat::Full => self.full(card, conv, source, r, f, out),
                    CheckFormat::Concise => self.concise(card, source, r, f, out),
                }
            }
        }
    }

    fn end(&self, s: &Summary, out: &mut Vec<u8>) {
        let total = s.errors + s.warnings;
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let line = if total == 0 {
            format!("No findings in {}.", plural(s.scored, "conversation"))
        } else {
            format!(
                "Found {} ({}, {}) in {}; {} passed the pass mark.",
                plural(total, "finding"),
                plural(s.errors, "error"),
                plural(s.warnings, "warning"),
                plural(s.scored, "conversation"),
                s.passed
            )
        };
        let _ = writeln!(out, "{}", self.style.bold(&line));
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt_line;

    #[test]
    fn underlines_the_words_on_their_line() {
        let (line, under) = excerpt_line("first line\nsay HELLO there", Some((15, 20)));
        assert_eq!(line, "say HELLO there");
        assert_eq!(under, Some((4, 5)));
    }

    #[test]
    fn long_lines_are_windowed_around_the_span() {
        let text = format!("{}NEVER{}", "x".repeat(300), "y".repeat(300));
        let (line, under) = excerpt_line(&text, Some((300, 305)));
        let (col, len) = under.unwrap();
        assert!(line.starts_with('…'));
        assert_eq!(
            &line.chars().skip(col).take(len).collect::<String>(),
            "NEVER"
        );
    }
}
