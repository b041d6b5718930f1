//! The schema one environment of the double serves and validates against: the double's own
//! (`suites/schema/ion.graphql`), or one set while it runs, to imitate an ION release that
//! changed the schema (`POST /__double/schema`, [`super::IonDouble::set_schema`]).
//!
//! Replacing the schema changes only what requests are validated and executed against. The
//! store stays as it is: rows of types or columns the new schema no longer has are simply
//! not reachable, and come back when the original schema is restored. A `reset` leaves the
//! schema as it is, as it leaves the throttle's settings.

use std::fmt;
use std::sync::{Arc, Mutex};

use apollo_compiler::Schema;
use apollo_compiler::response::GraphQLError;
use apollo_compiler::validation::Valid;

use super::documents::Documents;
use super::families::Families;
use super::mutex::lock;

/// A schema and its root fields by family, classified once when it is loaded.
pub(crate) type Classified = (Arc<Valid<Schema>>, Arc<Families>, Arc<Documents>);

/// The path under which a replacement schema is reported in its validation errors.
const REPLACEMENT_PATH: &str = "replacement-schema.graphql";

/// The original schema and the one served now.
#[derive(Debug)]
pub(crate) struct ServedSchema {
    original: Classified,
    current: Mutex<Classified>,
}

/// What is served after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Served {
    /// Whether a replacement (rather than the original) is served.
    pub(crate) replaced: bool,
    /// How many types it defines, built-in ones left out.
    pub(crate) types: usize,
}

impl ServedSchema {
    /// Serves `original` until told otherwise.
    pub(crate) fn new(original: Classified) -> Self {
        ServedSchema {
            current: Mutex::new(original.clone()),
            original,
        }
    }

    /// The schema to validate and execute the next request against, with its families.
    pub(crate) fn current(&self) -> Classified {
        lock(&self.current).clone()
    }

    /// Serves the schema `sdl` from now on, when it is a valid schema; otherwise changes
    /// nothing and says why.
    pub(crate) fn replace(&self, sdl: &str) -> Result<Served, SchemaRejected> {
        let schema = Schema::parse_and_validate(sdl, REPLACEMENT_PATH).map_err(|invalid| {
            SchemaRejected {
                errors: invalid.errors.iter().map(|d| d.to_json()).collect(),
            }
        })?;
        let served = Served {
            replaced: true,
            types: defined_types(&schema),
        };
        let families = Arc::new(Families::classify(&schema));
        *lock(&self.current) = (Arc::new(schema), families, Arc::default());
        Ok(served)
    }

    /// Serves the original schema again.
    pub(crate) fn restore(&self) -> Served {
        *lock(&self.current) = self.original.clone();
        Served {
            replaced: false,
            types: defined_types(&self.original.0),
        }
    }
}

fn defined_types(schema: &Schema) -> usize {
    schema.types.values().filter(|t| !t.is_built_in()).count()
}

/// Why a replacement schema was refused: apollo-compiler's errors, located in the SDL text.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRejected {
    /// Each error, with its line and column in the SDL.
    pub errors: Vec<GraphQLError>,
}

impl fmt::Display for SchemaRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the replacement schema is not a valid GraphQL schema ({} error(s)); the double \
             keeps serving the schema it had",
            self.errors.len()
        )?;
        for error in &self.errors {
            match error.locations.first() {
                Some(at) => writeln!(
                    f,
                    "  line {}, column {}: {}",
                    at.line, at.column, error.message
                )?,
                None => writeln!(f, "  {}", error.message)?,
            }
        }
        write!(
            f,
            "help: send the whole schema as SDL text (type definitions, with `type Query`), e.g. \
             suites/schema/ion.graphql with your change"
        )
    }
}

impl std::error::Error for SchemaRejected {}

#[cfg(test)]
mod tests {
    use super::*;

    fn original() -> Classified {
        let schema = Schema::parse_and_validate("type Query { a: Int }", "o.graphql").unwrap();
        let families = Arc::new(Families::classify(&schema));
        (Arc::new(schema), families, Arc::default())
    }

    #[test]
    fn a_valid_replacement_is_served_and_the_original_comes_back() {
        let served = ServedSchema::new(original());
        let change = served.replace("type Query { b: Int } type Extra { c: Int }");
        assert_eq!(
            change,
            Ok(Served {
                replaced: true,
                types: 2
            })
        );
        assert!(
            served
                .current()
                .0
                .get_object("Query")
                .unwrap()
                .fields
                .contains_key("b")
        );
        assert_eq!(
            served.restore(),
            Served {
                replaced: false,
                types: 1
            }
        );
        assert!(
            served
                .current()
                .0
                .get_object("Query")
                .unwrap()
                .fields
                .contains_key("a")
        );
    }

    #[test]
    fn an_invalid_replacement_changes_nothing_and_is_located() {
        let served = ServedSchema::new(original());
        let rejected = served
            .replace("type Query { b: Missing }")
            .expect_err("an unknown type is refused");
        assert_eq!(rejected.errors.len(), 1, "{rejected}");
        assert_eq!(rejected.errors[0].locations[0].line, 1);
        assert!(rejected.to_string().contains("Missing"), "{rejected}");
        assert!(
            served
                .current()
                .0
                .get_object("Query")
                .unwrap()
                .fields
                .contains_key("a")
        );
    }
}
