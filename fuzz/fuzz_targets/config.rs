#![no_main]
//! The configuration file: `Settings::apply` on any text, and its error
//! report rendered.
use chatlint::config::Settings;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut s = Settings::defaults();
    match s.apply("fuzz.toml", text) {
        Ok(()) => {
            assert!((0.0..=100.0).contains(&s.pass_mark));
            for r in &s.rules {
                assert!(r.weight.is_finite() && r.weight >= 0.0);
            }
            let _ = chatlint::rules::RuleSet::new(&s);
        }
        Err(e) => {
            let mut out = String::new();
            let _ = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            )
            .render_report(&mut out, &*e);
        }
    }
});
