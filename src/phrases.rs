//! Phrase lists and the matcher that finds all of them in one scan.
//!
//! A phrase list is data: a text file under `rules/`, one phrase a line,
//! `#` starts a comment. Matching is ASCII case-insensitive and respects word
//! boundaries; a phrase ending in `*` matches any word that starts with it
//! (`apologi*` finds apologise, apologize, apologies). A straight apostrophe
//! also matches a typographic one (`don't` finds `don’t`).
//!
//! All lists that apply to one author role are compiled into a single DFA, so
//! each message is scanned once whatever the number of lists.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// Whose messages a list is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Human agent messages.
    Agent,
    /// Customer messages.
    Customer,
}

/// A phrase list declared by a rule.
#[derive(Debug)]
pub struct ListDef {
    /// Unique name, `rule-id.list` (for example `greeting.greet`).
    pub name: &'static str,
    pub scope: Scope,
    /// The list's text, embedded from `rules/`.
    pub source: &'static str,
}

/// Index of a list in the matcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListId(pub u16);

/// One phrase found in a message: byte range into the message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub list: ListId,
    pub start: u32,
    pub end: u32,
    /// A negation word (not, never, no, ...n't) stands shortly before it in the same clause.
    pub negated: bool,
}

/// The phrases of one list, parsed.
pub fn parse_list(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .map(|l| l.split_once('#').map_or(l, |(p, _)| p).trim())
        .filter(|l| !l.is_empty())
}

#[derive(Clone, Copy)]
struct PatternInfo {
    list: ListId,
    /// Ends in `*`: no word boundary needed at the end.
    prefix: bool,
}

/// The patterns of one scope: an Aho-Corasick DFA for phrases, and a word
/// lookup for tokens of one or two characters ("u", "hi", "ty"), which would
/// otherwise match inside almost every word and flood the automaton.
struct Automaton {
    ac: Option<AhoCorasick>,
    patterns: Vec<PatternInfo>,
    /// Lowercase short tokens and what they stand for.
    short: Vec<([u8; 2], usize, PatternInfo)>,
}

/// Tokens this long or shorter are looked up word by word.
const SHORT_TOKEN: usize = 2;

