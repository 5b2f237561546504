//! What each command does: resolve settings, pick the renderer, run the
//! pipeline, and decide the exit code.

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, InputArgs, RuleArgs, ScoreArgs, SourceArgs,
};
use crate::config::Settings;
use crate::ingest::error::SourceError;
use crate::ingest::{self, ReadOptions, Source};
use crate::pipeline::{self, Engine};
use crate::render::terminal::Style;
use crate::render::{
    CheckRenderer, CsvRenderer, JsonRenderer, JsonlRenderer, Renderer, ScoreFormat, TableRenderer,
};
use crate::rules::REGISTRY;
use crate::summary::Summary;
use clap::Parser;
use miette::IntoDiagnostic;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Exit codes.
pub mod exit {
    /// Everything read; nothing crossed `--fail-on` / `--fail-under`.
    pub const OK: u8 = 0;
    /// Findings or scores crossed the threshold.
    pub const FINDINGS: u8 = 1;
    /// Input could not be read, a record was skipped, or a usage error.
    pub const INPUT: u8 = 2;
}

/// Runs chatlint with the given arguments.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::INPUT
            } else {
                exit::OK
            });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::INPUT)
        }
    }
}

fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Score(args) => score(args),
        Command::Check(args) => check(args),
        Command::Rule(args) => rule(args),
        Command::Convert(args) => crate::convert::run(args),
    }
}

pub(crate) fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn score(args: ScoreArgs) -> miette::Result<u8> {
    let settings = load_settings(&args.input)?;
    let style = Style {
        color: args.input.output.is_none()
            && use_color(args.input.color, std::io::stdout().is_terminal()),
    };
    let renderer: Box<dyn Renderer> = match args.format {
        ScoreFormat::Table => Box::new(TableRenderer { style }),
        ScoreFormat::Jsonl => Box::new(JsonlRenderer),
        ScoreFormat::Json => Box::new(JsonRenderer),
        ScoreFormat::Csv => Box::new(CsvRenderer {
            rules: enabled_rules(&settings),
        }),
    };
    let renderer = redacting(renderer, args.input.redact, false);
    let fail_under = args.fail_under;
    execute(&args.input, settings, renderer, |s| {
        fail_under.is_some_and(|min| s.lowest.is_some_and(|l| l < min))
    })
}

fn check(args: CheckArgs) -> miette::Result<u8> {
    let settings = load_settings(&args.input)?;
    let style = Style {
        color: args.input.output.is_none()
            && use_color(args.input.color, std::io::stdout().is_terminal()),
    };
    let renderer = Box::new(CheckRenderer {
        style,
        format: args.format,
    });
    let renderer = redacting(renderer, args.input.redact, true);
    let threshold = args.fail_on.threshold();
    execute(&args.input, settings, renderer, |s| match threshold {
        Some(crate::rules::Severity::Error) => s.errors > 0,
        Some(crate::rules::Severity::Warning) => s.errors + s.warnings > 0,
        None => false,
    })
}

/// `--redact`: masks personal data in what `renderer` writes.
fn redacting(renderer: Box<dyn Renderer>, redact: bool, messages: bool) -> Box<dyn Renderer> {
    if redact {
        Box::new(crate::render::Redacting {
            inner: renderer,
            messages,
        })
    } else {
        renderer
    }
}

fn enabled_rules(settings: &Settings) -> Vec<usize> {
    (0..REGISTRY.len())
        .filter(|&i| settings.rules[i].enabled)
        .collect()
}

fn load_settings(input: &InputArgs) -> miette::Result<Settings> {
    match &input.config {
        Some(path) => Settings::load(path),
        None => Ok(Settings::defaults()),
    }
}

/// Reads, scores and renders; then decides the exit code.
/// The sources the paths name (standard input when none is given and it is
/// not a terminal), the paths that could not be read, and how to read them.
/// `what` names the files in the usage error ("transcript", "export").
pub(crate) fn sources(
    args: &SourceArgs,
    what: &str,
) -> miette::Result<(Vec<Source>, Vec<SourceError>, ReadOptions)> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(miette::miette!(
                code = "chatlint::usage",
                help = format!("give {what} files or directories, or `-` to read standard input"),
                "no input"
            ));
        }
        paths.push("-".into());
    }
    let (sources, missing) = ingest::expand(&paths);
    let opts = ReadOptions {
        format: args.input_format,
        csv_columns: args.csv_column.clone(),
        ..ReadOptions::default()
    };
    Ok((sources, missing, opts))
}

fn execute(
    input: &InputArgs,
    settings: Settings,
    renderer: Box<dyn Renderer>,
    crossed: impl Fn(&Summary) -> bool,
) -> miette::Result<u8> {
    let (sources, missing, opts) = sources(&input.source, "transcript")?;
    let color_errors = use_color(input.color, std::io::stderr().is_terminal());
    let engine = Engine {
        color_errors,
        progress: std::io::stderr().is_terminal(),
        ..Engine::new(settings, renderer)
    };
    // Not locked for the whole run: the progress line writes to stderr too.
    let mut err = std::io::stderr();
    for e in &missing {
        let _ = err.write_all(engine.report(e).as_bytes());
    }
    let threads = input
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let result = match &input.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .into_diagnostic()
                .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            pipeline::run(&engine, &sources, &opts, threads, &mut out, &mut err)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            pipeline::run(&engine, &sources, &opts, threads, &mut out, &mut err)
        }
    };
    let mut summary = match result {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Err(e) => {
            return Err(miette::miette!(
                code = "chatlint::output",
                "cannot write output: {e}"
            ))
        }
    };
    summary.input_problems += missing.len();
    if input.verbose {
        for line in opts.platform_stats.summary_lines() {
            let _ = writeln!(err, "{line}");
        }
    }
    let _ = writeln!(err, "{}", summary.accounting_line());
    Ok(if summary.input_problems > 0 || summary.skipped > 0 {
        exit::INPUT
    } else if crossed(&summary) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn rule(args: RuleArgs) -> miette::Result<u8> {
    let settings = Settings::defaults();
    let mut out = std::io::stdout().lock();
    match args.id {
        None => {
            let _ = writeln!(
                out,
                "{:<20} {:>6}  {:<8} SUMMARY",
                "RULE", "WEIGHT", "SEVERITY"
            );
            for (i, e) in REGISTRY.iter().enumerate() {
                let s = &settings.rules[i];
                let _ = writeln!(
                    out,
                    "{:<20} {:>6}  {:<8} {}",
                    e.meta.id,
                    s.weight,
                    s.severity.as_str(),
                    e.meta.summary
                );
            }
        }
        Some(id) => {
            let Some((i, e)) = crate::rules::entry(&id) else {
                let ids: Vec<_> = REGISTRY.iter().map(|e| e.meta.id).collect();
                return Err(miette::miette!(
                    code = "chatlint::usage",
                    help = format!("rules: {}", ids.join(", ")),
                    "unknown rule {id:?}"
                ));
            };
            let s = &settings.rules[i];
            let _ = write!(out, "{}", e.meta.doc);
            let _ = writeln!(
                out,
                "\nDefaults: weight {}, severity {}, critical {}.",
                s.weight,
                s.severity.as_str(),
                s.critical
            );
        }
    }
    Ok(exit::OK)
}
