//! Where ION's Keycloak realm `api-keys` answers, under an auth server's base URL: the token
//! endpoint, the JWKS and the discovery document, each in its current form and in the legacy
//! form under Keycloak's old `/auth` context.

/// The token path under an auth server, current form.
pub const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";
/// The token path under an auth server, legacy form (Keycloak's old `/auth` context).
pub const LEGACY_TOKEN_PATH: &str = "/auth/realms/api-keys/protocol/openid-connect/token";
/// The prefix of every legacy path: Keycloak's old `/auth` context.
pub const LEGACY_PREFIX: &str = "/auth";
/// The realm's JWKS (its public signing keys) under an auth server, current form.
pub const JWKS_PATH: &str = "/realms/api-keys/protocol/openid-connect/certs";
/// The realm's JWKS under an auth server, legacy form.
pub const LEGACY_JWKS_PATH: &str = "/auth/realms/api-keys/protocol/openid-connect/certs";
/// The realm's OpenID Connect discovery document under an auth server, current form.
pub const DISCOVERY_PATH: &str = "/realms/api-keys/.well-known/openid-configuration";
/// The realm's discovery document under an auth server, legacy form.
pub const LEGACY_DISCOVERY_PATH: &str = "/auth/realms/api-keys/.well-known/openid-configuration";
