//! The same six chats written in every input format give the same scorecards.
//!
//! `fixtures/formats/` holds them as JSON Lines, a JSON array, generic CSV,
//! gzipped JSON Lines, a single JSON object (the first chat) and a CSV whose
//! rows of two chats alternate. See `fixtures/formats/README.md`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// `chatlint score --format jsonl <args>`: stdout, asserting success.
fn score(args: &[&str], path: &Path) -> String {
    let out = Command::cargo_bin("chatlint")
        .unwrap()
        .args(["score", "--format", "jsonl", "--color", "never"])
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chatlint score {} failed ({}):\n{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("scorecard is JSON");
            v["id"].as_str().expect("scorecard id").to_string()
        })
        .collect()
}

#[test]
fn every_format_gives_the_same_scorecards() {
    let reference = score(&[], &fixture("formats/chats.jsonl"));
    assert_eq!(
        ids(&reference).len(),
        6,
        "expected six scorecards:\n{reference}"
    );
    for other in ["chats.json", "chats.csv", "chats.jsonl.gz"] {
        let got = score(&[], &fixture(&format!("formats/{other}")));
        assert_eq!(
            got, reference,
            "formats/{other} scores differently from formats/chats.jsonl"
        );
    }
}

#[test]
fn single_object_equals_the_first_line() {
    let reference = score(&[], &fixture("formats/chats.jsonl"));
    let first = reference.lines().next().expect("a scorecard");
    let single = score(&[], &fixture("formats/single.json"));
    assert_eq!(single, format!("{first}\n"));
}

#[test]
fn interleaved_csv_rows_give_the_same_scorecards() {
    let sorted = score(&[], &fixture("formats/chats.csv"));
    let interleaved = score(&[], &fixture("formats/interleaved.csv"));
    let mut want: Vec<&str> = sorted.lines().take(2).collect();
    let mut got: Vec<&str> = interleaved.lines().collect();
    assert_eq!(got.len(), 2, "two chats expected:\n{interleaved}");
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn thread_count_does_not_change_the_output() {
    let demo = fixture("demo");
    let one = score(&["--threads", "1"], &demo);
    let two = score(&["--threads", "2"], &demo);
    assert!(ids(&one).len() >= 40, "the demo should hold about 50 chats");
    assert_eq!(one, two);
}

/// The demo's chats copied `copies` times under new ids, as JSON Lines.
fn many_chats(copies: usize) -> tempfile::NamedTempFile {
    use std::io::Write;
    let demo = std::fs::read_to_string(fixture("demo/chats.jsonl")).unwrap();
    let mut file = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    for copy in 0..copies {
        for line in demo.lines().filter(|l| !l.trim().is_empty()) {
            let mut chat: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = format!("{}-{copy}", chat["id"].as_str().unwrap());
            chat["id"] = serde_json::Value::String(id);
            writeln!(file, "{chat}").unwrap();
        }
    }
    file.flush().unwrap();
    file
}

#[test]
fn thread_count_does_not_change_the_output_of_thousands_of_chats() {
    // Several 1 MiB blocks, so batches finish out of order on two threads.
    let input = many_chats(80);
    let one = score(&["--threads", "1"], input.path());
    let two = score(&["--threads", "2"], input.path());
    assert!(ids(&one).len() >= 4000, "{} chats", ids(&one).len());
    assert!(std::fs::metadata(input.path()).unwrap().len() > 3 << 20);
    assert!(one == two, "-j1 and -j2 differ");
    let table = |j: &str| {
        Command::cargo_bin("chatlint")
            .unwrap()
            .args([
                "score",
                "--format",
                "table",
                "--color",
                "never",
                "--threads",
                j,
            ])
            .arg(input.path())
            .output()
            .unwrap()
            .stdout
    };
    let (table_one, table_two) = (table("1"), table("2"));
    assert!(String::from_utf8_lossy(&table_one).contains("FAILED RULES"));
    assert!(table_one == table_two, "tables differ between -j1 and -j2");
}
