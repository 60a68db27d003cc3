use std::io::IsTerminal;

use clap::Parser;

use mfile::cli::Cli;
use mfile::{config, error, interrupt, output};

fn main() {
    let cli = Cli::parse(); // bad usage exits 2 here, with clap's message
    let color = config::use_color(cli.global.color, std::io::stderr().is_terminal());
    interrupt::install();
    let code = match mfile::run(cli) {
        Ok(()) => error::SUCCESS,
        Err(err) if error::is_broken_pipe(&err) => error::SUCCESS,
        Err(err) => {
            output::error(output::Palette::new(color), &err);
            error::exit_code(&err)
        }
    };
    std::process::exit(code);
}
