//! Small text utilities shared by rules: sentences, questions, words, quotes.

use crate::phrases::is_word_char;
use crate::swar;
use std::borrow::Cow;
use std::ops::Range;

/// Byte ranges of the sentences of `text`, each ending after its closing
/// punctuation (`.`, `!`, `?`, runs of them) or at a line break.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    // Most messages hold a few sentences: one allocation covers them.
    let mut out = Vec::with_capacity(4);
    sentences_into(text, &mut out);
    out
}

/// [`sentences`], appended to `out` (a buffer kept for reuse).
pub fn sentences_into(text: &str, out: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = next_end(bytes, 0);
    while i < bytes.len() {
        if bytes[i] == b'.' && is_inner_dot(bytes, i) {
            i = next_end(bytes, i + 1);
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len() && matches!(bytes[end], b'.' | b'!' | b'?') {
            end += 1;
        }
        push_trimmed(text, start..end, out);
        start = end;
        i = next_end(bytes, end);
    }
    push_trimmed(text, start..bytes.len(), out);
}

/// `text` without leading and trailing white space, as [`str::trim`]
/// gives it. Most cells and values have none: when both ends are ASCII
/// bytes other than white space, the text is returned without decoding a
/// character from either end.
#[inline]
pub fn trim(text: &str) -> &str {
    let solid = |b: &u8| b.is_ascii_graphic();
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if solid(first) && solid(last) => text,
        _ => text.trim(),
    }
}

/// Whether `text` holds any of the bytes of `set`, read eight at a time.
/// The flags of every byte of `set` are merged before the one test per word.
#[inline]
pub fn has_any_byte(text: &str, set: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let hit = |x: u64| {
        set.iter()
            .fold(0, |flags, &b| flags | swar::flag_byte(x, b))
            != 0
    };
    let mut chunks = bytes.chunks_exact(8);
    if chunks
        .by_ref()
        .any(|c| hit(u64::from_le_bytes(c.try_into().expect("eight bytes"))))
    {
        return true;
    }
    // The rest, in the word that ends `bytes`: its earlier bytes hold none.
    match bytes.len().checked_sub(8) {
        Some(last) => swar::load(bytes, last).is_some_and(hit),
        None => bytes.iter().any(|b| set.contains(b)),
    }
}

/// The first position from `from` that may end a sentence (`\n`, `.`, `!`,
/// `?`), or the length. Reads eight bytes at a time: most bytes end nothing.
fn next_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(x) = swar::load(bytes, i) {
        let flags = [b'\n', b'.', b'!', b'?']
            .iter()
            .fold(0, |flags, &b| flags | swar::flag_byte(x, b));
        if flags != 0 {
            return i + flags.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], b'\n' | b'.' | b'!' | b'?') {
        i += 1;
    }
    i
}

/// Words after which a dot does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "vs", "etc", "approx", "jr", "sr", "prof", "inc", "ltd", "co",
];

/// The longest of [`ABBREVIATIONS`]: longer words need no comparison.
const LONGEST_ABBREVIATION: usize = 6;

/// A dot inside a number, an abbreviation or an address ("3.5", "U.S.",
/// "e.g.", "site.com", "Dr. Smith").
fn is_inner_dot(bytes: &[u8], i: usize) -> bool {
    if bytes[i] != b'.' {
        return false;
    }
    if i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphanumeric() {
        return true;
    }
    let word_start = bytes[..i]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |p| p + 1);
    let word = &bytes[word_start..i];
    let single_letter = word.len() == 1 && word_start > 0 && bytes[word_start - 1] == b'.';
    single_letter
        || (word.len() <= LONGEST_ABBREVIATION
            && ABBREVIATIONS
                .iter()
                .any(|a| a.as_bytes().eq_ignore_ascii_case(word)))
}

