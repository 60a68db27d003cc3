//! Endpoint, region and keys of a bucket center, found the way AWS tools find them. The
//! environment beats mfile's config file, which beats the AWS profile files:
//!
//! - keys: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), else the
//!   profile (`AWS_PROFILE`, else `default`) in `~/.aws/credentials`
//!   (`AWS_SHARED_CREDENTIALS_FILE`), else in `~/.aws/config` (`AWS_CONFIG_FILE`);
//! - region: `AWS_REGION`, `AWS_DEFAULT_REGION`, `"region"` in config.json, the profile's
//!   `region`, else `us-east-1`;
//! - endpoint: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `"endpoint"` in config.json, the
//!   profile's `endpoint_url`, else AWS itself.
//!
//! object_store reads none of the profile files, hence the small INI reader here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::usage;
use crate::values::location::{BucketSpec, BucketUrl, Credentials};

const DEFAULT_REGION: &str = "us-east-1";

/// The process's environment, passed in so tests can give their own.
pub(super) struct Env<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<&'a Path>,
}

impl Env<'_> {
    /// A variable that is set and not empty.
    fn get(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.is_empty())
    }

    /// `$var`, else `~/.aws/<name>`; a leading `~/` is the home folder, as for the AWS CLI.
    fn aws_file(&self, var: &str, name: &str) -> Option<PathBuf> {
        match self.get(var) {
            Some(path) => match (path.strip_prefix("~/"), self.home) {
                (Some(rest), Some(home)) => Some(home.join(rest)),
                _ => Some(PathBuf::from(path)),
            },
            None => self.home.map(|home| home.join(".aws").join(name)),
        }
    }
}

/// What mfile's own config file says about a URL center.
pub(super) struct CenterConfig {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// The file, for messages.
    pub file: Option<PathBuf>,
}

pub(super) fn bucket_spec(url: BucketUrl, config: &CenterConfig, env: &Env) -> Result<BucketSpec> {
    let profile = Profile::load(env)?;
    let region = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .or_else(|| config.region.clone())
        .or_else(|| profile.config("region"))
        .unwrap_or_else(|| DEFAULT_REGION.to_string());
    let config_file = || match &config.file {
        Some(file) => format!("\"endpoint\" in {}", file.display()),
        None => "the config file".to_string(),
    };
    let endpoint = [
        env.get("AWS_ENDPOINT_URL_S3")
            .map(|e| (e, "AWS_ENDPOINT_URL_S3".to_string())),
        env.get("AWS_ENDPOINT_URL")
            .map(|e| (e, "AWS_ENDPOINT_URL".to_string())),
        config.endpoint.clone().map(|e| (e, config_file())),
        profile
            .config("endpoint_url")
            .map(|e| (e, format!("endpoint_url in {}", profile.describe_config()))),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|(endpoint, source)| check_endpoint(&endpoint, &source))
    .transpose()?;
    Ok(BucketSpec {
        url,
        endpoint,
        region,
        credentials: credentials(env, &profile)?,
    })
}

/// An endpoint is `http(s)://host[:port]`, perhaps with a path; a trailing `/` is dropped.
fn check_endpoint(endpoint: &str, source: &str) -> Result<String> {
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    if host.is_none_or(str::is_empty) || endpoint.chars().any(|c| c.is_whitespace()) {
        return Err(usage(format!(
            "invalid S3 endpoint {endpoint:?} (from {source}): expected http://host:port or https://host"
        )));
    }
    Ok(endpoint.trim_end_matches('/').to_string())
}

