//! What makes one ION environment of the double: its name, the realm it imitates, its one
//! API key, how long its tokens live and how it throttles.

use super::fault::FaultRule;
use super::limits::Limits;
use super::throttle::ThrottleSpec;
use crate::ion::realm::Realm;

/// The client id of the double's demo API key.
pub const DEMO_CLIENT_ID: &str = "ion-contract-demo";
/// The secret of the double's demo API key. Not a secret: the double is local.
pub const DEMO_CLIENT_SECRET: &str = "ion-contract-demo-secret";
/// How long a token lives, as Keycloak's default access-token lifespan.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

/// One environment the double imitates (ION's sandbox, its production, or the per-trial demo).
///
/// Its tokens carry the issuer (`iss`) of the realm it imitates ([`Realm::issuer`]), as
/// ION's tokens do, so the harness reads their environment the same way on the double and on
/// ION. Each environment name also has its own RSA token-signing key (one per process, see
/// `signing.rs`), so a token from one environment is refused by every other with ION's
/// `Unable to find appropriate RSA key`. The credentials
/// here are fixed, public constants of the double, not secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSpec {
    /// A short name, used in the token's key id (`kid`). Environments of one name share
    /// a signing key within a process.
    pub name: String,
    /// The ION realm it imitates: its tokens carry that realm's issuer.
    pub realm: Realm,
    /// The client id of the environment's API key.
    pub client_id: String,
    /// The client secret of the environment's API key.
    pub client_secret: String,
    /// How long a token lives (`expires_in` and the `exp` claim).
    pub token_lifetime_secs: u64,
    /// A token bucket per API key on `POST /graphql`, answering 429 when empty; `None` (the
    /// default of every constructor here) accepts any rate. Can also be set, changed or
    /// removed at run time through `POST /__double/throttle`.
    pub throttle: Option<ThrottleSpec>,
    /// Faults injected into `POST /graphql` ([`super::FaultRule`]); none by default. Also
    /// set at run time through `POST /__double/faults`, and restored by a reset.
    pub faults: Vec<FaultRule>,
    /// What one request may cost before the double answers as ION's gateway would
    /// ([`Limits`]: depth, result values, time, body time).
    pub limits: Limits,
}

impl EnvironmentSpec {
    /// The double every trial runs against: a sandbox with the key [`DEMO_CLIENT_ID`] /
    /// [`DEMO_CLIENT_SECRET`], tokens of [`TOKEN_LIFETIME_SECS`].
    pub fn demo() -> Self {
        Self::demo_in(Realm::Sandbox)
    }

    /// A per-trial double imitating `realm`, with the demo key.
    pub fn demo_in(realm: Realm) -> Self {
        let name = if realm == Realm::Sandbox {
            "demo"
        } else {
            realm.name()
        };
        Self::new(name, realm, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    }

    /// `serve`'s sandbox: `ion-contract-sandbox` / `ion-contract-sandbox-secret`.
    pub fn sandbox() -> Self {
        Self::new(
            "sandbox",
            Realm::Sandbox,
            "ion-contract-sandbox",
            "ion-contract-sandbox-secret",
        )
    }

    /// `serve`'s production: `ion-contract-production` / `ion-contract-production-secret`.
    pub fn production() -> Self {
        Self::new(
            "production",
            Realm::Production,
            "ion-contract-production",
            "ion-contract-production-secret",
        )
    }

    fn new(name: &str, realm: Realm, client_id: &str, client_secret: &str) -> Self {
        EnvironmentSpec {
            name: name.to_owned(),
            realm,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            token_lifetime_secs: TOKEN_LIFETIME_SECS,
            throttle: None,
            faults: Vec::new(),
            limits: Limits::default(),
        }
    }
}
