//! Reading a live schema: the introspection query, sent as an ordinary GraphQL request, and
//! its answer as a schema.
//!
//! The query is graphql-js's full introspection query (`getIntrospectionQuery()` with
//! descriptions, `specifiedByURL`, `isRepeatable` and deprecated arguments and input fields),
//! named `IonContractIntrospection` so it is recognisable in ION's logs. A server that does
//! not know the newer introspection fields (it answers with errors and no `data`) is asked
//! again with the classic query, which every GraphQL server answers. The request goes
//! through the target's [`GraphqlClient`], so the target's token, pacing and retries apply.
//! The answer is turned into a schema by [`super::sdl`].

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use super::sdl::{SdlError, schema_from_introspection};
use crate::auth::TokenKnowledge;
use crate::client::{ClientError, GraphqlClient, GraphqlRequest, RawResponse};

/// The operation name of the introspection query.
pub const OPERATION_NAME: &str = "IonContractIntrospection";

/// How many `ofType` levels a type reference is read to (`[[Int!]!]!` needs 5).
const TYPE_REF_DEPTH: usize = 8;

/// The introspection query: the full one (`modern`), or the classic one every server knows.
pub fn introspection_query(modern: bool) -> String {
    let (specified_by, repeatable, deprecated_inputs, input_deprecation) = if modern {
        (
            "specifiedByURL",
            "isRepeatable",
            "(includeDeprecated: true)",
            "isDeprecated deprecationReason",
        )
    } else {
        ("", "", "", "")
    };
    let mut type_ref = String::from("kind name");
    for _ in 0..TYPE_REF_DEPTH {
        type_ref = format!("kind name ofType {{ {type_ref} }}");
    }
    format!(
        "query {OPERATION_NAME} {{
  __schema {{
    queryType {{ name }}
    mutationType {{ name }}
    subscriptionType {{ name }}
    types {{ ...FullType }}
    directives {{
      name
      description
      {repeatable}
      locations
      args{deprecated_inputs} {{ ...InputValue }}
    }}
  }}
}}

fragment FullType on __Type {{
  kind
  name
  description
  {specified_by}
  fields(includeDeprecated: true) {{
    name
    description
    args{deprecated_inputs} {{ ...InputValue }}
    type {{ ...TypeRef }}
    isDeprecated
    deprecationReason
  }}
  inputFields{deprecated_inputs} {{ ...InputValue }}
  interfaces {{ ...TypeRef }}
  enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }}
  possibleTypes {{ ...TypeRef }}
}}

fragment InputValue on __InputValue {{
  name
  description
  type {{ ...TypeRef }}
  defaultValue
  {input_deprecation}
}}

fragment TypeRef on __Type {{ {type_ref} }}
"
    )
}

/// Why a live schema could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// No HTTP answer (connection, TLS, timeout) or no token.
    #[error(
        "cannot introspect {endpoint}: {source}\nhelp: check that the target's API URL is reachable and its credentials work (`ion-contract preflight --target <target>`), or compare against a schema file with `schema diff --live FILE`"
    )]
    Client {
        /// The GraphQL endpoint.
        endpoint: String,
        /// What went wrong.
        source: ClientError,
    },
    /// An HTTP status other than 200.
    #[error(
        "{endpoint} answered the introspection query with HTTP {status}{class}: {excerpt}\nhelp: {help}"
    )]
    Status {
        /// The GraphQL endpoint.
        endpoint: String,
        /// The status.
        status: u16,
        /// The refusal's class, when it is one (` (expired)`).
        class: String,
        /// The start of the body.
        excerpt: String,
        /// How to fix it.
        help: String,
    },
    /// A 200 whose body is not a GraphQL response with `data`.
    #[error(
        "{endpoint} did not answer the introspection query with a schema: {what}\nhelp: the target must allow introspection for this API key; ask ION's support, or compare against a schema file with `schema diff --live FILE`"
    )]
    Refused {
        /// The GraphQL endpoint.
        endpoint: String,
        /// What came back instead (GraphQL errors, or the start of the body).
        what: String,
    },
    /// The answer does not describe a valid schema.
    #[error(
        "{endpoint}: {source}\nhelp: this is a problem of the server's introspection; report it with the response of the query `{OPERATION_NAME}`"
    )]
    Convert {
        /// The GraphQL endpoint.
        endpoint: String,
        /// What is wrong with it.
        source: SdlError,
    },
}

