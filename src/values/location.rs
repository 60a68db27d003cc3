//! Where a center lives: a folder, or a bucket named by an `s3://bucket/prefix` URL, with the
//! endpoint, region and credentials to reach it. `config` resolves one ([`Location`]) from the
//! flag, the environment and the files; `center::s3::Bucket` opens a [`BucketSpec`].

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;

use crate::error::usage;

/// The center of one run: a local (or mounted) folder, or a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    Bucket(BucketSpec),
}

/// A bucket and the prefix inside it that holds the center: `s3://bucket` or
/// `s3://bucket/some/prefix`. The prefix has no leading or trailing `/` and may be empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketUrl {
    pub bucket: String,
    pub prefix: String,
}

const MAX_BUCKET: usize = 63;
const MAX_PREFIX: usize = 512;

impl BucketUrl {
    /// True when `text` starts like a URL (`scheme://`): it is then parsed as one, never taken
    /// for a folder.
    pub fn looks_like_url(text: &str) -> bool {
        text.split_once("://").is_some_and(|(scheme, _)| {
            scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
    }

    /// Parses `s3://bucket[/prefix]`. A bucket name is 3-63 of `a-z 0-9 . -` (AWS's rule, which
    /// SeaweedFS, MinIO and R2 share), starting and ending with a letter or digit. Prefix
    /// segments are 1 or more of `A-Z a-z 0-9 . _ - = + @ ~ ,`, never `.` or `..`; one
    /// trailing `/` is allowed.
    pub fn parse(text: &str) -> Result<BucketUrl> {
        let bad = |why: &str| usage(format!("invalid center URL {text:?}: {why}"));
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(bad("expected s3://bucket or s3://bucket/prefix"));
        };
        if scheme != "s3" {
            return Err(bad(&format!(
                "the scheme {scheme}:// is not supported; a center is a folder or s3://bucket/prefix"
            )));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket; expected s3://bucket or s3://bucket/prefix"));
        }
        let bucket_chars = bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
        let ends_ok = [bucket.chars().next(), bucket.chars().last()]
            .iter()
            .all(|c| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        if !(3..=MAX_BUCKET).contains(&bucket.len()) || !bucket_chars || !ends_ok {
            return Err(bad(&format!(
                "invalid bucket name {bucket:?}: use 3-{MAX_BUCKET} characters of a-z 0-9 . -, \
                 starting and ending with a letter or digit"
            )));
        }
        let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
        if prefix.len() > MAX_PREFIX {
            return Err(bad(&format!(
                "the prefix is longer than {MAX_PREFIX} bytes"
            )));
        }
        if !prefix.is_empty() {
            for segment in prefix.split('/') {
                match segment {
                    "" => return Err(bad("empty segment ('//') in the prefix")),
                    "." | ".." => {
                        return Err(bad(&format!("'{segment}' is not allowed in the prefix")));
                    }
                    _ => {}
                }
                if let Some(c) = segment.chars().find(|&c| !prefix_char(c)) {
                    return Err(bad(&format!(
                        "the character {c:?} is not allowed in the prefix; use A-Z a-z 0-9 . _ - = + @ ~ ,"
                    )));
                }
            }
        }
        Ok(BucketUrl {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The URL of `key` inside the center (`s3://bucket/prefix/key`), for messages.
    pub fn of_key(&self, key: &str) -> String {
        if key.is_empty() {
            self.to_string()
        } else {
            format!("{self}/{key}")
        }
    }
}

fn prefix_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '=' | '+' | '@' | '~' | ',')
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Everything needed to reach a bucket center, resolved by `config`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketSpec {
    pub url: BucketUrl,
    /// `http(s)://host[:port]` of an S3-compatible server; `None` is AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// `None` when no source had any: opening the bucket then fails, naming the variables.
    pub credentials: Option<Credentials>,
}

/// An access key, from the environment or a profile.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Where they came from, for messages: "AWS_ACCESS_KEY_ID", "profile ci in ~/.aws/credentials".
    pub source: String,
}

/// Never prints the secret or the token.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<hidden>"),
            )
            .field("source", &self.source)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, String) {
        let url = BucketUrl::parse(text).unwrap();
        (url.bucket, url.prefix)
    }

    fn refused(text: &str, says: &str) {
        let err = BucketUrl::parse(text).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2, "{err}");
        assert!(err.to_string().contains(says), "{text}: {err}");
    }

    #[test]
    fn bucket_and_prefix_parse() {
        assert_eq!(ok("s3://team-models"), ("team-models".into(), "".into()));
        assert_eq!(ok("s3://team-models/"), ("team-models".into(), "".into()));
        assert_eq!(
            ok("s3://team.models/prod/v1=a_b"),
            ("team.models".into(), "prod/v1=a_b".into())
        );
        assert_eq!(ok("s3://abc/prod/"), ("abc".into(), "prod".into()));
        let url = BucketUrl::parse("s3://team-models/prod").unwrap();
        assert_eq!(url.to_string(), "s3://team-models/prod");
        assert_eq!(url.of_key("a/b"), "s3://team-models/prod/a/b");
        assert_eq!(url.of_key(""), "s3://team-models/prod");
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        refused("s3://", "no bucket");
        refused("s3:///prefix", "no bucket");
        refused("ftp://bucket/x", "ftp:// is not supported");
        refused("gs://bucket", "gs:// is not supported");
        refused("s3://Team", "invalid bucket name");
        refused("s3://ab", "invalid bucket name");
        refused("s3://-ab", "invalid bucket name");
        refused("s3://my bucket/x", "invalid bucket name");
        refused("s3://bucket/a b", "' ' is not allowed");
        refused("s3://bucket/a/../b", "'..' is not allowed");
        refused("s3://bucket/./b", "'.' is not allowed");
        refused("s3://bucket/a//b", "empty segment");
        refused("s3://bucket/a?x=1", "'?' is not allowed");
        refused(&format!("s3://bucket/{}", "a".repeat(600)), "longer than");
    }

    #[test]
    fn urls_are_told_from_folders() {
        assert!(BucketUrl::looks_like_url("s3://b"));
        assert!(BucketUrl::looks_like_url("ftp://b"));
        assert!(BucketUrl::looks_like_url("s3://"));
        assert!(!BucketUrl::looks_like_url("/data/center"));
        assert!(!BucketUrl::looks_like_url("./a:b"));
        assert!(!BucketUrl::looks_like_url("my folder://x"));
        assert!(!BucketUrl::looks_like_url("://x"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let creds = Credentials {
            access_key_id: "AKIA1".into(),
            secret_access_key: "s3cr3t".into(),
            session_token: Some("tok3n".into()),
            source: "AWS_ACCESS_KEY_ID".into(),
        };
        let shown = format!("{creds:?}");
        assert!(shown.contains("AKIA1"));
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("tok3n"),
            "{shown}"
        );
    }
}
