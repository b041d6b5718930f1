//! The servers per-trial doubles answer on: a pool of loopback HTTP servers, each serving
//! whichever environment leases it. A trial's double takes a free server (or starts one),
//! and gives it back when dropped, so a run of thousands of trials uses a handful of ports,
//! and the harness's keep-alive connections to them are reused from trial to trial instead
//! of a port and connections opened and left in TIME_WAIT per trial.
//!
//! Every server runs on one runtime of its own (threads started on first use), so a double
//! answers whatever its caller does meanwhile, a blocking call included, and its webhook
//! deliveries run there too. A request that reaches a free server (a straggler of a trial
//! that has ended) gets 503.

use std::sync::{Arc, Mutex, OnceLock};

use super::environment::Environment;
use super::mutex::lock;

/// One pooled server: its URL and the environment it serves now.
#[derive(Debug)]
struct Server {
    url: String,
    serving: Mutex<Option<Arc<Environment>>>,
}

/// A server leased to one environment; dropping it gives the server back.
#[derive(Debug)]
pub(crate) struct Lease {
    server: Arc<Server>,
}

impl Lease {
    /// The server's base URL (`http://127.0.0.1:<port>`).
    pub(crate) fn url(&self) -> &str {
        &self.server.url
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        *lock(&self.server.serving) = None;
        lock(free()).push(Arc::clone(&self.server));
    }
}

/// A server serving `environment` until the lease is dropped.
///
/// # Panics
///
/// When no loopback port can be had, or the servers' runtime cannot start (the machine is
/// out of ports or threads).
pub(crate) fn lease(environment: Arc<Environment>) -> Lease {
    let server = lock(free()).pop().unwrap_or_else(start);
    *lock(&server.serving) = Some(environment);
    Lease { server }
}

fn free() -> &'static Mutex<Vec<Arc<Server>>> {
    static FREE: OnceLock<Mutex<Vec<Arc<Server>>>> = OnceLock::new();
    FREE.get_or_init(Mutex::default)
}

fn runtime() -> &'static tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
                .thread_name("ion-double")
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("the ION double cannot start its runtime: {e}"))
        })
        .handle()
}

/// A new server on a free loopback port.
fn start() -> Arc<Server> {
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .unwrap_or_else(|e| panic!("the ION double cannot listen on a loopback port: {e}"));
    let url = match listener.local_addr() {
        Ok(address) => format!("http://{address}"),
        Err(e) => panic!("the ION double cannot read its own address: {e}"),
    };
    let server = Arc::new(Server {
        url,
        serving: Mutex::new(None),
    });
    runtime().spawn(accept_loop(listener, Arc::clone(&server)));
    server
}

/// Accepts connections for the life of the process.
async fn accept_loop(listener: std::net::TcpListener, server: Arc<Server>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let server = Arc::clone(&server);
                let serving = move || lock(&server.serving).clone();
                tokio::spawn(super::http::serve_plain(stream, serving));
            }
            // Out of descriptors, or a connection reset before accept: not fatal.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
}
