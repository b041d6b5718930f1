//! Running one case: its suite's lock (and, against a local `serve`, the double lock), a
//! fresh double or the shared live client, the suite's `double:`, the fixture and profiles,
//! the steps, then the snapshot.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use super::finished::Finished;
use super::fixture::Store;
use super::trial_io;
use super::{Connection, Shared};
use crate::client::DoubleClients;
use crate::client::GraphqlClient;
use crate::double::{EnvironmentSpec, IonDouble, control};
use crate::execute::{CaseRun, DoubleControl, describe_outcome};
use crate::lock::{self, SuiteLock};
use crate::phase_time::{self, Phase};
use crate::report::FailureClass;
use crate::snapshot;
use crate::suite::{Case, Suite};

impl Shared {
    /// Runs one case (holding its suite's lock on a live target), then compares its
    /// snapshot (a mismatch is a failed trial, never a panic).
    pub(super) fn run_case(&self, suite_index: usize, case_index: usize) -> Finished {
        phase_time::timed(Phase::Trial, || {
            self.run_case_timed(suite_index, case_index)
        })
    }

    fn run_case_timed(&self, suite_index: usize, case_index: usize) -> Finished {
        let Some(Ok(suite)) = self.suites.get(suite_index) else {
            return Finished::failed(
                FailureClass::Harness,
                "internal error: the suite of this trial is missing".into(),
            );
        };
        let case = &suite.cases[case_index];
        let _lock = match self.lock(suite, case) {
            Ok(lock) => lock,
            Err(e) => return Finished::failed(FailureClass::Harness, e.to_string()),
        };
        let _double_lock = match self.double_lock(suite, case) {
            Ok(lock) => lock,
            Err(e) => return Finished::failed(FailureClass::Harness, e.to_string()),
        };
        let ran = match self.connection {
            Connection::Double => trial_io::with_trial_io(|runtime, http| {
                runtime.block_on(self.run_on_target(suite, case, http))
            }),
            _ => Ok(self
                .runtime
                .block_on(self.run_on_target(suite, case, &self.http))),
        };
        let (mut finished, recorded) = match ran {
            Ok(ran) => ran,
            Err(why) => return Finished::failed(FailureClass::Harness, why),
        };
        // A failed case's snapshot would be partial: its failure is what to show.
        if recorded.is_empty() || finished.failure.is_some() {
            return finished;
        }
        let recorded = Value::Object(recorded);
        let compared = phase_time::timed(Phase::Snapshot, || {
            snapshot::compare_case(
                &self.snapshots_dir,
                suite,
                case,
                &self.target.name,
                &recorded,
            )
        });
        if let Err(message) = compared {
            finished.failure = Some((FailureClass::Snapshot, message));
        }
        finished
    }

    /// The suite's lock, on a live target (the embedded double gives every case its own
    /// store); says on stderr when it waits for another holder.
    fn lock(&self, suite: &Suite, case: &Case) -> Result<Option<SuiteLock>, lock::LockError> {
        let (Some(name), Connection::Live { client, .. }) = (&suite.lock, &self.connection) else {
            return Ok(None);
        };
        SuiteLock::acquire(&self.lock_dir, client.endpoint(), name, |path| {
            self.progress.suspend(|| {
                crate::scrubbed_eprintln!(
                    "ion-contract: {}::{}::{} waits for the suite lock '{name}' ({}), held \
                     by another case",
                    suite.id,
                    case.name,
                    self.target.name,
                    path.display()
                );
            });
        })
        .map(Some)
    }

    /// The double lock, against a local `serve` (see [`crate::lock`]): exclusive for a case
    /// that changes how it answers everyone (the suite's `double:`, a step's `fault:`), shared
    /// for the others. Taken after the suite lock, so the order is the same for every case.
    fn double_lock(
        &self,
        suite: &Suite,
        case: &Case,
    ) -> Result<Option<SuiteLock>, lock::LockError> {
        let (Some(api), Connection::Live { .. }) = (&self.local_api, &self.connection) else {
            return Ok(None);
        };
        let faults = case
            .steps
            .iter()
            .chain(&case.cleanup)
            .any(|s| s.fault.is_some());
        let exclusive = suite.double.is_some() || faults;
        SuiteLock::acquire_double(&self.lock_dir, api, exclusive, |_| {
            if exclusive {
                self.progress.suspend(|| {
                    crate::scrubbed_eprintln!(
                        "ion-contract: {}::{}::{} changes how the local ION double answers \
                         (`double:` or `fault:`), so it waits for the cases running against it",
                        suite.id,
                        case.name,
                        self.target.name
                    );
                });
            }
        })
        .map(Some)
    }

