//! Reading a schema from an SDL file (the committed schema, or `--live FILE`), and writing a
//! pulled one.

use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::builtin::Source;
use crate::diagnostic::display_path;
use crate::user_file::{self, Limit, ReadError};

/// An SDL file that cannot be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum SchemaFileError {
    /// The file cannot be read.
    #[error("cannot read {role} {}: {why}\nhelp: {}", why.location(path), why.help_or(help))]
    Read {
        /// What the file is for (`the committed schema`).
        role: String,
        /// The file.
        path: PathBuf,
        /// Why.
        why: ReadError,
        /// How to fix it.
        help: String,
    },
    /// The file is not a valid schema.
    #[error(
        "{role} {} is not a valid GraphQL schema:\n{errors}\nhelp: fix the errors above, or {help}",
        display_path(path)
    )]
    Invalid {
        /// What the file is for.
        role: String,
        /// The file.
        path: PathBuf,
        /// apollo-compiler's errors, located.
        errors: String,
        /// How to point at another file.
        help: String,
    },
    /// The file cannot be written.
    #[error(
        "cannot write the schema to {}: {source}\nhelp: pass --out with a file in an existing, writable directory",
        display_path(path)
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// Reads and validates the schema in `path`; `role` says what it is for and `help` how to
/// point at another file, in the error.
pub fn read(path: &Path, role: &str, help: &str) -> Result<Valid<Schema>, SchemaFileError> {
    read_from(&Source::File(path.to_path_buf()), role, help).map(|(_, schema)| schema)
}

/// [`read`], from a file or the built-in schema (see [`crate::builtin`]); also says where it
/// came from, as diagnostics name it.
pub fn read_from(
    source: &Source,
    role: &str,
    help: &str,
) -> Result<(PathBuf, Valid<Schema>), SchemaFileError> {
    let text = source.text_with(|path| {
        user_file::read_text(path, Limit::Schema).map_err(|why| SchemaFileError::Read {
            role: role.to_owned(),
            path: path.to_path_buf(),
            why,
            help: help.to_owned(),
        })
    })?;
    match Schema::parse_and_validate(text.text, &text.path) {
        Ok(schema) => Ok((text.path, schema)),
        Err(invalid) => Err(SchemaFileError::Invalid {
            role: role.to_owned(),
            path: text.path,
            errors: invalid.errors.to_string(),
            help: help.to_owned(),
        }),
    }
}

/// Writes `schema` as SDL to `path`, after a `#` comment saying where it came from
/// (`source`, one line), scrubbed of secrets ([`crate::scrub`]).
pub fn write(path: &Path, schema: &Schema, source: &str) -> Result<(), SchemaFileError> {
    let text = format!(
        "# The schema of {source}, read by introspection (`ion-contract schema pull`).\n\
         # Compare it with the committed schema: ion-contract schema diff --live {}\n\n{schema}",
        display_path(path)
    );
    // Descriptions are the server's text: scrubbed like every other output.
    std::fs::write(path, crate::scrub::text(&text)).map_err(|source| SchemaFileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// How many types `schema` defines, built-in ones left out.
pub fn type_count(schema: &Schema) -> usize {
    schema.types.values().filter(|t| !t.is_built_in()).count()
}
