//! The scorecard as JSON: the public contract (see the README).

use super::Renderer;
use crate::ingest::Place;
use crate::model::Conversation;
use crate::score::Scorecard;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// Seconds as a JSON number: whole seconds without a fraction.
struct Seconds(Option<f64>);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_none(),
            Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => s.serialize_i64(v as i64),
            Some(v) => s.serialize_f64(v),
        }
    }
}

/// Serialises a scorecard in the contract's field order.
pub struct JsonCard<'a>(pub &'a Scorecard);

impl Serialize for JsonCard<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("id", &c.id)?;
        m.serialize_entry("agent", &c.agent)?;
        m.serialize_entry("team", &c.team)?;
        m.serialize_entry("week", &c.week)?;
        m.serialize_entry("score", &c.score)?;
        m.serialize_entry("passed", &c.passed)?;
        m.serialize_entry("auto_failed", &c.auto_failed)?;
        m.serialize_entry("rules", &Rules(c))?;
        m.serialize_entry("metrics", &Metrics(c))?;
        m.end()
    }
}

struct Rules<'a>(&'a Scorecard);

impl Serialize for Rules<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.rules.len()))?;
        for r in &self.0.rules {
            m.serialize_entry(r.id(), &RuleJson(r))?;
        }
        m.end()
    }
}

struct RuleJson<'a>(&'a crate::score::RuleResult);

impl Serialize for RuleJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("outcome", &self.0.outcome)?;
        m.serialize_entry("findings", &Findings(&self.0.findings))?;
        m.end()
    }
}

struct Findings<'a>(&'a [crate::score::ReportedFinding]);

#[derive(Serialize)]
struct FindingJson<'a> {
    message: usize,
    start: Option<usize>,
    end: Option<usize>,
    excerpt: &'a str,
    note: &'a str,
}

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|f| FindingJson {
            message: f.message,
            start: f.start,
            end: f.end,
            excerpt: &f.excerpt,
            note: &f.note,
        }))
    }
}

struct Metrics<'a>(&'a Scorecard);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = &self.0.metrics;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("first_response_s", &Seconds(x.first_response_s))?;
        m.serialize_entry("max_gap_s", &Seconds(x.max_gap_s))?;
        m.serialize_entry("agent_messages", &x.agent_messages)?;
        m.serialize_entry("customer_messages", &x.customer_messages)?;
        m.serialize_entry("duration_s", &Seconds(x.duration_s))?;
        m.end()
    }
}

/// One scorecard per line.
pub struct JsonlRenderer;

impl Renderer for JsonlRenderer {
    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        serde_json::to_writer(&mut *out, &JsonCard(card))
            .expect("writing JSON to memory cannot fail");
        out.push(b'\n');
    }
}

/// One JSON array of scorecards, one per line.
pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"[\n");
    }
    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        serde_json::to_writer(&mut *out, &JsonCard(card))
            .expect("writing JSON to memory cannot fail");
    }
    fn separator(&self) -> &'static [u8] {
        b",\n"
    }
    fn end(&self, summary: &crate::summary::Summary, out: &mut Vec<u8>) {
        out.extend_from_slice(if summary.scored > 0 { b"\n]\n" } else { b"]\n" });
    }
}
