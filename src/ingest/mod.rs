//! Reading transcript exports: finding the files, opening them (gzip
//! transparently), recognising the format, and splitting them into records
//! handed on in blocks. Records are parsed later, by the workers.

pub mod csv;
mod csv_blocks;
#[cfg(test)]
mod csv_reference;
mod csv_rows;
pub mod error;
pub mod native;
pub mod platforms;
pub mod split;

use error::{RecordError, SourceError};
use native::RecordStart;
use split::{Layout, Splitter, StructureError};
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::Conversation;

/// The input formats chatlint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Recognise each file by its content.
    Auto,
    /// chatlint's transcript JSON: JSON Lines, a JSON array or one object.
    Native,
    /// One message per row with a header.
    Csv,
    /// LiveChat Agent Chat API `list_archives` responses.
    Livechat,
    /// Zendesk Chat chats, arrays of them, or incremental export pages.
    ZendeskChat,
    /// Sunshine Conversations "list messages" responses.
    Sunshine,
    /// Intercom conversations, arrays of them, or `{"conversations": [...]}` pages.
    Intercom,
    /// Freshchat conversation message lists.
    Freshchat,
}

/// One input: a file or standard input.
#[derive(Clone, Debug)]
pub struct Source {
    /// How the source is named in messages.
    pub name: Arc<str>,
    /// `None` for standard input.
    pub path: Option<PathBuf>,
}

/// Options for reading.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub format: InputFormat,
    /// CSV header overrides: `(field, header)`.
    pub csv_columns: Vec<(String, String)>,
    /// Bytes of input per block handed to a worker.
    pub block_size: usize,
    /// What the platform importers ignored, for `--verbose`.
    pub platform_stats: Arc<platforms::ImportStats>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Auto,
            csv_columns: Vec::new(),
            block_size: 1 << 20,
            platform_stats: Arc::default(),
        }
    }
}

/// A native record's place in its block.
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub range: Range<usize>,
    pub at: RecordStart,
}

/// What the reader hands on, in input order.
pub enum Batch {
    /// Native JSON records, unparsed: each range of `data` is one record.
    Native {
        source: Arc<str>,
        data: Vec<u8>,
        records: Vec<RawRecord>,
    },
    /// CSV rows, unparsed, grouped into conversations.
    Csv(Box<csv_blocks::Block>),
    /// Conversations already built, and records that could not be.
    Built {
        source: Arc<str>,
        items: Vec<Result<Conversation<'static>, RecordError>>,
    },
    /// An input that could not be read, wholly or in part.
    Problem(SourceError),
}

/// Where a conversation comes from: its source, and the line it starts on
/// (native records). Displayed as `file:line`, formatted only when shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place<'a> {
    pub source: &'a str,
    pub line: Option<u64>,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.source),
            None => f.write_str(self.source),
        }
    }
}

/// One record of a batch, parsed: a conversation or why it could not be read.
pub type Record<'r, 'a> = Result<&'r Conversation<'a>, RecordError>;

impl Batch {
    /// Parses the batch's records and hands each to `each`, in order, with
    /// its place in the input.
    /// A batch that is a problem with the input is returned instead.
    pub fn for_each(self, mut each: impl FnMut(Record, Place)) -> Option<SourceError> {
        match self {
            Batch::Native {
                source,
                data,
                records,
            } => {
                for r in records {
                    match native::parse(&data[r.range.clone()], &source, r.at) {
                        Ok(conv) => each(
                            Ok(&conv),
                            Place {
                                source: &source,
                                line: Some(r.at.line),
                            },
                        ),
                        Err(e) => each(
                            Err(e),
                            Place {
                                source: &source,
                                line: Some(r.at.line),
                            },
                        ),
                    }
                }
                crate::pool::BLOCKS.give(data);
                None
            }
            Batch::Csv(block) => {
                block.for_each(&mut each);
                None
            }
            Batch::Built { source, items } => {
                for item in items {
                    match item {
                        Ok(conv) => each(
                            Ok(&conv),
                            Place {
                                source: &source,
                                line: None,
                            },
                        ),
                        Err(e) => each(
                            Err(e),
                            Place {
                                source: &source,
                                line: None,
                            },
                        ),
                    }
                }
                None
            }
            Batch::Problem(e) => Some(e),
        }
    }
}

/// File name endings read when walking a directory.
const TRANSCRIPT_EXTENSIONS: &[&str] = &["jsonl", "ndjson", "json", "csv"];

