//! Tests on eight bytes at a time ("SIMD within a register"), for the scans
//! where most bytes need nothing: sentence ends, quote bytes, JSON escapes,
//! runs of capitals.

/// A byte repeated in each of the eight bytes of a word.
pub const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte.
pub const HIGH: u64 = splat(0x80);

/// Eight bytes of `bytes` from `at`, little-endian, if there are eight.
pub fn load(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(chunk.try_into().expect("eight bytes")))
}

/// Nonzero when a byte of `x` equals `b`; the lowest flagged byte is the
/// first such byte (a borrow can flag bytes above a match, never below).
pub fn flag_byte(x: u64, b: u8) -> u64 {
    flag_below(x ^ splat(b), 1)
}

/// The high bit of each byte of `x` that equals `b`, exactly: unlike
/// [`flag_byte`], whose borrows can flag bytes after a match, for when every
/// flagged byte counts, not only the first.
pub fn flag_byte_exact(x: u64, b: u8) -> u64 {
    let y = x ^ splat(b);
    // Adding 0x7F to the low seven bits sets the high bit unless they are zero.
    !(((y & !HIGH) + splat(0x7F)) | y) & HIGH
}

/// Nonzero when a byte of `x` is below `n` (at most 0x80); the lowest
/// flagged byte is the first such byte.
pub fn flag_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(splat(n)) & !x & HIGH
}

/// The high bit of each byte of `x` that is an ASCII word byte: a letter, a
/// digit or `_`.
pub fn flag_ascii_word(x: u64) -> u64 {
    flag_ascii_alphanumeric(x) | (flag_byte_exact(x, b'_'))
}

/// The high bit of each byte of `x` that is an ASCII letter or digit.
pub fn flag_ascii_alphanumeric(x: u64) -> u64 {
    // With the high bits cleared every byte is below 0x80, so adding at
    // most 0x50 carries into no other byte; the high bit of `v + (0x80 - lo)`
    // is set where `v >= lo`.
    let v = x & !HIGH;
    let at_least = |v: u64, lo: u8| v.wrapping_add(splat(0x80 - lo));
    let digit = at_least(v, b'0') & !at_least(v, b'9' + 1);
    let lower = v | splat(0x20);
    let letter = at_least(lower, b'a') & !at_least(lower, b'z' + 1);
    (digit | letter) & !x & HIGH
}

/// The offset of the first byte of `bytes` that a JSON string cannot hold
/// as it is: `"`, `\\` or a control byte (below 0x20).
pub fn find_json_special(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(word) = load(bytes, at) {
        if let Some(i) = first_json_special(word) {
            return Some(at + i);
        }
        at += 8;
    }
    // The rest, in the word that ends `bytes` if there is one: its bytes
    // before `at` are plain, so they raise no flag, not even a false one.
    match bytes.len().checked_sub(8) {
        Some(last) => first_json_special(load(bytes, last)?).map(|i| last + i),
        None => bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20),
    }
}

/// The offset of the first `"`, `\\` or control byte in a word.
#[inline(always)]
fn first_json_special(word: u64) -> Option<usize> {
    // XOR with 2 maps `"` (0x22) to 0x20 and keeps 0x00-0x1f below 0x20,
    // so one test flags both quotes and control bytes.
    let flags = flag_below(word ^ splat(0x02), 0x21) | flag_byte(word, b'\\');
    (flags != 0).then(|| flags.trailing_zeros() as usize / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_is_flagged_as_a_word_byte_or_not_in_every_place() {
        for b in 0..=255u8 {
            for i in 0..8 {
                let x = u64::from(b) << (8 * i);
                let word = b.is_ascii_alphanumeric() || b == b'_';
                // The other bytes are zero: no word bytes.
                assert_eq!(
                    flag_ascii_word(x),
                    u64::from(word) << (8 * i + 7),
                    "{b:#x} at {i}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn flags_agree_with_a_byte_loop(bytes: [u8; 8], b: u8, n in 1u8..=0x80) {
            let x = u64::from_le_bytes(bytes);
            let first = |hit: &dyn Fn(u8) -> bool| bytes.iter().position(|&c| hit(c));
            let lowest = |flags: u64| (flags != 0).then(|| flags.trailing_zeros() as usize / 8);
            proptest::prop_assert_eq!(lowest(flag_byte(x, b)), first(&|c| c == b));
            proptest::prop_assert_eq!(lowest(flag_below(x, n)), first(&|c| c < n));
            let every = (0..8).filter(|&i| bytes[i] == b).fold(0u64, |f, i| f | 0x80 << (8 * i));
            proptest::prop_assert_eq!(flag_byte_exact(x, b), every);
        }

        /// Bytes near `b` (and with the high bit flipped), where borrows show.
        #[test]
        fn exact_flags_flag_every_equal_byte(
            near in proptest::array::uniform8(0u8..6),
            high in proptest::array::uniform8(proptest::bool::ANY),
            b in 0x7eu8..0x82,
        ) {
            let bytes = near.map(|d| b.wrapping_add(d).wrapping_sub(2));
            let bytes: [u8; 8] = std::array::from_fn(|i| bytes[i] ^ if high[i] { 0x80 } else { 0 });
            let x = u64::from_le_bytes(bytes);
            let every = (0..8).filter(|&i| bytes[i] == b).fold(0u64, |f, i| f | 0x80 << (8 * i));
            proptest::prop_assert_eq!(flag_byte_exact(x, b), every);
        }

        #[test]
        fn ascii_word_flags_agree_with_a_byte_test(bytes: [u8; 8]) {
            let x = u64::from_le_bytes(bytes);
            let every = (0..8)
                .filter(|&i| bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
                .fold(0u64, |f, i| f | 0x80 << (8 * i));
            proptest::prop_assert_eq!(flag_ascii_word(x), every);
        }

        #[test]
        fn json_specials_agree_with_a_byte_loop(bytes in proptest::collection::vec(
            proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b'a')], 0..40)
        ) {
            let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
            proptest::prop_assert_eq!(find_json_special(&bytes), bytes.iter().position(|&b| special(b)));
        }
    }
}
