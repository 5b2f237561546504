#![doc = crate::rule_doc!("shouting")]

use super::{finding, Finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::phrases::{parse_list, Matcher};
use crate::text;
use std::collections::HashSet;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "shouting",
        summary: "No agent message shouts in capital letters",
        help: "write in sentence case; use bold or plain words for emphasis, not capitals",
        doc: crate::rule_doc!("shouting"),
        lists: &[],
    },
    build,
};

const ACRONYMS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/shouting/acronyms.txt"
));
const CODE_WORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/shouting/code-words.txt"
));
const ENGLISH: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/shouting/english-words.txt"
));

/// Capitalised words this long or longer shout on their own.
const MIN_SHOUT_LETTERS: usize = 4;

struct Shouting {
    acronyms: HashSet<&'static str>,
    /// Words that name a following capitalised word as a code ("code WELCOME").
    code_words: HashSet<&'static str>,
    /// Sorted (the data file is kept sorted; a test checks it): binary search.
    english: Vec<&'static str>,
}

fn build(_: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(Shouting {
        acronyms: parse_list(ACRONYMS).collect(),
        code_words: parse_list(CODE_WORDS).collect(),
        english: ENGLISH.lines().collect(),
    })
}

/// Two capital letters in a row: the cheap test before looking at words.
/// Reads eight bytes at a time (most messages have no capital pair, so the
/// whole message is read).
fn has_capital_pair(t: &str) -> bool {
    let bytes = t.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    // Whether the byte before the current one is a capital letter.
    let mut prev = false;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let caps = capitals(x);
        if caps & (caps << 8) != 0 || (prev && caps & 0x80 != 0) {
            return true;
        }
        prev = caps >> 63 != 0;
    }
    chunks.remainder().iter().any(|b| {
        let upper = b.is_ascii_uppercase();
        let pair = prev && upper;
        prev = upper;
        pair
    })
}

/// The high bit of each byte of `x` that is an ASCII capital letter. With
/// the high bits cleared, adding to a byte never carries into the next.
fn capitals(x: u64) -> u64 {
    use crate::swar::{splat, HIGH as high};
    let low = x & !high;
    let from_a = low + splat(0x80 - b'A');
    let past_z = low + splat(0x80 - b'Z' - 1);
    from_a & !past_z & !x & high
}

/// A word written entirely in capitals (two or more letters, no digits).
fn is_caps_word(w: &str) -> bool {
    w.len() >= 2 && w.bytes().all(|b| b.is_ascii_uppercase())
}

impl Shouting {
    /// A capitalised word that reads as shouting: an English word, not an acronym.
    fn is_shouted(&self, w: &str) -> bool {
        is_caps_word(w) && !self.acronyms.contains(w) && {
            let lower = w.to_ascii_lowercase();
            let known = |word: &str| self.english.binary_search(&word).is_ok();
            known(&lower) || lower.strip_suffix('s').is_some_and(known)
        }
    }

    fn findings(&self, t: &str, message: usize, out: &mut Vec<Finding>) {
        let mut quoted = text::quoted_spans(t);
        quoted.extend(text::single_quoted_spans(t));
        // Words: runs of ASCII letters and digits, and any non-ASCII
        // characters joined to them (so offsets stay on char boundaries).
        let bytes = t.as_bytes();
        let is_word_byte = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
        let mut words: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if !is_word_byte(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && is_word_byte(bytes[at]) {
                at += 1;
            }
            if !text::inside(&quoted, start) {
                words.push((start, at));
            }
        }
        let mut i = 0;
        while i < words.len() {
            let (s, e) = words[i];
            if !self.is_shouted(&t[s..e]) || (i > 0 && self.names_code(t, words[i - 1], s)) {
                i += 1;
                continue;
            }
            // Extend over following capitalised words (acronyms included).
            let mut j = i + 1;
            while j < words.len()
                && is_caps_word(&t[words[j].0..words[j].1])
                && gap_is_space(t, words[j - 1].1, words[j].0)
            {
                j += 1;
            }
            let run_end = words[j - 1].1;
            let shouted_words = (i..j)
                .filter(|&k| self.is_shouted(&t[words[k].0..words[k].1]))
                .count();
            if e - s >= MIN_SHOUT_LETTERS || shouted_words >= 2 {
                let span = (s as u32, run_end as u32);
                out.push(finding(
                    message,
                    Some(span),
                    format!("\"{}\" is written in capitals", &t[s..run_end]),
                ));
            }
            i = j;
        }
    }
}

impl Shouting {
    /// Whether the word `prev` right before a capitalised word at `at` names
    /// it as a code ("use code WELCOME", "promo code: SPRING", "coupon SAVE"):
    /// an identifier, not shouting.
    fn names_code(&self, t: &str, prev: (usize, usize), at: usize) -> bool {
        let gap = &t[prev.1..at];
        gap.len() <= 3
            && gap.chars().all(|c| matches!(c, ' ' | ':' | '=' | '-'))
            && self
                .code_words
                .contains(t[prev.0..prev.1].to_ascii_lowercase().as_str())
    }
}

/// Only spaces and light punctuation between two words (no sentence end).
fn gap_is_space(t: &str, from: usize, to: usize) -> bool {
    t[from..to]
        .chars()
        .all(|c| c == ' ' || c == ',' || c == '\'' || c == '\u{2019}' || c == '-')
}

impl Rule for Shouting {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent.is_empty() {
            return Verdict::na();
        }
        let mut findings = Vec::new();
        for &i in &a.agent {
            let t = a.text(i);
            if has_capital_pair(t) {
                self.findings(t, i, &mut findings);
            }
        }
        if findings.is_empty() {
            Verdict::pass()
        } else {
            Verdict::fail_all(findings)
        }
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn capital_pairs_match_a_byte_scan(t in "[a-zA-Z@\\[`{ .ÀÉé😀]{0,40}") {
            let slow = t
                .as_bytes()
                .windows(2)
                .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase());
            proptest::prop_assert_eq!(super::has_capital_pair(&t), slow);
        }
    }

    #[test]
    fn single_quotes_skip_apostrophes() {
        let quoted = |t: &'static str| -> Vec<&'static str> {
            crate::text::single_quoted_spans(t)
                .into_iter()
                .map(|r| &t[r])
                .collect()
        };
        assert_eq!(
            quoted("You wrote 'WHERE IS MY ORDER' and I understand"),
            ["WHERE IS MY ORDER"]
        );
        assert_eq!(quoted("it\u{2019}s \u{2018}ASAP\u{2019}, ok"), ["ASAP"]);
        assert!(quoted("We don't do that, it's NOT OK").is_empty());
        assert!(quoted("the customers' orders and the 'rest").is_empty());
    }

    #[test]
    fn english_word_list_is_sorted_and_unique() {
        let words: Vec<&str> = super::ENGLISH.lines().collect();
        assert!(
            words.windows(2).all(|w| w[0] < w[1]),
            "rules/shouting/english-words.txt must be sorted (LC_ALL=C sort -u)"
        );
        assert!(words
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_lowercase())));
    }
}
