//! Located, human-readable diagnostics for user input.
