//! Webhooks from the harness's side: a step's `expect_webhook:` is checked by registering
//! a receiver for the case and watching what arrives.
//!
//! A case with `expect_webhook:` steps gets, before its first step, a receiver on the
//! target ([`Registration`]: a fresh shared secret, the static header `X-Test-Run: <run id>`,
//! one subscription per resource and action it expects), and after its last step the
//! receiver is removed again. Where the receiver points depends on the target ([`Reach`]):
//!
//! - the embedded double and a local `ion-contract serve` reach this machine: the receiver
//!   points at a [`Sink`] the harness starts on a free loopback port, so deliveries are
//!   seen and checked one by one ([`Watch`]);
//! - ION cannot reach it: the receiver points at the target's `webhook_uri:` (default
//!   [`UNREACHABLE_URI`], an address that never resolves, as ION's sandboxes send to a sink
//!   by default anyway) and the expectation is checked through the `webhookEvents` query;
//!   signatures and deliveries cannot be seen there, which the trial notes.
//!
//! The run id is the process's one [`crate::run_id`]: `ION_TEST_RUN` when set (e.g. the CI
//! run's id), else `ion-contract-<unix seconds>-<process id>-<random hex>`; a suite's
//! `${run.id}` is the same value.

mod register;
pub use crate::ion::webhook_signature as signature;
mod sink;
mod watch;

pub use register::{EventRecord, OPERATIONS, Registration, TEST_RUN_HEADER};
pub use sink::{Answers, MAX_BODY_BYTES, Received, Sink};
pub use watch::{Mark, Watch};

use crate::check::{Checked, Mismatch};
use crate::client::GraphqlClient;
use crate::secret::Secret;
use crate::suite::WebhookExpectation;

/// Where receivers point on a target ION cannot reach this machine from, unless the
/// target's `webhook_uri:` says otherwise. `.invalid` never resolves (RFC 2606).
pub const UNREACHABLE_URI: &str = "https://ion-contract.invalid/webhooks";

/// The variable that sets the run id ([`crate::run_id`]).
pub use crate::run_id::RUN_ID_VARIABLE;

/// How the deliveries of the receivers the harness registers are seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// A sink on this machine's loopback interface.
    LocalSink,
    /// Receivers point at this URI; events are read through `webhookEvents`.
    Events(String),
}

/// What every case of a run shares for webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSetup {
    /// How deliveries are seen on this run's target.
    pub reach: Reach,
    /// The run id, sent as `X-Test-Run`.
    pub run_id: String,
}

/// Where a target runs, as far as webhook deliveries go: a double or `serve` on this machine
/// can deliver to a loopback sink; a target elsewhere cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPlace {
    /// The embedded double or a local `serve`.
    ThisMachine,
    /// A live ION (or a double on another machine).
    Elsewhere,
}

impl WebhookSetup {
    /// The setup for a target: `webhook_uri` when given, else a local sink when the
    /// target is on this machine, else [`UNREACHABLE_URI`].
    pub fn new(webhook_uri: Option<&str>, place: TargetPlace) -> WebhookSetup {
        let reach = match (webhook_uri, place) {
            (Some(uri), _) => Reach::Events(uri.to_owned()),
            (None, TargetPlace::ThisMachine) => Reach::LocalSink,
            (None, TargetPlace::Elsewhere) => Reach::Events(UNREACHABLE_URI.to_owned()),
        };
        WebhookSetup {
            reach,
            run_id: crate::run_id::run_id().to_owned(),
        }
    }

    /// Starts the sink (when local) and registers a receiver named after `case` (e.g.
    /// `parts::create::mock`) subscribed to every resource and action of `expectations`.
    pub async fn watch(
        &self,
        client: &GraphqlClient,
        case: &str,
        expectations: &[&WebhookExpectation],
    ) -> Result<Watch, Mismatch> {
        let first = expectations.first().copied();
        let fail = |what: &str, error: String| match first {
            Some(expectation) => watch::problem(expectation, what, error),
            None => Mismatch {
                checked: Checked::Webhook,
                at: crate::suite::Location::default(),
                subject: format!("webhook {what}"),
                expected: "registered".into(),
                actual: error,
            },
        };
        let mut topics: Vec<(String, String)> = Vec::new();
        let mut answers = Answers::new();
        for e in expectations {
            let topic = (e.resource.clone(), e.action.clone());
            answers.insert(topic.clone(), e.sink_answers.clone());
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        let (sink, uri) = match &self.reach {
            Reach::LocalSink => {
                let sink = Sink::start(answers)
                    .await
                    .map_err(|e| fail("sink", format!("cannot listen on a loopback port: {e}")))?;
                let uri = sink.url().to_owned();
                (Some(sink), uri)
            }
            Reach::Events(uri) => (None, uri.clone()),
        };
        let secret = Secret::new(format!(
            "ion-contract-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        ));
        crate::scrub::register_secret(&secret);
        let name = format!("ion-contract {} {case}", self.run_id);
        let registration = Registration::create(client, &name, &uri, &self.run_id, secret, &topics)
            .await
            .map_err(|e| fail("receiver", e))?;
        Ok(Watch {
            registration,
            sink,
            run_id: self.run_id.clone(),
        })
    }
}

/// An id as text: ids come as numbers or strings (`7` and `"7"` are the same row).
pub fn id_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