/// Expands the command-line paths: `-` is standard input, directories are
/// walked recursively (sorted, hidden entries skipped) for transcript files.
pub fn expand(paths: &[PathBuf]) -> (Vec<Source>, Vec<SourceError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            sources.push(Source {
                name: "<stdin>".into(),
                path: None,
            });
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => errors.push(SourceError::new(p.display().to_string(), io_message(&e))),
            Ok(m) if m.is_dir() => {
                let before = sources.len();
                walk(p, &mut sources, &mut errors);
                if sources.len() == before {
                    errors.push(
                        SourceError::new(p.display().to_string(), "no transcript files in this directory")
                            .help("chatlint reads files ending in .jsonl, .ndjson, .json or .csv (optionally .gz)"),
                    );
                }
            }
            Ok(_) => sources.push(Source {
                name: p.display().to_string().into(),
                path: Some(p.clone()),
            }),
        }
    }
    (sources, errors)
}

fn walk(dir: &Path, sources: &mut Vec<Source>, errors: &mut Vec<SourceError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return errors.push(SourceError::new(dir.display().to_string(), io_message(&e))),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, sources, errors);
        } else if is_transcript_name(&name) {
            sources.push(Source {
                name: p.display().to_string().into(),
                path: Some(p),
            });
        }
    }
}

fn is_transcript_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    TRANSCRIPT_EXTENSIONS
        .iter()
        .any(|ext| name.rsplit_once('.').is_some_and(|(_, e)| e == *ext))
}

/// An I/O error in words, without Rust's "(os error 2)".
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// Opens a source, decompressing gzip (recognised by its magic bytes).
pub fn open(source: &Source) -> std::io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match &source.path {
        Some(p) => Box::new(std::fs::File::open(p)?),
        None => Box::new(std::io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let head = buffered.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(buffered);
        Ok(Box::new(BufReader::with_capacity(1 << 16, gz)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Reads the first bytes of a stream without consuming them (up to `n`).
fn peek(reader: &mut dyn BufRead, n: usize, buf: &mut Vec<u8>) -> std::io::Result<()> {
    while buf.len() < n {
        let got = reader.fill_buf()?;
        if got.is_empty() {
            break;
        }
        let take = got.len().min(n - buf.len());
        buf.extend_from_slice(&got[..take]);
        reader.consume(take);
    }
    Ok(())
}

/// What the first bytes of an input say about its encoding and format.
fn sniff(head: &[u8], source: &Source, wanted: InputFormat) -> Result<InputFormat, SourceError> {
    let name = source.name.to_string();
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || looks_utf16(head) {
        return Err(
            SourceError::new(name, "the file is encoded as UTF-16; chatlint reads UTF-8")
                .help("convert it first, e.g. iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8"),
        );
    }
    if wanted != InputFormat::Auto {
        return Ok(wanted);
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Ok(InputFormat::Native), // empty: nothing to read either way
        Some(b'{' | b'[') => Ok(InputFormat::Native),
        Some(_) if looks_csv(body) || source.path.as_ref().is_some_and(|p| has_csv_name(p)) => {
            Ok(InputFormat::Csv)
        }
        Some(_) => {
            Err(SourceError::new(name, "unknown input format").help(platforms::KNOWN_FORMATS))
        }
    }
}

fn has_csv_name(p: &Path) -> bool {
    let name = p.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

/// A header line naming a conversation id column and a text column.
fn looks_csv(head: &[u8]) -> bool {
    let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(first).to_ascii_lowercase();
    let cells: Vec<&str> = line
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |names: &[&str]| cells.iter().any(|c| names.contains(c));
    has(&[
        "conversation_id",
        "chat_id",
        "ticket_id",
        "thread_id",
        "conversation",
    ]) && has(&["text", "message", "body", "content"])
}

/// NUL bytes in every other position: UTF-16 without a byte-order mark.
fn looks_utf16(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(512)];
    if sample.len() < 8 {
        return false;
    }
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let half = sample.len() / 2;
    zeros_at(0) * 10 > half * 8 || zeros_at(1) * 10 > half * 8
}

/// Reads one source and hands its batches to `emit`, in order. Problems are
/// emitted too, after everything that could be read before them.
pub fn read_source(source: &Source, opts: &ReadOptions, emit: &mut dyn FnMut(Batch)) {
    match open(source) {
        Ok(r) => read_from(source, r, opts, emit),
        Err(e) => emit(Batch::Problem(SourceError::new(
            source.name.to_string(),
            io_message(&e),
        ))),
    }
}

/// Like [`read_source`], from an already opened (and decompressed) reader;
/// for CSV, `source.path` must be `None` unless it names the same bytes.
pub fn read_from(
    source: &Source,
    reader: Box<dyn BufRead + Send>,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) {
    // A read error (a truncated .gz, an I/O error) ends the input where it
    // happens: everything before it is still read, then the error reported.
    let failure = Arc::new(std::sync::Mutex::new(None));
    let reader = Box::new(Salvage {
        inner: reader,
        failure: Arc::clone(&failure),
    });
    read_salvaged(source, reader, opts, emit);
    let failure = failure.lock().map(|mut f| f.take()).unwrap_or(None);
    if let Some(e) = failure {
        emit(Batch::Problem(SourceError::new(
            source.name.to_string(),
            format!("{e} (reading stopped here; everything before was read)"),
        )));
    }
}

/// Reads through to the first error, which it keeps and turns into the end
/// of the input.
struct Salvage {
    inner: Box<dyn BufRead + Send>,
    failure: Arc<std::sync::Mutex<Option<String>>>,
}

impl Salvage {
    fn failed(&self) -> bool {
        self.failure.lock().map_or(true, |f| f.is_some())
    }
}

impl Read for Salvage {
    /// Reads through the inner reader's `read`, not its buffer: a
    /// `BufReader` hands a read larger than its buffer (a block of input)
    /// straight to the file, without copying the bytes through its buffer.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.failed() {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if let Ok(mut f) = self.failure.lock() {
                        *f = Some(io_message(&e));
                    }
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
            }
        }
    }
}

