//! A hand-written scanner for native records of the common shape, tried
//! before serde_json: parsing was a quarter of the time spent scoring.
//!
//! It reads a record into the same [`Conversation`] the serde path builds
//! (messages through the same [`NativeMessage::into_message`]), or gives up
//! with `None` on anything it does not read exactly as serde_json would:
//! malformed JSON, a duplicate or missing required key, a value of the
//! wrong type, an array where a struct is expected, a lone surrogate
//! escape, a float it cannot round the same way, trailing content, a
//! message without its text. The caller then runs the serde path, which
//! reads the rare shape or reports the error with its path and position.
//!
//! What it reads like serde: keys in any order, unknown keys (their values,
//! of any type, are skipped), `null` for optional fields, JSON whitespace
//! between tokens, strings borrowed from the input unless they have
//! escapes (decoded then, as serde does), identifiers given as integers,
//! and numbers (timestamps, ratings) that are integers or have at most 15
//! digits and no exponent.

use super::{Id, NativeMessage, Str};
use crate::model::{Conversation, Customer, Message, Millis, Rating, Role, Text};
use crate::swar;
use crate::timestamp::{self, Ts};
use std::borrow::Cow;

/// Reads `text` as one native record, or `None` to leave it to serde.
pub(super) fn parse(text: &str) -> Option<Conversation<'_>> {
    let mut s = Scanner { text, pos: 0 };
    let record = s.conversation()?;
    s.peek().is_none().then_some(record)
}

/// How deep skipped values may nest before the scanner gives up (serde has
/// no limit there; giving up is always allowed).
const MAX_SKIP_DEPTH: u32 = 64;

/// A position in a record's text.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

/// The offset of the first `"`, `\\` or control byte in `bytes` from `from`
/// on, or the length of `bytes`.
#[inline(always)]
fn plain_run(bytes: &[u8], from: usize) -> usize {
    swar::find_json_special(&bytes[from..]).map_or(bytes.len(), |n| from + n)
}

