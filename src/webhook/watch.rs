//! Checking a step's `expect_webhook:`.
//!
//! Before the step, the watch notes the events its subscription already has. After the step
//! (and its captures), it reads the subscription's events through `webhookEvents` until
//! there are as many new ones as expected (of the step's row, with `id:`) or `within`
//! passes; there must then be exactly `events` of them. With a local sink it also waits,
//! within the same time, until the sink has accepted each event (or got `deliveries` of
//! it), and checks every delivery: `x-ion-signature` verifies under the receiver's secret,
//! `X-Test-Run` carries the run id, the body names the resource, action and row, and each
//! event came exactly `deliveries` times when that is given.
//!
//! Without a local sink (a target that cannot reach this machine), only the events are
//! checked; the watch says so in a note.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::id_text as text;
use super::register::{EventRecord, Registration, TEST_RUN_HEADER};
use super::signature::{SIGNATURE_HEADER, verify};
use super::sink::{Received, Sink};
use crate::check::{Checked, Mismatch};
use crate::client::GraphqlClient;
use crate::suite::WebhookExpectation;

/// How often `webhookEvents` is read while waiting: against the double, and against ION.
const POLL_LOCAL: Duration = Duration::from_millis(25);
const POLL_REMOTE: Duration = Duration::from_secs(1);

/// A case's registration on the target and, when the target can reach it, its sink.
#[derive(Debug)]
pub struct Watch {
    pub(super) registration: Registration,
    pub(super) sink: Option<Sink>,
    pub(super) run_id: String,
}

/// The events a subscription had before a step.
#[derive(Debug, Default)]
pub struct Mark(BTreeSet<String>);

impl Watch {
    /// The events `expectation`'s subscription has now.
    pub async fn mark(
        &self,
        client: &GraphqlClient,
        expectation: &WebhookExpectation,
    ) -> Result<Mark, Vec<Mismatch>> {
        let subscription = self.subscription(expectation)?;
        let events = self
            .registration
            .events(client, &subscription)
            .await
            .map_err(|e| vec![problem(expectation, "events before the step", e)])?;
        Ok(Mark(events.into_iter().map(|e| e.id).collect()))
    }

    /// Checks `expectation` after its step; `id` is its `id:` with templates filled in.
    /// On success, the notes to show (what could not be checked).
    pub async fn check(
        &self,
        client: &GraphqlClient,
        expectation: &WebhookExpectation,
        id: Option<&str>,
        mark: &Mark,
    ) -> Result<Vec<String>, Vec<Mismatch>> {
        let subscription = self.subscription(expectation)?;
        let deadline = Instant::now() + expectation.within;
        let poll = if self.sink.is_some() {
            POLL_LOCAL
        } else {
            POLL_REMOTE
        };
        let events = loop {
            let events = self
                .registration
                .events(client, &subscription)
                .await
                .map_err(|e| vec![problem(expectation, "events", e)])?;
            let new: Vec<EventRecord> = events
                .into_iter()
                .filter(|e| !mark.0.contains(&e.id))
                // A body the harness cannot read (ION's format may differ) is not ruled out.
                .filter(|e| id.is_none_or(|id| event_row(e).is_none_or(|row| row == id)))
                .collect();
            let enough = expectation.events > 0 && new.len() >= expectation.events as usize;
            if enough || Instant::now() >= deadline {
                break new;
            }
            tokio::time::sleep(poll.min(deadline - Instant::now())).await;
        };
        let label = topic(expectation, id);
        if events.len() != expectation.events as usize {
            let statuses: Vec<String> = events
                .iter()
                .map(|e| format!("{} {}", e.id, e.status))
                .collect();
            return Err(vec![Mismatch {
                checked: Checked::Webhook,
                at: expectation.at,
                subject: format!("webhook events of {label}"),
                expected: format!(
                    "exactly {} within {}",
                    expectation.events,
                    humantime::format_duration(expectation.within)
                ),
                actual: format!(
                    "{} on subscription {subscription} (webhookEvents{}{})",
                    events.len(),
                    if statuses.is_empty() { "" } else { ": " },
                    statuses.join(", ")
                ),
            }]);
        }
        let Some(sink) = &self.sink else {
            return Ok(vec![format!(
                "{label}: {} event(s) checked through webhookEvents; this target cannot reach \
                 the harness's sink, so signatures and deliveries were not checked",
                events.len()
            )]);
        };
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        let received = sink
            .wait_until(deadline, |received| {
                ids.iter()
                    .all(|id| delivered(&of_event(received, id), expectation))
            })
            .await;
        let complete = ids
            .iter()
            .all(|id| delivered(&of_event(&received, id), expectation));
        // ION's record of a delivery that did not come as expected, as it is now.
        let events = match complete {
            true => events,
            false => match self.registration.events(client, &subscription).await {
                Ok(now) => now.into_iter().filter(|e| ids.contains(&e.id)).collect(),
                Err(_) => events,
            },
        };
        let mut mismatches = Vec::new();
        for event in &events {
            self.judge(
                expectation,
                &label,
                event,
                &of_event(&received, &event.id),
                id,
                &mut mismatches,
            );
        }
        if mismatches.is_empty() {
            Ok(Vec::new())
        } else {
            Err(mismatches)
        }
    }

