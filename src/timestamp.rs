//! Timestamps: parsing every form the formats allow, and formatting.
//!
//! Accepted: RFC 3339 / ISO 8601 strings (`Z`, an offset, or none meaning
//! UTC; any number of fractional digits; `T` or a space between date and
//! time), and numbers: epoch seconds, or epoch milliseconds when larger
//! than 10^11.

use crate::model::Millis;
use crate::swar;
use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, NaiveDateTime, Timelike, Utc};
use std::cell::Cell;

/// Epoch numbers above this are milliseconds, below it seconds.
const MILLIS_THRESHOLD: f64 = 1e11;

/// Parses an epoch number (seconds or milliseconds).
pub fn from_epoch(n: f64) -> Option<Millis> {
    if !n.is_finite() {
        return None;
    }
    let ms = if n.abs() > MILLIS_THRESHOLD {
        n
    } else {
        n * 1000.0
    };
    // Years beyond ±200,000 are nonsense in a transcript.
    if ms.abs() > 6.3e18 / 1000.0 {
        return None;
    }
    Some(ms.round() as Millis)
}

/// Parses a timestamp string; `None` when it is not a date-time we know.
pub fn parse_str(s: &str) -> Option<Millis> {
    // The common shape first: text it reads has no white space to trim.
    parse_fast(s.as_bytes()).or_else(|| parse_trimmed(s.trim()))
}

/// [`parse_str`] for the rarer forms, on text without surrounding white
/// space. Kept out of line, so that the common shape's call stays small.
#[inline(never)]
fn parse_trimmed(s: &str) -> Option<Millis> {
    parse_fast(s.as_bytes()).or_else(|| parse_general(s))
}

/// Every form, read with chrono: what [`parse_fast`] must agree with.
fn parse_general(s: &str) -> Option<Millis> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(ndt.and_utc().timestamp_millis());
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis());
    }
    // A number written as a string.
    s.parse::<f64>().ok().and_then(from_epoch)
}

/// The common shape `YYYY-MM-DDTHH:MM:SS[.fff...][Z|±HH:MM]`, without chrono:
/// the time's word `HH:MM:SS` is checked and read eight bytes at a time,
/// and the date mostly remembered (see [`date_days`]).
fn parse_fast(b: &[u8]) -> Option<Millis> {
    let (head, rest) = b.split_first_chunk::<19>()?;
    // The date first: no number is kept across the call that reads it.
    let days = date_days(head)?;
    let time = TIME.digit_pairs(swar::load(head, 11)?)?;
    let (hour, min, sec) = (pair(time, 0), pair(time, 3), pair(time, 6));
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    Some(secs * 1000 + after_seconds_ms(rest)?)
}

/// The number at byte `at` of [`Layout::digit_pairs`]' result.
fn pair(pairs: u64, at: u32) -> i64 {
    (pairs >> (8 * at) & 0xFF) as i64
}

/// The day number of the date that starts `head` (`YYYY-MM-DD` and the
/// separator `T` or a space), remembering the last date read on this
/// thread by its bytes: the timestamps of a conversation mostly share it.
fn date_days(head: &[u8; 19]) -> Option<i64> {
    thread_local! {
        /// The first eleven bytes of the last date read (as two words,
        /// overlapping) and its day number.
        static LAST_DATE: Cell<Option<([u64; 2], i64)>> = const { Cell::new(None) };
    }
    let key = [swar::load(head, 0)?, swar::load(head, 3)?];
    if let Some((last, days)) = LAST_DATE.get() {
        if last == key {
            return Some(days);
        }
    }
    let days = read_date(head)?;
    LAST_DATE.set(Some((key, days)));
    Some(days)
}

/// The day number of the date that starts `head`, read (see [`date_days`]).
/// Kept out of line: most timestamps never get here.
#[inline(never)]
fn read_date(head: &[u8; 19]) -> Option<i64> {
    let date = DATE.digit_pairs(swar::load(head, 0)?)?;
    let day = two_digits(head[8], head[9])?;
    let (year, month) = (pair(date, 0) * 100 + pair(date, 2), pair(date, 5));
    if !matches!(head[10], b'T' | b' ') || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    days_since_epoch(year, month, day)
}

