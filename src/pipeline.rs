//! The run: a reader hands numbered batches to a pool of workers, which
//! parse, analyse, check, score and render each conversation; the writer puts
//! results back in input order, so output is byte-identical whatever the
//! number of threads. Memory stays flat: only a bounded number of batches is
//! in flight at any time.

use crate::analysis::{Analysis, Buffers, Metrics};
use crate::config::Settings;
use crate::ingest::error::{RecordError, RecordReport, SourceError};
use crate::ingest::{self, Batch, Place, ReadOptions, Source};
use crate::model::Conversation;
use crate::progress::Progress;
use crate::render::Renderer;
use crate::rules::RuleSet;
use crate::score;
use crate::seen_ids::{Seen, SeenIds, CHECKED_IDS};
use crate::summary::{Digest, Summary};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// Everything needed to turn a batch into output.
pub struct Engine {
    pub settings: Settings,
    pub rules: RuleSet,
    pub renderer: Box<dyn Renderer>,
    /// Colour in error reports.
    pub color_errors: bool,
    /// Show a progress line on stderr for long runs (stderr is a terminal).
    pub progress: bool,
}

/// One batch, processed.
#[derive(Default)]
pub struct Processed {
    /// Rendered conversations (separators between them included).
    pub out: Vec<u8>,
    /// How many conversations `out` holds.
    pub rendered: usize,
    pub digests: Vec<Digest>,
    pub skipped: usize,
    pub problems: usize,
    /// Rendered error reports, for stderr.
    pub diagnostics: String,
    /// The source the batch came from (one per batch).
    pub source: String,
    /// `(conversation id, line it starts on)` of each scored conversation,
    /// to warn about ids seen more than once; the ids are ranges of
    /// `id_text` (one string for the batch, not one each).
    pub ids: Vec<(Range<usize>, Option<u64>)>,
    pub id_text: String,
}

impl Engine {
    /// An engine for the rules `settings` enable, with plain error reports
    /// and no progress line.
    pub fn new(settings: Settings, renderer: Box<dyn Renderer>) -> Engine {
        Engine {
            rules: RuleSet::new(&settings),
            settings,
            renderer,
            color_errors: false,
            progress: false,
        }
    }

    /// Scores one conversation and renders it. `buffers`: the analysis's
    /// vectors, kept from one conversation of the batch to the next.
    pub fn score_one(
        &self,
        conv: &Conversation,
        place: Place,
        p: &mut Processed,
        buffers: &mut Buffers,
    ) {
        let analysis = Analysis::with_buffers(conv, &self.rules.matcher, std::mem::take(buffers));
        let verdicts = self.rules.check(&analysis);
        let metrics = Metrics::of(&analysis);
        *buffers = analysis.into_buffers();
        let card = score::scorecard(conv, verdicts, metrics, &self.settings);
        if p.rendered > 0 {
            p.out.extend_from_slice(self.renderer.separator());
        }
        self.renderer.record(&card, conv, place, &mut p.out);
        p.rendered += 1;
        p.digests.push(Digest::of(&card));
        if p.source.is_empty() {
            p.source = place.source.to_string();
        }
        let start = p.id_text.len();
        p.id_text.push_str(card.id);
        p.ids.push((start..p.id_text.len(), place.line));
    }

    fn skip(&self, e: &RecordError, p: &mut Processed) {
        p.skipped += 1;
        if self.renderer.redacts() {
            let e = e.redacted();
            p.diagnostics.push_str(&self.report(&RecordReport(&e)));
            return;
        }
        p.diagnostics.push_str(&self.report(&RecordReport(e)));
    }

    fn problem(&self, e: &SourceError, p: &mut Processed) {
        p.problems += 1;
        p.diagnostics.push_str(&self.report(e));
    }

    /// A miette report as text.
    pub fn report(&self, d: &dyn miette::Diagnostic) -> String {
        crate::render::terminal::report(d, self.color_errors)
    }

    /// Processes one batch.
    pub fn process(&self, batch: Batch) -> Processed {
        let mut p = Processed {
            out: crate::pool::OUTPUTS.take(),
            ..Processed::default()
        };
        let mut buffers = Buffers::default();
        let problem = batch.for_each(|record, place| match record {
            Ok(conv) => self.score_one(conv, place, &mut p, &mut buffers),
            Err(e) => self.skip(&e, &mut p),
        });
        if let Some(e) = problem {
            self.problem(&e, &mut p);
        }
        p
    }
}

/// Writes processed batches in order and keeps the tally.
struct Writer<'w> {
    out: &'w mut dyn Write,
    err: &'w mut dyn Write,
    summary: Summary,
    separator: &'static [u8],
    progress: Progress,
    /// The conversation ids seen so far.
    seen: SeenIds,
    /// Whether the note that ids are no longer checked was given.
    said_unchecked: bool,
}

