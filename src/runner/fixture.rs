//! `fixture: chain`: the seeding chain, seeded before a suite's cases run; on the trial's own
//! double each time, on a live target once per process.

use tokio::sync::OnceCell;

use crate::builtin::Source;
use crate::client::GraphqlClient;
use crate::seeding::{Chain, PREFIX_ENV, Seeder};
use crate::suite::Suite;
use crate::targets::Target;

/// Whose store a trial writes to: its own double's, fresh for it, or the target's, shared by
/// every trial of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Store {
    /// The trial's own embedded double.
    PerTrial,
    /// A live target (or a `serve`) every trial shares.
    Shared,
}

/// The chain, when a suite asks for it, and whether a live target has been seeded.
pub(super) struct Fixtures {
    chain: Option<Result<Chain, String>>,
    live: OnceCell<Result<(), String>>,
}

impl Fixtures {
    /// Loads the chain when one of `suites` asks for it.
    pub(super) fn load(
        chain: &Source,
        suites: &[&Suite],
        schema: &apollo_compiler::Schema,
    ) -> Fixtures {
        let chain = suites.iter().any(|s| s.seeds_chain).then(|| {
            let prefix = std::env::var(PREFIX_ENV).ok();
            Chain::load(chain, schema, prefix.as_deref()).map_err(|e| e.to_string())
        });
        Fixtures {
            chain,
            live: OnceCell::new(),
        }
    }

    /// Seeds the chain for a case of `suite`, when it asks: on the trial's own double every
    /// time, on a shared (live) target once.
    pub(super) async fn prepare(
        &self,
        suite: &Suite,
        target: &Target,
        schema: &apollo_compiler::Schema,
        client: &GraphqlClient,
        store: Store,
    ) -> Result<(), String> {
        if !suite.seeds_chain {
            return Ok(());
        }
        let chain = match &self.chain {
            Some(Ok(chain)) => chain,
            Some(Err(why)) => return Err(format!("fixture: chain cannot be loaded\n{why}")),
            None => return Err("internal error: the chain was not loaded".into()),
        };
        if target.read_only {
            return Err(format!(
                "{} uses `fixture: chain`, which writes; target {} is read-only\n  help: list the \
                 writable targets it runs on, e.g. `targets: [mock, sandbox]`",
                suite.id, target.name
            ));
        }
        let seed = || async {
            Seeder::new(chain, schema, client)
                .seed()
                .await
                .map(|_| ())
                .map_err(|e| format!("fixture: chain could not be seeded: {e}"))
        };
        if store == Store::PerTrial {
            return seed().await;
        }
        self.live.get_or_init(seed).await.clone()
    }
}
