//! Which kinds a sentence may ask for, from the words their `nouns` and
//! `asks` patterns must start with: a byte scan instead of a regex search
//! over every sentence (most sentences name no kind).
//!
//! Each pattern is read by a small parser that knows only the syntax the
//! patterns use (literal characters, groups, `|`, `?`, `\b`, `\s`);
//! anything else ends a word (a class, `\w`, `*`...), and a pattern it
//! cannot read makes its kind a candidate in every sentence. The words it
//! finds are ASCII, compared ignoring ASCII case: under `(?i)` an ASCII
//! letter also matches only 'ſ' (for `s`) and the Kelvin sign (for `k`), so
//! a sentence holding either makes every kind a candidate. A space in a
//! word stands for a run of white space (a space, `\s`, `\s+`): a superset
//! of what the pattern allows there; a run that meets a non-ASCII character
//! (which may be white space) makes every kind that the word may lead to a
//! candidate.

use super::KindSet;
use crate::text;
use std::ops::Range;

/// The kinds whose `asks`, and those whose `nouns`, may match a sentence:
/// supersets of the kinds whose regexes do; and whether the request words
/// (see [`Literals::new`]) may.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Candidates {
    pub asks: KindSet,
    pub nouns: KindSet,
    pub request: bool,
}

impl Candidates {
    /// The kinds, asks or nouns.
    pub fn any(self) -> KindSet {
        self.asks | self.nouns
    }
}

impl std::ops::BitOr for Candidates {
    type Output = Candidates;

    fn bitor(self, other: Candidates) -> Candidates {
        Candidates {
            asks: self.asks | other.asks,
            nouns: self.nouns | other.nouns,
            request: self.request || other.request,
        }
    }
}

impl std::ops::BitOrAssign for Candidates {
    fn bitor_assign(&mut self, other: Candidates) {
        *self = *self | other;
    }
}

/// A node of the trie of start words: the string spelled on the way to it.
#[derive(Default)]
struct TrieNode {
    /// The next byte (lower-cased) and its node.
    next: Vec<(u8, u32)>,
    /// The kinds with a start word that ends here.
    kinds: Candidates,
    /// The kinds with a start word that ends here or further on.
    below: Candidates,
}

/// The start words of every kind's patterns, as a trie.
pub struct Literals {
    /// The root first: its children are also in `by_byte`.
    nodes: Vec<TrieNode>,
    /// The root's child for each byte, in either case (0: none).
    by_byte: [u32; 256],
    /// Kinds with a pattern whose start words are unknown: always candidates.
    always: Candidates,
    /// Every kind.
    all: KindSet,
    /// The trie as a DFA over ASCII text (`None`: too many states).
    dfa: Option<Dfa>,
}

/// A DFA that runs the trie from every word start at once: its state is
/// the set of trie nodes that the text since those word starts spells,
/// and whether the last byte was a word byte.
struct Dfa {
    /// Each byte's class: bytes that the trie tells apart.
    class: [u8; 256],
    /// The next state, by state and class: a state is the offset of its row
    /// (`ROW` classes wide). It has a cell for every `u16` state plus `u8`
    /// class, so that indexing it needs no bounds check in the scan's loop.
    next: Box<[u16; TABLE]>,
    /// The first state (row offset) in which a start word ends: those come
    /// last.
    first_accept: u16,
    /// The kinds whose start words end in each of those states.
    accept: Vec<Candidates>,
}

/// Most byte classes (the width of a row of the DFA).
const ROW: usize = 32;

/// The size of [`Dfa::next`]: any `u16` plus any `u8`.
const TABLE: usize = (1 << 16) + 256;

/// The state for a non-ASCII byte (the DFA gives up), and the first state.
const GIVE_UP: u16 = 0;
const START: u16 = 1;
/// The first state as a row offset.
const START_ROW: u16 = START * ROW as u16;

/// The first byte classes: non-ASCII, white space, other non-word bytes
/// and other word bytes (those not in the trie).
const NON_ASCII: u8 = 0;
const SPACE: u8 = 1;
const OTHER: u8 = 2;
const OTHER_WORD: u8 = 3;

