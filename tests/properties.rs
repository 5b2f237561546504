//! Property tests over generated, realistic conversations, through the binary:
//! - a conversation written as JSON Lines, a JSON array or CSV scores the same;
//! - shuffling the conversations in a file changes no conversation's scorecard;
//! - scores stay within 0..=100;
//! - a rule that is `na` leaves the score exactly as if it were switched off
//!   (`[rules.<id>] enabled = false` in a config file).
//!
//! Case counts are kept small: each case runs the binary a few times.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[derive(Clone, Debug)]
struct Msg {
    role: &'static str,
    name: &'static str,
    text: String,
    /// Seconds after the conversation's start; `None`: no timestamp.
    at: Option<u32>,
}

#[derive(Clone, Debug)]
struct Conv {
    id: String,
    team: Option<&'static str>,
    agent: &'static str,
    start: u32,
    messages: Vec<Msg>,
}

const CUSTOMER: &[&str] = &[
    "Hello, I was charged twice for my order",
    "my parcel never arrived",
    "THIS IS UNACCEPTABLE",
    "pls help, u said it would ship monday",
    "Grüße! Meine Bestellung ist beschädigt",
    "日本語で大丈夫ですか？",
    "order VT-448120, email jane@example.com",
    "It says \"payment failed\", then nothing",
    "ok, thanks 😀",
    "no that's all",
    "¿Dónde está mi pedido?",
    "My number is +44 20 7946 0958, call me",
];

const AGENT: &[&str] = &[
    "Hi Sam, thanks for reaching out!",
    "Hello! I'm sorry to hear that, that must be frustrating.",
    "Could you tell me the order number?",
    "What happens when you try to log in?",
    "Let me check, this will take about 2 minutes.",
    "I have refunded the second payment; it will show within 3-5 business days.",
    "Is there anything else I can help with?",
    "Would you mind rating this chat?",
    "Have a great day!",
    "pls wait u will get it asap",
    "PLEASE READ THE FAQ",
    "Thanks, Hannah, I see the order, comma, \"quotes\" and all.",
    "Merci beaucoup — à bientôt !",
];

fn message() -> impl Strategy<Value = (bool, usize, u32, bool)> {
    (
        any::<bool>(),
        0usize..100,
        1u32..400,
        prop::bool::weighted(0.9),
    )
}

fn conversation(index: usize) -> impl Strategy<Value = Conv> {
    (
        prop::collection::vec(message(), 1..10),
        prop::option::of(prop::sample::select(vec!["billing", "shipping", "tech"])),
        prop::sample::select(vec!["agt-maria", "agt-jon", "agt-ünal"]),
        0u32..5_000_000,
        any::<bool>(),
    )
        .prop_map(move |(msgs, team, agent, start, customer_first)| {
            let mut t = 0;
            let messages = msgs
                .into_iter()
                .enumerate()
                .map(|(i, (flip, pick, gap, has_ts))| {
                    let customer = (i % 2 == 0) == customer_first || (flip && i > 2);
                    t += gap;
                    let (role, name, text) = if customer {
                        ("customer", "Hannah Weiss", CUSTOMER[pick % CUSTOMER.len()])
                    } else {
                        ("agent", "Maria", AGENT[pick % AGENT.len()])
                    };
                    Msg {
                        role,
                        name,
                        text: text.to_string(),
                        at: has_ts.then_some(t),
                    }
                })
                .collect();
            Conv {
                id: format!("prop-{index}"),
                team,
                agent,
                start,
                messages,
            }
        })
}

fn conversations() -> impl Strategy<Value = Vec<Conv>> {
    (1usize..6).prop_flat_map(|n| (0..n).map(conversation).collect::<Vec<_>>())
}

fn ts(c: &Conv, m: &Msg) -> Option<String> {
    m.at.map(|at| {
        let secs = 1_793_600_000i64 + i64::from(c.start) + i64::from(at);
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    })
}

fn native(c: &Conv) -> Value {
    json!({
        "id": c.id,
        "team": c.team,
        "agent": c.agent,
        "messages": c.messages.iter().map(|m| json!({
            "role": m.role,
            "name": m.name,
            "text": m.text,
            "ts": ts(c, m),
        })).collect::<Vec<_>>(),
    })
}

fn as_jsonl(cs: &[Conv]) -> String {
    cs.iter().map(|c| native(c).to_string() + "\n").collect()
}

