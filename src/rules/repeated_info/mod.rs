#![doc = crate::rule_doc!("repeated-info")]

mod literals;

use super::{finding, Finding, Rule, RuleEntry, RuleMeta, Verdict};
use crate::analysis::Analysis;
use crate::config::Settings;
use crate::model::Role;
use crate::phrase_list;
use crate::phrases::{ListDef, ListId, Matcher};
use crate::text;
use literals::{Candidates, Literals};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use std::ops::Range;

pub static ENTRY: RuleEntry = RuleEntry {
    meta: RuleMeta {
        id: "repeated-info",
        summary: "The agent never asks again for information the customer already gave",
        help: "read back through the chat (and the bot's hand-off) before asking; confirm what you have instead",
        doc: crate::rule_doc!("repeated-info"),
        lists: &LISTS,
    },
    build,
};

static LISTS: [ListDef; 3] = [
    phrase_list!(
        "repeated-info.ask-trigger",
        Agent,
        "repeated-info/ask-trigger.txt",
        negation: false
    ),
    phrase_list!(
        "repeated-info.task-done",
        Agent,
        "repeated-info/task-done.txt",
        negation: false
    ),
    phrase_list!(
        "repeated-info.new-task-cue",
        Customer,
        "repeated-info/new-task-cue.txt",
        negation: false
    ),
];

const KINDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/repeated-info/kinds.toml"
));

/// Sentences that request something without a question mark (matched
/// ignoring case). Its words are also in the [`Literals`] (see
/// [`Candidates::request`]).
const REQUEST: &str = r"\b(please|kindly|could you|can you|would you|may i|can i|let (me|us) know|tell me|provide|confirm|need (your|the)|what|which|where|when|i need|we need|enter|specify|share)\b";

/// Words right before a noun that make it a request for it ("what is your",
/// "could you provide the", "may I have your", "let us know the").
const CUE: &str = r"(?i)\b(what|what's|whats|which|provide|share|give|send|tell|confirm|enter|specify|type in|verify|state|spell|input|reply with|let (me|us) know|(may|can|could) (i|we) (have|get|ask for|take|know|grab)|(i|we) (will |would |'ll )?need (your|the)|require your|do you (have|know|remember) (the|your)|is your|are your)\b";

/// Words that turn a request around: "do not share your order number".
const NEGATION: &str = r"(?i)(\b(not|never|no need|without)\b|n't\b|\bdont\b)";

/// "send us an email", "give us a call": the channel, not the customer's value.
const CHANNEL: &str = r"(?i)\b(send|drop|shoot|write|give|leave) (us|me) (an?|a quick|another) $";

/// "a different date", "another email": asks for a new value, not a repeat.
/// The regex: `(?i)\b(WORD|...)\s+(\w+\s+)?$` (see [`other_value`]).
const OTHER_VALUE_WORDS: &[&str] = &[
    "different",
    "another",
    "other",
    "new",
    "alternative",
    "alternate",
    "second",
    "backup",
    "spare",
];

/// A verb: a sentence without one is a fragment ("Name of the hospital",
/// "Account number and PIN please"), read as a request for its nouns.
const VERB: &str = r"(?i)\b(is|are|was|were|am|be|been|has|have|had|will|would|can|could|should|do|does|did|may|might|must|want|got|get|see|go|check|\w{3,}ed)\b|[.!]$";

/// A qualifier that says whose the information is: "the name of the host",
/// "the host's name".
const OF_WHOM: &str = r"(?i)^\s+of\s+(?:the|your|this|that|a|an)?\s*(\w+)";
const WHOSE: &str = r"(?i)\b(\w+)(?:'s|s')\s+(?:\w+\s+)?$|\b(his|her|their|its|\w+)\s+$";
/// Words before a noun that do not make it someone else's ("your name",
/// "the best phone number").
const NOT_WHOSE: &[&str] = &[
    "what",
    "that",
    "it",
    "there",
    "who",
    "here",
    "let",
    "where",
    "how",
    "your",
    "you",
    "the",
    "a",
    "an",
    "my",
    "our",
    "me",
    "us",
    "this",
    "which",
    "whats",
    "is",
    "are",
    "was",
    "and",
    "or",
    "of",
    "for",
    "with",
    "to",
    "in",
    "on",
    "at",
    "please",
    "have",
    "get",
    "provide",
    "give",
    "share",
    "tell",
    "confirm",
    "enter",
    "specify",
    "send",
    "need",
    "know",
    "full",
    "first",
    "last",
    "given",
    "family",
    "best",
    "correct",
    "valid",
    "registered",
    "current",
    "preferred",
    "exact",
    "complete",
    "primary",
    "main",
    "same",
    "e",
    "also",
    "just",
    "again",
    "maiden",
];

/// A customer message that starts a new request: values of task-scoped
/// kinds given before it belong to an earlier request.
const NEW_TASK: &str = r"(?i)^\W*(what|what's|how|where|which|when|is|are|do|does|will)\b[^?]*\?|\b(can|could|would) you (please )?(also )?(help|book|find|get|reserve|check|set up|order|schedule|look|arrange|place|make|send|tell)\b|\b(can|could|may) i (also |now |please )?(book|get|have|order|reserve|make|schedule|rsvp)\b|\bi (also |now |still )?(need|want|would like|'d like|have) to\b|\bi (also |now )?(need|want|would like|'d like) (a|an|some|help)\b|\bhelp me\b|\b(now|next),? (let'?s|i)\b";

/// A reply that is no answer at all.
const NON_ANSWER: &str = r"(?i)\b(don'?t|do not|dont|not sure|no idea|forgot|forget|can'?t remember|cannot remember|unsure|what do you mean|understand)\b|\?";
/// A reply that states something ("The flight ID is 446") rather than
/// giving a bare value.
const STATEMENT: &str = r"(?i)\b(is|are|was|were)\b";
const YES_NO: &str = r"(?i)^\W*(yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|correct|right|thanks|thank you|hi|hello|hey|done|great|fine)\W*$";

/// Longest reply (in words) that counts as a bare value for the kind asked.
const BARE_ANSWER_WORDS: usize = 5;

/// How many words before a noun a request cue may stand.
const CUE_WINDOW_WORDS: usize = 7;

#[derive(Deserialize)]
struct KindsFile {
    kind: Vec<KindDef>,
}

#[derive(Deserialize, Default, PartialEq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Scope {
    #[default]
    Conversation,
    Task,
}

#[derive(Deserialize)]
struct KindDef {
    name: String,
    #[serde(default)]
    nouns: Vec<String>,
    #[serde(default)]
    asks: Vec<String>,
    #[serde(default)]
    gives: Vec<String>,
    #[serde(default)]
    scope: Scope,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    closed: bool,
}

