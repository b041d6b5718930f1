//! `serve`'s Keycloak as a client that verifies ION's tokens sees it: the discovery
//! document leads to the JWKS, and a token verifies with the public key (`n`, `e`) its `kid`
//! names there, checked here with aws-lc-rs, independently of the double's own code.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::common::serve::Serve;

const DISCOVERY: &str = "/realms/api-keys/.well-known/openid-configuration";

/// `GET url`: the status and the JSON body.
fn get(url: &str) -> (u16, Value) {
    request(reqwest::Method::GET, url, None)
}

fn request(method: reqwest::Method, url: &str, token: Option<&str>) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut request = reqwest::Client::new().request(method, url);
        if let Some(token) = token {
            request = request
                .bearer_auth(token)
                .json(&json!({"query": "{ me { id } }"}));
        }
        let response = request.send().await.expect("serve answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    })
}

/// A JWT's header and claims, and what its signature covers.
struct Jwt {
    header: Value,
    claims: Value,
    signed: Vec<u8>,
    signature: Vec<u8>,
}

fn jwt(token: &str) -> Jwt {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let json = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    Jwt {
        header: json(parts[0]),
        claims: json(parts[1]),
        signed: format!("{}.{}", parts[0], parts[1]).into_bytes(),
        signature: URL_SAFE_NO_PAD.decode(parts[2]).expect("base64url"),
    }
}

/// The key of `jwks` that `kid` names, if any.
fn key<'a>(jwks: &'a Value, kid: &Value) -> Option<&'a Value> {
    jwks["keys"]
        .as_array()
        .expect("a key list")
        .iter()
        .find(|key| &key["kid"] == kid)
}

/// Whether `token` verifies as RS256 with the JWK `key`.
fn verifies(token: &Jwt, key: &Value) -> bool {
    let component = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(key[name].as_str().expect("a base64url component"))
            .expect("base64url")
    };
    let (n, e) = (component("n"), component("e"));
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&RSA_PKCS1_2048_8192_SHA256, &token.signed, &token.signature)
        .is_ok()
}

#[test]
fn a_client_verifies_a_token_with_the_jwks_the_discovery_document_names() {
    let serve = Serve::start();
    let auth = &serve.vars["ION_SANDBOX_AUTH_URL"];
    let token = jwt(&serve.token("ION_SANDBOX_"));
    assert_eq!(token.header["alg"], "RS256");

    let (status, discovery) = get(&format!("{auth}{DISCOVERY}"));
    assert_eq!(status, 200, "{discovery}");
    assert_eq!(token.claims["iss"], discovery["issuer"]);
    assert_eq!(
        discovery["issuer"],
        "https://auth-staging-pub.buildwithion.com/realms/api-keys"
    );
    assert_eq!(
        discovery["token_endpoint"],
        format!("{auth}/realms/api-keys/protocol/openid-connect/token")
    );
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let jwks_uri = discovery["jwks_uri"].as_str().expect("a jwks_uri");
    assert_eq!(
        jwks_uri,
        format!("{auth}/realms/api-keys/protocol/openid-connect/certs")
    );
    let (status, jwks) = get(jwks_uri);
    assert_eq!(status, 200, "{jwks}");
    let jwk = key(&jwks, &token.header["kid"]).expect("the token's kid is in the JWKS");
    assert_eq!(
        (&jwk["kty"], &jwk["alg"], &jwk["use"]),
        (&json!("RSA"), &json!("RS256"), &json!("sig"))
    );
    assert!(verifies(&token, jwk), "the signature verifies with n and e");
    let mut tampered = token;
    tampered.signed.push(b'x');
    assert!(!verifies(&tampered, jwk), "and only for what was signed");

    // Keycloak's legacy `/auth` context serves the same, its URLs under `/auth`.
    let (status, legacy) = get(&format!("{auth}/auth{DISCOVERY}"));
    assert_eq!(status, 200, "{legacy}");
    assert_eq!(legacy["issuer"], discovery["issuer"]);
    let legacy_jwks_uri = legacy["jwks_uri"].as_str().expect("a jwks_uri");
    assert_eq!(
        legacy_jwks_uri,
        format!("{auth}/auth/realms/api-keys/protocol/openid-connect/certs")
    );
    assert_eq!(get(legacy_jwks_uri), (200, jwks));
}

#[test]
fn a_production_token_names_a_key_the_sandbox_jwks_lacks_and_the_sandbox_refuses_it() {
    let serve = Serve::start();
    let production = jwt(&serve.token("ION_PROD_"));
    let jwks_of = |prefix: &str| {
        let auth = &serve.vars[&format!("{prefix}AUTH_URL")];
        let (status, jwks) = get(&format!(
            "{auth}/realms/api-keys/protocol/openid-connect/certs"
        ));
        assert_eq!(status, 200, "{jwks}");
        jwks
    };
    let (sandbox_jwks, production_jwks) = (jwks_of("ION_SANDBOX_"), jwks_of("ION_PROD_"));
    let kid = &production.header["kid"];
    assert_eq!(key(&sandbox_jwks, kid), None, "{kid} in {sandbox_jwks}");
    let own = key(&production_jwks, kid).expect("production publishes its key");
    assert!(verifies(&production, own));
    let sandbox_key = &sandbox_jwks["keys"][0];
    assert!(
        !verifies(&production, sandbox_key),
        "another key altogether"
    );

    let (_, discovery) = get(&format!("{}{DISCOVERY}", serve.vars["ION_PROD_AUTH_URL"]));
    assert_eq!(production.claims["iss"], discovery["issuer"]);

    let graphql = format!("{}/graphql", serve.vars["ION_SANDBOX_API_URL"]);
    let token = serve.token("ION_PROD_");
    assert_eq!(
        request(reqwest::Method::POST, &graphql, Some(&token)),
        (
            401,
            json!({"errors": [{"message": "Unable to find appropriate RSA key"}]})
        )
    );
}
