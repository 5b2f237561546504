//! Data-driven rule tests: every line of `fixtures/rules/<rule-id>/<outcome>.jsonl`
//! is a native conversation that the rule `<rule-id>` must judge `<outcome>`
//! (`pass`, `fail` or `na`).
//!
//! A line may carry a top-level `"expect"` object (fail lines only):
//! `{"message": N, "excerpt": "words"}` means the rule's first finding points at
//! message N and, when `excerpt` is given, its span is exactly those words.
//! The native parser ignores the key, but it is stripped before parsing anyway.
//!
//! Adding a case needs no code: add a line to the right file. Every mismatch
//! is collected and reported at once.

use chatlint::analysis::Analysis;
use chatlint::config::Settings;
use chatlint::ingest::native::{self, RecordStart};
use chatlint::rules::{self, Outcome, RuleSet, Verdict, REGISTRY};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const OUTCOMES: [&str; 3] = ["pass", "fail", "na"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

/// One fixture line.
struct Case {
    /// `fixtures/rules/<rule>/<file>:<line>`, for messages.
    place: String,
    rule: String,
    expected: &'static str,
    line: u64,
    /// The line with `expect` removed.
    json: Vec<u8>,
    id: String,
    expect: Option<Value>,
}

/// Reads every fixture; problems with the files themselves go to `errors`.
fn load(errors: &mut Vec<String>) -> Vec<Case> {
    let root = fixtures_dir();
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        if rules::entry(&rule).is_none() {
            errors.push(format!(
                "fixtures/rules/{rule}/: no rule with this id (known: {})",
                REGISTRY
                    .iter()
                    .map(|e| e.meta.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        }
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let shown = format!("fixtures/rules/{rule}/{name}");
            let Some(expected) = name
                .strip_suffix(".jsonl")
                .and_then(|stem| OUTCOMES.iter().find(|o| **o == stem))
            else {
                errors.push(format!(
                    "{shown}: unexpected file (only pass.jsonl, fail.jsonl, na.jsonl)"
                ));
                continue;
            };
            let text = fs::read_to_string(&file).unwrap();
            for (n, raw) in text.lines().enumerate() {
                let line = n as u64 + 1;
                let place = format!("{shown}:{line}");
                if raw.trim().is_empty() {
                    continue;
                }
                let mut value: Value = match serde_json::from_str(raw) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(format!("{place}: not JSON: {e}"));
                        continue;
                    }
                };
                let Some(obj) = value.as_object_mut() else {
                    errors.push(format!("{place}: not a JSON object"));
                    continue;
                };
                let expect = obj.remove("expect");
                let id = obj
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("<no id>")
                    .to_string();
                cases.push(Case {
                    place,
                    rule: rule.clone(),
                    expected,
                    line,
                    json: serde_json::to_vec(&value).unwrap(),
                    id,
                    expect,
                });
            }
        }
    }
    cases
}

/// The words a finding points at, if it has a span.
fn excerpt(text: &str, span: Option<(usize, usize)>) -> Option<&str> {
    span.and_then(|(s, e)| text.get(s..e))
}

fn describe_findings(v: &Verdict, texts: &[String]) -> String {
    if v.findings.is_empty() {
        return "no findings".to_string();
    }
    let mut out = String::new();
    for f in &v.findings {
        let words = texts
            .get(f.message)
            .and_then(|t| excerpt(t, f.span))
            .map(|w| format!(" {w:?}"))
            .unwrap_or_default();
        let _ = write!(out, "\n      - message {}{words}: {}", f.message, f.note);
    }
    out
}

