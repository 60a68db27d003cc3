use clap::Parser;

use mfile::cli::Cli;
use mfile::{error, interrupt, output};

fn main() {
    // A shell's Tab (`COMPLETE=bash mfile -- WORDS`): answered here, and the process exits.
    mfile::commands::complete::from_env();
    let cli = Cli::parse(); // bad usage exits 2 here, with clap's message
    mfile::set_color(cli.global.color);
    interrupt::install();
    let code = match mfile::run(cli) {
        Ok(()) => error::SUCCESS,
        Err(err) if error::is_broken_pipe(&err) => error::SUCCESS,
        Err(err) => {
            output::error(output::Palette::for_stream(&std::io::stderr()), &err);
            error::exit_code(&err)
        }
    };
    std::process::exit(code);
}
