//! `check`: one diagnostic per finding, like a compiler's, with the message
//! text and the offending words underlined, and a help line.

use super::terminal::{fit, is_printable_ascii, sanitize, width, Painted, Style};
use super::{CheckFormat, Renderer};
use crate::ingest::Place;
use crate::model::Conversation;
use crate::rules::{Finding, Outcome, Severity, REGISTRY};
use crate::score::{RuleResult, Scorecard};
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
        f: &Finding,
        out: &mut Vec<u8>,
    ) {
        // Written byte by byte rather than with `write!`: this runs for
        // every finding, and the formatting machinery was most of its cost.
        let meta = &REGISTRY[r.rule].meta;
        self.severity(r.severity).push_to(out);
        self.style.bold(meta.id).push_around("[", "]:", out);
        out.push(b' ');
        self.style.bold(&sanitize(&f.note.text())).push_to(out);
        out.push(b'\n');
        let msg = conv.messages.get(f.message);
        self.style.blue(" -->").push_to(out);
        for part in [" ", &sanitize(source), " conversation ", &sanitize(card.id)] {
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(b" message ");
        out.extend_from_slice(itoa::Buffer::new().format(f.message).as_bytes());
        if let Some(m) = msg {
            out.extend_from_slice(b" (");
            out.extend_from_slice(m.role.as_str().as_bytes());
            if let Some(who) = m.name.as_deref().or(m.author.as_deref()) {
                out.push(b' ');
                out.extend_from_slice(sanitize(who).as_bytes());
            }
            if let Some(ts) = m.ts {
                out.extend_from_slice(b", ");
                out.extend_from_slice(timestamp::format(ts).as_bytes());
            }
            out.push(b')');
        }
        out.push(b'\n');
        let gutter = self.style.blue("  |");
        if let Some(m) = msg {
            let (line, under) = excerpt_line(&m.text, f.span);
            gutter.push_to(out);
            out.push(b'\n');
            gutter.push_to(out);
            out.push(b' ');
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            if let Some((col, len)) = under {
                let mut marks = String::with_capacity(col + len.max(1));
                marks.extend(std::iter::repeat_n(' ', col));
                marks.extend(std::iter::repeat_n('^', len.max(1)));
                gutter.push_to(out);
                out.push(b' ');
                match r.severity {
                    Severity::Error => self.style.red(&marks),
                    Severity::Warning => self.style.yellow(&marks),
                }
                .push_to(out);
                out.push(b'\n');
            }
        }
        self.style.blue("  =").push_to(out);
        out.push(b' ');
        self.style.bold("help:").push_to(out);
        out.push(b' ');
        out.extend_from_slice(meta.help.as_bytes());
        out.extend_from_slice(b"\n\n");
    }

    fn concise(
        &self,
        card: &Scorecard,
        source: &str,
        r: &RuleResult,
        f: &Finding,
        out: &mut Vec<u8>,
    ) {
        for part in [&sanitize(source), ": ", &sanitize(card.id), "#"] {
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(itoa::Buffer::new().format(f.message).as_bytes());
        out.push(b' ');
        self.severity(r.severity).push_to(out);
        for part in ["[", r.id(), "]: ", &sanitize(&f.note.text()), "\n"] {
            out.extend_from_slice(part.as_bytes());
        }
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
    if is_printable_ascii(line) {
        ascii_excerpt(line, s, e)
    } else {
        any_excerpt(line, s, e)
    }
}

/// [`excerpt_line`] for the span `s..e` of `line`, whatever its characters.
fn any_excerpt(line: &str, s: usize, e: usize) -> (String, Option<(usize, usize)>) {
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

/// [`excerpt_line`] for a line of printable ASCII (most lines), where
/// nothing needs escaping and each byte is one column: the same text, cut
/// once instead of assembled from pieces.
fn ascii_excerpt(line: &str, s: usize, e: usize) -> (String, Option<(usize, usize)>) {
    let keep = LINE_WIDTH / 3;
    let (prefix, shown_from) = if s > keep { ("…", s - keep) } else { ("", 0) };
    let col = usize::from(!prefix.is_empty()) + s - shown_from;
    let words = e - s;
    let max = LINE_WIDTH.max(col + words);
    let mut shown = String::with_capacity(max + 2 * '…'.len_utf8());
    shown.push_str(prefix);
    if col + line.len() - s <= max {
        shown.push_str(&line[shown_from..]);
    } else {
        // As `fit` cuts: max - 1 columns, then the ellipsis.
        let room = max - 1 - usize::from(!prefix.is_empty());
        shown.push_str(&line[shown_from..shown_from + room]);
        shown.push('…');
    }
    (shown, Some((col, words)))
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
    use super::{any_excerpt, ascii_excerpt, excerpt_line};

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

    proptest::proptest! {
        /// The printable-ASCII path cuts a line as the general one does.
        #[test]
        fn ascii_lines_are_cut_like_any_other(
            line in "[ -~]{0,320}",
            a in 0usize..320,
            b in 0usize..320,
        ) {
            let (s, e) = (a.min(b).min(line.len()), a.max(b).min(line.len()));
            proptest::prop_assert_eq!(ascii_excerpt(&line, s, e), any_excerpt(&line, s, e));
        }
    }
}
