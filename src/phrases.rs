//! Phrase lists and the matcher that finds all of them in one scan.
//!
//! A phrase list is data: a text file under `rules/`, one phrase a line,
//! `#` starts a comment. Matching is ASCII case-insensitive and respects word
//! boundaries; a phrase ending in `*` matches any word that starts with it
//! (`apologi*` finds apologise, apologize, apologies). A straight apostrophe
//! also matches a typographic one (`don't` finds `don’t`).
//!
//! All lists that apply to one author role are compiled into a single trie,
//! walked from each position where a word starts, so each message is scanned
//! once whatever the number of lists.

use crate::swar;
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
#[derive(Clone, Copy, Debug)]
pub struct ListDef {
    /// Unique name, `rule-id.list` (for example `greeting.greet`).
    pub name: &'static str,
    pub scope: Scope,
    /// The list's text, embedded from `rules/`.
    pub source: &'static str,
    /// Whether a rule reads [`Hit::negated`] of this list's hits. When none
    /// does, the scan does not look back for a negation word before them
    /// (it saves one look-back in four on the benchmark's chats), and
    /// `negated` is always false.
    pub negation: bool,
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

#[derive(Clone, Copy, PartialEq, Eq)]
struct PatternInfo {
    list: ListId,
    /// Ends in `*`: no word boundary needed at the end.
    prefix: bool,
    /// Its list's [`ListDef::negation`].
    negation: bool,
}

/// What must follow a phrase for it to count as a hit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// A word boundary: the phrase ends in a word character ("sorry").
    Boundary,
    /// Anything: the phrase ends in punctuation or a symbol ("sorry?", "w/").
    Any,
    /// The rest of the word, which the hit extends to (`apologi*`).
    Prefix,
    /// A token of one or two ASCII letters or digits ("u", "hi", "ty"): it
    /// must be a whole run of ASCII word characters and non-ASCII bytes, so
    /// `u` matches in "u," but not in "ú", "u_" or "😀u". Tokens this short
    /// would otherwise match in too many places (an emoji is not a word
    /// character, so "😀u" has a word boundary before the "u").
    Token,
}

/// What a state of the trie reports when a walk reaches it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    list: ListId,
    end: End,
    /// Its list's [`ListDef::negation`].
    negation: bool,
}

/// Row of the dead state: no phrase continues with this byte.
const DEAD: usize = 0;

/// Set in a transition whose target state completes a phrase.
const ACCEPTS: u32 = 1 << 31;

/// Set in a transition whose target is a [`Link`] (its index in
/// `Automaton::links`) rather than a row of the dense table.
const LINK: u32 = 1 << 30;

/// The class of no byte: a leaf's link, which every byte leaves.
const NO_CLASS: u16 = u16::MAX;

/// A state with at most one way on (most states of the trie: below its
/// first few levels, each phrase runs alone to its end), stored as that
/// one transition instead of a row. A link that leads to a link leads to
/// the next one in `Automaton::links`.
#[derive(Clone, Copy)]
struct Link {
    /// The class of the byte that goes on ([`NO_CLASS`] for a leaf).
    class: u16,
    /// Where the state's entries start in `Automaton::entries`; they end
    /// where the next link's start. (Kept here, in what would be padding,
    /// rather than in a table of its own: the walk has just loaded this
    /// link, while a separate table missed the cache on most hits.)
    entries: u16,
    /// The target, encoded like a transition of the dense table.
    next: u32,
}

/// Tokens this long or shorter (of ASCII letters and digits) are `End::Token`.
const SHORT_TOKEN: usize = 2;

/// All phrases of one scope as a trie: a dense transition table for the
/// states where phrases branch, and a single [`Link`] for each state with
/// at most one way on.
///
/// A hit can only start where a word starts (or at a non-word character, for
/// phrases such as `:(`), so instead of running an unanchored Aho-Corasick
/// automaton over every byte, the scan walks this trie from each such
/// position; a walk stops as soon as the text leaves every phrase, usually
/// within the first word. Identical phrases (listed twice, in two lists, or
/// differing only in ASCII case) share one state with several entries.
///
/// The walk's time goes to loading transitions, so the trie is kept small
/// enough for the processor's caches: with a dense row for every state the
/// agent's table took 1.9 MB, when four states in five have one child.
struct Automaton {
    /// The column of each byte, ASCII case folded; 0 for a byte no phrase
    /// contains (its column is dead in every row).
    class: [u16; 256],
    /// Columns per row (one per class).
    stride: usize,
    /// `2^32 / stride`, rounded up (see [`Automaton::state`]).
    reciprocal: u64,
    /// Row-major transitions of the branching states (and the root), rows
    /// in breadth-first order. A value is the target: its row's offset
    /// (`state * stride`), or [`LINK`] and its index in `links`; with
    /// [`ACCEPTS`] set when the target completes a phrase. Row 0 is the
    /// dead state. (While the trie is built, every state has a row here.)
    trans: Vec<u32>,
    /// The states with at most one child, each phrase's run of them in
    /// order.
    links: Vec<Link>,
    /// How many rows `trans` has: the state numbers of links follow them.
    rows: usize,
    /// Row offset of the root.
    root: usize,
    /// For each row, its range in `entries` (empty unless it completes a
    /// phrase). Links keep theirs themselves.
    ranges: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    /// The bytes some phrase starts with (either ASCII case).
    starts: [bool; 256],
    /// The bytes that are a whole phrase by themselves ("u", "?"): from
    /// them, the walk starts with the first byte's transition.
    first_accepts: [bool; 256],
    /// The transition after the first two bytes of a walk, from the root,
    /// by their classes (`stride * first + second`), as a transition of
    /// `trans` (0: no phrase starts so). Its address depends on the two
    /// bytes only, not on the state after the first: the processor loads
    /// it without waiting for that state.
    pairs: Vec<u32>,
}

