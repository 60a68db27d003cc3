//! `--include` / `--exclude` globs. A glob without `/` matches the file name at any depth; one
//! with `/` matches the whole relative path (`*` stops at `/`, `**` crosses it). Exclude wins.
//! Alternatives are written `{*.csv,*.xlsx}` or, as the Python library's users wrote them,
//! `*.csv|*.xlsx` (a `|` inside `[...]` or `{...}`, or escaped `\|`, is a literal `|`).
//! The filter remembers which include patterns matched a path, so a command can say which
//! matched nothing.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::Result;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::usage;
use crate::values::names::quote;

#[derive(Debug, Default)]
pub struct PathFilter {
    include: Option<Patterns>,
    exclude: Option<Patterns>,
}

#[derive(Debug)]
struct Patterns {
    names: GlobSet,
    paths: GlobSet,
    /// The argument each glob of `names` and of `paths` came from.
    name_args: Vec<usize>,
    path_args: Vec<usize>,
    /// The arguments as given, and which have matched a path so far.
    given: Vec<String>,
    matched: Vec<AtomicBool>,
    matched_count: AtomicUsize,
}

impl PathFilter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(PathFilter {
            include: Patterns::build(include)?,
            exclude: Patterns::build(exclude)?,
        })
    }

    /// Does the relative path `path` (`a/b/c.json`) pass?
    pub fn matches(&self, path: &str) -> bool {
        let included = self.include.as_ref().is_none_or(|p| p.matches(path));
        let excluded = self.exclude.as_ref().is_some_and(|p| p.matches(path));
        included && !excluded
    }

    /// The `--include` patterns no path given to [`PathFilter::matches`] has matched.
    pub fn unmatched_includes(&self) -> Vec<&str> {
        self.include
            .as_ref()
            .map_or_else(Vec::new, Patterns::unmatched)
    }
}

impl Patterns {
    fn build(globs: &[String]) -> Result<Option<Patterns>> {
        if globs.is_empty() {
            return Ok(None);
        }
        let (mut names, mut paths) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let (mut name_args, mut path_args) = (Vec::new(), Vec::new());
        for (arg, given) in globs.iter().enumerate() {
            for pattern in alternatives(given) {
                let glob = compile(&pattern, given)?;
                if pattern.contains('/') {
                    paths.add(glob);
                    path_args.push(arg);
                } else {
                    names.add(glob);
                    name_args.push(arg);
                }
            }
        }
        let build =
            |set: GlobSetBuilder| set.build().map_err(|e| usage(format!("invalid glob: {e}")));
        Ok(Some(Patterns {
            names: build(names)?,
            paths: build(paths)?,
            name_args,
            path_args,
            given: globs.to_vec(),
            matched: globs.iter().map(|_| AtomicBool::new(false)).collect(),
            matched_count: AtomicUsize::new(0),
        }))
    }

    fn matches(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        if self.matched_count.load(Ordering::Relaxed) == self.given.len() {
            return self.names.is_match(name) || self.paths.is_match(path);
        }
        // Until every pattern has matched once, learn which ones do.
        let by_name = self
            .names
            .matches(name)
            .into_iter()
            .map(|i| self.name_args[i]);
        let by_path = self
            .paths
            .matches(path)
            .into_iter()
            .map(|i| self.path_args[i]);
        let mut any = false;
        for arg in by_name.chain(by_path) {
            any = true;
            if !self.matched[arg].swap(true, Ordering::Relaxed) {
                self.matched_count.fetch_add(1, Ordering::Relaxed);
            }
        }
        any
    }

    fn unmatched(&self) -> Vec<&str> {
        self.given
            .iter()
            .zip(&self.matched)
            .filter(|(_, matched)| !matched.load(Ordering::Relaxed))
            .map(|(given, _)| given.as_str())
            .collect()
    }
}

/// `a|b` as `a` and `b`; a `|` inside `[...]` or `{...}` or after `\` stays in its pattern.
fn alternatives(pattern: &str) -> Vec<String> {
    let (mut parts, mut current) = (Vec::new(), String::new());
    let (mut braces, mut in_class, mut escaped) = (0usize, false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => braces += 1,
            '}' if !in_class => braces = braces.saturating_sub(1),
            '|' if !in_class && braces == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// Compiles one glob (one alternative of `given`); an invalid one is a usage error that names
/// what was given.
fn compile(pattern: &str, given: &str) -> Result<Glob> {
    let invalid = |why: String| usage(format!("invalid glob {}: {why}", quote(given)));
    if pattern.is_empty() {
        return Err(invalid("an alternative between '|' is empty".into()));
    }
    GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| invalid(e.kind().to_string()))
}

/// True when an argument should be read as a glob rather than a literal path.
pub fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '[', '{'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> PathFilter {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        PathFilter::new(&own(include), &own(exclude)).unwrap()
    }

    #[test]
    fn empty_filter_matches_everything() {
        assert!(filter(&[], &[]).matches("a/b/c.bin"));
    }

    #[test]
    fn glob_without_slash_matches_name_at_any_depth() {
        let f = filter(&["*.json"], &[]);
        assert!(f.matches("config.json"));
        assert!(f.matches("a/b/tokenizer.json"));
        assert!(!f.matches("a/json.bin"));
    }

    #[test]
    fn glob_with_slash_matches_the_path() {
        let f = filter(&["onnx/*.onnx"], &[]);
        assert!(f.matches("onnx/model.onnx"));
        assert!(!f.matches("onnx/deep/model.onnx"), "* must not cross /");
        assert!(!f.matches("model.onnx"));
        let deep = filter(&["onnx/**/*.onnx"], &[]);
        assert!(deep.matches("onnx/deep/er/model.onnx"));
        assert!(deep.matches("onnx/model.onnx"));
        assert!(filter(&["./onnx/*"], &[]).matches("onnx/x"));
    }

    #[test]
    fn exclude_wins() {
        let f = filter(&["*.json"], &["secret*"]);
        assert!(f.matches("a/config.json"));
        assert!(!f.matches("a/secret.json"));
        assert!(!filter(&[], &["*.tmp"]).matches("x/y.tmp"));
    }

    #[test]
    fn invalid_glob_is_a_usage_error() {
        let err = PathFilter::new(&["a[".to_string()], &[]).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        assert!(err.to_string().contains("invalid glob 'a['"), "{err}");
    }

    #[test]
    fn alternatives_with_braces_or_bars() {
        for include in ["{*.csv,*.xlsx}", "*.csv|*.xlsx"] {
            let f = filter(&[include], &[]);
            assert!(f.matches("a.csv") && f.matches("d/b.xlsx"), "{include}");
            assert!(!f.matches("c.json"), "{include}");
        }
        assert_eq!(
            alternatives("a|{b|c}|[|]|d\\|e"),
            ["a", "{b|c}", "[|]", "d\\|e"]
        );
        let err = PathFilter::new(&["*.csv|".to_string()], &[]).unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
    }

    #[test]
    fn includes_that_matched_nothing_are_named() {
        let f = filter(&["*.csv|*.xlsx", "*.parquet", "data/*"], &["*.tmp"]);
        for path in ["a.xlsx", "data/x.tmp", "b.bin"] {
            f.matches(path);
        }
        assert_eq!(f.unmatched_includes(), ["*.parquet"]);
        assert!(filter(&[], &["*.tmp"]).unmatched_includes().is_empty());
    }

    #[test]
    fn glob_detection() {
        assert!(is_glob("*.bin") && is_glob("a/{b,c}") && is_glob("x?"));
        assert!(!is_glob("onnx/model.onnx"));
    }
}
