//! Every clap type: the global options and one Args struct per subcommand. No I/O here.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::values::duration::parse_duration;
use crate::values::names::nfc;
use crate::values::{MAX_STEP, RunStatus};

#[derive(Debug, Parser)]
#[command(
    name = "mfile",
    version,
    about = "One central place for model files: import, scan, pull, delete and verify versions",
    after_help = "The center is --center, else $MFILE_CENTER, else \"center\" in \
                  <config dir>/mfile/config.json, else in the system's config file \
                  ($MFILE_CONFIG, default /etc/mfile/config.json), else <data dir>/mfile/center. \
                  `mfile center` says which."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The center folder or s3:// URL (overrides MFILE_CENTER and the config files)
    #[arg(long, global = true, value_name = "DIR")]
    pub center: Option<PathBuf>,
    /// Print one JSON document on stdout instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    /// Print no progress, per-file lines or summaries; errors still go to stderr
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a model and version if missing, and print its config
    Register(RegisterArgs),
    /// Print the config of a model or version: center, folders, catalog, key
    Config(ConfigArgs),
    /// Copy files or folders into a version
    Import(ImportArgs),
    /// Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)
    Adopt(AdoptArgs),
    /// List stored files from the catalog
    Scan(ScanArgs),
    /// Copy a version's files into a folder
    Pull(PullArgs),
    /// Remove files, a version or a model
    Delete(DeleteArgs),
    /// List the versions of a model
    Versions(VersionsArgs),
    /// Show the files added, removed and changed between two versions
    Diff(DiffArgs),
    /// Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)
    #[command(subcommand)]
    Alias(AliasCommand),
    /// List the models in the center
    Profiles,
    /// Print which center is in use and where that choice came from: --center, MFILE_CENTER,
    /// the user's or the system's config file, or the default
    Center,
    /// Rehash stored files and report missing, corrupted and untracked ones
    Verify(VerifyArgs),
    /// Remove what no version names any more: unused blobs and packs of a bucket center,
    /// unfinished uploads, leftover temp files
    Gc(GcArgs),
    /// Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)
    ClaimWriter(ClaimWriterArgs),
    /// Record hyperparameters of a training run (write-once)
    LogParam(LogParamArgs),
    /// Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin
    LogMetric(LogMetricArgs),
    /// Run a training command, pass its output through, record the JSON metrics it prints
    Track(TrackArgs),
    /// List training runs with their params and metrics (or end or delete runs)
    Runs(RunsArgs),
    /// Compare runs: params side by side with differences marked, and each metric's summary
    Compare(CompareArgs),
    /// Export the full metric history of a run as CSV or JSON
    Metrics(MetricsArgs),
    /// Set or remove tags of a run or a version
    Tag(TagArgs),
    /// Serve a read-only web page of models, files, runs and their charts
    Ui(UiArgs),
    /// Write one self-contained HTML file with a model's runs and their charts
    Report(ReportArgs),
    /// Print the script that registers completions in a shell: subcommands and flags, and
    /// model, version, alias and run names from the center's catalog
    Completions(CompletionsArgs),
}

// Shared argument groups: `--model`, `--version` and `--run` are spelled here and nowhere else.
// A command flattens the shape it needs (required, optional, a filter); where the flag means
// something particular to it, the command rewords the help with `mut_arg` (see TrackArgs). The
// argument ids stay "model", "version", "run" and "runs", so `requires` and `conflicts_with`
// name them as before.

/// `-m, --model MODEL`, required.
#[derive(Debug, Args)]
pub struct Model {
    /// The model name
    #[arg(id = "model", short = 'm', long = "model", value_name = "MODEL", value_parser = name_arg)]
    pub name: String,
}

/// `-m, --model MODEL`, optional: narrows a listing to one model.
#[derive(Debug, Args)]
pub struct ModelFilter {
    /// Only this model
    #[arg(id = "model", short = 'm', long = "model", value_name = "MODEL", value_parser = name_arg)]
    pub name: Option<String>,
}

