//! Which ION environment a URL, a token issuer or a variable name belongs to.
//!
//! ION scopes every API key and OAuth app to one auth *realm*: a token from one is refused
//! by every other environment's API with `401 Unable to find appropriate RSA key`. A sandbox
//! is a tenant on the commercial staging cluster, so sandbox and staging share a realm.
//!
//! [`Realm::of_url`] reads a host against ION's published host table (both the
//! `buildwithion.com` hosts and the `firstresonance.io` / `ion-gov.com` / `ion-aus.com`
//! families), and for a host on one of ION's domains that the table does not list, the words
//! in its name (`production`, `staging`, `sandbox`, `dev`, `gov`, `aus`). A loopback host (a
//! local `ion-contract serve`) and a host outside ION's domains say nothing about the realm.
//! [`Realm::of_variable`] reads the words of a variable name (`ION_PROD_CLIENT_ID`).

use std::fmt;
use std::net::IpAddr;

/// An ION auth realm: the environment a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Realm {
    /// Commercial staging, where sandboxes live.
    Sandbox,
    /// Commercial production.
    Production,
    /// The government cloud's staging (its sandboxes).
    GovSandbox,
    /// The government cloud's production.
    GovProduction,
    /// The Australian region's staging.
    AusStaging,
    /// The Australian region's production.
    AusProduction,
    /// First Resonance's internal development cluster.
    Dev,
}

/// What a URL says about its realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRealm {
    /// One of ION's hosts.
    Known(Realm),
    /// A loopback host: a local double or proxy, which may imitate any realm.
    Loopback,
    /// A host outside ION's domains, or a URL that does not parse.
    Unknown,
}

/// ION's hosts (API, auth server, token issuer, app), by realm. From ION's access-token
/// docs and the configuration of First Resonance's own scripts; `auth-production-pub` is the
/// issuer production's OIDC discovery document names.
const HOSTS: &[(&str, Realm)] = &[
    ("api.buildwithion.com", Realm::Production),
    ("auth.buildwithion.com", Realm::Production),
    ("auth-production-pub.buildwithion.com", Realm::Production),
    ("app.firstresonance.io", Realm::Production),
    ("api.firstresonance.io", Realm::Production),
    ("staging-api.buildwithion.com", Realm::Sandbox),
    ("staging-auth.buildwithion.com", Realm::Sandbox),
    ("auth-staging-pub.buildwithion.com", Realm::Sandbox),
    ("staging.firstresonance.io", Realm::Sandbox),
    ("sandbox.firstresonance.io", Realm::Sandbox),
    ("mcp.staging.buildwithion.com", Realm::Sandbox),
    ("api-staging-gov.buildwithion.com", Realm::GovSandbox),
    ("auth-staging-gov.buildwithion.com", Realm::GovSandbox),
    ("staging.ion-gov.com", Realm::GovSandbox),
    ("sandbox.ion-gov.com", Realm::GovSandbox),
    ("staging-auth.ion-gov.com", Realm::GovSandbox),
    ("staging-api.ion-gov.com", Realm::GovSandbox),
    ("api-production-gov.buildwithion.com", Realm::GovProduction),
    ("auth-production-gov.buildwithion.com", Realm::GovProduction),
    ("app.ion-gov.com", Realm::GovProduction),
    ("auth.ion-gov.com", Realm::GovProduction),
    ("api.ion-gov.com", Realm::GovProduction),
    ("api-staging-aus.buildwithion.com", Realm::AusStaging),
    ("auth-staging-aus.buildwithion.com", Realm::AusStaging),
    ("staging.ion-aus.com", Realm::AusStaging),
    ("staging-auth.ion-aus.com", Realm::AusStaging),
    ("api-production-aus.buildwithion.com", Realm::AusProduction),
    ("auth-production-aus.buildwithion.com", Realm::AusProduction),
    ("app.ion-aus.com", Realm::AusProduction),
    ("auth.ion-aus.com", Realm::AusProduction),
    ("api-dev-pub.buildwithion.com", Realm::Dev),
    ("auth-dev-pub.buildwithion.com", Realm::Dev),
];

