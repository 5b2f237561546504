#![doc = crate::rule_doc!("response-gap")]

use super::{finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::{Analysis, Wait};
use crate::config::Settings;
use crate::phrases::Matcher;
use std::sync::Arc;

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
    /// The limit as the notes state it ("30 s"), shared by all of them.
    limit: Arc<str>,
}

fn build(_: &Matcher, s: &Settings) -> Box<dyn Rule> {
    let max_gap_ms = (s.max_gap_s * 1000.0).round() as i64;
    Box::new(ResponseGap {
        max_gap_ms,
        limit: Secs(max_gap_ms).to_string().into(),
    })
}

/// The note of a wait over the limit, kept as numbers: a run has thousands
/// of them, and most are never shown as text (JSON output writes them
/// straight into its buffer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitNote {
    /// How long the customer waited, in milliseconds.
    millis: i64,
    /// The agent reply that ended the wait, if one came.
    answered_by: Option<usize>,
    /// The limit as the notes state it (see [`ResponseGap`]).
    limit: Arc<str>,
}

impl WaitNote {
    /// Appends the note's text: plain ASCII, with nothing that JSON escapes
    /// (a test checks).
    pub fn push_to(&self, out: &mut Vec<u8>) {
        match self.answered_by {
            Some(reply) => {
                out.extend_from_slice(b"the customer waited ");
                push_secs(out, self.millis);
                out.extend_from_slice(b" for an agent reply (message ");
                out.extend_from_slice(itoa::Buffer::new().format(reply).as_bytes());
                out.extend_from_slice(b"; limit ");
            }
            None => {
                out.extend_from_slice(b"never answered: the chat went on for ");
                push_secs(out, self.millis);
                out.extend_from_slice(b" after this message (limit ");
            }
        }
        out.extend_from_slice(self.limit.as_bytes());
        out.push(b')');
    }
}

impl std::fmt::Display for WaitNote {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let mut text = Vec::with_capacity(96);
        self.push_to(&mut text);
        f.write_str(std::str::from_utf8(&text).expect("a wait note is ASCII"))
    }
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
fn push_secs(out: &mut Vec<u8>, ms: i64) {
    use std::io::Write;
    if !(0..EXACT_TENTHS_BELOW).contains(&ms) || ms % 100 == 50 {
        write!(out, "{}", Secs(ms)).expect("writing to memory");
    } else if ms % 1000 == 0 {
        out.extend_from_slice(itoa::Buffer::new().format(ms / 1000).as_bytes());
        out.extend_from_slice(b" s");
    } else {
        // Round to the nearest tenth: up from 51 ms on (50 is excluded above).
        let tenths = (ms + 49) / 100;
        out.extend_from_slice(itoa::Buffer::new().format(tenths / 10).as_bytes());
        out.extend_from_slice(&[b'.', b'0' + (tenths % 10) as u8, b' ', b's']);
    }
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
            let note = WaitNote {
                millis: w.millis,
                answered_by: w.answered_by,
                limit: Arc::clone(&self.limit),
            };
            finding(w.customer_msg, None, note)
        }));
        Verdict::fail_all(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notes as `format!` wrote them before `WaitNote`.
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
            let note = WaitNote {
                millis: ms,
                answered_by: reply,
                limit: "30 s".into(),
            };
            assert_eq!(note.to_string(), note_reference(ms, reply, "30 s"), "{ms}");
        }
    }

    proptest::proptest! {
        /// What JSON output relies on to write the notes unescaped.
        #[test]
        fn notes_need_no_json_escape(millis: i64, answered_by: Option<usize>, limit_ms: i64) {
            let note = WaitNote {
                millis,
                answered_by,
                limit: Secs(limit_ms).to_string().into(),
            };
            let text = note.to_string();
            proptest::prop_assert_eq!(serde_json::to_string(&text).unwrap(), format!("\"{text}\""));
        }
    }
}