impl Dfa {
    fn new(nodes: &[TrieNode]) -> Option<Dfa> {
        let child = |n: u32, b: u8| {
            nodes[n as usize]
                .next
                .iter()
                .find(|&&(x, _)| x == b)
                .map(|&(_, m)| m)
        };
        // Nodes reached by a space: more white space stays there.
        let mut space = vec![false; nodes.len()];
        let mut used = [false; 128];
        for n in nodes {
            for &(b, m) in &n.next {
                space[m as usize] = b == b' ';
                used[b as usize] = true;
            }
        }
        // Per class: the trie byte it stands for, and whether it is a word
        // byte.
        let mut edge: Vec<Option<u8>> = vec![None, Some(b' '), None, None];
        let mut word = vec![false, false, false, true];
        let mut class = [NON_ASCII; 256];
        for b in 0..=127u8 {
            let lower = b.to_ascii_lowercase();
            class[b as usize] = if is_space(b) {
                SPACE
            } else if b.is_ascii_uppercase() {
                continue; // as its lower case, below
            } else if used[b as usize] || b.is_ascii_lowercase() {
                edge.push(Some(lower));
                word.push(WORD[b as usize]);
                (edge.len() - 1) as u8
            } else if WORD[b as usize] {
                OTHER_WORD
            } else {
                OTHER
            };
        }
        for b in b'A'..=b'Z' {
            class[b as usize] = class[b.to_ascii_lowercase() as usize];
        }
        let classes = edge.len();
        if classes > ROW {
            return None;
        }
        let mut states: Vec<(Vec<u32>, bool)> = vec![(Vec::new(), false), (Vec::new(), false)];
        // The states of sets of more than one node, by whether after a word.
        let mut ids: [std::collections::HashMap<Vec<u32>, u16>; 2] = Default::default();
        let mut empty: [Option<u16>; 2] = [Some(START), None];
        let mut single: Vec<[Option<u16>; 2]> = vec![[None; 2]; nodes.len()];
        let mut next: Vec<u16> = vec![GIVE_UP; 2 * classes];
        let mut at = START as usize;
        let mut to: Vec<u32> = Vec::new();
        while at < states.len() {
            for c in 0..classes {
                if c == NON_ASCII as usize {
                    continue;
                }
                let (set, after_word) = &states[at];
                to.clear();
                for &n in set {
                    if c == SPACE as usize && space[n as usize] {
                        to.push(n);
                    }
                    if let Some(m) = edge[c].and_then(|e| child(n, e)) {
                        to.push(m);
                    }
                }
                if !after_word && word[c] {
                    to.extend(edge[c].and_then(|e| child(0, e)));
                }
                to.sort_unstable();
                to.dedup();
                // Most sets hold one node or none: those without hashing.
                let w = word[c] as usize;
                let known = match to.as_slice() {
                    [] => empty[w],
                    &[n] => single[n as usize][w],
                    _ => ids[w].get(to.as_slice()).copied(),
                };
                let id = match known {
                    Some(id) => id,
                    None => {
                        let id = u16::try_from(states.len()).ok()?;
                        match to.as_slice() {
                            [] => empty[w] = Some(id),
                            &[n] => single[n as usize][w] = Some(id),
                            _ => {
                                ids[w].insert(to.clone(), id);
                            }
                        }
                        states.push((to.clone(), word[c]));
                        next.extend(std::iter::repeat_n(GIVE_UP, classes));
                        id
                    }
                };
                next[at * classes + c] = id;
            }
            at += 1;
        }
        let kinds: Vec<Candidates> = states
            .iter()
            .map(|(set, _)| {
                set.iter()
                    .fold(Candidates::default(), |a, &n| a | nodes[n as usize].kinds)
            })
            .collect();
        // Number the states anew, those where a start word ends last, and
        // as row offsets.
        let mut order: Vec<usize> = (0..states.len()).collect();
        order[2..].sort_by_key(|&s| kinds[s] != Candidates::default());
        let mut offset = vec![0; states.len()];
        for (i, &s) in order.iter().enumerate() {
            offset[s] = u16::try_from(i * ROW).ok()?;
        }
        // Every offset fits a u16, so the rows fit the table.
        let mut rows: Box<[u16; TABLE]> = vec![GIVE_UP; TABLE].try_into().ok()?;
        for (i, &s) in order.iter().enumerate() {
            for c in 0..classes {
                rows[i * ROW + c] = offset[next[s * classes + c] as usize];
            }
        }
        let first = order
            .iter()
            .position(|&s| kinds[s] != Candidates::default())
            .unwrap_or(order.len());
        Some(Dfa {
            class,
            next: rows,
            first_accept: u16::try_from(first * ROW).ok()?,
            accept: order[first..].iter().map(|&s| kinds[s]).collect(),
        })
    }

