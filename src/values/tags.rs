//! Tags as `KEY=VALUE` text: `mfile tag`, `--tag` filters and the page's `tag=` parameter.

use anyhow::Result;

use crate::error::usage;
use crate::values::names::quote;

/// `KEY=VALUE` pairs, split at the first `=`; `what` names them in errors (`--tag`).
pub fn parse_tags(what: &str, texts: &[String]) -> Result<Vec<(String, String)>> {
    texts
        .iter()
        .map(|text| match text.split_once('=') {
            Some((key, value)) => Ok((check_key(what, key)?.to_string(), value.to_string())),
            None => Err(usage(format!(
                "invalid {what} {}: use KEY=VALUE",
                quote(text)
            ))),
        })
        .collect()
}

/// A tag's key: not empty, no control characters.
pub fn check_key<'a>(what: &str, key: &'a str) -> Result<&'a str> {
    if key.is_empty() || key.chars().any(char::is_control) {
        return Err(usage(format!(
            "invalid {what} key {}: use a key of printable characters, as in KEY=VALUE",
            quote(key)
        )));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<(String, String)> {
        parse_tags("--tag", &[text.to_string()]).map(|mut v| v.remove(0))
    }

    #[test]
    fn tags_split_at_the_first_equals() {
        assert_eq!(one("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(one("empty=").unwrap(), ("empty".into(), "".into()));
        assert!(one("novalue").is_err());
        assert!(one("=x").is_err());
        assert!(one("a\u{1b}=x").is_err());
    }
}