/// White space as `char::is_whitespace` sees it, for an ASCII byte.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Pushes `r` without its leading and trailing white space, unless nothing
/// is left. ASCII edges are trimmed by byte; a non-ASCII edge (which may be
/// Unicode white space) falls back to `str::trim`.
fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let (mut s, mut e) = (r.start, r.end);
    while s < e && is_ascii_space(bytes[s]) {
        s += 1;
    }
    while e > s && is_ascii_space(bytes[e - 1]) {
        e -= 1;
    }
    if s < e && (bytes[s] >= 0x80 || bytes[e - 1] >= 0x80) {
        let t = &text[s..e];
        let lead = t.len() - t.trim_start().len();
        let trail = t.len() - t.trim_end().len();
        if lead + trail >= t.len() {
            return;
        }
        (s, e) = (s + lead, e - trail);
    }
    if s < e {
        out.push(s..e);
    }
}

/// Byte ranges of the words of `text` (letters, digits, inner apostrophes and hyphens).
pub fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = loop {
            let (c, len) = char_at(text, at)?;
            at += len;
            if is_word_char(c) {
                break at - len;
            }
        };
        while let Some((c, len)) = char_at(text, at) {
            let joined = matches!(c, '\'' | '\u{2019}' | '-')
                && char_at(text, at + len).is_some_and(|(n, _)| is_word_char(n));
            if !(is_word_char(c) || joined) {
                break;
            }
            at += len;
        }
        Some(start..at)
    })
}

/// The character at byte `at` of `text` and its length, decoding only
/// non-ASCII bytes.
fn char_at(text: &str, at: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(at)?;
    if b < 0x80 {
        return Some((char::from(b), 1));
    }
    let c = text[at..].chars().next()?;
    Some((c, c.len_utf8()))
}

/// Number of words in `text`.
pub fn word_count(text: &str) -> usize {
    words(text).count()
}

/// Byte ranges inside double quotes (straight or typographic) and lines
/// quoted with `>`: words the author is citing, not saying.
pub fn quoted_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"' | '\u{201C}', None) => open = Some(i + c.len_utf8()),
            ('"' | '\u{201D}', Some(s)) => {
                out.push(s..i);
                open = None;
            }
            ('\n', Some(_)) => open = None,
            _ => {}
        }
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('>') {
            out.push(line_start..line_start + line.len());
        }
        line_start += line.len();
    }
    out
}

/// Byte ranges inside single quotes, straight or typographic ('WHERE IS MY
/// ORDER', ‘ASAP’): words the agent is citing. A quote opens only after a
/// non-word character and before a word character, and closes only after a
/// non-space and before a non-word character, so the apostrophes of "don't"
/// and "customers' orders" open nothing.
pub fn single_quoted_spans(t: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut prev: Option<char> = None;
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if c == '\n' {
            open = None;
        } else if matches!(c, '\'' | '\u{2018}' | '\u{2019}') {
            match open {
                Some(s) if !prev.is_some_and(char::is_whitespace) && !word(next) => {
                    out.push(s..i);
                    open = None;
                }
                None if c != '\u{2019}' && !word(prev) && word(next) => {
                    open = Some(i + c.len_utf8());
                }
                _ => {}
            }
        }
        prev = Some(c);
    }
    out
}

/// Whether `at` falls inside one of `spans`.
pub fn inside(spans: &[Range<usize>], at: usize) -> bool {
    spans.iter().any(|r| r.contains(&at))
}

/// `text` shortened to at most `max` characters, with an ellipsis when cut.
/// White space runs become one space. Borrows `text` when it needs no
/// change (most chat messages: short, plain ASCII words with single spaces).
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max && is_flat_ascii(text.as_bytes()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(shorten_owned(text, max))
    }
}

