//! The only place that reads environment variables, the config files and platform folders.
//! Turns the parsed global options into [`Settings`], which `commands::Ctx` is made from.
//! A center given as a URL gets its endpoint, region and keys the way AWS tools find them
//! ([`aws`]).

mod aws;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::error::usage;
use crate::values::location::{BucketUrl, Location};

pub const CENTER_ENV: &str = "MFILE_CENTER";
/// The path of the system-wide config file; set but empty, there is none.
pub const SYSTEM_CONFIG_ENV: &str = "MFILE_CONFIG";
/// The system-wide config file when `MFILE_CONFIG` is not set: a team's default, set once per
/// machine by whoever runs it.
pub const SYSTEM_CONFIG: &str = "/etc/mfile/config.json";

/// Resolved settings for one command run.
#[derive(Debug)]
pub struct Settings {
    /// The center's folder; for a center in a bucket, this machine's cache of it.
    pub center: PathBuf,
    /// Where the center is: the folder above, or a bucket.
    pub location: Location,
    /// Where the choice of that center came from.
    pub chosen_by: ChosenBy,
    pub json: bool,
    pub quiet: bool,
    /// The user runs are recorded for: $MFILE_USER, else the OS user.
    pub user: String,
}

/// What chose the center: the first of these that names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    UserConfig,
    SystemConfig,
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::UserConfig => "user-config",
            Source::SystemConfig => "system-config",
            Source::Default => "default",
        }
    }
}

/// Where the center in use came from: the source, and its file when it is a config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenBy {
    pub source: Source,
    pub file: Option<PathBuf>,
}

/// A config file: the user's `<config dir>/mfile/config.json` or the system's
/// (`$MFILE_CONFIG`, else `/etc/mfile/config.json`). `endpoint` and `region` apply when the
/// center is a URL.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    center: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
}

/// This machine's cache of a center in object storage: `<data dir>/mfile/cache/<bucket>-<hash
/// of the endpoint and the URL>` (the same bucket name on two servers is two centers).
/// Deleting it loses nothing; it is rebuilt from the bucket.
fn cache_folder(data_dir: Option<&Path>, endpoint: Option<&str>, url: &str) -> Result<PathBuf> {
    let Some(data_dir) = data_dir else {
        return Err(usage(format!(
            "no home folder to keep a cache of {url} in; set HOME or XDG_DATA_HOME"
        )));
    };
    let bucket = url
        .trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap_or("");
    let server = endpoint.unwrap_or("aws");
    let hash = blake3::hash(format!("{server} {url}").as_bytes()).to_hex();
    Ok(data_dir.join(format!("mfile/cache/{bucket}-{}", &hash[..16])))
}

/// Where the center comes from, before it is resolved.
struct Sources<'a> {
    flag: Option<&'a Path>,
    env: Option<&'a Path>,
    /// `<config dir>/mfile/config.json`.
    user_file: Option<&'a Path>,
    /// `$MFILE_CONFIG`, else `/etc/mfile/config.json`; `None` when `MFILE_CONFIG` is empty.
    system_file: Option<&'a Path>,
    data_dir: Option<&'a Path>,
}

impl Settings {
    pub fn from_args(global: &GlobalArgs) -> Result<Settings> {
        let dirs = directories::BaseDirs::new();
        let user_file = dirs
            .as_ref()
            .map(|d| d.config_dir().join("mfile/config.json"));
        let system_file = system_config_file()?;
        let data_dir = dirs.as_ref().map(|d| d.data_dir().to_path_buf());
        let env_center = std::env::var_os(CENTER_ENV).map(PathBuf::from);
        let sources = Sources {
            flag: global.center.as_deref(),
            env: env_center.as_deref(),
            user_file: user_file.as_deref(),
            system_file: system_file.as_deref(),
            data_dir: data_dir.as_deref(),
        };
        let aws_env = aws::Env {
            var: &|name| std::env::var(name).ok(),
            home: dirs.as_ref().map(|d| d.home_dir()),
        };
        let (location, chosen_by) = resolve_location(&sources, &aws_env)?;
        let center = match &location {
            Location::Local(dir) => dir.clone(),
            Location::Bucket(spec) => {
                let endpoint = spec.endpoint.as_deref();
                cache_folder(data_dir.as_deref(), endpoint, &spec.url.to_string())?
            }
        };
        Ok(Settings {
            center,
            location,
            chosen_by,
            json: global.json,
            quiet: global.quiet,
            user: crate::values::names::nfc(&user_name()),
        })
    }
}