impl BufRead for Salvage {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.failed() {
            return Ok(&[]);
        }
        let empty = loop {
            match self.inner.fill_buf() {
                Ok(b) => break b.is_empty(),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if let Ok(mut f) = self.failure.lock() {
                        *f = Some(io_message(&e));
                    }
                    break true;
                }
            }
        };
        if empty {
            return Ok(&[]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n)
    }
}

fn read_salvaged(
    source: &Source,
    mut reader: Box<dyn BufRead + Send>,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) {
    let name = source.name.to_string();
    let problem = |msg: String| Batch::Problem(SourceError::new(name.clone(), msg));
    let mut head = Vec::new();
    if let Err(e) = peek(&mut reader, 4096, &mut head) {
        return emit(problem(io_message(&e)));
    }
    let format = match sniff(&head, source, opts.format) {
        Ok(f) => f,
        Err(e) => return emit(Batch::Problem(e)),
    };
    let via_platforms = platforms::takes(opts.format, format, &head);
    let rest: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(reader));
    match format {
        InputFormat::Csv => read_csv(source, rest, opts, emit),
        _ if via_platforms => platforms::read(source, rest, opts, emit),
        InputFormat::Native | InputFormat::Auto => {
            if let Err(e) = read_native(source, rest, opts, emit) {
                emit(problem(e));
            }
        }
        _ => platforms::read(source, rest, opts, emit),
    }
}

fn read_csv(
    source: &Source,
    first: Box<dyn Read + Send>,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) {
    // Standard input can be read only once: keep it for the second pass.
    let mut stdin_copy: Option<Arc<[u8]>> = None;
    let mut first = Some(first);
    if source.path.is_none() {
        let mut all = Vec::new();
        if let Err(e) = first.take().expect("first reader").read_to_end(&mut all) {
            return emit(Batch::Problem(SourceError::new(
                source.name.to_string(),
                io_message(&e),
            )));
        }
        stdin_copy = Some(all.into());
    }
    let mut reopen = || -> std::io::Result<Box<dyn Read>> {
        if let Some(data) = &stdin_copy {
            return Ok(Box::new(std::io::Cursor::new(data.clone())));
        }
        match first.take() {
            Some(r) => Ok(r),
            None => Ok(open(source)?),
        }
    };
    if let Err(msg) = csv::read(
        &source.name,
        &mut reopen,
        &opts.csv_columns,
        opts.block_size,
        emit,
    ) {
        emit(Batch::Problem(SourceError::new(
            source.name.to_string(),
            msg,
        )));
    }
}

/// Fills `buf` with at least `want` more bytes (fewer at end of input).
/// Returns false at end of input; after an error, `buf` holds what was read.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    // Exactly: buffers are reused (see `pool`), and doubling would ratchet
    // every one of them up. `read_to_end` reads into the spare room without
    // zeroing it first, and stops at `want` without growing `buf`.
    buf.reserve_exact(want);
    let got = reader.take(want as u64).read_to_end(buf)?;
    Ok(got == want)
}

/// A read error that ended a native input, in words.
fn stopped(e: std::io::Error) -> String {
    format!(
        "{} (reading stopped here; everything before was scored)",
        io_message(&e)
    )
}

