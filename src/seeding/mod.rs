//! The seeding chain: the entities a sandbox needs for the smoke run, created through ION's
//! own mutations, found again by their keys, and removed again.
//!
//! ION has no reset or seed API, so a live sandbox must seed and clean itself. The chain is
//! described in `suites/seed/chain.yaml` (the binary carries this repository's demo chain, read
//! where a project has none: [`crate::builtin`]):
//!
//! ```yaml
//! prefix: ICT-                         # every key carries it (ION_SEED_PREFIX or --prefix)
//! chain:
//!   - name: assembly                   # how later entities refer to it: ${assembly}
//!     type: Part                       # an object type of the schema with a list query
//!     key: {partNumber: "${prefix}ASSY-1"}   # looked up with these `eq` filters
//!     fields: {trackingType: SERIAL}   # set when created (with the key)
//!   - name: as-built
//!     type: ABomItem
//!     key: {partInventoryId: "${assembly-unit}"}
//!     create:                          # a mutation other than create<Type>(input: ...)
//!       mutation: createAbomForPartInventory
//!       args: {id: "${assembly-unit}", etag: "${assembly-unit.etag}"}
//! ```
//!
//! `${name}` is the id of an earlier entity (a number when it is the whole value),
//! `${name.etag}` its current etag, `${prefix}` the prefix.
//!
//! - **Seeding** ([`Seeder::seed`]) looks each entity up by its key and creates only what is
//!   missing (`ion-contract seed` records the ids in `.ion-contract/seed-<target>.json`), with `create<Type>(input: {...key, ...fields})`, or the top-level arguments
//!   of mutations that take no `input` (`createProcedure(title: ...)`), or the chain's own
//!   `create:`. Running it twice creates nothing the second time.
//! - **Cleaning** ([`Seeder::clean`]) goes newest first and deletes what it finds with
//!   `delete<Type>(etag, id)`, or archives it with `archive<Type>(input: {id, etag, archived:
//!   true})` when ION cannot delete the type (a run).
//! - **Counting** ([`Seeder::counts`]): the `totalCount` of each type's list, leaving archived
//!   rows out where the type can be archived, so a seed and a clean leave the counts as
//!   they were.
//!
//! The file is checked against the schema when it loads: types, keys and fields, mutations
//! and references, every problem at its `file:line:col`.

pub(crate) mod graph;
mod load;
mod run;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use run::{Found, Seeder};

use crate::builtin::Source;
use crate::diagnostic::Diagnostic;
use crate::user_file::{self, Limit, ReadError};

/// The variable that overrides the chain's prefix.
pub const PREFIX_ENV: &str = "ION_SEED_PREFIX";

/// The chain file in the suites directory.
pub const CHAIN_FILE: &str = crate::builtin::CHAIN.project_path;

/// A loaded, checked chain.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The file it came from.
    pub file: PathBuf,
    /// The prefix of every key.
    pub prefix: String,
    /// The entities, in creation order.
    pub links: Vec<Link>,
}

/// One entity of the chain.
#[derive(Debug, Clone)]
pub struct Link {
    /// Its name, for references and reports.
    pub name: String,
    /// Its GraphQL object type.
    pub type_name: String,
    /// The fields it is looked up by (`eq` filters), with templates.
    pub key: Map<String, Value>,
    /// The fields set when it is created, with templates.
    pub fields: Map<String, Value>,
    /// A mutation other than `create<Type>`, with its arguments.
    pub create: Option<(String, Map<String, Value>)>,
    /// Where it is written (line, column).
    pub at: (u32, u32),
}

/// How the progress line names it: `assembly (Part)`.
impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.type_name)
    }
}

/// Why the chain could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The file cannot be read.
    #[error(
        "cannot read {}: {why}\nhelp: {}",
        .why.location(.path),
        .why.help_or(&format!("describe the seeding chain in suites/{CHAIN_FILE} (see the crate docs), or pass --chain"))
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        why: ReadError,
    },
    /// The file has problems; every one is located.
    #[error("{}", crate::diagnostic::render_all(.0, "the seeding chain"))]
    Invalid(Vec<Diagnostic>),
}

/// The manifest of a seeding: where it is kept, beside the suites directory.
pub fn manifest_path(suites_dir: &Path, target: &str) -> PathBuf {
    let project = suites_dir.parent().unwrap_or(Path::new("."));
    project
        .join(".ion-contract")
        .join(format!("seed-{target}.json"))
}

/// The manifest of a seeding: the target, the prefix and each entity's id, and whether this
/// seeding created it.
pub fn manifest(target: &str, chain: &Chain, found: &[Found]) -> Value {
    let entities: Vec<Value> = found
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name, "type": f.type_name, "id": f.id, "created": f.created
            })
        })
        .collect();
    serde_json::json!({ "target": target, "prefix": chain.prefix, "entities": entities })
}

impl Chain {
    /// Reads and checks the chain (the project's file, or the built-in one where it has none:
    /// see [`crate::builtin`]) against `schema`; `prefix` overrides the file's.
    pub fn load(
        source: &Source,
        schema: &apollo_compiler::Schema,
        prefix: Option<&str>,
    ) -> Result<Chain, ChainError> {
        let text = source.text_with(|path| {
            user_file::read_text(path, Limit::File).map_err(|why| ChainError::Read {
                path: path.to_path_buf(),
                why,
            })
        })?;
        let mut chain = load::parse(&text.path, &text.text, schema).map_err(ChainError::Invalid)?;
        if let Some(prefix) = prefix.filter(|p| !p.trim().is_empty()) {
            chain.prefix = prefix.trim().to_owned();
        }
        Ok(chain)
    }

    /// The link called `name`.
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }
}