/// The fields of an object: each key is read as its field (a value of `F`),
/// or `None` for a key the object does not have. Keys shorter than eight
/// bytes (the word holds the closing quote too) are kept as little-endian
/// words with the masks of their bytes, so that one written plainly is
/// recognised with one comparison each instead of being scanned and then
/// compared; any other key is read as a string and looked up by name.
struct Fields<F, const N: usize> {
    fields: [(&'static str, F); N],
    /// Each field's key and closing quote, and its mask (zero for a key of
    /// eight bytes or more, with a word no masked word equals).
    words: [(u64, u64); N],
}

impl<F: Copy, const N: usize> Fields<F, N> {
    /// The fields `fields`, each by its key, most frequent first.
    const fn new(fields: [(&'static str, F); N]) -> Self {
        let mut words = [(1, 0); N];
        let mut i = 0;
        while i < N {
            let name = fields[i].0.as_bytes();
            if name.len() < 8 {
                let mut word = (b'"' as u64) << (8 * name.len());
                let mut j = 0;
                while j < name.len() {
                    word |= (name[j] as u64) << (8 * j);
                    j += 1;
                }
                words[i] = (word, u64::MAX >> (8 * (7 - name.len())));
            }
            i += 1;
        }
        Fields { fields, words }
    }

    /// The field whose key, with its closing quote, starts `word`, and the
    /// key's length.
    #[inline(always)]
    fn of_word(&self, word: u64) -> Option<(F, usize)> {
        let i = self
            .words
            .iter()
            .position(|&(key, mask)| word & mask == key)?;
        let (name, field) = self.fields[i];
        Some((field, name.len()))
    }

    /// The field named `name`.
    fn of_name(&self, name: &str) -> Option<F> {
        let (_, field) = self.fields.iter().find(|(n, _)| *n == name)?;
        Some(*field)
    }
}

/// The fields of a record.
#[derive(Clone, Copy)]
enum ConversationField {
    Id,
    Team,
    Agent,
    Channel,
    Tags,
    Rating,
    Customer,
    StartedAt,
    Messages,
}

const CONVERSATION_FIELDS: Fields<ConversationField, 9> = {
    use ConversationField as F;
    Fields::new([
        ("id", F::Id),
        ("team", F::Team),
        ("agent", F::Agent),
        ("channel", F::Channel),
        ("tags", F::Tags),
        ("rating", F::Rating),
        ("customer", F::Customer),
        ("started_at", F::StartedAt),
        ("messages", F::Messages),
    ])
};

/// The fields of a `customer`.
#[derive(Clone, Copy)]
enum CustomerField {
    Id,
    Name,
}

const CUSTOMER_FIELDS: Fields<CustomerField, 2> =
    Fields::new([("id", CustomerField::Id), ("name", CustomerField::Name)]);

/// The fields of a `rating`.
#[derive(Clone, Copy)]
enum RatingField {
    Score,
    Scale,
    Comment,
}

const RATING_FIELDS: Fields<RatingField, 3> = Fields::new([
    ("score", RatingField::Score),
    ("scale", RatingField::Scale),
    ("comment", RatingField::Comment),
]);

/// The fields of a message.
#[derive(Clone, Copy)]
enum MessageField {
    Role,
    Author,
    Text,
    Ts,
    Name,
    Event,
    Internal,
}

const MESSAGE_FIELDS: Fields<MessageField, 7> = {
    use MessageField as F;
    Fields::new([
        ("role", F::Role),
        ("author", F::Author),
        ("text", F::Text),
        ("ts", F::Ts),
        ("name", F::Name),
        ("event", F::Event),
        ("internal", F::Internal),
    ])
};

/// An object whose keys are all unknown (one being skipped).
const NO_FIELDS: Fields<(), 0> = Fields::new([]);

/// Stores a field's value, or fails if the key was seen before (serde's
/// "duplicate field" error).
#[inline(always)]
fn put<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

impl<'a> Scanner<'a> {
    /// The record's text as bytes.
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Skips JSON whitespace; the next byte, not consumed.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        match *self.bytes().get(self.pos)? {
            b if b > b' ' => Some(b),
            _ => self.skip_whitespace(),
        }
    }

    /// [`Self::peek`] where there may be whitespace to skip.
    fn skip_whitespace(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Consumes `b` after any whitespace.
    #[inline(always)]
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// Consumes `word` exactly where the scanner stands.
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes()[self.pos..]
            .starts_with(word)
            .then(|| self.pos += word.len())
    }

    /// Reads `null` as `Some(None)`, anything else with `read`.
    #[inline(always)]
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        read(self).map(Some)
    }

    /// Reads an object of `fields`, handing each key's field (`None` for
    /// an unknown key) to `field`, which reads its value.
    fn object<F: Copy, const N: usize>(
        &mut self,
        fields: &Fields<F, N>,
        mut field: impl FnMut(&mut Self, Option<F>) -> Option<()>,
    ) -> Option<()> {
        self.delimited(b'{', b'}', |s| {
            let key = s.key(fields)?;
            s.eat(b':')?;
            field(s, key)
        })
    }

    /// Reads `open`, then items separated by commas, then `close`.
    fn delimited(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        if self.peek()? == close {
            self.pos += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An object key, read as its field of `fields` (`Some(None)` for a
    /// key not among them).
    #[inline(always)]
    fn key<F: Copy, const N: usize>(&mut self, fields: &Fields<F, N>) -> Option<Option<F>> {
        if self.peek()? == b'"' {
            let known = swar::load(self.bytes(), self.pos + 1).and_then(|w| fields.of_word(w));
            if let Some((field, len)) = known {
                self.pos += len + 2;
                return Some(Some(field));
            }
        }
        let name = self.string()?;
        Some(fields.of_name(&name))
    }

    /// Reads an array, calling `item` to read each element.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.delimited(b'[', b']', item)
    }

    /// A string: borrowed from the input when it has no escapes, decoded
    /// otherwise.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = plain_run(self.bytes(), start);
        if self.bytes().get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.text.get(start..end).map(Cow::Borrowed);
        }
        self.escaped(start, end).map(Cow::Owned)
    }

    /// Decodes a string with escapes from `start`; the first backslash (or
    /// a control character, or the end of the text) is at `run_end`.
    #[cold]
    #[inline(never)]
    fn escaped(&mut self, start: usize, mut run_end: usize) -> Option<String> {
        let mut out = String::new();
        let mut from = start;
        loop {
            out.push_str(&self.text[from..run_end]);
            match *self.bytes().get(run_end)? {
                b'"' => {
                    self.pos = run_end + 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos = run_end + 1;
                    out.push(self.escape()?);
                    from = self.pos;
                }
                _ => return None,
            }
            run_end = plain_run(self.bytes(), from);
        }
    }

    /// The character of one escape, after its backslash.
    fn escape(&mut self) -> Option<char> {
        let b = *self.bytes().get(self.pos)?;
        self.pos += 1;
        Some(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode(),
            _ => return None,
        })
    }

    /// A `\u` escape, after the `u`: a character, or a surrogate pair.
    fn unicode(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high); // None for a lone low surrogate
        }
        self.literal(b"\\u")?;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x1_0000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes().get(self.pos..self.pos + 4)?;
        let mut v = 0;
        for &d in digits {
            v = v * 16 + char::from(d).to_digit(16)?;
        }
        self.pos += 4;
        Some(v)
    }

    /// Consumes ASCII digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        let bytes = self.bytes();
        while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Lexes a JSON number as serde_json does (a single leading zero,
    /// digits after a point and in an exponent).
    fn number(&mut self) -> Option<Number<'a>> {
        let bytes = self.bytes();
        self.peek()?;
        let negative = bytes[self.pos] == b'-';
        self.pos += usize::from(negative);
        let int_start = self.pos;
        match bytes.get(self.pos)? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => _ = self.digits(),
            _ => return None,
        }
        let int = &self.text[int_start..self.pos];
        if bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return None; // a leading zero
        }
        let mut fraction = "";
        if bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let from = self.pos;
            if self.digits() == 0 {
                return None;
            }
            fraction = &self.text[from..self.pos];
        }
        let exponent = matches!(bytes.get(self.pos), Some(b'e' | b'E'));
        if exponent {
            self.pos += 1;
            if matches!(bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(Number {
            negative,
            int,
            fraction,
            exponent,
        })
    }

    /// Skips one value of any type (an unknown key's).
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_SKIP_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(&NO_FIELDS, |s, _| s.skip_value(depth + 1)),
            b'[' => self.array(|s| s.skip_value(depth + 1)),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            _ => self.number().map(drop),
        }
    }

    /// An identifier: a string, or an integer written as one.
    #[inline(always)]
    fn id(&mut self) -> Option<Text<'a>> {
        if self.peek()? == b'"' {
            return self.string();
        }
        self.integer_id()
    }

    /// An identifier written as an integer.
    fn integer_id(&mut self) -> Option<Text<'a>> {
        Some(Cow::Owned(self.number()?.integer()?.to_string()))
    }

    /// A timestamp: text, or a number of epoch seconds or milliseconds.
    #[inline(always)]
    fn ts(&mut self) -> Option<Millis> {
        if self.peek()? == b'"' {
            timestamp::parse_str(&self.string()?)
        } else {
            timestamp::from_epoch(self.f64()?)
        }
    }

    /// `true` or `false`.
    fn bool(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            _ => self.literal(b"false").map(|()| false),
        }
    }

    /// A number read as an `f64`.
    fn f64(&mut self) -> Option<f64> {
        self.number()?.as_f64()
    }

    /// A role's name.
    #[inline(always)]
    fn role(&mut self) -> Option<Role> {
        Role::from_name(&self.string()?)
    }
}

