//! The command line.

use crate::ingest::InputFormat;
use crate::render::{CheckFormat, ScoreFormat};
use crate::rules::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// chatlint: a fast, offline conversation-quality linter and QA scorer for
/// customer-support live chat.
#[derive(Parser, Debug)]
#[command(name = "chatlint", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Score every conversation: one scorecard each, then a summary.
    Score(ScoreArgs),
    /// Lint conversations: one diagnostic per failed rule, exit 1 on findings.
    Check(CheckArgs),
    /// Show a rule's documentation, or list the rules.
    Rule(RuleArgs),
    /// Write any supported export as chatlint transcript JSON Lines.
    Convert(ConvertArgs),
}

/// What to read and how: shared by every command that reads exports.
#[derive(Args, Debug)]
pub struct SourceArgs {
    /// Transcript files or directories (walked recursively); `-` is standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Input format; `auto` recognises each file by its content.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto, value_name = "FORMAT")]
    pub input_format: InputFormat,

    /// CSV column for a field, for headers chatlint does not recognise
    /// (repeatable), e.g. `--csv-column text=Body`.
    #[arg(long, value_name = "FIELD=HEADER", value_parser = parse_mapping)]
    pub csv_column: Vec<(String, String)>,
}

/// Options shared by the commands that score transcripts.
#[derive(Args, Debug)]
pub struct InputArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Scoring policy: weights, critical rules, pass mark, thresholds.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Write output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Report on stderr how each file was read and what was ignored.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Mask e-mail addresses, phone numbers and card numbers in the text
    /// written out (excerpts, notes, message lines); scores are unchanged.
    #[arg(long)]
    pub redact: bool,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ScoreFormat::Table)]
    pub format: ScoreFormat,

    /// Exit 1 when any conversation scores below SCORE.
    #[arg(long, value_name = "SCORE")]
    pub fail_under: Option<f64>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CheckFormat::Full)]
    pub format: CheckFormat,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ConvertFormat::Jsonl, value_name = "FORMAT")]
    pub to: ConvertFormat,

    /// Write output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report on stderr how each file was read and what was ignored.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Mask e-mail addresses, phone numbers and card numbers in message
    /// texts and rating comments.
    #[arg(long)]
    pub redact: bool,
}

/// What `convert` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertFormat {
    /// chatlint transcript JSON, one conversation a line.
    Jsonl,
}

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// Rule id (omit to list every rule).
    pub id: Option<String>,
}

/// The lowest severity that fails `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    /// Never exit 1 for findings.
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_mapping(s: &str) -> Result<(String, String), String> {
    let (field, header) = s.split_once('=').ok_or("expected FIELD=HEADER")?;
    const FIELDS: &[&str] = &[
        "conversation_id",
        "timestamp",
        "role",
        "author",
        "name",
        "text",
        "team",
        "agent",
        "event",
        "channel",
        "internal",
    ];
    if !FIELDS.contains(&field) {
        return Err(format!(
            "unknown field {field:?}; fields: {}",
            FIELDS.join(", ")
        ));
    }
    Ok((field.to_string(), header.to_string()))
}