fn as_array(cs: &[Conv]) -> String {
    serde_json::to_string_pretty(&cs.iter().map(native).collect::<Vec<_>>()).unwrap()
}

fn as_csv(cs: &[Conv]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "chat_id",
        "timestamp",
        "role",
        "name",
        "text",
        "team",
        "agent",
    ])
    .unwrap();
    for c in cs {
        for m in &c.messages {
            w.write_record([
                c.id.as_str(),
                &ts(c, m).unwrap_or_default(),
                m.role,
                m.name,
                &m.text,
                c.team.unwrap_or(""),
                c.agent,
            ])
            .unwrap();
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Scores `path`; returns the scorecards by id (asserting success and the
/// accounting line).
fn score(path: &Path, config: Option<&Path>) -> BTreeMap<String, Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chatlint"));
    cmd.args(["score", "--format", "jsonl", "--color", "never", "-j1"]);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd.arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", path.display());
    let cards: BTreeMap<String, Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), v)
        })
        .collect();
    let n = cards.len();
    assert!(
        stderr.contains(&format!(
            "{n} conversation{} read, {n} scored, 0 skipped",
            if n == 1 { "" } else { "s" }
        )),
        "{stderr}"
    );
    for c in cards.values() {
        let s = c["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&s), "score out of range: {c}");
    }
    cards
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn jsonl_array_and_csv_score_identically() {
    let dir = tempfile::tempdir().unwrap();
    runner(10)
        .run(&conversations(), |cs| {
            let write = |name: &str, text: String| {
                let p = dir.path().join(name);
                std::fs::write(&p, text).unwrap();
                p
            };
            let jsonl = score(&write("c.jsonl", as_jsonl(&cs)), None);
            let array = score(&write("c.json", as_array(&cs)), None);
            let csv = score(&write("c.csv", as_csv(&cs)), None);
            prop_assert_eq!(jsonl.len(), cs.len());
            prop_assert_eq!(&jsonl, &array);
            prop_assert_eq!(&jsonl, &csv);
            Ok(())
        })
        .unwrap();
}

#[test]
fn shuffling_conversations_changes_no_scorecard() {
    let dir = tempfile::tempdir().unwrap();
    let strategy = conversations().prop_flat_map(|cs| {
        let n = cs.len();
        (Just(cs), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    });
    runner(10)
        .run(&strategy, |(cs, order)| {
            let shuffled: Vec<Conv> = order.iter().map(|&i| cs[i].clone()).collect();
            let a = dir.path().join("a.jsonl");
            let b = dir.path().join("b.jsonl");
            std::fs::write(&a, as_jsonl(&cs)).unwrap();
            std::fs::write(&b, as_jsonl(&shuffled)).unwrap();
            prop_assert_eq!(score(&a, None), score(&b, None));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_rule_that_is_na_scores_as_if_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let seen_na = std::cell::Cell::new(0);
    runner(12)
        .run(
            &(conversations(), any::<prop::sample::Index>()),
            |(cs, pick)| {
                let path = dir.path().join("c.jsonl");
                std::fs::write(&path, as_jsonl(&cs)).unwrap();
                let cards = score(&path, None);
                // The rules that are `na` somewhere; pick one.
                let mut na: Vec<String> = cards
                    .values()
                    .flat_map(|c| c["rules"].as_object().unwrap().iter())
                    .filter(|(_, r)| r["outcome"] == "na")
                    .map(|(id, _)| id.clone())
                    .collect();
                na.sort();
                na.dedup();
                if na.is_empty() {
                    return Ok(());
                }
                let rule = pick.get(&na).clone();
                let config = dir.path().join("off.toml");
                std::fs::write(&config, format!("[rules.{rule}]\nenabled = false\n")).unwrap();
                let off = score(&path, Some(&config));
                for (id, card) in &cards {
                    if card["rules"][&rule]["outcome"] != "na" {
                        continue;
                    }
                    seen_na.set(seen_na.get() + 1);
                    let other = &off[id];
                    prop_assert!(
                        other["rules"].get(&rule).is_none(),
                        "{} still reported",
                        rule
                    );
                    prop_assert_eq!(&card["score"], &other["score"], "{} in {}", rule, id);
                    prop_assert_eq!(&card["passed"], &other["passed"]);
                    prop_assert_eq!(&card["auto_failed"], &other["auto_failed"]);
                }
                Ok(())
            },
        )
        .unwrap();
    assert!(seen_na.get() > 0, "the generator should produce `na` rules");
}
