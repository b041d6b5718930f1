//! The command line: definitions (clap derive), with the project's configuration as their
//! defaults ([`Cli::parse_in`]). The binary (`main.rs` and its command modules) acts on them;
//! tests parse the README's and the book's command lines with them.

// Doc comments here are clap's help text, written for a terminal: `<file>` is a placeholder,
// not HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use crate::builtin::Source;
use crate::double::DataShape;
use crate::project::Project;
use crate::report::ReportPaths;
use crate::runner::{RunOptions, Shard};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

pub mod data;
mod serve;
mod sweep;

pub use data::DataCommand;
pub use serve::ServeArgs;
pub use sweep::SweepArgs;

/// Contract-and-mismatch tests for integrations built on ION's GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "ion-contract", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line. Where an option is not given (nor its variable, for
    /// `--target`), what `project`'s `ion-contract.toml` says is its default, and the suites
    /// folder is the project's ([`crate::project`]); `--help` shows them.
    pub fn parse_in(project: &Project) -> Cli {
        let mut defaults = vec![("suites", project.suites_dir())];
        let files = [
            ("snapshots", project.snapshots_dir()),
            ("schema", project.schema()),
            ("seed", project.seed()),
            ("chain", project.chain()),
        ];
        defaults.extend(files.into_iter().filter_map(|(id, p)| p.map(|p| (id, p))));
        let mut defaults: Vec<(&str, String)> = defaults
            .into_iter()
            .map(|(id, path)| (id, path.to_string_lossy().into_owned()))
            .collect();
        if let Some(target) = &project.config.target {
            defaults.push(("target", target.clone()));
        }
        if let Some(shape) = project.config.data {
            defaults.push(("data", shape.name().to_owned()));
        }
        if project.config.require_credentials == Some(true) {
            defaults.push(("require_credentials", "true".to_owned()));
        }
        let matches = with_defaults(Cli::command(), &defaults).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}

/// `command` and its subcommands, with these defaults for the arguments they have.
fn with_defaults(mut command: clap::Command, defaults: &[(&str, String)]) -> clap::Command {
    for (id, value) in defaults {
        if command.get_arguments().any(|arg| arg.get_id() == id) {
            // Parsed once per process: leaking the few default strings is harmless.
            let value: &'static str = Box::leak(value.clone().into_boxed_str());
            command = command.mut_arg(*id, |arg| arg.default_value(value));
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| with_defaults(sub, defaults));
    }
    command
}

