//! Configuration: the embedded defaults (`rules/defaults.toml`) overlaid with
//! a user's `chatlint.toml`, resolved into immutable [`Settings`].

use crate::rules::{Severity, REGISTRY};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

const DEFAULTS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/defaults.toml"));

/// Resolved policy for one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSettings {
    pub enabled: bool,
    pub weight: f64,
    pub severity: Severity,
    pub critical: bool,
}

/// Everything configurable, resolved. `rules` is aligned with [`REGISTRY`].
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub pass_mark: f64,
    pub rules: Vec<RuleSettings>,
    /// `response-gap`: the longest acceptable wait, in seconds.
    pub max_gap_s: f64,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("invalid configuration: {message}")]
#[diagnostic(code(chatlint::config))]
pub struct ConfigError {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    pass_mark: Option<Spanned<f64>>,
    #[serde(default)]
    rules: RulesConfig,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesConfig {
    greeting: Option<RuleConfig>,
    empathy: Option<RuleConfig>,
    probing: Option<RuleConfig>,
    expectation_setting: Option<RuleConfig>,
    shouting: Option<RuleConfig>,
    im_shorthand: Option<RuleConfig>,
    response_gap: Option<RuleConfig>,
    review_request: Option<RuleConfig>,
    repeated_info: Option<RuleConfig>,
    closing: Option<RuleConfig>,
    further_help: Option<RuleConfig>,
}

impl RulesConfig {
    /// The tables by rule id; a test keeps this in step with the registry.
    fn by_id(&self) -> [(&'static str, &Option<RuleConfig>); 11] {
        [
            ("greeting", &self.greeting),
            ("empathy", &self.empathy),
            ("probing", &self.probing),
            ("expectation-setting", &self.expectation_setting),
            ("shouting", &self.shouting),
            ("im-shorthand", &self.im_shorthand),
            ("response-gap", &self.response_gap),
            ("review-request", &self.review_request),
            ("repeated-info", &self.repeated_info),
            ("closing", &self.closing),
            ("further-help", &self.further_help),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleConfig {
    enabled: Option<bool>,
    weight: Option<Spanned<f64>>,
    severity: Option<Severity>,
    critical: Option<bool>,
    /// Only for `response-gap`.
    max_gap_s: Option<Spanned<f64>>,
}

impl Settings {
    /// The built-in defaults.
    pub fn defaults() -> Settings {
        let mut s = Settings {
            pass_mark: 0.0,
            rules: vec![
                RuleSettings {
                    enabled: true,
                    weight: 0.0,
                    severity: Severity::Warning,
                    critical: false
                };
                REGISTRY.len()
            ],
            max_gap_s: 0.0,
        };
        s.apply("rules/defaults.toml", DEFAULTS)
            .expect("built-in defaults are valid");
        s
    }

    /// Defaults overlaid with the file at `path`.
    pub fn load(path: &Path) -> miette::Result<Settings> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!(
                code = "chatlint::config",
                "cannot read configuration {}: {e}",
                path.display()
            )
        })?;
        let mut s = Settings::defaults();
        s.apply(&path.display().to_string(), &text)
            .map_err(|e| miette::Report::new(*e))?;
        Ok(s)
    }

    /// Overlays one TOML document.
    pub fn apply(&mut self, name: &str, text: &str) -> Result<(), Box<ConfigError>> {
        let err = |message: String,
                   span: Option<std::ops::Range<usize>>,
                   label: &str,
                   help: Option<String>| {
            Box::new(ConfigError {
                message,
                src: NamedSource::new(name, text.to_string()),
                span: span.map(Into::into),
                label: label.to_string(),
                help,
            })
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let help = e.message().contains("unknown field").then(|| {
                "top-level keys: pass_mark, [rules.<id>]; rule keys: enabled, weight, severity, critical, max_gap_s (response-gap only)".to_string()
            });
            err(e.message().to_string(), e.span(), "here", help)
        })?;
        if let Some(pm) = file.pass_mark {
            if !(0.0..=100.0).contains(pm.get_ref()) {
                return Err(err(
                    "pass_mark must be between 0 and 100".into(),
                    Some(pm.span()),
                    "out of range",
                    None,
                ));
            }
            self.pass_mark = *pm.get_ref();
        }
        for (i, (id, cfg)) in file.rules.by_id().into_iter().enumerate() {
            debug_assert_eq!(REGISTRY[i].meta.id, id);
            let Some(cfg) = cfg else { continue };
            let rule = &mut self.rules[i];
            if let Some(w) = &cfg.weight {
                if !(w.get_ref().is_finite() && *w.get_ref() >= 0.0) {
                    return Err(err(
                        "weight must be a number of 0 or more".into(),
                        Some(w.span()),
                        "invalid weight",
                        None,
                    ));
                }
                rule.weight = *w.get_ref();
            }
            if let Some(v) = cfg.enabled {
                rule.enabled = v;
            }
            if let Some(v) = cfg.severity {
                rule.severity = v;
            }
            if let Some(v) = cfg.critical {
                rule.critical = v;
            }
            if let Some(g) = &cfg.max_gap_s {
                if id != "response-gap" {
                    return Err(err(
                        format!("max_gap_s applies only to response-gap, not {id}"),
                        Some(g.span()),
                        "not an option of this rule",
                        None,
                    ));
                }
                if !(g.get_ref().is_finite() && *g.get_ref() >= 0.0) {
                    return Err(err(
                        "max_gap_s must be 0 or more seconds".into(),
                        Some(g.span()),
                        "invalid threshold",
                        None,
                    ));
                }
                self.max_gap_s = *g.get_ref();
            }
        }
        Ok(())
    }

    /// Settings of a rule by id.
    pub fn rule(&self, id: &str) -> Option<&RuleSettings> {
        REGISTRY
            .iter()
            .position(|e| e.meta.id == id)
            .map(|i| &self.rules[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_table_follows_registry_order() {
        let cfg = RulesConfig::default();
        let ids: Vec<_> = cfg.by_id().iter().map(|(id, _)| *id).collect();
        let registry: Vec<_> = REGISTRY.iter().map(|e| e.meta.id).collect();
        assert_eq!(ids, registry);
    }

    #[test]
    fn defaults_cover_every_rule() {
        let s = Settings::defaults();
        assert_eq!(s.pass_mark, 80.0);
        assert_eq!(s.max_gap_s, 30.0);
        assert!(s
            .rules
            .iter()
            .all(|r| r.weight > 0.0 && r.enabled && !r.critical));
    }

    #[test]
    fn overlay_and_errors_point_at_the_line() {
        let mut s = Settings::defaults();
        s.apply("c.toml", "pass_mark = 70\n[rules.shouting]\ncritical = true\n[rules.response-gap]\nmax_gap_s = 60\n").unwrap();
        assert_eq!(s.pass_mark, 70.0);
        assert!(s.rule("shouting").unwrap().critical);
        assert_eq!(s.max_gap_s, 60.0);

        let e = s
            .apply("c.toml", "pass_mark = 70\n[rules.greetin]\nweight = 1\n")
            .unwrap_err();
        assert!(
            e.message.contains("unknown field `greetin`"),
            "{}",
            e.message
        );
        assert_eq!(e.span.unwrap().offset(), 22);
        let e = s
            .apply("c.toml", "[rules.closing]\nmax_gap_s = 5\n")
            .unwrap_err();
        assert!(e.message.contains("only to response-gap"));
        assert!(s.apply("c.toml", "pass_mark = 170\n").is_err());
    }
}
