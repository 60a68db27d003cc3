//! mfile: a center store for model files with a SQLite catalog. `main.rs` parses and exits;
//! everything else lives here so tests and benchmarks can reach it.

pub mod catalog;
pub mod center;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod filter;
pub mod interrupt;
pub mod output;
pub mod percent;
pub mod time;
pub mod tracking;
pub mod values;
pub mod web;

use anyhow::Result;

use cli::{Cli, ColorChoice, Command};
use commands::Ctx;

/// Sets `--color` for the whole process, before anything is printed (errors included).
pub fn set_color(choice: ColorChoice) {
    output::set_color(match choice {
        ColorChoice::Auto => output::ColorChoice::Auto,
        ColorChoice::Always => output::ColorChoice::Always,
        ColorChoice::Never => output::ColorChoice::Never,
    });
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx::new(config::Settings::from_args(&cli.global)?);
    ctx.show_lock_waits();
    let catalog = ctx.center.join(center::CATALOG_FILE);
    dispatch(cli.command, &ctx).map_err(|err| catalog::explain(err, &catalog))
}

fn dispatch(command: Command, ctx: &Ctx) -> Result<()> {
    match command {
        Command::Register(args) => commands::register::run(args, ctx),
        Command::Config(args) => commands::config::run(args, ctx),
        Command::Import(args) => commands::import::run(args, ctx),
        Command::Adopt(args) => commands::adopt::run(args, ctx),
        Command::Scan(args) => commands::scan::run(args, ctx),
        Command::Pull(args) => commands::pull::run(args, ctx),
        Command::Delete(args) => commands::delete::run(args, ctx),
        Command::Versions(args) => commands::versions::run(args, ctx),
        Command::Diff(args) => commands::diff::run(args, ctx),
        Command::Alias(command) => commands::alias::run(command, ctx),
        Command::Profiles => commands::profiles::run(ctx),
        Command::Center => commands::center::run(ctx),
        Command::Verify(args) => commands::verify::run(args, ctx),
        Command::Gc(args) => commands::gc::run(args, ctx),
        Command::ClaimWriter(args) => commands::claim_writer::run(args, ctx),
        Command::LogParam(args) => commands::log_param::run(args, ctx),
        Command::LogMetric(args) => commands::log_metric::run(args, ctx),
        Command::Track(args) => commands::track::run(args, ctx),
        Command::Runs(args) => commands::runs::run(args, ctx),
        Command::Compare(args) => commands::compare::run(args, ctx),
        Command::Metrics(args) => commands::metrics::run(args, ctx),
        Command::Tag(args) => commands::tag::run(args, ctx),
        Command::Ui(args) => commands::ui::run(args, ctx),
        Command::Report(args) => commands::report::run(args, ctx),
        Command::Completions(args) => commands::completions::run(args, ctx),
    }
}