/// The help of `run` and `list` (libtest's own template names no program).
const RUN_HELP: &str = "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suites as tests: the same trials and report as `cargo test --test suites`.
    ///
    /// Accepts libtest's flags too: FILTER, --exact, --skip, --list, --ignored,
    /// --include-ignored, --test-threads, --format, -q. Exits 0; 101 when a case fails; 2 when
    /// a suite, targets.yaml, an option or a report is invalid; 3 when a live target's
    /// preflight fails.
    #[command(help_template = RUN_HELP)]
    Run(RunArgs),
    /// List the trials `run` would run, one per line (`NAME: test`).
    #[command(help_template = RUN_HELP)]
    List(RunArgs),
    /// Load every suite and validate its operations against the double's schema; no network.
    ///
    /// Exits 0 when every suite is valid, 2 with located diagnostics otherwise.
    Check(Place),
    /// Check that a live target's URLs and credentials all belong to its ION environment, and
    /// name the tenant they reach.
    ///
    /// Places the API URL, the auth server, the credential variables and the token's issuer
    /// in an ION environment before sending anything, then asks `me`. Exits 0 when all agree
    /// and ION answers, 3 on an environment mismatch or refused credentials, 2 when the
    /// target cannot be set up (unknown name, no credentials, invalid targets.yaml).
    Preflight(PreflightArgs),
    /// Create the seeding chain (suites/seed/chain.yaml) on a target, or remove it (--clean).
    ///
    /// Looks each entity up by its key and creates only what is missing, so it can run again
    /// at any time; --clean deletes what it finds, newest first (a run is archived: ION
    /// cannot delete runs). Refuses read-only targets (production). Exits 0, 2 when the chain
    /// or target is unusable, 1 when ION refuses an operation.
    Seed(SeedArgs),
    /// Compare the seeded chain on a target with its baseline (snapshots/drift@TARGET.snap).
    ///
    /// Reports each of the chain's entities missing or unexpected and each of their fields
    /// changed (old -> new), and a verdict: clean (exit 0), drift (exit 5), reset (exit 6:
    /// the chain is not there at all; run `seed`). Type counts that changed (rows others
    /// own) are one line of information, never drift. --record writes the baseline; without
    /// one it exits 2.
    Drift(DriftArgs),
    /// The nightly smoke run after a sandbox reset: preflight, schema, seed, drift, then the
    /// suites tagged `smoke`, stopping at the first stage that fails.
    ///
    /// With no data baseline yet (the first night), the drift stage records one from the chain
    /// just seeded and passes. Prints a markdown summary (also appended to
    /// $GITHUB_STEP_SUMMARY when set). Exits 0,
    /// or the failing stage's code: 3 preflight, 4 schema, 1 seed, 5 drift, 6 reset,
    /// 101 suites, 2 when the target cannot be set up.
    Smoke(SmokeArgs),
    /// List what earlier runs left on a target (rows carrying a run id, the webhook receivers
    /// the harness registered), and delete it with --yes.
    ///
    /// Reads every list of a type ION can delete (`delete<Type>(etag, id)`) and takes the
    /// rows one of whose text fields holds a run id (`ion-contract-<secs>-<pid>-<hex>`, or
    /// --prefix for ids set with ION_TEST_RUN), with the subscriptions of the receivers
    /// found; rows of runs that started less than --older-than ago are spared, ids without a
    /// time count as old. The seeding chain is never swept. A live target's preflight runs
    /// first; production (read-only) is refused; the embedded double has nothing to sweep.
    /// Exits 0; 1 when ION would not delete something (each one listed with its message);
    /// 2 when the options or target are unusable (no credentials, read-only); 3 when the
    /// preflight fails.
    Sweep(SweepArgs),
    /// Serve the double as a long-running local ION, for a client in any language.
    ///
    /// Two isolated environments on 127.0.0.1: the sandbox on --port, production on the next
    /// port. Prints one `export ION_SANDBOX_...`/`export ION_PROD_...` line each (URLs and
    /// the double's public demo credentials) and `#` comments, so the output can be
    /// `eval`ed. Stops on Ctrl-C or SIGTERM with exit 0; exits 2 when it cannot start.
    ///
    /// With --rate-limit, /graphql throttles as ION might: a token bucket per API key in each
    /// environment, and HTTP 429 with `Retry-After` (as --retry-after says) beyond it. ION
    /// documents 429 but publishes no limits and no `Retry-After`, so test a client against
    /// every mode. `POST <url>/__double/throttle` changes the limit or scripts a storm of
    /// 429s while serving.
    Serve(ServeArgs),
    /// Accept or reject pending snapshots (the `.snap.new` files a failing case wrote).
    ///
    /// On a terminal, shows each one's difference and asks: a accept (it replaces the
    /// `.snap`), r reject (it is deleted), s skip, q quit. --accept / --reject act on all of
    /// them, or on those whose trial name contains FILTER (`review --accept parts::`);
    /// --list names them. Elsewhere, without --accept or --reject, lists them and says how to
    /// accept. Needs no Cargo project. Exits 0; 2 when a snapshot file cannot be read,
    /// moved or deleted.
    Review(ReviewArgs),
    /// Write a working start in this folder (or --dir): an example suite that passes on the
    /// double, the suite JSON Schema, a commented targets.yaml, CI workflows (pull-request gate
    /// and nightly smoke run) and .gitignore lines for pending snapshots.
    ///
    /// Never replaces a file: one that exists is left alone, and said so. With --from, also
    /// one starter suite per source file under suites/from/, a case per GraphQL operation
    /// found in .graphql/.gql files and in string literals of .py, .js and .ts files;
    /// required variables become `${fill:NAME}` placeholders that `check` refuses until
    /// they are replaced. Exits 0; 2 when a file cannot be written or a --from pattern
    /// matches no file it can read.
    Init(InitArgs),
    /// The double's data: `data pull` reads a live tenant's rows into a seed file.
    #[command(subcommand)]
    Data(DataCommand),
    /// Schema drift: read a target's schema, or compare it with the committed one for the
    /// operations this project sends; or print the suite files' JSON Schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
}

/// `init`'s options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder to write into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Source files to read operations from: paths or glob patterns (quote them:
    /// 'src/**/*.py'), relative to the current folder.
    #[arg(long, value_name = "GLOB", num_args = 1..)]
    pub from: Vec<String>,
}

