//! The targets file's scalar fields of a target: URLs, `read_only`, `require_credentials`,
//! `imitates`, `data`, `max_rps`,
//! the time limits and `webhook_uri`, each read into the [`Target`] with a located problem
//! when it does not fit.

use std::num::NonZeroU32;

use super::super::Target;
use super::super::live::check_url;
use super::Reader;
use crate::auth::Realm;
use crate::client::{DEFAULT_MAX_RPS, MAX_RPS_CEILING};
use crate::double::DataShape;
use crate::suite::format::{Entry, NodeValue};
use crate::yaml::node_problems::NodeProblems;
use crate::yaml::suggest;

/// The longest `request_timeout` or `step_timeout`.
const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

impl Reader<'_> {
    pub(super) fn url(&mut self, target: &mut Target, field: &Entry) {
        if target.is_double() {
            let help = "remove it, or give the target a live environment";
            self.problem(
                &field.value,
                format!("`{}` means nothing for the embedded double", field.key),
                help,
            );
            return;
        }
        let NodeValue::String(text) = &field.value.value else {
            self.problem(
                &field.value,
                format!(
                    "`{}` must be a URL, found {}",
                    field.key,
                    field.value.kind()
                ),
                "write e.g. `https://staging-api.buildwithion.com`",
            );
            return;
        };
        match check_url(text) {
            Ok(url) if field.key == "api_url" => target.api_url = url,
            Ok(url) => target.auth_url = url,
            Err(reason) => self.problem(
                &field.value,
                format!("`{}` is not a usable URL: {reason}", field.key),
                "write the server's base URL, e.g. `https://staging-api.buildwithion.com`",
            ),
        }
    }

    pub(super) fn imitates(&mut self, target: &mut Target, field: &Entry) {
        let names = Realm::ALL.map(Realm::name);
        if !target.is_double() {
            let help = "remove it: a live target is the environment it names";
            self.problem(
                &field.value,
                "`imitates` is for the embedded double (`environment: mock`)",
                help,
            );
            return;
        }
        let written = match &field.value.value {
            NodeValue::String(written) => written.as_str(),
            _ => "",
        };
        match Realm::ALL.into_iter().find(|r| r.name() == written) {
            Some(realm) => target.imitates = realm,
            None => self.problem(
                &field.value,
                match written {
                    "" => format!(
                        "`imitates` must name an ION environment, found {}",
                        field.value.kind()
                    ),
                    _ => format!(
                        "unknown environment `{written}` for `imitates`{}",
                        suggest::suffix(written, names)
                    ),
                },
                format!("write one of {}", names.join(", ")),
            ),
        }
    }

    /// `data:` of a double: its data shape.
    pub(super) fn data(&mut self, target: &mut Target, field: &Entry) {
        if !target.is_double() {
            let help = "remove it: a live target's data is the tenant's";
            self.problem(
                &field.value,
                "`data` is for the embedded double (`environment: mock`)",
                help,
            );
            return;
        }
        let written = match &field.value.value {
            NodeValue::String(written) => written.as_str(),
            _ => "",
        };
        match written.parse::<DataShape>() {
            Ok(shape) => target.data = Some(shape),
            Err(_) => self.problem(
                &field.value,
                format!(
                    "unknown data shape {} for `data`{}",
                    field.value.to_json(),
                    suggest::suffix(written, DataShape::NAMES)
                ),
                format!("write one of {}", DataShape::NAMES.join(", ")),
            ),
        }
    }

    pub(super) fn max_rps(&mut self, target: &mut Target, field: &Entry) {
        let rate = match &field.value.value {
            NodeValue::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            _ => None,
        };
        match rate.and_then(NonZeroU32::new) {
            Some(rate) => target.max_rps = Some(rate),
            None => self.problem(
                &field.value,
                format!(
                    "`max_rps` must be a whole number of requests per second, 1 or more, found {}",
                    field.value.to_json()
                ),
                format!(
                    "write e.g. `max_rps: {DEFAULT_MAX_RPS}` (the default for live targets); more \
                     than {MAX_RPS_CEILING} against ION's hosts also needs --allow-high-rate"
                ),
            ),
        }
    }

    pub(super) fn timeout(&mut self, target: &mut Target, field: &Entry) {
        let parsed = match &field.value.value {
            NodeValue::String(text) => humantime::parse_duration(text.trim())
                .map_err(|e| e.to_string())
                .and_then(|d| match d.is_zero() || d > MAX_TIMEOUT {
                    true => Err("it must be more than nothing and at most 1h".to_owned()),
                    false => Ok(d),
                }),
            _ => Err(format!("it is {}", field.value.kind())),
        };
        match parsed {
            Ok(limit) if field.key == "request_timeout" => target.request_timeout = limit,
            Ok(limit) => target.step_timeout = limit,
            Err(reason) => self.problem(
                &field.value,
                format!("`{}` is not a usable duration: {reason}", field.key),
                format!("write e.g. `{}: 30s` or `{}: 2m`", field.key, field.key),
            ),
        }
    }

    pub(super) fn webhook_uri(&mut self, target: &mut Target, field: &Entry) {
        let checked = match &field.value.value {
            NodeValue::String(text) => check_url(text),
            _ => Err(format!("it is {}, not a URL", field.value.kind())),
        };
        match checked {
            Ok(url) => target.webhook_uri = Some(url),
            Err(reason) => self.problem(
                &field.value,
                format!("`webhook_uri` is not a usable URL: {reason}"),
                "write the https URL ION should deliver the harness's webhooks to, e.g. \
                 `https://hooks.example.com/ion`",
            ),
        }
    }

    pub(super) fn read_only(&mut self, target: &mut Target, field: &Entry) {
        match field.value.value {
            NodeValue::Bool(false) if target.environment.is_production() => self.problem(
                &field.value,
                format!(
                    "target `{}` is a production environment, which is always read-only",
                    target.name
                ),
                "remove `read_only: false`: ion-contract never sends mutations to production",
            ),
            NodeValue::Bool(value) => target.read_only = value,
            _ => self.problem(
                &field.value,
                format!(
                    "`read_only` must be true or false, found {}",
                    field.value.kind()
                ),
                "write `read_only: true`",
            ),
        }
    }

    pub(super) fn require_credentials(&mut self, target: &mut Target, field: &Entry) {
        match field.value.value {
            _ if target.is_double() => self.problem(
                &field.value,
                "`require_credentials` means nothing for the embedded double, which needs none",
                "remove it, or give the target a live environment",
            ),
            NodeValue::Bool(value) => target.require_credentials = value,
            _ => self.problem(
                &field.value,
                format!(
                    "`require_credentials` must be true or false, found {}",
                    field.value.kind()
                ),
                "write `require_credentials: true` to fail the run when the target's \
                 credentials are not set, instead of ignoring its trials",
            ),
        }
    }
}
