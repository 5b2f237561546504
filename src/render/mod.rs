//! Renderers: turn scorecards into text. They format what the rules and the
//! scoring decided and never decide anything themselves. Each conversation
//! is rendered on its own (in parallel, by the workers); the run's header
//! and footer are written around them in input order.

mod check;
mod csv;
mod json;
mod redacting;
mod table;
pub mod terminal;

pub use check::CheckRenderer;
pub use csv::CsvRenderer;
pub use json::{JsonRenderer, JsonlRenderer};
pub use redacting::Redacting;
pub use table::TableRenderer;

use crate::ingest::Place;
use crate::model::Conversation;
use crate::score::Scorecard;
use crate::summary::Summary;

/// Output formats of `score`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreFormat {
    /// A readable table, then a summary.
    Table,
    /// One JSON scorecard per line.
    Jsonl,
    /// One JSON array of scorecards.
    Json,
    /// One row per conversation, one column per rule.
    Csv,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Compiler-style diagnostics with the message text underlined.
    Full,
    /// One line per finding: `file:line: id#message rule: note`.
    Concise,
}

/// Writes a run's output.
pub trait Renderer: Send + Sync {
    /// Before the first conversation.
    fn begin(&self, _out: &mut Vec<u8>) {}
    /// One conversation.
    fn record(&self, card: &Scorecard, conv: &Conversation, place: Place, out: &mut Vec<u8>);
    /// Written between two conversations.
    fn separator(&self) -> &'static [u8] {
        b""
    }
    /// After the last conversation.
    fn end(&self, _summary: &Summary, _out: &mut Vec<u8>) {}
    /// Whether transcript text quoted in error reports is to be redacted
    /// too (`--redact`).
    fn redacts(&self) -> bool {
        false
    }
}
