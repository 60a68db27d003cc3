//! The stress suite ("nothing lost"): crash consistency, concurrency, hostile input, hostile
//! HTTP clients, faults, races with other writers (readers under writers, moves of changing
//! sources, folders swapped for links) and property-based fuzzing. `cargo test` runs its short
//! version; `bash tests/stress/run` the full one (`MFILE_STRESS=full`: 200 crash iterations, 30 s
//! of 16 processes, 30 rounds of 60 hostile HTTP clients, 100,000 cases per property). Each part
//! prints a `stress:` line with its counts for the runner's table.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[allow(dead_code)] // the CLI tests' harness; this suite uses part of it
#[path = "../cli/harness.rs"]
mod harness;

mod common;
mod concurrency;
mod crash;
mod faults;
mod fuzz;
mod hostile;
mod http;
mod races;
