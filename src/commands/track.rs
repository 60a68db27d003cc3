//! `mfile track -- COMMAND...`: run a training command, pass its output through unchanged,
//! record every stdout line that is a JSON object of metrics, and set the run's status, exit
//! code and end time when it ends. mfile exits with the command's exit code.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, Result};
use serde::Serialize;

use super::{Bars, Ctx, log_param, run_ref};
use crate::cli::TrackArgs;
use crate::engine::ingest::{self, TrackedRun};
use crate::error::Exit;
use crate::interrupt;
use crate::values::RunStatus;
use crate::values::names::check_name;
use crate::values::words::count;

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    run: &'a str,
    owner: &'a str,
    status: RunStatus,
    exit_code: i32,
    points: u64,
}

pub fn run(args: TrackArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    if let Some(version) = &args.version.name {
        check_name("version", version)?;
    }
    if let Some(name) = &args.run.name {
        check_name("run", name)?;
    }
    if let Some(note) = &args.note {
        super::check_note(note)?;
    }
    let owner = run_ref::owner(ctx, &args.user)?;
    let params = log_param::parse_params(&args.params)?;
    let command: Vec<String> = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let tracked = TrackedRun {
        model,
        owner: &owner,
        name: args.run.name.as_deref(),
        version: args.version.name.as_deref(),
        note: args.note.as_deref(),
        command: &command,
        params: &params,
        new: args.new,
    };

    let mut center = ctx.create_runs_center(model)?;
    let name = ingest::name_tracked_run(&center, &tracked)?;
    let mut child = Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {}", command[0]))?;
    let run = ingest::start_tracked_run(&mut center, &tracked, &name)?;
    let name = run.name.clone(); // made afresh: the first free of NAME, NAME-2, ...
    ctx.out
        .note(&format!("mfile: tracking run {name} of {model}"));

    let stdout = child
        .stdout
        .take()
        .context("the command's stdout was not captured")?;
    // The command's output reaches ours unchanged, line by line, as it comes.
    let tee = Box::new(std::io::stdout());
    let uploads = ctx.upload_in_background(&center);
    let (points, recorded) = ingest::record_output(&mut center, &run, stdout, tee, &Bars::new(ctx));
    let status = child.wait().context("could not wait for the command")?;
    let (final_status, code) = outcome(status);
    if !ingest::end_run(&mut center, &run, final_status, i64::from(code))? {
        ctx.out.warn(&format!(
            "run {name} of {model} was deleted by another machine while it ran; what it \
             recorded after that was dropped"
        ));
    }
    if let Some(uploads) = uploads {
        uploads.finish();
    }
    ctx.upload_runs(&mut center);
    recorded?;

    if ctx.out.json {
        let report = Report {
            model,
            run: &name,
            owner: &owner,
            status: final_status,
            exit_code: code,
            points,
        };
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    }
    ctx.out.note(&format!(
        "mfile: run {name} {} (exit code {code}), {} recorded",
        final_status.as_str(),
        count(points, "point")
    ));
    if code != 0 {
        return Err(Exit::Child {
            code,
            message: format!(
                "{} exited with code {code}; run {name} is {}",
                command[0],
                final_status.as_str()
            ),
        }
        .into());
    }
    Ok(())
}

/// The run's final status and the exit code mfile passes on (128 + the signal if it had none).
fn outcome(status: ExitStatus) -> (RunStatus, i32) {
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let final_status = match status.code() {
        Some(0) => RunStatus::Finished,
        Some(_) if interrupt::check().is_err() => RunStatus::Killed,
        Some(_) => RunStatus::Failed,
        None => RunStatus::Killed,
    };
    (final_status, code)
}
