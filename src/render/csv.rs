//! `score --format csv`: one row per conversation, one column per rule
//! outcome, plus the score and metrics. Cells that a spreadsheet would run
//! as a formula are neutralised.

use super::Renderer;
use crate::ingest::Place;
use crate::model::Conversation;
use crate::rules::REGISTRY;
use crate::score::Scorecard;

pub struct CsvRenderer {
    /// Registry indices of the enabled rules (the rule columns).
    pub rules: Vec<usize>,
}

/// Prefixes a quote to cells a spreadsheet would treat as a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn secs(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => format!("{v}"),
    }
}

impl CsvRenderer {
    fn write(&self, out: &mut Vec<u8>, cells: &[&str]) {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        w.write_record(cells)
            .expect("writing CSV to memory cannot fail");
        w.flush().expect("writing CSV to memory cannot fail");
    }
}

impl Renderer for CsvRenderer {
    fn begin(&self, out: &mut Vec<u8>) {
        let mut cells = vec![
            "id",
            "agent",
            "team",
            "week",
            "score",
            "passed",
            "auto_failed",
        ];
        cells.extend(self.rules.iter().map(|&i| REGISTRY[i].meta.id));
        cells.extend([
            "first_response_s",
            "max_gap_s",
            "agent_messages",
            "customer_messages",
            "duration_s",
        ]);
        self.write(out, &cells);
    }

    fn record(&self, card: &Scorecard, _: &Conversation, _: Place, out: &mut Vec<u8>) {
        let m = &card.metrics;
        let mut cells: Vec<String> = vec![
            neutralise(card.id).into_owned(),
            neutralise(card.agent.unwrap_or("")).into_owned(),
            neutralise(card.team.unwrap_or("")).into_owned(),
            card.week.map_or_else(String::new, |w| w.to_string()),
            format!("{:.1}", card.score),
            card.passed.to_string(),
            card.auto_failed.to_string(),
        ];
        for &i in &self.rules {
            let outcome = card
                .rules
                .iter()
                .find(|r| r.rule == i)
                .map_or("", |r| r.outcome.as_str());
            cells.push(outcome.to_string());
        }
        cells.extend([
            secs(m.first_response_s),
            secs(m.max_gap_s),
            m.agent_messages.to_string(),
            m.customer_messages.to_string(),
            secs(m.duration_s),
        ]);
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        self.write(out, &refs);
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised() {
        for evil in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(evil).starts_with('\''), "{evil}");
        }
        assert_eq!(neutralise("chat-1"), "chat-1");
    }
}
