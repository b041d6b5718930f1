//! The checks of one case: its name, its steps and cleanup with the captures they share, its
//! load check (`throttle:` or `ramp:`), its webhooks and its snapshot settings. The steps'
//! own checks are in [`super::step`].

use crate::suite::captures::{CaptureDef, TemplateScope};
use crate::suite::format::{CaseSpec, Spanned};
use crate::suite::model::{Case, LoadCheck};
use crate::suite::throttle;
use crate::suite::validate::Validator;
use crate::yaml::source::Pos;

impl Validator<'_> {
    /// A case, checked; `None` when it has a problem (each one is in the diagnostics).
    pub(super) fn case(&mut self, spec: &Spanned<CaseSpec>) -> Option<Case> {
        let case = &spec.value;
        let name = &case.name;
        self.file_name_rule(
            name,
            "case",
            "case names become part of test and snapshot file names",
            "name: list-parts",
        );
        if case.steps.value.is_empty() {
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(case.steps.referenced),
                        format!("case '{}' has no steps", name.value),
                    )
                    .with_help("add at least one step with a `query:` or a `document:`"),
            );
        }
        // `cleanup:` steps follow the case's steps: they see every capture before them.
        let main_count = case.steps.value.len();
        let cleanup = case.cleanup.as_ref().map_or(&[][..], |c| &c.value[..]);
        let all_steps: Vec<_> = case.steps.value.iter().chain(cleanup).collect();
        let default_name = |i: usize| match i.checked_sub(main_count) {
            Some(j) => format!("cleanup-{}", j + 1),
            None => format!("step-{}", i + 1),
        };
        let step_names: Vec<String> = (all_steps.iter().enumerate())
            .map(|(i, s)| {
                let name = s.value.name.as_ref();
                name.map_or_else(|| default_name(i), |n| n.value.clone())
            })
            .collect();
        let captures: Vec<CaptureDef> = (all_steps.iter().enumerate())
            .flat_map(|(i, s)| {
                let names: Vec<String> = s
                    .value
                    .capture
                    .iter()
                    .flat_map(|c| c.value.0.iter().map(|(k, _)| k.value.clone()))
                    .collect();
                let step_name = step_names.get(i).cloned().unwrap_or_default();
                names.into_iter().map(move |name| CaptureDef {
                    name,
                    step_index: i,
                    step_name: step_name.clone(),
                })
            })
            .collect();
        let (mut steps, mut cleanup_steps) = (Vec::new(), Vec::new());
        let mut snapshot_keys: Vec<(String, Pos)> = Vec::new();
        for (i, step) in all_steps.into_iter().enumerate() {
            let step_name = step_names.get(i).cloned().unwrap_or_default();
            if let Some(n) = &step.value.name
                && n.value.trim().is_empty()
            {
                self.diags.push(
                    self.src
                        .diag(Pos::from(n.referenced), "a step name is empty")
                        .with_help(format!(
                            "name the step, or remove `name:` to use the default '{}'",
                            default_name(i)
                        )),
                );
            }
            if let Some(first) = step_names[..i].iter().position(|n| *n == step_name) {
                let at = step
                    .value
                    .name
                    .as_ref()
                    .map_or(Pos::from(step.referenced), |n| Pos::from(n.referenced));
                self.diags.push(
                    self.src
                        .diag(at, format!("duplicate step name '{step_name}' in case '{}'", name.value))
                        .with_help(format!("step names must be unique within a case (step {} has it too); steps without `name:` are called `step-<n>`", first + 1)),
                );
            }
            let kind = if i < main_count {
                "step"
            } else {
                "cleanup step"
            };
            let context = format!("case '{}', {kind} '{}'", name.value, step_name);
            let scope = TemplateScope {
                all: &captures,
                step_index: i,
                step_name: &step_name,
                context: &context,
            };
            if let Some(step) = self.step(step, &step_name, &scope, &mut snapshot_keys) {
                let list = if i < main_count {
                    &mut steps
                } else {
                    &mut cleanup_steps
                };
                list.push(step);
            }
        }
        let load = self.load_check(case);
        self.case_webhooks(case);
        let captured: Vec<String> = captures.iter().map(|c| c.name.clone()).collect();
        let snapshot = self.case_snapshot(case, &captured);
        Some(Case {
            name: name.value.clone(),
            description: case.description.as_ref().map(|d| d.value.clone()),
            steps,
            cleanup: cleanup_steps,
            load,
            snapshot,
            at: Pos::from(spec.referenced).location(),
        })
    }

    /// A case's `throttle:` or `ramp:` (not both), which drive exactly one step.
    fn load_check(&mut self, case: &CaseSpec) -> Option<LoadCheck> {
        let check = match (&case.throttle, &case.ramp) {
            (None, None) => return None,
            (Some(_), Some(ramp)) => {
                self.diags.push(
                    self.src
                        .diag(
                            Pos::from(ramp.referenced),
                            "a case is a `throttle:` check or a `ramp:`, not both",
                        )
                        .with_help("move the ramp into a case of its own"),
                );
                return None;
            }
            (Some(t), None) => throttle::throttle(self, t).map(LoadCheck::Throttle),
            (None, Some(r)) => throttle::ramp(self, r).map(LoadCheck::Ramp),
        };
        if case.steps.value.len() != 1 {
            self.diags.push(
                self.src
                    .diag(Pos::from(case.steps.referenced), format!("a `throttle:` or `ramp:` case drives exactly one step, found {}", case.steps.value.len()))
                    .with_help("keep the one request to send many times; put other steps in a case of their own"),
            );
        }
        check
    }
}