    /// The deliveries of one event at the sink, against the expectation.
    fn judge(
        &self,
        expectation: &WebhookExpectation,
        label: &str,
        event: &EventRecord,
        deliveries: &[&Received],
        id: Option<&str>,
        mismatches: &mut Vec<Mismatch>,
    ) {
        let mut fail = |subject: String, expected: String, actual: String| {
            mismatches.push(Mismatch {
                checked: Checked::Webhook,
                at: expectation.at,
                subject,
                expected,
                actual,
            });
        };
        let subject = |what: &str| format!("webhook {what} of {label}, event {}", event.id);
        if !deliveries.iter().any(|d| d.answered == 200) && expectation.deliveries.is_none() {
            let answers: Vec<String> = deliveries.iter().map(|d| d.answered.to_string()).collect();
            fail(
                subject("deliveries"),
                format!(
                    "one accepted by the sink within {}",
                    humantime::format_duration(expectation.within)
                ),
                format!(
                    "{}{}; ION's record: {}{}",
                    plural(deliveries.len(), "delivery", "deliveries"),
                    if answers.is_empty() {
                        String::new()
                    } else {
                        format!(" answered {}", answers.join(", "))
                    },
                    event.status,
                    event
                        .response_status
                        .map(|s| format!(", last answer {s}"))
                        .unwrap_or_default()
                ),
            );
        }
        if let Some(expected) = expectation.deliveries
            && deliveries.len() != expected as usize
        {
            fail(
                subject("deliveries"),
                format!("exactly {expected}"),
                plural(deliveries.len(), "delivery", "deliveries"),
            );
        }
        for (n, delivery) in deliveries.iter().enumerate() {
            let which = |what: &str| subject(&format!("delivery {} {what}", n + 1));
            let signature = delivery.headers.get(SIGNATURE_HEADER);
            if expectation.signature {
                let valid = signature
                    .and_then(|s| s.to_str().ok())
                    .is_some_and(|s| verify(self.registration.secret(), &delivery.body, s));
                if !valid {
                    fail(
                        which(SIGNATURE_HEADER),
                        "the HMAC-SHA256 of the body under the receiver's secret, in hex".into(),
                        if signature.is_some() {
                            "a signature that does not verify".into()
                        } else {
                            "no such header".into()
                        },
                    );
                }
            }
            let run = delivery.headers.get(TEST_RUN_HEADER);
            if run.and_then(|r| r.to_str().ok()) != Some(self.run_id.as_str()) {
                fail(
                    which(TEST_RUN_HEADER),
                    format!("the run id {}", self.run_id),
                    run.map_or("no such header".into(), |r| format!("{r:?}")),
                );
            }
            let body = delivery.json.as_ref().unwrap_or(&Value::Null);
            let names = (delivery.field("resource"), delivery.field("action"));
            let row = body.get("id").map(text);
            let expected_row = id.map(str::to_owned);
            if names != (Some(&*expectation.resource), Some(&*expectation.action))
                || (expected_row.is_some() && row != expected_row)
            {
                fail(
                    which("body"),
                    format!("an event of {label}"),
                    format!("{:.300}", String::from_utf8_lossy(&delivery.body)),
                );
            }
        }
    }

    /// Removes the case's receiver, header and subscriptions from the target (the sink
    /// stops when the watch is dropped).
    pub async fn finish(self, client: &GraphqlClient) -> Result<(), String> {
        self.registration.remove(client).await
    }

    fn subscription(&self, expectation: &WebhookExpectation) -> Result<String, Vec<Mismatch>> {
        self.registration
            .subscription_id(&expectation.resource, &expectation.action)
            .ok_or_else(|| {
                vec![problem(
                    expectation,
                    "subscription",
                    "the harness registered none for it".into(),
                )]
            })
    }
}

/// Whether the sink has what it waits for of one event: a delivery it accepted, or the
/// expected number of deliveries.
fn delivered(deliveries: &[&Received], expectation: &WebhookExpectation) -> bool {
    match expectation.deliveries {
        Some(n) => deliveries.len() >= n as usize,
        None => deliveries.iter().any(|d| d.answered == 200),
    }
}

/// The deliveries of event `id`.
fn of_event<'r>(received: &'r [Received], id: &str) -> Vec<&'r Received> {
    received
        .iter()
        .filter(|r| r.event_id().as_deref() == Some(id))
        .collect()
}

/// The id of the row an event is about, from its request body.
fn event_row(event: &EventRecord) -> Option<String> {
    event.request.as_ref()?.get("id").map(text)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `PARTS CREATE` (of row 7).
fn topic(expectation: &WebhookExpectation, id: Option<&str>) -> String {
    let row = id.map(|id| format!(" of row {id}")).unwrap_or_default();
    format!("{} {}{row}", expectation.resource, expectation.action)
}

/// A failure of the harness's own webhook requests, as a mismatch at the expectation.
pub(super) fn problem(expectation: &WebhookExpectation, what: &str, error: String) -> Mismatch {
    Mismatch {
        checked: Checked::Webhook,
        at: expectation.at,
        subject: format!(
            "webhook {what} of {} {}",
            expectation.resource, expectation.action
        ),
        expected: "readable through the target's webhook operations".into(),
        actual: error,
    }
}