/// A kind of information, compiled.
struct Kind {
    name: String,
    nouns: Option<KindRegex>,
    asks: Option<KindRegex>,
    gives: Option<KindRegex>,
    scope: Scope,
    /// Its `gives` state the customer's own value ("my name is"), which
    /// does not answer a request about someone else's ("the host's name").
    personal: bool,
    /// Its values are a closed set that `gives` lists (colours, code
    /// types): a reply that names none of them did not answer.
    closed: bool,
}

struct RepeatedInfo {
    kinds: Vec<Kind>,
    /// The words the kinds' nouns and asks start with: a cheap first test
    /// for a sentence (most sentences ask for nothing), which also narrows
    /// the kinds whose regexes it runs.
    literals: Literals,
    request: Regex,
    cue: Regex,
    negation: Regex,
    /// [`OTHER_VALUE_WORDS`] or [`CHANNEL`] (one regex: one search instead of
    /// two).
    other_value_or_channel: Regex,
    verb: Regex,
    /// A sentence that begins with a kind's noun ("Your name and email").
    starts_with_noun: Regex,
    of_whom: Regex,
    whose: Regex,
    not_whose: Regex,
    new_task: Regex,
    new_task_cue: ListId,
    ask_trigger: ListId,
    task_done: ListId,
    /// A reply that is no bare value: a non-answer, a yes or no, or a
    /// statement (one regex for the three: one search instead of three).
    not_bare: Regex,
}

/// A regex of a kind's patterns: built without a literal prefilter. The
/// kinds' regexes are most of the program's start-up, and most of that went
/// to finding literals for prefilters that do not pay on sentences the
/// [`Literals`] have already picked out.
type KindRegex = regex_automata::meta::Regex;

/// `patterns` as one alternation, each in its own group.
fn joined(patterns: &[String]) -> String {
    patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|")
}

/// The alternation of `patterns`, as a [`KindRegex`].
fn alternation(patterns: &[String], case_insensitive: bool) -> Option<KindRegex> {
    if patterns.is_empty() {
        return None;
    }
    let joined = joined(patterns);
    let regex = KindRegex::builder()
        .configure(KindRegex::config().auto_prefilter(false))
        .syntax(regex_automata::util::syntax::Config::new().case_insensitive(case_insensitive))
        .build(&ascii_boundaries(&joined))
        .unwrap_or_else(|e| panic!("rules/repeated-info/kinds.toml: {e}"));
    Some(regex)
}

/// The regex of [`OTHER_VALUE_WORDS`].
fn other_value() -> String {
    format!(r"(?i)\b({})\s+(\w+\s+)?$", OTHER_VALUE_WORDS.join("|"))
}

/// Lets a space in a pattern match any run of white space ("can  i").
fn spaced(pattern: &str) -> String {
    pattern.replace(' ', r"\s+")
}

/// Compiles a pattern with ASCII word boundaries (`\b` as `(?-u:\b)`): the
/// lazy DFA runs those directly, where Unicode boundaries need a slower
/// engine. Transcripts' words next to a boundary are ASCII in practice.
fn compile(pattern: &str, case_insensitive: bool) -> Regex {
    RegexBuilder::new(&ascii_boundaries(pattern))
        .case_insensitive(case_insensitive)
        .build()
        .unwrap_or_else(|e| panic!("rules/repeated-info/kinds.toml: {e}"))
}

fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// "my <noun> is <value>", "<noun>: <value>": the value holds a digit or an
/// @, or starts with a capital letter.
fn stated(nouns: &[String]) -> String {
    let nouns = nouns.join("|");
    format!(r#"(?i:\b(?:{nouns}))\s*(?i:is|was|:|=|#|-)\s*["'“(]?(?:[A-Z0-9]|[\w.+-]*[\d@])"#)
}

/// A kind's nouns as it matches them: each at a word start.
fn noun_patterns(k: &KindDef) -> Vec<String> {
    k.nouns.iter().map(|n| format!(r"\b(?:{n})")).collect()
}

fn build(matcher: &Matcher, _: &Settings) -> Box<dyn Rule> {
    Box::new(RepeatedInfo::new(matcher))
}

impl RepeatedInfo {
    fn new(matcher: &Matcher) -> RepeatedInfo {
        let file: KindsFile =
            toml::from_str(KINDS).expect("rules/repeated-info/kinds.toml is valid");
        assert!(
            file.kind.len() <= KindSet::BITS as usize,
            "rules/repeated-info/kinds.toml: at most {} kinds",
            KindSet::BITS
        );
        let mut all_nouns = Vec::new();
        let mut defs = Vec::new();
        for k in file.kind {
            let mut gives = k.gives.clone();
            if !k.nouns.is_empty() {
                gives.push(stated(&k.nouns));
            }
            let nouns = noun_patterns(&k);
            all_nouns.extend(k.nouns.iter().map(|n| format!("(?:{n})")));
            defs.push((k, nouns, gives));
        }
        // Each kind's nouns and asks, for its literals.
        let patterns: Vec<(Vec<String>, Vec<String>)> = defs
            .iter()
            .map(|(k, nouns, _)| (nouns.clone(), k.asks.clone()))
            .collect();
        // Compiling the kinds' regexes is most of the start-up time of the
        // whole program: do it on a second thread while this one compiles
        // the rest.
        std::thread::scope(|scope| {
            let kinds = scope.spawn(move || {
                defs.into_iter()
                    .map(|(k, nouns, gives)| Kind {
                        nouns: alternation(&nouns, true),
                        asks: alternation(&k.asks, true),
                        gives: alternation(&gives, false),
                        scope: k.scope,
                        personal: k.personal,
                        closed: k.closed,
                        name: k.name,
                    })
                    .collect()
            });
            RepeatedInfo::compile(matcher, &patterns, &all_nouns, || {
                kinds.join().expect("compiling the kinds does not panic")
            })
        })
    }

    /// Compiles everything but the kinds, which `kinds` then supplies.
    fn compile(
        matcher: &Matcher,
        patterns: &[(Vec<String>, Vec<String>)],
        all_nouns: &[String],
        kinds: impl FnOnce() -> Vec<Kind>,
    ) -> RepeatedInfo {
        let mut rule = RepeatedInfo {
            kinds: Vec::new(),
            literals: Literals::new(
                patterns
                    .iter()
                    .map(|(nouns, asks)| (nouns.as_slice(), asks.as_slice())),
                &spaced(REQUEST),
            ),
            request: compile(&spaced(REQUEST), true),
            cue: compile(&spaced(CUE), false),
            negation: compile(&spaced(NEGATION), false),
            other_value_or_channel: compile(
                &format!("(?:{})|(?:{})", other_value(), spaced(CHANNEL)),
                false,
            ),
            verb: compile(VERB, false),
            starts_with_noun: compile(
                &format!(
                    r"(?i)^\W*((your|the|and|also|ok|okay|please|plus|now|great|thanks)\W+)*({})\b",
                    all_nouns.join("|")
                ),
                false,
            ),
            of_whom: compile(OF_WHOM, false),
            whose: compile(WHOSE, false),
            not_whose: compile(&format!("(?i)^({})$", NOT_WHOSE.join("|")), false),
            new_task: compile(&spaced(NEW_TASK), false),
            new_task_cue: matcher.id("repeated-info.new-task-cue"),
            ask_trigger: matcher.id("repeated-info.ask-trigger"),
            task_done: matcher.id("repeated-info.task-done"),
            not_bare: compile(
                &format!("(?:{})|(?:{YES_NO})|(?:{STATEMENT})", spaced(NON_ANSWER)),
                false,
            ),
        };
        rule.kinds = kinds();
        rule
    }
}

/// One request for a kind of information in an agent's or bot's message.
struct Ask {
    kind: usize,
    /// Whose information ("host" in "the name of the host"); empty: the
    /// customer's own.
    whose: String,
    /// Byte range in the message.
    span: Range<usize>,
    /// The byte range of its sentence in the message.
    sentence: Range<usize>,
}

/// A reply to a request for one kind, which may give its value bare.
/// Whether it does is decided on first need (most are never looked up):
/// see [`RepeatedInfo::gives_bare`].
struct Answer {
    kind: usize,
    whose: String,
    message: usize,
    /// The message that asked, and the byte range there of the sentence
    /// that asked: whether it asked for this one thing only.
    asked_in: (usize, Range<usize>),
    gives: Option<bool>,
}

impl RepeatedInfo {
    /// Whether customer message `i` starts a new request. The pattern needs
    /// one of the cue words the shared scan already looked for (or unusual
    /// white space, which the pattern's `\s+` allows and a phrase does not).
    fn starts_new_task(&self, a: &Analysis, i: usize) -> bool {
        let t = a.text(i);
        let may = a.hits_of(i, self.new_task_cue).next().is_some() || unusual_space(t);
        may && self.new_task.is_match(t)
    }

    /// The requests for information in `t`, whose sentences `sentences`
    /// gives (asked only when `t` may name a kind). `ends`: a buffer for
    /// [`Literals::ends`], kept from message to message.
    fn asks<'a>(
        &self,
        t: &str,
        sentences: impl FnOnce() -> &'a [Range<usize>],
        ends: &mut Vec<(usize, Candidates)>,
    ) -> Vec<Ask> {
        let mut out: Vec<Ask> = Vec::new();
        // The start words of the whole message, when it is ASCII: most
        // messages have none, and need no sentences.
        let ends = self.literals.ends(t, ends).then_some(&*ends);
        if let Some(ends) = ends {
            if self.literals.ending_in(ends, 0..t.len()).any() == 0 {
                return out;
            }
        }
        // Quoted words are cited, not asked; found on first need.
        let mut quoted: Option<Vec<Range<usize>>> = None;
        for sentence in sentences() {
            let s = &t[sentence.clone()];
            let candidates = match ends {
                Some(ends) => self.literals.ending_in(ends, sentence.clone()),
                None => self.literals.candidates(s),
            };
            if candidates.any() == 0 {
                continue;
            }
            let Some(fragment) = self.request(s, candidates.request) else {
                continue;
            };
            let quoted = quoted.get_or_insert_with(|| {
                if may_quote(t) {
                    text::quoted_spans(t)
                } else {
                    Vec::new()
                }
            });
            let from = out.len();
            self.sentence_asks(s, sentence.start, candidates, fragment, quoted, &mut out);
            drop_covered(t, &mut out, from);
        }
        out
    }

    /// Whether sentence `s` is a request: `None` when not, else whether it
    /// is a fragment (no verb, read as a request for its nouns).
    /// `may_request`: whether it may hold a word of [`REQUEST`].
    fn request(&self, s: &str, may_request: bool) -> Option<bool> {
        let question = s.trim_end_matches(['.', '!', ')', ' ']).ends_with('?');
        let fragment = !question
            && !s.ends_with('!')
            && self.starts_with_noun.is_match(s)
            && at_most_words(s, 10)
            && !self.verb.is_match(s.trim_end_matches('.'));
        (question || fragment || (may_request && self.request.is_match(s))).then_some(fragment)
    }

    /// The kinds request sentence `s` (at `offset` in its message) asks for,
    /// added to `found` (at most one ask per kind).
    fn sentence_asks(
        &self,
        s: &str,
        offset: usize,
        candidates: Candidates,
        fragment: bool,
        quoted: &[Range<usize>],
        found: &mut Vec<Ask>,
    ) {
        let mut left = candidates.any();
        while left != 0 {
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            let kind = &self.kinds[k];
            let bit: KindSet = 1 << k;
            let (asks, nouns) = (candidates.asks & bit != 0, candidates.nouns & bit != 0);
            let Some((span, noun)) =
                self.kind_asked(kind, s, offset, (asks, nouns), fragment, quoted)
            else {
                continue;
            };
            // A request that contains the value is a confirmation (tested
            // only now: most kinds the set names are not asked).
            if kind.gives.as_ref().is_some_and(|g| g.is_match(s)) {
                continue;
            }
            let whose = if noun {
                self.whose(&s[..span.start], &s[span.end..])
            } else {
                String::new()
            };
            found.push(Ask {
                kind: k,
                whose,
                span: offset + span.start..offset + span.end,
                sentence: offset..offset + s.len(),
            });
        }
    }

    /// Where sentence `s` asks for `kind`: by one of its whole-question
    /// `asks`, or else by its first noun that is asked; `true` for a noun.
    /// `may`: whether its asks, and its nouns, may match (see
    /// [`Self::candidates`]); those that cannot are not searched.
    fn kind_asked(
        &self,
        kind: &Kind,
        s: &str,
        offset: usize,
        may: (bool, bool),
        fragment: bool,
        quoted: &[Range<usize>],
    ) -> Option<(Range<usize>, bool)> {
        let asks = kind.asks.as_ref().filter(|_| may.0);
        if let Some(m) = asks.and_then(|r| r.find(s)) {
            let window = last_words(&s[..m.start()], CUE_WINDOW_WORDS);
            if !text::inside(quoted, offset + m.start()) && !self.negated(window) {
                return Some((m.range(), false));
            }
        }
        kind.nouns
            .as_ref()
            .filter(|_| may.1)?
            .find_iter(s)
            .map(|m| m.range())
            .find(|m| !text::inside(quoted, offset + m.start) && self.noun_asked(s, m, fragment))
            .map(|m| (m, true))
    }

    /// Whether the noun at `m` in sentence `s` is asked for: after a request
    /// cue, in a fragment or before "please"; not negated ("do not share"),
    /// not "a different" one, not "send us an email".
    fn noun_asked(&self, s: &str, m: &Range<usize>, fragment: bool) -> bool {
        let before = &s[..m.start];
        let window = last_words(before, CUE_WINDOW_WORDS);
        let asked = fragment
            || s[m.end..]
                .trim_start_matches([',', ' '])
                .starts_with("please")
            || self.cue.is_match(window);
        asked && !self.negated(window) && !self.other_value_or_channel(before)
    }

    /// Whether `window` matches [`NEGATION`], which needs one of the words
    /// that [`may_negate`] looks for.
    fn negated(&self, window: &str) -> bool {
        may_negate(window) && self.negation.is_match(window)
    }

    /// Whether `before` ends in [`OTHER_VALUE_WORDS`] or [`CHANNEL`] (see
    /// [`may_end_other_value_or_channel`]).
    fn other_value_or_channel(&self, before: &str) -> bool {
        may_end_other_value_or_channel(before) && self.other_value_or_channel.is_match(before)
    }

    /// Whether sentence `s` asks for one thing only (", please" makes no
    /// list; the copy without it is made only when there is one).
    fn single(&self, s: &str) -> bool {
        if s.contains(", please") {
            !is_list(&s.replace(", please", ""))
        } else {
            !is_list(s)
        }
    }

    fn whose(&self, before: &str, after: &str) -> String {
        if may_start_with_of(after) {
            if let Some(c) = self.of_whom.captures(after) {
                return c[1].to_lowercase();
            }
        }
        match self.whose_word(before) {
            Some(w) if !self.not_whose(w) => w.to_lowercase(),
            _ => String::new(),
        }
    }

    /// The word that [`WHOSE`] captures in `before`: without the regex when
    /// [`last_ascii_word`] can tell.
    fn whose_word<'s>(&self, before: &'s str) -> Option<&'s str> {
        if let Some(w) = last_ascii_word(before) {
            return w;
        }
        let c = self.whose.captures(before)?;
        Some(c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str()))
    }

    /// Whether `w` is one of [`NOT_WHOSE`], ignoring case. An ASCII word is
    /// compared directly; others go through the regex, whose Unicode case
    /// folding may match them to an ASCII word.
    fn not_whose(&self, w: &str) -> bool {
        if w.is_ascii() {
            NOT_WHOSE.iter().any(|x| x.eq_ignore_ascii_case(w))
        } else {
            self.not_whose.is_match(w)
        }
    }

    /// Whether `reply` is a bare value given in reply to a request.
    fn bare_answer(&self, reply: &str) -> bool {
        at_most_words(reply, BARE_ANSWER_WORDS) && !self.not_bare.is_match(reply)
    }

    /// Whether reply `r` gives a value of the kind asked, bare: it replied
    /// to a request for that one thing, and is no non-answer and no value of
    /// another kind (decided once).
    fn gives_bare(&self, a: &Analysis, values: &mut Values, r: &mut Answer) -> bool {
        *r.gives.get_or_insert_with(|| {
            let (asker, sentence) = &r.asked_in;
            self.single(&a.text(*asker)[sentence.clone()])
                && self.bare_answer(a.text(r.message))
                && !values.of_other_kind(a, r.message, r.kind)
        })
    }
}

