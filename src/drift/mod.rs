//! Drift: what changed on a live ION since the project was written against it: its schema
//! (below) and the data the project seeded ([`data`], `ion-contract drift`).
//!
//! # Schema drift
//!
//! `ion-contract schema pull --target T` reads a target's schema by introspection and writes
//! it as SDL; `ion-contract schema diff --target T` compares it with the committed SDL
//! (`suites/schema/ion.graphql`) for this project:
//!
//! 1. the live schema is read ([`fetch`]: the introspection query of [`introspect`], through
//!    the target's client, after the preflight on a live target; its answer as a schema by
//!    [`sdl`]), or taken from a file (`--live FILE`);
//! 2. every change from the committed schema to it is found and classified breaking,
//!    dangerous or safe ([`schema`], graphql-inspector's rules; the vocabulary in [`change`]);
//! 3. the operations of the project ([`operations`]: every suite step's, every operation of
//!    the `--documents` files) say what they use ([`usage`]), so that a breaking change is
//!    *breaking for this project* when one of them uses what it changes, and *breaking
//!    elsewhere* otherwise;
//! 4. every operation is validated against the live schema ([`report`]).
//!
//! The command exits 0 when no change breaks this project and every operation validates, 4
//! otherwise, 2 on invalid input (and when the schema cannot be read), 3 when a live
//! target's preflight fails.

pub mod change;
pub mod data;
pub mod fetch;
pub mod introspect;
pub mod operations;
pub mod report;
pub mod schema;
pub mod schema_file;
pub mod sdl;
pub mod usage;

pub use change::{Change, ChangeKind, Class, Coordinate};
pub use operations::ProjectOperation;
pub use report::SchemaDrift;
