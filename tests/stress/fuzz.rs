//! Property-based fuzzing (proptest) of what takes untrusted text: name and path validation,
//! globs, and the metric parsers. Random and shrunk inputs; any failure found becomes a named
//! regression case below. The short run tries 512 inputs per property; the full run
//! (`MFILE_STRESS=full`) 100,000.

use proptest::prelude::*;

use mfile::filter::PathFilter;
use mfile::tracking::parse::{CsvLog, parse_json_line, parse_number};
use mfile::values::names::{RelPath, check_name};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: crate::common::size(512, 100_000) as u32,
        failure_persistence: None, // regressions are written down as tests, not files
        ..ProptestConfig::default()
    }
}

/// Text that is mostly path-like: separators, dots, globs, controls and any Unicode.
fn path_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("/".to_string()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just("*".to_string()),
            Just("**".to_string()),
            Just("\0".to_string()),
            Just("\n".to_string()),
            "[a-z]{1,3}",
            any::<char>().prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// The name rule for ASCII text: 1-128 of `A-Z a-z 0-9 . _ -` and inner spaces, starting with
/// a letter or digit.
fn is_valid_ascii_name(text: &str) -> bool {
    let mut chars = text.chars();
    (1..=128).contains(&text.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._- ".contains(c))
        && !text.ends_with(' ')
}

/// What any accepted name holds, whatever its script: it can be a folder name and is shown as
/// it is (docs/center-layout.md, Names).
fn holds_for_an_accepted_name(text: &str) -> bool {
    use unicode_normalization::is_nfc;
    text.chars().count() <= 128
        && text.len() <= 255
        && is_nfc(text)
        && text.chars().next().is_some_and(char::is_alphanumeric)
        && !text.ends_with(' ')
        && !text
            .chars()
            .any(|c| c.is_control() || "/\\@".contains(c) || c.is_whitespace() && c != ' ')
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn names_are_accepted_exactly_by_the_rule(text in prop_oneof![path_text(), "[A-Za-z0-9._-]{0,130}"]) {
        let accepted = check_name("model", &text).is_ok();
        if text.is_ascii() {
            prop_assert_eq!(accepted, is_valid_ascii_name(&text));
        }
        if accepted {
            prop_assert!(holds_for_an_accepted_name(&text), "{:?}", text);
        }
    }

    #[test]
    fn paths_never_escape_and_normalise_once(text in path_text()) {
        if let Ok(path) = RelPath::parse("path", &text) {
            let s = path.as_str();
            prop_assert!(!s.starts_with('/'));
            prop_assert!(s.split('/').all(|part| part != ".." && part != "." && (s.is_empty() || !part.is_empty())));
            prop_assert!(!s.chars().any(char::is_control));
            let again = RelPath::parse("path", s).unwrap();
            prop_assert_eq!(again.as_str(), s);
            prop_assert!(path.covers(s));
        }
    }

    #[test]
    fn globs_never_panic(pattern in path_text(), path in path_text()) {
        if let Ok(filter) = PathFilter::new(std::slice::from_ref(&pattern), std::slice::from_ref(&pattern)) {
            // the pattern is both included and excluded: exclude wins
            prop_assert!(!filter.matches(&path));
        }
    }

    #[test]
    fn numbers_read_back_bit_exact(value in any::<f64>()) {
        let text = format!("{value}");
        let parsed = parse_number(&text).unwrap();
        prop_assert!(parsed.to_bits() == value.to_bits() || (value.is_nan() && parsed.is_nan()));
        if value.is_finite() {
            let points = parse_json_line(&format!(r#"{{"step": 1, "loss": {value}}}"#)).unwrap();
            prop_assert_eq!(points[0].value.to_bits(), value.to_bits());
        }
    }

    #[test]
    fn json_lines_never_panic(line in prop_oneof![".{0,80}", r#"\{"[a-z]{1,4}": [-+0-9.eE]{0,12}(, "step": [-0-9]{0,20})?\}"#]) {
        let _ = parse_json_line(&line);
    }

    #[test]
    fn csv_logs_never_panic(lines in prop::collection::vec(r#"[a-z0-9,."\- ]{0,30}"#, 0..8)) {
        let mut log = CsvLog::default();
        for (number, line) in (1..).zip(&lines) {
            let _ = log.line(number, line);
        }
        let _ = log.finish();
    }
}

#[test]
fn fuzz_regressions() {
    // Found by the crash suite, then kept here: JSON values are read back bit-exact.
    let points = parse_json_line(r#"{"loss": 90.28571428571429}"#).unwrap();
    assert_eq!(points[0].value.to_bits(), (632.0_f64 / 7.0).to_bits());
    // Found when names left ASCII (issue 14): a Glagolitic capital is a letter, so a name.
    assert!(check_name("model", "\u{2c00}").is_ok());
    assert!(holds_for_an_accepted_name("\u{2c00}"));
    eprintln!(
        "stress: fuzz: 6 properties x {} inputs, 0 failures",
        crate::common::size(512, 100_000)
    );
}