fn credentials(env: &Env, profile: &Profile) -> Result<Option<Credentials>> {
    let id = env.get("AWS_ACCESS_KEY_ID");
    let secret = env.get("AWS_SECRET_ACCESS_KEY");
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => {
            return Ok(Some(Credentials {
                access_key_id,
                secret_access_key,
                session_token: env.get("AWS_SESSION_TOKEN"),
                source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string(),
            }));
        }
        (Some(_), None) => {
            return Err(usage(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither",
            ));
        }
        (None, Some(_)) => {
            return Err(usage(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither",
            ));
        }
        (None, None) => {}
    }
    for (section, file) in [
        (&profile.credentials, &profile.credentials_file),
        (&profile.config, &profile.config_file),
    ] {
        let Some(section) = section else { continue };
        let get = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
        let where_ = || {
            format!(
                "profile {} in {}",
                profile.name,
                file.as_deref()
                    .map_or("?".into(), |f| f.display().to_string())
            )
        };
        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                return Ok(Some(Credentials {
                    access_key_id,
                    secret_access_key,
                    session_token: get("aws_session_token"),
                    source: where_(),
                }));
            }
            (None, None) => {}
            _ => {
                return Err(usage(format!(
                    "{} has only one of aws_access_key_id and aws_secret_access_key",
                    where_()
                )));
            }
        }
    }
    Ok(None)
}

type Section = HashMap<String, String>;

/// The selected profile's sections of the two AWS files.
struct Profile {
    name: String,
    credentials: Option<Section>,
    credentials_file: Option<PathBuf>,
    config: Option<Section>,
    config_file: Option<PathBuf>,
}

impl Profile {
    fn load(env: &Env) -> Result<Profile> {
        let named = env.get("AWS_PROFILE");
        let name = named.clone().unwrap_or_else(|| "default".to_string());
        let credentials_file = env.aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
        let config_file = env.aws_file("AWS_CONFIG_FILE", "config");
        let mut credentials = read_ini(credentials_file.as_deref())?;
        let mut config = read_ini(config_file.as_deref())?;
        // ~/.aws/config names a profile `[profile NAME]`, except `[default]`.
        let config_section = config.remove(&format!("profile {name}")).or_else(|| {
            (name == "default")
                .then(|| config.remove("default"))
                .flatten()
        });
        let profile = Profile {
            credentials: credentials.remove(&name),
            config: config_section,
            name,
            credentials_file,
            config_file,
        };
        if named.is_some() && profile.credentials.is_none() && profile.config.is_none() {
            return Err(usage(format!(
                "the profile {} (AWS_PROFILE) is in neither {} nor {}",
                profile.name,
                profile.describe_credentials(),
                profile.describe_config()
            )));
        }
        Ok(profile)
    }

    /// A setting of the profile in the config file.
    fn config(&self, key: &str) -> Option<String> {
        self.config
            .as_ref()?
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
    }

    fn describe_config(&self) -> String {
        describe(self.config_file.as_deref(), "~/.aws/config")
    }

    fn describe_credentials(&self) -> String {
        describe(self.credentials_file.as_deref(), "~/.aws/credentials")
    }
}

fn describe(file: Option<&Path>, default: &str) -> String {
    file.map_or(default.to_string(), |f| f.display().to_string())
}

/// The sections of an AWS INI file; a missing file (or none) has none.
fn read_ini(file: Option<&Path>) -> Result<HashMap<String, Section>> {
    let Some(file) = file else {
        return Ok(HashMap::new());
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", file.display())),
    };
    parse_ini(&text).map_err(|(line, why)| usage(format!("{}:{line}: {why}", file.display())))
}

