//! `ion-contract serve`: the double as a long-running local ION for a client in any
//! language: two isolated environments, a sandbox and a production, on loopback ports.
//!
//! ```text
//! $ ion-contract serve
//! # ion-contract serve: two local ION environments, each with its own store, API key and signing key.
//! # The client ids and secrets below are fixed demo values of the double, not secrets.
//! export ION_SANDBOX_API_URL=http://127.0.0.1:4010 ION_SANDBOX_AUTH_URL=http://127.0.0.1:4010 ION_SANDBOX_CLIENT_ID=ion-contract-sandbox ION_SANDBOX_CLIENT_SECRET=ion-contract-sandbox-secret ION_SANDBOX_READER_CLIENT_ID=ion-contract-sandbox-reader ION_SANDBOX_READER_CLIENT_SECRET=ion-contract-sandbox-secret-reader ION_SANDBOX_EDITOR_CLIENT_ID=ion-contract-sandbox-editor ION_SANDBOX_EDITOR_CLIENT_SECRET=ion-contract-sandbox-secret-editor
//! export ION_PROD_API_URL=http://127.0.0.1:4011 ION_PROD_AUTH_URL=http://127.0.0.1:4011 ION_PROD_CLIENT_ID=ion-contract-production ION_PROD_CLIENT_SECRET=ion-contract-production-secret ION_PROD_READER_CLIENT_ID=... (and the editor key)
//! # sandbox admin: GET http://127.0.0.1:4010/__double/requests, POST .../__double/reset, POST .../__double/expire-tokens, POST .../__double/throttle, POST .../__double/schema, GET/POST .../__double/keys, GET/POST/DELETE .../__double/faults
//! # ...
//! ```
//!
//! Every line that is not an `export` is a `#` comment, so the whole output can be `eval`ed
//! or sourced. The sandbox listens on the given port and production on the next one (with
//! port 0, on two free ports), on 127.0.0.1 only. Each serves ION's root paths (`/graphql`,
//! Keycloak's token endpoint, JWKS and discovery document under `/realms/api-keys/...` and
//! the legacy `/auth/realms/...`) and the admin endpoints described in [`super`]. Each signs
//! its tokens (RS256) with its own RSA key, which its JWKS publishes; a token from one
//! environment is refused by the other with `Unable to find appropriate RSA key` (its `kid`
//! is not in that JWKS), and a write to one is not seen by the other. With TLS, the
//! discovery document's URLs are `https`.
//!
//! With a rate limit ([`ServeOptions::throttle`], `--rate-limit`), each environment has a
//! token bucket per API key on `/graphql` and answers 429 beyond it (see
//! [`super::ThrottleSpec`]); a comment line of the banner states it, and each environment's
//! `POST /__double/throttle` changes or removes it while serving.
//!
//! With an observer ([`ServeOptions::observer`], `--record DIR`), each environment tells it of
//! every `/graphql` exchange after answering; [`crate::record`] turns them into suites.
//!
//! With TLS, one self-signed certificate for `127.0.0.1` and `localhost` serves both, and its
//! PEM is written to a file the output names, with the variables that make Python
//! (`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`) and Node (`NODE_EXTRA_CA_CERTS`) trust it.
//!
//! Implementation notes: this is a plain hyper HTTP/1.1 server (`double/http.rs`), which
//! keeps nothing of a request: a long-running double must keep memory bounded. A request's
//! body is read (at most [`MAX_BODY_BYTES`]), answered by the environment and dropped; the only state that grows with traffic is each environment's
//! store (by the rows clients create) and its bounded request counters. A keep-alive
//! connection idle for 60 s is closed, as load balancers do, so abandoned connections do
//! not accumulate either.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::DoubleData;
use super::api_keys::{Role, key_for};
use super::environment::Environment;
use super::fault::FaultRule;
use super::http;
use super::limits::Limits;
use super::observe::Observer;
use super::spec::EnvironmentSpec;
use super::throttle::{RetryAfter, ThrottleSpec};
use super::tls::{self, TlsError};

pub use super::http::MAX_BODY_BYTES;

/// How long in-flight requests may take to finish once a stop is asked for.
const DRAIN: Duration = Duration::from_secs(2);

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// How `serve` listens.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The sandbox's port; production listens on the next. 0: two free ports.
    pub port: u16,
    /// Serve HTTPS with a self-signed certificate.
    pub tls: bool,
    /// Where to write the certificate's PEM (default: `<temp dir>/ion-contract-serve/cert.pem`).
    pub tls_cert: Option<PathBuf>,
    /// A token bucket per API key on `/graphql`, the same in both environments (each keeps
    /// its own buckets); `None`: no limit.
    pub throttle: Option<ThrottleSpec>,
    /// Faults injected into `/graphql` in both environments (each counts its own `times`),
    /// restored by a reset ([`super::fault`]).
    pub faults: Vec<FaultRule>,
    /// What one request may cost in both environments ([`Limits`]).
    pub limits: Limits,
    /// Told of every `/graphql` exchange of both environments (`serve --record`).
    pub observer: Option<Arc<dyn Observer>>,
}