/// Drops the asks of one sentence, `asks[from..]`, that another of them
/// covers: "full name" is not also a "name"; "the name of your workspace"
/// is the workspace.
fn drop_covered(t: &str, asks: &mut Vec<Ask>, from: usize) {
    let found = &asks[from..];
    let covered = |x: &Ask| {
        found.iter().any(|y| {
            (y.span.start <= x.span.start
                && x.span.end <= y.span.end
                && y.span.len() > x.span.len())
                || (!x.whose.is_empty() && t[y.span.clone()].to_lowercase().starts_with(&x.whose))
        })
    };
    // A sentence asks for each kind at most once, so a KindSet has a bit
    // for each of its asks.
    let dropped = found
        .iter()
        .enumerate()
        .filter(|(_, x)| covered(x))
        .fold(0 as KindSet, |d, (j, _)| d | 1 << j);
    if dropped == 0 {
        return;
    }
    let mut j = 0;
    asks.retain(|_| {
        let keep = j < from || dropped & 1 << (j - from) == 0;
        j += 1;
        keep
    });
}

/// Whether `t` holds a `"`, `“` or `>`, which [`text::quoted_spans`] needs
/// to find any span: a byte search, where a search for any of three chars
/// decodes every character.
fn may_quote(t: &str) -> bool {
    memchr::memchr2(b'"', b'>', t.as_bytes()).is_some() || t.contains('\u{201C}')
}

/// Whether `t` may match [`NEGATION`]: it holds "no" (as in "not" and "no
/// need"), "never", "without", "n't" or "dont", in some ASCII case. No other
/// character folds to their letters (see the test
/// `case_folds_of_ascii_letters`), so without them the regex cannot match.
fn may_negate(t: &str) -> bool {
    let b = t.as_bytes();
    let at = |i: usize, w: &str| {
        b[i..]
            .get(..w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
    };
    // `| 0x20` lower-cases these three letters, and no other byte becomes
    // one of them.
    b.iter().enumerate().any(|(i, &c)| match c | 0x20 {
        b'n' => at(i, "no") || at(i, "never") || at(i, "n't"),
        b'w' => at(i, "without"),
        b'd' => at(i, "dont"),
        _ => false,
    })
}

/// Whether `before` may match [`other_value`] or [`CHANNEL`]. Both end in
/// white space: in a match of [`other_value`] one of the last two words
/// ends with one of [`OTHER_VALUE_WORDS`] ("a different ", "another phone
/// "), and in one of `CHANNEL` the last word ends with "a", "an", "quick"
/// or "another" (a word here: what lies between white space). Text that is
/// not ASCII may hold characters that fold to their letters ('ſ', the
/// Kelvin sign): it may match.
fn may_end_other_value_or_channel(before: &str) -> bool {
    if !before.is_ascii() {
        return true;
    }
    let ends_in = |w: &str, list: &[&str]| {
        list.iter().any(|x| {
            w.len() >= x.len()
                && w.as_bytes()[w.len() - x.len()..].eq_ignore_ascii_case(x.as_bytes())
        })
    };
    let mut words = before
        .rsplit(|c: char| u8::try_from(c).is_ok_and(literals::is_space))
        .filter(|w| !w.is_empty());
    let last = words.next().unwrap_or("");
    let second = words.next().unwrap_or("");
    ends_in(last, OTHER_VALUE_WORDS)
        || ends_in(second, OTHER_VALUE_WORDS)
        || ends_in(last, &["a", "an", "quick"])
}

/// Whether sentence `s` asks for several things, so that a bare reply may
/// answer any of them: it has "and" or "or" as a word (ASCII case-folded;
/// no other letter folds to these), or one of `,;&/`. The regex
/// `(?i)\b(and|or)\b|[,;&/]` (ASCII `\b`), written out: a byte scan costs a
/// fraction of a regex search here.
fn is_list(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let word_at = |i: usize, w: &str| {
        b[i..]
            .get(..w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
            && !word(i + w.len())
    };
    b.iter().enumerate().any(|(i, &c)| match c {
        b',' | b';' | b'&' | b'/' => true,
        b'a' | b'A' => (i == 0 || !word(i - 1)) && word_at(i, "and"),
        b'o' | b'O' => (i == 0 || !word(i - 1)) && word_at(i, "or"),
        _ => false,
    })
}

/// Whether `t` has at most `n` words (counts no further).
fn at_most_words(t: &str, n: usize) -> bool {
    text::words(t).nth(n).is_none()
}

/// Whether `t` holds white space that a phrase does not match but `\s+`
/// does: a tab, a line break, a no-break space, or two spaces in a row.
fn unusual_space(t: &str) -> bool {
    let b = t.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'\t' | b'\n' | b'\r' => true,
        b' ' => b.get(i + 1) == Some(&b' '),
        0xC2 => b.get(i + 1) == Some(&0xA0),
        _ => false,
    })
}