/// What follows the seconds, as milliseconds to add: an optional fraction
/// of a second, less the UTC offset.
fn after_seconds_ms(rest: &[u8]) -> Option<i64> {
    if rest == b"Z" {
        Some(0)
    } else {
        fraction_less_offset_ms(rest)
    }
}

/// [`after_seconds_ms`] other than for `Z`, out of line for the same
/// reason as [`read_date`].
#[inline(never)]
fn fraction_less_offset_ms(rest: &[u8]) -> Option<i64> {
    let (frac_ms, rest) = fraction_ms(rest)?;
    Some(frac_ms - offset_s(rest)? * 1000)
}

/// Where an eight-byte word has digits, and the separators between them.
struct Layout {
    /// 0xFF in each digit byte.
    digits: u64,
    /// The separator bytes, zero in the digit bytes.
    separators: u64,
}

/// The date's word: `YYYY-MM-`.
const DATE: Layout = Layout::of(b"dddd-dd-");
/// The time's word: `HH:MM:SS`.
const TIME: Layout = Layout::of(b"dd:dd:dd");

impl Layout {
    /// The layout of `pattern`: `d` for a digit, any other byte for itself.
    const fn of(pattern: &[u8; 8]) -> Layout {
        let (mut digits, mut separators) = (0, 0);
        let mut i = 0;
        while i < 8 {
            match pattern[i] {
                b'd' => digits |= 0xFF << (8 * i),
                b => separators |= (b as u64) << (8 * i),
            }
            i += 1;
        }
        Layout { digits, separators }
    }

    /// The digits of `word` (little-endian) by pairs, `None` unless it has
    /// this layout: byte `i` of the result is `10 * digit[i] + digit[i + 1]`
    /// for each digit byte `i`.
    fn digit_pairs(&self, word: u64) -> Option<u64> {
        // Digits are the bytes 0x30-0x39: high nibble 3, low nibble below 10.
        let fixed = self.digits & swar::splat(0xF0) | !self.digits;
        if word & fixed != self.digits & swar::splat(0x30) | self.separators {
            return None;
        }
        let values = word & self.digits & swar::splat(0x0F);
        // A nibble of 10 or more reaches 16 when 6 is added (no carry leaves a byte).
        if (values + swar::splat(0x06)) & swar::splat(0x10) != 0 {
            return None;
        }
        // At most 9 * 10 + 9 a byte: no carry either.
        Some(values * 10 + (values >> 8))
    }
}

/// Two ASCII digits as a number, `None` if one is not a digit.
fn two_digits(tens: u8, units: u8) -> Option<i64> {
    let (tens, units) = (tens.wrapping_sub(b'0'), units.wrapping_sub(b'0'));
    (tens < 10 && units < 10).then(|| i64::from(tens * 10 + units))
}

/// An optional fraction of a second (`.` and at least one digit) as whole
/// milliseconds, and the text after it.
fn fraction_ms(b: &[u8]) -> Option<(i64, &[u8])> {
    let Some((b'.', digits)) = b.split_first() else {
        return Some((0, b));
    };
    let count = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if count == 0 {
        return None;
    }
    let mut ms = 0;
    for place in 0..3 {
        let d = digits[..count]
            .get(place)
            .map_or(0, |c| i64::from(c - b'0'));
        ms = ms * 10 + d;
    }
    Some((ms, &digits[count..]))
}

/// The UTC offset that ends the text, in seconds: none, `Z`, `±HH:MM` or
/// `±HHMM`. Any two digits are taken for the hours and for the minutes,
/// where chrono refuses a day or more and minutes past 59: a difference
/// this fast path has always had, kept so that output stays the same (see
/// `offsets_past_chronos_bounds_are_taken`).
fn offset_s(b: &[u8]) -> Option<i64> {
    let (sign, h1, h2, m1, m2) = match *b {
        [] | [b'Z'] | [b'z'] => return Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            (sign, h1, h2, m1, m2)
        }
        _ => return None,
    };
    let off = two_digits(h1, h2)? * 3600 + two_digits(m1, m2)? * 60;
    Some(if sign == b'+' { off } else { -off })
}