impl Automaton {
    /// Builds the trie. A phrase with a straight apostrophe is also added
    /// with typographic ones (`don't` finds `don’t`).
    fn build(phrases: &[(String, PatternInfo)]) -> Automaton {
        let variants: Vec<(Vec<u8>, Entry)> = phrases
            .iter()
            .flat_map(|(text, info)| {
                let curly = text
                    .contains('\'')
                    .then(|| (text.replace('\'', "\u{2019}"), *info));
                curly.into_iter().chain([(text.clone(), *info)])
            })
            .map(|(text, info)| {
                assert!(!text.is_empty(), "empty phrase in a list");
                let entry = Entry {
                    list: info.list,
                    end: end_kind(&text, info.prefix),
                    negation: info.negation,
                };
                (text.to_ascii_lowercase().into_bytes(), entry)
            })
            .collect();
        let class = Automaton::classes(variants.iter().map(|(t, _)| t.as_slice()));
        let stride = usize::from(*class.iter().max().unwrap_or(&0)) + 1;
        let mut automaton = Automaton {
            class,
            stride,
            reciprocal: (1u64 << 32).div_ceil(stride as u64),
            // The dead row and the root.
            trans: vec![0; 2 * stride],
            links: Vec::new(),
            rows: 0,
            root: stride,
            ranges: Vec::new(),
            entries: Vec::new(),
            starts: [false; 256],
            first_accepts: [false; 256],
            pairs: Vec::new(),
        };
        let mut found: Vec<Vec<Entry>> = vec![Vec::new(); 2];
        for (text, entry) in variants {
            let state = automaton.insert(&text, &mut found);
            if !found[state].contains(&entry) {
                found[state].push(entry);
            }
        }
        automaton.finish(found);
        automaton
    }