/// Whether `after` may match [`OF_WHOM`]: white space, then "of" (no
/// other letter folds to an "o" or an "f").
fn may_start_with_of(after: &str) -> bool {
    let rest = after.trim_start();
    rest.len() < after.len()
        && rest
            .as_bytes()
            .get(..2)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"of"))
}

/// What [`WHOSE`] captures in `before`, when that is plain to see: with no
/// apostrophe ("the host's") only its second branch can match, and when the
/// word before the trailing white space is ASCII after a non-word ASCII
/// character (or the start), that word is the capture. `Some(None)`: no
/// match; `None`: cannot tell without the regex.
fn last_ascii_word(before: &str) -> Option<Option<&str>> {
    if before.contains('\'') {
        return None;
    }
    let trimmed = before.trim_end();
    if trimmed.len() == before.len() {
        return Some(None);
    }
    let b = trimmed.as_bytes();
    let start = b
        .iter()
        .rposition(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .map_or(0, |i| i + 1);
    // The character before the word (or, with no word, its last one) may
    // be a non-ASCII word character.
    if start > 0 && !b[start - 1].is_ascii() {
        return None;
    }
    Some((start < b.len()).then(|| &trimmed[start..]))
}

/// Which kinds' `gives` match each message (bit `k` for `kinds[k]`), each
/// tested on first use: every request looks back over the earlier customer
/// messages, and a bare reply is tested against every kind.
struct Values<'r> {
    rule: &'r RepeatedInfo,
    messages: usize,
    /// Per message, the kinds tested so far, and those of them that match
    /// (allocated on first use: most chats test none).
    tested_given: Vec<(KindSet, KindSet)>,
}

type KindSet = u32;

impl<'r> Values<'r> {
    fn new(rule: &'r RepeatedInfo, messages: usize) -> Self {
        Values {
            rule,
            messages,
            tested_given: Vec::new(),
        }
    }

    /// Makes room for every message, on first use.
    fn allocate(&mut self) {
        if self.tested_given.is_empty() {
            self.tested_given = vec![(0, 0); self.messages];
        }
    }

    /// Whether message `i` gives a value of `kind`.
    fn gives(&mut self, a: &Analysis, i: usize, kind: usize) -> bool {
        self.allocate();
        let bit: KindSet = 1 << kind;
        let (tested, given) = &mut self.tested_given[i];
        if *tested & bit == 0 {
            *tested |= bit;
            let gives = self.rule.kinds[kind].gives.as_ref();
            if gives.is_some_and(|g| g.is_match(a.text(i))) {
                *given |= bit;
            }
        }
        *given & bit != 0
    }

    /// Whether message `i` gives a value of a kind other than `kind` ("7pm"
    /// in reply to "at what venue?", "031431" to "which code type?"), and
    /// none of `kind`: then it is not a bare value of `kind`.
    fn of_other_kind(&mut self, a: &Analysis, i: usize, kind: usize) -> bool {
        if self.gives(a, i, kind) {
            return false;
        }
        self.rule.kinds[kind].closed
            || (0..self.rule.kinds.len()).any(|k| k != kind && self.gives(a, i, k))
    }
}

/// Where the customer's current request began: the last customer message
/// that starts a new request, or follows an agent's offer of more help.
/// [`RepeatedInfo::starts_new_task`] runs only when a task-scoped kind is
/// asked, and from the latest customer message back, until one starts a
/// request (the earlier ones cannot matter).
#[derive(Default)]
struct Tasks {
    /// The customer's messages so far, each with whether the agent had
    /// offered more help before it.
    customer: Vec<(usize, bool)>,
    /// How many of `customer` [`Tasks::start`] has looked at, and the
    /// start it found.
    seen: usize,
    start: usize,
}

impl Tasks {
    fn start(&mut self, starts_new_task: impl Fn(usize) -> bool) -> usize {
        let new = &self.customer[self.seen..];
        if let Some(&(j, _)) = new
            .iter()
            .rev()
            .find(|&&(j, offered)| offered || starts_new_task(j))
        {
            self.start = j;
        }
        self.seen = self.customer.len();
        self.start
    }
}

/// The end of `s` holding its last `n` words (of alphanumeric characters
/// and `'`). Read from the end a byte at a time; only a non-ASCII byte
/// decodes its character.
fn last_words(s: &str, n: usize) -> &str {
    let mut seen = 0;
    let mut in_word = false;
    let mut end = s.len();
    while let Some(&b) = s.as_bytes()[..end].last() {
        let (start, w) = if b.is_ascii() {
            (end - 1, b.is_ascii_alphanumeric() || b == b'\'')
        } else {
            let (i, c) = s[..end].char_indices().next_back().expect("a character");
            (i, c.is_alphanumeric())
        };
        if w && !in_word {
            seen += 1;
        }
        if !w && in_word && seen == n {
            return &s[end..];
        }
        in_word = w;
        end = start;
    }
    s
}