/// `--version VERSION`, required.
#[derive(Debug, Args)]
pub struct Version {
    /// The version name (e.g. 1.0)
    #[arg(id = "version", long = "version", value_name = "VERSION", value_parser = name_arg)]
    pub name: String,
}

/// `--version VERSION`, optional: without it the command acts on the whole model.
#[derive(Debug, Args)]
pub struct VersionOpt {
    /// The version name (e.g. 1.0); without it, the whole model
    #[arg(id = "version", long = "version", value_name = "VERSION", value_parser = name_arg)]
    pub name: Option<String>,
}

/// `--version VERSION`, optional: narrows a listing to one version of the `--model` given.
#[derive(Debug, Args)]
pub struct VersionFilter {
    /// Only this version (needs --model)
    #[arg(
        id = "version",
        long = "version",
        value_name = "VERSION",
        requires = "model",
        value_parser = name_arg
    )]
    pub name: Option<String>,
}

/// `--run RUN`, required.
#[derive(Debug, Args)]
pub struct Run {
    /// The run name (unique per model and user)
    #[arg(id = "run", long = "run", value_name = "RUN", value_parser = name_arg)]
    pub name: String,
}

/// `--run RUN`, optional: a new run is named for the time it starts.
#[derive(Debug, Args)]
pub struct RunOpt {
    /// The run name (default: run-<date>-<time>)
    #[arg(id = "run", long = "run", value_name = "RUN", value_parser = name_arg)]
    pub name: Option<String>,
}

/// `--run RUN`, repeatable.
#[derive(Debug, Args)]
pub struct Runs {
    /// A run to include: RUN (yours) or USER/RUN; repeat for more [default: all your runs]
    #[arg(id = "runs", long = "run", value_name = "RUN", value_parser = name_arg)]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ClaimWriterArgs {
    /// Give the claim up: no host may write the center while it is on a network filesystem
    #[arg(long)]
    pub release: bool,
    /// Take (or release) the claim of another host; only when that host no longer writes it
    #[arg(long)]
    pub force: bool,
}

/// A run of a model, owned by the current user unless --user says otherwise.
#[derive(Debug, Args)]
pub struct RunTarget {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub run: Run,
    #[command(flatten)]
    pub user: UserArg,
}

#[derive(Debug, Args)]
pub struct UserArg {
    /// Act as this user (default: $MFILE_USER, else the OS user)
    #[arg(long, value_name = "USER", value_parser = name_arg)]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogParamArgs {
    #[command(flatten)]
    pub target: RunTarget,
    /// Parameters to record
    #[arg(value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// A JSON file with a flat object of parameters
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Make a new run: NAME when free, else NAME-2, NAME-3, ... (the first free one, taken
    /// atomically); params may then be none. The output says which
    #[arg(long)]
    pub new: bool,
}

#[derive(Debug, Args)]
pub struct LogMetricArgs {
    #[command(flatten)]
    pub target: RunTarget,
    /// Metric values to record at one step
    #[arg(value_name = "NAME=VALUE")]
    pub metrics: Vec<String>,
    /// The step of the values given as arguments (default: each key's last step + 1);
    /// from -(2^53-1) to 2^53-1
    #[arg(long, value_name = "N", conflicts_with = "file", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-MAX_STEP..=MAX_STEP))]
    pub step: Option<i64>,
    /// Read JSON lines or a CSV log from FILE; - reads JSON lines from stdin as they come
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Keep reading FILE as it grows (like tail -f), until Ctrl-C
    #[arg(long, requires = "file")]
    pub follow: bool,
    /// Stop at the first bad line (after recording the lines before it) instead of skipping it
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(mut_arg("version", |a| a.help("The model version this run produces")))]
pub struct TrackArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub run: RunOpt,
    #[command(flatten)]
    pub user: UserArg,
    /// A parameter to record; repeat for more
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub version: VersionOpt,
    /// A note on the run
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When the --run name is taken, record as NAME-2, NAME-3, ... (the first free one)
    #[arg(long, requires = "run")]
    pub new: bool,
    /// The training command and its arguments
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub action: Option<RunsAction>,
    #[command(flatten)]
    pub list: RunsListArgs,
}