/// Days from 1970-01-01 to a proleptic Gregorian date, `None` for a day
/// past the end of its month. Arithmetic instead of chrono's calendar (this
/// runs for every date read); `year` is 0-9999, `month` 1-12, `day` at
/// least 1.
fn days_since_epoch(year: i64, month: i64, day: i64) -> Option<i64> {
    /// Days before each month (1-12) of a common year.
    const DAYS_BEFORE: [i64; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > month_days {
        return None;
    }
    // Leap days in the years before `year`, counted 400 years later (which
    // adds 97) so that the divisions are of non-negative numbers; 477 fall
    // before 1970.
    let shifted = u64::try_from(year).ok()? + 399;
    let leap_days = (shifted / 4 - shifted / 100 + shifted / 400) as i64 - 97 - 477;
    let leap_day_this_year = i64::from(leap && month > 2);
    let day_of_year = *DAYS_BEFORE.get(month as usize)? + leap_day_this_year + day - 1;
    Some((year - 1970) * 365 + leap_days + day_of_year)
}

/// Formats milliseconds as RFC 3339 UTC (`2026-11-09T09:17:43Z`, with
/// milliseconds only when they are not zero).
pub fn format(ms: Millis) -> String {
    let Some(dt) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    if !(0..=9999).contains(&dt.year()) {
        // chrono writes the sign and width of years outside 0-9999.
        return if ms % 1000 == 0 {
            dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        };
    }
    // By hand: this runs for every finding `check` prints, and chrono's
    // format strings are interpreted at each call.
    let mut out = Vec::with_capacity(24);
    let mut digits = |n: u32, width: u32, sep: u8| {
        push_padded(&mut out, n, width);
        out.push(sep);
    };
    digits(dt.year() as u32, 4, b'-');
    digits(dt.month(), 2, b'-');
    digits(dt.day(), 2, b'T');
    digits(dt.hour(), 2, b':');
    digits(dt.minute(), 2, b':');
    if ms % 1000 == 0 {
        digits(dt.second(), 2, b'Z');
    } else {
        digits(dt.second(), 2, b'.');
        digits(ms.rem_euclid(1000) as u32, 3, b'Z');
    }
    String::from_utf8(out).expect("digits and separators are ASCII")
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_padded(out: &mut Vec<u8>, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = n / 10u32.pow(place) % 10;
        out.push(b'0' + digit as u8);
    }
}

/// An ISO week, shown as `2026-W46`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Week(IsoWeek);

impl Week {
    /// Appends the week as `Display` shows it: by hand for the years
    /// 0-9999 (this runs for every scorecard), where that is four digits.
    pub fn push_to(self, out: &mut Vec<u8>) {
        let year = self.0.year();
        if !(0..=9999).contains(&year) {
            use std::io::Write;
            return write!(out, "{self}").expect("writing to memory");
        }
        push_padded(out, year as u32, 4);
        out.extend_from_slice(b"-W");
        push_padded(out, self.0.week(), 2);
    }
}

impl std::fmt::Display for Week {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{:04}-W{:02}", self.0.year(), self.0.week())
    }
}

/// The ISO week of a moment.
pub fn iso_week(ms: Millis) -> Option<Week> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|dt| Week(dt.iso_week()))
}

/// A timestamp: an RFC 3339 / ISO 8601 string, or epoch seconds or
/// milliseconds, read to UTC milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ts(pub Millis);

