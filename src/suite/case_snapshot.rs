//! A case's snapshot options, checked:
//!
//! ```yaml
//! - name: create-update-delete
//!   shared_snapshot: true        # one snapshot, @any, for every target
//!   keep_in_snapshot: [revision] # captures shown as they are (default: as `${revision}`)
//!   steps: [...]
//! ```
//!
//! What a snapshot redacts is [`crate::redact::case_values`]'s.

use crate::suite::format::CaseSpec;
use crate::suite::model::CaseSnapshot;
use crate::suite::validate::Validator;
use crate::yaml::source::Pos;
use crate::yaml::suggest;

impl Validator<'_> {
    /// The case's `shared_snapshot:` and `keep_in_snapshot:`: a shared snapshot needs a
    /// snapshotted step, and a kept name must be one of the case's captures.
    pub(crate) fn case_snapshot(&mut self, case: &CaseSpec, captures: &[String]) -> CaseSnapshot {
        let steps = case.steps.value.iter();
        let snapshotted = steps
            .chain(case.cleanup.iter().flat_map(|c| &c.value))
            .any(|s| s.value.snapshot.is_some());
        if let Some(shared) = &case.shared_snapshot
            && shared.value
            && !snapshotted
        {
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(shared.referenced),
                        format!(
                            "case '{}' shares a snapshot, and none of its steps has `snapshot:`",
                            case.name.value
                        ),
                    )
                    .with_help(
                        "add `snapshot: true` to the steps whose responses the snapshot holds, \
                         or remove `shared_snapshot:`",
                    ),
            );
        }
        let mut keep = Vec::new();
        for name in case.keep_in_snapshot.iter().flat_map(|k| &k.value) {
            if captures.contains(&name.value) {
                keep.push(name.value.clone());
                continue;
            }
            let known = if captures.is_empty() {
                "the case captures nothing".to_owned()
            } else {
                format!("its captures are {}", captures.join(", "))
            };
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(name.referenced),
                        format!(
                            "`keep_in_snapshot:` names '{}', which case '{}' does not \
                             capture{}",
                            name.value,
                            case.name.value,
                            suggest::suffix(&name.value, captures.iter().map(String::as_str))
                        ),
                    )
                    .with_help(format!(
                        "list names from the case's `capture:` maps ({known}), or remove it"
                    )),
            );
        }
        CaseSnapshot {
            shared: case.shared_snapshot.as_ref().is_some_and(|s| s.value),
            keep,
        }
    }
}