impl<'a> Scanner<'a> {
    /// The record itself.
    fn conversation(&mut self) -> Option<Conversation<'a>> {
        let (mut id, mut channel, mut team, mut agent) = (None, None, None, None);
        let (mut customer, mut started_at, mut tags) = (None, None, None);
        let (mut rating, mut messages) = (None, None);
        self.object(&CONVERSATION_FIELDS, |s, field| {
            use ConversationField as F;
            match field {
                Some(F::Id) => put(&mut id, s.id()?),
                Some(F::Channel) => put(&mut channel, s.nullable(|s| s.string())?),
                Some(F::Team) => put(&mut team, s.nullable(|s| s.string())?),
                Some(F::Agent) => put(&mut agent, s.nullable(|s| s.string())?),
                Some(F::Customer) => put(&mut customer, s.nullable(Self::customer)?),
                Some(F::StartedAt) => put(&mut started_at, s.nullable(|s| s.ts())?),
                Some(F::Tags) => put(&mut tags, s.nullable(Self::tags)?),
                Some(F::Rating) => put(&mut rating, s.nullable(Self::rating)?),
                Some(F::Messages) => put(&mut messages, s.messages()?),
                None => s.skip_value(0),
            }
        })?;
        Some(Conversation {
            id: id?,
            channel: channel.flatten(),
            team: team.flatten(),
            agent: agent.flatten(),
            customer: customer.flatten(),
            started_at: started_at.flatten(),
            tags: tags.flatten().unwrap_or_default(),
            rating: rating.flatten(),
            messages: messages?,
        })
    }

    /// The `customer` object.
    fn customer(&mut self) -> Option<Customer<'a>> {
        let (mut id, mut name) = (None, None);
        self.object(&CUSTOMER_FIELDS, |s, field| match field {
            Some(CustomerField::Id) => put(&mut id, s.nullable(|s| s.id())?),
            Some(CustomerField::Name) => put(&mut name, s.nullable(|s| s.string())?),
            None => s.skip_value(0),
        })?;
        Some(Customer {
            id: id.flatten(),
            name: name.flatten(),
        })
    }

    /// The `tags` array.
    fn tags(&mut self) -> Option<Vec<Text<'a>>> {
        let mut tags = Vec::new();
        self.array(|s| {
            tags.push(s.string()?);
            Some(())
        })?;
        Some(tags)
    }

    /// The `rating` object.
    fn rating(&mut self) -> Option<Rating<'a>> {
        let (mut score, mut scale, mut comment) = (None, None, None);
        self.object(&RATING_FIELDS, |s, field| match field {
            Some(RatingField::Score) => put(&mut score, s.f64()?),
            Some(RatingField::Scale) => put(&mut scale, s.nullable(Self::f64)?),
            Some(RatingField::Comment) => put(&mut comment, s.nullable(|s| s.string())?),
            None => s.skip_value(0),
        })?;
        Some(Rating {
            score: score?,
            scale: scale.flatten(),
            comment: comment.flatten(),
        })
    }

    /// The `messages` array.
    fn messages(&mut self) -> Option<Vec<Message<'a>>> {
        // Room for messages of 64 bytes or more: growing the vector costs
        // more than the room left over, which goes with the conversation.
        let guess = (self.text.len() - self.pos) / 64;
        let mut messages = Vec::with_capacity(guess.min(1024));
        self.array(|s| {
            messages.push(s.message()?);
            Some(())
        })?;
        Some(messages)
    }

    /// One message.
    fn message(&mut self) -> Option<Message<'a>> {
        let (mut role, mut author, mut name, mut text) = (None, None, None, None);
        let (mut ts, mut event, mut internal) = (None, None, None);
        self.object(&MESSAGE_FIELDS, |s, field| {
            use MessageField as F;
            match field {
                Some(F::Role) => put(&mut role, s.role()?),
                Some(F::Author) => put(&mut author, s.nullable(|s| s.id())?),
                Some(F::Name) => put(&mut name, s.nullable(|s| s.string())?),
                Some(F::Text) => put(&mut text, s.nullable(|s| s.string())?),
                Some(F::Ts) => put(&mut ts, s.nullable(|s| s.ts())?),
                Some(F::Event) => put(&mut event, s.nullable(|s| s.string())?),
                Some(F::Internal) => put(&mut internal, s.nullable(Self::bool)?),
                None => s.skip_value(0),
            }
        })?;
        let message = NativeMessage {
            role: role?,
            author: author.flatten().map(Id),
            name: name.flatten().map(Str),
            text: text.flatten().map(Str),
            ts: ts.flatten().map(Ts),
            event: event.flatten().map(Str),
            internal: internal.flatten(),
        };
        message.into_message().ok()
    }
}

