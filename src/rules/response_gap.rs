#![doc = crate::rule_doc!("response-gap")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::{Analysis, Wait};
use crate::config::Settings;
use crate::phrases::Matcher;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "response-gap",
        summary: "Every customer message gets an agent reply within the time limit (30 s)",
        help: "reply within the limit, even if only to say you are still looking into it",
        doc: crate::rule_doc!("response-gap"),
        lists: &[],
    },
    build,
};

struct ResponseGap {
    max_gap_ms: i64,
    /// The limit as the notes state it ("30 s").
    limit: String,
}

fn build(_: &Matcher, s: &Settings) -> Box<dyn Rule> {
    let max_gap_ms = (s.max_gap_s * 1000.0).round() as i64;
    Box::new(ResponseGap {
        max_gap_ms,
        limit: Secs(max_gap_ms).to_string(),
    })
}

/// Milliseconds shown as seconds: whole ("45 s") or to a tenth ("12.5 s").
struct Secs(i64);

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let ms = self.0;
        if ms % 1000 == 0 {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{:.1} s", ms as f64 / 1000.0)
        }
    }
}

/// Below this many milliseconds, `ms as f64 / 1000.0` is within 2^-13 of
/// the exact quotient (`ms` converts exactly, the division rounds once), far
/// less than the 0.001 between a quotient not ending in ...50 ms and the
/// nearest tie of a rounding to tenths.
const EXACT_TENTHS_BELOW: i64 = 1 << 40;

/// Appends `Secs(ms)` to `out` as `Display` writes it. Whole seconds, and
/// tenths that are not a tie (anything but ...50 ms), are written from
/// integers; only the rest goes through float formatting.
fn push_secs(out: &mut String, ms: i64) {
    use std::fmt::Write;
    if !(0..EXACT_TENTHS_BELOW).contains(&ms) || ms % 100 == 50 {
        write!(out, "{}", Secs(ms)).expect("writing to a String");
    } else if ms % 1000 == 0 {
        push_int(out, (ms / 1000) as u64);
        out.push_str(" s");
    } else {
        // Round to the nearest tenth: up from 51 ms on (50 is excluded above).
        let tenths = (ms + 49) / 100;
        push_int(out, (tenths / 10) as u64);
        out.push('.');
        out.push(char::from(b'0' + (tenths % 10) as u8));
        out.push_str(" s");
    }
}

/// Appends an integer in decimal, without the formatting machinery.
fn push_int(out: &mut String, mut n: u64) {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // A few ASCII digits: pushing them is cheaper than checking them as UTF-8.
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// The note of a wait over the limit.
fn note(millis: i64, answered_by: Option<usize>, limit: &str) -> String {
    let mut note = String::with_capacity(96);
    match answered_by {
        Some(reply) => {
            note.push_str("the customer waited ");
            push_secs(&mut note, millis);
            note.push_str(" for an agent reply (message ");
            push_int(&mut note, reply as u64);
            note.push_str("; limit ");
        }
        None => {
            note.push_str("never answered: the chat went on for ");
            push_secs(&mut note, millis);
            note.push_str(" after this message (limit ");
        }
    }
    note.push_str(limit);
    note.push(')');
    note
}

impl Rule for ResponseGap {
    fn check(&self, a: &Analysis) -> Verdict {
        let Some(waits) = a.waits() else {
            return Verdict::na();
        };
        if waits.is_empty() {
            return Verdict::na();
        }
        let over = |w: &&Wait| w.millis > self.max_gap_ms;
        // Counted first: the findings take one allocation, not a growing few.
        let count = waits.iter().filter(over).count();
        if count == 0 {
            return Verdict::pass();
        }
        let mut findings = Vec::with_capacity(count);
        findings.extend(waits.iter().filter(over).map(|w| {
            finding(
                w.customer_msg,
                None,
                note(w.millis, w.answered_by, &self.limit),
            )
        }));
        Verdict::fail_all(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notes as `format!` wrote them before `push_secs`.
    fn note_reference(millis: i64, answered_by: Option<usize>, limit: &str) -> String {
        match answered_by {
            Some(reply) => format!(
                "the customer waited {} for an agent reply (message {reply}; limit {limit})",
                Secs(millis)
            ),
            None => format!(
                "never answered: the chat went on for {} after this message (limit {limit})",
                Secs(millis)
            ),
        }
    }

    #[test]
    fn notes_match_float_formatting() {
        let big = [
            1 << 39,
            (1 << 40) - 1,
            1 << 40,
            (1 << 40) + 1951,
            i64::MAX,
            -1,
            -1050,
            i64::MIN,
        ];
        // Every value up to 200 s, then a spread up to 2^40 with all residues.
        let spread = (1..200_000).map(|k: i64| k * 5_497_553);
        for ms in (0..200_000).chain(spread).chain(big) {
            let reply = (ms % 3 != 0).then_some(ms.rem_euclid(1000) as usize);
            assert_eq!(
                note(ms, reply, "30 s"),
                note_reference(ms, reply, "30 s"),
                "{ms}"
            );
        }
    }
}