    /// The kinds whose start words ASCII text `b` holds; `None` for text
    /// that is not ASCII.
    fn run(&self, b: &[u8]) -> Option<Candidates> {
        let mut c = Candidates::default();
        self.each_end(b, |_, k| c |= k).then_some(c)
    }

    /// See [`Literals::ends`].
    fn ends(&self, b: &[u8], out: &mut Vec<(usize, Candidates)>) -> bool {
        out.clear();
        self.each_end(b, |at, k| out.push((at, k)))
    }

    /// Calls `f` with the offset of the last byte of each start word in
    /// ASCII text `b` and the kinds of the start words that end there, in
    /// order; `false` when `b` is not ASCII. Four bytes at a time, with one
    /// test of the four states: most runs of four bytes end no start word.
    /// Not inlined: its loop, on its own, keeps all its values in registers
    /// (most messages are read in this one loop, from start to end).
    #[inline(never)]
    fn each_end(&self, b: &[u8], mut f: impl FnMut(usize, Candidates)) -> bool {
        let mut state = START_ROW;
        let mut at = 0;
        let mut fours = b.chunks_exact(4);
        for four in &mut fours {
            let s1 = self.step(state, four[0]);
            let s2 = self.step(s1, four[1]);
            let s3 = self.step(s2, four[2]);
            state = self.step(s3, four[3]);
            if s1.max(s2).max(s3).max(state) >= self.first_accept {
                for (i, s) in [s1, s2, s3, state].into_iter().enumerate() {
                    if s >= self.first_accept {
                        f(at + i, self.accepted(s));
                    }
                }
            }
            at += 4;
        }
        for &x in fours.remainder() {
            state = self.step(state, x);
            if state >= self.first_accept {
                f(at, self.accepted(state));
            }
            at += 1;
        }
        state != GIVE_UP
    }

    /// The state after `state` reads byte `x`.
    fn step(&self, state: u16, x: u8) -> u16 {
        self.next[usize::from(state) + usize::from(self.class[usize::from(x)])]
    }

    /// The kinds whose start words end in accepting state `state`.
    fn accepted(&self, state: u16) -> Candidates {
        self.accept[usize::from((state - self.first_accept) / ROW as u16)]
    }
}

/// What a pattern's matches start with, when it can tell.
pub enum Starts {
    /// Every match starts at an ASCII word start (the pattern begins with
    /// `\b`) with one of these words, in some ASCII case (each is non-empty
    /// and starts with an ASCII letter).
    Words(Vec<String>),
    Unknown,
}

