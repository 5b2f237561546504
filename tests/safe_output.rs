//! Outputs are safe to open: transcript text carrying ANSI escapes, OSC 8
//! hyperlinks, bidi overrides and spreadsheet formulas reaches no terminal
//! or spreadsheet as such, and JSON escapes it losslessly. Also `--redact`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const EVIL_ID: &str = "=HYPERLINK(\"http://evil.example\",\"open me\")";
const EVIL_TEXT: &str = "hi \u{1b}[31mRED\u{1b}[0m \u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7} \u{202e}gnp.exe\u{202c} \u{1b}[2J WHY IS THIS SO SLOW";

fn evil_file(dir: &Path, name: &str) -> PathBuf {
    let conv = serde_json::json!({
        "id": EVIL_ID,
        "agent": "+cmd|' /C calc'!A0",
        "team": "@SUM(A1:A9)",
        "messages": [
            {"role": "customer", "name": "\u{1b}[1mBoss\u{1b}[0m", "text": EVIL_TEXT, "ts": "2026-11-02T09:00:00Z"},
            {"role": "agent", "name": "\u{202e}nimda", "text": format!("OK \u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\ {EVIL_TEXT}"), "ts": "2026-11-02T09:05:00Z"},
            {"role": "customer", "text": "-2+3 =1+1 \t\r\n tabs", "ts": "2026-11-02T09:06:00Z"}
        ]
    });
    // A record that fails, quoting hostile text in its error, and a
    // duplicate id for the warning.
    let bad = "{\"id\":\"\u{1b}[2Jbad\u{202e}\",\"messages\":[{\"role\":\"\u{1b}]8;;http://evil\u{7}agent\",\"text\":\"x\"}]}";
    let path = dir.join(name);
    std::fs::write(&path, format!("{conv}\n{bad}\n{conv}\n")).unwrap();
    path
}

fn chatlint(args: &[&str], path: &Path) -> (String, String) {
    let out = Command::cargo_bin("chatlint")
        .unwrap()
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the bad record is skipped");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// No control character (but line feeds) and no bidi control.
fn assert_plain(what: &str, s: &str) {
    for c in s.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        let control = c.is_control() && c != '\n';
        assert!(
            !bidi && !control,
            "{what}: {c:?} reaches the terminal:\n{s}"
        );
    }
}

/// With colour on, the only escapes are chatlint's own SGR colour codes.
fn assert_only_sgr(what: &str, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('\u{1b}') {
        let after = &rest[i + 1..];
        let end = after
            .find('m')
            .unwrap_or_else(|| panic!("{what}: bare ESC"));
        let code = &after[..end];
        assert!(
            code.starts_with('[') && code[1..].chars().all(|c| c.is_ascii_digit() || c == ';'),
            "{what}: foreign escape {code:?}"
        );
        rest = &after[end..];
    }
    assert!(!s.contains('\u{7}') && !s.contains('\u{202e}'), "{what}");
}

#[test]
fn terminal_outputs_neutralise_escapes() {
    let dir = tempfile::tempdir().unwrap();
    // Even the file name is hostile.
    let path = evil_file(dir.path(), "evil\u{1b}[31m\u{202e}.jsonl");
    for args in [
        &["score", "--color", "never"][..],
        &["check", "--color", "never"],
        &["check", "--color", "never", "--format", "concise"],
        &["check", "--color", "never", "--redact"],
    ] {
        let (out, err) = chatlint(args, &path);
        assert_plain(&format!("{args:?} stdout"), &out);
        assert_plain(&format!("{args:?} stderr"), &err);
        assert!(err.contains("skipped record"), "{err}");
        assert!(err.contains("appears more than once"), "{err}");
    }
    let (out, _) = chatlint(&["check", "--color", "never"], &path);
    // Shown as visible escapes.
    assert!(out.contains("\\u{1b}[31mRED"), "{out}");
    assert!(out.contains("\\u{202e}"), "{out}");
    for args in [
        &["score", "--color", "always"][..],
        &["check", "--color", "always"],
    ] {
        let (out, _) = chatlint(args, &path);
        assert_only_sgr(&format!("{args:?}"), &out);
    }
}

#[test]
fn csv_output_neutralises_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let path = evil_file(dir.path(), "evil.jsonl");
    let (out, _) = chatlint(&["score", "--format", "csv"], &path);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for (h, cell) in headers.iter().zip(row.iter()) {
            if ["id", "agent", "team"].contains(&h) {
                assert!(cell.starts_with('\''), "{h}: {cell}");
            }
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r']),
                "{h}: formula cell {cell:?}"
            );
        }
        assert_eq!(&row[0], format!("'{EVIL_ID}"));
    }
}

