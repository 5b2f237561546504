//! Snapshots of rendered output: any change to what users see shows up in review.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("chatlint")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

const SAMPLE: &str = "fixtures/formats/chats.jsonl";

#[test]
fn score_table() {
    insta::assert_snapshot!(run(&["score", SAMPLE]));
}

#[test]
fn score_jsonl() {
    insta::assert_snapshot!(run(&["score", "--format", "jsonl", SAMPLE]));
}

#[test]
fn score_json() {
    insta::assert_snapshot!(run(&["score", "--format", "json", SAMPLE]));
}

#[test]
fn score_csv() {
    insta::assert_snapshot!(run(&["score", "--format", "csv", SAMPLE]));
}

#[test]
fn check_full() {
    insta::assert_snapshot!(run(&["check", SAMPLE]));
}

#[test]
fn check_concise() {
    insta::assert_snapshot!(run(&["check", "--format", "concise", SAMPLE]));
}

#[test]
fn rule_list() {
    insta::assert_snapshot!(run(&["rule"]));
}