#[derive(Debug, Args)]
pub struct RunsListArgs {
    #[command(flatten)]
    pub model: ModelFilter,
    /// Show every user's runs, not only yours
    #[arg(long)]
    pub all_users: bool,
    #[command(flatten)]
    pub user: UserArg,
    /// Only runs with this status
    #[arg(long, value_parser = run_status())]
    pub status: Option<RunStatus>,
    /// Hide the params that are the same in every listed run
    #[arg(long)]
    pub only_changed: bool,
    /// Only runs matching EXPR, e.g. 'acc > 0.9 and opt = "adam"' (see docs/tracking.md)
    #[arg(long = "where", value_name = "EXPR", value_parser = name_arg)]
    pub filter: Option<String>,
    /// Only runs with this tag; repeat for more (all must hold)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = name_arg)]
    pub tags: Vec<String>,
    /// Order by a run field, param or metric (`-KEY` descending); runs without it go last
    #[arg(long, value_name = "KEY", allow_hyphen_values = true, value_parser = name_arg)]
    pub sort: Option<String>,
    /// Show the first N runs (after --where and --sort)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Set a run's final status (what `track` does by itself)
    End(RunsEndArgs),
    /// Delete runs with their params and metrics
    Delete(RunsDeleteArgs),
    /// Set a run's note (replacing the one it had)
    Note(RunsNoteArgs),
    /// Upload what this machine recorded of runs and could not upload yet (a bucket center)
    Push,
}

#[derive(Debug, Args)]
pub struct RunsEndArgs {
    #[command(flatten)]
    pub target: RunTarget,
    /// The status to set
    #[arg(long, value_parser = run_status(), default_value = "finished")]
    pub status: RunStatus,
}

#[derive(Debug, Args)]
pub struct RunsNoteArgs {
    #[command(flatten)]
    pub target: RunTarget,
    /// The note
    #[arg(value_name = "TEXT")]
    pub text: String,
}

/// A name as typed (or text that names things: a tag, a `--where`), put in Unicode normal
/// form C: `café` typed either way is one name.
fn name_arg(text: &str) -> Result<String, std::convert::Infallible> {
    Ok(nfc(text))
}

/// `--status`: a run status by its name; clap shows the names as the possible values.
fn run_status() -> impl TypedValueParser<Value = RunStatus> {
    PossibleValuesParser::new(RunStatus::ALL.map(RunStatus::as_str))
        .try_map(|name| name.parse::<RunStatus>())
}

#[derive(Debug, Args)]
pub struct RunsDeleteArgs {
    #[command(flatten)]
    pub model: Model,
    /// Runs to delete: RUN (yours) or USER/RUN
    #[arg(required = true, value_name = "RUN", value_parser = name_arg)]
    pub runs: Vec<String>,
    #[command(flatten)]
    pub user: UserArg,
    /// Don't ask for confirmation (needed without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show what would be deleted; delete nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub model: Model,
    /// Runs to compare: RUN (yours) or USER/RUN
    #[arg(required = true, num_args = 1.., value_name = "RUN", value_parser = name_arg)]
    pub runs: Vec<String>,
    #[command(flatten)]
    pub user: UserArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
#[command(mut_arg("run", |a| a.help("The run: RUN (yours) or USER/RUN")))]
pub struct MetricsArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub run: Run,
    #[command(flatten)]
    pub user: UserArg,
    /// Only these metric keys; repeat for more
    #[arg(long = "key", value_name = "KEY", value_parser = name_arg)]
    pub keys: Vec<String>,
    /// csv (key,step,value,logged_at) or json; --json is the same as --format json
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
}