    /// Numbers the bytes the phrases use (from 1), folding ASCII case.
    fn classes<'t>(texts: impl Iterator<Item = &'t [u8]>) -> [u16; 256] {
        let mut used = [false; 256];
        for b in texts.flatten() {
            used[usize::from(*b)] = true;
        }
        let mut class = [0u16; 256];
        let mut next = 1;
        for b in 0..=255u8 {
            if used[usize::from(b)] {
                class[usize::from(b)] = next;
                next += 1;
            }
        }
        for b in b'A'..=b'Z' {
            class[usize::from(b)] = class[usize::from(b.to_ascii_lowercase())];
        }
        class
    }

    /// Adds the path of a lowercase phrase; returns its final state number.
    fn insert(&mut self, text: &[u8], found: &mut Vec<Vec<Entry>>) -> usize {
        let mut row = self.root;
        for &b in text {
            let cell = row + usize::from(self.class[usize::from(b)]);
            if self.trans[cell] as usize == DEAD {
                self.trans[cell] = u32::try_from(self.trans.len()).expect("phrase trie too large");
                self.trans.resize(self.trans.len() + self.stride, 0);
                found.push(Vec::new());
            }
            row = self.trans[cell] as usize;
        }
        row / self.stride
    }

    /// Lays out the trie for walking: the branching states (and the root)
    /// become rows, numbered breadth first so that the shallow states every
    /// walk goes through share a few cache lines; every other state becomes
    /// a [`Link`], each run of them stored in order. Marks the transitions
    /// into states that complete a phrase with [`ACCEPTS`], and stores their
    /// entries.
    fn finish(&mut self, found: Vec<Vec<Entry>>) {
        let stride = self.stride;
        let old_root = self.root / stride;
        let children = |state: usize| {
            self.trans[state * stride..][..stride]
                .iter()
                .enumerate()
                .filter(|&(_, &t)| t as usize != DEAD)
                .map(|(class, &t)| (class as u16, t as usize / stride))
        };
        let is_row =
            |state: usize| state == DEAD || state == old_root || children(state).nth(1).is_some();
        // Rows breadth first; each state's links as they are first reached
        // from a row, a run at a time.
        let mut rows = vec![DEAD, old_root];
        let mut links = Vec::new();
        let mut next = 1;
        while next < rows.len() {
            let row = rows[next];
            next += 1;
            for (_, child) in children(row) {
                // Links down to the next row, or to a leaf.
                let mut state = child;
                loop {
                    if is_row(state) {
                        rows.push(state);
                        break;
                    }
                    links.push(state);
                    match children(state).next() {
                        Some((_, only)) => state = only,
                        None => break,
                    }
                }
            }
        }
        assert!(
            rows.len() * stride < LINK as usize && links.len() < LINK as usize,
            "phrase trie too large"
        );
        let mut target = vec![0u32; found.len()];
        for (new, &old) in rows.iter().enumerate() {
            target[old] = (new * stride) as u32;
        }
        for (new, &old) in links.iter().enumerate() {
            target[old] = LINK | new as u32;
        }
        for (old, t) in target.iter_mut().enumerate() {
            if !found[old].is_empty() {
                *t |= ACCEPTS;
            }
        }
        let mut trans = vec![0; rows.len() * stride];
        for (new, &old) in rows.iter().enumerate() {
            for (class, child) in children(old) {
                trans[new * stride + usize::from(class)] = target[child];
            }
        }
        for &old in &rows {
            let lo = self.entries.len() as u32;
            self.entries.extend_from_slice(&found[old]);
            self.ranges.push((lo, self.entries.len() as u32));
        }
        let mut links: Vec<Link> = links
            .iter()
            .map(|&old| {
                let entries = self.entries.len() as u16;
                self.entries.extend_from_slice(&found[old]);
                match children(old).next() {
                    Some((class, child)) => Link {
                        class,
                        entries,
                        next: target[child],
                    },
                    None => Link {
                        class: NO_CLASS,
                        entries,
                        next: 0,
                    },
                }
            })
            .collect();
        assert!(
            self.entries.len() <= usize::from(u16::MAX),
            "too many phrases in one trie"
        );
        // Where the last link's entries end; no transition leads here.
        links.push(Link {
            class: NO_CLASS,
            entries: self.entries.len() as u16,
            next: 0,
        });
        self.links = links;
        self.trans = trans;
        self.rows = rows.len();
        self.root = (target[old_root] & !ACCEPTS) as usize;
        for b in 0..=255u8 {
            self.starts[usize::from(b)] = self.row_step(self.root, b) != 0;
            self.first_accepts[usize::from(b)] = self.row_step(self.root, b) & ACCEPTS != 0;
        }
        self.pairs = (0..stride * stride)
            .map(|i| match self.trans[self.root + i / stride] & !ACCEPTS {
                0 => 0,
                first => self.step(first, (i % stride) as u16),
            })
            .collect();
    }

    /// The entries of the state a transition (without [`ACCEPTS`]) leads
    /// to. A row's number comes from its offset, a multiple of `stride`, by
    /// a multiply by the rounded-up reciprocal of `stride` instead of a
    /// division, exact for every multiple below 2^32 (the error, under
    /// `row / 2^32`, never reaches the next whole number).
    #[inline(always)]
    fn entries_of(&self, to: u32) -> &[Entry] {
        let (lo, hi) = if to & LINK != 0 {
            let link = (to & !LINK) as usize;
            let (this, next) = (self.links[link], self.links[link + 1]);
            (usize::from(this.entries), usize::from(next.entries))
        } else {
            let (lo, hi) = self.ranges[self.row_number(to)];
            (lo as usize, hi as usize)
        };
        &self.entries[lo..hi]
    }

    /// The number of the row at offset `row`.
    #[inline(always)]
    fn row_number(&self, row: u32) -> usize {
        ((u64::from(row) * self.reciprocal) >> 32) as usize
    }

    /// The transition from the row at offset `row` on byte `b`: the
    /// target, with [`ACCEPTS`] set when it completes a phrase (0: the dead
    /// state).
    #[inline(always)]
    fn row_step(&self, row: usize, b: u8) -> u32 {
        self.trans[row + usize::from(self.class[usize::from(b)])]
    }

    /// The transition from state `state` (a transition's target without
    /// [`ACCEPTS`]) on a byte of class `class`; 0: the dead state.
    fn step(&self, state: u32, class: u16) -> u32 {
        if state & LINK == 0 {
            self.trans[state as usize + usize::from(class)]
        } else {
            let link = self.links[(state & !LINK) as usize];
            if link.class == class {
                link.next
            } else {
                0
            }
        }
    }

    /// Appends the hits in `text`, sorted by (start, longest first, list).
    ///
    /// A hit starts where the previous character is not a word character, or
    /// where its own first character is not one; every other position is
    /// inside a word and skipped.
    fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut after_word = false;
        while at < bytes.len() {
            let b = bytes[at];
            if b >= 0x80 {
                let (word, width) = char_class_at(text, at);
                if !(after_word && word) {
                    self.hits_at(text, at, out);
                }
                at += width;
                after_word = word;
            } else if WORD_BYTE[usize::from(b)] {
                if !after_word {
                    self.hits_at(text, at, out);
                }
                // The rest of the word (its ASCII part) cannot start a hit.
                at = ascii_word_end(bytes, at + 1);
                after_word = true;
            } else {
                // Most punctuation and spaces start no phrase: skip the walk.
                if self.starts[usize::from(b)] {
                    self.hits_at(text, at, out);
                }
                at += 1;
                after_word = false;
            }
        }
    }

    /// Appends the hits that start at `start`, in order, with their negation.
    #[inline(always)]
    fn hits_at(&self, text: &str, start: usize, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let b0 = bytes[start];
        let first = out.len();
        match bytes.get(start + 1) {
            // The first two bytes at once (see `pairs`), unless the first
            // is a phrase itself.
            Some(&b1) if !self.first_accepts[usize::from(b0)] => {
                let pair = usize::from(self.class[usize::from(b0)]) * self.stride
                    + usize::from(self.class[usize::from(b1)]);
                let step = self.pairs[pair];
                if step == 0 {
                    return;
                }
                self.walk(text, start, start + 2, step, out);
            }
            _ => {
                let step = self.row_step(self.root, b0);
                if step == 0 {
                    return;
                }
                self.walk(text, start, start + 1, step, out);
            }
        }
        if out.len() > first {
            let kept = finish_group(text, start, &mut out[first..]);
            out.truncate(first + kept);
        }
    }

    /// Appends the phrases that start at `start` (unsorted, `negated` set
    /// for [`finish_group`] to settle), from the transition `step` (not the
    /// dead state) taken on the bytes before `at`.
    ///
    /// Along a run of links the next link is the next in `links`, so the
    /// address of each load is known before the previous load completes:
    /// the processor can run ahead instead of waiting on each in turn.
    #[inline(always)]
    fn walk(&self, text: &str, start: usize, mut at: usize, mut step: u32, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        loop {
            if step & ACCEPTS != 0 {
                self.accept(text, start, at, step & !ACCEPTS, out);
            }
            let state = step & !ACCEPTS;
            if state & LINK == 0 {
                let Some(&b) = bytes.get(at) else {
                    return;
                };
                step = self.row_step(state as usize, b);
                if step == 0 {
                    return;
                }
                at += 1;
                continue;
            }
            let mut link = (state & !LINK) as usize;
            loop {
                let Link { class, next, .. } = self.links[link];
                let Some(&b) = bytes.get(at) else {
                    return;
                };
                if self.class[usize::from(b)] != class {
                    return;
                }
                at += 1;
                if next & LINK == 0 {
                    // The run ends in a row.
                    step = next;
                    break;
                }
                // The run goes on with the next link (`next` says so).
                link += 1;
                if next & ACCEPTS != 0 {
                    self.accept(text, start, at, LINK | link as u32, out);
                }
            }
        }
    }

    /// Reports the entries of `state` (a transition's target), a phrase
    /// spanning `start..end`.
    #[inline(never)]
    fn accept(&self, text: &str, start: usize, end: usize, state: u32, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        for entry in self.entries_of(state) {
            let end = match entry.end {
                End::Any => end,
                End::Boundary if !word_char_at(text, end) => end,
                End::Prefix => extend_word(bytes, end),
                End::Token if whole_token(bytes, start, end) => end,
                End::Boundary | End::Token => continue,
            };
            out.push(Hit {
                list: entry.list,
                start: start as u32,
                end: end as u32,
                // Cleared by `finish_group` unless a negation word is found.
                negated: entry.negation,
            });
        }
    }
}

