//! Counted nouns for messages: "1 version", "2 versions", never "1 versions".

/// `n` and the noun, plural unless `n` is 1. Every noun mfile counts takes a plain `s`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {noun}{s}")
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u64, "version"), "1 version");
        assert_eq!(count(0u64, "point"), "0 points");
        assert_eq!(count(2u32, "run"), "2 runs");
    }
}
