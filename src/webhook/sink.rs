//! The harness's webhook sink: a plain HTTP/1.1 server on a free loopback port that keeps
//! every delivery it gets and answers each as the case's script says.
//!
//! A delivery's answer is chosen by the `resource` and `action` of its JSON body and by how
//! many times this `event_id` came before: the first delivery of an event gets the first
//! status of that expectation's `sink_answers`, the second the second, and so on, the last
//! repeating (default `[200]`). A body that is not an event gets 200 and is kept too, so a
//! check can say what came. Bodies over [`MAX_BODY_BYTES`] get 413.
//!
//! The sink lives as long as its [`Sink`]: dropping it stops the server.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The largest delivery body the sink reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a connection may idle before the sink closes it.
const IDLE: Duration = Duration::from_secs(30);

/// One delivery the sink got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request's headers.
    pub headers: HeaderMap,
    /// The exact body bytes.
    pub body: Bytes,
    /// The body as JSON, when it is.
    pub json: Option<Value>,
    /// The status the sink answered.
    pub answered: u16,
}

impl Received {
    /// The body's `event_id`, when it has one.
    pub fn event_id(&self) -> Option<String> {
        let id = self.json.as_ref()?.get("event_id")?;
        Some(match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// A string field of the body (`resource`, `action`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.json.as_ref()?.get(name)?.as_str()
    }
}

/// How the sink answers the deliveries of one (resource, action): statuses in turn, the
/// last repeating.
pub type Answers = BTreeMap<(String, String), Vec<u16>>;

#[derive(Debug)]
struct State {
    answers: Answers,
    received: Mutex<Vec<Received>>,
    /// Bumped on every delivery, so waiters wake.
    arrivals: watch::Sender<usize>,
}

/// A running sink.
#[derive(Debug)]
pub struct Sink {
    url: String,
    state: Arc<State>,
    server: JoinHandle<()>,
}

impl Sink {
    /// Starts a sink on a free port of 127.0.0.1, on the current tokio runtime.
    pub async fn start(answers: Answers) -> std::io::Result<Sink> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let url = format!("http://{}/webhooks", listener.local_addr()?);
        let state = Arc::new(State {
            answers,
            received: Mutex::new(Vec::new()),
            arrivals: watch::Sender::new(0),
        });
        let server = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        Ok(Sink { url, state, server })
    }

    /// Where receivers should point (`http://127.0.0.1:<port>/webhooks`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every delivery so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// Waits until `done` holds for the deliveries so far, or until `deadline`; returns them
    /// either way.
    pub async fn wait_until(
        &self,
        deadline: tokio::time::Instant,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let mut arrivals = self.state.arrivals.subscribe();
        loop {
            arrivals.borrow_and_update();
            let received = self.received();
            if done(&received) {
                return received;
            }
            match tokio::time::timeout_at(deadline, arrivals.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return self.received(),
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors or a connection reset before accept: not fatal.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let state = Arc::clone(&state);
        let service = service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(respond(&state, request).await) }
        });
        // Connections are tasks of this loop's set, so they end when the sink is dropped.
        connections.spawn(async move {
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(IDLE);
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn respond(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return answer(413),
    };
    let json = serde_json::from_slice::<Value>(&body).ok();
    let mut received = lock(&state.received);
    let mut delivery = Received {
        headers: parts.headers,
        body,
        json,
        answered: 200,
    };
    let event = delivery.event_id();
    let before = received
        .iter()
        .filter(|r| event.is_some() && r.event_id() == event)
        .count();
    let script = match (delivery.field("resource"), delivery.field("action")) {
        (Some(resource), Some(action)) => {
            state.answers.get(&(resource.to_owned(), action.to_owned()))
        }
        _ => None,
    };
    if let Some(script) = script.filter(|s| !s.is_empty()) {
        delivery.answered = script[before.min(script.len() - 1)];
    }
    let status = delivery.answered;
    received.push(delivery);
    let count = received.len();
    drop(received);
    state.arrivals.send_replace(count);
    answer(status)
}

fn answer(status: u16) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn post(url: &str, body: &str) -> u16 {
        reqwest::Client::new()
            .post(url)
            .header("x-test-run", "run-1")
            .body(body.to_owned())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn answers_each_delivery_of_an_event_in_turn_and_keeps_them_all() {
        let answers = Answers::from([(("PARTS".into(), "CREATE".into()), vec![500, 503, 200])]);
        let sink = Sink::start(answers).await.expect("a loopback port");
        let event = r#"{"event_id": 7, "resource": "PARTS", "action": "CREATE"}"#;
        let other = r#"{"event_id": 8, "resource": "PARTS", "action": "UPDATE"}"#;
        let mut statuses = Vec::new();
        for body in [event, event, other, event, event] {
            statuses.push(post(sink.url(), body).await);
        }
        assert_eq!(statuses, [500, 503, 200, 200, 200]);
        let received = sink.received();
        assert_eq!(received.len(), 5);
        assert_eq!(received[0].event_id().as_deref(), Some("7"));
        assert_eq!(received[0].headers["x-test-run"], "run-1");
        assert_eq!(&received[2].body[..], other.as_bytes());
    }

    #[tokio::test]
    async fn waiting_ends_when_the_deliveries_suffice_or_at_the_deadline() {
        let sink = Sink::start(Answers::new()).await.expect("a loopback port");
        let url = sink.url().to_owned();
        let sender = tokio::spawn(async move { post(&url, "not json").await });
        let far = tokio::time::Instant::now() + Duration::from_secs(30);
        let got = sink.wait_until(far, |r| !r.is_empty()).await;
        assert_eq!(got.len(), 1);
        assert!(got[0].json.is_none());
        assert_eq!(sender.await.ok(), Some(200));
        let now = tokio::time::Instant::now();
        let got = sink.wait_until(now, |r| r.len() > 1).await;
        assert_eq!(got.len(), 1, "the deadline has passed: what came so far");
    }
}