/// How a phrase (its text without the `*`) must end.
fn end_kind(text: &str, prefix: bool) -> End {
    if prefix {
        End::Prefix
    } else if text.len() <= SHORT_TOKEN && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        End::Token
    } else if text.chars().next_back().is_some_and(is_word_char) {
        End::Boundary
    } else {
        End::Any
    }
}

/// Whether `start..end` is a whole token: no ASCII word character or
/// non-ASCII byte stands right before or after it.
fn whole_token(bytes: &[u8], start: usize, end: usize) -> bool {
    let joins = |b: Option<&u8>| b.is_some_and(|&b| WORD_BYTE[usize::from(b)] || b >= 0x80);
    let before = start.checked_sub(1).and_then(|i| bytes.get(i));
    !joins(before) && !joins(bytes.get(end))
}

/// Sorts the hits that start at one position, `group`, and sets the
/// negation of those whose list reads it, which depends only on the start;
/// returns how many hits it keeps, at the front of `group`.
/// [`Automaton::accept`] pushes a hit with `negated` set when its list reads
/// negation, to be cleared here unless a negation word stands before the
/// start. Inlined into the scan: most positions have one hit, with nothing
/// to sort and no negation, so the call cost more than the work.
#[inline(always)]
fn finish_group(text: &str, start: usize, group: &mut [Hit]) -> usize {
    if let [hit] = group {
        hit.negated = hit.negated && negated_before(text, start);
        return 1;
    }
    let kept = sort_group(group);
    let group = &mut group[..kept];
    if group.iter().any(|h| h.negated) && !negated_before(text, start) {
        for hit in group {
            hit.negated = false;
        }
    }
    kept
}

/// Sorts `group`, the hits that start at one position (at least two),
/// longest first, then by list, and moves duplicates (the same phrase
/// listed twice, or under two spellings) to its end; returns how many it
/// keeps.
#[inline(never)]
fn sort_group(group: &mut [Hit]) -> usize {
    group.sort_unstable_by_key(|h| (std::cmp::Reverse(h.end), h.list.0));
    let mut kept = 1;
    for i in 1..group.len() {
        let (p, h) = (group[kept - 1], group[i]);
        if (p.end, p.list) != (h.end, h.list) {
            group[kept] = h;
            kept += 1;
        }
    }
    kept
}