impl Rule for RepeatedInfo {
    fn check(&self, a: &Analysis) -> Verdict {
        if a.agent_after_customer().is_empty() {
            return Verdict::na();
        }
        let first_customer = a.first_customer().unwrap_or(usize::MAX);
        let mut findings: Vec<Finding> = Vec::new();
        let mut values = Values::new(self, a.conv.messages.len());
        let mut answers: Vec<Answer> = Vec::new();
        // Customer messages that replied to requests, with the kinds asked.
        let mut replies: Vec<(usize, KindSet)> = Vec::new();
        // Requests of the agent's or bot's last message (`pending_message`),
        // waiting for a reply.
        let mut pending: Vec<Ask> = Vec::new();
        let mut pending_message = 0;
        // Where the customer's current request began: found on first need.
        let mut tasks = Tasks {
            customer: Vec::with_capacity(a.customer.len()),
            ..Tasks::default()
        };
        let mut offered_more = false;
        let mut ends = Vec::new();
        for (i, m) in a.conv.messages.iter().enumerate() {
            if m.is_customer() {
                tasks.customer.push((i, offered_more));
                offered_more = false;
                let kinds = pending.iter().fold(0 as KindSet, |ks, p| ks | 1 << p.kind);
                if kinds.count_ones() == 1 {
                    let p = &pending[0];
                    answers.push(Answer {
                        kind: p.kind,
                        whose: p.whose.clone(),
                        message: i,
                        asked_in: (pending_message, p.sentence.clone()),
                        gives: None,
                    });
                }
                if kinds != 0 {
                    replies.push((i, kinds));
                }
                pending.clear();
                continue;
            }
            let human = m.is_agent_visible();
            if !(human || (m.role == Role::Bot && !m.internal && m.event.is_none())) {
                continue;
            }
            let t = a.text(i);
            let (triggered, offers_more) = if human {
                self.agent_cues(a, i)
            } else {
                (true, false)
            };
            // A human agent's message without a trigger word asks for nothing
            // (bot messages are not scanned, so they are always analysed).
            let asks = if triggered {
                self.asks(t, || a.sentences(i), &mut ends)
            } else {
                Vec::new()
            };
            if human && i > first_customer {
                for ask in &asks {
                    if findings.iter().any(|f| f.message == i) {
                        break;
                    }
                    let kind = &self.kinds[ask.kind];
                    let from = match kind.scope {
                        Scope::Conversation => 0,
                        Scope::Task => tasks.start(|j| self.starts_new_task(a, j)),
                    };
                    let given = answers
                        .iter_mut()
                        .find_map(|g| {
                            (g.kind == ask.kind
                                && g.whose == ask.whose
                                && g.message >= from
                                && self.gives_bare(a, &mut values, g))
                            .then_some(g.message)
                        })
                        .or_else(|| {
                            kind.gives.as_ref()?;
                            // A value given in reply to a request for this
                            // kind answered that request, not one about
                            // something else ("the colour of the second
                            // cable").
                            if kind.personal && !ask.whose.is_empty() {
                                return None;
                            }
                            let other_request = |c: usize| {
                                !ask.whose.is_empty()
                                    && replies
                                        .iter()
                                        .any(|&(r, ks)| r == c && ks & 1 << ask.kind != 0)
                            };
                            a.customer
                                .iter()
                                .copied()
                                .filter(|&c| c >= from && c < i)
                                .find(|&c| !other_request(c) && values.gives(a, c, ask.kind))
                        });
                    if let Some(given) = given {
                        findings.push(finding(
                            i,
                            Some((ask.span.start as u32, ask.span.end as u32)),
                            format!(
                                "asks for the {} that the customer already gave in message {given}",
                                kind.name
                            ),
                        ));
                    }
                }
            }
            pending = asks;
            pending_message = i;
            if offers_more {
                offered_more = true;
            }
        }
        if findings.is_empty() {
            Verdict::pass()
        } else {
            Verdict::fail_all(findings)
        }
    }
}

impl RepeatedInfo {
    /// Whether agent message `i` holds a trigger word (see ask-trigger.txt),
    /// and whether it offers more help (task-done.txt): one pass over its
    /// hits.
    fn agent_cues(&self, a: &Analysis, i: usize) -> (bool, bool) {
        a.hits(i).iter().fold((false, false), |(trigger, done), h| {
            (
                trigger || h.list == self.ask_trigger,
                done || h.list == self.task_done,
            )
        })
    }

    /// Whether a kind's nouns or asks match sentence `s`.
    fn may_ask(&self, s: &str) -> bool {
        self.kinds.iter().any(|k| {
            k.nouns.as_ref().is_some_and(|r| r.is_match(s))
                || k.asks.as_ref().is_some_and(|r| r.is_match(s))
        })
    }
}