impl Automaton {
    fn build(entries: Vec<(String, PatternInfo)>) -> Automaton {
        let (short, long): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(text, info)| {
            !info.prefix
                && text.len() <= SHORT_TOKEN
                && text.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        let short = short
            .into_iter()
            .map(|(text, info)| {
                let mut key = [0u8; 2];
                for (k, b) in key.iter_mut().zip(text.bytes()) {
                    *k = b.to_ascii_lowercase();
                }
                (key, text.len(), info)
            })
            .collect();
        if long.is_empty() {
            return Automaton {
                ac: None,
                patterns: Vec::new(),
                short,
            };
        }
        let (texts, patterns): (Vec<String>, Vec<PatternInfo>) = long.into_iter().unzip();
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&texts)
            .or_else(|_| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&texts)
            })
            .expect("phrase automaton builds");
        Automaton {
            ac: Some(ac),
            patterns,
            short,
        }
    }

    fn push(&self, text: &str, hit: Hit, out: &mut Vec<Hit>) {
        out.push(Hit {
            negated: negated_before(text, hit.start as usize),
            ..hit
        });
    }

    fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let first = out.len();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                let info = self.patterns[m.pattern().as_usize()];
                let (start, end) = (m.start(), m.end());
                if !boundary_before(text, start) {
                    continue;
                }
                let end = if info.prefix {
                    extend_word(bytes, end)
                } else if boundary_after(text, end) {
                    end
                } else {
                    continue;
                };
                let hit = Hit {
                    list: info.list,
                    start: start as u32,
                    end: end as u32,
                    negated: false,
                };
                self.push(text, hit, out);
            }
        }
        if !self.short.is_empty() {
            self.scan_short(text, out);
        }
        let hits = &mut out[first..];
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.list.0));
        // The same phrase can be listed twice (or under two spellings).
        let mut kept = first;
        for i in first..out.len() {
            let h = out[i];
            if kept == first || {
                let p = out[kept - 1];
                (p.start, p.end, p.list) != (h.start, h.end, h.list)
            } {
                out[kept] = h;
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// Finds the short tokens: words of one or two ASCII characters.
    fn scan_short(&self, text: &str, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let mut i = 0;
        while i < bytes.len() {
            if !is_word(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_word(bytes[i]) {
                i += 1;
            }
            let len = i - start;
            if len > SHORT_TOKEN || bytes[start..i].iter().any(|&b| b >= 0x80) {
                continue;
            }
            let mut key = [0u8; 2];
            for (k, b) in key.iter_mut().zip(&bytes[start..i]) {
                *k = b.to_ascii_lowercase();
            }
            for &(word, word_len, info) in &self.short {
                if word_len == len && word == key {
                    let hit = Hit {
                        list: info.list,
                        start: start as u32,
                        end: i as u32,
                        negated: false,
                    };
                    self.push(text, hit, out);
                }
            }
        }
    }
}

/// Every phrase list, compiled: one automaton per scope.
pub struct Matcher {
    names: Vec<&'static str>,
    by_name: HashMap<&'static str, ListId>,
    agent: Automaton,
    customer: Automaton,
}

impl Matcher {
    /// Compiles the given lists. Names must be unique.
    pub fn new(defs: &[&ListDef]) -> Matcher {
        let mut names = Vec::new();
        let mut by_name = HashMap::new();
        let mut agent = Vec::new();
        let mut customer = Vec::new();
        for def in defs {
            let id = ListId(names.len() as u16);
            assert!(
                by_name.insert(def.name, id).is_none(),
                "duplicate phrase list {}",
                def.name
            );
            names.push(def.name);
            let target = match def.scope {
                Scope::Agent => &mut agent,
                Scope::Customer => &mut customer,
            };
            for phrase in parse_list(def.source) {
                let (text, prefix) = match phrase.strip_suffix('*') {
                    Some(p) => (p.trim_end(), true),
                    None => (phrase, false),
                };
                let info = PatternInfo { list: id, prefix };
                if text.contains('\'') {
                    target.push((text.replace('\'', "\u{2019}"), info));
                }
                target.push((text.to_string(), info));
            }
        }
        Matcher {
            names,
            by_name,
            agent: Automaton::build(agent),
            customer: Automaton::build(customer),
        }
    }

    /// The id of a list by name; panics on a name no rule declared (a bug).
    pub fn id(&self, name: &str) -> ListId {
        *self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("unknown phrase list {name}"))
    }

    /// The name of a list.
    pub fn name(&self, id: ListId) -> &'static str {
        self.names[id.0 as usize]
    }

    /// Appends the hits of every list of `scope` in `text` to `out`, sorted by position.
    pub fn scan(&self, scope: Scope, text: &str, out: &mut Vec<Hit>) {
        match scope {
            Scope::Agent => self.agent.scan(text, out),
            Scope::Customer => self.customer.scan(text, out),
        }
    }
}

/// A character that belongs to a word.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn boundary_before(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
        || text[at..].chars().next().is_some_and(|c| !is_word_char(c))
}

fn boundary_after(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_none_or(|c| !is_word_char(c))
        || text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| !is_word_char(c))
}