/// ASCII bytes that are word characters (letters, digits, `_`).
const WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// The end of the run of ASCII word bytes (letters, digits, `_`) that
/// starts at `at`: the first other byte, or the end of `bytes`. Eight bytes
/// are tested at a time, so that the end of a word costs no branch on its
/// length, which the processor cannot predict.
#[inline(always)]
fn ascii_word_end(bytes: &[u8], mut at: usize) -> usize {
    while let Some(x) = swar::load(bytes, at) {
        let others = !swar::flag_ascii_word(x) & swar::HIGH;
        if others != 0 {
            return at + others.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    if at >= bytes.len() {
        return bytes.len();
    }
    // Fewer than eight bytes are left: test the last eight of `bytes`,
    // ignoring those before `at`.
    let Some(last) = bytes.len().checked_sub(8) else {
        return bytes[at..]
            .iter()
            .position(|&b| !WORD_BYTE[usize::from(b)])
            .map_or(bytes.len(), |i| at + i);
    };
    let x = swar::load(bytes, last).expect("eight bytes");
    let others = !swar::flag_ascii_word(x) & swar::HIGH & (!0u64 << (8 * (at - last)));
    if others == 0 {
        bytes.len()
    } else {
        last + others.trailing_zeros() as usize / 8
    }
}

/// Whether the character at `at` (a char boundary) is a word character, and
/// its width in bytes. Decodes only non-ASCII characters.
#[inline]
fn char_class_at(text: &str, at: usize) -> (bool, usize) {
    let b = text.as_bytes()[at];
    if b < 0x80 {
        return (WORD_BYTE[usize::from(b)], 1);
    }
    let c = text[at..].chars().next().expect("char boundary");
    (is_word_char(c), c.len_utf8())
}

/// Whether a word character stands at `at` (false at the end of the text).
#[inline]
fn word_char_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(&b) if b < 0x80 => WORD_BYTE[usize::from(b)],
        Some(_) => char_class_at(text, at).0,
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
                let info = PatternInfo {
                    list: id,
                    prefix,
                    negation: def.negation,
                };
                target.push((text.to_string(), info));
            }
        }
        Matcher {
            names,
            by_name,
            agent: Automaton::build(&agent),
            customer: Automaton::build(&customer),
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
    // Only the window counts: a word cut by its start is compared as cut.
    let mut rest = &text.as_bytes()[at.saturating_sub(NEGATION_WINDOW)..at];
    let kind = |b: &u8| NEGATION_BYTE[usize::from(*b)];
    for _ in 0..3 {
        // Skip separators back to the end of the previous word; stop at a clause end.
        loop {
            match rest.split_last() {
                None => return false,
                Some((b, before)) => match kind(b) {
                    Separator => rest = before,
                    ClauseEnd => return false,
                    Word => break,
                },
            }
        }
        let start = negation_word_start(rest);
        let (before, word) = rest.split_at(start);
        if may_be_negator(word) && negates(word) {
            return true;
        }
        rest = before;
    }
    false
}

/// Where the run of [`Word`] bytes that ends `rest` starts. Eight bytes are
/// tested at a time, so that the start of a word costs no branch on its
/// length.
#[inline(always)]
fn negation_word_start(rest: &[u8]) -> usize {
    let mut end = rest.len();
    while let Some(x) = end.checked_sub(8).and_then(|at| swar::load(rest, at)) {
        // Letters, digits, apostrophes and non-ASCII bytes are `Word`.
        let word =
            swar::flag_ascii_alphanumeric(x) | swar::flag_byte_exact(x, b'\'') | (x & swar::HIGH);
        let others = !word & swar::HIGH;
        if others != 0 {
            // The byte after the last other one.
            return end - 8 + (63 - others.leading_zeros() as usize) / 8 + 1;
        }
        end -= 8;
    }
    rest[..end]
        .iter()
        .rposition(|&b| NEGATION_BYTE[usize::from(b)] != Word)
        .map_or(0, |i| i + 1)
}

/// Whether `word` can be a negation word, from its length and two bytes:
/// the cheap test that most words fail (four in five in the sample chats),
/// kept inline while the full comparison is not.
#[inline(always)]
fn may_be_negator(word: &[u8]) -> bool {
    let n = word.len();
    let negator = (2..=7).contains(&n) && matches!(word[0] | 0x20, b'n' | b'w' | b'h' | b'c');
    // "n't": the apostrophe before the t is `'` or the last byte of `’`.
    let nt = n >= 3 && matches!(word[n - 2], b'\'' | 0x99);
    negator || nt
}

/// A negation word: one of the `NEGATORS` or a word ending in "n't".
#[inline(never)]
fn negates(word: &[u8]) -> bool {
    is_negator(word) || ends_with_nt(word)
}

/// What a byte is to `negated_before`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NegationByte {
    /// Part of a word: letters, digits and apostrophes, straight or
    /// typographic (any non-ASCII byte).
    Word,
    /// Ends a clause: `. ! ? ; , : ` and newline.
    ClauseEnd,
    Separator,
}
use NegationByte::{ClauseEnd, Separator, Word};

/// `NegationByte` of every byte, as a table: it is looked up for every byte
/// before every hit.
const NEGATION_BYTE: [NegationByte; 256] = {
    let mut table = [Separator; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphanumeric() || byte == b'\'' || byte >= 0x80 {
            Word
        } else if matches!(byte, b'.' | b'!' | b'?' | b';' | b',' | b'\n' | b':') {
            ClauseEnd
        } else {
            Separator
        };
        b += 1;
    }
    table
};

