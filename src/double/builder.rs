//! [`IonDoubleBuilder`]: a double for a Rust test, from the built-in schema and demo seed
//! ([`crate::builtin`]) or files of the test's own, started on a loopback port or mounted on
//! a wiremock `MockServer`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::{DataShape, DoubleData, DoubleError, EnvironmentSpec, IonDouble};
use crate::builtin::{self, BuiltIn, Text};
use crate::user_file::{self, Limit};

/// How a test's double is made: its schema, its seed, its data shape and the environment it
/// imitates. Every setting has a default: the built-in schema and demo seed, the `demo`
/// data shape, the demo environment ([`EnvironmentSpec::demo`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use ion_contract::double::{IonDouble, Role};
///
/// let double = IonDouble::builder().start().await.expect("the built-in files load");
/// let key = double.credentials(Role::Admin);
/// let token: serde_json::Value = reqwest::Client::new()
///     .post(double.token_url())
///     .form(&[
///         ("grant_type", "client_credentials"),
///         ("client_id", key.client_id.as_str()),
///         ("client_secret", key.client_secret.expose()),
///     ])
///     .send().await.expect("the double answers")
///     .json().await.expect("JSON");
/// assert_eq!(token["token_type"], "Bearer");
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` or `mount`"]
pub struct IonDoubleBuilder {
    schema: Given,
    seed: Given,
    shape: DataShape,
    spec: EnvironmentSpec,
}

/// Where one of the double's files comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Given {
    BuiltIn,
    File(PathBuf),
    Text(String),
}

/// How diagnostics name a schema given as text.
const SDL_NAME: &str = "<IonDoubleBuilder::schema_sdl>";

impl IonDouble {
    /// A builder for a double with the built-in schema and demo seed, to change and then
    /// [`IonDoubleBuilder::start`] (or, with the `wiremock` feature,
    /// `IonDoubleBuilder::mount`).
    pub fn builder() -> IonDoubleBuilder {
        IonDoubleBuilder {
            schema: Given::BuiltIn,
            seed: Given::BuiltIn,
            shape: DataShape::default(),
            spec: EnvironmentSpec::demo(),
        }
    }
}

impl IonDoubleBuilder {
    /// Serves this schema (SDL text) instead of the built-in one. With the built-in seed,
    /// the schema must have the types and fields the seed names.
    pub fn schema_sdl(mut self, sdl: &str) -> Self {
        self.schema = Given::Text(sdl.to_owned());
        self
    }

    /// Serves the schema in this file (SDL) instead of the built-in one.
    pub fn schema_file(mut self, path: impl AsRef<Path>) -> Self {
        self.schema = Given::File(path.as_ref().to_path_buf());
        self
    }

    /// Starts from the seed data in this file (the format of `suites/seed/demo.yaml`)
    /// instead of the built-in demo seed.
    pub fn seed_file(mut self, path: impl AsRef<Path>) -> Self {
        self.seed = Given::File(path.as_ref().to_path_buf());
        self
    }

    /// Shapes the data as one of ION's sandbox shapes ([`DataShape`]; default `demo`).
    pub fn data(mut self, shape: DataShape) -> Self {
        self.shape = shape;
        self
    }

    /// Imitates this environment (its realm, API key, token lifetime, throttle, faults,
    /// limits) instead of the demo one.
    pub fn environment(mut self, spec: EnvironmentSpec) -> Self {
        self.spec = spec;
        self
    }

    /// Loads and checks the files and starts the double on a loopback port.
    ///
    /// A file that cannot be read, a schema that is not valid GraphQL or a seed that does
    /// not fit the schema is an error naming the file, line and column, and how to fix it.
    ///
    /// # Panics
    ///
    /// As [`IonDouble::start_with`]: when no loopback port can be had.
    pub async fn start(self) -> Result<IonDouble, DoubleError> {
        let data = self.load()?;
        Ok(IonDouble::start_with(data, self.spec).await)
    }

    /// The double's data; the all-built-in data is loaded once per process.
    pub(super) fn load(&self) -> Result<Arc<DoubleData>, DoubleError> {
        static BUILT_IN: OnceLock<Arc<DoubleData>> = OnceLock::new();
        let all_built_in = self.schema == Given::BuiltIn
            && self.seed == Given::BuiltIn
            && self.shape == DataShape::Demo;
        if all_built_in && let Some(data) = BUILT_IN.get() {
            return Ok(Arc::clone(data));
        }
        let schema = text(&self.schema, &builtin::SCHEMA, Limit::Schema)?;
        let seed = || text(&self.seed, &builtin::SEED, Limit::File);
        let data = Arc::new(DoubleData::from_schema_text(schema, seed, self.shape)?);
        if all_built_in {
            let _ = BUILT_IN.set(Arc::clone(&data));
        }
        Ok(data)
    }

    /// The environment the double imitates.
    #[cfg(feature = "wiremock")]
    pub(super) fn spec(&self) -> &EnvironmentSpec {
        &self.spec
    }
}

/// The text of a file of the double: `built_in`, the file given, or the SDL given.
fn text(given: &Given, built_in: &'static BuiltIn, limit: Limit) -> Result<Text, DoubleError> {
    let (path, text) = match given {
        Given::BuiltIn => (built_in.name.into(), Cow::Borrowed(built_in.text)),
        Given::Text(text) => (SDL_NAME.into(), Cow::Owned(text.clone())),
        Given::File(path) => {
            let text = user_file::read_text(path, limit).map_err(|why| DoubleError::ReadGiven {
                path: path.clone(),
                why,
            })?;
            (path.clone(), Cow::Owned(text))
        }
    };
    Ok(Text {
        path,
        text,
        built_in: *given == Given::BuiltIn,
    })
}