fn extend_word(bytes: &[u8], mut end: usize) -> usize {
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

/// Words that negate what follows them in the same clause.
const NEGATORS: &[&[u8]] = &[
    b"not", b"no", b"never", b"nothing", b"without", b"hardly", b"nor", b"neither", b"none",
    b"cannot",
];

/// How far back (in bytes) a negation word may stand.
const NEGATION_WINDOW: usize = 40;

/// Whether a negation word stands among the three words before `at`, in the
/// same clause. Allocation-free: this runs for every phrase hit.
pub fn negated_before(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let floor = at.saturating_sub(NEGATION_WINDOW);
    let mut end = at;
    for _ in 0..3 {
        // Skip separators back to the end of the previous word; stop at a clause end.
        while end > floor && !is_word_byte(bytes[end - 1]) {
            if matches!(
                bytes[end - 1],
                b'.' | b'!' | b'?' | b';' | b',' | b'\n' | b':'
            ) {
                return false;
            }
            end -= 1;
        }
        if end == floor {
            return false;
        }
        let mut start = end;
        while start > floor && is_word_byte(bytes[start - 1]) {
            start -= 1;
        }
        let word = &bytes[start..end];
        if NEGATORS.iter().any(|n| n.eq_ignore_ascii_case(word)) || ends_with_nt(word) {
            return true;
        }
        end = start;
    }
    false
}

/// Bytes that make up a word for negation purposes (letters, digits and
/// apostrophes, straight or typographic).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'\'' || b >= 0x80
}

/// "don't", "can't", "isn’t" (straight or typographic apostrophe).
fn ends_with_nt(word: &[u8]) -> bool {
    let lower = |i: usize| word[word.len() - i].to_ascii_lowercase();
    (word.len() >= 3 && lower(1) == b't' && lower(2) == b'\'' && lower(3) == b'n')
        || (word.len() >= 5
            && lower(1) == b't'
            && word.ends_with("\u{2019}t".as_bytes())
            && lower(5) == b'n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        static A: ListDef = ListDef {
            name: "t.a",
            scope: Scope::Agent,
            source: "hi\nthank you\nthank you for contacting\napologi*\ndon't worry # comment\n",
        };
        static B: ListDef = ListDef {
            name: "t.b",
            scope: Scope::Agent,
            source: "thank you\nsorry",
        };
        Matcher::new(&[&A, &B])
    }

    fn hits(text: &str) -> Vec<(&'static str, String, bool)> {
        let m = matcher();
        let mut out = Vec::new();
        m.scan(Scope::Agent, text, &mut out);
        out.iter()
            .map(|h| {
                (
                    m.name(h.list),
                    text[h.start as usize..h.end as usize].to_string(),
                    h.negated,
                )
            })
            .collect()
    }

    #[test]
    fn short_tokens_are_whole_words() {
        static S: ListDef = ListDef {
            name: "t.s",
            scope: Scope::Customer,
            source: "u\nty\nhi there\n",
        };
        let m = Matcher::new(&[&S]);
        let found = |text: &str| {
            let mut out = Vec::new();
            m.scan(Scope::Customer, text, &mut out);
            out.iter()
                .map(|h| text[h.start as usize..h.end as usize].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("thank u, TY! use type hi there"),
            ["u", "TY", "hi there"]
        );
        assert!(found("café u2 tú").is_empty());
    }

    #[test]
    fn word_boundaries_and_case() {
        assert_eq!(hits("Hi there"), vec![("t.a", "Hi".into(), false)]);
        assert!(
            hits("This is it").is_empty(),
            "'hi' inside 'This' must not match"
        );
        assert!(hits("chi").is_empty());
    }

    #[test]
    fn overlapping_lists_all_report() {
        let h = hits("Thank you for contacting us");
        assert!(h.contains(&("t.a", "Thank you for contacting".into(), false)));
        assert!(h.contains(&("t.b", "Thank you".into(), false)));
    }

    #[test]
    fn prefixes_apostrophes_negation() {
        assert_eq!(hits("We apologise.")[0].1, "apologise");
        assert_eq!(hits("Don\u{2019}t worry")[0].1, "Don\u{2019}t worry");
        assert_eq!(hits("I'm not sorry")[0], ("t.b", "sorry".into(), true));
        assert!(hits("I don\u{2019}t apologise")[0].2);
        assert!(hits("We can't, sorry")[0].1 == "sorry" && !hits("We can't, sorry")[0].2);
        assert!(negated_before("it isn't sorry", 10));
        assert!(!negated_before("notably sorry", 8));
        assert!(!hits("No. Sorry")[0].2, "negation stops at the clause end");
    }
}