/// One of the `NEGATORS`, in any ASCII case. Most words differ in length or
/// first letter (every negator starts with n, w, h or c), which is checked
/// before comparing.
fn is_negator(word: &[u8]) -> bool {
    (2..=7).contains(&word.len())
        && matches!(word[0] | 0x20, b'n' | b'w' | b'h' | b'c')
        && NEGATORS.iter().any(|n| n.eq_ignore_ascii_case(word))
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
            negation: true,
            source: "hi\nthank you\nthank you for contacting\napologi*\ndon't worry # comment\n",
        };
        static B: ListDef = ListDef {
            name: "t.b",
            scope: Scope::Agent,
            negation: true,
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
            negation: true,
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

    /// Lists with every kind of phrase the trie treats specially.
    static TRICKY: [ListDef; 4] = [
        ListDef {
            name: "t.one",
            scope: Scope::Agent,
            negation: true,
            source: "thank you\nThank You\nsorry\nsorry?\n:(\n?\n\u{1F61E}\nw/\ndon't worry\n\
                     apologi*\nhave a good*\nhi\nu\nit's a 'test'\ncafé\nno one\n",
        },
        ListDef {
            name: "t.two",
            scope: Scope::Agent,
            // Shares phrases with `t.one`: groups of hits where one list
            // reads negation and the other does not.
            negation: false,
            source: "thank you\nthank you for contacting\nsorry*\ndon't\nty\nhi\nworry\n",
        },
        ListDef {
            name: "t.customer",
            scope: Scope::Customer,
            negation: true,
            source: "sorry\nhelp!\n",
        },
        ListDef {
            name: "t.empty",
            scope: Scope::Agent,
            negation: true,
            source: "# nothing here\n",
        },
    ];

    fn tricky() -> &'static (Matcher, reference::Reference, reference::Reference) {
        static M: std::sync::OnceLock<(Matcher, reference::Reference, reference::Reference)> =
            std::sync::OnceLock::new();
        M.get_or_init(|| {
            let defs: Vec<&ListDef> = TRICKY.iter().collect();
            (
                Matcher::new(&defs),
                reference::Reference::new(&defs, Scope::Agent),
                reference::Reference::new(&defs, Scope::Customer),
            )
        })
    }

    /// `(list, matched text)` of the tricky agent lists in `text`.
    fn tricky_hits(text: &str) -> Vec<(&'static str, &str)> {
        let (m, _, _) = tricky();
        let mut out = Vec::new();
        m.scan(Scope::Agent, text, &mut out);
        out.iter()
            .map(|h| (m.name(h.list), &text[h.start as usize..h.end as usize]))
            .collect()
    }

    /// Checks the matcher against the reference on `text`, both scopes.
    fn same_as_reference(
        m: &Matcher,
        agent: &reference::Reference,
        customer: &reference::Reference,
        text: &str,
    ) {
        for (scope, reference) in [(Scope::Agent, agent), (Scope::Customer, customer)] {
            let mut out = vec![Hit {
                list: ListId(9),
                start: 0,
                end: 0,
                negated: true,
            }];
            m.scan(scope, text, &mut out);
            assert_eq!(out[1..], reference.scan(text), "{scope:?} in {text:?}");
        }
    }

    #[test]
    fn punctuation_and_symbol_phrases() {
        assert_eq!(
            tricky_hits("oh :( really?"),
            [("t.one", ":("), ("t.one", "?")]
        );
        assert_eq!(tricky_hits("sad\u{1F61E}face"), [("t.one", "\u{1F61E}")]);
        assert_eq!(
            tricky_hits("sorry? w/o"),
            [
                ("t.one", "sorry?"),
                ("t.one", "sorry"),
                ("t.two", "sorry"),
                ("t.one", "?"),
                ("t.one", "w/")
            ]
        );
        assert!(tricky_hits("xw/ :(").iter().all(|h| h.1 != "w/"));
    }

    #[test]
    fn phrase_in_two_lists_or_twice() {
        assert_eq!(
            tricky_hits("THANK YOU for contacting"),
            [
                ("t.two", "THANK YOU for contacting"),
                ("t.one", "THANK YOU"),
                ("t.two", "THANK YOU"),
            ]
        );
    }

    #[test]
    fn apostrophes_and_prefixes() {
        assert_eq!(
            tricky_hits("Don\u{2019}t worry"),
            [
                ("t.one", "Don\u{2019}t worry"),
                ("t.two", "Don\u{2019}t"),
                ("t.two", "worry")
            ]
        );
        assert_eq!(tricky_hits("it's a \u{2019}test\u{2019}"), []);
        assert_eq!(
            tricky_hits("it\u{2019}s a \u{2019}test\u{2019}"),
            [("t.one", "it\u{2019}s a \u{2019}test\u{2019}")]
        );
        assert_eq!(
            tricky_hits("Have a goodnight_2 sorryyy apologizing"),
            [
                ("t.one", "Have a goodnight_2"),
                ("t.two", "sorryyy"),
                ("t.one", "apologizing"),
            ]
        );
    }

    #[test]
    fn text_edges_and_non_ascii_neighbours() {
        assert_eq!(tricky_hits("hi"), [("t.one", "hi"), ("t.two", "hi")]);
        assert_eq!(
            tricky_hits("sorry"),
            [("t.one", "sorry"), ("t.two", "sorry")]
        );
        // A prefix phrase needs no boundary after it, even before a non-ASCII letter.
        assert_eq!(tricky_hits("ésorry sorryé"), [("t.two", "sorry")]);
        assert_eq!(tricky_hits("éhi hié ú u\u{1F600} \u{1F600}u"), []);
        assert_eq!(
            tricky_hits("’sorry’ café,cafés"),
            [("t.one", "sorry"), ("t.two", "sorry"), ("t.one", "café")]
        );
        assert_eq!(
            tricky_hits("u_ _u u, TY"),
            [("t.one", "u"), ("t.two", "TY")]
        );
    }

    #[test]
    fn state_layout() {
        let m = rule_matchers();
        for a in [&m.0.agent, &m.0.customer] {
            assert_eq!(a.trans.len(), a.rows * a.stride);
            assert!(a.rows > 100 && a.links.len() > 1000);
            assert_eq!(a.ranges.len(), a.rows);
            for s in 0..a.rows {
                assert_eq!(a.row_number((s * a.stride) as u32), s);
            }
            // Every entry belongs to one state, rows' first.
            let mut seen = 0;
            let states = (0..a.rows)
                .map(|s| (s * a.stride) as u32)
                .chain((0..a.links.len() - 1).map(|l| LINK | l as u32));
            for state in states {
                let entries = a.entries_of(state);
                assert_eq!(entries.as_ptr(), a.entries[seen..].as_ptr());
                seen += entries.len();
            }
            assert_eq!(seen, a.entries.len());
            // The walk relies on a link leading to a link only by the next one.
            for (i, link) in a.links.iter().enumerate() {
                if link.next & LINK != 0 {
                    assert_eq!(link.next & !(LINK | ACCEPTS), i as u32 + 1);
                }
            }
        }
    }

    #[test]
    fn negation_is_per_start() {
        let (m, _, _) = tricky();
        let mut out = Vec::new();
        m.scan(
            Scope::Agent,
            "never thank you for contacting. thank you",
            &mut out,
        );
        let negated: Vec<_> = out.iter().map(|h| (m.name(h.list), h.negated)).collect();
        // `t.two` does not read negation: its hits are never negated.
        assert_eq!(
            negated,
            [
                ("t.two", false),
                ("t.one", true),
                ("t.two", false),
                ("t.one", false),
                ("t.two", false)
            ]
        );
    }

    /// Pieces that random texts are made of: phrase parts, separators,
    /// apostrophes, non-ASCII letters and symbols.
    const PIECES: &[&str] = &[
        "thank",
        "you",
        "Thank You",
        " for",
        " contacting",
        "sorry",
        "SORRY",
        "?",
        "!",
        ".",
        ",",
        ":(",
        ":",
        "(",
        "'",
        "\u{2019}",
        "don",
        "t",
        " worry",
        "n't",
        "not",
        "never",
        "no",
        "apologi",
        "se",
        "Z",
        "_",
        "é",
        "café",
        "\u{1F61E}",
        "\u{1F600}",
        "u",
        "ty",
        "hi",
        "w/",
        "have a good",
        "night",
        "\n",
        " ",
        " ",
        "  ",
        "x",
        "1",
        "it's a 'test'",
        "help!",
        "one",
        "\u{2019}s",
        "Ω",
        "cannot",
        "HARDLY",
        "nothing",
        "without",
        "neither",
        "can't",
        "isn\u{2019}t",
        "NoR",
        ";",
        "-",
    ];

    fn random_text(pieces: Vec<String>) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #[test]
        fn negation_word_starts_agree_with_a_byte_loop(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b'a')],
                0..30,
            ),
        ) {
            let start = bytes
                .iter()
                .rposition(|&b| NEGATION_BYTE[usize::from(b)] != Word)
                .map_or(0, |i| i + 1);
            proptest::prop_assert_eq!(negation_word_start(&bytes), start);
        }

        #[test]
        fn ascii_word_ends_agree_with_a_byte_loop(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b'a')],
                0..30,
            ),
            from in 0usize..31,
        ) {
            let from = from.min(bytes.len());
            let end = (from..bytes.len())
                .find(|&i| !WORD_BYTE[usize::from(bytes[i])])
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(ascii_word_end(&bytes, from), end);
        }

        #[test]
        fn tricky_lists_match_the_reference(
            text in random_text(PIECES.iter().map(|s| s.to_string()).collect())
        ) {
            let (m, agent, customer) = tricky();
            same_as_reference(m, agent, customer, &text);
        }

        #[test]
        fn negation_matches_the_reference(
            text in random_text(PIECES.iter().map(|s| s.to_string()).collect()),
            cut in 0usize..200,
        ) {
            let at = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            proptest::prop_assert_eq!(
                negated_before(&text, at),
                reference::negated_before(&text, at),
                "{:?} at {}", text, at
            );
        }

        #[test]
        fn rule_lists_match_the_reference(text in random_text(rule_pieces())) {
            let (m, agent, customer) = rule_matchers();
            same_as_reference(m, agent, customer, &text);
        }
    }

    /// `negated_before` as it was before the inline pre-test of each word
    /// (`may_be_negator`): two `rposition` passes per word.
    fn previous_negated_before(text: &str, at: usize) -> bool {
        let window = &text.as_bytes()[at.saturating_sub(NEGATION_WINDOW)..at];
        let mut end = window.len();
        for _ in 0..3 {
            let kind = |b: u8| NEGATION_BYTE[usize::from(b)];
            let Some(last) = window[..end].iter().rposition(|&b| kind(b) != Separator) else {
                return false;
            };
            if kind(window[last]) == ClauseEnd {
                return false;
            }
            end = last + 1;
            let start = window[..end]
                .iter()
                .rposition(|&b| kind(b) != Word)
                .map_or(0, |i| i + 1);
            let word = &window[start..end];
            if is_negator(word) || ends_with_nt(word) {
                return true;
            }
            end = start;
        }
        false
    }

    /// Pieces for negation texts: negators in any case and cut, "n't" with
    /// either apostrophe, clause ends, separators (`_` among them), long
    /// words and multi-byte characters.
    const NEGATION_PIECES: &[&str] = &[
        "not",
        "NOT",
        "No",
        "never",
        "nothing",
        "without",
        "HARDLY",
        "nor",
        "neither",
        "none",
        "cannot",
        "n",
        "o",
        "t",
        "T",
        "N",
        "n't",
        "N'T",
        "n\u{2019}t",
        "N\u{2019}T",
        "don",
        "can",
        "'",
        "\u{2019}",
        "\u{2018}",
        " ",
        " ",
        "  ",
        "\t",
        "_",
        "-",
        "(",
        ".",
        "!",
        "?",
        ";",
        ",",
        ":",
        "\n",
        "\r",
        "é",
        "Ω",
        "\u{1F600}",
        "x",
        "ab",
        "word",
        "longerword",
        "abcdefghijklmnopqrstuvwxyz",
        "1",
        "notnot",
        "xnot",
        "nots",
        "know",
    ];

    proptest::proptest! {
        #[test]
        fn negation_matches_the_previous_implementation(
            pieces in proptest::collection::vec(proptest::sample::select(NEGATION_PIECES), 0..30),
            cut in 0usize..300,
        ) {
            let text = pieces.concat();
            let at = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            proptest::prop_assert_eq!(
                negated_before(&text, at),
                previous_negated_before(&text, at),
                "{:?} at {}", text, at
            );
        }
    }

    #[test]
    fn negation_window_and_clauses() {
        // The window holds 37 of the x's and the "not": one word, cut.
        let cut = format!("{}not", "x".repeat(40));
        for (text, negated) in [
            ("not", true),
            ("I do not", true),
            ("not a b c", false),
            ("not a b", true),
            ("not, a", false),
            // `_` separates words here, unlike in phrase boundaries.
            ("not_a", true),
            ("don\u{2019}t ", true),
            ("isn't", true),
            ("n't", true),
            (&*cut, false),
            ("nothing 34567890123456789012345678901234567890", false),
            // Cut by the window start, "knot" is compared as "not".
            ("knot 345678901234567890123456789012345678", true),
            ("é not", true),
            ("", false),
        ] {
            assert_eq!(negated_before(text, text.len()), negated, "{text:?}");
            assert_eq!(
                previous_negated_before(text, text.len()),
                negated,
                "{text:?}"
            );
        }
    }

    /// The phrases of every rule (without `*`), plus `PIECES`.
    fn rule_pieces() -> Vec<String> {
        let mut pieces: Vec<String> = PIECES.iter().map(|s| s.to_string()).collect();
        for def in crate::rules::all_lists() {
            pieces.extend(parse_list(def.source).map(|p| p.trim_end_matches('*').to_string()));
        }
        pieces
    }

    fn rule_matchers() -> &'static (Matcher, reference::Reference, reference::Reference) {
        static M: std::sync::OnceLock<(Matcher, reference::Reference, reference::Reference)> =
            std::sync::OnceLock::new();
        M.get_or_init(|| {
            let defs = crate::rules::all_lists();
            (
                Matcher::new(&defs),
                reference::Reference::new(&defs, Scope::Agent),
                reference::Reference::new(&defs, Scope::Customer),
            )
        })
    }
}

