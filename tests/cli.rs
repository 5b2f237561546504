//! The command line: exit codes, error reports, output files, standard input.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;

fn chatlint() -> Command {
    let mut c = Command::cargo_bin("chatlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

const DEMO: &str = "fixtures/demo/chats.jsonl";

/// The accounting line of raw stderr: (read, scored, skipped).
fn accounting(stderr: &[u8]) -> (usize, usize, usize) {
    common::accounting(&String::from_utf8_lossy(stderr))
}

#[test]
fn score_exits_zero_and_accounts_for_every_conversation() {
    let out = chatlint().args(["score", DEMO]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(accounting(&out.stderr), (56, 56, 0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("CONVERSATION"));
    assert!(stdout.contains("56 conversations scored"));
}

#[test]
fn fail_under_and_fail_on_set_exit_one() {
    chatlint()
        .args(["score", DEMO, "--fail-under", "90"])
        .assert()
        .code(1);
    chatlint()
        .args(["score", DEMO, "--fail-under", "10"])
        .assert()
        .code(0);
    chatlint().args(["check", DEMO]).assert().code(1);
    chatlint()
        .args(["check", DEMO, "--fail-on", "never"])
        .assert()
        .code(0);
    // A clean chat passes even at --fail-on warning.
    let clean = r#"{"id":"ok","messages":[{"role":"customer","text":"Hi, what are your opening hours?","ts":"2026-11-09T09:00:00Z"},{"role":"agent","text":"Hello and thanks for reaching out! Which store do you mean?","ts":"2026-11-09T09:00:10Z"},{"role":"customer","text":"The one in Leeds","ts":"2026-11-09T09:00:20Z"},{"role":"agent","text":"Let me check: Leeds opens 9-6 daily, and I'll email you the holiday hours within the hour. Is there anything else I can help with? If you have a moment, please rate this chat. Thanks, have a great day!","ts":"2026-11-09T09:00:28Z"}]}"#;
    chatlint()
        .args(["check", "-", "--fail-on", "warning"])
        .write_stdin(clean)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings"));
}

#[test]
fn a_bad_record_is_reported_with_its_place_skipped_and_counted() {
    let mut file = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    let good = std::fs::read_to_string(DEMO).unwrap();
    let mut lines = good.lines();
    writeln!(file, "{}", lines.next().unwrap()).unwrap();
    writeln!(
        file,
        "{{\"id\": \"broken\", \"messages\": [{{\"role\": \"agent\"}}]}}"
    )
    .unwrap();
    writeln!(file, "{{\"id\": \"cut\", \"messages\": [").unwrap();
    writeln!(file, "{}", lines.next().unwrap()).unwrap();
    let out = chatlint()
        .args(["score", "--format", "jsonl"])
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(accounting(&out.stderr), (4, 2, 2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = file.path().display().to_string();
    assert!(stderr.contains(&format!("{name}:2:")), "{stderr}");
    assert!(
        stderr.contains("messages[0]: missing field `text`"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("{name}:3:")), "{stderr}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn missing_files_unknown_formats_and_usage_errors_exit_two() {
    chatlint()
        .args(["score", "no/such/file.jsonl"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no/such/file.jsonl")
                .and(predicate::str::contains("no such file")),
        );
    let mut odd = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    writeln!(odd, "hello there, this is not a transcript").unwrap();
    chatlint()
        .arg("score")
        .arg(odd.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown input format"));
    chatlint()
        .args(["score", "--format", "yaml", DEMO])
        .assert()
        .code(2);
    chatlint()
        .args(["rule", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule"));
    // Missing files are reported, and the other inputs still scored.
    let out = chatlint()
        .args(["score", "--format", "jsonl", "nope.jsonl", DEMO])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(accounting(&out.stderr).1, 56);
}

#[test]
fn config_errors_point_at_the_line() {
    let mut cfg = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    write!(cfg, "pass_mark = 70\n\n[rules.greetin]\nweight = 3\n").unwrap();
    let out = chatlint()
        .args(["score", DEMO, "--config"])
        .arg(cfg.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field `greetin`"), "{stderr}");
    assert!(stderr.contains(":3:"), "the report names line 3: {stderr}");
}

#[test]
fn config_changes_policy() {
    let mut cfg = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    write!(cfg, "pass_mark = 50\n[rules.shouting]\ncritical = true\n[rules.response-gap]\nmax_gap_s = 600\n").unwrap();
    let out = chatlint()
        .args(["score", "--format", "jsonl", DEMO, "--config"])
        .arg(cfg.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let cards: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for card in &cards {
        let shouted = card["rules"]["shouting"]["outcome"] == "fail";
        assert_eq!(
            card["auto_failed"].as_bool().unwrap(),
            shouted,
            "{}",
            card["id"]
        );
        if shouted {
            assert_eq!(card["score"].as_f64().unwrap(), 0.0);
        }
        let gap = card["metrics"]["max_gap_s"].as_f64();
        if gap.is_some_and(|g| g <= 600.0) {
            assert_ne!(card["rules"]["response-gap"]["outcome"], "fail");
        }
    }
}

#[test]
fn stdin_and_output_file() {
    let demo = std::fs::read(DEMO).unwrap();
    let from_stdin = chatlint()
        .args(["score", "--format", "jsonl", "-"])
        .write_stdin(demo)
        .output()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cards.jsonl");
    chatlint()
        .args(["score", "--format", "jsonl", DEMO, "-o"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(std::fs::read(&path).unwrap(), from_stdin.stdout);
}

#[test]
fn directories_are_walked() {
    let out = chatlint()
        .args(["score", "--format", "jsonl", "fixtures/demo"])
        .output()
        .unwrap();
    assert_eq!(accounting(&out.stderr), (56, 56, 0));
}

#[test]
fn a_closed_pipe_exits_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("chatlint");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("set -o pipefail; for i in 1 2 3 4 5 6 7 8; do cat {DEMO}; done | '{}' score --format jsonl -j 2 - | head -c 100 > /dev/null", bin.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn rule_docs_are_printed() {
    chatlint()
        .args(["rule"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("repeated-info"));
    chatlint()
        .args(["rule", "greeting"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("## Why it matters")
                .and(predicate::str::contains("Defaults: weight 10")),
        );
}

#[test]
fn same_output_for_any_thread_count() {
    let one = chatlint()
        .args(["check", "--format", "concise", "-j", "1", DEMO])
        .output()
        .unwrap();
    let two = chatlint()
        .args(["check", "--format", "concise", "-j", "2", DEMO])
        .output()
        .unwrap();
    assert_eq!(one.stdout, two.stdout);
    assert!(!one.stdout.is_empty());
}