/// One environment being served.
#[derive(Debug, Clone)]
pub struct ServedEnvironment {
    /// What it imitates (name, API key, token lifetime).
    pub spec: EnvironmentSpec,
    /// The prefix of its variables: `ION_<PREFIX>_API_URL`, ... (`SANDBOX`, `PROD`).
    pub prefix: &'static str,
    /// Its base URL: both the API base and the auth server.
    pub url: String,
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A port is taken, or may not be used.
    #[error(
        "cannot listen on 127.0.0.1:{port} for the {environment} environment: {source}\n\
         help: {}",
        bind_help(*port, source)
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// `sandbox` or `production`.
        environment: &'static str,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `--port 65535` leaves no port for production.
    #[error(
        "--port {0} leaves no port for production, which listens on port + 1\n\
         help: pass a lower --port, or --port 0 for two free ports"
    )]
    NoNextPort(u16),
    /// `--tls`: the certificate could not be made or written.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

fn bind_help(port: u16, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "another process (perhaps another `ion-contract serve`) is using port {port}; \
             stop it, or pass another --port (serve uses that port and the next), or \
             --port 0 for two free ports"
        ),
        _ => "pass another --port (1024 or above), or --port 0 for two free ports".to_owned(),
    }
}

/// The two environments, bound and serving. Dropping it stops them abruptly;
/// [`Server::run_until`] stops them cleanly.
#[derive(Debug)]
pub struct Server {
    environments: Vec<ServedEnvironment>,
    cert_path: Option<PathBuf>,
    throttle: Option<ThrottleSpec>,
    faults: Vec<FaultRule>,
    limits: Limits,
    stop: watch::Sender<bool>,
    loops: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds the sandbox and production on loopback and starts serving them. From now on
    /// this process draws new signing keys ([`super::signing`]): every `serve` has keys of
    /// its own, so a token of another `serve` is refused as one from another cluster of
    /// the environment would be.
    pub async fn bind(data: Arc<DoubleData>, options: &ServeOptions) -> Result<Self, ServeError> {
        super::signing::SigningKey::draw_new_keys();
        let sandbox_port = options.port;
        let production_port = match sandbox_port {
            0 => 0,
            port => port
                .checked_add(1)
                .ok_or(ServeError::NoNextPort(sandbox_port))?,
        };
        let sandbox = listen(sandbox_port, "sandbox").await?;
        let production = listen(production_port, "production").await?;
        let (acceptor, cert_path) = if options.tls {
            let path = options
                .tls_cert
                .clone()
                .unwrap_or_else(tls::default_cert_path);
            (Some(tls::self_signed(&path)?), Some(path))
        } else {
            (None, None)
        };
        let scheme = if options.tls { "https" } else { "http" };
        let (stop, stopped) = watch::channel(false);
        let mut environments = Vec::new();
        let mut loops = Vec::new();
        for (listener, mut spec, prefix) in [
            (sandbox, EnvironmentSpec::sandbox(), "SANDBOX"),
            (production, EnvironmentSpec::production(), "PROD"),
        ] {
            spec.throttle = options.throttle;
            spec.faults = options.faults.clone();
            spec.limits = options.limits;
            let port = listener.local_addr().map_or(0, |a| a.port());
            let url = format!("{scheme}://127.0.0.1:{port}");
            let environment = Arc::new(
                Environment::new(Arc::clone(&data), spec.clone())
                    .observed_by(options.observer.clone()),
            );
            loops.push(tokio::spawn(accept_loop(
                listener,
                environment,
                acceptor.clone(),
                stopped.clone(),
            )));
            environments.push(ServedEnvironment { spec, prefix, url });
        }
        Ok(Server {
            environments,
            cert_path,
            throttle: options.throttle,
            faults: options.faults.clone(),
            limits: options.limits,
            stop,
            loops,
        })
    }

    /// The environments served: the sandbox, then production.
    pub fn environments(&self) -> &[ServedEnvironment] {
        &self.environments
    }

    /// Where the TLS certificate was written, when serving TLS.
    pub fn certificate(&self) -> Option<&Path> {
        self.cert_path.as_deref()
    }

