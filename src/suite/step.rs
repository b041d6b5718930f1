//! One step: its credential profile, operation and variables, expectations, captures and
//! snapshot key.
//!
//! The operation is resolved and validated first (see [`super::graphql`]); when it
//! validates, the step's data paths and captures are also followed through its selection
//! (see [`super::selection`]). Everything else is checked whether or not the operation is
//! valid, so one pass reports all of a step's problems.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::SelectionSet;
use serde_json::Map;

use crate::suite::captures::{TemplateScope, fixed_name};
use crate::suite::expect;
use crate::suite::format::{SnapshotSpec, Spanned, StepSpec};
use crate::suite::graphql::{self, StepScope};
use crate::suite::model::{Capture, Profile, Step};
use crate::suite::validate::{Validator, is_capture_name};
use crate::suite::{selection, variables};
use crate::yaml::source::Pos;
use crate::yaml::suggest;

impl Validator<'_> {
    /// Builds one step named `name` (its `name:` or `step-<n>`). `snapshot_keys` holds the
    /// snapshot keys of the case's earlier steps, to refuse a key used twice.
    pub(crate) fn step(
        &mut self,
        spec: &Spanned<StepSpec>,
        name: &str,
        templates: &TemplateScope<'_>,
        snapshot_keys: &mut Vec<(String, Pos)>,
    ) -> Option<Step> {
        let step = &spec.value;
        let step_at = Pos::from(spec.referenced);
        let scope = StepScope {
            src: self.src,
            suite_dir: self.suite_dir,
            schema: self.schema,
            parsed: self.parsed,
            context: templates.context.to_owned(),
            step_at,
        };
        let mut diags = Vec::new();
        let resolved = graphql::resolve(&scope, step, &mut diags);
        if let Some(resolved) = &resolved {
            variables::check(&scope, resolved, step.variables.as_ref(), &mut diags);
        }
        self.diags.append(&mut diags);
        if let Some((doc, op)) = resolved.as_ref().and_then(|r| r.executable()) {
            self.paths_reach_selected_fields(step, doc, &op.selection_set, templates.context);
        }

        let profile = step.as_.as_ref().and_then(|p| self.profile(p));
        let mut vars = Map::new();
        for (key, value) in step.variables.iter().flat_map(|v| v.value.0.iter()) {
            self.templates(value, templates);
            vars.insert(key.value.clone(), value.to_json());
        }
        let expect = expect::build(self, step.expect.as_ref(), templates);
        let timeout = step.timeout.as_ref().map(|t| self.step_timeout(t));
        let fault = step.fault.as_ref().map(|f| self.fault(f));
        let expect_webhook = step
            .expect_webhook
            .as_ref()
            .map(|spec| self.expect_webhook(spec, templates));

        let mut captures = Vec::new();
        for (key, path) in step.capture.iter().flat_map(|c| c.value.0.iter()) {
            let key_at = Pos::from(key.referenced);
            if !is_capture_name(&key.value) {
                self.diags.push(
                    self.src
                        .diag(key_at, format!("invalid capture name '{}'", key.value))
                        .with_label("not usable as `${name}`")
                        .with_help(format!(
                            "capture names are used as `${{name}}`: letters, digits and `_`, not starting with a digit, e.g. '{}'",
                            fixed_name(&key.value)
                        )),
                );
            }
            if let Some(path) = self.path(path) {
                captures.push(Capture {
                    name: key.value.clone(),
                    path,
                    at: key_at.location(),
                });
            }
        }

        let snapshot = match step
            .snapshot
            .as_ref()
            .map(|s| (&s.value, Pos::from(s.referenced)))
        {
            None | Some((SnapshotSpec::Flag(false), _)) => None,
            Some((SnapshotSpec::Flag(true), at)) => Some((name.to_owned(), at)),
            Some((SnapshotSpec::Key(key), at)) => {
                if key.trim().is_empty() {
                    self.diags.push(
                        self.src.diag(at, "the snapshot key is empty").with_help(
                            "write `snapshot: true` to use the step name, or give a key",
                        ),
                    );
                }
                Some((key.clone(), at))
            }
        };
        if let Some((key, at)) = &snapshot {
            if let Some((_, first)) = snapshot_keys.iter().find(|(k, _)| k == key) {
                self.diags.push(
                    self.src
                        .diag(*at, format!("snapshot key '{key}' is used twice in this case"))
                        .with_help(format!("each step records its response under its own key; the first use is at line {}; give this one another key, e.g. `snapshot: {key}-2`", first.line)),
                );
            } else {
                snapshot_keys.push((key.clone(), *at));
            }
        }

        Some(Step {
            name: name.to_owned(),
            at: step_at.location(),
            profile,
            operation: resolved?.operation,
            variables: vars,
            retry: step.retry.as_ref().is_none_or(|r| r.value),
            expect: expect?,
            expect_webhook: all_valid(expect_webhook)?,
            timeout: all_valid(timeout)?,
            fault: all_valid(fault)?,
            captures,
            snapshot: snapshot.map(|(k, _)| k),
        })
    }

    /// The credential profile `as:` names: a reserved name (which wins over a target of the
    /// same name) or a defined target.
    fn profile(&mut self, spec: &Spanned<String>) -> Option<Profile> {
        let name = spec.value.as_str();
        if let Some(profile) = Profile::reserved(name) {
            return Some(profile);
        }
        if self.targets.iter().any(|t| t == name) {
            return Some(Profile::Target(name.to_owned()));
        }
        let known = self
            .targets
            .iter()
            .map(String::as_str)
            .chain(Profile::RESERVED);
        let message = format!(
            "unknown credential profile '{name}'{}",
            suggest::suffix(name, known)
        );
        let help = format!(
            "`as:` names a target whose credentials the request carries ({}), or one of {}",
            self.targets.join(", "),
            Profile::RESERVED.join(", ")
        );
        self.diags.push(
            self.src
                .diag(Pos::from(spec.referenced), message)
                .with_label("not a target or a reserved profile")
                .with_help(help),
        );
        None
    }

    /// Reports data assertion and capture paths that cannot reach what the operation selects.
    fn paths_reach_selected_fields(
        &mut self,
        step: &StepSpec,
        doc: &ExecutableDocument,
        root: &SelectionSet,
        context: &str,
    ) {
        let assertions = step
            .expect
            .iter()
            .flat_map(|e| e.value.data.iter().flat_map(|d| d.value.iter()));
        let captures = step
            .capture
            .iter()
            .flat_map(|c| c.value.0.iter().map(|(_, path)| path));
        for raw in assertions.map(|a| &a.value.path).chain(captures) {
            if !self.path_parses(&raw.value) {
                continue; // Reported by `path`.
            }
            if let Some(p) = selection::check(self.schema, doc, root, &raw.value) {
                let d = self
                    .in_string(
                        Pos::from(raw.referenced),
                        &raw.value,
                        p.offset,
                        p.len,
                        p.message,
                    )
                    .with_label(p.label)
                    .with_help(p.help)
                    .with_note(format!("in {context}"));
                self.diags.push(d);
            }
        }
    }
}

/// `Some(None)` (an optional key written but invalid) as `None`, so the step is dropped; an
/// absent key (`None`) or a valid one as `Some(..)`.
fn all_valid<T>(read: Option<Option<T>>) -> Option<Option<T>> {
    match read {
        Some(None) => None,
        Some(Some(value)) => Some(Some(value)),
        None => Some(None),
    }
}
