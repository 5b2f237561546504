//! `--redact`: masks personal data in text chatlint writes out — e-mail
//! addresses (`[email]`), phone numbers (`[phone]`) and payment card numbers
//! (`[card]`: 13 to 19 digits, optionally grouped with spaces or dashes,
//! that pass the Luhn check; other digit runs of that length are left
//! alone, and are never taken for phone numbers either).
//!
//! Redaction is applied where text is emitted (renderers, `convert`), never
//! before the rules run: rules always see the original text, so verdicts and
//! scores are the same with and without `--redact`. Byte offsets reported
//! with findings (`start`/`end`) keep referring to the original message.

use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

/// One masked stretch of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    pub range: Range<usize>,
    pub with: &'static str,
}

struct Patterns {
    card: Regex,
    email: Regex,
    phone: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Digits in groups separated by single spaces or dashes.
        card: Regex::new(r"\d(?:[ -]?\d){12,18}").expect("card pattern"),
        email: Regex::new(r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}")
            .expect("email pattern"),
        phone: Regex::new(concat!(
            // International: +CC then groups.
            r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,5}",
            // North American: (555) 123-4567, 555-123-4567, 555.123.4567.
            r"|\(\d{3}\) ?\d{3}[ .-]\d{4}|\b\d{3}[ .-]\d{3}[ .-]\d{4}\b",
            // Trunk-prefixed national: 020 7946 0958, 07700-900123, 0612345678.
            r"|\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b",
        ))
        .expect("phone pattern"),
    })
}

/// Whether the digits of `s` pass the Luhn check.
pub fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// The stretches of `text` to mask, in order, not overlapping.
pub fn masks(text: &str) -> Vec<Mask> {
    // Cheap exit: no '@' and too few digits for a phone number.
    if !text.contains('@') && digit_count(text) < 7 {
        return Vec::new();
    }
    let p = patterns();
    let mut out: Vec<Mask> = Vec::new();
    // Long digit runs are decided first: a card when Luhn-valid, else left
    // alone (and protected from the phone pattern).
    let mut runs: Vec<Range<usize>> = Vec::new();
    for m in p.card.find_iter(text) {
        let b = text.as_bytes();
        // Only whole runs: not preceded or followed by another digit.
        let glued = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        if m.start() > 0 && b[m.start() - 1] == b'+' {
            continue; // an international phone number
        }
        if (m.start() > 0 && glued(m.start() - 1)) || glued(m.end()) {
            runs.push(m.range());
            continue;
        }
        if luhn(m.as_str()) {
            out.push(Mask {
                range: m.range(),
                with: "[card]",
            });
        }
        runs.push(m.range());
    }
    let overlaps = |r: &Range<usize>, taken: &[Range<usize>]| {
        taken.iter().any(|t| r.start < t.end && t.start < r.end)
    };
    let mut taken = runs;
    for m in p.email.find_iter(text) {
        if !overlaps(&m.range(), &taken) {
            taken.push(m.range());
            out.push(Mask {
                range: m.range(),
                with: "[email]",
            });
        }
    }
    for m in p.phone.find_iter(text) {
        let n = digit_count(m.as_str());
        if (7..=15).contains(&n) && !overlaps(&m.range(), &taken) {
            taken.push(m.range());
            out.push(Mask {
                range: m.range(),
                with: "[phone]",
            });
        }
    }
    out.sort_by_key(|m| m.range.start);
    out
}

/// `text` with e-mail addresses, phone numbers and card numbers masked.
pub fn redact(text: &str) -> Cow<'_, str> {
    let masks = masks(text);
    if masks.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(apply(text, &masks))
}

