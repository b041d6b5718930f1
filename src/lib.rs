//! ion-contract: contract-and-mismatch tests for integrations built on ION's GraphQL API.
//!
//! (The manual is written here as the crate grows; see README.md meanwhile.)

#![forbid(unsafe_code)]

pub mod auth;
pub mod check;
pub mod client;
pub mod diagnostic;
pub mod double;
pub mod execute;
pub mod redact;
pub mod runner;
pub mod secret;
pub mod snapshot;
pub mod suite;
pub mod target;
