//! Runs one case against one target: its steps in order, with templates resolved from the
//! captures of earlier steps, each response checked and, where asked, recorded for the
//! snapshot.
//!
//! The result is data ([`CaseOutcome`]); nothing here prints, asserts snapshots or knows the
//! test runner. The first step that fails ends the case: later steps usually depend on its
//! captures. Then the case's `cleanup:` steps run, whatever happened (module `cleanup`).

mod cleanup;
mod describe;
mod failure;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use crate::auth::{AuthClass, TokenKnowledge};
use crate::check::{self, Mismatch, Observed};
use crate::client::{
    ClientError, Delivery, GraphqlClient, GraphqlRequest, RETRY_AFTER, RawResponse, TransportKind,
    retry_after,
};
use crate::phase_time::{self, Phase};
use crate::profile::AsProfile;
use crate::redact;
use crate::redact::case_values::CaseValues;
use crate::suite::template;
use crate::suite::{Case, LoadCheck, OperationKind, Step, Suite, WebhookExpectation};
use crate::webhook::{Watch, WebhookSetup};
use describe::show_body;
pub use describe::{describe_failure, describe_outcome, round_ms};
pub use failure::{FailureKind, StepFailure};
use failure::{expected_failure, failure_of};

/// How a case ended.
#[derive(Debug, Clone, Default)]
pub struct CaseOutcome {
    /// One entry per step that ran, in order.
    pub steps: Vec<StepOutcome>,
    /// The recorded responses of snapshotted steps, keyed by snapshot key (already redacted).
    pub recorded: Map<String, Value>,
    /// Set when a step failed; the case stopped there.
    pub failure: Option<StepFailure>,
    /// The `cleanup:` steps that failed (their `step` follows the case's steps, see
    /// [`crate::suite::Case::step_at`]); the other cleanup steps still ran.
    pub cleanup_failures: Vec<StepFailure>,
    /// What a load check measured, one line each, printed after the run.
    pub notes: Vec<String>,
    /// What the case wrote and created, redacted from [`CaseOutcome::recorded`] once the
    /// case ends.
    pub owned: CaseValues,
}

/// A response that met its step's expectations.
pub(crate) struct Judged {
    /// The step's snapshot entry (`{status, data, errors}`, redacted), when it has `snapshot:`.
    pub entry: Option<Value>,
    /// What the step captured.
    pub captured: Map<String, Value>,
    /// The response's `data`, for a mutation (its creates' ids are the case's own).
    pub mutated: Option<Value>,
}

/// Why a sent step failed: the kind of failure, and the response body as shown in the
/// failure message (redacted and abbreviated), when an answer came that is worth showing.
pub(crate) struct Failed {
    pub kind: FailureKind,
    pub response: Option<String>,
}

impl Failed {
    /// A failure with nothing to show: before sending, or with no answer.
    fn unsent(kind: FailureKind) -> Failed {
        Failed {
            kind,
            response: None,
        }
    }

    /// A failure of an answer that is shown with it.
    fn answered(kind: FailureKind, response: Option<String>) -> Failed {
        Failed { kind, response }
    }
}

/// A step sent: what it did, and how its answer was judged.
pub(crate) struct SentStep {
    pub ran: StepOutcome,
    pub judged: Result<Judged, Failed>,
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The step's name.
    pub name: String,
    /// HTTP status, when a response came.
    pub status: Option<u16>,
    /// Time the request took, in milliseconds.
    pub elapsed_ms: u128,
    /// Why ION refused the request, when it did.
    pub auth: Option<AuthClass>,
    /// Whether the step expected a refusal (`expect: {auth: ...}`).
    pub auth_expected: bool,
    /// Attempts, throttling and waits.
    pub delivery: Delivery,
    /// Whether it is one of the case's `cleanup:` steps.
    pub cleanup: bool,
}

