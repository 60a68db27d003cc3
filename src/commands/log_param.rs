//! `mfile log-param`: record a run's hyperparameters. Params are write-once: the same value
//! again is a no-op, a different one is an error naming the key and both values.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use super::{Ctx, run_ref};
use crate::cli::LogParamArgs;
use crate::engine::ingest;
use crate::error::usage;
use crate::output;
use crate::tracking::parse::{check_key, parse_assignment, same_param};
use crate::values::ParamKind;
use crate::values::names::nfc;

#[derive(Serialize)]
struct ParamView<'a> {
    key: &'a str,
    value: &'a str,
    kind: ParamKind,
    /// `logged`, or `unchanged` when the run already had this value.
    status: &'static str,
}

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    run: &'a str,
    owner: &'a str,
    params: Vec<ParamView<'a>>,
}

pub fn run(args: LogParamArgs, ctx: &Ctx) -> Result<()> {
    let mut given = parse_params(&args.params)?;
    if let Some(file) = &args.file {
        for (key, value) in read_params_file(file)? {
            add(&mut given, key, value)?;
        }
    }
    if given.is_empty() && !args.new {
        return Err(usage(
            "no params given: pass KEY=VALUE arguments or --file params.json",
        ));
    }

    let (mut center, run) = run_ref::open_for_write(ctx, &args.target, args.new)?;
    let entries = ingest::log_params(&mut center, &run, &given);
    ctx.upload_runs(&mut center); // the run itself, when new, even if its params conflict
    let entries = entries?;
    let lost = ingest::params_lost(&center, &run, &entries)?;
    if !lost.is_empty() {
        bail!(
            "nothing was logged: params are write-once, and another machine gave run {} other \
             values while these were on their way; theirs stand:{}",
            run.name,
            crate::engine::bullet_list(&lost)
        );
    }

    if ctx.out.json {
        let params = entries
            .iter()
            .map(|e| ParamView {
                key: &e.key,
                value: &e.value,
                kind: e.kind,
                status: e.status,
            })
            .collect();
        return output::json(&Report {
            model: &run.model,
            run: &run.name,
            owner: &run.owner,
            params,
        });
    }
    if ctx.out.chatty() {
        if args.new {
            output::line(&format!("{:<9} run {}", "new", run.name))?;
        }
        for e in &entries {
            output::line(&format!("{:<9} {}={}", e.status, e.key, e.value))?;
        }
    }
    Ok(())
}

/// Parses `KEY=VALUE` params; a key given twice with different values is an error.
pub fn parse_params<'a>(
    texts: impl IntoIterator<Item = &'a String>,
) -> Result<BTreeMap<String, String>> {
    let mut given = BTreeMap::new();
    for text in texts {
        let (key, value) = parse_assignment(text).map_err(usage)?;
        add(&mut given, key, value)?;
    }
    Ok(given)
}

fn add(given: &mut BTreeMap<String, String>, key: String, value: String) -> Result<()> {
    let key = nfc(&key); // `café` typed either way is one param
    match given.get(&key) {
        Some(old) if !same_param(old, &value) => Err(usage(format!(
            "param {key} is given twice, as {old} and as {value}"
        ))),
        _ => {
            given.insert(key, value);
            Ok(())
        }
    }
}

/// A JSON file with a flat object: strings, numbers and booleans.
fn read_params_file(path: &std::path::Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let object = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return Err(usage(format!(
                "{}: expected a JSON object of params",
                path.display()
            )));
        }
        Err(e) => return Err(usage(format!("{}: not valid JSON: {e}", path.display()))),
    };
    let mut out = Vec::new();
    for (key, value) in object {
        check_key(&key).map_err(|e| usage(format!("{}: {e}", path.display())))?;
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(usage(format!(
                    "{}: param {key} is {other}; params are strings, numbers or booleans (a flat object)",
                    path.display()
                )));
            }
        };
        out.push((key, text));
    }
    Ok(out)
}
