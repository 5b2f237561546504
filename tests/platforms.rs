//! Platform exports: each fixture export scores exactly like the same
//! conversations written by hand in native JSONL, is recognised by content,
//! converts to that JSONL, and round-trips; bad shapes are reported with
//! the path to the offending value and skipped.

use assert_cmd::Command;
use std::path::Path;

/// `(platform, export, expected)` for every fixture.
const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "livechat",
        "fixtures/platforms/livechat/list_archives.json",
        "fixtures/platforms/livechat/expected.jsonl",
    ),
    (
        "zendesk-chat",
        "fixtures/platforms/zendesk-chat/incremental_chats.json",
        "fixtures/platforms/zendesk-chat/expected.jsonl",
    ),
    (
        "sunshine",
        "fixtures/platforms/sunshine/export",
        "fixtures/platforms/sunshine/expected.jsonl",
    ),
    (
        "intercom",
        "fixtures/platforms/intercom/conversations.json",
        "fixtures/platforms/intercom/expected.jsonl",
    ),
    (
        "freshchat",
        "fixtures/platforms/freshchat/export",
        "fixtures/platforms/freshchat/expected.jsonl",
    ),
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn chatlint(args: &[&str]) -> Run {
    let out = Command::cargo_bin("chatlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Each line parsed, so that key order and number spelling do not matter.
fn values(jsonl: &str) -> Vec<serde_json::Value> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn exports_score_like_their_hand_written_jsonl() {
    for (platform, export, expected) in FIXTURES {
        let a = chatlint(&["score", "--format", "jsonl", export]);
        let b = chatlint(&["score", "--format", "jsonl", expected]);
        assert_eq!(a.code, 0, "{platform}: {}", a.stderr);
        assert_eq!(b.code, 0, "{platform}: {}", b.stderr);
        assert!(a.stdout.lines().count() >= 2, "{platform}: {}", a.stdout);
        assert_eq!(a.stdout, b.stdout, "{platform}");
        // Naming the format gives the same as recognising it.
        let c = chatlint(&[
            "score",
            "--format",
            "jsonl",
            "--input-format",
            platform,
            export,
        ]);
        assert_eq!(c.code, 0, "{platform}: {}", c.stderr);
        assert_eq!(a.stdout, c.stdout, "{platform}");
    }
}

#[test]
fn auto_detection_picks_the_right_importer() {
    for (platform, export, _) in FIXTURES {
        let run = chatlint(&["score", "--verbose", "--format", "jsonl", export]);
        assert_eq!(run.code, 0, "{platform}: {}", run.stderr);
        let files: Vec<_> = if Path::new(env!("CARGO_MANIFEST_DIR")).join(export).is_dir() {
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(export))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        } else {
            vec![export.rsplit('/').next().unwrap().to_string()]
        };
        for file in files {
            let line = run
                .stderr
                .lines()
                .find(|l| l.contains(&file) && l.contains(": read as "))
                .unwrap_or_else(|| {
                    panic!("{platform}: no detection line for {file}: {}", run.stderr)
                });
            assert!(line.contains(&format!("read as {platform} (")), "{line}");
        }
        // Every fixture carries an event type and a field chatlint ignores.
        let tally = run
            .stderr
            .lines()
            .find(|l| {
                l.starts_with(&format!("{platform}: ")) && l.contains("unknown event types (")
            })
            .unwrap_or_else(|| panic!("{platform}: no tally line: {}", run.stderr));
        assert!(
            tally.ends_with(") ignored") && tally.contains(" and 1 unknown fields ("),
            "{tally}"
        );
    }
}

#[test]
fn convert_gives_the_hand_written_conversations_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for (platform, export, expected) in FIXTURES {
        let a = chatlint(&["convert", "--to", "jsonl", export]);
        assert_eq!(a.code, 0, "{platform}: {}", a.stderr);
        let b = chatlint(&["convert", expected]);
        assert_eq!(b.code, 0, "{platform}: {}", b.stderr);
        assert_eq!(values(&a.stdout), values(&b.stdout), "{platform}");
        // Converting chatlint's own output gives the same bytes.
        let first = dir.path().join(format!("{platform}.jsonl"));
        let out = chatlint(&["convert", export, "-o", first.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let written = std::fs::read_to_string(&first).unwrap();
        assert_eq!(written, a.stdout);
        let again = chatlint(&["convert", first.to_str().unwrap()]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert_eq!(again.stdout, written, "{platform}: round trip");
    }
}

#[test]
fn json_that_is_no_known_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.json");
    std::fs::write(
        &path,
        "{\"results\": [{\"ticket\": 1, \"body\": \"hi\"}], \"total\": 1}\n",
    )
    .unwrap();
    let run = chatlint(&["score", "--format", "jsonl", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("unknown input format"),
        "{}",
        run.stderr
    );
    // The report wraps lines: compare without white space.
    let flat: String = run.stderr.split_whitespace().collect();
    for name in [
        "native",
        "csv",
        "livechat",
        "zendesk-chat",
        "sunshine",
        "intercom",
        "freshchat",
    ] {
        assert!(flat.contains(name), "{name}: {}", run.stderr);
    }
}

#[test]
fn a_chat_of_the_wrong_shape_is_skipped_with_its_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archives.json");
    let page = r#"{
  "chats": [
    {"id": "A1", "users": [{"id": "c1", "type": "customer", "name": "Ann"}, {"id": "ag@x.com", "type": "agent", "name": "Bo"}],
     "thread": {"id": "T1", "created_at": "2026-11-09T09:00:00.000000Z", "events": [
       {"id": "1", "type": "message", "created_at": "2026-11-09T09:00:01.000000Z", "author_id": "c1", "visibility": "all", "text": "hi"},
       {"id": "2", "type": "message", "created_at": "2026-11-09T09:00:09.000000Z", "author_id": "ag@x.com", "visibility": "all", "text": "Hello Ann, how can I help?"}]}},
    {"id": "B2", "users": [], "thread": {"id": "T2", "created_at": "2026-11-09T10:00:00Z", "events": [
       {"id": "1", "type": "message", "author_id": "c1", "text": "no time"}]}},
    {"id": "C3", "users": [{"id": "c3", "type": "customer"}], "thread": {"id": "T3", "created_at": 1794474000, "events": [
       {"id": "1", "type": "message", "created_at": 1794474001000, "author_id": "c3", "visibility": "all", "text": "epoch millis"},
       {"id": "2", "type": "message", "created_at": "2026-11-12T09:00:02", "author_id": "c3", "visibility": "all", "text": "no offset"}]}}
  ],
  "found_chats": 3,
  "next_page_id": null
}
"#;
    std::fs::write(&path, page).unwrap();
    let run = chatlint(&["score", "--format", "jsonl", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("chats[1].thread.events[0]: missing field `created_at`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("archives.json:8:"), "{}", run.stderr);
    assert!(run.stderr.contains("\"B2\""), "{}", run.stderr);
    let ids: Vec<String> = values(&run.stdout)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["A1", "C3"]);
    assert!(
        run.stderr
            .contains("3 conversations read, 2 scored, 1 skipped")
            || run.stderr.contains("2 scored, 1 skipped"),
        "{}",
        run.stderr
    );
    // Every timestamp form lands on UTC.
    let conv = chatlint(&[
        "convert",
        "--input-format",
        "livechat",
        path.to_str().unwrap(),
    ]);
    let c3 = values(&conv.stdout)
        .into_iter()
        .find(|v| v["id"] == "C3")
        .unwrap();
    assert_eq!(c3["started_at"], "2026-11-12T09:00:00Z");
    assert_eq!(c3["messages"][0]["ts"], "2026-11-12T09:00:01Z");
    assert_eq!(c3["messages"][1]["ts"], "2026-11-12T09:00:02Z");
}

#[test]
fn single_objects_arrays_and_json_lines_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let zendesk_one = r#"{"id": "z1", "type": "chat", "timestamp": "2026-11-10T14:00:00Z", "visitor": {"id": "v1", "name": "Vi"},
      "history": [{"type": "chat.msg", "timestamp": 1794319201000, "name": "Vi", "nick": "visitor:v1", "msg": "hello"},
                  {"type": "chat.msg", "timestamp": "2026-11-10T14:00:05Z", "name": "Al", "nick": "agent:42", "msg": "Hi Vi, how can I help?"}]}"#;
    let cases = [
        ("zendesk-one.json", zendesk_one.to_string(), "zendesk-chat", vec!["z1"]),
        ("zendesk-array.json", format!("[{zendesk_one}, {}]", zendesk_one.replace("\"z1\"", "\"z2\"")), "zendesk-chat", vec!["z1", "z2"]),
        (
            "intercom-one.json",
            r#"{"type": "conversation", "id": 77, "created_at": 1794474000, "source": {"type": "conversation", "body": "<p>Hi &amp; hello</p>", "author": {"type": "user", "id": "u1"}}, "conversation_parts": {"conversation_parts": [{"part_type": "comment", "body": "<p>Hello!</p>", "created_at": 1794474010, "author": {"type": "admin", "id": "9", "name": "Ad"}}]}}"#.to_string(),
            "intercom",
            vec!["77"],
        ),
        (
            "livechat-lines.jsonl",
            "{\"id\": \"L1\", \"users\": [], \"thread\": {\"id\": \"t\", \"created_at\": \"2026-11-09T09:00:00Z\", \"events\": []}}\n{\"id\": \"L2\", \"users\": [], \"thread\": {\"id\": \"t\", \"created_at\": \"2026-11-09T09:00:00Z\", \"events\": []}}\n".to_string(),
            "livechat",
            vec!["L1", "L2"],
        ),
    ];
    for (name, body, platform, ids) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let run = chatlint(&["convert", "-v", path.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("read as {platform}")),
            "{name}: {}",
            run.stderr
        );
        let got: Vec<String> = values(&run.stdout)
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, ids, "{name}");
        if name == "intercom-one.json" {
            assert_eq!(values(&run.stdout)[0]["messages"][0]["text"], "Hi & hello");
        }
    }
}
