//! Suite files: the on-disk format, the loader and the validated model.
//!
//! A suite is one YAML file under `suites/` describing GraphQL operations an integration
//! relies on and what it expects of their responses. Loading runs in passes, each reporting
//! located diagnostics (file:line:col, what, how to fix) rather than stopping at the first:
//!
//! 1. **discover** ([`discover`]): which files are suites, and their ids;
//! 2. **parse** (`parse`, `format`, `shape`): YAML syntax (stops the file), then every
//!    unknown/duplicate/missing key and wrongly typed value at once, then the typed serde
//!    shape in `format`;
//! 3. **validate** (`validate`, `expect`, `graphql`, `variables`): names, operations
//!    validated against the GraphQL schema with apollo-compiler (errors mapped back into the
//!    suite file or the `.graphql` document), variables, JSONPaths, regexes, templates and
//!    captures, redaction selectors. The result is the [`Suite`] model in `model`, which
//!    the runner consumes and which never contains unchecked input.
//!
//! [`template`] is public: the runner resolves `${capture}` / `${env:NAME}` templates with it.

mod captures;
mod expect;
mod format;
mod graphql;
mod graphql_hints;
mod jsonpath;
mod load;
mod model;
mod parse;
mod selection;
mod selector;
mod shape;
mod source;
mod suggest;
pub mod template;
mod validate;
mod variables;

pub use apollo_compiler::Schema;
pub use apollo_compiler::validation::Valid;
pub use load::{DiscoverError, LoadFailure, discover, load_dir, load_suite, suite_id};
pub use model::*;
