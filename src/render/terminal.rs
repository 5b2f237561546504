//! Safe, optionally coloured terminal text. Transcript text is written by
//! the public: control characters and escape sequences in it are shown as
//! visible escapes, never passed to the reviewer's terminal.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

/// Whether to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint<'a>(&self, code: &'static str, text: &'a str) -> Painted<'a> {
        Painted {
            code: self.color.then_some(code),
            text,
        }
    }
    pub fn bold<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("1", s)
    }
    pub fn red<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("1;31", s)
    }
    pub fn yellow<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("1;33", s)
    }
    pub fn green<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("32", s)
    }
    pub fn blue<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("1;34", s)
    }
    pub fn dim<'a>(&self, s: &'a str) -> Painted<'a> {
        self.paint("2", s)
    }
}

/// Text with an optional colour, written when displayed (no allocation).
#[derive(Clone, Copy, Debug)]
pub struct Painted<'a> {
    /// The SGR code, when colouring.
    code: Option<&'static str>,
    text: &'a str,
}

impl Painted<'_> {
    /// Appends the text, painted: the bytes `Display` writes, without the
    /// formatting machinery (`check` writes several of these per finding).
    pub fn push_to(&self, out: &mut Vec<u8>) {
        self.push_around("", "", out);
    }

    /// Appends `before`, the text and `after`, painted as one run.
    pub fn push_around(&self, before: &str, after: &str, out: &mut Vec<u8>) {
        if let Some(code) = self.code {
            out.extend_from_slice(b"\x1b[");
            out.extend_from_slice(code.as_bytes());
            out.push(b'm');
        }
        out.extend_from_slice(before.as_bytes());
        out.extend_from_slice(self.text.as_bytes());
        out.extend_from_slice(after.as_bytes());
        if self.code.is_some() {
            out.extend_from_slice(b"\x1b[0m");
        }
    }
}

impl std::fmt::Display for Painted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "\x1b[{code}m{}\x1b[0m", self.text),
            None => f.write_str(self.text),
        }
    }
}

/// A character that must not reach a terminal as is: C0/C1 controls, DEL,
/// and the bidirectional overrides that can reorder what a reader sees.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `s` with every unsafe character replaced by a visible escape (`\u{1b}`);
/// tabs and line breaks become spaces.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    // Printable ASCII, the usual case, needs no look at characters.
    if is_printable_ascii(s) || !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `s` is all printable ASCII: safe as it is, one column a byte.
pub fn is_printable_ascii(s: &str) -> bool {
    // No early exit: the compiler tests many bytes at once.
    s.bytes().fold(true, |printable, b| {
        printable & (b.wrapping_sub(0x20) < 0x5f)
    })
}

/// Display width of a (sanitised) string.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to at most `max` display columns, with an ellipsis when cut.
pub fn fit(s: &str, max: usize) -> String {
    if is_printable_ascii(s) {
        // One column a byte.
        return match s.get(..max.saturating_sub(1)) {
            Some(kept) if s.len() > max => format!("{kept}…"),
            _ => s.to_string(),
        };
    }
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// `s` padded with spaces to `w` display columns.
pub fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// A miette diagnostic rendered as text, coloured or not (plain text when
/// the graphical rendering fails).
pub fn report(d: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    if miette::GraphicalReportHandler::new_themed(theme)
        .render_report(&mut s, d)
        .is_err()
    {
        s = format!("{d}\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_reach_the_terminal() {
        let evil = "hi \x1b[31mRED\x1b[0m \u{202E}txt.exe\x07";
        let safe = sanitize(evil);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        assert_eq!(safe, "hi \\u{1b}[31mRED\\u{1b}[0m \\u{202e}txt.exe\\u{7}");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        /// Printable ASCII is cut as the general path cuts it.
        #[test]
        fn ascii_fits_like_any_text(s in "[ -~]{0,40}", max in 0usize..45) {
            // The general path, forced: a zero-width joiner adds no column.
            let general = fit(&format!("{s}\u{200d}"), max);
            let general = general.replace('\u{200d}', "");
            proptest::prop_assert_eq!(fit(&s, max), general);
        }
    }

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit("héllo wörld", 6), "héllo…");
        assert_eq!(width("日本"), 4);
        assert_eq!(pad("ab", 4), "ab  ");
    }
}