/// The system-wide config file: `$MFILE_CONFIG` (made absolute, so a relative center in it is
/// relative to its folder), none when that is set but empty, else `/etc/mfile/config.json`.
fn system_config_file() -> Result<Option<PathBuf>> {
    match std::env::var_os(SYSTEM_CONFIG_ENV) {
        None => Ok(Some(PathBuf::from(SYSTEM_CONFIG))),
        Some(path) if path.is_empty() => Ok(None),
        Some(path) => std::path::absolute(&path)
            .map(Some)
            .with_context(|| format!("could not resolve {SYSTEM_CONFIG_ENV}={path:?}")),
    }
}

/// First match wins for the center: the flag, the environment, the user's config file, the
/// system's config file, the platform data folder. A URL center then takes its endpoint,
/// region and keys from the environment, the config files (each key from the user's file,
/// else the system's) and the AWS profile files (see [`aws`]). A config file is read only
/// when it is needed, so a broken one is no matter while the flag or the environment decides.
fn resolve_location(sources: &Sources, aws_env: &aws::Env) -> Result<(Location, ChosenBy)> {
    let files = [
        (Source::UserConfig, sources.user_file),
        (Source::SystemConfig, sources.system_file),
    ];
    let given = match (sources.flag, sources.env) {
        (Some(flag), _) => Some((flag, Source::Flag)),
        (None, Some(env)) if !env.as_os_str().is_empty() => Some((env, Source::Env)),
        _ => None,
    };
    // the config file that named the center, if one did
    let mut naming: Option<(ConfigFile, PathBuf)> = None;
    let (center, chosen_by) = match given {
        Some((center, source)) => (Center::given(center)?, ChosenBy { source, file: None }),
        None => {
            let mut found = None;
            for (source, path) in files {
                let Some((file, path)) = read_config(path)? else {
                    continue;
                };
                let Some(center) = file.center.as_deref() else {
                    continue;
                };
                let center = Center::from_config(center, &path)?;
                let file_path = Some(path.clone());
                naming = Some((file, path));
                found = Some((
                    center,
                    ChosenBy {
                        source,
                        file: file_path,
                    },
                ));
                break;
            }
            match (found, sources.data_dir) {
                (Some(found), _) => found,
                (None, Some(dir)) => (
                    Center::Local(dir.join("mfile/center")),
                    ChosenBy {
                        source: Source::Default,
                        file: None,
                    },
                ),
                (None, None) => {
                    return Err(usage(format!(
                        "no home folder to put the center in; pass --center DIR or set {CENTER_ENV}"
                    )));
                }
            }
        }
    };
    let url = match center {
        Center::Local(dir) => return Ok((Location::Local(dir), chosen_by)),
        Center::Url(url) => url,
    };
    // A file that names the center brings its own settings: a user's `s3://my-bucket` on AWS
    // must not take the system file's endpoint. A center from the flag or the environment
    // takes them from the user's file, then the system's.
    let read: Vec<(ConfigFile, PathBuf)> = match naming {
        Some(file) => vec![file],
        None => {
            let mut read = Vec::new();
            for (_, path) in files {
                read.extend(read_config(path)?);
            }
            read
        }
    };
    let endpoint = read.iter().find(|(file, _)| file.endpoint.is_some());
    let center_config = aws::CenterConfig {
        endpoint: endpoint.and_then(|(file, _)| file.endpoint.clone()),
        region: read.iter().find_map(|(file, _)| file.region.clone()),
        file: endpoint.map(|(_, path)| path.clone()),
    };
    let spec = aws::bucket_spec(url, &center_config, aws_env)?;
    Ok((Location::Bucket(spec), chosen_by))
}

enum Center {
    Local(PathBuf),
    Url(BucketUrl),
}

