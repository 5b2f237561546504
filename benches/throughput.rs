//! Throughput benchmark: `cargo bench --bench throughput -- [NDJSON] [CSV]`.
//!
//! Reads the reference corpus (make it with
//! `python3 ../shared/tools/gen_chats.py --mb 100 --ndjson chats.ndjson --csv chats.csv`;
//! paths also from `CHATLINT_BENCH_NDJSON` / `CHATLINT_BENCH_CSV`), writes a JSON
//! array copy next to it, and reports MB/s and chats/s for: reading, the
//! serde_json parse-only baseline (lines split beforehand), the full
//! pipeline for each output format and input format, on 1 and 2 threads,
//! and the chatlint binary itself, start-up included. Every figure is a median of
//! `CHATLINT_BENCH_RUNS` runs (default 3) and is also given as a ratio to the
//! parse-only baseline measured in the same run, since absolute speeds vary
//! from machine to machine.

use chatlint::config::Settings;
use chatlint::ingest::native::{self, RecordStart};
use chatlint::ingest::{ReadOptions, Source};
use chatlint::pipeline::{self, Engine};
use chatlint::render::terminal::Style;
use chatlint::render::{
    CheckFormat, CheckRenderer, CsvRenderer, JsonRenderer, JsonlRenderer, Renderer, TableRenderer,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Parses every line of `lines` into the borrowed model on `threads`
/// threads, with serde_json alone (the baseline), or with chatlint's parser
/// (its own scan for the common shape of a record, serde_json for the
/// rest). The lines are split beforehand, outside the timing, so that the
/// baseline is the parse alone.
fn parse_only(lines: &[&[u8]], threads: usize, serde_only: bool) -> usize {
    let per = lines.len().div_ceil(threads.max(1));
    let at = RecordStart { line: 1, column: 1 };
    std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(per.max(1))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter(|l| {
                            if serde_only {
                                native::parse_with_serde(l, "bench", at).is_ok()
                            } else {
                                native::parse(l, "bench", at).is_ok()
                            }
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Runs the chatlint binary itself (start-up included), as a user would:
/// `chatlint <args> -o /dev/null FILE`, with its output discarded.
fn whole_process(args: &[&str], path: &Path) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_chatlint"))
        .args(args)
        .args(["-o", "/dev/null"])
        .arg(path)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run chatlint");
    // 0: every chat passed; 1: some failed. Anything else is an error.
    assert!(matches!(status.code(), Some(0 | 1)), "chatlint: {status}");
}

fn engine(renderer: Box<dyn Renderer>) -> Engine {
    Engine::new(Settings::defaults(), renderer)
}

fn run(engine: &Engine, path: &Path, threads: usize) -> usize {
    let source = Source {
        name: path.display().to_string().into(),
        path: Some(path.to_path_buf()),
    };
    let summary = pipeline::run(
        engine,
        &[source],
        &ReadOptions::default(),
        threads,
        &mut std::io::sink(),
        &mut std::io::sink(),
    )
    .expect("bench run");
    summary.scored
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let ndjson = args
        .first()
        .cloned()
        .or_else(|| std::env::var("CHATLINT_BENCH_NDJSON").ok())
        .map(PathBuf::from);
    let csv = args
        .get(1)
        .cloned()
        .or_else(|| std::env::var("CHATLINT_BENCH_CSV").ok())
        .map(PathBuf::from);
    let Some(ndjson) = ndjson.filter(|p| p.exists()) else {
        eprintln!("usage: cargo bench --bench throughput -- CHATS.ndjson [CHATS.csv]");
        eprintln!("make the corpus with: python3 ../shared/tools/gen_chats.py --mb 100 --ndjson chats.ndjson --csv chats.csv");
        return;
    };
    let runs: usize = std::env::var("CHATLINT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let data = std::fs::read(&ndjson).expect("read corpus");
    let mb = data.len() as f64 / 1e6;
    let chats = data.iter().filter(|&&b| b == b'\n').count();

    // A JSON array copy of the same chats.
    let array = ndjson.with_extension("array.json");
    if !array.exists() {
        let mut out = Vec::with_capacity(data.len() + chats * 2);
        out.extend_from_slice(b"[\n");
        for (i, line) in data
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(line);
        }
        out.extend_from_slice(b"\n]\n");
        std::fs::write(&array, out).expect("write array copy");
    }

    println!(
        "corpus: {} ({mb:.1} MB, {chats} chats), median of {runs} runs",
        ndjson.display()
    );
    println!(
        "{:<44} {:>9} {:>10} {:>9}",
        "work", "MB/s", "chats/s", "x parse"
    );
    let baseline = std::cell::Cell::new([0.0f64; 3]);
    let row = |name: &str, secs: f64, megabytes: f64, threads: usize| {
        let rate = megabytes / secs;
        let base = baseline.get()[threads.min(2)];
        let ratio = if base > 0.0 {
            format!("{:.2}", rate / base)
        } else {
            "-".into()
        };
        println!(
            "{name:<44} {rate:>9.1} {:>10.0} {ratio:>9}",
            chats as f64 / secs
        );
        rate
    };

    let read = time(runs, || {
        std::hint::black_box(memchr::memchr_iter(b'\n', &std::fs::read(&ndjson).unwrap()).count());
    });
    row("read file + count lines", read, mb, 0);
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    for threads in [1, 2] {
        let t = time(runs, || {
            assert_eq!(parse_only(&lines, threads, true), chats)
        });
        let rate = row(
            &format!("parse only (serde_json, borrowed), {threads} thr"),
            t,
            mb,
            0,
        );
        let mut b = baseline.get();
        b[threads] = rate;
        baseline.set(b);
    }
    for threads in [1, 2] {
        let t = time(runs, || {
            assert_eq!(parse_only(&lines, threads, false), chats)
        });
        row(
            &format!("parse only (chatlint's parser), {threads} thr"),
            t,
            mb,
            threads,
        );
    }
    for threads in [1, 2] {
        let e = engine(Box::new(JsonlRenderer));
        let t = time(runs, || assert_eq!(run(&e, &ndjson, threads), chats));
        row(
            &format!("score --format jsonl, ndjson, {threads} thr"),
            t,
            mb,
            threads,
        );
    }
    let outputs: Vec<(&str, Box<dyn Renderer>)> = vec![
        (
            "score --format table",
            Box::new(TableRenderer {
                style: Style { color: false },
            }),
        ),
        ("score --format json", Box::new(JsonRenderer)),
        (
            "score --format csv",
            Box::new(CsvRenderer {
                rules: (0..11).collect(),
            }),
        ),
        (
            "check",
            Box::new(CheckRenderer {
                style: Style { color: false },
                format: CheckFormat::Full,
            }),
        ),
        (
            "check --format concise",
            Box::new(CheckRenderer {
                style: Style { color: false },
                format: CheckFormat::Concise,
            }),
        ),
    ];
    for (name, renderer) in outputs {
        let e = engine(renderer);
        let t = time(runs, || assert_eq!(run(&e, &ndjson, 2), chats));
        row(&format!("{name}, ndjson, 2 thr"), t, mb, 2);
    }
    let e = engine(Box::new(JsonlRenderer));
    let array_mb = std::fs::metadata(&array)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(mb);
    let t = time(runs, || assert_eq!(run(&e, &array, 2), chats));
    row("score --format jsonl, JSON array, 2 thr", t, array_mb, 2);
    let csv = csv.filter(|p| p.exists()).map(|p| {
        (
            std::fs::metadata(&p).map_or(0.0, |m| m.len() as f64 / 1e6),
            p,
        )
    });
    if let Some((csv_mb, csv)) = &csv {
        for threads in [1, 2] {
            let t = time(runs, || assert_eq!(run(&e, csv, threads), chats));
            row(
                &format!("score --format jsonl, CSV, {threads} thr"),
                t,
                *csv_mb,
                threads,
            );
        }
    }
    // The same work through the binary, start-up included: what
    // `chatlint score --format jsonl -o /dev/null FILE` takes.
    // (name, command, threads, input, its size in MB)
    let mut whole: Vec<(&str, &str, usize, &Path, f64)> = vec![
        ("ndjson", "score --format jsonl", 1, &ndjson, mb),
        ("ndjson", "score --format jsonl", 2, &ndjson, mb),
        ("check, ndjson", "check", 2, &ndjson, mb),
        ("JSON array", "score --format jsonl", 2, &array, array_mb),
    ];
    if let Some((csv_mb, csv)) = &csv {
        whole.push(("CSV", "score --format jsonl", 2, csv, *csv_mb));
    }
    for (name, command, threads, path, megabytes) in whole {
        let threads_arg = threads.to_string();
        let mut args: Vec<&str> = command.split(' ').collect();
        args.extend(["--threads", &threads_arg]);
        let t = time(runs, || whole_process(&args, path));
        row(
            &format!("chatlint binary: {name}, {threads} thr"),
            t,
            megabytes,
            threads,
        );
    }
}
