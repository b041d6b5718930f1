//! Properties of the double's store, through ION's API as a client sees it: after any
//! sequence of `createPart`, `updatePart` and `deletePart` with the current, a stale or a
//! made-up etag,
//!
//! - a write with the current etag succeeds and gives the row a fresh etag; one with any
//!   other etag fails with `CONCURRENCY_CONFLICT` and leaves the row exactly as it was;
//!   writes to a deleted row fail and bring nothing back;
//! - paging `parts` with `first`/`after` (any page size, default order or a sort) visits
//!   every row exactly once, in order, each as last written; `pageInfo.count` is the page's
//!   size, `totalCount` the number of rows, `hasNextPage` true until the last page.
//!
//! A model (id → etag, description) predicts every answer. The double runs in process (the
//! hyper server of `ion-contract serve`) and is reset before each case. The seed is fixed;
//! `ION_PROPTEST_CASES` raises the default 48 cases of up to 24 operations.

use crate::common::{double_data, fuzz};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ion_contract::double::serve::{ServeOptions, Server};
use ion_contract::double::{Role, key_for};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError};
use serde_json::{Value, json};

/// Which etag a write sends.
#[derive(Debug, Clone)]
enum Etag {
    Current,
    /// One the row had before (or another row's, when it has had no other).
    Stale(u32),
    Made,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        description: u8,
    },
    /// `target` picks among every id the case has seen, deleted ones included.
    Update {
        target: u32,
        etag: Etag,
        description: u8,
    },
    Delete {
        target: u32,
        etag: Etag,
    },
    Page {
        size: u8,
        sort: Option<&'static str>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let etag = prop_oneof![3 => Just(Etag::Current), 2 => any::<u32>().prop_map(Etag::Stale), 1 => Just(Etag::Made)];
    let sort = prop_oneof![
        Just(None),
        Just(Some("ID_DESC")),
        Just(Some("DESCRIPTION_ASC")),
        Just(Some("_UPDATED_DESC"))
    ];
    prop_oneof![
        3 => any::<u8>().prop_map(|description| Op::Create { description }),
        4 => (any::<u32>(), etag.clone(), any::<u8>())
            .prop_map(|(target, etag, description)| Op::Update { target, etag, description }),
        3 => (any::<u32>(), etag).prop_map(|(target, etag)| Op::Delete { target, etag }),
        1 => (1u8..8, sort).prop_map(|(size, sort)| Op::Page { size, sort }),
    ]
}

/// What the store should hold.
#[derive(Debug, Default)]
struct Model {
    rows: BTreeMap<i64, (String, Value)>,
    /// Every id seen, deleted ones included, and every etag each row has had.
    history: BTreeMap<i64, Vec<String>>,
}

impl Model {
    fn pick(&self, at: u32) -> i64 {
        let ids: Vec<i64> = self.history.keys().copied().collect();
        ids[((u64::from(at) * ids.len() as u64) >> 32) as usize]
    }

    fn etag_for(&self, id: i64, choice: &Etag) -> String {
        match choice {
            Etag::Current => self
                .rows
                .get(&id)
                .map_or("0".repeat(32), |(etag, _)| etag.clone()),
            Etag::Made => "0123456789abcdef0123456789abcdef".into(),
            Etag::Stale(at) => {
                let current = self.rows.get(&id).map(|(etag, _)| etag);
                let mut old: Vec<&String> = self.history[&id]
                    .iter()
                    .filter(|e| Some(*e) != current)
                    .collect();
                if old.is_empty() {
                    old = self
                        .history
                        .values()
                        .flatten()
                        .filter(|e| Some(*e) != current)
                        .collect();
                }
                old[((u64::from(*at) * old.len() as u64) >> 32) as usize].clone()
            }
        }
    }

    fn record(&mut self, id: i64, etag: &str, description: Value) {
        self.rows.insert(id, (etag.to_owned(), description));
        self.history.entry(id).or_default().push(etag.to_owned());
    }
}

const PART: &str = "id _etag description";

struct Double {
    url: String,
    http: reqwest::Client,
    token: String,
}

impl Double {
    async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/graphql", self.url))
            .bearer_auth(&self.token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("the double answers");
        assert_eq!(response.status(), 200);
        response.json().await.expect("a JSON body")
    }

    async fn reset(&self) {
        let reset = self
            .http
            .post(format!("{}/__double/reset", self.url))
            .body("{}")
            .send()
            .await;
        assert_eq!(reset.expect("reset answers").status(), 200);
    }