/// Everything a case needs besides the case itself.
pub struct CaseRun<'a> {
    /// The suite the case belongs to.
    pub suite: &'a Suite,
    /// The case.
    pub case: &'a Case,
    /// The target's name.
    pub target: &'a str,
    /// The variables holding the target's credentials, for a fix (see
    /// [`crate::targets::Target::credential_variables`]).
    pub credential_variables: &'a str,
    /// Whether the target refuses mutations.
    pub read_only: bool,
    /// Where to send operations, with the target's own credentials.
    pub client: &'a GraphqlClient,
    /// The clients of the profiles the case's steps run `as:`, by profile name.
    pub profiles: &'a BTreeMap<String, AsProfile>,
    /// Reads environment variables for `${env:NAME}`.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// How `expect_webhook:` steps see deliveries on this target.
    pub webhooks: &'a WebhookSetup,
    /// How long a step may take, retries included, unless its `timeout:` says otherwise.
    pub step_timeout: Duration,
    /// The ion-contract double the target is (its base URL), for steps with `fault:`;
    /// `None` on ION.
    pub double_control: Option<DoubleControl<'a>>,
}

/// How to reach a double's admin endpoints.
#[derive(Debug, Clone, Copy)]
pub struct DoubleControl<'a> {
    /// The HTTP client to send with.
    pub http: &'a reqwest::Client,
    /// The double's base URL.
    pub base_url: &'a str,
}

