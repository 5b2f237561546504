//! Helpers shared by the integration tests.

/// Parses `chatlint: N conversation(s) read, S scored, K skipped[; ...]`.
pub fn accounting(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("chatlint: ") && l.contains(" read, "))
        .unwrap_or_else(|| panic!("no accounting line in:\n{stderr}"));
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().unwrap())
        .collect();
    let rest = line.split(';').next().unwrap();
    assert!(
        rest.contains(" read, ") && rest.contains(" scored, ") && rest.ends_with(" skipped"),
        "{line}"
    );
    (nums[0], nums[1], nums[2])
}