/// A lexed JSON number.
struct Number<'a> {
    negative: bool,
    /// The integer digits.
    int: &'a str,
    /// The digits after the point, if any.
    fraction: &'a str,
    exponent: bool,
}

/// An integer as serde_json hands it to a visitor.
enum Integer {
    U64(u64),
    I64(i64),
}

impl Number<'_> {
    /// The number as serde_json's `u64` or `i64`, or `None` when it would be
    /// an `f64` there (a point, an exponent, `-0`, out of range).
    fn integer(&self) -> Option<Integer> {
        if !self.fraction.is_empty() || self.exponent {
            return None;
        }
        let n: u64 = self.int.parse().ok()?;
        if !self.negative {
            return Some(Integer::U64(n));
        }
        // serde_json's test: `-0` and below `i64::MIN` are floats.
        let negated = (n as i64).wrapping_neg();
        (negated < 0).then_some(Integer::I64(negated))
    }

    /// The number as serde_json hands it to a visitor that reads an `f64`
    /// (an integer converted, or a float), when the value is certain to be
    /// the same.
    fn as_f64(&self) -> Option<f64> {
        match self.integer() {
            Some(n) => Some(n.as_f64()),
            None => self.decimal(),
        }
    }

    /// A float with at most 15 digits (an exact `f64` significand) and no
    /// exponent: one correctly rounded division by an exact power of ten,
    /// as serde_json does.
    fn decimal(&self) -> Option<f64> {
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        if self.exponent || self.int.len() + self.fraction.len() > 15 {
            return None;
        }
        let mut significand = 0u64;
        for d in self.int.bytes().chain(self.fraction.bytes()) {
            significand = significand * 10 + u64::from(d - b'0');
        }
        let f = significand as f64 / POW10[self.fraction.len()];
        Some(if self.negative { -f } else { f })
    }
}

impl Integer {
    /// Converted as serde's visitors for `f64` and `Ts` do.
    fn as_f64(&self) -> f64 {
        match *self {
            Integer::U64(n) => n as f64,
            Integer::I64(n) => n as f64,
        }
    }
}

impl std::fmt::Display for Integer {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Integer::U64(n) => n.fmt(f),
            Integer::I64(n) => n.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{convert, NativeConversation};
    use super::*;
    use crate::model::Conversation;
    use proptest::prelude::*;
    use proptest::sample::Index;

    type Converted<'a> = Result<Conversation<'a>, (String, String)>;

