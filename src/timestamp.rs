//! Timestamps: parsing every form the formats allow, and formatting.
//!
//! Accepted: RFC 3339 / ISO 8601 strings (`Z`, an offset, or none meaning
//! UTC; any number of fractional digits; `T` or a space between date and
//! time), and numbers: epoch seconds, or epoch milliseconds when larger
//! than 10^11.

use crate::model::Millis;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

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
    let s = s.trim();
    if let Some(ms) = parse_fast(s.as_bytes()) {
        return Some(ms);
    }
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

/// The common shape `YYYY-MM-DDTHH:MM:SS[.fff...][Z|±HH:MM]`, without chrono.
fn parse_fast(b: &[u8]) -> Option<Millis> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                frac_ms = frac_ms * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..3 {
            frac_ms *= 10;
        }
    }
    let offset_s = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let d = |c: u8| -> Option<i64> { c.is_ascii_digit().then(|| i64::from(c - b'0')) };
            let off = (d(*h1)? * 10 + d(*h2)?) * 3600 + (d(*m1)? * 10 + d(*m2)?) * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let days = days_since_epoch(year, month, day)?;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    Some(secs * 1000 + frac_ms)
}

/// Days from 1970-01-01 to a proleptic Gregorian date, `None` for a day
/// past the end of its month. Arithmetic instead of chrono's calendar
/// (this runs for every message); `year` is 0-9999, `month` 1-12.
fn days_since_epoch(year: i64, month: i64, day: i64) -> Option<i64> {
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
    // Years counted from March, so that the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
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
    let mut out = String::with_capacity(24);
    let mut digits = |n: u32, width: u32, sep: char| {
        for place in (0..width).rev() {
            let digit = n / 10u32.pow(place) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(sep);
    };
    digits(dt.year() as u32, 4, '-');
    digits(dt.month(), 2, '-');
    digits(dt.day(), 2, 'T');
    digits(dt.hour(), 2, ':');
    digits(dt.minute(), 2, ':');
    if ms % 1000 == 0 {
        digits(dt.second(), 2, 'Z');
    } else {
        digits(dt.second(), 2, '.');
        digits(ms.rem_euclid(1000) as u32, 3, 'Z');
    }
    out
}

/// The ISO week of a moment, as `2026-W46`.
pub fn iso_week(ms: Millis) -> Option<String> {
    let dt = DateTime::<Utc>::from_timestamp_millis(ms)?;
    let w = dt.iso_week();
    Some(format!("{:04}-W{:02}", w.year(), w.week()))
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

    proptest::proptest! {
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
        assert_eq!(
            iso_week(parse_str("2026-11-09T09:17:43Z").unwrap()).unwrap(),
            "2026-W46"
        );
        assert_eq!(
            iso_week(parse_str("2027-01-01T00:00:00Z").unwrap()).unwrap(),
            "2026-W53"
        );
    }
}