/// Whether `bytes` are plain ASCII words (no white space, control or
/// non-ASCII bytes) with single spaces between them: text that `shorten`
/// leaves as it is. One pass eight bytes at a time, with no branch on the
/// bytes' values.
fn is_flat_ascii(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return true;
    };
    let mut unflat = u64::from(first == b' ' || last == b' ');
    let mut spaces = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        unflat |= unflat_bytes(x, &mut spaces);
    }
    if !chunks.remainder().is_empty() {
        // The word that ends `bytes`: its earlier bytes and the space pair
        // before it were read already. Short texts are padded with letters.
        let x = match bytes.len().checked_sub(8) {
            Some(at) => swar::load(bytes, at).expect("eight bytes"),
            None => {
                let mut padded = [b'a'; 8];
                padded[..bytes.len()].copy_from_slice(bytes);
                u64::from_le_bytes(padded)
            }
        };
        unflat |= unflat_bytes(x, &mut 0);
    }
    unflat == 0
}

/// The high bit of each byte of `x` that [`shorten`] would change: control
/// and non-ASCII bytes, and spaces right after a space. `spaces` carries the
/// space flags of the previous word in, and those of `x` out.
fn unflat_bytes(x: u64, spaces: &mut u64) -> u64 {
    let here = swar::flag_byte_exact(x, b' ');
    let doubled = here & ((here << 8) | (*spaces >> 56));
    *spaces = here;
    // Below 0x20 (a borrow only follows a flagged byte) or at least 0x80.
    let other = (x.wrapping_sub(swar::splat(0x20)) | x) & swar::HIGH;
    doubled | other
}

/// [`shorten`] when the text needs changing: reads only as far as it needs
/// to, and copies runs of text that need no change (words with single
/// spaces between them) in one go.
fn shorten_owned(text: &str, max: usize) -> String {
    let bytes = text.as_bytes();
    let mut flat = String::with_capacity(text.len().min(max * 4 + 4));
    // Characters in `flat` and in the run `text[run..i]` not yet copied.
    let mut chars = 0;
    let mut ascii = true;
    let mut i = skip_space(text, 0);
    while i < bytes.len() && chars <= max {
        let run = i;
        loop {
            // A word: up to the next white space, or one character past `max`.
            while i < bytes.len() && chars <= max {
                let plain = plain_ascii_run(bytes, i, (max + 1 - chars).min(bytes.len() - i));
                i += plain;
                chars += plain;
                if i == bytes.len() || chars > max {
                    break;
                }
                let b = bytes[i];
                if b < 0x80 {
                    if is_ascii_space(b) {
                        break;
                    }
                    i += 1;
                } else {
                    let c = text[i..].chars().next().expect("a char boundary");
                    if c.is_whitespace() {
                        break;
                    }
                    ascii = false;
                    i += c.len_utf8();
                }
                chars += 1;
            }
            // A single space before a plain ASCII character stays in the run.
            let single = bytes.get(i) == Some(&b' ')
                && bytes
                    .get(i + 1)
                    .is_some_and(|&n| n < 0x80 && !is_ascii_space(n));
            if !single || chars > max {
                break;
            }
            i += 1;
            chars += 1;
        }
        flat.push_str(&text[run..i]);
        i = skip_space(text, i);
        if i < bytes.len() && chars <= max {
            flat.push(' ');
            chars += 1;
        }
    }
    if chars <= max {
        return flat;
    }
    // Cut: the first `max - 1` characters, without trailing white space.
    let keep = max.saturating_sub(1);
    let end = if ascii {
        keep
    } else {
        flat.char_indices().nth(keep).map_or(flat.len(), |(i, _)| i)
    };
    flat.truncate(end);
    flat.truncate(flat.trim_end().len());
    flat.push('…');
    flat
}

