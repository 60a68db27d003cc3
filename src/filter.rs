//! `--include` / `--exclude` globs. A glob without `/` matches the file name at any depth; one
//! with `/` matches the whole relative path (`*` stops at `/`, `**` crosses it). Exclude wins.

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
}

impl Patterns {
    fn build(globs: &[String]) -> Result<Option<Patterns>> {
        if globs.is_empty() {
            return Ok(None);
        }
        let (mut names, mut paths) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        for pattern in globs {
            let glob = compile(pattern)?;
            if pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build =
            |set: GlobSetBuilder| set.build().map_err(|e| usage(format!("invalid glob: {e}")));
        Ok(Some(Patterns {
            names: build(names)?,
            paths: build(paths)?,
        }))
    }

    fn matches(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.names.is_match(name) || self.paths.is_match(path)
    }
}

/// Compiles one glob; an invalid one is a usage error that names it.
fn compile(pattern: &str) -> Result<Glob> {
    GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| usage(format!("invalid glob {}: {}", quote(pattern), e.kind())))
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
    fn glob_detection() {
        assert!(is_glob("*.bin") && is_glob("a/{b,c}") && is_glob("x?"));
        assert!(!is_glob("onnx/model.onnx"));
    }
}