    /// Every row, page by page, checking each page's `pageInfo` on the way.
    async fn page_through(
        &self,
        size: u8,
        sort: Option<&str>,
        total: usize,
    ) -> Result<Vec<Value>, TestCaseError> {
        let query = format!(
            "query P($n: Int, $after: String, $sort: [PartSortEnum]) {{ parts(first: $n, after: $after, sort: $sort) \
             {{ pageInfo {{ hasNextPage endCursor count totalCount }} edges {{ node {{ {PART} }} }} }} }}"
        );
        let (mut after, mut nodes) = (Value::Null, Vec::new());
        for _ in 0..=total {
            PAGES.fetch_add(1, Ordering::Relaxed);
            let sort = sort.map_or(Value::Null, |s| json!([s]));
            let page = self
                .graphql(&query, json!({"n": size, "after": after, "sort": sort}))
                .await;
            let parts = &page["data"]["parts"];
            let edges = parts["edges"].as_array().cloned().unwrap_or_default();
            let info = &parts["pageInfo"];
            prop_assert_eq!(
                &info["count"],
                &json!(edges.len()),
                "count is the page's size: {}",
                page
            );
            prop_assert_eq!(&info["totalCount"], &json!(total), "totalCount: {}", page);
            prop_assert!(edges.len() <= usize::from(size));
            nodes.extend(edges.into_iter().map(|e| e["node"].clone()));
            let more = nodes.len() < total;
            prop_assert_eq!(&info["hasNextPage"], &json!(more), "hasNextPage: {}", page);
            if !more {
                return Ok(nodes);
            }
            after = info["endCursor"].clone();
        }
        Err(TestCaseError::fail(format!(
            "{total} rows took more than {total} pages"
        )))
    }
}

/// What the cases did, for the closing line: accepted writes, refused writes, pages read.
static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static REFUSED: AtomicU64 = AtomicU64::new(0);
static PAGES: AtomicU64 = AtomicU64::new(0);

/// Runs `ops` from the seed and checks every answer against the model.
async fn run(double: &Double, ops: &[Op]) -> Result<(), TestCaseError> {
    double.reset().await;
    let mut model = Model::default();
    for part in double.page_through(100, None, 12).await? {
        model.record(
            part["id"].as_i64().expect("an id"),
            part["_etag"].as_str().expect("an etag"),
            part["description"].clone(),
        );
    }
    let mut next_id = 13;
    for op in ops.iter().chain([&Op::Page {
        size: 3,
        sort: None,
    }]) {
        match op {
            Op::Create { description } => {
                let input = json!({"partNumber": format!("PN-P{next_id}"), "description": format!("d{description}")});
                let query = format!(
                    "mutation C($input: CreatePartInput!) {{ createPart(input: $input) {{ part {{ {PART} }} }} }}"
                );
                let answer = double.graphql(&query, json!({"input": input})).await;
                let part = &answer["data"]["createPart"]["part"];
                prop_assert_eq!(
                    &part["id"],
                    &json!(next_id),
                    "ids are never reused: {}",
                    answer
                );
                let etag = part["_etag"].as_str().unwrap_or_default();
                prop_assert!(
                    etag.len() == 32 && !model.history.values().flatten().any(|e| e == etag)
                );
                model.record(next_id, etag, input["description"].clone());
                next_id += 1;
            }
            Op::Update {
                target,
                etag,
                description,
            } => {
                let id = model.pick(*target);
                let sent = model.etag_for(id, etag);
                let input =
                    json!({"id": id, "etag": sent, "description": format!("u{description}")});
                let query = format!(
                    "mutation U($input: UpdatePartInput!) {{ updatePart(input: $input) {{ part {{ {PART} }} }} }}"
                );
                let answer = double.graphql(&query, json!({"input": input})).await;
                write_answer(
                    double,
                    &mut model,
                    id,
                    &sent,
                    &answer,
                    "updatePart",
                    Some(input["description"].clone()),
                )
                .await?;
            }
            Op::Delete { target, etag } => {
                let id = model.pick(*target);
                let sent = model.etag_for(id, etag);
                let query = "mutation D($id: ID!, $etag: String!) { deletePart(id: $id, etag: $etag) { id } }";
                let answer = double.graphql(query, json!({"id": id, "etag": sent})).await;
                write_answer(double, &mut model, id, &sent, &answer, "deletePart", None).await?;
            }
            Op::Page { size, sort } => {
                let nodes = double.page_through(*size, *sort, model.rows.len()).await?;
                let mut expected: Vec<(i64, &Value)> =
                    model.rows.iter().map(|(id, (_, d))| (*id, d)).collect();
                match *sort {
                    Some("ID_DESC") | Some("_UPDATED_DESC") => expected.reverse(),
                    Some(_) => {
                        expected.sort_by(|a, b| (a.1.as_str(), a.0).cmp(&(b.1.as_str(), b.0)))
                    }
                    None => {}
                }
                let seen: Vec<i64> = nodes
                    .iter()
                    .map(|n| n["id"].as_i64().unwrap_or(-1))
                    .collect();
                if *sort != Some("_UPDATED_DESC") {
                    let order: Vec<i64> = expected.iter().map(|(id, _)| *id).collect();
                    prop_assert_eq!(&seen, &order, "every row once, in order ({:?})", sort);
                }
                let mut once = seen.clone();
                once.sort_unstable();
                once.dedup();
                prop_assert_eq!(once.len(), seen.len(), "a row seen twice: {:?}", seen);
                prop_assert_eq!(once, model.rows.keys().copied().collect::<Vec<_>>());
                for node in &nodes {
                    let (etag, description) = &model.rows[&node["id"].as_i64().unwrap_or(-1)];
                    prop_assert_eq!(
                        (&node["_etag"], &node["description"]),
                        (&json!(etag), description)
                    );
                }
            }
        }
    }
    Ok(())
}