/// `schema pull`, `schema diff` and `schema suite-format`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Read a target's schema by introspection and write it as SDL.
    ///
    /// Sends the standard full introspection query through the target's client (its token,
    /// pace and retries); a live target's preflight runs first. On `mock` an embedded double
    /// is started. Writes SUITES/schema/<target>.graphql unless --out says otherwise, and
    /// prints where. Exits 0; 2 when the schema cannot be read or written (the message says
    /// why and what to do), 3 when a live target's preflight fails.
    Pull(PullArgs),
    /// Compare a target's live schema with the committed SDL, for this project's operations.
    ///
    /// Classifies every change as breaking, dangerous or safe (graphql-inspector's rules).
    /// A breaking change is breaking for this project when an operation of a suite step (or
    /// of a --documents file) uses the type, field, argument, input field or enum value it
    /// changes, and breaking elsewhere otherwise. Also validates every one of those
    /// operations against the live schema. Exits 0 when no change breaks this project and
    /// every operation validates, 4 when the drift breaks this project, 2 on invalid input
    /// (suites, schema files, documents) or when the live schema cannot be read, 3 when a
    /// live target's preflight fails.
    Diff(DiffArgs),
    /// Print the JSON Schema of suite files, for editors (YAML language servers).
    ///
    /// Generated from the suite format the loader reads: every key, its type and the values
    /// it takes. The project keeps it as suites/suite.schema.json, which suite files name in
    /// their first line (`# yaml-language-server: $schema=./suite.schema.json`); regenerate it
    /// with `ion-contract schema suite-format > suites/suite.schema.json`. Exits 0.
    SuiteFormat,
}

/// Options of `schema pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The target whose schema to read.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Where to write the SDL [default: SUITES/schema/<target>.graphql].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Allow the target's max_rps above 20 requests per second against ION's hosts.
    #[arg(long, env = "ION_ALLOW_HIGH_RATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_high_rate: bool,
    /// Where the suites (targets.yaml) and, for the double, its schema and seed are.
    #[command(flatten)]
    pub files: Files,
}

/// Options of `schema diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The target whose live schema to read (not used with --live).
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Compare this SDL file instead of introspecting the target (offline).
    #[arg(long, value_name = "FILE")]
    pub live: Option<PathBuf>,
    /// The committed schema to compare with [default: the double's schema,
    /// SUITES/schema/ion.graphql, else the built-in one]. The suites must validate against it.
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
    /// More operations this project sends: .graphql files of queries and mutations (an
    /// integration's own), whose variables may hold any value.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub documents: Vec<PathBuf>,
    /// List every dangerous and safe change (by default, of those no operation uses, the first 20 of each and a count).
    #[arg(long)]
    pub all: bool,
    /// Allow the target's max_rps above 20 requests per second against ION's hosts.
    #[arg(long, env = "ION_ALLOW_HIGH_RATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_high_rate: bool,
    /// Where the suites (targets.yaml) and, for the double, its schema and seed are.
    #[command(flatten)]
    pub files: Files,
}

/// Where the suites and the double's schema and seed are.
#[derive(Debug, Clone, Args)]
pub struct Files {
    /// The suites directory (suite files; optionally targets.yaml, schema/ion.graphql,
    /// seed/demo.yaml, seed/chain.yaml).
    #[arg(long, value_name = "DIR", default_value = "suites")]
    pub suites: PathBuf,
    /// The double's schema [default: SUITES/schema/ion.graphql, else the built-in one].
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// The double's seed data [default: SUITES/seed/demo.yaml, else the built-in one].
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

/// Where the suites and snapshots are.
#[derive(Debug, Clone, Args)]
pub struct Place {
    /// The suites, schema and seed.
    #[command(flatten)]
    pub files: Files,
    /// The double's data: `demo` (the seed plus generated rows for every type), `blank` (a
    /// fresh tenant: the API key's user and organization), `snapshot` (a file `data pull`
    /// wrote: --seed, else SUITES/seed/snapshot.yaml) [default: the mock target's `data:`,
    /// else demo].
    #[arg(long, value_name = "SHAPE", value_parser = data_shape())]
    pub data: Option<DataShape>,
    /// The snapshots directory [default: snapshots beside the suites directory].
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
}

/// `--data`: one of [`DataShape::NAMES`].
fn data_shape() -> impl TypedValueParser<Value = DataShape> {
    PossibleValuesParser::new(DataShape::NAMES).try_map(|name| name.parse::<DataShape>())
}

impl Place {
    /// Run options for this place and target.
    pub fn options(&self, target: &str) -> RunOptions {
        let mut options = RunOptions::new(&self.files.suites);
        options.target = target.to_string();
        if let Some(dir) = &self.snapshots {
            options.snapshots_dir = dir.clone();
        }
        if let Some(file) = &self.files.schema {
            options.schema = Source::File(file.clone());
        }
        if let Some(file) = &self.files.seed {
            options.seed = Source::File(file.clone());
        }
        options.data = self.data;
        options
    }
}

/// Options of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Only the pending snapshots whose trial name (`suite::case::target`) or file name
    /// contains this.
    pub filter: Option<String>,
    /// Accept them all (each `.snap.new` replaces its `.snap`).
    #[arg(long, conflicts_with_all = ["reject", "list"])]
    pub accept: bool,
    /// Reject them all (each `.snap.new` is deleted).
    #[arg(long, conflicts_with = "list")]
    pub reject: bool,
    /// List them, one trial name and file per line.
    #[arg(long)]
    pub list: bool,
    /// Where the suites and snapshots are.
    #[command(flatten)]
    pub place: Place,
}

