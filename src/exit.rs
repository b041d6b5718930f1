//! The exit codes of every command: one meaning each, stable across releases (CI scripts
//! branch on them). The tables of the README and of the guide's Exit codes chapter
//! (docs/src/exit-codes.md) list the same codes; a test keeps them in step.

/// Everything passed.
pub const SUCCESS: u8 = 0;
/// ION refused an operation of the seeding chain (`seed`, `smoke`), or a delete of
/// `sweep --yes`.
pub const SEED_REFUSED: u8 = 1;
/// Invalid suites, targets, chain, options or reports, or a target that cannot be set up.
pub const INVALID: u8 = 2;
/// A live target's preflight failed: an environment mismatch or refused credentials.
pub const PREFLIGHT_FAILED: u8 = 3;
/// Schema drift that breaks an operation of this project.
pub const SCHEMA_DRIFT: u8 = 4;
/// Data drift from the recorded baseline.
pub const DATA_DRIFT: u8 = 5;
/// The seeded chain is not there at all: a reset sandbox.
pub const RESET: u8 = 6;
/// A case failed (libtest's code).
pub const CASE_FAILED: u8 = 101;
/// Stdout was closed before `run` or `smoke` had reported every case (`| head`): the
/// outcome is unknown. The code of a program ended by SIGPIPE (128 + 13), as a shell shows it.
pub const STDOUT_CLOSED: u8 = 141;

/// Every code, in the order of the README's and the guide's tables.
pub const ALL: [u8; 9] = [
    SUCCESS,
    SEED_REFUSED,
    INVALID,
    PREFLIGHT_FAILED,
    SCHEMA_DRIFT,
    DATA_DRIFT,
    RESET,
    CASE_FAILED,
    STDOUT_CLOSED,
];