fn read_native(
    source: &Source,
    mut reader: Box<dyn Read + Send>,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), String> {
    let mut buf = crate::pool::BLOCKS.take();
    buf.reserve(opts.block_size + (opts.block_size >> 2));
    let mut more = fill(&mut reader, &mut buf, opts.block_size).map_err(stopped)?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    // JSON Lines when the first line holds one complete value.
    let layout = loop {
        let start = buf
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(buf.len());
        if start == buf.len() && !more {
            return Ok(()); // empty input
        }
        match buf.get(start) {
            Some(b'[') => break Some(Layout::Array),
            Some(_) => {
                let line_start = buf[..start]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                match split::first_line_is_complete_value(&buf[line_start..], !more) {
                    Some(true) => break None,
                    Some(false) => break Some(Layout::Values),
                    None => more = fill(&mut reader, &mut buf, opts.block_size).map_err(stopped)?,
                }
            }
            None => more = fill(&mut reader, &mut buf, opts.block_size).map_err(stopped)?,
        }
    };
    match layout {
        None => read_lines(source, reader, buf, more, opts, emit),
        Some(layout) => read_values(source, reader, buf, more, layout, opts, emit),
    }
}

fn read_lines(
    source: &Source,
    mut reader: Box<dyn Read + Send>,
    mut buf: Vec<u8>,
    mut more: bool,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), String> {
    let mut line_no = 1u64;
    loop {
        let cut = if more {
            memchr::memrchr(b'\n', &buf).map(|i| i + 1)
        } else {
            Some(buf.len())
        };
        if let Some(cut) = cut.filter(|&c| c > 0) {
            let mut rest = crate::pool::BLOCKS.take();
            rest.extend_from_slice(&buf[cut..]);
            buf.truncate(cut);
            let mut records = Vec::new();
            let mut pos = 0;
            // Line ends found by memchr (vectorised): this runs on the
            // reader thread, which every worker waits for.
            let unterminated = buf.last().is_some_and(|&b| b != b'\n');
            let ends = memchr::memchr_iter(b'\n', &buf).map(|i| i + 1);
            for end in ends.chain(unterminated.then_some(buf.len())) {
                let line = &buf[pos..end];
                let content = line.strip_suffix(b"\n").unwrap_or(line);
                let content = content.strip_suffix(b"\r").unwrap_or(content);
                if content.iter().any(|b| !b.is_ascii_whitespace()) {
                    records.push(RawRecord {
                        range: pos..pos + content.len(),
                        at: RecordStart {
                            line: line_no,
                            column: 1,
                        },
                    });
                }
                pos = end;
                line_no += 1;
            }
            emit(Batch::Native {
                source: source.name.clone(),
                data: std::mem::replace(&mut buf, rest),
                records,
            });
        }
        if !more {
            return Ok(());
        }
        more = fill(&mut reader, &mut buf, opts.block_size).map_err(stopped)?;
    }
}

fn read_values(
    source: &Source,
    mut reader: Box<dyn Read + Send>,
    mut buf: Vec<u8>,
    mut more: bool,
    layout: Layout,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), String> {
    let mut splitter = Splitter::new(layout, 1);
    let mut spans = Vec::new();
    loop {
        splitter.scan(&buf, &mut spans);
        let keep = splitter.keep_from();
        // Half a block is enough: the next fill would double the batch.
        if !spans.is_empty() && (keep >= opts.block_size / 2 || !more) {
            let mut rest = crate::pool::BLOCKS.take();
            rest.extend_from_slice(&buf[keep..]);
            buf.truncate(keep);
            splitter.shift(&buf);
            let records = spans
                .drain(..)
                .map(|s| RawRecord {
                    range: s.start..s.end,
                    at: s.at,
                })
                .collect();
            emit(Batch::Native {
                source: source.name.clone(),
                data: std::mem::replace(&mut buf, rest),
                records,
            });
        }
        if !more {
            break;
        }
        more = fill(&mut reader, &mut buf, opts.block_size).map_err(stopped)?;
    }
    if let Some(at) = splitter.finish() {
        let loc = error::Location {
            source: source.name.to_string(),
            line: at.line,
            column: Some(at.column),
        };
        let err = RecordError::new(
            loc,
            "the input ends inside this record (the file is cut short)",
        );
        emit(Batch::Built {
            source: source.name.clone(),
            items: vec![Err(err)],
        });
    }
    for e in std::mem::take(&mut splitter.errors) {
        let msg = match e {
            StructureError::Unexpected {
                line,
                column,
                found,
            } => {
                format!("line {line}, column {column}: expected a conversation object, found {found:?}; skipped to the next object")
            }
            StructureError::TrailingContent { line, column } => {
                format!("line {line}, column {column}: text after the closing `]` was ignored")
            }
            StructureError::Unclosed => {
                "the JSON array is not closed with `]` (the file may be cut short)".to_string()
            }
        };
        emit(Batch::Problem(SourceError::new(
            source.name.to_string(),
            msg,
        )));
    }
    Ok(())
}