    /// What `serve` prints to stdout: one `export` line per environment, everything else
    /// `#` comments, so it can be `eval`ed. Holds the demo credentials (public constants of
    /// the double) and nothing secret.
    pub fn banner(&self) -> String {
        let mut out = vec![
            "# ion-contract serve: two local ION environments, each with its own store, API key \
             and signing key."
                .to_owned(),
            "# The client ids and secrets below are fixed demo values of the double, not secrets."
                .to_owned(),
        ];
        for env in &self.environments {
            let p = env.prefix;
            let key = |role: Role| {
                let (id, secret) = key_for(&env.spec, role);
                let r = role.name().to_ascii_uppercase();
                format!(" ION_{p}_{r}_CLIENT_ID={id} ION_{p}_{r}_CLIENT_SECRET={secret}")
            };
            out.push(format!(
                "export ION_{p}_API_URL={url} ION_{p}_AUTH_URL={url} ION_{p}_CLIENT_ID={id} \
                 ION_{p}_CLIENT_SECRET={secret}{reader}{editor}",
                url = env.url,
                id = env.spec.client_id,
                secret = env.spec.client_secret,
                reader = key(Role::Reader),
                editor = key(Role::Editor),
            ));
        }
        for env in &self.environments {
            out.push(format!(
                "# {} admin: GET {url}/__double/requests, POST {url}/__double/reset, POST \
                 {url}/__double/expire-tokens, POST {url}/__double/throttle, POST \
                 {url}/__double/schema, GET/POST {url}/__double/keys, GET/POST/DELETE \
                 {url}/__double/faults",
                env.spec.name,
                url = env.url,
            ));
        }
        if let Some(throttle) = &self.throttle {
            out.push(format!("# rate limit: {}", describe(throttle)));
        }
        out.push(format!("# limits per request: {}", self.limits.describe()));
        for rule in &self.faults {
            out.push(format!(
                "# fault: {} (see or change with GET/POST/DELETE .../__double/faults)",
                rule.to_json()
            ));
        }
        if let Some(path) = &self.cert_path {
            let path = path.display();
            out.push(format!("# TLS certificate: {path}"));
            out.push(format!(
                "# export SSL_CERT_FILE={path} REQUESTS_CA_BUNDLE={path} NODE_EXTRA_CA_CERTS={path}"
            ));
        }
        out.push(format!(
            "# Stop with Ctrl-C, or: kill {}",
            std::process::id()
        ));
        out.join("\n") + "\n"
    }

    /// Serves until `shutdown` completes, then stops accepting, lets requests in flight
    /// finish (for up to two seconds) and returns what `shutdown` returned.
    pub async fn run_until<T>(self, shutdown: impl Future<Output = T>) -> T {
        let reason = shutdown.await;
        let _ = self.stop.send(true);
        for accept_loop in self.loops {
            let _ = accept_loop.await;
        }
        reason
    }
}

/// The banner's description of a rate limit.
fn describe(throttle: &ThrottleSpec) -> String {
    let retry_after = match throttle.retry_after {
        RetryAfter::Seconds => "Retry-After in seconds",
        RetryAfter::HttpDate => "Retry-After as an HTTP-date",
        RetryAfter::Absent => "no Retry-After header",
    };
    format!(
        "{}/s per API key in each environment, burst {}; beyond it /graphql answers 429 \
         with {retry_after} (change it with POST .../__double/throttle)",
        throttle.per_second, throttle.burst,
    )
}

async fn listen(port: u16, environment: &'static str) -> Result<TcpListener, ServeError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| ServeError::Bind {
            port,
            environment,
            source,
        })
}

/// Accepts connections until told to stop, then drains the open ones.
async fn accept_loop(
    listener: TcpListener,
    environment: Arc<Environment>,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of descriptors or a connection reset before accept: not fatal.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            Arc::clone(&environment),
            tls.clone(),
            graceful.watcher(),
        ));
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// One connection: the TLS handshake if any, then HTTP/1.1 requests until the client
/// closes it or the server stops.
async fn serve_connection(
    stream: TcpStream,
    environment: Arc<Environment>,
    tls: Option<TlsAcceptor>,
    watcher: Watcher,
) {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let service = http::service(move || Some(Arc::clone(&environment)), scheme);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(http::IDLE);
    match tls {
        None => {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let _ = watcher.watch(connection).await;
        }
        Some(acceptor) => {
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
            else {
                return;
            };
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let _ = watcher.watch(connection).await;
        }
    }
}

/// Waits for Ctrl-C or (on Unix) SIGTERM. Install it before printing anything a caller may
/// act on, so that a signal sent right afterwards is caught, not fatal.
#[derive(Debug)]
pub struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Starts listening for the signals. Needs a tokio runtime.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Shutdown {})
    }

    /// Completes when a signal arrives; returns its name (`SIGINT`, `SIGTERM`).
    pub async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
