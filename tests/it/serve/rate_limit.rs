//! `serve`'s throttling flags as a client sees them: `--rate-limit` throttles both
//! environments, the admin endpoint changes it at run time, and a zero rate is refused.

use serde_json::json;

use super::*;

/// `{ me { id } }` `count` times back to back: each status and `Retry-After`.
async fn burst_of(
    http: &reqwest::Client,
    env: &Env,
    token: &str,
    count: usize,
) -> Vec<(u16, Option<String>)> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let response = http
            .post(format!("{}/graphql", env.api_url))
            .bearer_auth(token)
            .json(&json!({ "query": ME }))
            .send()
            .await
            .expect("serve answers");
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().expect("ASCII").to_owned());
        out.push((response.status().as_u16(), retry_after));
    }
    out
}

#[tokio::test]
async fn rate_limit_flags_throttle_both_environments_and_the_admin_endpoint_changes_it() {
    let served = Served::start(&[
        "--rate-limit",
        "1",
        "--burst",
        "2",
        "--retry-after",
        "absent",
    ]);
    assert_eq!(
        served.comment("rate limit"),
        "1/s per API key in each environment, burst 2; beyond it /graphql answers 429 with no \
         Retry-After header (change it with POST .../__double/throttle)"
    );
    let (sandbox, production) = (&served.sandbox, &served.production);
    let http = reqwest::Client::new();
    let (t_sandbox, t_production) = (token(&http, sandbox).await, token(&http, production).await);
    assert_eq!(
        admin(&http, sandbox, reqwest::Method::GET, "throttle").await,
        json!({"per_second": 1, "burst": 2, "retry_after": "absent", "storm": null})
    );
    assert_eq!(
        burst_of(&http, sandbox, &t_sandbox, 3).await,
        [(200, None), (200, None), (429, None)]
    );

    let settings = json!({"per_second": 1000, "retry_after": "seconds", "storm": {"next": 2}});
    let response = http
        .post(format!("{}/__double/throttle", production.api_url))
        .json(&settings)
        .send()
        .await
        .expect("serve answers");
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        json!({"per_second": 1000, "burst": 2, "retry_after": "seconds", "storm": {"next": 2}})
    );
    let one = Some("1".to_owned());
    assert_eq!(
        burst_of(&http, production, &t_production, 3).await,
        [(429, one.clone()), (429, one), (200, None)]
    );
    let counts = admin(&http, production, reqwest::Method::GET, "requests").await;
    assert_eq!(counts["throttled"], 2, "{counts}");
    let counts = admin(&http, sandbox, reqwest::Method::GET, "requests").await;
    assert_eq!(counts["throttled"], 1, "{counts}");
}

#[test]
fn a_zero_rate_limit_exits_2_with_a_fix() {
    let stderr = refused_at_start(&["--port", "0", "--rate-limit", "0"]);
    assert!(
        stderr.contains("--rate-limit") && stderr.contains("leave out --rate-limit"),
        "{stderr}"
    );
}