/// How many of the `limit` bytes from `from` are ASCII other than white
/// space and control characters, read eight at a time.
fn plain_ascii_run(bytes: &[u8], from: usize, limit: usize) -> usize {
    let mut n = 0;
    while n + 8 <= limit {
        let x = swar::load(bytes, from + n).expect("within the limit");
        // High bit set on bytes at or above 0x80 and on bytes below '!'.
        let other = (x | !((x & !swar::HIGH) + swar::splat(0x80 - b'!'))) & swar::HIGH;
        if other != 0 {
            return n + other.trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    while n < limit && matches!(bytes[from + n], b'!'..=0x7F) {
        n += 1;
    }
    n
}

/// The first byte offset from `at` where `text` stops being white space.
fn skip_space(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let b = bytes[at];
        if b < 0x80 {
            if !is_ascii_space(b) {
                return at;
            }
            at += 1;
        } else {
            let c = text[at..].chars().next().expect("a char boundary");
            if !c.is_whitespace() {
                return at;
            }
            at += c.len_utf8();
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(t: &'a str, r: &[Range<usize>]) -> Vec<&'a str> {
        r.iter().map(|r| &t[r.clone()]).collect()
    }

    #[test]
    fn splits_sentences_and_questions() {
        let t = "Hi there! Could you send the U.S. address? It costs 3.5 USD.\nThanks";
        assert_eq!(
            texts(t, &sentences(t)),
            [
                "Hi there!",
                "Could you send the U.S. address?",
                "It costs 3.5 USD.",
                "Thanks"
            ]
        );
    }

    #[test]
    fn words_keep_contractions() {
        let t = "I don’t know, e-mail me!";
        assert_eq!(
            texts(t, &words(t).collect::<Vec<_>>()),
            ["I", "don’t", "know", "e-mail", "me"]
        );
    }

    /// The plain definition of `shorten`, to check the one-pass version against.
    fn shorten_reference(text: &str, max: usize) -> String {
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= max {
            return flat;
        }
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }

    proptest::proptest! {
        #[test]
        fn shorten_matches_its_definition(text in "[ a-zé\\n\\t\u{b}\u{85}\u{a0}\u{2003}\u{3000}😀]{0,40}|([a-c\u{1}~]{1,12}[ \\n]{1,2}){0,9}|[ -~]{0,30}", max in 0usize..40) {
            let want = shorten_reference(&text, max);
            proptest::prop_assert_eq!(&shorten(&text, max), &want);
            // The copying path on its own, for the texts the borrowing one takes.
            proptest::prop_assert_eq!(&shorten_owned(&text, max), &want);
        }

        #[test]
        fn sentences_match_their_definition(text in "[ a-zA-Z0-9.!?\\n\\t\u{b}\u{85}\u{a0}\u{2003}é]{0,60}|([ a-z]{0,9}[.!?\\n]){0,9}") {
            proptest::prop_assert_eq!(sentences(&text), sentences_reference(&text));
        }
    }

    /// The definition `sentences` had before its byte-level fast paths.
    fn sentences_reference(text: &str) -> Vec<Range<usize>> {
        fn push(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
            let s = &text[r.clone()];
            let lead = s.len() - s.trim_start().len();
            let trail = s.len() - s.trim_end().len();
            if lead + trail < s.len() {
                out.push(r.start + lead..r.end - trail);
            }
        }
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\n' || (matches!(b, b'.' | b'!' | b'?') && !is_inner_dot(bytes, i)) {
                let mut end = i + 1;
                while end < bytes.len() && matches!(bytes[end], b'.' | b'!' | b'?') {
                    end += 1;
                }
                push(text, start..end, &mut out);
                start = end;
                i = end;
            } else {
                i += 1;
            }
        }
        push(text, start..bytes.len(), &mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn has_any_byte_matches_a_scan(t in "[a-z\"> \u{201C}\u{2019}é]{0,40}|[a-z]{0,30}[\">]?[a-z]{0,3}") {
            for set in [&b"\">\xE2"[..], b"a", b"", b"z "] {
                let slow = t.bytes().any(|b| set.contains(&b));
                proptest::prop_assert_eq!(has_any_byte(&t, set), slow);
            }
        }
    }

    /// The definition `words` had before its ASCII fast path.
    fn words_reference(text: &str) -> Vec<Range<usize>> {
        let mut iter = text.char_indices().peekable();
        std::iter::from_fn(move || {
            let (start, _) = iter.by_ref().find(|&(_, c)| is_word_char(c))?;
            let mut end = start;
            while let Some(&(i, c)) = iter.peek() {
                let joiner = matches!(c, '\'' | '\u{2019}' | '-');
                if is_word_char(c)
                    || (joiner
                        && text[i + c.len_utf8()..]
                            .chars()
                            .next()
                            .is_some_and(is_word_char))
                {
                    end = i + c.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            Some(start..end.max(start + text[start..].chars().next().map_or(1, char::len_utf8)))
        })
        .collect()
    }

    proptest::proptest! {
        #[test]
        fn words_match_their_definition(t in "[ a-zA-Z0-9_'\u{2019}\u{2018}\\-.,é😀ß\u{a0}]{0,40}|([a-zA-Z0-9_@`\\[{/:\x7f]{0,11}[ '\\-\t\n\u{1}é]{1,2}){0,6}") {
            proptest::prop_assert_eq!(words(&t).collect::<Vec<_>>(), words_reference(&t));
        }

        #[test]
        fn trim_is_str_trim(t in "[ \t\n\r\x0b\x0c\x1f\x7f!~a\u{85}\u{a0}\u{2003}\u{3000}é]{0,8}") {
            proptest::prop_assert_eq!(trim(&t), t.trim());
        }

        #[test]
        fn flat_ascii_matches_its_definition(t in "([a-c~\x7f\u{1}]{0,9}[ \t\n]{0,2}){0,5}|[ -~é\n\t\r]{0,20}") {
            let b = t.as_bytes();
            let want = b.iter().all(|&c| (0x20..0x80).contains(&c))
                && !t.contains("  ")
                && !t.starts_with(' ')
                && !t.ends_with(' ');
            proptest::prop_assert_eq!(is_flat_ascii(b), want);
        }
    }

    #[test]
    fn sentences_keep_abbreviations_and_unicode_space() {
        let t = "\u{a0}Dr. Smith, approx. 3 pm.\u{2003}\nOK!! \u{3000}";
        assert_eq!(sentences(t), sentences_reference(t));
        assert_eq!(
            texts(t, &sentences(t)),
            ["Dr. Smith, approx. 3 pm.", "OK!!"]
        );
        assert!(ABBREVIATIONS
            .iter()
            .all(|a| a.len() <= LONGEST_ABBREVIATION));
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("  a  b\n c ", 80), "a b c");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("ab  cdef", 4), "ab…");
        assert_eq!(shorten("ééééé", 5), "ééééé");
    }

    #[test]
    fn flat_ascii_sees_every_doubled_space_and_edge() {
        for len in 1..20 {
            for at in 0..len {
                let mut t = vec![b'a'; len];
                t[at] = b' ';
                let edge = at == 0 || at == len - 1;
                assert_eq!(is_flat_ascii(&t), !edge, "{len} {at}");
                for other in [b' ', b'\t', 0x1F, 0x80] {
                    if at + 1 < len {
                        t[at + 1] = other;
                        assert!(!is_flat_ascii(&t), "{len} {at} {other}");
                    }
                }
            }
        }
    }

    #[test]
    fn shorten_borrows_text_it_leaves_alone() {
        for flat in ["", "a", "Hi there, how can I help?", "a b"] {
            assert!(matches!(shorten(flat, 80), Cow::Borrowed(t) if t == flat));
        }
        for changed in [" a", "a ", "a  b", "a\nb", "é", "abcdef"] {
            assert!(matches!(shorten(changed, 5), Cow::Owned(_)), "{changed:?}");
        }
    }

    #[test]
    fn quotes() {
        let t = "You wrote \u{201C}THIS IS BAD\u{201D} and \"ok\"";
        assert_eq!(texts(t, &quoted_spans(t)), ["THIS IS BAD", "ok"]);
    }
}