impl Center {
    /// A center from the flag or the environment: a URL, or a folder made absolute.
    fn given(center: &Path) -> Result<Center> {
        if let Some(text) = center.to_str().filter(|t| BucketUrl::looks_like_url(t)) {
            return Ok(Center::Url(BucketUrl::parse(text)?));
        }
        let dir = std::path::absolute(center)
            .with_context(|| format!("could not resolve {}", center.display()))?;
        Ok(Center::Local(dir))
    }

    /// A center from the config file: a URL, or a folder relative to the file's folder.
    fn from_config(center: &str, file: &Path) -> Result<Center> {
        if BucketUrl::looks_like_url(center) {
            let url = BucketUrl::parse(center)
                .with_context(|| format!("in the config file {}", file.display()))?;
            return Ok(Center::Url(url));
        }
        let base = file.parent().unwrap_or(Path::new("."));
        Ok(Center::Local(base.join(center)))
    }
}

/// The config file and its path, or None when there is none.
fn read_config(file: Option<&Path>) -> Result<Option<(ConfigFile, PathBuf)>> {
    let Some(file) = file.filter(|f| f.is_file()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read the config file {}", file.display()))?;
    let config: ConfigFile = serde_json::from_str(&text)
        .map_err(|e| usage(format!("invalid config file {}: {e}", file.display())))?;
    Ok(Some((config, file.to_path_buf())))
}

/// The user runs are recorded for: $MFILE_USER, else $USER or $LOGNAME, else the name of the
/// process's user id.
fn user_name() -> String {
    ["MFILE_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .or_else(os_user)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The name of the process's real user id, from the password database (NSS included): nix's
/// `User::from_uid`, a safe getpwuid_r; rustix has no password-database calls. None when the
/// uid has no entry or the name is not UTF-8 (nix decodes it lossily, so a replacement
/// character means it wasn't).
fn os_user() -> Option<String> {
    use nix::unistd::{Uid, User};
    let name = User::from_uid(Uid::current()).ok()??.name;
    (!name.contains(char::REPLACEMENT_CHARACTER)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bucket_on_two_servers_has_two_caches() {
        let data = Path::new("/data");
        let url = "s3://team/prod";
        let first = cache_folder(Some(data), Some("http://127.0.0.1:8333"), url).unwrap();
        let second = cache_folder(Some(data), Some("http://127.0.0.1:9000"), url).unwrap();
        let aws = cache_folder(Some(data), None, url).unwrap();
        assert_ne!(first, second);
        assert_ne!(first, aws);
        let shown = first.display().to_string();
        assert!(shown.starts_with("/data/mfile/cache/team-"), "{shown}");
        assert_eq!(
            first,
            cache_folder(Some(data), Some("http://127.0.0.1:8333"), url).unwrap()
        );
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn resolve(
        flag: Option<&Path>,
        env: Option<&Path>,
        config_file: Option<&Path>,
        data_dir: Option<&Path>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Location> {
        let sources = Sources {
            flag,
            env,
            user_file: config_file,
            system_file: None,
            data_dir,
        };
        resolve_sources(&sources, var).map(|(location, _)| location)
    }

    fn resolve_sources(
        sources: &Sources,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Location, ChosenBy)> {
        resolve_location(sources, &aws::Env { var, home: None })
    }

    fn local(location: Location) -> PathBuf {
        match location {
            Location::Local(dir) => dir,
            Location::Bucket(spec) => panic!("a bucket: {spec:?}"),
        }
    }

    #[test]
    fn flag_beats_env_beats_config_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"center": "from-config"}"#).unwrap();
        let data = dir.path().join("data");
        let flag = Path::new("/flag");
        let env = Path::new("/env");
        let pick = |f, e, c| local(resolve(f, e, c, Some(&data), &no_env).unwrap());
        assert_eq!(pick(Some(flag), Some(env), Some(&config)), flag);
        assert_eq!(pick(None, Some(env), Some(&config)), env);
        assert_eq!(
            pick(None, None, Some(&config)),
            dir.path().join("from-config")
        );
        assert_eq!(pick(None, None, None), data.join("mfile/center"));
        let missing = dir.path().join("nope.json");
        assert_eq!(pick(None, None, Some(&missing)), data.join("mfile/center"));
    }

    /// A user file and a system file in folders of their own, each written when given.
    struct TwoFiles {
        dir: tempfile::TempDir,
        user: PathBuf,
        system: PathBuf,
    }

    impl TwoFiles {
        fn new(user: Option<&str>, system: Option<&str>) -> TwoFiles {
            let dir = tempfile::tempdir().unwrap();
            let user_file = dir.path().join("home/mfile/config.json");
            let system_file = dir.path().join("etc/mfile/config.json");
            for (path, text) in [(&user_file, user), (&system_file, system)] {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                if let Some(text) = text {
                    std::fs::write(path, text).unwrap();
                }
            }
            TwoFiles {
                dir,
                user: user_file,
                system: system_file,
            }
        }

        fn resolve(&self, env: Option<&Path>) -> Result<(Location, ChosenBy)> {
            let data = self.dir.path().join("data");
            let sources = Sources {
                flag: None,
                env,
                user_file: Some(&self.user),
                system_file: Some(&self.system),
                data_dir: Some(&data),
            };
            resolve_sources(&sources, &keys)
        }

        fn folder(&self, env: Option<&Path>) -> (PathBuf, Source, Option<PathBuf>) {
            let (location, chosen) = self.resolve(env).unwrap();
            (local(location), chosen.source, chosen.file)
        }
    }

    #[test]
    fn the_system_file_names_the_center_when_the_user_file_does_not() {
        let files = TwoFiles::new(None, Some(r#"{"center": "team"}"#));
        let etc = files.system.parent().unwrap();
        let want = (
            etc.join("team"),
            Source::SystemConfig,
            Some(files.system.clone()),
        );
        assert_eq!(
            files.folder(None),
            want,
            "relative to the system file's folder"
        );

        // A user file without a center leaves the choice to the system file.
        std::fs::write(&files.user, r#"{"region": "eu-west-3"}"#).unwrap();
        assert_eq!(files.folder(None), want);

        std::fs::write(&files.user, r#"{"center": "mine"}"#).unwrap();
        let home = files.user.parent().unwrap();
        let user = (
            home.join("mine"),
            Source::UserConfig,
            Some(files.user.clone()),
        );
        assert_eq!(files.folder(None), user, "the user's file wins");

        let env = Path::new("/env");
        let from_env = (env.to_path_buf(), Source::Env, None);
        assert_eq!(files.folder(Some(env)), from_env);
        // MFILE_CENTER set but empty is not set.
        assert_eq!(files.folder(Some(Path::new(""))), user);

        std::fs::remove_file(&files.user).unwrap();
        std::fs::remove_file(&files.system).unwrap();
        let data = files.dir.path().join("data/mfile/center");
        assert_eq!(files.folder(None), (data, Source::Default, None));
    }

    #[test]
    fn a_bucket_center_takes_its_settings_from_the_file_that_named_it() {
        let system = r#"{"center": "s3://team/prod", "endpoint": "http://10.0.0.1:8333",
                         "region": "eu-west-3"}"#;
        let files = TwoFiles::new(Some(r#"{"region": "us-west-2"}"#), Some(system));
        let (Location::Bucket(spec), chosen) = files.resolve(None).unwrap() else {
            panic!("not a bucket")
        };
        assert_eq!(spec.url.to_string(), "s3://team/prod");
        assert_eq!(
            spec.region, "eu-west-3",
            "the system file's, which named the center"
        );
        assert_eq!(spec.endpoint.as_deref(), Some("http://10.0.0.1:8333"));
        assert_eq!(chosen.source, Source::SystemConfig);

        // A user's own bucket (on AWS: no endpoint) does not take the team server's endpoint.
        std::fs::write(
            &files.user,
            r#"{"center": "s3://mine/x", "region": "us-west-2"}"#,
        )
        .unwrap();
        let (Location::Bucket(spec), chosen) = files.resolve(None).unwrap() else {
            panic!("not a bucket")
        };
        assert_eq!(
            (spec.endpoint.as_deref(), chosen.source),
            (None, Source::UserConfig)
        );
        std::fs::write(&files.user, r#"{"region": "us-west-2"}"#).unwrap();

        // A URL from the environment still takes the files' settings.
        let (Location::Bucket(spec), chosen) =
            files.resolve(Some(Path::new("s3://other/y"))).unwrap()
        else {
            panic!("not a bucket")
        };
        assert_eq!(
            (spec.region.as_str(), chosen.source),
            ("us-west-2", Source::Env)
        );
        assert_eq!(spec.endpoint.as_deref(), Some("http://10.0.0.1:8333"));

        // A bad endpoint is named with the file it came from.
        std::fs::write(&files.system, r#"{"endpoint": "10.0.0.1"}"#).unwrap();
        let err = files.resolve(Some(Path::new("s3://other/y"))).unwrap_err();
        let shown = format!("{err:#}");
        assert!(
            shown.contains(&files.system.display().to_string()),
            "{shown}"
        );
    }

    #[test]
    fn a_broken_system_file_is_a_usage_error_naming_it() {
        let files = TwoFiles::new(None, Some(r#"{"center": "team",}"#));
        let err = files.resolve(None).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        let shown = format!("{err:#}");
        let path = files.system.display().to_string();
        assert!(
            shown.contains(&format!("invalid config file {path}")),
            "{shown}"
        );

        // Not read while something before it names a folder.
        std::fs::write(&files.user, r#"{"center": "mine"}"#).unwrap();
        assert_eq!(files.folder(None).1, Source::UserConfig);
        assert_eq!(files.folder(Some(Path::new("/env"))).1, Source::Env);
    }

    #[test]
    fn a_broken_config_file_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"centre": "typo"}"#).unwrap();
        let err = resolve(None, None, Some(&config), None, &no_env).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        assert!(err.to_string().contains("invalid config file"), "{err}");
    }

    fn keys(name: &str) -> Option<String> {
        match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIAENV".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("env-secret".into()),
            _ => None,
        }
    }

    #[test]
    fn a_url_center_in_the_config_file_takes_its_endpoint_and_region() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(
            &config,
            r#"{"center": "s3://team-models/prod", "endpoint": "http://127.0.0.1:8333",
                "region": "eu-west-3"}"#,
        )
        .unwrap();
        let Location::Bucket(spec) = resolve(None, None, Some(&config), None, &keys).unwrap()
        else {
            panic!("not a bucket")
        };
        assert_eq!(spec.url.to_string(), "s3://team-models/prod");
        assert_eq!(spec.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert_eq!(spec.region, "eu-west-3");
        assert_eq!(spec.credentials.unwrap().access_key_id, "AKIAENV");

        // The flag names another bucket: the file's endpoint and region still apply.
        let flag = Path::new("s3://other/x");
        let Location::Bucket(spec) = resolve(Some(flag), None, Some(&config), None, &keys).unwrap()
        else {
            panic!("not a bucket")
        };
        assert_eq!(spec.url.bucket, "other");
        assert_eq!(spec.endpoint.as_deref(), Some("http://127.0.0.1:8333"));

        // A folder from the flag does not read the file at all (a broken one is no matter).
        std::fs::write(&config, "{not json").unwrap();
        let flag = Path::new("/data/center");
        let got = resolve(Some(flag), None, Some(&config), None, &keys).unwrap();
        assert_eq!(local(got), flag);
    }

    #[test]
    fn bad_center_urls_are_usage_errors_wherever_they_come_from() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"center": "ftp://x/y"}"#).unwrap();
        for (flag, env, says) in [
            (Some("s3://"), None, "no bucket"),
            (None, Some("s3://bucket/a/../b"), "'..' is not allowed"),
            (Some("s3://bucket/with space"), None, "' ' is not allowed"),
            (None, None, "ftp:// is not supported"),
        ] {
            let err = resolve(
                flag.map(Path::new),
                env.map(Path::new),
                Some(&config),
                None,
                &keys,
            )
            .unwrap_err();
            assert_eq!(crate::error::exit_code(&err), 2, "{err:#}");
            assert!(format!("{err:#}").contains(says), "{says}: {err:#}");
        }
    }
}
