//! Schema drift for this project: the changes from the committed schema to the live one,
//! each breaking change split by whether an operation of the project uses it, and the
//! project's operations that no longer validate against the live schema.

use std::fmt::Write as _;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use super::change::{Change, Class};
use super::operations::ProjectOperation;
use super::schema::diff;

/// How many dangerous changes no operation uses, and how many safe changes, a report lists
/// unless asked for all.
pub const SHOWN: usize = 20;

/// A change and the operations that use what it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedChange {
    /// The change.
    pub change: Change,
    /// The labels of the operations it touches (`suite::case::step`, `<file>:<operation>`).
    pub used_by: Vec<String>,
}

/// An operation of the project that does not validate against the live schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOperation {
    /// `suite::case::step`, or `<file>:<operation>`.
    pub label: String,
    /// apollo-compiler's errors, located.
    pub errors: Vec<String>,
}

/// The schema drift between the committed schema and the live one, for this project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaDrift {
    /// Breaking changes that an operation of the project uses.
    pub breaking_here: Vec<UsedChange>,
    /// Breaking changes that no operation of the project uses.
    pub breaking_elsewhere: Vec<Change>,
    /// Dangerous changes (with the operations they touch, if any).
    pub dangerous: Vec<UsedChange>,
    /// Safe changes (with the operations they touch, if any).
    pub safe: Vec<UsedChange>,
    /// Operations that no longer validate against the live schema.
    pub invalid: Vec<InvalidOperation>,
    /// How many operations were looked at.
    pub operations: usize,
}

impl SchemaDrift {
    /// Compares `committed` with `live` for `operations`.
    pub fn compare(
        committed: &Valid<Schema>,
        live: &Valid<Schema>,
        operations: &[ProjectOperation],
    ) -> SchemaDrift {
        let uses: Vec<_> = operations
            .iter()
            .map(|op| (op.label.as_str(), op.uses(committed)))
            .collect();
        let mut changes = diff(committed, live);
        changes.sort_by(|a, b| a.at.cmp(&b.at));
        let mut drift = SchemaDrift {
            operations: operations.len(),
            ..SchemaDrift::default()
        };
        for change in changes {
            let used_by: Vec<String> = uses
                .iter()
                .filter(|(_, uses)| uses.touches(&change))
                .map(|(label, _)| (*label).to_owned())
                .collect();
            match change.class {
                Class::Breaking if used_by.is_empty() => drift.breaking_elsewhere.push(change),
                Class::Breaking => drift.breaking_here.push(UsedChange { change, used_by }),
                Class::Dangerous => drift.dangerous.push(UsedChange { change, used_by }),
                Class::Safe => drift.safe.push(UsedChange { change, used_by }),
            }
        }
        for operation in operations {
            let errors = operation.validate(live);
            if !errors.is_empty() {
                drift.invalid.push(InvalidOperation {
                    label: operation.label.clone(),
                    errors,
                });
            }
        }
        drift
    }

    /// Whether the drift breaks this project: a breaking change an operation uses, or an
    /// operation that no longer validates.
    pub fn breaks_this_project(&self) -> bool {
        !self.breaking_here.is_empty() || !self.invalid.is_empty()
    }

    /// The readable report: a summary line, then the groups (breaking for this project,
    /// breaking elsewhere, dangerous, safe, invalid operations), one change a line as
    /// `Coordinate  what happened`, with the operations that use it below. Unless `all`,
    /// dangerous changes no operation uses and safe changes are cut at [`SHOWN`] each (a
    /// committed schema that is a subset of ION's makes many of them).
    pub fn render(&self, live: &str, committed: &str, all: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "schema drift: {live} against {committed}, for {} operation(s) of this project",
            self.operations
        );
        let _ = writeln!(
            out,
            "{} breaking for this project, {} breaking elsewhere, {} dangerous, {} safe; {} \
             operation(s) invalid against the live schema",
            self.breaking_here.len(),
            self.breaking_elsewhere.len(),
            self.dangerous.len(),
            self.safe.len(),
            self.invalid.len()
        );
        group(
            &mut out,
            "breaking for this project (operations of this project use these)",
            &self.breaking_here,
            None,
            true,
        );
        let elsewhere: Vec<UsedChange> = self
            .breaking_elsewhere
            .iter()
            .map(|change| UsedChange {
                change: change.clone(),
                used_by: Vec::new(),
            })
            .collect();
        group(
            &mut out,
            "breaking elsewhere (no operation of this project uses these)",
            &elsewhere,
            None,
            false,
        );
        let limit = (!all).then_some(SHOWN);
        group(&mut out, "dangerous", &self.dangerous, limit, true);
        group(&mut out, "safe", &self.safe, limit, false);
        if !self.invalid.is_empty() {
            let _ = writeln!(
                out,
                "\noperations invalid against the live schema ({}):",
                self.invalid.len()
            );
            for invalid in &self.invalid {
                let _ = writeln!(out, "  {}", invalid.label);
                for error in &invalid.errors {
                    let _ = writeln!(out, "      {error}");
                }
            }
        }
        out.push('\n');
        if self.breaks_this_project() {
            out.push_str(
                "verdict: the live schema breaks this project (exit 4)\nhelp: update the \
                 operations listed above to the live schema (or ask ION about the change), then \
                 update the committed schema, e.g. from `ion-contract schema pull`\n",
            );
        } else {
            out.push_str(
                "verdict: no change breaks this project and every operation validates against \
                 the live schema (exit 0)\n",
            );
        }
        out
    }
}

/// One group of the report. With `users`, the operations that use a change are listed below
/// it, and every used change is shown; of the others at most `limit`, then a count.
fn group(out: &mut String, title: &str, changes: &[UsedChange], limit: Option<usize>, users: bool) {
    let _ = writeln!(out, "\n{title} ({}):", changes.len());
    if changes.is_empty() {
        out.push_str("  none\n");
        return;
    }
    let mut unused = 0;
    let shown: Vec<&UsedChange> = changes
        .iter()
        .filter(|c| {
            if users && !c.used_by.is_empty() {
                return true;
            }
            unused += 1;
            limit.is_none_or(|limit| unused <= limit)
        })
        .collect();
    let width = shown
        .iter()
        .map(|c| c.change.at.to_string().len())
        .max()
        .unwrap_or(0);
    for used in &shown {
        let at = used.change.at.to_string();
        let _ = writeln!(out, "  {at:width$}  {}", used.change.describe());
        for label in used.used_by.iter().filter(|_| users) {
            let _ = writeln!(out, "      used by {label}");
        }
    }
    if shown.len() < changes.len() {
        let which = if users {
            " that no operation of this project uses"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  ... and {} more{which} (--all lists them)",
            changes.len() - shown.len()
        );
    }
}
