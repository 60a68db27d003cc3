//! Durations as people write them on a command line (`gc --grace`): a number and a unit, or
//! several (`1h30m`). Units: `s`, `m`, `h`, `d` (24 hours), `w` (7 days).

use std::time::Duration;

use super::names::quote;

const UNITS: [(char, u64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Reads `24h`, `30m`, `0s`, `7d`, `1h30m`; whole seconds, each part a number and a unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{} is not a duration: give a number and a unit, like 30m, 24h or 7d (units s, m, \
             h, d, w)",
            quote(text)
        )
    };
    let mut seconds: u64 = 0;
    let mut number: Option<u64> = None;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            let grown = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(digit)));
            number = Some(grown.ok_or_else(|| format!("{}: too long", bad()))?);
            continue;
        }
        let unit = UNITS.iter().find(|(u, _)| *u == c).map(|(_, s)| *s);
        let (Some(n), Some(unit)) = (number.take(), unit) else {
            return Err(bad());
        };
        seconds = n
            .checked_mul(unit)
            .and_then(|s| seconds.checked_add(s))
            .ok_or_else(|| format!("{}: too long", bad()))?;
    }
    if number.is_some() || text.is_empty() {
        return Err(bad()); // a number without its unit, or nothing
    }
    Ok(Duration::from_secs(seconds))
}

/// The shortest way [`parse_duration`] reads back: `1d`, `1h30m`, `0s`.
pub fn show_duration(duration: Duration) -> String {
    let mut left = duration.as_secs();
    if left == 0 {
        return "0s".into();
    }
    let mut text = String::new();
    for (unit, size) in UNITS.iter().skip(1) {
        if left >= *size {
            text.push_str(&format!("{}{unit}", left / size));
            left %= size;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        let secs = |text: &str| parse_duration(text).map(|d| d.as_secs());
        assert_eq!(secs("24h"), Ok(86_400));
        assert_eq!(secs("30m"), Ok(1_800));
        assert_eq!(secs("0s"), Ok(0));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("2w"), Ok(1_209_600));
        assert_eq!(secs("1h30m"), Ok(5_400));
        for bad in [
            "",
            "24",
            "h",
            "1.5h",
            "-1h",
            "1 h",
            "1y",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} is refused");
        }
        assert!(
            parse_duration("99999999999999w").is_err(),
            "an overflow is refused"
        );
    }

    #[test]
    fn durations_show_in_the_largest_units() {
        let show = |secs| show_duration(Duration::from_secs(secs));
        assert_eq!(show(0), "0s");
        assert_eq!(show(86_400), "1d");
        assert_eq!(show(5_400), "1h30m");
        assert_eq!(show(90_061), "1d1h1m1s");
        for text in ["24h", "7d", "45s", "1h30m"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&show_duration(d)), Ok(d));
        }
    }
}
