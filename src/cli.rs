//! Every clap type: the global options and one Args struct per subcommand. No I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mfile",
    version,
    about = "One central place for model files: import, scan, pull, delete and verify versions",
    after_help = "The center is --center, else $MFILE_CENTER, else \"center\" in \
                  <config dir>/mfile/config.json, else <data dir>/mfile/center."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The center folder (overrides MFILE_CENTER and the config file)
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
    /// List stored files from the catalog
    Scan(ScanArgs),
    /// Copy a version's files into a folder
    Pull(PullArgs),
    /// Remove files, a version or a model
    Delete(DeleteArgs),
    /// List the versions of a model
    Versions(VersionsArgs),
    /// List the models in the center
    Profiles,
    /// Rehash stored files and report missing, corrupted and untracked ones
    Verify(VerifyArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct ModelVersion {
    /// The model name
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: String,
    /// The version name (e.g. 1.0)
    #[arg(long = "version", value_name = "VERSION")]
    pub version: String,
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
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: String,
    #[arg(long = "version", value_name = "VERSION")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import; a folder's contents go under --subdir
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    #[default]
    Name,
    Mod,
    Size,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Only this model
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: Option<String>,
    /// Only this version (needs --model)
    #[arg(long = "version", value_name = "VERSION", requires = "model")]
    pub version: Option<String>,
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
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: String,
    #[arg(long = "version", value_name = "VERSION")]
    pub version: Option<String>,
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
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: Option<String>,
    #[arg(long = "version", value_name = "VERSION", requires = "model")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
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

    #[test]
    fn version_flag_belongs_to_subcommands() {
        let cli = Cli::try_parse_from(["mfile", "config", "-m", "m", "--version", "1.0"]).unwrap();
        let Command::Config(args) = cli.command else {
            panic!("not config")
        };
        assert_eq!(args.version.as_deref(), Some("1.0"));
        let top = Cli::try_parse_from(["mfile", "--version"]).unwrap_err();
        assert_eq!(top.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