#[derive(Debug, Args)]
pub struct UiArgs {
    /// Address to listen on [default: 127.0.0.1:8421, or the next free port up to 8430]. Any
    /// address but loopback makes the page reachable by others, without a login.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<std::net::SocketAddr>,
    /// Open the page in the default browser
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub runs: Runs,
    /// Without --run: include every user's runs
    #[arg(long, conflicts_with = "runs")]
    pub all_users: bool,
    #[command(flatten)]
    pub user: UserArg,
    /// The HTML file to write [default: MODEL-report.html]; `-` for stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Points per chart line at most (longer histories are thinned, keeping their shape)
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(4..=1_000_000))]
    pub max_points: u32,
}

#[derive(Debug, Args)]
pub struct ModelVersion {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub version: Version,
}

#[derive(Debug, Args)]
pub struct Filters {
    /// Only files matching GLOB (a glob without / matches the name at any depth)
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out files matching GLOB (wins over --include)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    pub target: ModelVersion,
    /// A description of the version
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// A tag on the version; repeat for more
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = name_arg)]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub version: VersionOpt,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import; a folder's contents go under --subdir
    #[arg(required_unless_present = "untracked", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Adopt, in place, the files written straight into the version's folder of a local
    /// center (what `verify` calls untracked)
    #[arg(long, conflicts_with_all = ["paths", "subdir", "move_files", "follow_links"])]
    pub untracked: bool,
    /// The run that produced these files (RUN or USER/RUN): the version records it
    #[arg(long = "run", value_name = "RUN", value_parser = name_arg)]
    pub run: Option<String>,
    #[command(flatten)]
    pub target: ModelVersion,
    /// The folder inside the version to import into
    #[arg(long, value_name = "DIR")]
    pub subdir: Option<String>,
    /// Remove each source once its stored copy is durable and verified
    #[arg(long = "move")]
    pub move_files: bool,
    /// Replace stored files whose content differs
    #[arg(long)]
    pub force: bool,
    /// Follow symbolic links inside folders (they are refused otherwise)
    #[arg(long, short = 'L')]
    pub follow_links: bool,
    #[command(flatten)]
    pub filters: Filters,
    /// Show what would happen; write nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The center of the Python library: the folder that holds its cfg.json
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Replace files a version already holds with other content (as import --force)
    #[arg(long)]
    pub force: bool,
    /// Show what would be adopted, file by file; write nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    #[default]
    Name,
    Mod,
    Size,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub model: ModelFilter,
    #[command(flatten)]
    pub version: VersionFilter,
    #[command(flatten)]
    pub filters: Filters,
    /// name ascending; size and mod largest/newest first
    #[arg(long, value_enum, default_value_t = SortKey::Name)]
    pub sort: SortKey,
    /// Reverse the order
    #[arg(long, short = 'r')]
    pub reverse: bool,
    /// Show modified time, size and md5
    #[arg(long = "attributes", short = 'l')]
    pub attributes: bool,
    /// Rehash the listed files and mark missing or changed ones
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub target: ModelVersion,
    /// Files, folders or globs to pull (default: the whole version)
    #[arg(value_name = "PATH|GLOB")]
    pub paths: Vec<String>,
    /// The folder to pull into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub to: PathBuf,
    #[command(flatten)]
    pub filters: Filters,
    /// Overwrite local files whose content differs
    #[arg(long)]
    pub force: bool,
    /// Show what would happen; write nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub version: VersionOpt,
    /// Files to remove from the version
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Remove the files matching GLOB
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// With --version: drop the whole version; without: drop the whole model
    #[arg(long, conflicts_with_all = ["paths", "include"])]
    pub all: bool,
    /// Don't ask for confirmation (needed for --all without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Skip named files that are not in the version instead of failing
    #[arg(long)]
    pub ignore_missing: bool,
    /// Show what would be deleted; delete nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct VersionsArgs {
    #[command(flatten)]
    pub model: Model,
    /// Only versions with this tag; repeat for more (all must hold)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = name_arg)]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("target").required(true).args(["run", "version"])),
    mut_arg("run", |a| a.help("The run to tag").conflicts_with("version")),
    mut_arg("version", |a| a.help("The version to tag")),
    mut_arg("user", |a| a.help("With --run: the run's owner (default: $MFILE_USER, else the OS user)").requires("run")),
)]
pub struct TagArgs {
    #[command(flatten)]
    pub model: Model,
    #[command(flatten)]
    pub run: RunOpt,
    #[command(flatten)]
    pub version: VersionOpt,
    #[command(flatten)]
    pub user: UserArg,
    /// Tags to set
    #[arg(value_name = "KEY=VALUE", required_unless_present = "remove", value_parser = name_arg)]
    pub tags: Vec<String>,
    /// A tag to remove; repeat for more
    #[arg(long = "rm", id = "remove", value_name = "KEY", value_parser = name_arg)]
    pub remove: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub model: Model,
    /// The older version (a name, @latest or @ALIAS)
    #[arg(value_name = "FROM", value_parser = name_arg)]
    pub from: String,
    /// The newer version (a name, @latest or @ALIAS)
    #[arg(value_name = "TO", value_parser = name_arg)]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Point an alias at a version (moving it if it names another)
    Set(AliasSetArgs),
    /// List a model's aliases and the versions they name
    List(AliasListArgs),
    /// Remove an alias
    Rm(AliasRmArgs),
    /// Every move of a model's aliases (or one alias), with who and when
    Log(AliasLogArgs),
}

