//! Targets: where a suite's operations are sent.
//!
//! A target has a name (the last part of every trial name), says whether it is read-only,
//! and says how to reach ION. Only the embedded double (`mock`, the default) exists so far;
//! live targets (a sandbox, production read-only) are defined in `suites/targets.yaml` by a
//! later version and plug in here as another [`TargetKind`].

use std::fmt;

/// The environment variable that selects the target.
pub const TARGET_ENV: &str = "ION_TARGET";
/// The target used when none is selected.
pub const DEFAULT_TARGET: &str = "mock";

/// Where operations go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name used in trial names and snapshot suffixes.
    pub name: String,
    /// Mutations are refused on a read-only target.
    pub read_only: bool,
    /// How to reach it.
    pub kind: TargetKind,
}

/// How a target is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A fresh embedded ION double per trial: no network, no credentials.
    Double,
}

/// A target name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownTarget {
    /// The name asked for.
    pub name: String,
}

impl fmt::Display for UnknownTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name.as_str() {
            "sandbox" | "production" => write!(
                f,
                "target `{}` is a live ION target, which this version cannot run yet; \
                 use `{DEFAULT_TARGET}` (unset {TARGET_ENV} or pass --target {DEFAULT_TARGET})",
                self.name
            ),
            _ => write!(
                f,
                "unknown target `{}`; the targets are: {DEFAULT_TARGET} (set {TARGET_ENV} or \
                 pass --target)",
                self.name
            ),
        }
    }
}

impl Target {
    /// The target called `name`.
    pub fn named(name: &str) -> Result<Target, UnknownTarget> {
        match name {
            DEFAULT_TARGET => Ok(Target {
                name: DEFAULT_TARGET.into(),
                read_only: false,
                kind: TargetKind::Double,
            }),
            other => Err(UnknownTarget { name: other.into() }),
        }
    }

    /// Whether a suite with this `targets:` list runs on this target.
    pub fn admits(&self, suite_targets: Option<&[String]>) -> bool {
        suite_targets.is_none_or(|names| names.contains(&self.name))
    }
}