impl Writer<'_> {
    fn write(&mut self, p: Processed) -> io::Result<()> {
        if !p.diagnostics.is_empty() {
            // A closed stderr must not stop the run.
            let err = &mut self.err;
            let _ = self
                .progress
                .suspend(|| err.write_all(p.diagnostics.as_bytes()));
        }
        self.progress.advance(p.digests.len() + p.skipped);
        if p.rendered > 0 && self.summary.scored > 0 {
            self.out.write_all(self.separator)?;
        }
        self.out.write_all(&p.out)?;
        crate::pool::OUTPUTS.give(p.out);
        for d in &p.digests {
            self.summary.add(d);
        }
        for (id, line) in &p.ids {
            let id = &p.id_text[id.clone()];
            let at = Place {
                source: &p.source,
                line: *line,
            };
            match self.seen.insert(id) {
                Seen::First => {}
                Seen::Again => {
                    let _ = writeln!(
                        self.err,
                        "chatlint: warning: conversation id {:?} appears more than once (again at {}); each is scored",
                        crate::render::terminal::sanitize(id),
                        crate::render::terminal::sanitize(&at.to_string())
                    );
                }
                Seen::Unchecked if !self.said_unchecked => {
                    self.said_unchecked = true;
                    let _ = writeln!(
                        self.err,
                        "chatlint: note: ids after the first {CHECKED_IDS} conversations are not checked for duplicates"
                    );
                }
                Seen::Unchecked => {}
            }
        }
        for _ in 0..p.skipped {
            self.summary.skip();
        }
        self.summary.input_problems += p.problems;
        Ok(())
    }
}

/// Reads every source and writes the rendered output; returns the tally.
/// An error is a failed write to `out` (such as a closed pipe).
pub fn run(
    engine: &Engine,
    sources: &[Source],
    opts: &ReadOptions,
    threads: usize,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Summary> {
    let mut head = Vec::new();
    engine.renderer.begin(&mut head);
    out.write_all(&head)?;
    let separator = engine.renderer.separator();
    let mut writer = Writer {
        out,
        err,
        summary: Summary::default(),
        separator,
        progress: Progress::new(engine.progress),
        seen: SeenIds::new(),
        said_unchecked: false,
    };
    if threads <= 1 {
        run_inline(engine, sources, opts, &mut writer)?;
    } else {
        run_parallel(engine, sources, opts, threads, &mut writer)?;
    }
    writer.progress.finish();
    let mut tail = Vec::new();
    engine.renderer.end(&writer.summary, &mut tail);
    writer.out.write_all(&tail)?;
    writer.out.flush()?;
    Ok(writer.summary)
}

fn run_inline(
    engine: &Engine,
    sources: &[Source],
    opts: &ReadOptions,
    writer: &mut Writer,
) -> io::Result<()> {
    let mut failure: Option<io::Error> = None;
    for source in sources {
        ingest::read_source(source, opts, &mut |batch| {
            if failure.is_none() {
                if let Err(e) = writer.write(engine.process(batch)) {
                    failure = Some(e);
                }
            }
        });
        if let Some(e) = failure.take() {
            return Err(e);
        }
    }
    Ok(())
}

fn run_parallel(
    engine: &Engine,
    sources: &[Source],
    opts: &ReadOptions,
    threads: usize,
    writer: &mut Writer,
) -> io::Result<()> {
    let in_flight = threads * 4;
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = sync_channel::<(u64, Batch)>(threads * 2);
        let (done_tx, done_rx) = sync_channel::<(u64, Processed)>(in_flight);
        // Tickets bound the batches between the reader and the writer.
        let (ticket_tx, ticket_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            ticket_tx.send(()).expect("ticket channel has room");
        }
        scope.spawn(move || {
            let mut seq = 0u64;
            for source in sources {
                let mut stopped = false;
                ingest::read_source(source, opts, &mut |batch| {
                    if stopped || ticket_rx.recv().is_err() || job_tx.send((seq, batch)).is_err() {
                        stopped = true;
                        return;
                    }
                    seq += 1;
                });
                if stopped {
                    return;
                }
            }
        });
        let job_rx: Arc<Mutex<Receiver<(u64, Batch)>>> = Arc::new(Mutex::new(job_rx));
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, batch))) = next else { return };
                if done_tx.send((seq, engine.process(batch))).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<u64, Processed> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, processed) in done_rx.iter() {
            pending.insert(seq, processed);
            while let Some(p) = pending.remove(&next) {
                writer.write(p)?;
                next += 1;
                let _ = ticket_tx.send(());
            }
        }
        Ok(())
    })
}
