//! TLS for `serve --tls`: a self-signed certificate for `127.0.0.1` and `localhost`, made
//! afresh at every start, its PEM written where clients can be told to trust it.
//!
//! The crypto provider is named explicitly (aws-lc-rs, the one reqwest already uses), not
//! taken from a process-wide default: both aws-lc-rs and ring are in the dependency tree,
//! and rustls refuses to guess between them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::diagnostic::display_path;

/// Why `serve --tls` has no certificate.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The self-signed certificate could not be made.
    #[error("cannot make the self-signed TLS certificate: {0}\nhelp: serve without --tls")]
    Certificate(String),
    /// The certificate's PEM could not be written.
    #[error(
        "cannot write the TLS certificate to {}: {source}\n\
         help: pass --tls-cert with a file in a writable directory",
        display_path(path)
    )]
    WriteCertificate {
        /// Where it was to go.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// The names the certificate is valid for.
const NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// Makes a certificate, writes its PEM to `cert_path` (creating the directory), and returns
/// an acceptor that serves it. The private key stays in memory.
pub(crate) fn self_signed(cert_path: &Path) -> Result<TlsAcceptor, TlsError> {
    let certified = rcgen::generate_simple_self_signed(NAMES.map(String::from).to_vec())
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    let write = |path: &Path| -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, certified.cert.pem())
    };
    write(cert_path).map_err(|source| TlsError::WriteCertificate {
        path: cert_path.to_path_buf(),
        source,
    })?;
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Where the certificate goes when `--tls-cert` is not given.
pub(crate) fn default_cert_path() -> PathBuf {
    std::env::temp_dir()
        .join("ion-contract-serve")
        .join("cert.pem")
}
