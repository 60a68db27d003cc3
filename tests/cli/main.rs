//! Integration tests: the real binary against a real center in a temp folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod harness;

mod adopt;
mod bad_input;
mod catalog;
mod completions;
mod delete;
mod gc;
mod import;
mod info;
mod invariants;
mod json_docs;
mod links;
mod man;
mod names;
mod own_storage;
mod previews;
mod pull;
mod readme;
mod registry;
mod runs_find;
mod s3_attack;
mod s3_bucket;
mod s3_center;
mod s3_crash;
mod s3_proxy;
mod s3_runs;
mod scan;
mod store_faults;
mod terminal;
mod tracking;
mod web;