/// Parses the INI dialect of `~/.aws/credentials` and `~/.aws/config`: `[section]` headers,
/// `key = value` lines (keys lower-cased, values trimmed), `#` and `;` comment lines. An
/// indented line continues the key above it, as in the nested `s3 =` block of the config file,
/// and is skipped, so a nested `endpoint_url` is never taken for the profile's own. Errors are
/// (line number, why).
pub(super) fn parse_ini(text: &str) -> Result<HashMap<String, Section>, (usize, String)> {
    let mut sections: HashMap<String, Section> = HashMap::new();
    let mut current: Option<String> = None;
    let mut key_above = false;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) && key_above {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[') {
            let Some(name) = inner.strip_suffix(']') else {
                return Err((index + 1, format!("a section header lacks its ']': {line}")));
            };
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            sections.entry(name.clone()).or_default();
            current = Some(name);
            key_above = false;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err((index + 1, format!("expected key = value, found {line:?}")));
        };
        let Some(section) = &current else {
            return Err((index + 1, "a setting before any [section]".to_string()));
        };
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        key_above = true;
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_keys_comments_and_nesting() {
        let text = "\
# comment
[default]
aws_access_key_id = AKIA1
Aws_Secret_Access_Key=  sec=ret  
; another comment

[profile  ci]
region = eu-west-1
s3 =
    endpoint_url = http://nested:1
    max_concurrent_requests = 20
endpoint_url = http://top:2
";
        let ini = parse_ini(text).unwrap();
        let default = &ini["default"];
        assert_eq!(default["aws_access_key_id"], "AKIA1");
        assert_eq!(default["aws_secret_access_key"], "sec=ret");
        let ci = &ini["profile ci"];
        assert_eq!(ci["region"], "eu-west-1");
        assert_eq!(ci["endpoint_url"], "http://top:2");
        assert_eq!(ci["s3"], "");
        assert!(!ci.contains_key("max_concurrent_requests"));
    }

    #[test]
    fn ini_errors_name_the_line() {
        assert_eq!(parse_ini("[a]\nnot a setting\n").unwrap_err().0, 2);
        assert_eq!(parse_ini("key = before\n").unwrap_err().0, 1);
        assert_eq!(parse_ini("\n[broken\n").unwrap_err().0, 2);
        assert!(parse_ini("").unwrap().is_empty());
    }

    struct Home {
        dir: tempfile::TempDir,
    }

    impl Home {
        fn new(credentials: &str, config: &str) -> Home {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join(".aws")).unwrap();
            std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
            std::fs::write(dir.path().join(".aws/config"), config).unwrap();
            Home { dir }
        }

        fn spec(&self, vars: &[(&str, &str)], config: &CenterConfig) -> Result<BucketSpec> {
            let vars: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let var = move |name: &str| vars.get(name).cloned();
            let env = Env {
                var: &var,
                home: Some(self.dir.path()),
            };
            bucket_spec(BucketUrl::parse("s3://team/prod")?, config, &env)
        }
    }

    const NO_CONFIG: CenterConfig = CenterConfig {
        endpoint: None,
        region: None,
        file: None,
    };

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[ci]
aws_access_key_id = AKIACI
aws_secret_access_key = ci-secret
aws_session_token = ci-token
";

    const CONFIG: &str = "\
[default]
region = eu-central-1

[profile ci]
region = ap-south-1
endpoint_url = http://minio.ci:9000/