/// Sentences of `texts` that the kind patterns could read as asking for
/// something although their message holds no trigger word (see
/// ask-trigger.txt). Empty when the trigger list covers every text.
pub fn untriggered_asks(matcher: &Matcher, texts: &[&str]) -> Vec<String> {
    let rule = RepeatedInfo::new(matcher);
    let mut out = Vec::new();
    for text in texts {
        let mut hits = Vec::new();
        matcher.scan(crate::phrases::Scope::Agent, text, &mut hits);
        if hits.iter().any(|h| h.list == rule.ask_trigger) {
            continue;
        }
        out.extend(
            text::sentences(text)
                .into_iter()
                .map(|r| text[r].to_string())
                .filter(|s| rule.may_ask(s)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_words_keeps_the_tail() {
        assert_eq!(
            last_words("could you please provide your", 2),
            "provide your"
        );
        assert_eq!(last_words("your", 7), "your");
        assert_eq!(last_words("a b, don't Ökonom  ", 2), "don't Ökonom  ");
        assert_eq!(last_words("x — café's ", 1), "café's ");
        assert_eq!(last_words("", 3), "");
    }

    proptest::proptest! {
        /// [`last_words`] finds what reading characters from the end finds.
        #[test]
        fn last_words_reads_characters(s in "[a-zA-Z0-9' ,.é—_\u{a0}Ö]{0,30}", n in 1usize..5) {
            let mut seen = 0;
            let mut in_word = false;
            let mut want = s.as_str();
            for (i, c) in s.char_indices().rev() {
                let w = c.is_alphanumeric() || c == '\'';
                if w && !in_word {
                    seen += 1;
                }
                if !w && in_word && seen == n {
                    want = &s[i + c.len_utf8()..];
                    break;
                }
                in_word = w;
            }
            proptest::prop_assert_eq!(last_words(&s, n), want);
        }
    }

    /// Words and separators around the words of [`NEGATION`],
    /// [`OTHER_VALUE_WORDS`] and [`CHANNEL`].
    fn prefilter_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        let words = proptest::sample::select(vec![
            "not",
            "NoT",
            "no",
            "need",
            "never",
            "without",
            "n't",
            "don't",
            "dont",
            "send",
            "us",
            "me",
            "an",
            "a",
            "quick",
            "another",
            "other",
            "new",
            "renew",
            "Second",
            "ſpare",
            "bac\u{212A}up",
            "spare",
            "different",
            "email",
            "your",
            "the",
            "é",
            "data",
            "x_1",
        ]);
        let seps = proptest::sample::select(vec![
            " ", "  ", "\t", "\u{a0}", "\u{85}", "-", ",", "'", "", "\n", "\x0B",
        ]);
        proptest::collection::vec((words, seps), 0..8)
            .prop_map(|ws| ws.into_iter().flat_map(|(w, s)| [w, s]).collect())
    }

    proptest::proptest! {
        /// The prefilters pass every text their regexes match.
        #[test]
        fn prefilters_cover_their_regexes(t in prefilter_text()) {
            let negation = compile(&spaced(NEGATION), false);
            let other = compile(&format!("(?:{})|(?:{})", other_value(), spaced(CHANNEL)), false);
            proptest::prop_assert!(!negation.is_match(&t) || may_negate(&t), "{:?}", t);
            proptest::prop_assert!(!other.is_match(&t) || may_end_other_value_or_channel(&t), "{:?}", t);
        }
    }

    #[test]
    fn stated_values_need_a_value() {
        let r = compile(&stated(&["e-?mail".to_string()]), false);
        assert!(r.is_match("my email is jo@x.com"));
        assert!(!r.is_match("my email is not working"));
    }

    #[test]
    fn is_list_is_the_list_regex() {
        let list = compile(r"(?i)\b(and|or)\b|[,;&/]", false);
        for s in [
            "Name and email",
            "name AND email",
            "Android",
            "your order number or PIN",
            "for the record",
            "Or else",
            "sand_or",
            "a/b",
            "x; y",
            "Q&A",
            "yes, and",
            "andé",
            "éand",
            "or",
            "",
            "What is your name?",
        ] {
            assert_eq!(is_list(s), list.is_match(s), "{s}");
        }
    }

    #[test]
    fn whose_shortcuts_agree_with_the_regexes() {
        let whose = compile(WHOSE, false);
        let of_whom = compile(OF_WHOM, false);
        for s in [
            "What is your ",
            "the host's ",
            "what is the ",
            "what is the",
            "",
            " ",
            "please provide the hosts' ",
            "give me your mother_2 ",
            "what is Ökonom ",
            "ask the café ",
            "what is,  ",
            "confirm the  ",
            "x y\t",
            " of the host",
            " Of your workspace",
            "of the host",
            "  offer",
            " for the host",
            " of",
        ] {
            if let Some(w) = last_ascii_word(s) {
                let c = whose.captures(s);
                let r = c
                    .as_ref()
                    .map(|c| c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str()));
                assert_eq!(w, r, "{s:?}");
            }
            if !may_start_with_of(s) {
                assert!(!of_whom.is_match(s), "{s:?}");
            }
        }
    }

    /// Each kind's nouns and asks regexes, the [`REQUEST`] regex, and the
    /// literals built from them.
    type KindRegexes = (Vec<(Option<KindRegex>, Option<KindRegex>)>, Regex, Literals);

    fn kind_regexes() -> &'static KindRegexes {
        static KINDS_COMPILED: std::sync::OnceLock<KindRegexes> = std::sync::OnceLock::new();
        KINDS_COMPILED.get_or_init(|| {
            let file: KindsFile = toml::from_str(KINDS).unwrap();
            let nouns: Vec<Vec<String>> = file.kind.iter().map(noun_patterns).collect();
            let literals = Literals::new(
                file.kind
                    .iter()
                    .zip(&nouns)
                    .map(|(k, n)| (n.as_slice(), k.asks.as_slice())),
                &spaced(REQUEST),
            );
            let regexes = file
                .kind
                .iter()
                .zip(&nouns)
                .map(|(k, n)| (alternation(n, true), alternation(&k.asks, true)))
                .collect();
            (regexes, compile(&spaced(REQUEST), true), literals)
        })
    }

    /// The candidates that the kinds' regexes and [`REQUEST`] say a
    /// sentence must have.
    fn must_be_candidates(s: &str) -> Candidates {
        let mut c = Candidates {
            request: kind_regexes().1.is_match(s),
            ..Candidates::default()
        };
        for (k, (nouns, asks)) in kind_regexes().0.iter().enumerate() {
            if nouns.as_ref().is_some_and(|r| r.is_match(s)) {
                c.nouns |= 1 << k;
            }
            if asks.as_ref().is_some_and(|r| r.is_match(s)) {
                c.asks |= 1 << k;
            }
        }
        c
    }

    /// The kinds ending in each sentence of message `t` cover those its
    /// regexes need (see [`Literals::ends`]), and so do its candidates.
    fn assert_ends_cover_sentences(t: &str) {
        let literals = &kind_regexes().2;
        let mut ends = Vec::new();
        let found = literals.ends(t, &mut ends);
        assert_eq!(found, t.is_ascii(), "{t:?}");
        for r in text::sentences(t) {
            assert_candidates_cover(&t[r.clone()]);
            if found {
                assert_covers(
                    must_be_candidates(&t[r.clone()]),
                    literals.ending_in(&ends, r),
                    t,
                );
            }
        }
    }

    fn assert_candidates_cover(s: &str) {
        assert_covers(must_be_candidates(s), kind_regexes().2.candidates(s), s);
    }

    /// Every kind in `must` is in `got`, for text `t`.
    fn assert_covers(must: Candidates, got: Candidates, t: &str) {
        assert_eq!(must.asks & !got.asks, 0, "asks of {t:?}");
        assert_eq!(must.nouns & !got.nouns, 0, "nouns of {t:?}");
        assert!(!must.request || got.request, "request words of {t:?}");
    }

    /// The characters that match, under `(?i)`, an ASCII letter: their
    /// ASCII cases, and 'ſ' and the Kelvin sign. The literals rely on this.
    #[test]
    fn case_folds_of_ascii_letters() {
        assert_eq!(
            crate::rules::testing::non_ascii_case_folds("a-z"),
            ['\u{17F}', '\u{212A}']
        );
    }

    /// Every kind's patterns have start words (else the kind would be a
    /// candidate in every sentence), and they make a DFA.
    #[test]
    fn every_pattern_has_start_words() {
        assert!(kind_regexes().2.has_dfa());
        assert!(matches!(
            literals::starts(&spaced(REQUEST)),
            literals::Starts::Words(_)
        ));
        let file: KindsFile = toml::from_str(KINDS).unwrap();
        for k in &file.kind {
            for p in noun_patterns(k).iter().chain(&k.asks) {
                assert!(
                    matches!(literals::starts(p), literals::Starts::Words(_)),
                    "{}: {p}",
                    k.name
                );
            }
        }
    }

    #[test]
    fn candidates_cover_the_fixture_sentences() {
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        let mut sentences = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(file) = std::fs::read_to_string(&path) else {
                    continue;
                };
                for line in file.lines() {
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                        continue;
                    };
                    for m in v["messages"].as_array().into_iter().flatten() {
                        let t = m["text"].as_str().unwrap_or("");
                        assert_ends_cover_sentences(t);
                        sentences += text::sentences(t).len();
                    }
                }
            }
        }
        assert!(sentences > 1000, "{sentences}");
    }

    #[test]
    fn candidates_cover_odd_sentences() {
        for s in [
            "What is your e-mail?",
            "your EMAIL",
            "your emaiL address",
            "Your ſurname?",
            "your \u{212A}ind of code?",
            "_name",
            "éname",
            "1name",
            "full\tname",
            "who  am i speaking to",
            "who am i speaking to",
            "where are you?",
            "Where are you right now",
            "Where to?",
            "Are you using an iPhone",
            "what's the pick-up location",
            "pickup time",
            "PIN",
            "pin",
            "user  name",
            "Colour?",
            "color",
            "os",
            "iOS",
            "phone\u{a0}number",
            "order \u{2003}number",
            "account\u{3000} name",
            "where are\u{85}you",
            "the phone\t\n# ",
            "",
        ] {
            assert_candidates_cover(s);
        }
    }

    /// Words of the kinds' nouns and asks and some others, for the property
    /// test.
    fn vocabulary() -> Vec<String> {
        let file: KindsFile = toml::from_str(KINDS).unwrap();
        let mut words: Vec<String> = file
            .kind
            .iter()
            .flat_map(|k| k.nouns.iter().chain(&k.asks))
            .flat_map(|p| p.split(|c: char| !c.is_ascii_alphabetic()))
            .filter(|w| w.len() > 1)
            .map(str::to_string)
            .collect();
        words.extend(
            REQUEST
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1)
                .map(str::to_string),
        );
        words.extend(["e-mail", "pick-up", "the", "your", "i", "we", "me", "us"].map(String::from));
        words.sort();
        words.dedup();
        words
    }

    /// Text of vocabulary words (by index, modulo its length), each spelled
    /// by `spell` from its case number and followed by its separator.
    fn vocabulary_text(parts: &[(usize, u8, &str)], spell: impl Fn(&str, u8) -> String) -> String {
        let vocabulary = vocabulary();
        let mut s = String::new();
        for &(w, case, sep) in parts {
            s.push_str(&spell(&vocabulary[w % vocabulary.len()], case));
            s.push_str(sep);
        }
        s
    }

    /// Matches of each noun and ask pattern (generated from it, without its
    /// zero-width assertions), in some case and some context.
    #[test]
    fn candidates_cover_generated_matches() {
        use proptest::strategy::{Strategy, ValueTree};
        let file: KindsFile = toml::from_str(KINDS).unwrap();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let contexts = [
            ("", ""),
            ("What is your ", "?"),
            ("please confirm the ", " please"),
            ("x", ""),
            ("é", "s"),
            ("_", ""),
            ("1", "x"),
            ("ok, ", "."),
        ];
        let patterns = file.kind.iter().flat_map(|k| k.nouns.iter().chain(&k.asks));
        for p in patterns.map(String::as_str).chain([REQUEST]) {
            {
                let bare = p.replace(r"\b", "").replace(['^', '$'], "");
                let gen = proptest::string::string_regex(&bare).unwrap();
                for i in 0..64 {
                    let m = gen.new_tree(&mut runner).unwrap().current();
                    let m: String = m
                        .chars()
                        .enumerate()
                        .map(|(j, c)| match (i + j) % 3 {
                            0 => c.to_ascii_uppercase(),
                            _ => c,
                        })
                        .collect();
                    let (before, after) = contexts[i % contexts.len()];
                    assert_candidates_cover(&format!("{before}{m}{after}"));
                    assert_ends_cover_sentences(&format!("Hi.{before}{m}{after}! Ok?{m}\n{m}"));
                    assert_candidates_cover(&m.replace('s', "ſ"));
                }
            }
        }
    }

    /// One of a kind's regexes as [`alternation`] builds it, and as the
    /// `regex` crate does.
    type BothRegexes = (Option<KindRegex>, Option<Regex>);

    /// Each kind's nouns, asks and gives as the `regex` crate compiles
    /// them: what [`alternation`] must match the same as.
    fn by_regex_crate() -> &'static Vec<[BothRegexes; 3]> {
        static COMPILED: std::sync::OnceLock<Vec<[BothRegexes; 3]>> = std::sync::OnceLock::new();
        COMPILED.get_or_init(|| {
            let file: KindsFile = toml::from_str(KINDS).unwrap();
            let both = |patterns: &[String], case_insensitive: bool| {
                let crate_regex =
                    (!patterns.is_empty()).then(|| compile(&joined(patterns), case_insensitive));
                (alternation(patterns, case_insensitive), crate_regex)
            };
            file.kind
                .iter()
                .map(|k| {
                    let mut gives = k.gives.clone();
                    if !k.nouns.is_empty() {
                        gives.push(stated(&k.nouns));
                    }
                    [
                        both(&noun_patterns(k), true),
                        both(&k.asks, true),
                        both(&gives, false),
                    ]
                })
                .collect()
        })
    }

    proptest::proptest! {
        #[test]
        fn kind_regexes_match_as_the_regex_crate_does(
            parts in proptest::collection::vec(
                (0usize..1000, 0u8..6, proptest::sample::select(vec![
                    " ", " ", " ", "  ", "", "-", ", ", "?", "é", "\u{a0}", "_", "1", "'",
                    ". ", ": ", " is ", "\n", " my ", "@example.com", " 88-1234567",
                    " R4TZ9M", " at 6pm", " Monday", " +44 7700 900123", " 12/05/1990",
                ])),
                1..12,
            )
        ) {
            let s = vocabulary_text(&parts, |w, case| match case {
                0 => w.to_uppercase(),
                1 => w.replace('s', "ſ").replace('k', "\u{212A}"),
                _ => w.to_string(),
            });
            for regexes in by_regex_crate() {
                for (ours, theirs) in regexes {
                    let ours: Vec<_> = ours.iter().flat_map(|r| r.find_iter(&s)).map(|m| m.range()).collect();
                    let theirs: Vec<_> = theirs.iter().flat_map(|r| r.find_iter(&s)).map(|m| m.range()).collect();
                    proptest::prop_assert_eq!(ours, theirs, "{:?}", s);
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn candidates_cover_the_regexes(
            parts in proptest::collection::vec(
                (0usize..1000, 0u8..16, proptest::sample::select(vec![
                    " ", " ", " ", " ", " ", " ", " ", " ", "  ", "", "-", ", ", "?", "\t", "é",
                    "\u{a0}", "_", "1", "'", "ſ", "\u{212A}", ". ", "!", "\n", "?!", ".",
                ])),
                1..10,
            )
        ) {
            let s = vocabulary_text(&parts, |w, case| match case {
                1 => w.to_uppercase(),
                2 => {
                    let mut c = w.chars();
                    c.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(c).collect()
                }
                3 => w.replace('s', "ſ").replace('k', "\u{212A}"),
                _ => w.to_string(),
            });
            assert_candidates_cover(&s);
            assert_ends_cover_sentences(&s);
        }
    }

    proptest::proptest! {
        /// The lazy task start is the eager one: the last customer message
        /// that followed an offer of more help or starts a new request.
        #[test]
        fn tasks_start_where_the_eager_loop_did(
            steps in proptest::collection::vec((proptest::bool::ANY, proptest::bool::ANY, proptest::bool::ANY), 0..30)
        ) {
            let new_task: Vec<bool> = steps.iter().map(|s| s.1).collect();
            let mut tasks = Tasks::default();
            let mut eager = 0;
            for (i, &(offered, starts, ask)) in steps.iter().enumerate() {
                tasks.customer.push((i, offered));
                if offered || starts {
                    eager = i;
                }
                if ask {
                    proptest::prop_assert_eq!(tasks.start(|j| new_task[j]), eager);
                }
            }
        }
    }

    #[test]
    fn kinds_compile() {
        let file: KindsFile = toml::from_str(KINDS).unwrap();
        assert!(file.kind.iter().any(|k| k.scope == Scope::Task));
        for k in &file.kind {
            alternation(&k.gives, false);
            alternation(&k.asks, true);
        }
    }
}