#[derive(Debug, Args)]
pub struct AliasSetArgs {
    #[command(flatten)]
    pub model: Model,
    /// The alias, without @ (e.g. prod)
    #[arg(value_name = "ALIAS", value_parser = name_arg)]
    pub alias: String,
    /// The version it names (a name, @latest or another @ALIAS)
    #[arg(value_name = "VERSION", value_parser = name_arg)]
    pub version: String,
}

#[derive(Debug, Args)]
pub struct AliasListArgs {
    #[command(flatten)]
    pub model: Model,
}

#[derive(Debug, Args)]
pub struct AliasRmArgs {
    #[command(flatten)]
    pub model: Model,
    /// The alias to remove, without @
    #[arg(value_name = "ALIAS", value_parser = name_arg)]
    pub alias: String,
}

#[derive(Debug, Args)]
pub struct AliasLogArgs {
    #[command(flatten)]
    pub model: Model,
    /// Only this alias
    #[arg(value_name = "ALIAS", value_parser = name_arg)]
    pub alias: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub model: ModelFilter,
    #[command(flatten)]
    pub version: VersionFilter,
    /// Check the catalog with SQLite's full integrity_check (indexes too; slower) instead of
    /// quick_check; on a center in a bucket, also download and rehash every file (without it,
    /// each file's object is checked by its size)
    #[arg(long)]
    pub deep: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Keep garbage younger than this: an import under way has uploaded bytes that no version
    /// names yet. A number and a unit: 30m, 24h, 7d; 0s when no one else writes the center
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub grace: std::time::Duration,
    /// Show what would be removed; remove nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every argument and option of every (sub)command says what it does in `--help`.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {arg}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "mfile", &mut missing);
        assert!(missing.is_empty(), "no help text:\n{}", missing.join("\n"));
    }

    #[test]
    fn version_flag_belongs_to_subcommands() {
        let cli = Cli::try_parse_from(["mfile", "config", "-m", "m", "--version", "1.0"]).unwrap();
        let Command::Config(args) = cli.command else {
            panic!("not config")
        };
        assert_eq!(args.version.name.as_deref(), Some("1.0"));
        let top = Cli::try_parse_from(["mfile", "--version"]).unwrap_err();
        assert_eq!(top.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
