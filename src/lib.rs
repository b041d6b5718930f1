//! ion-contract: contract-and-mismatch tests for integrations built on ION's GraphQL API.
//!
//! (The manual is written here as the crate grows; see README.md meanwhile.)

#![forbid(unsafe_code)]

pub mod diagnostic;
pub mod double;
pub mod suite;