impl Literals {
    /// `kinds`: per kind, its `nouns` and its `asks` patterns, as compiled
    /// (each noun with its leading `\b`); `request`: a pattern of request
    /// words ("please", "could you"), for [`Candidates::request`].
    pub fn new<'a>(
        kinds: impl IntoIterator<Item = (&'a [String], &'a [String])>,
        request: &str,
    ) -> Literals {
        let mut lits = Literals {
            nodes: vec![TrieNode::default()],
            by_byte: [0; 256],
            always: Candidates::default(),
            all: 0,
            dfa: None,
        };
        for (k, (nouns, asks)) in kinds.into_iter().enumerate() {
            let bit: KindSet = 1 << k;
            lits.all |= bit;
            for (patterns, is_ask) in [(nouns, false), (asks, true)] {
                for p in patterns {
                    let (asks, nouns) = if is_ask { (bit, 0) } else { (0, bit) };
                    lits.add(
                        p,
                        Candidates {
                            asks,
                            nouns,
                            request: false,
                        },
                    );
                }
            }
        }
        lits.add(
            request,
            Candidates {
                request: true,
                ..Candidates::default()
            },
        );
        for n in (0..lits.nodes.len()).rev() {
            let below = lits.nodes[n]
                .next
                .iter()
                .fold(lits.nodes[n].kinds, |b, &(_, m)| {
                    b | lits.nodes[m as usize].below
                });
            lits.nodes[n].below = below;
        }
        for letter in b'a'..=b'z' {
            let n = lits.child(0, letter).unwrap_or(0);
            lits.by_byte[letter as usize] = n;
            lits.by_byte[letter.to_ascii_uppercase() as usize] = n;
        }
        lits.dfa = Dfa::new(&lits.nodes);
        lits
    }

    /// Adds the start words of `pattern` with `what` they stand for.
    fn add(&mut self, pattern: &str, what: Candidates) {
        match starts(pattern) {
            Starts::Words(words) => {
                for w in words {
                    let at = self.insert(w.as_bytes());
                    self.nodes[at].kinds |= what;
                }
            }
            Starts::Unknown => self.always |= what,
        }
    }

    fn child(&self, node: usize, b: u8) -> Option<u32> {
        self.nodes[node]
            .next
            .iter()
            .find(|&&(x, _)| x == b)
            .map(|&(_, n)| n)
    }

    /// The node of `word`, added if new.
    fn insert(&mut self, word: &[u8]) -> usize {
        let mut at = 0;
        for &b in word {
            at = match self.child(at, b) {
                Some(n) => n as usize,
                None => {
                    self.nodes.push(TrieNode::default());
                    let n = self.nodes.len() - 1;
                    self.nodes[at].next.push((b, n as u32));
                    n
                }
            };
        }
        at
    }

    /// Whether the DFA could be built (else every sentence walks the trie).
    #[cfg(test)]
    pub fn has_dfa(&self) -> bool {
        self.dfa.is_some()
    }

    /// Where the start words that ASCII text `t` holds end: the offset of
    /// their last byte and their kinds, in order. Not found when `t` is not
    /// ASCII (or there is no DFA).
    ///
    /// A sentence of a message (see [`crate::text::sentences`]) holds a
    /// subset of the start words that end in it: the byte before a sentence
    /// is white space or ends a sentence (`.`, `!`, `?`), so a word start in
    /// the sentence is one in the message, and the DFA, which runs every
    /// word start's path, meets in the message every path it meets in the
    /// sentence (and perhaps more).
    ///
    /// They go to `out` (cleared first: one buffer serves every message);
    /// `false` when they could not be found.
    pub fn ends(&self, t: &str, out: &mut Vec<(usize, Candidates)>) -> bool {
        self.dfa.as_ref().is_some_and(|d| d.ends(t.as_bytes(), out))
    }

    /// The kinds of the start words of `ends` (see [`Self::ends`]) that end
    /// in `range`, with those always candidates.
    pub fn ending_in(&self, ends: &[(usize, Candidates)], range: Range<usize>) -> Candidates {
        ends.iter()
            .filter(|(at, _)| range.contains(at))
            .fold(self.always, |c, &(_, k)| c | k)
    }

    /// The kinds sentence `s` may ask for.
    pub fn candidates(&self, s: &str) -> Candidates {
        if let Some(c) = self.dfa.as_ref().and_then(|d| d.run(s.as_bytes())) {
            return c | self.always;
        }
        self.walk(s)
    }

    /// [`Self::candidates`] by walking the trie from each word start.
    fn walk(&self, s: &str) -> Candidates {
        if text::has_any_byte(s, b"\xC5\xE2") && s.contains(['\u{17F}', '\u{212A}']) {
            return Candidates {
                asks: self.all,
                nouns: self.all,
                request: true,
            };
        }
        let mut c = self.always;
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !WORD[b[i] as usize] {
                i += 1;
                continue;
            }
            // A word starts at `i`: every start word that `s` holds from
            // there, on the path its bytes spell in the trie.
            let mut n = self.by_byte[b[i] as usize] as usize;
            let mut j = i + 1;
            while n != 0 {
                let node = &self.nodes[n];
                c |= node.kinds;
                let Some(&y) = b.get(j) else { break };
                let y = if is_space(y) {
                    b' '
                } else {
                    y.to_ascii_lowercase()
                };
                n = node
                    .next
                    .iter()
                    .find(|&&(z, _)| z == y || (z == b' ' && y >= 0x80))
                    .map_or(0, |&(_, m)| m as usize);
                j += 1;
                if n != 0 && (y == b' ' || y >= 0x80) {
                    // White space: the rest of its run. A non-ASCII
                    // character in it or after it may be white space too.
                    while b.get(j).is_some_and(|&y| is_space(y)) {
                        j += 1;
                    }
                    if y >= 0x80 || b.get(j).is_some_and(|&y| y >= 0x80) {
                        c |= self.nodes[n].below;
                        break;
                    }
                }
            }
            // The rest of the word.
            i += 1;
            while i < b.len() && WORD[b[i] as usize] {
                i += 1;
            }
        }
        c
    }
}

