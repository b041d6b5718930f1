//! The tests of the harness itself, in one binary (`cargo test --test it`): one module per
//! concern, so `cargo test` builds and links this crate's tests once instead of once per file.
//! Run one concern with a filter: `cargo test --test it double::` (the suites themselves run
//! in `tests/suites.rs`, the `suites` binary).
//!
//! The modules share one process and run at the same time: a test passes what it changes
//! (environment, working directory) to the child process it starts, never to this process;
//! it takes a free loopback port of its own, and writes in its own [`common::Scratch`] or
//! under `CARGO_TARGET_TMPDIR` (seeding from [`common::Scratch::suites_copy`], since `seed`
//! writes beside its suites), never in the working tree. Helpers shared by several modules
//! live in [`common`]; the [`layout`] tests keep every file here declared and built.

mod common;

mod check;
mod cleanup;
mod client;
mod double;
mod drift;
mod execute;
mod expect_webhook;
mod faults;
mod fuzz_double_requests;
mod fuzz_suite_loader;
mod harness;
mod hostile;
mod init;
mod layers;
mod layout;
mod leak;
mod live;
mod load;
mod mismatch;
mod own_repository;
mod permissions;
mod progress;
mod readme;
mod record;
mod reports;
mod review;
mod schema_reference;
mod seeding;
mod selection;
mod serve;
mod soak;
mod store_properties;
mod suite_schema;
mod sweep;
mod targets;
mod throttling;
mod webhooks;