fn apply(text: &str, masks: &[Mask]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in masks {
        out.push_str(&text[at..m.range.start]);
        out.push_str(m.with);
        at = m.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` redacted, with the byte range `span` of the original moved onto
/// the redacted text (a range touching a mask grows to cover all of it).
pub fn redact_with_span(
    text: &str,
    span: Option<(usize, usize)>,
) -> (Cow<'_, str>, Option<(usize, usize)>) {
    let masks = masks(text);
    if masks.is_empty() {
        return (Cow::Borrowed(text), span);
    }
    let map = |pos: usize, end: bool| -> usize {
        let mut shift: isize = 0;
        for m in &masks {
            if pos <= m.range.start {
                break;
            }
            let new_start = (m.range.start as isize + shift) as usize;
            if pos < m.range.end {
                // Inside the mask: snap outwards.
                return if end {
                    new_start + m.with.len()
                } else {
                    new_start
                };
            }
            shift += m.with.len() as isize - m.range.len() as isize;
        }
        (pos as isize + shift) as usize
    };
    let span = span.map(|(s, e)| {
        let s2 = map(s, false);
        (s2, map(e, true).max(s2))
    });
    (Cow::Owned(apply(text, &masks)), span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_emails() {
        assert_eq!(
            redact("write to jane.doe+billing@example.co.uk today"),
            "write to [email] today"
        );
        assert_eq!(redact("a@b"), "a@b");
        assert_eq!(redact("@handle"), "@handle");
    }

    #[test]
    fn masks_phone_numbers() {
        for (text, want) in [
            ("call +44 20 7946 0958 now", "call [phone] now"),
            ("call +1 (555) 123-4567.", "call [phone]."),
            ("(555) 123-4567", "[phone]"),
            ("555-123-4567 or 555.123.4567", "[phone] or [phone]"),
            ("ring 020 7946 0958", "ring [phone]"),
            ("mobile 07700900123", "mobile [phone]"),
            ("+4915123456789", "[phone]"),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
    }

    #[test]
    fn leaves_order_numbers_dates_and_times_alone() {
        for text in [
            "order VT-448120",
            "on 2026-11-02 at 09:04:12",
            "refund of 1234.56 in 3-5 business days",
            "ticket 123456",
            "version 1.2.3.4",
        ] {
            assert_eq!(redact(text), text);
            assert!(matches!(redact(text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn masks_luhn_valid_cards_only() {
        assert_eq!(redact("card 4111 1111 1111 1111 ok"), "card [card] ok");
        assert_eq!(redact("card 4111-1111-1111-1111"), "card [card]");
        assert_eq!(redact("4111111111111111"), "[card]");
        assert_eq!(redact("amex 378282246310005"), "amex [card]");
        // Not Luhn-valid: left alone, and not taken for a phone number.
        assert_eq!(redact("ref 4111 1111 1111 1112"), "ref 4111 1111 1111 1112");
        assert_eq!(redact("ref 1234567890123"), "ref 1234567890123");
        // Too long for a card: left alone.
        assert_eq!(
            redact("x 41111111111111110000000"),
            "x 41111111111111110000000"
        );
    }

    #[test]
    fn luhn_check() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
        assert!(luhn("4111 1111 1111 1111"));
    }

    #[test]
    fn all_kinds_in_one_text() {
        assert_eq!(
            redact("me: a@b.io, +1 555 123 4567, card 5555555555554444."),
            "me: [email], [phone], card [card]."
        );
    }

    #[test]
    fn unicode_text_is_kept() {
        assert_eq!(
            redact("Grüße — schreib an jürgen@example.de 😀"),
            "Grüße — schreib an [email] 😀"
        );
        assert_eq!(redact("日本語 テスト"), "日本語 テスト");
    }

    #[test]
    fn spans_follow_the_redaction() {
        let text = "mail a@b.io then NEVER";
        let s = text.find("NEVER").unwrap();
        let (r, span) = redact_with_span(text, Some((s, s + 5)));
        let (a, b) = span.unwrap();
        assert_eq!(&r[a..b], "NEVER");
        // A span on the address covers its mask.
        let s = text.find("a@b").unwrap();
        let (r, span) = redact_with_span(text, Some((s, s + 6)));
        let (a, b) = span.unwrap();
        assert_eq!(&r[a..b], "[email]");
        // A span before any mask is unchanged.
        let (_, span) = redact_with_span(text, Some((0, 4)));
        assert_eq!(span, Some((0, 4)));
    }
}