/// Whether ASCII byte `b` is white space to `\s`.
pub fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// The bytes that `(?-u:\b)` reads as word characters: ASCII letters,
/// digits and `_`.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// One element of a pattern.
#[derive(Clone, Debug)]
enum Node {
    /// An ASCII character, lower-cased.
    Char(u8),
    /// A space or `\s`, read as a run of white space.
    Space,
    /// `\b`.
    Boundary,
    /// `^` or `$`: matches no character.
    Anchor,
    /// A group: its alternatives.
    Group(Vec<Vec<Node>>),
    /// An element made optional by `?`.
    Optional(Box<Node>),
    /// Anything else: some characters, maybe none, unknown.
    Other,
}

/// The longest start word kept (the rest is cut off).
const MAX_LEN: usize = 12;

/// Most start words one pattern may have (more are cut shorter).
const MAX_WORDS: usize = 256;

/// What the matches of `pattern` start with (see [`Starts`]).
pub fn starts(pattern: &str) -> Starts {
    let Some(seq) = Parser::new(pattern).parse() else {
        return Starts::Unknown;
    };
    if !matches!(seq.first(), Some(Node::Boundary)) {
        return Starts::Unknown;
    }
    let mut words: Vec<Vec<u8>> = Vec::new();
    for (mut p, _) in prefixes(&seq) {
        if !p.first().is_some_and(u8::is_ascii_alphabetic) {
            return Starts::Unknown;
        }
        // One space stands for a run of any length.
        p.dedup_by(|a, b| *a == b' ' && *b == b' ');
        words.push(p);
    }
    // A word that starts with another adds nothing: in sorted order, the
    // words that start with a word follow it.
    words.sort_unstable();
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for w in words {
        if !kept.last().is_some_and(|k| w.starts_with(k)) {
            kept.push(w);
        }
    }
    Starts::Words(
        kept.into_iter()
            .map(|w| String::from_utf8(w).expect("ASCII"))
            .collect(),
    )
}

/// The strings that every match of `seq` starts with (ASCII, lower-cased,
/// at most [`MAX_LEN`] bytes, at most [`MAX_WORDS`] of them), each with
/// whether it is the whole match.
fn prefixes(seq: &[Node]) -> Vec<(Vec<u8>, bool)> {
    // The strings so far, each with whether all of `seq` so far is in it
    // (so that it goes on with what follows).
    let mut cur: Vec<(Vec<u8>, bool)> = vec![(Vec::new(), true)];
    for node in seq {
        if !cur.iter().any(|(_, on)| *on) {
            break;
        }
        let tails = match node {
            Node::Boundary | Node::Anchor => continue,
            Node::Char(c) => vec![(vec![*c], true)],
            Node::Space => vec![(vec![b' '], true)],
            Node::Other => vec![(Vec::new(), false)],
            Node::Group(alternatives) => alternatives.iter().flat_map(|a| prefixes(a)).collect(),
            Node::Optional(x) => {
                let mut t = prefixes(std::slice::from_ref(&**x));
                t.push((Vec::new(), true));
                t
            }
        };
        let mut next = Vec::with_capacity(cur.len() * tails.len());
        for (s, on) in cur {
            if !on {
                next.push((s, false));
                continue;
            }
            for (t, whole) in &tails {
                let mut x = s.clone();
                x.extend_from_slice(t);
                // Longer words tell little more, at the cost of a bigger DFA.
                let long = x.len() >= MAX_LEN;
                x.truncate(MAX_LEN);
                next.push((x, *whole && !long));
            }
        }
        cur = shrink(next);
    }
    cur
}