#[test]
fn json_output_escapes_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = evil_file(dir.path(), "evil.jsonl");
    for format in ["jsonl", "json"] {
        let (out, _) = chatlint(&["score", "--format", format], &path);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "raw controls in JSON"
        );
        let cards: Vec<Value> = if format == "json" {
            serde_json::from_str(&out).unwrap()
        } else {
            out.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[0]["id"], EVIL_ID);
        assert_eq!(cards[0]["agent"], "+cmd|' /C calc'!A0");
        // Excerpts come back byte for byte: the escapes are in the JSON string.
        let excerpts: Vec<String> = cards[0]["rules"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|r| r["findings"].as_array().unwrap().clone())
            .map(|f| f["excerpt"].as_str().unwrap().to_string())
            .collect();
        assert!(
            excerpts.iter().any(|e| e.contains('\u{1b}')),
            "{excerpts:?}"
        );
    }
}

#[test]
fn redact_masks_personal_data_everywhere_text_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pii.jsonl");
    let pii = "email jane.doe@example.com, phone +44 20 7946 0958, card 4111 1111 1111 1111";
    let conv = serde_json::json!({
        "id": "pii-1",
        "messages": [
            {"role": "customer", "text": format!("HELLO I NEED HELP {pii}"), "ts": "2026-11-02T09:00:00Z"},
            {"role": "agent", "text": format!("NEVER SHOUT — {pii}; ref 4111 1111 1111 1112"), "ts": "2026-11-02T09:03:00Z"},
        ],
        "rating": {"score": 1, "comment": format!("call me {pii}")}
    });
    std::fs::write(&path, format!("{conv}\n")).unwrap();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("chatlint")
            .unwrap()
            .args(args)
            .arg(&path)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let leaks = |s: &str| {
        ["jane.doe@example.com", "7946 0958", "4111 1111 1111 1111"]
            .iter()
            .any(|p| s.contains(p))
    };
    let plain = run(&["score", "--format", "jsonl"]);
    let redacted = run(&["score", "--format", "jsonl", "--redact"]);
    assert!(leaks(&plain), "the fixture must carry personal data");
    assert!(!leaks(&redacted), "{redacted}");
    assert!(
        redacted.contains("[email]") && redacted.contains("[phone]") && redacted.contains("[card]")
    );
    // Non-Luhn digit runs are left alone.
    let check = run(&["check", "--color", "never", "--redact", "--format", "full"]);
    assert!(!leaks(&check), "{check}");
    assert!(check.contains("4111 1111 1111 1112"), "{check}");
    let concise = run(&[
        "check", "--color", "never", "--redact", "--format", "concise",
    ]);
    assert!(!leaks(&concise), "{concise}");
    // Scores are the same: the rules saw the original text.
    let score_of = |s: &str| -> Value {
        serde_json::from_str::<Value>(s.lines().next().unwrap()).unwrap()["score"].clone()
    };
    assert_eq!(score_of(&plain), score_of(&redacted));
    // Offsets still refer to the original message.
    let a: Value = serde_json::from_str(plain.lines().next().unwrap()).unwrap();
    let b: Value = serde_json::from_str(redacted.lines().next().unwrap()).unwrap();
    for (ra, rb) in a["rules"]
        .as_object()
        .unwrap()
        .values()
        .zip(b["rules"].as_object().unwrap().values())
    {
        for (fa, fb) in ra["findings"]
            .as_array()
            .unwrap()
            .iter()
            .zip(rb["findings"].as_array().unwrap())
        {
            assert_eq!((&fa["start"], &fa["end"]), (&fb["start"], &fb["end"]));
        }
    }
    let converted = run(&["convert", "--redact"]);
    assert!(!leaks(&converted), "{converted}");
    assert!(converted.contains("call me email [email]"), "{converted}");
    assert!(leaks(&run(&["convert"])));
}

#[test]
fn redact_covers_error_reports_quoting_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"x\",\"messages\":[{\"role\":\"customer\",\"text\":\"mail jane@example.com, card 4111111111111111\"},{\"role\":\"bogus\",\"text\":\"+44 20 7946 0958\"}]}\n",
    )
    .unwrap();
    for cmd in ["score", "check", "convert"] {
        let out = Command::cargo_bin("chatlint")
            .unwrap()
            .args([cmd, "--redact"])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("skipped record"), "{err}");
        assert!(
            !err.contains("jane@example.com")
                && !err.contains("4111111111111111")
                && !err.contains("7946"),
            "{cmd}: {err}"
        );
    }
}