    /// What the serde path makes of `text`; `None` on a serde error.
    fn by_serde(text: &str) -> Option<Converted<'_>> {
        serde_json::from_str::<NativeConversation>(text)
            .ok()
            .map(convert)
    }

    /// What the fast path makes of `text`; `None` when it gives up.
    fn by_fast(text: &str) -> Option<Converted<'_>> {
        parse(text).map(Ok)
    }

    /// Whether each text of a conversation is borrowed, in a fixed order.
    fn borrowed(c: &Conversation) -> Vec<bool> {
        let b = |t: &Cow<str>| matches!(t, Cow::Borrowed(_));
        let o = |t: &Option<Cow<str>>| t.as_ref().map(b);
        let mut v = vec![Some(b(&c.id)), o(&c.channel), o(&c.team), o(&c.agent)];
        if let Some(cu) = &c.customer {
            v.extend([o(&cu.id), o(&cu.name)]);
        }
        v.extend(c.tags.iter().map(|t| Some(b(t))));
        v.extend(c.rating.iter().map(|r| o(&r.comment)));
        for m in &c.messages {
            v.extend([o(&m.author), o(&m.name), Some(b(&m.text)), o(&m.event)]);
        }
        v.into_iter().flatten().collect()
    }

    /// Asserts that whenever the fast path reads `text`, serde reads it the
    /// same way (borrowing the same strings); whether the fast path read it.
    fn agrees(text: &str) -> bool {
        let Some(fast) = by_fast(text) else {
            return false;
        };
        let serde = by_serde(text).unwrap_or_else(|| panic!("serde fails on {text}"));
        assert_eq!(fast, serde, "{text}");
        if let (Ok(f), Ok(s)) = (&fast, &serde) {
            assert_eq!(borrowed(f), borrowed(s), "{text}");
        }
        true
    }

    #[test]
    fn reads_the_common_shape_and_borrows() {
        let text = r#"{"id":"chat-1","agent":"Maya","team":"returns","messages":[{"role":"customer","author":"Ximena P.","text":"Hi, I need help.","ts":"2024-02-23T17:21:44Z"},{"role":"agent","author":"Maya","text":"How can I assist?","ts":"2024-02-23T17:22:11Z"}]}"#;
        assert!(agrees(text));
        let c = by_fast(text).unwrap().unwrap();
        assert!(borrowed(&c).iter().all(|&b| b));
        assert_eq!(c.messages[1].ts, Some(1_708_708_931_000));
    }

    #[test]
    fn reads_every_field_in_any_order() {
        let text = " {\"messages\" : [ {\"ts\":1708708904,\"internal\":true,\"event\":null,\"text\":\"a \\\"quote\\\" \\u00e9\\uD83D\\uDE00\",\"name\":\"N\",\"author\":42,\"role\":\"bot\",\"x\":[1,{\"y\":\"\\n\"},-2.5e3,null]} , {\"role\":\"system\",\"event\":\"closed\",\"ts\":-5}\r\n],\t\"rating\":{\"comment\":\"ok\",\"scale\":5,\"score\":4.5},\"tags\":[\"a\",\"b\\/c\"],\"started_at\":\"2024-02-23 17:21:44\",\"customer\":{\"name\":null,\"id\":-7},\"agent\":null,\"team\":\"t\",\"channel\":\"chat\",\"\\u0069d\":123} \n";
        assert!(agrees(text));
        let c = by_fast(text).unwrap().unwrap();
        assert_eq!(c.id, "123");
        assert_eq!(c.customer.as_ref().unwrap().id.as_deref(), Some("-7"));
        assert_eq!(c.messages[0].text, "a \"quote\" é😀");
        assert_eq!(c.messages[0].author.as_deref(), Some("42"));
        assert!(c.messages[0].internal);
        assert_eq!(c.rating.as_ref().unwrap().score, 4.5);
        assert_eq!(c.tags, ["a", "b/c"]);
    }

    /// Reads each field's key, written plainly and with an escape, from
    /// `{"key":…`, as its field or `None`.
    fn keys_read<F: Copy, const N: usize>(fields: &Fields<F, N>, key: &str) -> [Option<F>; 2] {
        let escaped = format!("\\u{:04x}{}", u32::from(key.as_bytes()[0]), &key[1..]);
        [key, escaped.as_str()].map(|written| {
            let text = format!("\"{written}\":1}}");
            Scanner {
                text: &text,
                pos: 0,
            }
            .key(fields)
            .unwrap()
        })
    }

    #[test]
    fn keys_by_word_agree_with_keys_by_name() {
        for (name, field) in MESSAGE_FIELDS.fields {
            let read = keys_read(&MESSAGE_FIELDS, name).map(|f| f.map(|f| f as usize));
            assert_eq!(read, [Some(field as usize); 2], "{name}");
        }
        for (name, field) in CONVERSATION_FIELDS.fields {
            let read = keys_read(&CONVERSATION_FIELDS, name).map(|f| f.map(|f| f as usize));
            assert_eq!(read, [Some(field as usize); 2], "{name}");
        }
        for other in ["i", "idx", "Id", "role2", "rol", "messages2", "tsx"] {
            let read = keys_read(&MESSAGE_FIELDS, other).map(|f| f.map(|f| f as usize));
            assert_eq!(read, [None; 2], "{other}");
            let read = keys_read(&CONVERSATION_FIELDS, other).map(|f| f.map(|f| f as usize));
            assert_eq!(read, [None; 2], "{other}");
        }
    }

    #[test]
    fn gives_up_where_serde_differs_or_fails() {
        for text in [
            r#"{"id":"a","id":"b","messages":[]}"#,
            r#"{"id":"a","messages":[],"messages":[]}"#,
            r#"{"id":"a","team":null,"team":"t","messages":[]}"#,
            r#"{"messages":[M]}"#,
            r#"{"id":"a"}"#,
            r#"{"id":null,"messages":[]}"#,
            r#"{"id":"a","messages":null}"#,
            r#"{"id":"a","messages":[M]}x"#,
            r#"{"id":"a","messages":[M,]}"#,
            r#"{"id":"a","messages":[M],}"#,
            r#"{"id":"a","messages":[M]"#,
            r#"{"id":"a\uDE00","messages":[]}"#,
            r#"{"id":"a\uD83D","messages":[]}"#,
            r#"{"id":"a\x","messages":[]}"#,
            "{\"id\":\"a\u{1}\",\"messages\":[]}",
            r#"{"id":-0,"messages":[]}"#,
            r#"{"id":1.0,"messages":[]}"#,
            r#"{"id":01,"messages":[]}"#,
            r#"{"id":18446744073709551616,"messages":[]}"#,
            r#"{"id":"a","messages":[{"role":"robot","text":"x"}]}"#,
            r#"{"id":"a","messages":[{"text":"x"}]}"#,
            r#"{"id":"a","messages":[{"role":"agent"}]}"#,
            r#"{"id":"a","messages":[{"role":"agent","text":"x","ts":1.5e9}]}"#,
            r#"{"id":"a","messages":[{"role":"agent","text":"x","ts":"soon"}]}"#,
            r#"{"id":"a","messages":[{"role":"agent","text":"x","internal":1}]}"#,
            r#"{"id":"a","customer":["c","n"],"messages":[]}"#,
            r#"{"id":"a","tags":["t",null],"messages":[]}"#,
            r#"{"id":"a","rating":{"score":1e2},"messages":[]}"#,
            r#"{"id":"a","rating":{"score":0.1000000000000001},"messages":[]}"#,
            r#"{"id":"a","rating":{"scale":5},"messages":[]}"#,
            r#"{"id":"a","x":[01],"messages":[]}"#,
            r#"[{"id":"a","messages":[]}]"#,
        ] {
            let text = text.replace('M', r#"{"role":"agent","text":"x"}"#);
            assert!(parse(&text).is_none(), "{text}");
        }
    }

    #[test]
    fn reads_every_fixture_record_serde_reads() {
        let mut read = 0;
        for path in jsonl_files(std::path::Path::new("fixtures")) {
            let bytes = std::fs::read(&path).unwrap();
            for line in bytes.split(|&b| b == b'\n') {
                let Ok(text) = std::str::from_utf8(line) else {
                    continue;
                };
                if matches!(by_serde(text), Some(Ok(_))) {
                    assert!(agrees(text), "{}: {text}", path.display());
                    read += 1;
                }
            }
        }
        assert!(read > 60, "{read}");
    }

    /// Every `.jsonl` file under `dir`.
    fn jsonl_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(jsonl_files(&path));
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
        files
    }

    /// Reads the records of the files named in `CHATLINT_FAST_PARSE_FILES`
    /// (`:`-separated), e.g. the benchmark inputs, asserting that every
    /// record takes the fast path.
    #[test]
    #[ignore = "needs CHATLINT_FAST_PARSE_FILES"]
    fn reads_every_record_of_the_named_files() {
        let files = std::env::var("CHATLINT_FAST_PARSE_FILES").unwrap();
        for path in files.split(':') {
            let text = std::fs::read_to_string(path).unwrap();
            let lines = text.lines().filter(|l| !l.trim().is_empty());
            let (mut fast, mut all) = (0, 0);
            for line in lines {
                all += 1;
                fast += usize::from(agrees(line));
            }
            eprintln!("{path}: {fast} of {all} records on the fast path");
            assert_eq!(fast, all, "{path}");
        }
    }

    /// A JSON value to write out.
    #[derive(Clone, Debug)]
    enum Json {
        /// Written as it is: a number, a literal, or a wrong token.
        Raw(String),
        /// A string, by what goes between its quotes.
        Str(String),
        Arr(Vec<Json>),
        /// Keys by what goes between their quotes.
        Obj(Vec<(String, Json)>),
    }

    /// Writes `j` with the whitespace `ws` hands out between tokens.
    fn render(j: &Json, ws: &mut impl FnMut() -> &'static str, out: &mut String) {
        match j {
            Json::Raw(s) => out.push_str(s),
            Json::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(ws());
                    render(item, ws, out);
                    out.push_str(ws());
                }
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(ws());
                    render(&Json::Str(key.clone()), ws, out);
                    out.push_str(ws());
                    out.push(':');
                    out.push_str(ws());
                    render(value, ws, out);
                    out.push_str(ws());
                }
                out.push('}');
            }
        }
    }

    /// One of `items`, written as it is.
    fn raw(items: &'static [&'static str]) -> BoxedStrategy<Json> {
        prop::sample::select(items)
            .prop_map(|s| Json::Raw(s.to_string()))
            .boxed()
    }

    /// One of `items` as a string.
    fn str_of(items: &'static [&'static str]) -> BoxedStrategy<Json> {
        prop::sample::select(items)
            .prop_map(|s| Json::Str(s.to_string()))
            .boxed()
    }

    const PLAIN: &[&str] = &[
        "hi",
        "Hello there",
        " ",
        "é",
        "日本",
        "🙂",
        "'",
        "#6123",
        "\u{7f}",
    ];
    const ESCAPES: &[&str] = &[
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u00e9",
        "\\u0041",
        "\\uD83D\\uDE00",
        "\\ud83d\\ude00",
        "\\u0000",
        "\\u001F",
        "\\u2019",
    ];
    const BAD_ESCAPES: &[&str] = &[
        "\\uDE00",
        "\\uD83D",
        "\\uD83Dx",
        "\\uD83D\\n",
        "\\uD83D\\u0041",
        "\\x",
        "\u{1}",
        "\n",
        "\\u12",
        "\\U0041",
        "\\",
    ];

    /// The content of a string: plain, with escapes, or (`wild`) broken.
    fn text(wild: bool) -> BoxedStrategy<String> {
        let plain = prop::collection::vec(prop::sample::select(PLAIN), 0..6);
        let piece = prop_oneof![prop::sample::select(PLAIN), prop::sample::select(ESCAPES)];
        let mixed = prop::collection::vec(piece, 0..6);
        let good = prop_oneof![plain, mixed].prop_map(|v| v.concat());
        if !wild {
            return good.boxed();
        }
        let bad = (
            good.clone(),
            prop::sample::select(BAD_ESCAPES),
            good.clone(),
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}"));
        prop_oneof![80 => good, 1 => bad].boxed()
    }

    fn string(wild: bool) -> BoxedStrategy<Json> {
        text(wild).prop_map(Json::Str).boxed()
    }

    /// `good`, or sometimes (`wild`) one of `bad`.
    fn or_bad(
        wild: bool,
        good: BoxedStrategy<Json>,
        bad: BoxedStrategy<Json>,
    ) -> BoxedStrategy<Json> {
        if wild {
            prop_oneof![80 => good, 1 => bad].boxed()
        } else {
            good
        }
    }

    fn integer() -> BoxedStrategy<Json> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            (0u32..100).prop_map(|n| n.to_string()),
            Just(i64::MIN.to_string()),
        ]
        .prop_map(Json::Raw)
        .boxed()
    }

    fn id(wild: bool) -> BoxedStrategy<Json> {
        let good = prop_oneof![string(wild), integer()].boxed();
        let bad = raw(&[
            "-0",
            "1.0",
            "1e3",
            "null",
            "true",
            "[]",
            "{}",
            "01",
            "-",
            "18446744073709551616",
            "-9223372036854775809",
        ]);
        or_bad(wild, good, bad)
    }

    fn ts(wild: bool) -> BoxedStrategy<Json> {
        let good = prop_oneof![
            str_of(&[
                "2024-02-23T17:21:44Z",
                "2024-02-23T17:21:44.250+01:00",
                "2024-02-23 17:21:44",
                "2024-02-23",
                "1708708904",
                "2024-02-23T17:21:44\\u005A",
            ]),
            (0u64..2_000_000_000_000).prop_map(|n| Json::Raw(n.to_string())),
            (-2_000_000_000i64..0).prop_map(|n| Json::Raw(n.to_string())),
            decimal().prop_map(Json::Raw),
        ]
        .boxed();
        let bad = prop_oneof![
            raw(&[
                "1.5e9",
                "17087089040.123456",
                "99999999999999999999",
                "1e400",
                "true",
                "[]"
            ]),
            str_of(&["yesterday", "", "2024-13-01T00:00:00Z"]),
        ]
        .boxed();
        or_bad(wild, good, bad)
    }

    /// A decimal number of at most 15 digits.
    fn decimal() -> BoxedStrategy<String> {
        (0u64..100_000_000_000_000, 0usize..=14, any::<bool>())
            .prop_map(|(n, frac, negative)| {
                let digits = format!("{n:0>width$}", width = frac + 1);
                let (int, fraction) = digits.split_at(digits.len() - frac);
                let sign = if negative { "-" } else { "" };
                match fraction {
                    "" => format!("{sign}{int}"),
                    _ => format!("{sign}{int}.{fraction}"),
                }
            })
            .boxed()
    }

    fn number(wild: bool) -> BoxedStrategy<Json> {
        let good = prop_oneof![
            decimal().prop_map(Json::Raw),
            raw(&["5", "4.5", "-0", "0.1"])
        ]
        .boxed();
        let bad = raw(&[
            "1e2",
            "1E-2",
            "0.30000000000000004441",
            "123456789012345.6",
            "1.",
            ".5",
            "01",
            "\"5\"",
            "null",
            "true",
            "1.7976931348623157e309",
        ]);
        or_bad(wild, good, bad)
    }

    fn boolean(wild: bool) -> BoxedStrategy<Json> {
        or_bad(
            wild,
            raw(&["true", "false"]),
            raw(&["1", "\"true\"", "nul", "True"]),
        )
    }

    /// Any value, nested, for unknown keys.
    fn any_value(wild: bool) -> BoxedStrategy<Json> {
        let leaf = prop_oneof![
            raw(&["0", "-1.5e3", "12", "true", "false", "null", "1E+2", "-0.0", "2.5E-3"]),
            string(wild),
        ];
        leaf.prop_recursive(3, 16, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Arr),
                prop::collection::vec((text(wild), inner), 0..4).prop_map(Json::Obj),
            ]
        })
        .boxed()
    }

    /// The key `name`, sometimes spelled with an escape.
    fn key(name: &'static str) -> BoxedStrategy<String> {
        let escaped = format!("\\u{:04x}{}", u32::from(name.as_bytes()[0]), &name[1..]);
        prop_oneof![8 => Just(name.to_string()), 1 => Just(escaped)].boxed()
    }

    type Entries = Vec<(String, Json)>;

    /// A field: present, or (`optional`) absent or null, or (`wild`) twice.
    fn field(
        name: &'static str,
        value: BoxedStrategy<Json>,
        optional: bool,
        wild: bool,
    ) -> BoxedStrategy<Entries> {
        let one = (key(name), value.clone()).prop_map(|e| vec![e]);
        let mut choices = vec![(60, one.boxed())];
        if optional {
            choices.push((20, Just(vec![]).boxed()));
            let null = (key(name), Just(Json::Raw("null".into()))).prop_map(|e| vec![e]);
            choices.push((10, null.boxed()));
        } else if wild {
            choices.push((1, Just(vec![]).boxed()));
        }
        if wild {
            let twice = (key(name), value.clone(), key(name), value)
                .prop_map(|(k1, v1, k2, v2)| vec![(k1, v1), (k2, v2)]);
            choices.push((1, twice.boxed()));
        }
        prop::strategy::Union::new_weighted(choices).boxed()
    }

    /// An object of `fields` and some unknown keys, in any order.
    fn object(fields: Vec<BoxedStrategy<Entries>>, wild: bool) -> BoxedStrategy<Json> {
        let names = &[
            "x", "meta", "extra", "Id", "text ", "日本", "a\\\"b", "\\u00e9",
        ];
        let unknown = prop::collection::vec(
            (
                prop::sample::select(names).prop_map(String::from),
                any_value(wild),
            ),
            0..3,
        );
        (fields, unknown)
            .prop_flat_map(|(fields, unknown)| {
                let all: Entries = fields.into_iter().flatten().chain(unknown).collect();
                Just(all).prop_shuffle()
            })
            .prop_map(Json::Obj)
            .boxed()
    }

    fn message(wild: bool) -> BoxedStrategy<Json> {
        let role = or_bad(
            wild,
            str_of(&["agent", "customer", "bot", "system", "\\u0061gent"]),
            prop_oneof![str_of(&["robot", "Agent"]), raw(&["null", "1"])].boxed(),
        );
        let s = || string(wild);
        object(
            vec![
                field("role", role, false, wild),
                field("author", id(wild), true, wild),
                field("name", s(), true, wild),
                // Typical records have the text every message but system
                // messages and events needs.
                field("text", s(), wild, wild),
                field("ts", ts(wild), true, wild),
                field("event", s(), true, wild),
                field("internal", boolean(wild), true, wild),
            ],
            wild,
        )
    }

    fn record(wild: bool) -> BoxedStrategy<Json> {
        let s = || string(wild);
        let customer = or_bad(
            wild,
            object(
                vec![
                    field("id", id(wild), true, wild),
                    field("name", s(), true, wild),
                ],
                wild,
            ),
            Just(Json::Arr(vec![
                Json::Str("c".into()),
                Json::Str("n".into()),
            ]))
            .boxed(),
        );
        let rating = object(
            vec![
                field("score", number(wild), false, wild),
                field("scale", number(wild), true, wild),
                field("comment", s(), true, wild),
            ],
            wild,
        );
        let tags = or_bad(
            wild,
            prop::collection::vec(s(), 0..3).prop_map(Json::Arr).boxed(),
            Just(Json::Arr(vec![Json::Raw("null".into())])).boxed(),
        );
        let messages = prop::collection::vec(message(wild), 0..4)
            .prop_map(Json::Arr)
            .boxed();
        object(
            vec![
                field("id", id(wild), false, wild),
                field("channel", s(), true, wild),
                field("team", s(), true, wild),
                field("agent", s(), true, wild),
                field("customer", customer, true, wild),
                field("started_at", ts(wild), true, wild),
                field("tags", tags, true, wild),
                field("rating", rating, true, wild),
                field(
                    "messages",
                    or_bad(wild, messages, raw(&["null", "{}"])),
                    false,
                    wild,
                ),
            ],
            wild,
        )
    }

    const WHITESPACE: &[&str] = &["", "", "", " ", "\n", "\t ", "\r\n"];

    /// A record written out with whitespace from `ws`, cycled.
    fn written(record: &Json, ws: &[&'static str]) -> String {
        let mut next = ws.iter().copied().cycle();
        let mut out = String::new();
        out.push_str(next.next().unwrap());
        render(record, &mut || next.next().unwrap(), &mut out);
        out.push_str(next.next().unwrap());
        out
    }

    /// Damage done to a written record.
    #[derive(Clone, Debug)]
    enum Damage {
        None,
        Cut(Index),
        Replace(Index, char),
        Insert(Index, char),
        Append(&'static str),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        let c = prop::sample::select(
            &[
                '"', '\\', ',', '}', ']', '{', '[', ':', 'x', '1', '.', '-', ' ', '\u{1}', 'é',
            ][..],
        );
        prop_oneof![
            12 => Just(Damage::None),
            1 => any::<Index>().prop_map(Damage::Cut),
            1 => (any::<Index>(), c.clone()).prop_map(|(i, c)| Damage::Replace(i, c)),
            1 => (any::<Index>(), c).prop_map(|(i, c)| Damage::Insert(i, c)),
            1 => prop::sample::select(&["x", " ", "\n", "}", "{}", ",", "\u{0}"][..]).prop_map(Damage::Append),
        ]
    }

    /// `text` with `damage` done to it.
    fn damaged(mut text: String, damage: &Damage) -> String {
        let at = |i: &Index, text: &str| {
            let at = i.index(text.len() + 1);
            (0..=at)
                .rev()
                .find(|&a| text.is_char_boundary(a))
                .unwrap_or(0)
        };
        match damage {
            Damage::None => {}
            Damage::Cut(i) => text.truncate(at(i, &text)),
            Damage::Replace(i, c) => {
                let a = at(i, &text);
                if let Some(old) = text[a..].chars().next() {
                    text.replace_range(a..a + old.len_utf8(), &c.to_string());
                }
            }
            Damage::Insert(i, c) => text.insert(at(i, &text), *c),
            Damage::Append(s) => text.push_str(s),
        }
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_serde_on_any_record(
            record in record(true),
            ws in prop::collection::vec(prop::sample::select(WHITESPACE), 1..8),
            damage in damage(),
        ) {
            agrees(&damaged(written(&record, &ws), &damage));
        }

        #[test]
        fn reads_every_typical_record(
            record in record(false),
            ws in prop::collection::vec(prop::sample::select(WHITESPACE), 1..8),
        ) {
            let text = written(&record, &ws);
            prop_assert!(agrees(&text), "fast path gave up on {}", text);
        }

        #[test]
        fn plain_runs_end_where_a_byte_loop_says(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), prop::sample::select(&[b'"', b'\\', 0x1f, 0x20, 0x21][..])],
                0..40,
            ),
            from in 0usize..8,
        ) {
            let from = from.min(bytes.len());
            let expected = (from..bytes.len())
                .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(bytes.len());
            prop_assert_eq!(plain_run(&bytes, from), expected);
        }

        #[test]
        fn reads_numbers_as_serde_does(
            n in prop_oneof![
                decimal(),
                any::<u64>().prop_map(|n| n.to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
            ]
        ) {
            let fast = Scanner { text: &n, pos: 0 }.f64().unwrap();
            let serde: f64 = serde_json::from_str(&n).unwrap();
            prop_assert_eq!(fast.to_bits(), serde.to_bits(), "{}", n);
        }
    }
}
