//! The scorecard as JSON: the public contract (see the README).
//!
//! Written by hand rather than through serde: the scorecard is a fixed shape
//! and this is the hottest output path, so strings are escaped with a fast
//! scan that copies runs needing no escape in one go. The bytes are the same
//! as `serde_json`'s compact output (a test compares the two).

use super::Renderer;
use crate::ingest::Place;
use crate::model::Conversation;
use crate::rules::{Finding, Note, Outcome, REGISTRY};
use crate::score::Scorecard;
use crate::timestamp::Week;
use std::sync::LazyLock;

/// Appends `card` as one compact JSON object.
pub fn write_card(card: &Scorecard, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":");
    write_str(card.id, out);
    out.extend_from_slice(b",\"agent\":");
    write_opt_str(card.agent, out);
    out.extend_from_slice(b",\"team\":");
    write_opt_str(card.team, out);
    out.extend_from_slice(b",\"week\":");
    write_week(card.week, out);
    out.extend_from_slice(b",\"score\":");
    write_score(card.score, out);
    out.extend_from_slice(b",\"passed\":");
    write_bool(card.passed, out);
    out.extend_from_slice(b",\"auto_failed\":");
    write_bool(card.auto_failed, out);
    out.extend_from_slice(b",\"rules\":{");
    for (i, (r, excerpts)) in card.rules_with_excerpts().enumerate() {
        let head = rule_head(r.rule, r.outcome);
        // The first rule's head goes without its comma.
        out.extend_from_slice(if i == 0 { &head[1..] } else { head });
        for (j, (f, excerpt)) in r.findings.iter().zip(excerpts).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            write_finding(f, excerpt, out);
        }
        out.extend_from_slice(b"]}");
    }
    let m = &card.metrics;
    out.extend_from_slice(b"},\"metrics\":{\"first_response_s\":");
    write_seconds(m.first_response_s, out);
    out.extend_from_slice(b",\"max_gap_s\":");
    write_seconds(m.max_gap_s, out);
    out.extend_from_slice(b",\"agent_messages\":");
    write_uint(m.agent_messages, out);
    out.extend_from_slice(b",\"customer_messages\":");
    write_uint(m.customer_messages, out);
    out.extend_from_slice(b",\"duration_s\":");
    write_seconds(m.duration_s, out);
    out.extend_from_slice(b"}}");
}

/// What is written for a rule before its findings, by registry index and
/// outcome (in declaration order): `,"<id>":{"outcome":"<outcome>","findings":[`.
/// Made once, so that a rule takes one copy instead of four.
static RULE_HEADS: LazyLock<Vec<[Vec<u8>; 3]>> = LazyLock::new(|| {
    let head = |id: &str, outcome: Outcome| {
        let mut head = vec![b','];
        write_str(id, &mut head);
        head.extend_from_slice(b":{\"outcome\":\"");
        head.extend_from_slice(outcome.as_str().as_bytes());
        head.extend_from_slice(b"\",\"findings\":[");
        head
    };
    let outcomes = [Outcome::Pass, Outcome::Fail, Outcome::Na];
    REGISTRY
        .iter()
        .map(|e| outcomes.map(|outcome| head(e.meta.id, outcome)))
        .collect()
});

/// The head of a rule with this outcome (see [`RULE_HEADS`]).
fn rule_head(rule: usize, outcome: Outcome) -> &'static [u8] {
    &RULE_HEADS[rule][outcome as usize]
}

fn write_finding(f: &Finding, excerpt: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"message\":");
    write_uint(f.message, out);
    match f.span {
        Some((start, end)) => {
            out.extend_from_slice(b",\"start\":");
            write_uint(start, out);
            out.extend_from_slice(b",\"end\":");
            write_uint(end, out);
            out.extend_from_slice(b",\"excerpt\":");
        }
        None => out.extend_from_slice(b",\"start\":null,\"end\":null,\"excerpt\":"),
    }
    write_str(excerpt, out);
    out.extend_from_slice(b",\"note\":");
    write_note(&f.note, out);
    out.push(b'}');
}

/// A note as a JSON string: a wait note is written straight into `out`, as
/// its text is plain ASCII with nothing to escape (its module tests that).
fn write_note(note: &Note, out: &mut Vec<u8>) {
    match note {
        Note::Text(text) => write_str(text, out),
        Note::Wait(wait) => {
            out.push(b'"');
            wait.push_to(out);
            out.push(b'"');
        }
    }
}

