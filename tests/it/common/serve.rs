//! A running `ion-contract serve` for tests that reach it as a live target.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::ion_contract;

/// A running `ion-contract serve`, killed when dropped.
pub struct Serve {
    child: Child,
    /// The `export` variables it printed.
    pub vars: HashMap<String, String>,
}

impl Serve {
    pub fn start() -> Serve {
        Serve::start_with(&[])
    }

    /// `serve --port 0` with more arguments.
    pub fn start_with(more: &[&str]) -> Serve {
        Serve::spawn(ion_contract(&serve_args(more)))
    }

    /// `serve --port 0` with more arguments, run in `dir` (a project of its own).
    pub fn start_in(dir: &Path, more: &[&str]) -> Serve {
        let mut command = ion_contract(&serve_args(more));
        command.current_dir(dir);
        Serve::spawn(command)
    }

    /// `serve --port 0` with more arguments, its stderr kept for [`Serve::stop`].
    pub fn start_capturing(more: &[&str]) -> Serve {
        Serve::spawn_with(ion_contract(&serve_args(more)), Stdio::piped())
    }

    /// Stops it with SIGTERM, as Ctrl-C would, waits for it to exit 0, and returns what it
    /// printed on stderr (with [`Serve::start_capturing`]; else nothing).
    pub fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(kill.expect("kill runs").success());
        let status = self.child.wait().expect("serve exits");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("stderr is text");
        }
        assert_eq!(status.code(), Some(0), "{stderr}");
        stderr
    }

    fn spawn(command: Command) -> Serve {
        Serve::spawn_with(command, Stdio::inherit())
    }

    fn spawn_with(mut command: Command, stderr: Stdio) -> Serve {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut serve = Serve {
            child,
            vars: HashMap::new(),
        };
        let mut lines = BufReader::new(stdout).lines();
        while !(serve.vars.contains_key("ION_SANDBOX_API_URL")
            && serve.vars.contains_key("ION_PROD_API_URL"))
        {
            let line = lines
                .next()
                .expect("serve prints its export lines before it exits")
                .expect("serve's stdout is text");
            if let Some(assignments) = line.strip_prefix("export ") {
                for assignment in assignments.split_whitespace() {
                    let (name, value) = assignment.split_once('=').expect("NAME=value");
                    serve.vars.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        serve
    }

    /// `ion-contract run --target sandbox <args>` against this serve's sandbox.
    pub fn run_as_sandbox(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["run", "--target", "sandbox"];
        all.extend(args);
        super::output(super::ion_contract(&all).envs(self.env("ION_SANDBOX_")))
    }

    /// The serve process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The variables of one environment (`ION_SANDBOX_` or `ION_PROD_`).
    pub fn env(&self, prefix: &str) -> Vec<(&str, &str)> {
        self.vars
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    /// `POST` (or `GET`) an admin endpoint of the environment whose API URL is in `variable`.
    pub fn admin(&self, variable: &str, method: &str, path: &str) -> serde_json::Value {
        let url = format!("{}/__double/{path}", self.vars[variable]);
        block_on(async {
            let client = reqwest::Client::new();
            let request = match method {
                "POST" => client.post(url),
                _ => client.get(url),
            };
            request.send().await.unwrap().json().await.unwrap()
        })
    }
}

impl Serve {
    /// Sends `method` with a text `body` to an admin endpoint of the environment whose API
    /// URL is in `variable`; returns the status and the JSON body.
    pub fn admin_text(
        &self,
        variable: &str,
        method: reqwest::Method,
        path: &str,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}/__double/{path}", self.vars[variable]);
        block_on(async {
            let response = reqwest::Client::new()
                .request(method, url)
                .header("content-type", "text/plain")
                .body(body.to_owned())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        })
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// A token of the environment whose variables start with `prefix` (`ION_SANDBOX_`,
    /// `ION_PROD_`), fetched with its client credentials.
    pub fn token(&self, prefix: &str) -> String {
        let var = |suffix: &str| self.vars[&format!("{prefix}{suffix}")].clone();
        let url = format!(
            "{}/realms/api-keys/protocol/openid-connect/token",
            var("AUTH_URL")
        );
        let form = [
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", var("CLIENT_ID")),
            ("client_secret", var("CLIENT_SECRET")),
        ];
        block_on(async {
            let response = reqwest::Client::new().post(url).form(&form).send().await;
            let body: serde_json::Value = response.unwrap().json().await.unwrap();
            body["access_token"].as_str().expect("a token").to_owned()
        })
    }

    /// `ion-contract <args>` against this serve's sandbox URLs with the production
    /// environment's token (an environment mismatch), then checks that the preflight stopped
    /// it: exit 3, the diagnosis, and no `/graphql` request reached the sandbox.
    pub fn assert_preflight_stops(&self, args: &[&str]) {
        let production_token = self.token("ION_PROD_");
        let api = "ION_SANDBOX_API_URL";
        let out = super::output(
            ion_contract(args)
                .env(api, &self.vars[api])
                .env("ION_SANDBOX_AUTH_URL", &self.vars["ION_SANDBOX_AUTH_URL"])
                .env("ION_SANDBOX_TOKEN", &production_token),
        );
        let shown = format!("{}{}", super::stdout(&out), super::stderr(&out));
        assert_eq!(out.status.code(), Some(3), "{shown}");
        assert!(shown.contains("environment mismatch"), "{shown}");
        let counts = self.admin(api, "GET", "requests");
        assert_eq!(counts["paths"].get("/graphql"), None, "{counts}");
    }

    /// Creates a part on the sandbox, as another team's client would; its id.
    pub fn create_foreign_part(&self, part_number: &str) -> i64 {
        let created = self.sandbox_query(&format!(
            "mutation {{ createPart(input: {{partNumber: {part_number:?}, description: \
             \"another team's part\"}}) {{ part {{ id }} }} }}"
        ));
        created["data"]["createPart"]["part"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("a created part: {created}"))
    }

    /// The part numbers on the sandbox matching `filters` (a `PartsInputFilters` literal,
    /// e.g. `{partNumber: {ilike: "RUN-%"}}`, or `{}` for all), sorted.
    pub fn sandbox_part_numbers(&self, filters: &str) -> Vec<String> {
        let body = self.sandbox_query(&format!(
            "{{ parts(filters: {filters}) {{ edges {{ node {{ partNumber }} }} }} }}"
        ));
        let edges = body["data"]["parts"]["edges"].as_array();
        let edges = edges.unwrap_or_else(|| panic!("parts: {body}"));
        let mut numbers: Vec<String> = edges
            .iter()
            .map(|e| {
                e["node"]["partNumber"]
                    .as_str()
                    .expect("a part number")
                    .to_owned()
            })
            .collect();
        numbers.sort();
        numbers
    }

    /// A GraphQL query to the sandbox with its demo key; the response body.
    pub fn sandbox_query(&self, query: &str) -> serde_json::Value {
        let token = self.token("ION_SANDBOX_");
        let url = format!("{}/graphql", self.vars["ION_SANDBOX_API_URL"]);
        block_on(async {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "query": query }))
                .send()
                .await
                .expect("serve answers");
            response.json().await.expect("a JSON body")
        })
    }

    /// A token of that environment that has expired: fetched, then expired through the
    /// admin endpoint (which expires every token issued so far, and none issued later).
    pub fn expired_token(&self, prefix: &str) -> String {
        let token = self.token(prefix);
        self.admin(&format!("{prefix}API_URL"), "POST", "expire-tokens");
        token
    }
}

fn serve_args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["serve", "--port", "0"];
    args.extend(more);
    args
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
