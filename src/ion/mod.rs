//! ION's facts, which every layer above may rely on and which import nothing but the bottom:
//! its Keycloak realm's paths ([`paths`]), which environment a host, issuer or variable
//! belongs to ([`realm`]), why ION refused a request ([`refusal`]) and how it signs a
//! webhook delivery ([`webhook_signature`]).
//!
//! The double imitates these facts and the client and auth rely on them; keeping them here
//! lets the double sit below both.

pub mod paths;
pub mod realm;
pub mod refusal;
pub mod webhook_signature;