[profile only-config]
aws_access_key_id = AKIACONFIG
aws_secret_access_key = config-secret
";

    #[test]
    fn the_default_profile_is_read_from_both_files() {
        let home = Home::new(CREDENTIALS, CONFIG);
        let spec = home.spec(&[], &NO_CONFIG).unwrap();
        let creds = spec.credentials.unwrap();
        assert_eq!(creds.access_key_id, "AKIADEFAULT");
        assert_eq!(creds.secret_access_key, "default-secret");
        assert_eq!(creds.session_token, None);
        assert!(
            creds.source.contains("profile default in"),
            "{}",
            creds.source
        );
        assert_eq!(spec.region, "eu-central-1");
        assert_eq!(spec.endpoint, None);
    }

    #[test]
    fn aws_profile_picks_a_profile_and_its_endpoint() {
        let home = Home::new(CREDENTIALS, CONFIG);
        let spec = home.spec(&[("AWS_PROFILE", "ci")], &NO_CONFIG).unwrap();
        let creds = spec.credentials.unwrap();
        assert_eq!(creds.access_key_id, "AKIACI");
        assert_eq!(creds.session_token.as_deref(), Some("ci-token"));
        assert_eq!(spec.region, "ap-south-1");
        assert_eq!(spec.endpoint.as_deref(), Some("http://minio.ci:9000"));

        // Keys may live in the config file too.
        let spec = home
            .spec(&[("AWS_PROFILE", "only-config")], &NO_CONFIG)
            .unwrap();
        assert_eq!(spec.credentials.unwrap().access_key_id, "AKIACONFIG");
        assert_eq!(spec.region, DEFAULT_REGION);
    }

    #[test]
    fn the_environment_beats_the_config_file_beats_the_profile() {
        let home = Home::new(CREDENTIALS, CONFIG);
        let config = CenterConfig {
            endpoint: Some("http://127.0.0.1:8333".into()),
            region: Some("us-west-2".into()),
            file: None,
        };
        let vars = [
            ("AWS_PROFILE", "ci"),
            ("AWS_ACCESS_KEY_ID", "AKIAENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_SESSION_TOKEN", "env-token"),
            ("AWS_DEFAULT_REGION", "sa-east-1"),
            ("AWS_ENDPOINT_URL", "https://s3.example.com"),
        ];
        let spec = home.spec(&vars, &config).unwrap();
        let creds = spec.credentials.unwrap();
        assert_eq!(creds.access_key_id, "AKIAENV");
        assert_eq!(creds.session_token.as_deref(), Some("env-token"));
        assert_eq!(spec.region, "sa-east-1");
        assert_eq!(spec.endpoint.as_deref(), Some("https://s3.example.com"));

        let mut more = vars.to_vec();
        more.push(("AWS_REGION", "af-south-1"));
        more.push(("AWS_ENDPOINT_URL_S3", "http://s3only:1"));
        let spec = home.spec(&more, &config).unwrap();
        assert_eq!(spec.region, "af-south-1");
        assert_eq!(spec.endpoint.as_deref(), Some("http://s3only:1"));

        // Without the variables, config.json beats the profile.
        let spec = home.spec(&[("AWS_PROFILE", "ci")], &config).unwrap();
        assert_eq!(spec.region, "us-west-2");
        assert_eq!(spec.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert_eq!(spec.credentials.unwrap().access_key_id, "AKIACI");
    }

    #[test]
    fn no_keys_anywhere_is_none_and_half_keys_are_refused() {
        let home = Home::new("", "");
        assert_eq!(home.spec(&[], &NO_CONFIG).unwrap().credentials, None);
        let err = home
            .spec(&[("AWS_ACCESS_KEY_ID", "AKIA")], &NO_CONFIG)
            .unwrap_err();
        assert!(
            err.to_string().contains("AWS_SECRET_ACCESS_KEY is not"),
            "{err}"
        );
        let home = Home::new("[default]\naws_access_key_id = AKIA\n", "");
        let err = home.spec(&[], &NO_CONFIG).unwrap_err();
        assert!(err.to_string().contains("only one of"), "{err}");
        assert_eq!(crate::error::exit_code(&err), 2);
    }

    #[test]
    fn a_missing_profile_or_a_bad_endpoint_is_a_usage_error() {
        let home = Home::new(CREDENTIALS, CONFIG);
        let err = home
            .spec(&[("AWS_PROFILE", "nope")], &NO_CONFIG)
            .unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        assert!(err.to_string().contains("the profile nope"), "{err}");
        for bad in ["127.0.0.1:8333", "ftp://host", "http://", "http://a b"] {
            let err = home
                .spec(&[("AWS_ENDPOINT_URL", bad)], &NO_CONFIG)
                .unwrap_err();
            assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_file_variables_move_the_files() {
        let home = Home::new("", "");
        let other = home.dir.path().join("elsewhere");
        std::fs::write(
            &other,
            "[default]\naws_access_key_id=A\naws_secret_access_key=B\n",
        )
        .unwrap();
        let conf = home.dir.path().join("conf");
        std::fs::write(&conf, "[default]\nregion = me-south-1\n").unwrap();
        let spec = home
            .spec(
                &[
                    ("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere"),
                    ("AWS_CONFIG_FILE", conf.to_str().unwrap()),
                ],
                &NO_CONFIG,
            )
            .unwrap();
        assert_eq!(spec.credentials.unwrap().access_key_id, "A");
        assert_eq!(spec.region, "me-south-1");
    }
}
