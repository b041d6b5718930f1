//! Requests a client could send the double, as proptest strategies: where to (`/graphql`,
//! the token paths, elsewhere), which method, an `Authorization` header (none, a valid
//! token, a valid token with garbage, Basic credentials, random bytes), other headers, and a
//! body: a GraphQL request built from mutated real operations and random variables, a
//! batch, a mutated seed body, deeply nested JSON or GraphQL, a huge body, a token form, or
//! random bytes (invalid UTF-8 included).

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use crate::common::fuzz::mutate;

/// GraphQL and JSON tokens for mutating operations and bodies.
pub const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "...",
    "... on Part ",
    "... on User ",
    "fragment F on Part { id }",
    "...F ",
    "@skip(if: true)",
    "@include(if: $x)",
    "@deprecated",
    "$n",
    "$n: Int",
    "$x: Boolean!",
    "query Q",
    "mutation M",
    "subscription S",
    "__typename ",
    "__schema { types { name } }",
    "__type(name: \"Part\") { name }",
    "parts(first: 2) { edges { node { id } } }",
    "part(id: 1) { id }",
    "me { id }",
    "\"\"\"",
    "= 1",
    "first: -1",
    "first: 2147483647",
    "last: 0",
    "after: \"\"",
    "sort: [ID_DESC]",
    "filters: {id: {in: [1, 2]}}",
    "{and_: [{or_: []}]}",
    "like: \"%\"",
    "etag: \"\"",
    "null",
    "true",
    "1e999",
    "-0",
    "99999999999999999999",
    "\u{feff}",
    "é",
    "\n",
    "#",
    "id",
    "_etag",
    "partNumber",
    "createPart",
    "updatePart",
    "deletePart",
];

/// Where a request goes.
#[derive(Debug, Clone)]
pub enum Path {
    Graphql,
    Token,
    LegacyToken,
    Other(String),
}

/// The `Authorization` header.
#[derive(Debug, Clone)]
pub enum Authorization {
    None,
    /// `Bearer <the fuzzer's valid token>`.
    Valid,
    /// A valid token under another scheme or none, or with bytes added.
    ValidWith {
        scheme: &'static str,
        suffix: Vec<u8>,
    },
    /// `Basic` with the environment's real credentials.
    BasicValid,
    Raw(Vec<u8>),
}

/// A body, kept small until it is sent (a huge one is a byte repeated).
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    Repeat { byte: u8, times: usize },
}

impl Body {
    pub fn render(&self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Repeat { byte, times } => vec![*byte; *times],
        }
    }
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: Path,
    pub authorization: Authorization,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Body,
}

/// Requests to `/graphql` mostly, then the token paths, now and then elsewhere.
/// `valid_form` is a token request the double grants, mutated into near misses.
pub fn request(
    operations: Arc<Vec<Vec<u8>>>,
    bodies: Arc<Vec<Vec<u8>>>,
    valid_form: String,
) -> impl Strategy<Value = Request> {
    let graphql = (authorization(), graphql_body(operations, bodies))
        .prop_map(|(a, b)| (Path::Graphql, a, b));
    let token = (
        prop_oneof![3 => Just(Path::Token), 1 => Just(Path::LegacyToken)],
        authorization(),
        token_body(valid_form),
    );
    let other = ("/[a-z_/.%]{0,24}", authorization(), random_body())
        .prop_map(|(p, a, b)| (Path::Other(p), a, b));
    (
        prop_oneof![12 => graphql, 5 => token, 1 => other],
        prop_oneof![20 => Just("POST"), 1 => Just("GET"), 1 => Just("PUT"), 1 => Just("DELETE")],
        proptest::collection::vec(header(), 0..3),
    )
        .prop_map(|((path, authorization, body), method, headers)| Request {
            method,
            path,
            authorization,
            headers,
            body,
        })
}

fn authorization() -> impl Strategy<Value = Authorization> {
    prop_oneof![
        1 => Just(Authorization::None),
        8 => Just(Authorization::Valid),
        1 => (select(&["", "Bearer ", "bearer  ", "Token ", "Basic "][..]), mutate::random_bytes(8))
            .prop_map(|(scheme, suffix)| Authorization::ValidWith { scheme, suffix }),
        1 => Just(Authorization::BasicValid),
        1 => mutate::random_bytes(64).prop_map(Authorization::Raw),
    ]
}

fn header() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    let names = &[
        "content-type",
        "content-encoding",
        "accept",
        "x-request-id",
        "cookie",
        "expect",
    ][..];
    (
        select(names),
        prop_oneof![
            Just(b"application/json".to_vec()),
            Just(b"application/x-www-form-urlencoded; charset=latin1".to_vec()),
            mutate::random_bytes(32),
        ],
    )
}

