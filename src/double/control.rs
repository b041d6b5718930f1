//! Setting a running double's throttle from the harness, for a suite's `double:`: on the
//! embedded double of a trial, and on a local `ion-contract serve` (where the settings before
//! the case are put back after it); and adding a step's `fault:`.

use serde_json::{Value, json};

/// The throttle settings of the double at `base_url` before `body` replaced them, to give
/// back to [`restore`].
#[derive(Debug, Clone)]
pub struct Previous(Value);

/// Posts `change` to the double's `POST /__double/throttle`; returns the settings it
/// replaced.
pub async fn set_throttle(
    http: &reqwest::Client,
    base_url: &str,
    change: &super::ThrottleChange,
) -> Result<Previous, String> {
    let url = format!("{}/__double/throttle", base_url.trim_end_matches('/'));
    let unusable = |why: String| {
        format!(
            "cannot set the double's throttle at {url}: {why}\nhelp: a suite with `double:` runs \
             on the embedded double or a local `ion-contract serve`"
        )
    };
    let previous = http
        .get(&url)
        .send()
        .await
        .map_err(|e| unusable(e.without_url().to_string()))?;
    if !previous.status().is_success() {
        return Err(unusable(format!("HTTP {}", previous.status())));
    }
    let previous: Value = previous
        .json()
        .await
        .map_err(|e| unusable(e.without_url().to_string()))?;
    post(http, &url, &change.to_json())
        .await
        .map_err(unusable)?;
    Ok(Previous(previous))
}

/// POSTs `body` as JSON to `url`; what went wrong, when it did.
async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Result<(), String> {
    let answer = http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !answer.status().is_success() {
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        return Err(format!("HTTP {status}: {text}"));
    }
    Ok(())
}

/// Puts back the settings [`set_throttle`] replaced (a storm that was running is not).
pub async fn restore(http: &reqwest::Client, base_url: &str, previous: Previous) {
    let Previous(settings) = previous;
    let body = match settings.get("per_second") {
        Some(rate) if !rate.is_null() => json!({
            "per_second": rate,
            "burst": settings["burst"],
            "retry_after": settings["retry_after"],
            "storm": null,
        }),
        _ => json!({ "off": true }),
    };
    let url = format!("{}/__double/throttle", base_url.trim_end_matches('/'));
    // Best effort: the case's outcome is already decided, and the next case sets its own.
    let _ = http.post(url).json(&body).send().await;
}

/// Adds the fault `rule` to the double at `base_url` (`POST /__double/faults`).
pub async fn add_fault(
    http: &reqwest::Client,
    base_url: &str,
    rule: &super::FaultRule,
) -> Result<(), String> {
    let url = format!("{}/__double/faults", base_url.trim_end_matches('/'));
    let unusable = |why: String| {
        format!(
            "cannot inject the step's fault at {url}: {why}\nhelp: a step with `fault:` runs on \
             the embedded double or a local `ion-contract serve`"
        )
    };
    post(http, &url, &rule.to_json()).await.map_err(unusable)
}