    /// Runs the case's steps on the target (a fresh double, or the shared live client),
    /// everything it sends to the double going through `http`; returns what it did and the
    /// responses to snapshot.
    async fn run_on_target(
        &self,
        suite: &Suite,
        case: &Case,
        http: &reqwest::Client,
    ) -> (Finished, Map<String, Value>) {
        let failed = |class, message| (Finished::failed(class, message), Map::new());
        let started = Instant::now();
        let double = match self.connection {
            Connection::Double => {
                let spec = EnvironmentSpec::demo_in(self.target.imitates);
                Some(IonDouble::start_for_trial(Arc::clone(&self.double), spec))
            }
            _ => None,
        };
        let double_client;
        let client = match (&self.connection, &double) {
            (Connection::Refused(diagnosis), _) => {
                let headline = diagnosis.lines().next().unwrap_or_default();
                return failed(
                    FailureClass::NotRun,
                    format!(
                        "not run: target {} failed its preflight (see preflight::{}): {headline}",
                        self.target.name, self.target.name
                    ),
                );
            }
            (Connection::Live { client, .. }, _) => client,
            (Connection::Missing(missing), _) => {
                return failed(FailureClass::NotRun, missing.to_string());
            }
            (Connection::Required(_), _) => {
                return failed(
                    FailureClass::Invalid,
                    format!(
                        "not run: target {} has no credentials, and they are required (see \
                         target::credentials)",
                        self.target.name
                    ),
                );
            }
            (Connection::Listing, _) => {
                return failed(FailureClass::NotRun, "not run: only listed".to_owned());
            }
            (Connection::Double, None) => unreachable!("a double was started above"),
            (Connection::Double, Some(double)) => {
                let mut client = double
                    .trial_client(http)
                    .with_request_timeout(self.target.request_timeout);
                if let Some(pacer) = &self.pacer {
                    client = client.with_pacer(Arc::clone(pacer));
                }
                double_client = client;
                phase_time::add(Phase::Double, started.elapsed());
                &double_client
            }
        };
        let double_url = double.as_ref().map(IonDouble::api_url);
        let control_url = double_url.or(self.local_api.clone());
        let configured = match (&suite.double, control_url.clone()) {
            (Some(body), Some(base)) => match control::set_throttle(http, &base, body).await {
                Ok(previous) => Some((base, previous)),
                Err(e) => return failed(FailureClass::Harness, e),
            },
            _ => None,
        };
        let outcome = self
            .run_case_on(
                suite,
                case,
                client,
                double.as_ref(),
                control_url.as_deref(),
                http,
            )
            .await;
        if let (Some((base, previous)), None) = (configured, &double) {
            control::restore(http, &base, previous).await;
        }
        outcome
    }

    /// Runs the case with `client` (and the trial's double, on the double); anything else
    /// it sends goes through `http`.
    async fn run_case_on(
        &self,
        suite: &Suite,
        case: &Case,
        client: &GraphqlClient,
        double: Option<&IonDouble>,
        control_url: Option<&str>,
        http: &reqwest::Client,
    ) -> (Finished, Map<String, Value>) {
        let failed = |message| (Finished::failed(FailureClass::Harness, message), Map::new());
        let prepared = self
            .fixtures
            .prepare(
                suite,
                &self.target,
                self.double.schema(),
                client,
                match double {
                    Some(_) => Store::PerTrial,
                    None => Store::Shared,
                },
            )
            .await;
        if let Err(e) = prepared {
            return failed(e);
        }
        let trial_double = double.map(|d| (d, &self.double));
        let (profiles, _other_doubles) = match self
            .profiles
            .clients(case, client, trial_double, http)
            .await
        {
            Ok(clients) => clients,
            Err(e) => return failed(e),
        };
        let env = |name: &str| std::env::var(name).ok();
        let credential_variables = self.target.credential_variables();
        let run = CaseRun {
            suite,
            case,
            target: &self.target.name,
            credential_variables: &credential_variables,
            read_only: self.target.read_only,
            client,
            profiles: &profiles,
            env: &env,
            webhooks: &self.webhooks,
            step_timeout: self.target.step_timeout,
            double_control: control_url.map(|base_url| DoubleControl { http, base_url }),
        };
        let outcome = run.run().await;
        let failure = describe_outcome(&run, &outcome);
        let finished = Finished {
            steps: outcome.steps,
            notes: outcome.notes,
            failure,
        };
        (finished, outcome.recorded)
    }
}
