//! The README's rule table must match the built-in defaults.

use chatlint::config::Settings;
use chatlint::rules::REGISTRY;

#[test]
fn readme_rule_table_matches_the_defaults() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let defaults = Settings::defaults();
    for (i, entry) in REGISTRY.iter().enumerate() {
        let id = entry.meta.id;
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{id}` |")))
            .unwrap_or_else(|| panic!("README has no rule table row for {id}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let weight: f64 = cells[2].parse().unwrap();
        assert_eq!(weight, defaults.rules[i].weight, "README weight of {id}");
        assert_eq!(
            cells[3],
            defaults.rules[i].severity.as_str(),
            "README severity of {id}"
        );
    }
}