/// Options of `run` and `list`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target to run against.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Where the suites and snapshots are.
    #[command(flatten)]
    pub place: Place,
    /// Allow the target's max_rps above 20 requests per second against ION's hosts: a load
    /// test, to be coordinated with ION's support first.
    #[arg(long, env = "ION_ALLOW_HIGH_RATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_high_rate: bool,
    /// Fail the run (exit 2) when the live target's credentials are not set, instead of
    /// ignoring its trials: for CI jobs whose secrets may be missing or misspelled.
    #[arg(long, env = "ION_REQUIRE_CREDENTIALS", value_parser = clap::builder::BoolishValueParser::new())]
    pub require_credentials: bool,
    /// Run only suites with this tag (repeatable; also ION_TAGS=a,b).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Leave out suites with this tag (repeatable; also ION_SKIP_TAGS=a,b).
    #[arg(long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,
    /// Run only the I-th of N shares of the cases (1/4 ... 4/4); the N shares together run
    /// every case once, and cases of suites with one `lock:` stay in one share.
    #[arg(long, value_name = "I/N", env = "ION_SHARD")]
    pub shard: Option<Shard>,
    /// The reports to write after the run.
    #[command(flatten)]
    pub reports: ReportArgs,
    /// libtest's own flags.
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

/// Where `run` and `smoke` write their reports.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write JUnit XML here: one testcase per case, with its failure, 429s and refusals.
    #[arg(long, value_name = "FILE", env = "ION_REPORT_JUNIT")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report here: one object per case (outcome, duration, steps, requests,
    /// throttled attempts, refusal classes).
    #[arg(long, value_name = "FILE", env = "ION_REPORT_JSON")]
    pub json: Option<PathBuf>,
    /// Write a markdown summary here (appended to when it is $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE", env = "ION_REPORT_SUMMARY")]
    pub summary: Option<PathBuf>,
}

impl ReportArgs {
    /// The paths, for the runner.
    pub fn paths(&self) -> ReportPaths {
        ReportPaths {
            junit: self.junit.clone(),
            json: self.json.clone(),
            summary: self.summary.clone(),
        }
    }
}

/// Options of `preflight`.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The target to check.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Where the suites (and so targets.yaml) are.
    #[arg(long, value_name = "DIR", default_value = "suites")]
    pub suites: PathBuf,
}

/// Options of `seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Remove the chain instead of creating it.
    #[arg(long)]
    pub clean: bool,
    /// The target and the chain.
    #[command(flatten)]
    pub chain: ChainArgs,
}

/// Options of `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Record the target's current state as its baseline instead of comparing.
    #[arg(long)]
    pub record: bool,
    /// The snapshots directory [default: snapshots beside the suites directory].
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// The target and the chain.
    #[command(flatten)]
    pub chain: ChainArgs,
}

/// Options of `smoke`.
#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// The snapshots directory (the drift baseline) [default: snapshots beside the suites].
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// The reports to write: JUnit and JSON hold one testcase per stage
    /// (`smoke::<stage>::<target>`) and one per case of the suites stage; the summary is the
    /// stages' markdown (also appended to $GITHUB_STEP_SUMMARY when set).
    #[command(flatten)]
    pub reports: ReportArgs,
    /// The target and the chain.
    #[command(flatten)]
    pub chain: ChainArgs,
}

/// The target and seeding chain `seed` and `drift` work on.
#[derive(Debug, Args)]
pub struct ChainArgs {
    /// The target.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// The prefix every key carries [default: the chain's `prefix:`].
    #[arg(long, env = "ION_SEED_PREFIX")]
    pub prefix: Option<String>,
    /// The chain file [default: SUITES/seed/chain.yaml, else the built-in demo chain].
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// Where the suites, schema and double's seed are.
    #[command(flatten)]
    pub files: Files,
}