/// Checks a write's answer and the row after it; applies a successful write to the model.
async fn write_answer(
    double: &Double,
    model: &mut Model,
    id: i64,
    sent: &str,
    answer: &Value,
    field: &str,
    description: Option<Value>,
) -> Result<(), TestCaseError> {
    let current = model.rows.get(&id).map(|(etag, _)| etag.clone());
    if current.as_deref() == Some(sent) {
        ACCEPTED.fetch_add(1, Ordering::Relaxed);
        prop_assert!(
            answer.get("errors").is_none(),
            "a current etag is accepted: {}",
            answer
        );
        match description {
            Some(description) => {
                let part = &answer["data"][field]["part"];
                let etag = part["_etag"].as_str().unwrap_or_default();
                prop_assert!(
                    etag.len() == 32 && Some(etag) != current.as_deref(),
                    "a fresh etag: {}",
                    answer
                );
                prop_assert_eq!(&part["description"], &description);
                model.record(id, etag, description);
            }
            None => {
                prop_assert_eq!(&answer["data"][field]["id"], &json!(id));
                model.rows.remove(&id);
            }
        }
    } else {
        REFUSED.fetch_add(1, Ordering::Relaxed);
        let error = &answer["errors"][0];
        prop_assert!(
            answer["data"][field].is_null(),
            "a refused write returns no data: {}",
            answer
        );
        if current.is_some() {
            prop_assert_eq!(
                &error["extensions"]["code"],
                &json!("CONCURRENCY_CONFLICT"),
                "{}",
                answer
            );
        } else {
            prop_assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("does not exist")),
                "{}",
                answer
            );
        }
    }
    let now = double
        .graphql(
            &format!("query R($id: ID!) {{ part(id: $id) {{ {PART} }} }}"),
            json!({"id": id}),
        )
        .await;
    let expected = model.rows.get(&id).map_or(
        Value::Null,
        |(etag, d)| json!({"id": id, "_etag": etag, "description": d}),
    );
    prop_assert_eq!(
        &now["data"]["part"],
        &expected,
        "the row after {} with etag {}",
        field,
        sent
    );
    Ok(())
}

#[test]
fn writes_with_any_etags_keep_connections_and_counts_exact() {
    let cases = match std::env::var("ION_PROPTEST_CASES") {
        Ok(n) => n.parse().expect("ION_PROPTEST_CASES is a number"),
        Err(_) => 48,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let data = double_data();
    let (_server, double) = runtime.block_on(async {
        let server = Server::bind(data, &ServeOptions::default())
            .await
            .expect("the double binds");
        let environment = &server.environments()[0];
        let (id, secret) = key_for(&environment.spec, Role::Admin);
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ];
        let url = environment.url.clone();
        let token: Value = http
            .post(format!(
                "{url}/realms/api-keys/protocol/openid-connect/token"
            ))
            .form(&form)
            .send()
            .await
            .expect("a token")
            .json()
            .await
            .expect("JSON");
        let token = token["access_token"].as_str().expect("a token").to_owned();
        (server, Double { url, http, token })
    });
    let strategy = proptest::collection::vec(op(), 0..24);
    let result =
        fuzz::runner(cases, 0x57_0BE5).run(&strategy, |ops| runtime.block_on(run(&double, &ops)));
    eprintln!(
        "store_properties: {cases} cases; {} writes accepted, {} refused, {} pages read",
        ACCEPTED.load(Ordering::Relaxed),
        REFUSED.load(Ordering::Relaxed),
        PAGES.load(Ordering::Relaxed)
    );
    if let Err(TestError::Fail(reason, ops)) = result {
        panic!("{reason}\nthe smallest failing sequence: {ops:#?}");
    }
}
