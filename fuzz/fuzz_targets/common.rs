//! Shared driver for the fuzz targets: feed bytes through chatlint's real
//! reader, score every conversation with every renderer, and check the
//! invariants that must hold for any input.
#![allow(dead_code)]

use chatlint::analysis::Buffers;
use chatlint::config::Settings;
use chatlint::ingest::error::RecordReport;
use chatlint::ingest::{self, native, InputFormat, ReadOptions, Source};
use chatlint::model::Conversation;
use chatlint::pipeline::{Engine, Processed};
use chatlint::render::terminal::Style;
use chatlint::render::{
    CheckFormat, CheckRenderer, CsvRenderer, JsonlRenderer, Renderer, TableRenderer,
};
use chatlint::rules::REGISTRY;
use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Terminal,
    Jsonl,
    Csv,
}

fn engines() -> &'static [(Kind, Engine)] {
    static E: OnceLock<Vec<(Kind, Engine)>> = OnceLock::new();
    E.get_or_init(|| {
        let style = Style { color: false };
        let renderers: Vec<(Kind, Box<dyn Renderer>)> = vec![
            (
                Kind::Terminal,
                Box::new(CheckRenderer {
                    style,
                    format: CheckFormat::Full,
                }),
            ),
            (
                Kind::Terminal,
                Box::new(CheckRenderer {
                    style,
                    format: CheckFormat::Concise,
                }),
            ),
            (Kind::Terminal, Box::new(TableRenderer { style })),
            (Kind::Jsonl, Box::new(JsonlRenderer)),
            (
                Kind::Csv,
                Box::new(CsvRenderer {
                    rules: (0..REGISTRY.len()).collect(),
                }),
            ),
        ];
        renderers
            .into_iter()
            .map(|(k, renderer)| (k, Engine::new(Settings::defaults(), renderer)))
            .collect()
    })
}

/// No terminal escape, control character (but newline) or bidi override.
pub fn assert_terminal_safe(what: &str, s: &str) {
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        assert!(
            !bad,
            "{what}: unsafe character {c:?} reaches the terminal in {s:?}"
        );
    }
}

thread_local! {
    /// Analysis buffers kept from one conversation to the next, as a worker
    /// keeps them within a batch.
    static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

fn score(conv: &Conversation, source: &str) {
    for (kind, engine) in engines() {
        let mut p = Processed::default();
        BUFFERS.with_borrow_mut(|buffers| {
            engine.score_one(conv, ingest::Place { source, line: None }, &mut p, buffers)
        });
        for d in &p.digests {
            assert!(
                d.score.is_finite() && (0.0..=100.0).contains(&d.score),
                "score {} out of range",
                d.score
            );
        }
        let out = std::str::from_utf8(&p.out).expect("output is UTF-8");
        match kind {
            Kind::Terminal => assert_terminal_safe("renderer", out),
            Kind::Jsonl => {
                for line in out.lines() {
                    serde_json::from_str::<serde_json::Value>(line).expect("valid JSON line");
                }
            }
            Kind::Csv => {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(out.as_bytes());
                for rec in r.records() {
                    let rec = rec.expect("valid CSV");
                    for cell in rec.iter().take(3) {
                        assert!(
                            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                            "formula cell {cell:?}"
                        );
                    }
                }
            }
        }
    }
}

fn report(d: &dyn miette::Diagnostic) {
    let text = engines()[0].1.report(d);
    assert_terminal_safe("error report", &text);
}

/// Reads `data` as `format` and scores everything that comes out.
pub fn drive(format: InputFormat, data: &[u8]) {
    let source = Source {
        name: "fuzz".into(),
        path: None,
    };
    let opts = ReadOptions {
        format,
        // Small, varying blocks exercise the splitter's block boundaries.
        block_size: 16 + (data.len() % 7) * 61,
        ..ReadOptions::default()
    };
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    ingest::read_from(&source, reader, &opts, &mut |batch| {
        let problem = batch.for_each(|record, place| match record {
            Ok(conv) => score(conv, place.source),
            Err(e) => report(&RecordReport(&e)),
        });
        if let Some(e) = problem {
            report(&e);
        }
    });
}

/// Parses one native record and scores it.
pub fn native_record(data: &[u8]) {
    let at = native::RecordStart { line: 1, column: 1 };
    match native::parse(data, "fuzz", at) {
        Ok(conv) => {
            // chatlint's own parser reads what serde_json reads, the same way.
            let by_serde = native::parse_with_serde(data, "fuzz", at);
            assert_eq!(by_serde.as_ref().ok(), Some(&conv), "{by_serde:?}");
            score(&conv, "fuzz")
        }
        Err(e) => report(&RecordReport(&e)),
    }
}