fn write_bool(v: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

fn write_uint(v: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A float as serde_json writes it (shortest round-trip form).
fn write_f64(v: f64, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, &v).expect("writing JSON to memory cannot fail");
}

/// A score, a multiple of 0.1, as serde_json writes it (`72.5`, `100.0`)
/// without the float formatter: the tenths `k` of a float equal to `k / 10`
/// are its shortest round-trip digits. Any other float goes to
/// [`write_f64`].
fn write_score(v: f64, out: &mut Vec<u8>) {
    let tenths = (v * 10.0).round();
    if !(v.is_sign_positive() && tenths < 1e9 && tenths / 10.0 == v) {
        return write_f64(v, out);
    }
    let tenths = tenths as u64;
    out.extend_from_slice(itoa::Buffer::new().format(tenths / 10).as_bytes());
    out.extend_from_slice(&[b'.', b'0' + (tenths % 10) as u8]);
}

/// Seconds as a JSON number: whole seconds without a fraction.
fn write_seconds(v: Option<f64>, out: &mut Vec<u8>) {
    match v {
        None => out.extend_from_slice(b"null"),
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => {
            out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes())
        }
        Some(v) => write_f64(v, out),
    }
}

/// A week as a JSON string: digits, `-` and `W`, nothing to escape (a
/// test checks).
fn write_week(week: Option<Week>, out: &mut Vec<u8>) {
    let Some(week) = week else {
        return out.extend_from_slice(b"null");
    };
    out.push(b'"');
    week.push_to(out);
    out.push(b'"');
}

fn write_opt_str(v: Option<&str>, out: &mut Vec<u8>) {
    match v {
        Some(s) => write_str(s, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string literal: runs that need no escape are copied whole.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    while let Some(offset) = crate::swar::find_json_special(&bytes[start..]) {
        let at = start + offset;
        out.extend_from_slice(&bytes[start..at]);
        write_escape(bytes[at], out);
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The escape of one byte, in serde_json's spelling.
fn write_escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(b >> 4) as usize],
            HEX[(b & 0xf) as usize],
        ]),
    }
}

/// One scorecard per line.
pub struct JsonlRenderer;

impl Renderer for JsonlRenderer {
    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        write_card(card, out);
        out.push(b'\n');
    }
}

/// One JSON array of scorecards, one per line.
pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"[\n");
    }
    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        write_card(card, out);
    }
    fn separator(&self) -> &'static [u8] {
        b",\n"
    }
    fn end(&self, summary: &crate::summary::Summary, out: &mut Vec<u8>) {
        out.extend_from_slice(if summary.scored > 0 { b"\n]\n" } else { b"]\n" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_serde_json() {
        let s = "a\"b\\c\nd\re\tf\u{8}g\u{c}h\u{1}i\u{1f}j\u{7f}k é \u{2028} 😀";
        assert_eq!(
            written(|o| write_str(s, o)),
            serde_json::to_string(s).unwrap()
        );
    }

    #[test]
    fn numbers_like_serde_json() {
        for v in [0.0, 100.0, 72.5, 33.3, 1e-7, 123456.789, -0.5] {
            assert_eq!(
                written(|o| write_f64(v, o)),
                serde_json::to_string(&v).unwrap()
            );
        }
        assert_eq!(written(|o| write_seconds(Some(42.0), o)), "42");
        assert_eq!(written(|o| write_seconds(Some(1.5), o)), "1.5");
        assert_eq!(written(|o| write_seconds(None, o)), "null");
    }

    #[test]
    fn rule_heads_spell_each_rule_and_outcome() {
        for (i, entry) in REGISTRY.iter().enumerate() {
            let id = serde_json::to_string(entry.meta.id).unwrap();
            for outcome in [Outcome::Pass, Outcome::Fail, Outcome::Na] {
                let head = format!(
                    ",{id}:{{\"outcome\":\"{}\",\"findings\":[",
                    outcome.as_str()
                );
                assert_eq!(rule_head(i, outcome), head.as_bytes());
            }
        }
    }

    proptest! {
        #[test]
        fn any_score_formats_like_serde_json(
            v in prop_oneof![(0u32..=1000).prop_map(|k| f64::from(k) / 10.0), any::<f64>()]
        ) {
            prop_assert_eq!(written(|o| write_score(v, o)), serde_json::to_string(&v).unwrap());
        }

        #[test]
        fn any_string_escapes_like_serde_json(s in any::<String>()) {
            prop_assert_eq!(written(|o| write_str(&s, o)), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_week_writes_like_serde_json(ms in -8_000_000_000_000_000i64..8_000_000_000_000_000) {
            let week = crate::timestamp::iso_week(ms);
            let json = serde_json::to_string(&week.map(|w| w.to_string())).unwrap();
            prop_assert_eq!(written(|o| write_week(week, o)), json);
        }

        #[test]
        fn any_float_formats_like_serde_json(v in -1.0e12f64..1.0e12) {
            prop_assert_eq!(written(|o| write_f64(v, o)), serde_json::to_string(&v).unwrap());
        }
    }
}
