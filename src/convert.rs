//! `chatlint convert`: reads any supported input (native, CSV or a platform
//! export) and writes what chatlint understood as native transcript JSON
//! Lines, one conversation a line. Converting that output again gives the
//! same bytes.

use crate::cli::{ColorChoice, ConvertArgs, ConvertFormat};
use crate::ingest;
use crate::ingest::error::RecordReport;
use crate::model::Conversation;
use crate::render::terminal::report;
use miette::IntoDiagnostic;
use std::io::{IsTerminal, Write};

/// Runs `convert`; returns the exit code (2 when anything was skipped).
pub fn run(args: ConvertArgs) -> miette::Result<u8> {
    let ConvertFormat::Jsonl = args.to;
    let (sources, missing, opts) = crate::app::sources(&args.source, "export")?;
    let color = crate::app::use_color(ColorChoice::Auto, std::io::stderr().is_terminal());
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for e in &missing {
        let _ = err.write_all(report(e, color).as_bytes());
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .into_diagnostic()
                .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (mut written, mut skipped, mut problems) = (0usize, 0usize, missing.len());
    let mut failure: Option<std::io::Error> = None;
    let redact = args.redact;
    let write = |conv: &Conversation, out: &mut dyn Write| -> std::io::Result<()> {
        if redact {
            let mut conv = conv.clone();
            for m in &mut conv.messages {
                if let std::borrow::Cow::Owned(t) = crate::redact::redact(&m.text) {
                    m.text = t.into();
                }
            }
            if let Some(c) = conv.rating.as_mut().and_then(|r| r.comment.as_mut()) {
                if let std::borrow::Cow::Owned(t) = crate::redact::redact(c) {
                    *c = t.into();
                }
            }
            serde_json::to_writer(&mut *out, &conv)?;
            return out.write_all(b"\n");
        }
        serde_json::to_writer(&mut *out, conv)?;
        out.write_all(b"\n")
    };
    for source in &sources {
        ingest::read_source(source, &opts, &mut |batch| {
            if failure.is_some() {
                return;
            }
            let mut put = |conv: &Conversation| {
                if failure.is_none() {
                    match write(conv, &mut out) {
                        Ok(()) => written += 1,
                        Err(e) => failure = Some(e),
                    }
                }
            };
            let problem = batch.for_each(|record, _| match record {
                Ok(conv) => put(conv),
                Err(e) => {
                    skipped += 1;
                    let e = if redact { e.redacted() } else { e };
                    let _ = err.write_all(report(&RecordReport(&e), color).as_bytes());
                }
            });
            if let Some(e) = problem {
                problems += 1;
                let _ = err.write_all(report(&e, color).as_bytes());
            }
        });
    }
    let flushed = match failure {
        Some(e) => Err(e),
        None => out.flush(),
    };
    match flushed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(crate::app::exit::OK),
        Err(e) => {
            return Err(miette::miette!(
                code = "chatlint::output",
                "cannot write output: {e}"
            ))
        }
        Ok(()) => {}
    }
    if args.verbose {
        for line in opts.platform_stats.summary_lines() {
            let _ = writeln!(err, "{line}");
        }
    }
    let mut line = format!(
        "chatlint: {written} conversation{} converted, {skipped} skipped",
        if written == 1 { "" } else { "s" }
    );
    if problems > 0 {
        line.push_str(&format!(
            "; {problems} input problem{} (see above)",
            if problems == 1 { "" } else { "s" }
        ));
    }
    let _ = writeln!(err, "{line}");
    Ok(if skipped > 0 || problems > 0 {
        crate::app::exit::INPUT
    } else {
        crate::app::exit::OK
    })
}