/// The matcher as it was before the trie (one unanchored, overlapping
/// Aho-Corasick search per message, then boundary checks, sort and
/// de-duplication): the specification the trie is checked against.
#[cfg(test)]
mod reference {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

    pub struct Reference {
        ac: AhoCorasick,
        patterns: Vec<PatternInfo>,
        short: Vec<(String, PatternInfo)>,
    }

    impl Reference {
        pub fn new(defs: &[&ListDef], scope: Scope) -> Reference {
            let mut long = Vec::new();
            let mut short = Vec::new();
            for (i, def) in defs.iter().enumerate() {
                if def.scope != scope {
                    continue;
                }
                for phrase in parse_list(def.source) {
                    let (text, prefix) = match phrase.strip_suffix('*') {
                        Some(p) => (p.trim_end(), true),
                        None => (phrase, false),
                    };
                    let info = PatternInfo {
                        list: ListId(i as u16),
                        prefix,
                        negation: def.negation,
                    };
                    if !prefix
                        && text.len() <= SHORT_TOKEN
                        && text.bytes().all(|b| b.is_ascii_alphanumeric())
                    {
                        short.push((text.to_ascii_lowercase(), info));
                        continue;
                    }
                    if text.contains('\'') {
                        long.push((text.replace('\'', "\u{2019}"), info));
                    }
                    long.push((text.to_string(), info));
                }
            }
            let (texts, patterns): (Vec<String>, Vec<PatternInfo>) = long.into_iter().unzip();
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&texts)
                .unwrap();
            Reference {
                ac,
                patterns,
                short,
            }
        }

        pub fn scan(&self, text: &str) -> Vec<Hit> {
            let bytes = text.as_bytes();
            let mut out = Vec::new();
            for m in self.ac.find_overlapping_iter(text) {
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
                out.push(hit(text, info, start, end));
            }
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
                let word = &text[start..i];
                if word.len() > SHORT_TOKEN || !word.is_ascii() {
                    continue;
                }
                for (short, info) in &self.short {
                    if short.eq_ignore_ascii_case(word) {
                        out.push(hit(text, *info, start, i));
                    }
                }
            }
            out.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.list.0));
            out.dedup_by_key(|h| (h.start, h.end, h.list));
            out
        }
    }

    fn hit(text: &str, info: PatternInfo, start: usize, end: usize) -> Hit {
        Hit {
            list: info.list,
            start: start as u32,
            end: end as u32,
            negated: info.negation && negated_before(text, start),
        }
    }

    /// `super::negated_before` as it was, byte by byte.
    pub fn negated_before(text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        let floor = at.saturating_sub(NEGATION_WINDOW);
        let mut end = at;
        for _ in 0..3 {
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

    fn is_word_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'\'' || b >= 0x80
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
}
