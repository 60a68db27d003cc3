//! `mfile track -- COMMAND...`: run a training command, pass its output through unchanged,
//! record every stdout line that is a JSON object of metrics, and set the run's status, exit
//! code and end time when it ends. mfile exits with the command's exit code.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::Ctx;
use super::{log_param, run_ref};
use crate::cli::TrackArgs;
use crate::engine::Center;
use crate::error::Exit;
use crate::interrupt;
use crate::output;
use crate::time::Timestamp;
use crate::tracking::ingest::{self, MetricWriter};
use crate::tracking::parse::parse_json_line;
use crate::values::names::check_name;
use crate::values::{self, RunStatus};

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
    let owner = run_ref::owner(ctx, &args.user)?;
    let params = log_param::parse_params(&args.params)?;
    let command: Vec<String> = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();

    if let Some(name) = &args.run.name {
        check_name("run", name)?;
    }
    let mut center = Center::create(&ctx.center)?;
    let name = match &args.run.name {
        Some(name) => name.clone(),
        None => fresh_name(&center, model, &owner)?,
    };
    if let Some(model_row) = center.catalog.model(model)? {
        if let Some(existing) = center.catalog.run(model_row.id, &owner, &name)? {
            if existing.status != RunStatus::Running || existing.command.is_some() {
                bail!(
                    "run {name} of {model} already exists ({}); pick another --run, or delete it \
                     with `mfile runs delete -m {model} {name}`",
                    existing.status.as_str()
                );
            }
        }
    }

    let mut child = Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {}", command[0]))?;
    let now = Timestamp::now();
    let run = center.catalog.write(|tx| {
        let m = tx.ensure_model(model, now)?;
        let version_id = match &args.version.name {
            Some(v) => Some(tx.ensure_version(m.id, v, now)?.id),
            None => None,
        };
        let run = tx.ensure_run(m.id, &owner, &name, &values::host(), now)?;
        tx.describe_run(run.id, version_id, args.note.as_deref(), Some(&command))?;
        log_param::record(tx, &run, &params)?;
        Ok(run)
    })?;
    ctx.out
        .note(&format!("mfile: tracking run {name} of {model}"));

    let stdout = child
        .stdout
        .take()
        .context("the command's stdout was not captured")?;
    // The command's output reaches ours unchanged, line by line, as it comes.
    let lines = ingest::read_lines_tee(stdout, false, Some(Box::new(std::io::stdout())));
    let mut writer = MetricWriter::new(&mut center.catalog, run.id, ingest::STREAM);
    let mut number = 0u64;
    let recorded = ingest::pump(&mut writer, &lines, false, |writer, bytes| {
        number += 1;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(());
        };
        if !text.trim_start().starts_with('{') {
            return Ok(()); // ordinary output
        }
        match parse_json_line(text) {
            Ok(points) => writer.push(points),
            Err(why) => {
                let why = output::escape::shorten(&why, output::escape::ECHO_CHARS);
                ctx.out
                    .warn(&format!("stdout line {number} not recorded: {why}"));
                Ok(())
            }
        }
    });
    let points = writer.written;
    let status = child.wait().context("could not wait for the command")?;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let final_status = match status.code() {
        Some(0) => RunStatus::Finished,
        Some(_) if interrupt::check().is_err() => RunStatus::Killed,
        Some(_) => RunStatus::Failed,
        None => RunStatus::Killed,
    };
    let ended = Timestamp::now();
    center
        .catalog
        .write(|tx| tx.end_run(run.id, final_status, Some(i64::from(code)), ended))?;
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
        "mfile: run {name} {} (exit code {code}), {points} points recorded",
        final_status.as_str()
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

/// `run-20261126-214501`, with `-2`, `-3`, ... when that name is taken.
fn fresh_name(center: &Center, model: &str, owner: &str) -> Result<String> {
    let base = format!("run-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
    let Some(model_row) = center.catalog.model(model)? else {
        return Ok(base);
    };
    for n in 1.. {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if center.catalog.run(model_row.id, owner, &name)?.is_none() {
            return Ok(name);
        }
    }
    unreachable!("an unbounded range ends only by returning")
}