/// Introspects the endpoint `client` posts to and returns its schema.
pub async fn introspect(client: &GraphqlClient) -> Result<Valid<Schema>, IntrospectError> {
    let endpoint = shown_endpoint(client.endpoint());
    let data = match ask(client, &endpoint, true).await {
        Ok(Ok(data)) => data,
        // An older server: the newer fields are unknown to it (GraphQL over HTTP answers a
        // request that does not validate with 400).
        Ok(Err(_)) | Err(IntrospectError::Status { status: 400, .. }) => {
            ask(client, &endpoint, false)
                .await?
                .map_err(|what| IntrospectError::Refused {
                    endpoint: endpoint.clone(),
                    what,
                })?
        }
        Err(other) => return Err(other),
    };
    schema_from_introspection(&data, &format!("introspection of {endpoint}"))
        .map_err(|source| IntrospectError::Convert { endpoint, source })
}

/// Sends the query once; `Ok(Err(what))` is a 200 without `data`, worth asking again with
/// the classic query.
async fn ask(
    client: &GraphqlClient,
    endpoint: &str,
    modern: bool,
) -> Result<Result<Value, String>, IntrospectError> {
    let query = introspection_query(modern);
    let variables = Map::new();
    let response = client
        .send(GraphqlRequest {
            query: &query,
            operation_name: Some(OPERATION_NAME),
            variables: &variables,
            idempotent: true,
            retry: true,
        })
        .await
        .map_err(|source| IntrospectError::Client {
            endpoint: endpoint.to_owned(),
            source,
        })?;
    if response.status != 200 {
        return Err(status_error(endpoint, &response));
    }
    let Some(body) = response.json() else {
        return Ok(Err(format!(
            "the body is not JSON: {}",
            excerpt(&response.text())
        )));
    };
    match body.get("data") {
        Some(data) if data.get("__schema").is_some_and(Value::is_object) => Ok(Ok(data.clone())),
        _ => Ok(Err(graphql_errors(&body))),
    }
}

fn status_error(endpoint: &str, response: &RawResponse) -> IntrospectError {
    let class = response.auth_class(TokenKnowledge::default());
    let help = match (response.status, class) {
        (401 | 403, _) | (_, Some(_)) => {
            "the credentials were refused; `ion-contract preflight --target <target>` says why"
                .to_owned()
        }
        (429, _) => {
            "the target throttled every attempt; try again later, or lower its max_rps".to_owned()
        }
        (404, _) => "check the target's API URL: <api url>/graphql must be ION's GraphQL endpoint"
            .to_owned(),
        _ => "check that the target's API URL is ION's, and try again".to_owned(),
    };
    IntrospectError::Status {
        endpoint: endpoint.to_owned(),
        status: response.status,
        class: class.map_or_else(String::new, |c| format!(" ({c})")),
        excerpt: excerpt(&response.text()),
        help,
    }
}

/// An endpoint as reports show it: without a user, password, query or fragment, which may
/// hold secrets.
pub fn shown_endpoint(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => endpoint
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The messages of a GraphQL response's `errors`, or the start of the body.
fn graphql_errors(body: &Value) -> String {
    let messages: Vec<&str> = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if messages.is_empty() {
        format!("no `data.__schema` in {}", excerpt(&body.to_string()))
    } else {
        messages.join("; ")
    }
}

/// At most 300 characters of `text`, on one line.
fn excerpt(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}...", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::ExecutableDocument;

    #[test]
    fn both_queries_validate_against_the_introspection_schema() {
        let schema = Schema::parse_and_validate("type Query { a: Int }", "s.graphql").unwrap();
        for modern in [true, false] {
            let query = introspection_query(modern);
            ExecutableDocument::parse_and_validate(&schema, &query, "q.graphql")
                .unwrap_or_else(|e| panic!("modern={modern}: {}", e.errors));
        }
        assert!(!introspection_query(false).contains("specifiedByURL"));
    }

    #[test]
    fn endpoints_are_shown_without_credentials() {
        assert_eq!(
            shown_endpoint("https://me:pw@api.example.test/graphql?key=1#x"),
            "https://api.example.test/graphql"
        );
        assert_eq!(shown_endpoint("not a url?key=1"), "not a url");
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt("a\n  b"), "a b");
        assert_eq!(excerpt(&"x".repeat(400)).len(), 303);
    }
}