/// A `/graphql` body.
fn graphql_body(
    operations: Arc<Vec<Vec<u8>>>,
    bodies: Arc<Vec<Vec<u8>>>,
) -> impl Strategy<Value = Body> {
    let one = graphql_request(operations);
    prop_oneof![
        10 => one.clone().prop_map(|r| Body::Bytes(r.to_string().into_bytes())),
        2 => proptest::collection::vec(one, 0..5).prop_map(|b| Body::Bytes(Value::Array(b).to_string().into_bytes())),
        2 => mutate::mutated(bodies, DICTIONARY, 6).prop_map(Body::Bytes),
        2 => deep(),
        1 => random_body(),
        1 => (select(&[b'[', b' ', b'a'][..]), huge_length()).prop_map(|(byte, times)| Body::Repeat { byte, times }),
    ]
}

/// `{"query", "variables", "operationName"}`, each part possibly wrong.
fn graphql_request(operations: Arc<Vec<Vec<u8>>>) -> impl Strategy<Value = Value> + Clone {
    let query = prop_oneof![
        8 => mutate::mutated(operations, DICTIONARY, 4)
            .prop_map(|q| Value::String(String::from_utf8_lossy(&q).into_owned())),
        1 => mutate::token_soup(DICTIONARY).prop_map(|q| Value::String(String::from_utf8_lossy(&q).into_owned())),
        1 => json_value(),
    ];
    let variables = prop_oneof![
        2 => Just(None),
        4 => proptest::collection::btree_map(
            select(&["n", "after", "before", "id", "etag", "input", "skip", "sort", "x"][..]),
            json_value(),
            0..4,
        )
        .prop_map(|m| Some(Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))),
        1 => json_value().prop_map(Some),
    ];
    let name = prop_oneof![
        3 => Just(None),
        1 => select(&["Page", "Create", "Update", "Delete", "Me", "", "Nope"][..]).prop_map(|n| Some(json!(n))),
        1 => json_value().prop_map(Some),
    ];
    (query, variables, name).prop_map(|(query, variables, name)| {
        let mut request = Map::new();
        request.insert("query".into(), query);
        if let Some(variables) = variables {
            request.insert("variables".into(), variables);
        }
        if let Some(name) = name {
            request.insert("operationName".into(), name);
        }
        Value::Object(request)
    })
}

/// Any JSON value, a few levels deep, with values the double's inputs care about.
fn json_value() -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        select(&[0.5, -1.0, 1e308, f64::MIN_POSITIVE][..]).prop_map(Value::from),
        select(
            &[
                "1",
                "-1",
                "PN-1001",
                "YXJyYXljb25uZWN0aW9uOjE=",
                "ID_DESC",
                "PART",
                "",
                "%"
            ][..]
        )
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                select(
                    &[
                        "partNumber",
                        "id",
                        "etag",
                        "description",
                        "cost",
                        "partId",
                        "revision",
                        "in",
                        "eq"
                    ][..]
                ),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// JSON or GraphQL nested far deeper than any parser should recurse.
fn deep() -> impl Strategy<Value = Body> {
    (0usize..4, 1usize..20_000).prop_map(|(kind, depth)| {
        let body = match kind {
            0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
            2 => json!({"query": format!("{{{}id{}}}", "me { ".repeat(depth), " }".repeat(depth))}).to_string(),
            _ => json!({
                "query": "query Q($v: [Int]) { parts(first: 1) { edges { node { id } } } }",
                "variables": {"v": serde_json::from_str::<Value>(&format!("{}1{}", "[".repeat(depth.min(100)), "]".repeat(depth.min(100)))).unwrap_or_default()},
            }).to_string(),
        };
        Body::Bytes(body.into_bytes())
    })
}

/// Long bodies, and once in a long while one past the double's 8 MiB limit (413).
fn huge_length() -> impl Strategy<Value = usize> {
    prop_oneof![2000 => 1usize..20_000, 1 => 8_000_000usize..9_000_000]
}

/// A token request's form: the grant and the client, right or wrong, or random bytes.
fn token_body(valid_form: String) -> impl Strategy<Value = Body> {
    let field = (
        select(
            &[
                "grant_type",
                "client_id",
                "client_secret",
                "scope",
                "audience",
                "",
                "%ZZ",
            ][..],
        ),
        prop_oneof![
            select(
                &[
                    "client_credentials",
                    "password",
                    "ion-contract-sandbox",
                    "ion-contract-demo",
                    "%FF",
                    "%00",
                    "+",
                    "="
                ][..]
            )
            .prop_map(str::to_owned),
            "[ -~]{0,16}",
        ],
    );
    prop_oneof![
        4 => proptest::collection::vec(field, 0..5).prop_map(|fields| {
            let form: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Body::Bytes(form.join("&").into_bytes())
        }),
        2 => Just(Body::Bytes(valid_form.clone().into_bytes())),
        2 => mutate::mutated(Arc::new(vec![valid_form.into_bytes()]), &["&", "=", "%", "%FF", "+", "client_id=", "grant_type=password"], 3)
            .prop_map(Body::Bytes),
        1 => random_body(),
    ]
}

fn random_body() -> impl Strategy<Value = Body> {
    mutate::random_bytes(256).prop_map(Body::Bytes)
}