/// Checks one case; `None` when it agrees with its file.
fn check(case: &Case, ruleset: &RuleSet) -> Option<String> {
    let head = format!("{} [{}]", case.place, case.id);
    let conv = match native::parse(
        &case.json,
        &case.place,
        RecordStart {
            line: case.line,
            column: 1,
        },
    ) {
        Ok(c) => c,
        Err(e) => return Some(format!("{head}: does not parse: {e}")),
    };
    let (index, _) = rules::entry(&case.rule).expect("rule exists");
    let analysis = Analysis::new(&conv, &ruleset.matcher);
    let verdicts = ruleset.check(&analysis);
    let Some((_, verdict)) = verdicts.iter().find(|(i, _)| *i == index) else {
        return Some(format!("{head}: rule {} did not run", case.rule));
    };
    let texts: Vec<String> = conv.messages.iter().map(|m| m.text.to_string()).collect();
    let got = verdict.outcome.as_str();
    let expect_note = match &case.expect {
        Some(e) => format!(" {e}"),
        None => String::new(),
    };
    if got != case.expected {
        return Some(format!(
            "{head}: expected {}{expect_note}, got {got}; findings:{}",
            case.expected,
            describe_findings(verdict, &texts)
        ));
    }
    let Some(expect) = &case.expect else {
        return None;
    };
    if verdict.outcome != Outcome::Fail {
        return Some(format!(
            "{head}: \"expect\" is only meaningful on fail lines"
        ));
    }
    let first = &verdict.findings[0];
    let mut problems = Vec::new();
    match expect.get("message").map(Value::as_u64) {
        None => {}
        Some(Some(m)) if m as usize == first.message => {}
        Some(Some(m)) => problems.push(format!(
            "first finding at message {}, expected message {m}",
            first.message
        )),
        Some(None) => problems.push("expect.message is not a number".to_string()),
    }
    match expect.get("excerpt").map(Value::as_str) {
        None => {}
        Some(None) => problems.push("expect.excerpt is not a string".to_string()),
        Some(Some(want)) => {
            let got = texts
                .get(first.message)
                .and_then(|t| excerpt(t, first.span));
            if got != Some(want) {
                problems.push(format!(
                    "first finding's excerpt is {got:?}, expected {want:?}"
                ));
            }
        }
    }
    for key in expect.as_object().map(|o| o.keys()).into_iter().flatten() {
        if key != "message" && key != "excerpt" {
            problems.push(format!("unknown expect key {key:?}"));
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "{head}: fail as expected, but {}; findings:{}",
            problems.join("; "),
            describe_findings(verdict, &texts)
        ))
    }
}

#[test]
fn every_fixture_gets_the_outcome_its_file_names() {
    let mut errors = Vec::new();
    let cases = load(&mut errors);
    let ruleset = RuleSet::new(&Settings::defaults());
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for case in &cases {
        if let Some(first) = seen.insert(&case.id, &case.place) {
            errors.push(format!(
                "{} [{}]: id already used at {first}",
                case.place, case.id
            ));
        }
        if let Some(problem) = check(case, &ruleset) {
            errors.push(problem);
        }
    }
    assert!(!cases.is_empty(), "no fixtures found");
    if !errors.is_empty() {
        panic!(
            "{} of {} rule fixtures disagree:\n\n{}\n",
            errors.len(),
            cases.len(),
            errors.join("\n\n")
        );
    }
}

#[test]
fn every_rule_has_enough_fixtures() {
    let mut errors = Vec::new();
    let cases = load(&mut errors);
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for case in &cases {
        let k = OUTCOMES.iter().position(|o| *o == case.expected).unwrap();
        counts.entry(case.rule.as_str()).or_default()[k] += 1;
    }
    for e in REGISTRY.iter() {
        let [pass, fail, _] = counts.get(e.meta.id).copied().unwrap_or_default();
        if pass < 3 || fail < 3 {
            errors.push(format!(
                "rule {}: needs at least 3 pass and 3 fail cases in fixtures/rules/{}/, has {pass} pass and {fail} fail",
                e.meta.id, e.meta.id
            ));
        }
    }
    if !errors.is_empty() {
        panic!("{}", errors.join("\n"));
    }
}

/// `repeated-info` analyses only agent messages holding a word from
/// `rules/repeated-info/ask-trigger.txt`; that list must cover every sentence
/// its kind patterns could read as a request. Checked on every agent message
/// of every fixture.
#[test]
fn ask_triggers_cover_every_fixture_sentence() {
    let settings = chatlint::config::Settings::defaults();
    let rules = chatlint::rules::RuleSet::new(&settings);
    let mut texts: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // Deliberately broken inputs hold no sentences worth checking.
                if !path.ends_with("hostile") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
    }
    for path in files {
        for line in std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            for m in value["messages"].as_array().into_iter().flatten() {
                if m["role"] == "agent" {
                    texts.push(m["text"].as_str().unwrap_or("").to_string());
                }
            }
        }
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let missed = chatlint::rules::untriggered_asks(&rules.matcher, &texts);
    assert!(
        missed.is_empty(),
        "add these sentences' ask words to rules/repeated-info/ask-trigger.txt:\n{}",
        missed.join("\n")
    );
}
