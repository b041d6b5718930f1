//! A step's `expect_webhook:`, the webhook event its change must fire:
//!
//! ```yaml
//! expect_webhook:
//!   resource: PARTS          # a value of the schema's ResourceEnum (ION's table names)
//!   action: CREATE           # CREATE, UPDATE or DELETE
//!   id: ${part_id}           # optional: the changed row (this step's captures may be used)
//!   within: 2s               # default 5s
//!   signature: valid         # default; `any` skips the check
//!   events: 1                # exactly this many events; default 1
//!   deliveries: 2            # exactly this many deliveries of each event; default: at least 1
//!   sink_answers: [500, 200] # the sink's answers to an event's deliveries in turn
//! ```
//!
//! How the harness checks it is [`crate::webhook`]'s.

use std::time::Duration;

use apollo_compiler::schema::ExtendedType;

use crate::suite::captures::TemplateScope;
use serde_json::Value;

use crate::suite::format::{CaseSpec, ExpectWebhookSpec, Node, Spanned};
use crate::suite::model::WebhookExpectation;
use crate::suite::throttle::{duration, whole};
use crate::suite::validate::Validator;
use crate::yaml::source::Pos;
use crate::yaml::suggest;

/// `action:` values, as ION's `WebhookSubscriptionActions` has them.
pub(crate) const WEBHOOK_ACTIONS: [&str; 3] = ["CREATE", "UPDATE", "DELETE"];
/// `signature:` values.
pub(crate) const SIGNATURE_CHECKS: [&str; 2] = ["valid", "any"];
/// `events:`, inclusive.
pub(crate) const WEBHOOK_EVENTS: (u32, u32) = (0, 100);
/// `deliveries:` and the length of `sink_answers:`, inclusive.
pub(crate) const DELIVERIES: (u32, u32) = (1, 20);
/// `within:` when not written.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(5);
/// The longest `within:`.
const MAX_WITHIN: Duration = Duration::from_secs(600);
/// The enum of the schema whose values `resource:` takes.
const RESOURCE_ENUM: &str = "ResourceEnum";