impl<'de> serde::Deserialize<'de> for Ts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Ts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a timestamp (RFC 3339 text or epoch seconds/milliseconds)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Ts, E> {
                parse_str(v)
                    .map(Ts)
                    .ok_or_else(|| E::custom(format!("invalid timestamp {v:?}")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Ts, E> {
                from_epoch(v)
                    .map(Ts)
                    .ok_or_else(|| E::custom(format!("invalid timestamp {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Ts, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Ts, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// Serde helper: an optional timestamp as an RFC 3339 string.
pub fn serialize_opt<S: serde::Serializer>(v: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(ms) => s.serialize_str(&format(*ms)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_documented_form() {
        let base = 1_762_679_863_000; // 2025-11-09T09:17:43Z
        assert_eq!(parse_str("2025-11-09T09:17:43Z"), Some(base));
        assert_eq!(parse_str("2025-11-09T09:17:43.250Z"), Some(base + 250));
        assert_eq!(parse_str("2025-11-09T09:17:43.250123Z"), Some(base + 250));
        assert_eq!(parse_str("2025-11-09T10:17:43+01:00"), Some(base));
        assert_eq!(parse_str("2025-11-09T04:17:43-0500"), Some(base));
        assert_eq!(parse_str("2025-11-09T09:17:43"), Some(base));
        assert_eq!(parse_str("2025-11-09 09:17:43"), Some(base));
        assert_eq!(parse_str("1762679863"), Some(base));
        assert_eq!(from_epoch(1_762_679_863.0), Some(base));
        assert_eq!(from_epoch(1_762_679_863_000.0), Some(base));
        assert_eq!(parse_str("yesterday"), None);
        assert_eq!(parse_str("2025-13-09T09:17:43Z"), None);
    }

    #[test]
    fn days_since_epoch_is_chronos_for_every_date() {
        for year in 0..=9999 {
            for month in 1..=12 {
                for day in 1..=31 {
                    let chrono = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
                        .map(|d| i64::from(d.num_days_from_ce()) - 719_163);
                    assert_eq!(
                        days_since_epoch(year, month, day),
                        chrono,
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    #[test]
    fn remembered_days_are_the_days_of_their_date() {
        for head in [
            "2024-02-29T00:00:00",
            "2024-02-29T00:00:00",
            "2024-02-29 00:00:00",
            "2024-03-01T00:00:00",
            "2023-02-29T00:00:00",
            "2023-02-29T00:00:00",
            "2024-03-01x00:00:00",
        ] {
            let head = head.as_bytes().try_into().unwrap();
            assert_eq!(date_days(head), read_date(head), "{head:?}");
        }
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        for s in [
            "2026-02-28T23:59:59Z",
            "2024-02-29T00:00:00.5+05:30",
            "1999-12-31T12:00:00-08:00",
        ] {
            let fast = parse_fast(s.as_bytes()).unwrap();
            let slow = DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
            assert_eq!(fast, slow, "{s}");
        }
    }

    /// Text of the common shape with fields in and out of range, leap days,
    /// every kind of fraction and offset, at times one character replaced
    /// (by a digit, a separator or a non-ASCII character) and white space
    /// around.
    fn near_timestamps() -> impl Strategy<Value = String> {
        let year = prop_oneof![
            0u32..=9999,
            proptest::sample::select(vec![0, 1600, 1900, 1970, 2000, 2023, 2024, 2100, 9999]),
        ];
        let date = (year, 0u32..=13, 0u32..=32);
        let time = (0u32..=24, 0u32..=60, 0u32..=61);
        let separator = proptest::sample::select(vec!['T', ' ', 't', '_']);
        let fraction = proptest::option::of("[0-9]{0,12}");
        let offset = prop_oneof![
            Just(String::new()),
            proptest::sample::select(vec!["Z", "z", "+", "-00:00", "Zz"]).prop_map(String::from),
            ("[+-]", 0u32..=23, 0u32..=59, proptest::bool::ANY).prop_map(
                |(sign, h, m, colon)| format!("{sign}{h:02}{}{m:02}", if colon { ":" } else { "" })
            ),
            "[+-][0-9]{1,3}",
        ];
        let swap = proptest::option::weighted(
            0.3,
            (
                any::<proptest::sample::Index>(),
                proptest::sample::select(vec![
                    '0', '9', '-', ':', '.', '+', 'Z', ' ', '/', 'é', '٣', '０', '\0',
                ]),
            ),
        );
        let space = proptest::sample::select(vec!["", " ", "\t", "\n "]);
        (date, separator, time, fraction, offset, swap, space).prop_map(
            |((y, mo, d), sep, (h, mi, sec), fraction, offset, swap, space)| {
                let fraction = fraction.map_or(String::new(), |f| format!(".{f}"));
                let s =
                    format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}{fraction}{offset}");
                let mut chars: Vec<char> = s.chars().collect();
                if let Some((at, c)) = swap {
                    let at = at.index(chars.len());
                    chars[at] = c;
                }
                format!("{space}{}{space}", chars.into_iter().collect::<String>())
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]

        /// The fast path changes no result: every string parses as chrono
        /// reads it, but for the offsets chrono refuses (see [`offset_s`]).
        #[test]
        fn parses_as_the_general_path(s in near_timestamps()) {
            prop_assume!(!ends_in_offset_past_chronos_bounds(s.trim()));
            proptest::prop_assert_eq!(parse_str(&s), parse_general(s.trim()), "{:?}", s);
        }
    }

    /// Whether `s` ends in `±HH:MM` or `±HHMM` with hours past 23 or
    /// minutes past 59.
    fn ends_in_offset_past_chronos_bounds(s: &str) -> bool {
        let b = s.as_bytes();
        let (hours, minutes) = match b.len().checked_sub(6).map(|at| &b[at..]) {
            Some(&[b'+' | b'-', h1, h2, b':', m1, m2]) => (two_digits(h1, h2), two_digits(m1, m2)),
            _ => match b.len().checked_sub(5).map(|at| &b[at..]) {
                Some(&[b'+' | b'-', h1, h2, m1, m2]) => (two_digits(h1, h2), two_digits(m1, m2)),
                _ => return false,
            },
        };
        hours.zip(minutes).is_some_and(|(h, m)| h > 23 || m > 59)
    }

    #[test]
    fn offsets_past_chronos_bounds_are_taken() {
        let base = 1_708_708_904_000; // 2024-02-23T17:21:44Z
        for (s, offset_s) in [
            ("2024-02-23T17:21:44+25:00", 25 * 3600),
            ("2024-02-23T17:21:44-0075", -75 * 60),
        ] {
            assert_eq!(parse_general(s), None, "{s}");
            assert_eq!(parse_str(s), Some(base - offset_s * 1000), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_chrono_on_any_date(
            date in (0i64..=9999, 1i64..=12, 1i64..=31),
            time in (0i64..=23, 0i64..=59, 0i64..=59),
            fraction in proptest::option::of("[0-9]{1,7}"),
            offset in proptest::option::of((proptest::bool::ANY, 0i64..=23, 0i64..=59)),
        ) {
            let ((y, mo, d), (h, mi, sec)) = (date, time);
            let fraction = fraction.map_or(String::new(), |f| format!(".{f}"));
            let offset = offset.map_or("Z".to_string(), |(east, oh, om)| {
                format!("{}{oh:02}:{om:02}", if east { '+' } else { '-' })
            });
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}{fraction}{offset}");
            let chrono = DateTime::parse_from_rfc3339(&s).ok().map(|dt| dt.timestamp_millis());
            proptest::prop_assert_eq!(parse_fast(s.as_bytes()), chrono, "{}", s);
        }

        #[test]
        fn weeks_write_as_displayed(ms in prop_oneof![
            // The years 0-9999, then any that chrono has.
            -62_167_219_200_000i64..253_402_300_800_000,
            -8_000_000_000_000_000i64..8_000_000_000_000_000,
        ]) {
            let week = iso_week(ms).unwrap();
            let mut out = Vec::new();
            week.push_to(&mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), week.to_string());
        }

        #[test]
        fn formats_like_chrono(ms in -70_000_000_000_000i64..300_000_000_000_000) {
            let dt = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
            let chrono = if ms % 1000 == 0 {
                dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            };
            proptest::prop_assert_eq!(format(ms), chrono);
        }
    }

    #[test]
    fn formats_and_weeks() {
        assert_eq!(format(1_762_679_863_000), "2025-11-09T09:17:43Z");
        assert_eq!(format(1_762_679_863_250), "2025-11-09T09:17:43.250Z");
        let week = |s| iso_week(parse_str(s).unwrap()).unwrap().to_string();
        assert_eq!(week("2026-11-09T09:17:43Z"), "2026-W46");
        assert_eq!(week("2027-01-01T00:00:00Z"), "2026-W53");
    }
}
