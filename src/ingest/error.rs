//! Errors about input: a bad record (reported, skipped, counted) or a source
//! that cannot be read at all. Both render as miette reports that name the
//! file, line and column, with the offending line shown when we have it.

use crate::render::terminal::sanitize;
use miette::{Diagnostic, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::fmt;

/// Where in an input something is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Display name of the source (a path or `<stdin>`).
    pub source: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column (bytes), when known.
    pub column: Option<u64>,
}

impl Location {
    /// A whole line of `source` (no column).
    pub fn line(source: &str, line: u64) -> Location {
        Location {
            source: source.to_string(),
            line,
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "{}:{}:{}", self.source, self.line, c),
            None => write!(f, "{}:{}", self.source, self.line),
        }
    }
}

/// A record that could not be turned into a conversation; it is skipped.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct RecordError {
    pub location: Location,
    /// What is wrong, with the path to the value when known
    /// (`messages[3]: missing field \`text\``).
    pub message: String,
    /// The conversation id, when it could be read.
    pub conversation: Option<String>,
    /// The line of input the error is on, for display.
    pub snippet: Option<Box<Snippet>>,
}

/// An excerpt of one input line around a column.
#[derive(Clone, Debug)]
pub struct Snippet {
    text: String,
    /// Byte offset of the error within `text`.
    offset: usize,
    /// Column of `text`'s first byte in the real line (1-based).
    first_column: u64,
}

/// How much of a line to show either side of an error.
const SNIPPET_RADIUS: usize = 60;

impl Snippet {
    /// Cuts a window of `line` around the 1-based byte `column`.
    pub fn around(line: &[u8], column: u64) -> Snippet {
        let col = (column.saturating_sub(1) as usize).min(line.len());
        let mut start = col.saturating_sub(SNIPPET_RADIUS);
        let mut end = (col + SNIPPET_RADIUS).min(line.len());
        // Keep to UTF-8 character boundaries.
        while start > 0 && (line[start] & 0xC0) == 0x80 {
            start -= 1;
        }
        while end < line.len() && (line[end] & 0xC0) == 0x80 {
            end += 1;
        }
        let text: String = String::from_utf8_lossy(&line[start..end])
            .chars()
            .map(|c| match c {
                c if c.is_control() => ' ',
                // Bidi overrides: as wide in UTF-8 as the replacement character.
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                    '\u{FFFD}'
                }
                c => c,
            })
            .collect();
        Snippet {
            offset: (col - start).min(text.len()),
            text,
            first_column: start as u64 + 1,
        }
    }
}

impl RecordError {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        RecordError {
            location,
            message: message.into(),
            conversation: None,
            snippet: None,
        }
    }

    pub fn with_snippet(mut self, snippet: Snippet) -> Self {
        self.snippet = Some(Box::new(snippet));
        self
    }

    pub fn with_conversation(mut self, id: Option<String>) -> Self {
        self.conversation = id;
        self
    }

    /// The error with e-mail addresses, phone numbers and card numbers in
    /// its message and excerpt masked (`--redact`).
    pub fn redacted(&self) -> RecordError {
        let mut e = self.clone();
        e.message = crate::redact::redact(&e.message).into_owned();
        if let Some(s) = e.snippet.as_mut() {
            let (text, span) = crate::redact::redact_with_span(&s.text, Some((s.offset, s.offset)));
            s.offset = span.map_or(0, |x| x.0);
            s.text = text.into_owned();
        }
        e
    }
}

/// The miette view of a [`RecordError`].
#[derive(Debug)]
pub struct RecordReport<'e>(pub &'e RecordError);

impl fmt::Display for RecordReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        // Messages quote the input (e.g. an unknown `role` value): keep its
        // escapes and controls away from the terminal.
        let location = e.location.to_string();
        write!(
            f,
            "skipped record at {}: {}",
            sanitize(&location),
            sanitize(&e.message)
        )?;
        if let Some(id) = &e.conversation {
            write!(f, " (conversation {:?})", sanitize(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for RecordReport<'_> {}

impl Diagnostic for RecordReport<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("chatlint::input::record"))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.snippet.as_deref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let s = self.0.snippet.as_ref()?;
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some("here".into()),
            s.offset,
            0,
        ))))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "this record was skipped; every other record is still scored",
        ))
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        let _ = span;
        // Always show the whole excerpt: it is one line.
        Ok(Box::new(MietteSpanContents::new(
            self.text.as_bytes(),
            SourceSpan::from((0, self.text.len())),
            0,
            self.first_column.saturating_sub(1) as usize,
            1,
        )))
    }
}

/// A source that could not be read (missing, unreadable, unknown format).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}: {}", sanitize(.source_name), sanitize(.message))]
#[diagnostic(code(chatlint::input::source))]
pub struct SourceError {
    pub source_name: String,
    pub message: String,
    #[help]
    pub help: Option<String>,
}

impl SourceError {
    pub fn new(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        SourceError {
            source_name: source_name.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
