//! Counted nouns for messages: "1 version", "2 versions", never "1 versions".

/// `n` and the noun, plural unless `n` is 1. Every noun mfile counts takes a plain `s`, or
/// `es` after an `s` (`alias`).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    let ending = match (n, noun.ends_with('s')) {
        (1, _) => "",
        (_, true) => "es",
        (_, false) => "s",
    };
    format!("{n} {noun}{ending}")
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u64, "version"), "1 version");
        assert_eq!(count(0u64, "point"), "0 points");
        assert_eq!(count(2u32, "run"), "2 runs");
        assert_eq!(count(2u32, "alias"), "2 aliases");
    }
}