/// The domains whose hosts are ION's.
const ION_DOMAINS: &[&str] = &[
    "buildwithion.com",
    "firstresonance.io",
    "ion-gov.com",
    "ion-aus.com",
];

impl Realm {
    /// Every realm.
    pub const ALL: [Realm; 7] = [
        Realm::Sandbox,
        Realm::Production,
        Realm::GovSandbox,
        Realm::GovProduction,
        Realm::AusStaging,
        Realm::AusProduction,
        Realm::Dev,
    ];

    /// The realm's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Realm::Sandbox => "sandbox",
            Realm::Production => "production",
            Realm::GovSandbox => "gov-sandbox",
            Realm::GovProduction => "gov-production",
            Realm::AusStaging => "aus-staging",
            Realm::AusProduction => "aus-production",
            Realm::Dev => "dev",
        }
    }

    /// The issuer (`iss`) of the realm's tokens, as the double stamps them. Production's is
    /// the one ION's discovery document publishes; the others follow the auth hosts of ION's
    /// host table (not published by ION).
    pub fn issuer(self) -> &'static str {
        match self {
            Realm::Production => "https://auth-production-pub.buildwithion.com/realms/api-keys",
            Realm::Sandbox => "https://auth-staging-pub.buildwithion.com/realms/api-keys",
            Realm::GovSandbox => "https://auth-staging-gov.buildwithion.com/realms/api-keys",
            Realm::GovProduction => "https://auth-production-gov.buildwithion.com/realms/api-keys",
            Realm::AusStaging => "https://auth-staging-aus.buildwithion.com/realms/api-keys",
            Realm::AusProduction => "https://auth-production-aus.buildwithion.com/realms/api-keys",
            Realm::Dev => "https://auth-dev-pub.buildwithion.com/realms/api-keys",
        }
    }

    /// The realm a URL (an API, an auth server, a token's `iss`) belongs to.
    pub fn of_url(url: &str) -> HostRealm {
        let Ok(url) = url::Url::parse(url.trim()) else {
            return HostRealm::Unknown;
        };
        let host = match url.host() {
            Some(url::Host::Domain(host)) => host.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) if IpAddr::V4(ip).is_loopback() => {
                return HostRealm::Loopback;
            }
            Some(url::Host::Ipv6(ip)) if IpAddr::V6(ip).is_loopback() => {
                return HostRealm::Loopback;
            }
            _ => return HostRealm::Unknown,
        };
        if host == "localhost" || host.ends_with(".localhost") {
            return HostRealm::Loopback;
        }
        if let Some((_, realm)) = HOSTS.iter().find(|(known, _)| *known == host) {
            return HostRealm::Known(*realm);
        }
        let domain = ION_DOMAINS.iter().find(|d| {
            host.strip_suffix(*d)
                .is_some_and(|rest| rest.ends_with('.'))
        });
        match domain {
            Some(domain) => {
                let words: Vec<&str> = host.split(['.', '-']).collect();
                let region = match *domain {
                    "ion-gov.com" => Some("gov"),
                    "ion-aus.com" => Some("aus"),
                    _ => None,
                };
                Realm::from_words(&words, region).map_or(HostRealm::Unknown, HostRealm::Known)
            }
            None => HostRealm::Unknown,
        }
    }

    /// The realm a variable's name points at (`ION_PROD_CLIENT_ID`: production), when its
    /// words say.
    pub fn of_variable(name: &str) -> Option<Realm> {
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower.split(['_', '-']).collect();
        Realm::from_words(&words, None)
    }

    /// The realm named by words such as `production`/`prod`, `staging`/`sandbox`, `dev`,
    /// qualified by `gov`/`aus` (or by `region`, from the domain).
    fn from_words(words: &[&str], region: Option<&str>) -> Option<Realm> {
        let has = |options: &[&str]| words.iter().any(|w| options.contains(w));
        let production = has(&["prod", "production"]);
        let staging = has(&["staging", "sandbox", "stg"]);
        let region = region.or(if has(&["gov"]) {
            Some("gov")
        } else if has(&["aus"]) {
            Some("aus")
        } else {
            None
        });
        Some(match (region, staging, production) {
            (_, true, true) => return None,
            (None, true, false) => Realm::Sandbox,
            (None, false, true) => Realm::Production,
            (Some("gov"), true, false) => Realm::GovSandbox,
            (Some("gov"), false, true) => Realm::GovProduction,
            (Some(_), true, false) => Realm::AusStaging,
            (Some(_), false, true) => Realm::AusProduction,
            (None, false, false) if has(&["dev"]) => Realm::Dev,
            _ => return None,
        })
    }
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for HostRealm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostRealm::Known(realm) => write!(f, "{realm}"),
            HostRealm::Loopback => f.write_str("a local server (not checked)"),
            HostRealm::Unknown => f.write_str("not one of ION's hosts (not checked)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_in_the_table_maps_to_its_realm() {
        for (host, realm) in HOSTS {
            assert_eq!(
                Realm::of_url(&format!("https://{host}/graphql")),
                HostRealm::Known(*realm),
                "{host}"
            );
        }
    }

    #[test]
    fn unlisted_ion_hosts_are_read_by_their_words() {
        let known = |url: &str| match Realm::of_url(url) {
            HostRealm::Known(realm) => Some(realm),
            _ => None,
        };
        assert_eq!(
            known("https://auth-staging-pub.buildwithion.com"),
            Some(Realm::Sandbox)
        );
        assert_eq!(
            known("https://acme.sandbox.ion-gov.com"),
            Some(Realm::GovSandbox)
        );
        assert_eq!(
            known("https://api-prod.ion-aus.com"),
            Some(Realm::AusProduction)
        );
        assert_eq!(known("https://foo.buildwithion.com"), None);
        // A look-alike domain is not ION's.
        assert_eq!(
            Realm::of_url("https://api.buildwithion.com.example.net"),
            HostRealm::Unknown
        );
    }

    #[test]
    fn loopback_and_foreign_hosts_say_nothing() {
        for url in [
            "http://127.0.0.1:4010",
            "http://localhost:4011/realms/api-keys",
            "http://[::1]:1",
        ] {
            assert_eq!(Realm::of_url(url), HostRealm::Loopback, "{url}");
        }
        for url in ["https://ion.example.com", "not a url", "https://10.0.0.1"] {
            assert_eq!(Realm::of_url(url), HostRealm::Unknown, "{url}");
        }
    }

    #[test]
    fn variable_names_say_which_environment_was_meant() {
        assert_eq!(
            Realm::of_variable("ION_PROD_CLIENT_ID"),
            Some(Realm::Production)
        );
        assert_eq!(
            Realm::of_variable("ION_SANDBOX_TOKEN"),
            Some(Realm::Sandbox)
        );
        assert_eq!(
            Realm::of_variable("ION_STAGING_CLIENT_SECRET"),
            Some(Realm::Sandbox)
        );
        assert_eq!(
            Realm::of_variable("ION_GOV_SANDBOX_TOKEN"),
            Some(Realm::GovSandbox)
        );
        assert_eq!(
            Realm::of_variable("ION_AUS_PRODUCTION_TOKEN"),
            Some(Realm::AusProduction)
        );
        assert_eq!(Realm::of_variable("ACME_ION_TOKEN"), None);
        // "product" is not "prod".
        assert_eq!(Realm::of_variable("PRODUCT_API_KEY"), None);
    }

    #[test]
    fn issuers_map_back_to_their_realm() {
        for realm in Realm::ALL {
            assert_eq!(Realm::of_url(realm.issuer()), HostRealm::Known(realm));
        }
    }
}
