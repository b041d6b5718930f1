//! Reaching a target outside the test runner (`seed`, `drift`): on the double, a fresh
//! embedded double imitating the target's realm; on a live target, its client with its pace.

use std::sync::Arc;

use crate::client::{GraphqlClient, Pacer};
use crate::double::{DoubleData, EnvironmentSpec, IonDouble};
use crate::target::{Target, Unavailable};

/// A target, reachable.
pub struct Reached {
    /// Sends to the target with its own credentials.
    pub client: GraphqlClient,
    /// The embedded double, when the target is one (it lives as long as this).
    pub double: Option<IonDouble>,
}

/// Reaches `target`: starts a double for `mock` targets, else reads its credentials through
/// `env` and paces it as a run would.
pub async fn reach(
    target: &Target,
    data: Arc<DoubleData>,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Reached, String> {
    if target.is_double() {
        let double = IonDouble::start_with(data, EnvironmentSpec::demo_in(target.imitates)).await;
        let client = double.demo_client(http);
        return Ok(Reached {
            client,
            double: Some(double),
        });
    }
    let live = target.live(env).map_err(|e| match e {
        Unavailable::Missing(missing) => missing.to_string(),
        bad => bad.to_string(),
    })?;
    let mut client = live.client(http);
    if let Some(rate) = live.max_rps(target, allow_high_rate)? {
        client = client.with_pacer(Arc::new(Pacer::new(rate)));
    }
    Ok(Reached {
        client,
        double: None,
    })
}