impl Validator<'_> {
    /// Reads a step's `expect_webhook:`. `scope` is the step's template scope; `id:` may also
    /// use the step's own captures, which are taken before the events are checked.
    pub(crate) fn expect_webhook(
        &mut self,
        spec: &Spanned<ExpectWebhookSpec>,
        scope: &TemplateScope<'_>,
    ) -> Option<WebhookExpectation> {
        let before = self.diags.len();
        let s = &spec.value;
        self.resource(&s.resource);
        one_of(self, &s.action, "action", &WEBHOOK_ACTIONS);
        if let Some(signature) = &s.signature {
            one_of(self, signature, "signature", &SIGNATURE_CHECKS);
        }
        if let Some(id) = &s.id {
            let with_own_captures = TemplateScope {
                step_index: scope.step_index + 1,
                ..*scope
            };
            self.templates(id, &with_own_captures);
        }
        let within = s.within.as_ref().map_or(Some(DEFAULT_WITHIN), |w| {
            let parsed = duration(self, w, "within")?;
            if parsed > MAX_WITHIN || parsed.is_zero() {
                self.diags.push(
                    self.src
                        .diag(
                            Pos::from(w.referenced),
                            format!("`within: {}` is out of range", w.value.trim()),
                        )
                        .with_help("wait more than nothing and at most 10m, e.g. `within: 2s`"),
                );
            }
            Some(parsed)
        });
        let events = s
            .events
            .as_ref()
            .map_or(1, |n| whole(self, n, "events", WEBHOOK_EVENTS));
        let deliveries = s
            .deliveries
            .as_ref()
            .map(|n| whole(self, n, "deliveries", DELIVERIES));
        let sink_answers = s
            .sink_answers
            .as_ref()
            .map_or_else(|| vec![200], |list| self.sink_answers(list));
        let expectation = WebhookExpectation {
            resource: s.resource.value.trim().to_owned(),
            action: s.action.value.trim().to_owned(),
            id: s.id.as_ref().map(Node::to_json),
            within: within?,
            signature: s
                .signature
                .as_ref()
                .is_none_or(|s| s.value.trim() == "valid"),
            events,
            deliveries,
            sink_answers,
            at: Pos::from(spec.referenced).location(),
        };
        (self.diags.len() == before).then_some(expectation)
    }

    /// Case-wide rules: a `cleanup:` step and a `throttle:` or `ramp:` case expect no
    /// webhook, and the steps of a
    /// case that expect the same resource and action give the sink the same answers (the
    /// sink tells deliveries apart by resource and action only).
    pub(crate) fn case_webhooks(&mut self, case: &CaseSpec) {
        let cleanup = case.cleanup.as_ref().map_or(&[][..], |c| &c.value[..]);
        for spec in cleanup
            .iter()
            .filter_map(|s| s.value.expect_webhook.as_ref())
        {
            self.diags.push(
                self.src
                    .diag(Pos::from(spec.referenced), "a `cleanup:` step cannot expect a webhook")
                    .with_help("move `expect_webhook:` to a step of `steps:`; cleanup steps only undo what the case wrote"),
            );
        }
        let expectations = case
            .steps
            .value
            .iter()
            .filter_map(|step| step.value.expect_webhook.as_ref());
        let mut seen: Vec<(String, String, Value, Pos)> = Vec::new();
        for spec in expectations {
            let at = Pos::from(spec.referenced);
            if case.throttle.is_some() || case.ramp.is_some() {
                self.diags.push(
                    self.src
                        .diag(at, "a `throttle:` or `ramp:` case cannot expect a webhook")
                        .with_help("check the webhook in a case of its own, with one request"),
                );
                continue;
            }
            let s = &spec.value;
            let (resource, action) = (s.resource.value.trim(), s.action.value.trim());
            let answers = s.sink_answers.as_ref().map_or(Value::Null, |list| {
                Value::Array(list.value.iter().map(Node::to_json).collect())
            });
            match seen
                .iter()
                .find(|(r, a, _, _)| r == resource && a == action)
            {
                Some((_, _, first, first_at)) if *first != answers => self.diags.push(
                    self.src
                        .diag(
                            at,
                            format!("this case gives the sink two scripts for {resource} {action}"),
                        )
                        .with_help(format!(
                            "write the same `sink_answers` as the step at line {}, or move \
                             this step into a case of its own",
                            first_at.line
                        )),
                ),
                Some(_) => {}
                None => seen.push((resource.to_owned(), action.to_owned(), answers, at)),
            }
        }
    }

    /// `resource:` must be a value of the schema's `ResourceEnum`.
    fn resource(&mut self, spec: &Spanned<String>) {
        let written = spec.value.trim();
        let values: Vec<&str> = match self.schema.types.get(RESOURCE_ENUM) {
            Some(ExtendedType::Enum(e)) => e.values.keys().map(|v| v.as_str()).collect(),
            _ => {
                self.diags.push(
                    self.src
                        .diag(
                            Pos::from(spec.referenced),
                            format!("the schema has no enum `{RESOURCE_ENUM}` to check `resource: {written}` against"),
                        )
                        .with_help("webhook expectations need ION's webhook types in the schema the suites are checked against"),
                );
                return;
            }
        };
        if !values.contains(&written) {
            let shown: Vec<&str> = values.iter().copied().take(12).collect();
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(spec.referenced),
                        format!(
                            "unknown webhook resource '{written}'{}",
                            suggest::suffix(written, values.iter().copied())
                        ),
                    )
                    .with_label("not a ResourceEnum value")
                    .with_help(format!(
                        "resources are ION's table names, e.g. {}{}",
                        shown.join(", "),
                        if values.len() > shown.len() {
                            ", ..."
                        } else {
                            ""
                        }
                    )),
            );
        }
    }

    /// `sink_answers:`: HTTP statuses, 1 to 20 of them.
    fn sink_answers(&mut self, list: &Spanned<Vec<Node>>) -> Vec<u16> {
        let at = Pos::from(list.referenced);
        if list.value.is_empty() || list.value.len() > DELIVERIES.1 as usize {
            self.diags.push(
                self.src
                    .diag(
                        at,
                        format!("`sink_answers` has {} statuses", list.value.len()),
                    )
                    .with_help(format!(
                        "give 1 to {} HTTP statuses, e.g. `sink_answers: [500, 200]`",
                        DELIVERIES.1
                    )),
            );
        }
        list.value
            .iter()
            .map(|node| match node.to_json().as_u64() {
                Some(status @ 200..=599) => status as u16,
                _ => {
                    self.diags.push(
                        self.src
                            .diag(
                                node.at,
                                format!(
                                    "`sink_answers` holds HTTP statuses from 200 to 599, found {}",
                                    node.to_json()
                                ),
                            )
                            .with_help("e.g. `sink_answers: [500, 200]`: 500 to the first delivery of an event, 200 to the next"),
                    );
                    200
                }
            })
            .collect()
    }
}

fn one_of(v: &mut Validator<'_>, spec: &Spanned<String>, key: &str, allowed: &[&str]) {
    let written = spec.value.trim();
    if !allowed.contains(&written) {
        v.diags.push(
            v.src
                .diag(
                    Pos::from(spec.referenced),
                    format!(
                        "unknown `{key}` value '{written}'{}",
                        suggest::suffix(written, allowed.iter().copied())
                    ),
                )
                .with_help(format!("write one of {}", allowed.join(", "))),
        );
    }
}
