//! Reading a whole Relay connection page by page (`first`/`after`), up to a row cap: how
//! `sweep` and `data pull` read a target's lists.

use serde_json::{Map, Value, json};

use super::GraphqlClient;

/// One list to read.
#[derive(Debug, Clone, Copy)]
pub struct ListRead<'a> {
    /// The operation's name, as the target's logs show it (`IonContractSweep`).
    pub operation: &'a str,
    /// The Query field returning the connection (`parts`).
    pub list: &'a str,
    /// What to select of each node (`id partNumber`).
    pub selection: &'a str,
    /// Rows asked for per page.
    pub page_size: usize,
    /// Rows read at most.
    pub max_rows: usize,
}

/// The rows read, and whether they were all of them (false: the cap was reached first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRows {
    /// The nodes, in the list's order.
    pub rows: Vec<Map<String, Value>>,
    /// Whether the list had no more rows.
    pub complete: bool,
}

/// Reads `read.list` page by page through `client`; at most `read.max_rows` rows (the last
/// page may bring a few more). ION's message when a page is refused.
pub async fn read_list(client: &GraphqlClient, read: ListRead<'_>) -> Result<ListRows, String> {
    let query = format!(
        "query {}($first: Int, $after: String) {{ {}(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {} }} }} }} }}",
        read.operation, read.list, read.selection
    );
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let page_size = read
            .page_size
            .min(read.max_rows - rows.len().min(read.max_rows));
        let variables = json!({ "first": page_size.max(1), "after": after });
        let variables = variables.as_object().cloned().unwrap_or_default();
        let data = client.data(&query, &variables, true).await?;
        let list = &data[read.list];
        if let Some(edges) = list["edges"].as_array() {
            rows.extend(edges.iter().filter_map(|e| e["node"].as_object().cloned()));
        }
        let more = list["pageInfo"]["hasNextPage"].as_bool() == Some(true);
        let next = list["pageInfo"]["endCursor"]
            .as_str()
            .filter(|cursor| more && *cursor != after.as_str().unwrap_or_default());
        match next {
            Some(cursor) if rows.len() < read.max_rows => after = Value::from(cursor),
            Some(_) => {
                return Ok(ListRows {
                    rows,
                    complete: false,
                });
            }
            None => {
                return Ok(ListRows {
                    rows,
                    complete: true,
                });
            }
        }
    }
}