impl CaseRun<'_> {
    /// Runs every step until one fails, then the case's `cleanup:` steps (unless the case
    /// was refused on a read-only target: then nothing runs).
    pub async fn run(&self) -> CaseOutcome {
        let mut outcome = CaseOutcome::default();
        if let Some(failure) = self.refused_mutation() {
            outcome.failure = Some(failure);
            return outcome;
        }
        let captures = self.run_steps(&mut outcome).await;
        self.cleanup(&captures, &mut outcome).await;
        let recorded = Value::Object(std::mem::take(&mut outcome.recorded));
        let run = [crate::run_id::run_id(), crate::run_id::run_short()];
        let keep = &self.case.snapshot.keep;
        if let Value::Object(redacted) = outcome.owned.redact(&recorded, &captures, keep, run) {
            outcome.recorded = redacted;
        }
        outcome
    }

    /// The case's own steps (or its load check); returns the captures they set.
    async fn run_steps(&self, outcome: &mut CaseOutcome) -> Map<String, Value> {
        let mut captures = Map::new();
        if let (Some(load), Some(step)) = (&self.case.load, self.case.steps.first()) {
            *outcome = match load {
                LoadCheck::Throttle(check) => self.throttle(step, check).await,
                LoadCheck::Ramp(check) => self.ramp(step, check).await,
            };
            return captures;
        }
        let watch = match self.watch().await {
            Ok(watch) => watch,
            Err(failure) => {
                outcome.failure = Some(failure);
                return captures;
            }
        };
        for (index, step) in self.case.steps.iter().enumerate() {
            let result = self
                .run_step(step, &mut captures, outcome, watch.as_ref())
                .await;
            let failure = result
                .err()
                .map(|failed| failure_of(index, failed.kind, failed.response, outcome));
            let failure = match step.expect.failure {
                Some(expected) => expected_failure(index, step, expected, failure),
                None => failure,
            };
            if let Some(failure) = failure {
                outcome.failure = Some(failure);
                break;
            }
        }
        if let Some(watch) = watch
            && let Err(e) = watch.finish(self.client).await
        {
            outcome.notes.push(format!(
                "{}::{}::{}: could not remove the webhook receiver it registered: {e}",
                self.suite.id, self.case.name, self.target
            ));
        }
        captures
    }

    /// The case's webhook receiver, registered when a step expects a webhook.
    async fn watch(&self) -> Result<Option<Watch>, StepFailure> {
        let expecting: Vec<(usize, &WebhookExpectation)> = (self.case.steps.iter().enumerate())
            .filter_map(|(i, step)| Some((i, step.expect_webhook.as_ref()?)))
            .collect();
        let Some(&(first, _)) = expecting.first() else {
            return Ok(None);
        };
        let expectations: Vec<&WebhookExpectation> = expecting.iter().map(|(_, e)| *e).collect();
        let name = format!("{}::{}::{}", self.suite.id, self.case.name, self.target);
        match self.webhooks.watch(self.client, &name, &expectations).await {
            Ok(watch) => Ok(Some(watch)),
            Err(mismatch) => Err(StepFailure::before_sending(
                first,
                FailureKind::Webhook(vec![mismatch]),
            )),
        }
    }

    /// On a read-only target, the case's first mutation (its cleanup's included), refused
    /// before any step runs: a case that would write is not started at all.
    fn refused_mutation(&self) -> Option<StepFailure> {
        if !self.read_only {
            return None;
        }
        let mut all = self.case.steps.iter().chain(&self.case.cleanup).enumerate();
        let (index, step) = all.find(|(_, step)| {
            step.operation.kind == OperationKind::Mutation || step.expect_webhook.is_some()
        })?;
        let refused = match step.operation.kind {
            OperationKind::Mutation => {
                format!("mutation {}", step.operation.root_fields.join(", "))
            }
            _ => "the webhook receiver of `expect_webhook:` (a write)".to_owned(),
        };
        Some(StepFailure::before_sending(
            index,
            FailureKind::ReadOnly(format!(
                "{refused} refused: target {} is read-only; no request was sent\n  \
                 help: list the writable targets this suite may run on, e.g. \
                 `targets: [mock, sandbox]`, so it is not planned for {} at all",
                self.target, self.target
            )),
        ))
    }

    async fn run_step(
        &self,
        step: &Step,
        captures: &mut Map<String, Value>,
        outcome: &mut CaseOutcome,
        watch: Option<&Watch>,
    ) -> Result<(), Failed> {
        let variables = self
            .variables(step, captures)
            .map_err(|e| Failed::unsent(FailureKind::Template(e)))?;
        let webhook = match (&step.expect_webhook, watch) {
            (Some(expectation), Some(watch)) => {
                let mark = watch.mark(self.client, expectation).await;
                Some((expectation, watch, mark.map_err(webhook_failure)?))
            }
            _ => None,
        };
        if let Some(rule) = &step.fault {
            let Some(control) = self.double_control else {
                let why = "the step injects a fault, and the target is not an ion-contract double";
                return Err(Failed::unsent(FailureKind::Harness(why.into())));
            };
            crate::double::control::add_fault(control.http, control.base_url, rule)
                .await
                .map_err(|e| Failed::unsent(FailureKind::Harness(e)))?;
        }
        let SentStep { ran, judged } = self.send(step, &variables, captures).await;
        outcome.steps.push(ran);
        let Judged {
            entry,
            captured,
            mutated,
        } = judged?;
        captures.extend(captured);
        if let Some(data) = &mutated {
            outcome.owned.note_created(data);
        }
        let sent = Value::Object(variables);
        outcome
            .owned
            .note_written(&Value::Object(step.variables.clone()), &sent);
        if let Some((expectation, watch, mark)) = webhook {
            let id = match &expectation.id {
                Some(id) => Some(
                    template::resolve(id, captures, self.env)
                        .map(|id| crate::webhook::id_text(&id))
                        .map_err(|e| Failed::unsent(FailureKind::Template(e.to_string())))?,
                ),
                None => None,
            };
            let checked = watch.check(self.client, expectation, id.as_deref(), &mark);
            outcome
                .notes
                .extend(checked.await.map_err(webhook_failure)?);
        }
        if let (Some(key), Some(entry)) = (&step.snapshot, entry) {
            outcome.recorded.insert(key.clone(), entry);
        }
        Ok(())
    }

    /// The step's variables with the templates filled in from `captures` and the environment.
    pub(crate) fn variables(
        &self,
        step: &Step,
        captures: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        match template::resolve(&Value::Object(step.variables.clone()), captures, self.env) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Ok(Map::new()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Sends the step once (with the client's pacing and retries) and checks the response:
    /// what happened, and (for a snapshotted step) its snapshot entry and the captures, or why it failed.
    pub(crate) async fn send(
        &self,
        step: &Step,
        variables: &Map<String, Value>,
        captures: &Map<String, Value>,
    ) -> SentStep {
        let request = GraphqlRequest {
            query: &step.operation.source,
            operation_name: step.operation.operation_name.as_deref(),
            variables,
            idempotent: step.operation.kind == OperationKind::Query,
            retry: step.retry,
        };
        let (client, knowledge) = match step
            .profile
            .as_ref()
            .and_then(|p| self.profiles.get(p.name()))
        {
            Some(profile) => (&profile.client, profile.knowledge),
            None => (self.client, TokenKnowledge::default()),
        };
        let mut ran = StepOutcome {
            name: step.name.clone(),
            status: None,
            elapsed_ms: 0,
            auth: None,
            auth_expected: step.expect.auth.is_some(),
            delivery: Delivery::default(),
            cleanup: false,
        };
        let limit = step.timeout.unwrap_or(self.step_timeout);
        let sending = tokio::time::timeout(limit, client.send(request));
        let response = match phase_time::timed_async(Phase::Request, sending).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                let kind = match &e {
                    ClientError::Transport { kind, attempts, .. } => {
                        ran.delivery.attempts = *attempts;
                        FailureKind::Transport(*kind, e.to_string())
                    }
                    ClientError::Auth(_) => FailureKind::NoToken(e.to_string()),
                    _ => FailureKind::Transport(TransportKind::Connect, e.to_string()),
                };
                return SentStep {
                    ran,
                    judged: Err(Failed::unsent(kind)),
                };
            }
            Err(_) => {
                let message = format!(
                    "no answer within {}, the step's time limit (its `timeout:`, or the \
                     target's `step_timeout`), retries included",
                    humantime::format_duration(limit)
                );
                let kind = FailureKind::Transport(TransportKind::Timeout, message);
                return SentStep {
                    ran,
                    judged: Err(Failed::unsent(kind)),
                };
            }
        };
        phase_time::timed(Phase::Checks, || {
            self.judge(step, captures, knowledge, ran, &response)
        })
    }

    /// Checks the answer to `step`: its expectations and captures, and (for a snapshotted
    /// step) its snapshot entry.
    fn judge(
        &self,
        step: &Step,
        captures: &Map<String, Value>,
        knowledge: TokenKnowledge,
        mut ran: StepOutcome,
        response: &RawResponse,
    ) -> SentStep {
        let parsed = response.json();
        let auth = response.auth_class_of(parsed.as_ref(), knowledge);
        ran.status = Some(response.status);
        ran.elapsed_ms = response.elapsed.as_millis();
        ran.auth = auth;
        ran.delivery = response.delivery;
        let shown = || Some(show_body(response));
        let Some(body) = parsed.filter(Value::is_object) else {
            let reason = format!(
                "HTTP {} with a body that is not a JSON object",
                response.status
            );
            return SentStep {
                ran,
                judged: Err(Failed::answered(FailureKind::NotGraphql(reason), shown())),
            };
        };
        if body.get("data").is_none() && body.get("errors").is_none() {
            let reason = format!(
                "HTTP {} with JSON that has neither `data` nor `errors`: not a GraphQL response",
                response.status
            );
            return SentStep {
                ran,
                judged: Err(Failed::answered(FailureKind::NotGraphql(reason), shown())),
            };
        }
        let data = body.get("data").unwrap_or(&Value::Null);
        let errors = body
            .get("errors")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // A refusal (401 `{"errors": [{"message": ...}]}`) is a JSON object too, so it
        // reaches the checks, classified.
        let retry_after = response
            .headers
            .contains_key(RETRY_AFTER)
            .then(|| retry_after(&response.headers, SystemTime::now()));
        let observed = Observed {
            status: response.status,
            auth,
            data,
            errors,
            retry_after,
        };
        let resolve =
            |v: &Value| template::resolve(v, captures, self.env).map_err(|e| e.to_string());
        let mut mismatches = check::check(&step.expect, step.at, observed, &resolve);
        let captured = match check::capture(&step.captures, data) {
            Ok(values) => values,
            Err(problems) => {
                mismatches.extend(problems);
                Map::new()
            }
        };
        if !mismatches.is_empty() {
            return SentStep {
                ran,
                judged: Err(Failed::answered(
                    FailureKind::Mismatches(mismatches),
                    shown(),
                )),
            };
        }
        // Built only for a snapshotted step: `{status, data, errors}`, redacted.
        let entry = step.snapshot.as_ref().map(|_| {
            let mut entry = json!({ "status": response.status, "data": data });
            if let Some(errors) = body.get("errors") {
                entry["errors"] = errors.clone();
            }
            redact::redact(&entry)
        });
        let mutated = (step.operation.kind == OperationKind::Mutation).then(|| data.clone());
        SentStep {
            ran,
            judged: Ok(Judged {
                entry,
                captured,
                mutated,
            }),
        }
    }
}

fn webhook_failure(mismatches: Vec<Mismatch>) -> Failed {
    Failed::unsent(FailureKind::Webhook(mismatches))
}