/// `v` without repeats, its strings cut shorter (a match that starts with
/// a string starts with its start) until at most [`MAX_WORDS`] are left.
fn shrink(mut v: Vec<(Vec<u8>, bool)>) -> Vec<(Vec<u8>, bool)> {
    loop {
        v.sort_unstable();
        v.dedup();
        if v.len() <= MAX_WORDS {
            return v;
        }
        let longest = v.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
        for (s, whole) in &mut v {
            if s.len() == longest {
                s.truncate(longest - 1);
                *whole = false;
            }
        }
    }
}

struct Parser<'p> {
    chars: std::iter::Peekable<std::str::Chars<'p>>,
}

impl<'p> Parser<'p> {
    fn new(pattern: &'p str) -> Self {
        Parser {
            chars: pattern.chars().peekable(),
        }
    }

    /// The whole pattern as one sequence; `None` when it uses syntax this
    /// parser does not know.
    fn parse(mut self) -> Option<Vec<Node>> {
        let alternatives = self.alternatives()?;
        if self.chars.next().is_some() {
            return None; // an unmatched `)`
        }
        Some(if alternatives.len() == 1 {
            alternatives.into_iter().next()?
        } else {
            vec![Node::Group(alternatives)]
        })
    }

    /// Alternatives up to a `)` (not consumed) or the end.
    fn alternatives(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut out = vec![Vec::new()];
        while let Some(&c) = self.chars.peek() {
            match c {
                ')' => break,
                '|' => {
                    self.chars.next();
                    out.push(Vec::new());
                }
                _ => {
                    let atom = self.atom()?;
                    let node = self.quantified(atom)?;
                    out.last_mut()?.push(node);
                }
            }
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.chars.next()?;
        Some(match c {
            '(' => {
                if self.chars.peek() == Some(&'?') {
                    self.chars.next();
                    if self.chars.next()? != ':' {
                        return None; // flags or a named group
                    }
                }
                let alternatives = self.alternatives()?;
                if self.chars.next()? != ')' {
                    return None;
                }
                Node::Group(alternatives)
            }
            '\\' => {
                let e = self.chars.next()?;
                match e {
                    'b' => Node::Boundary,
                    's' => Node::Space,
                    _ if e.is_ascii_punctuation() => Node::Char(e as u8),
                    _ if e.is_ascii_alphanumeric() => Node::Other,
                    _ => return None,
                }
            }
            '[' => {
                // A class: skip to its end (a `]` first in it is literal).
                let mut first = true;
                loop {
                    match self.chars.next()? {
                        '\\' => {
                            self.chars.next()?;
                        }
                        '^' if first => continue,
                        ']' if !first => break,
                        '[' => return None, // nested classes
                        _ => {}
                    }
                    first = false;
                }
                Node::Other
            }
            '^' | '$' => Node::Anchor,
            '.' => Node::Other,
            '*' | '+' | '?' | '{' | '}' | ']' => return None,
            ' ' => Node::Space,
            c if c.is_ascii() && !c.is_ascii_control() => Node::Char(c.to_ascii_lowercase() as u8),
            _ => Node::Other,
        })
    }

    /// `atom` with the quantifier that follows it, if any.
    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let node = match self.chars.peek() {
            Some('?') => {
                self.chars.next();
                Node::Optional(Box::new(atom))
            }
            Some('+') if matches!(atom, Node::Space) => {
                self.chars.next();
                Node::Space
            }
            Some('*') if matches!(atom, Node::Space) => {
                self.chars.next();
                Node::Optional(Box::new(atom))
            }
            Some('*' | '+') => {
                self.chars.next();
                Node::Other
            }
            Some('{') => {
                while self.chars.next()? != '}' {}
                Node::Other
            }
            _ => return Some(atom),
        };
        // A lazy or possessive quantifier's mark, or a second quantifier.
        match self.chars.peek() {
            Some('?') => {
                self.chars.next();
            }
            Some('*' | '+' | '{') => return None,
            _ => {}
        }
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Literals {
        let nouns = [
            r"\b(?:(phone|cell)\s*(number|no\.?|#))",
            r"\b(?:e-?mail)",
            r"\b(?:are you using)",
            r"\b(?:code)",
        ]
        .map(String::from);
        let asks = [r"\bwhere are you\??$", r"\bwhat time\b"].map(String::from);
        Literals::new(
            [
                (&nouns[..1], &asks[..0]),
                (&nouns[1..2], &asks[..1]),
                (&nouns[2..], &asks[1..]),
            ],
            r"\b(please|could\s+you|what)\b",
        )
    }

    proptest::proptest! {
        /// On ASCII text the DFA finds what walking the trie finds.
        #[test]
        fn dfa_is_the_walk(
            s in "((where|are|you|using|what|time|phone|cell|number|no|e-mail|email|code|x|é|please|could)( |  |\t|-|#|\\.|\\?|_|1|a|)){0,12}"
        ) {
            let lits = sample();
            let walk = lits.walk(&s);
            let dfa = lits.dfa.as_ref().unwrap().run(s.as_bytes());
            if s.is_ascii() {
                proptest::prop_assert_eq!(dfa, Some(walk), "{:?}", s);
            } else {
                proptest::prop_assert_eq!(dfa, None);
            }
        }
    }

    #[test]
    fn dfa_runs_every_word_start() {
        let lits = sample();
        let c = lits.candidates("Where are you using the PHONE \t #?");
        assert_eq!(
            c,
            Candidates {
                asks: 0b10,
                nouns: 0b101,
                request: false
            }
        );
        assert_eq!(lits.candidates("whereare you").any(), 0);
        assert_eq!(lits.candidates("xcode").any(), 0);
        assert_eq!(lits.candidates("x-code").nouns, 0b100);
        assert!(lits.candidates("Well, COULD \t you").request);
        assert!(!lits.candidates("couldn't you").request);
    }

    fn words(p: &str) -> Option<Vec<String>> {
        match starts(p) {
            Starts::Words(mut w) => {
                w.sort();
                Some(w)
            }
            Starts::Unknown => None,
        }
    }

    #[test]
    fn start_words() {
        assert_eq!(
            words(r"\b(?:(first |last |sur)?name\b)").unwrap(),
            ["first name", "last name", "name", "surname"]
        );
        assert_eq!(
            words(r"\b(?:e-?mail(\s+(address|id))?)").unwrap(),
            ["e-mail", "email"]
        );
        assert_eq!(
            words(r"\b(?:(phone|cell)\s*(number|no\.?|#))").unwrap(),
            [
                "cell #",
                "cell no",
                "cell number",
                "cell#",
                "cellno",
                "cellnumber",
                "phone #",
                "phone no",
                "phone number",
                "phone#",
                "phoneno",
                "phonenumber"
            ]
        );
        assert_eq!(
            words(r"\b(?:a\s+b  c\sd\s?e)").unwrap(),
            ["a b c d e", "a b c de"]
        );
        assert_eq!(words(r"\b(?:a\s{2}b)").unwrap(), ["a"]);
        assert_eq!(
            words(r"\bwhere are you( now)?\??$").unwrap(),
            ["where are yo"]
        );
        assert_eq!(words(r"\b(?:Pin\b)").unwrap(), ["pin"]);
        assert_eq!(words(r"\b(?:no\.)").unwrap(), ["no."]);
        // No leading `\b`, a leading class, an optional first word, flags.
        assert!(words("name").is_none());
        assert!(words(r"\b[a-z]+").is_none());
        assert!(words(r"\b(?:(first )?\w+)").is_none());
        assert!(words(r"\b(?i)name").is_none());
        assert!(words(r"\b(?P<x>name)").is_none());
        assert!(words(r"\b(?:x|)").is_none());
        assert!(words(r"\b\d+").is_none());
        assert!(words(r"\bname)").is_none());
        // Too many words: cut shorter.
        let many = words(r"\b(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)x").unwrap();
        assert!(
            many.len() <= MAX_WORDS && many.iter().all(|w| w.len() == 4),
            "{many:?}"
        );
    }
}
