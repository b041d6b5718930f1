//! Sends one webhook event and retries it, recording every attempt on its `WebhookEvent`.
//!
//! A delivery is a JSON `POST` of the event body to the receiver's `webhookUri` with:
//!
//! - `content-type: application/json` (the double sends JSON whatever `contentType` says);
//! - the receiver's static headers, in the order they were added;
//! - `x-ion-signature`: the HMAC-SHA256 of the exact body under the receiver's
//!   `sharedSecret` ([`crate::ion::webhook_signature`]).
//!
//! Redirects are never followed, and a static header never replaces the signature or
//! the content type; a static header that is not valid HTTP fails the attempt (its value
//! is never shown). Plain `http` is allowed, for local sinks (ION requires `https`).
//!
//! Success is the receiver's `expectedResponseCode` (default 200); anything else, or no
//! answer, is retried: [`WebhookRetry`] attempts in all, waiting `base_delay`, then twice
//! that, and so on up to `max_delay`. The event goes `SENDING`,
//! then `RETRYING` after each failed attempt that will be retried (with `numberOfRetries`
//! the retries sent so far), and ends `SUCCEEDED` or `FAILED`, with the last answer's
//! `responseStatusCode`, `responseData` (cut to 4 KiB) and `responseReceivedAt`. A
//! receiver may therefore see an event more than once (at-least-once, as ION says); its
//! `event_id` stays the same.
//!
//! Deliveries run on the tokio runtime that handles the request (an
//! [`super::super::IonDouble`]'s own, the `serve` runtime), or on a thread of their own
//! when there is none, so the mutation's response never waits for a receiver.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};

use super::super::mutex::lock;
use super::super::store::{Store, now};
use crate::ion::webhook_signature::{SIGNATURE_HEADER, sign};
use crate::secret::Secret;

/// How a double retries a webhook delivery the receiver did not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookRetry {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the first retry; each later retry waits twice the one before.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for WebhookRetry {
    /// 5 attempts, 100 ms before the first retry, at most 2 s between two.
    fn default() -> Self {
        WebhookRetry {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl WebhookRetry {
    /// The wait before retry number `retry` (1 for the first).
    fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// How long one attempt may take, connecting included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of a receiver's answer an event keeps in `responseData`.
const MAX_RESPONSE_DATA: usize = 4096;

/// One event on its way to one receiver.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) event_id: i64,
    pub(crate) url: String,
    pub(crate) body: Vec<u8>,
    pub(crate) secret: Secret,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) expected: u16,
}

/// Sends deliveries with one HTTP client (built on first use) and the retry settings.
#[derive(Debug, Default)]
pub(crate) struct Deliverer {
    client: OnceLock<Option<reqwest::Client>>,
    retry: Mutex<WebhookRetry>,
}

impl Deliverer {
    pub(crate) fn set_retry(&self, retry: WebhookRetry) {
        *lock(&self.retry) = retry;
    }

    /// Starts `delivery` in the background.
    pub(crate) fn spawn(&self, store: Arc<Mutex<Store>>, delivery: Delivery) {
        let retry = *lock(&self.retry);
        let client = self.client.get_or_init(build_client).clone();
        let task = deliver(store, client, retry, delivery);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(task);
            }
            Err(_) => {
                std::thread::spawn(move || {
                    if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        runtime.block_on(task);
                    }
                });
            }
        }
    }
}

fn build_client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("ion-contract-double/", env!("CARGO_PKG_VERSION")))
        .build()
        .ok()
}

/// What one attempt got: a status and body, or why there was none.
struct Answer {
    status: Option<u16>,
    data: String,
}

async fn deliver(
    store: Arc<Mutex<Store>>,
    client: Option<reqwest::Client>,
    retry: WebhookRetry,
    delivery: Delivery,
) {
    let attempts = retry.attempts.max(1);
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(retry.delay(attempt)).await;
        }
        let answer = match &client {
            Some(client) => send(client, &delivery).await,
            None => Answer {
                status: None,
                data: "the double could not build an HTTP client".into(),
            },
        };
        let succeeded = answer.status == Some(delivery.expected);
        let status = if succeeded {
            "SUCCEEDED"
        } else if attempt + 1 < attempts {
            "RETRYING"
        } else {
            "FAILED"
        };
        let mut columns = Map::new();
        columns.insert("status".into(), status.into());
        columns.insert("numberOfRetries".into(), attempt.into());
        columns.insert(
            "responseStatusCode".into(),
            answer.status.map_or(Value::Null, Value::from),
        );
        columns.insert("responseData".into(), answer.data.into());
        if answer.status.is_some() {
            columns.insert("responseReceivedAt".into(), now().into());
        }
        super::record(&store, delivery.event_id, &delivery.body, columns);
        if succeeded {
            return;
        }
    }
}

async fn send(client: &reqwest::Client, delivery: &Delivery) -> Answer {
    let url = match reqwest::Url::parse(&delivery.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        _ => {
            return Answer {
                status: None,
                data: "webhookUri is not an http or https URL".into(),
            };
        }
    };
    let mut request = client.post(url);
    for (key, value) in &delivery.headers {
        let reserved =
            key.eq_ignore_ascii_case(SIGNATURE_HEADER) || key.eq_ignore_ascii_case("content-type");
        if reserved {
            continue;
        }
        let name = http::HeaderName::from_bytes(key.as_bytes());
        let value = http::HeaderValue::from_str(value);
        let (Ok(name), Ok(value)) = (name, value) else {
            // The value is not shown: static headers often carry a receiver's credentials.
            return Answer {
                status: None,
                data: format!("the receiver's static header {key:?} is not a valid HTTP header"),
            };
        };
        request = request.header(name, value);
    }
    let request = request
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(&delivery.secret, &delivery.body))
        .body(delivery.body.clone());
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            Answer {
                status: Some(status),
                data: truncate(text, MAX_RESPONSE_DATA),
            }
        }
        // Without the URL: a webhookUri may carry credentials.
        Err(error) => Answer {
            status: None,
            data: error.without_url().to_string(),
        },
    }
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let retry = WebhookRetry {
            attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let delays: Vec<_> = (1..=5).map(|r| retry.delay(r).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn response_data_is_cut_at_a_character_boundary() {
        assert_eq!(truncate("ééé".into(), 3), "é");
        assert_eq!(truncate("abc".into(), 10), "abc");
    }
}
