//! The double's HTTP: a hyper request becomes a call of [`Environment::handle`], and its
//! [`Reply`] a response, faults included ([`super::fault`]): the wait before answering, a
//! connection closed before the headers, or one broken in the middle of the body. Both the
//! per-trial [`super::IonDouble`] and `serve` ([`super::serve`]) answer through here.
//!
//! A request's body is read (at most [`MAX_BODY_BYTES`]; more gets 413, and one that takes
//! longer than the environment's body time limit gets 408), answered on a blocking thread
//! and dropped: the transport keeps nothing of a request (an [`super::IonDouble`]'s
//! environment logs it, [`super::journal`]).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt as _, stream};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;

use super::environment::Environment;
use super::limits::Cancel;
use super::reply::{Cut, Reply};

/// The largest request body the double reads; a larger one gets 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A keep-alive connection idle this long (or a request whose headers take this long) is
/// closed, as load balancers do, so connections a client abandons do not pile up.
pub(crate) const IDLE: Duration = Duration::from_secs(60);

/// A response body: whole, or one that breaks part-way.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Why a connection was closed on purpose (a fault), so hyper drops it unanswered.
fn reset(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        format!("the ION double reset the connection {what} (an injected fault)"),
    )
}

/// Serves one plain-HTTP connection until the client closes it or it idles.
pub(crate) async fn serve_plain<F>(stream: TcpStream, serving: F)
where
    F: Fn() -> Option<Arc<Environment>> + Clone + Send + Sync + 'static,
{
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(IDLE);
    let _ = builder
        .serve_connection(TokioIo::new(stream), service(serving, "http"))
        .await;
}

/// The hyper service that answers each request by the environment `serving` names at that
/// moment (none: 503, see [`Reply::vacant`]). `scheme` is the connection's (`http`,
/// or `https` behind TLS), for the URLs the double hands out.
pub(crate) fn service<F>(
    serving: F,
    scheme: &'static str,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Body>,
    Error = std::io::Error,
    Future = impl Future<Output = Result<Response<Body>, std::io::Error>> + Send,
> + Clone
where
    F: Fn() -> Option<Arc<Environment>> + Clone + Send + Sync + 'static,
{
    service_fn(move |request| {
        let environment = serving();
        async move {
            match environment {
                Some(environment) => respond(environment, scheme, request).await,
                None => send(Reply::vacant()).await,
            }
        }
    })
}

/// Answers one request; an `Err` closes the connection without an answer.
///
/// The environment's work runs on a blocking thread, so a heavy request holds neither the
/// async workers nor other connections; if the client goes away meanwhile, hyper drops this
/// future, and the guard cancels the work at its next field ([`super::limits`]).
async fn respond(
    environment: Arc<Environment>,
    scheme: &'static str,
    request: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let origin = origin(scheme, &parts);
    let body = match read_body(body, environment.spec().limits.body_time_limit).await {
        Ok(body) => body,
        Err(refusal) => return send(refusal).await,
    };
    let cancel = Cancel::default();
    let guard = cancel.on_drop();
    let work = tokio::task::spawn_blocking(move || {
        environment.handle(
            parts.method.as_str(),
            &origin,
            parts.uri.path(),
            &parts.headers,
            &body,
            &cancel,
        )
    });
    let reply = work.await.unwrap_or_else(|failed| {
        Reply::json(
            500,
            &serde_json::json!({ "errors": [{ "message": format!(
                "The ION double failed on this request ({failed}); please report it with the request."
            ) }] }),
        )
    });
    guard.disarm();
    send(reply).await
}

/// Where the client reached the double: `<scheme>://` and the request's authority (its
/// `Host` header, or the URI's in absolute form), or `localhost` when neither is a valid
/// authority.
fn origin(scheme: &str, parts: &http::request::Parts) -> String {
    origin_of(scheme, &parts.headers, parts.uri.authority())
}

/// [`origin`] of a request with these headers and the URI's authority, if it has one.
pub(crate) fn origin_of(
    scheme: &str,
    headers: &http::HeaderMap,
    authority: Option<&http::uri::Authority>,
) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| host.parse::<http::uri::Authority>().ok())
        .or_else(|| authority.cloned())
        .filter(|authority| !authority.as_str().contains('@'));
    match host {
        Some(authority) => format!("{scheme}://{authority}"),
        None => format!("{scheme}://localhost"),
    }
}

/// A request's whole body, copied into one buffer as it arrives (so many small frames keep
/// no buffers of their own), within [`MAX_BODY_BYTES`] (413 beyond) and `time_limit` (408
/// when the client takes longer to send it).
async fn read_body(mut body: Incoming, time_limit: Duration) -> Result<Vec<u8>, Reply> {
    let refusal = |status: u16, message: String| {
        Reply::json(
            status,
            &serde_json::json!({ "errors": [{ "message": message }] }),
        )
    };
    let mut bytes = Vec::new();
    let reading = async {
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| refusal(400, format!("Could not read the request body: {e}")))?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > MAX_BODY_BYTES {
                    return Err(refusal(
                        413,
                        format!(
                            "The request body is larger than {MAX_BODY_BYTES} bytes; send a \
                             smaller request."
                        ),
                    ));
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(time_limit, reading).await {
        Ok(Ok(())) => {
            bytes.shrink_to_fit();
            Ok(bytes)
        }
        Ok(Err(refused)) => Err(refused),
        Err(_) => Err(refusal(
            408,
            format!(
                "The request body took longer than {} to arrive; send it at once (the \
                 double's body time limit; `serve --body-time-limit` raises it).",
                humantime::format_duration(time_limit)
            ),
        )),
    }
}

/// `reply` as a response, after its wait and broken where its fault says (see [`super::environment::Wire`]).
async fn send(reply: Reply) -> Result<Response<Body>, std::io::Error> {
    if !reply.wire.delay.is_zero() {
        tokio::time::sleep(reply.wire.delay).await;
    }
    let body = match reply.wire.cut {
        Some(Cut::BeforeHeaders) => return Err(reset("before answering")),
        Some(Cut::AfterHeaders) => {
            // Half the body, then an error: hyper aborts the connection mid-body.
            let whole = Bytes::from(reply.body);
            let half = whole.slice(..whole.len() / 2);
            // The break comes a moment later, so the headers and the half are on the wire.
            let broken = stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(reset("in the middle of the body"))
            });
            let frames = stream::iter([Ok(Frame::data(half))]).chain(broken);
            BodyExt::boxed(StreamBody::new(frames))
        }
        None => Full::new(Bytes::from(reply.body))
            .map_err(|never| match never {})
            .boxed(),
    };
    let mut response = Response::builder()
        .status(reply.status)
        .header(http::header::CONTENT_TYPE, reply.content_type);
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(body).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, host: Option<&str>) -> http::request::Parts {
        let mut request = Request::builder().uri(uri);
        if let Some(host) = host {
            request = request.header(http::header::HOST, host);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_origin_is_the_scheme_and_the_host_the_client_reached() {
        let origin = |scheme, uri, host| origin(scheme, &parts(uri, host));
        assert_eq!(
            origin("https", "/x", Some("127.0.0.1:4010")),
            "https://127.0.0.1:4010"
        );
        assert_eq!(
            origin("http", "http://localhost:9/x", None),
            "http://localhost:9"
        );
        // No host, or one that is not a plain authority: a safe stand-in.
        for host in [None, Some("bad host"), Some("user@evil.example")] {
            assert_eq!(origin("http", "/x", host), "http://localhost", "{host:?}");
        }
    }
}
