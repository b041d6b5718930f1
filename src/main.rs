//! The `ion-contract` binary: parses the command line (defined in the library's `cli`, so tests
//! parse it as the binary does), calls the library and maps the outcome to an exit code. With
//! its command modules, the only code that uses anyhow.
//!
//! Every line it prints goes through the scrubbing path (`scrubbed_println!` and friends,
//! see `ion_contract::scrub`); `serve`'s banner is the one exception, on purpose: it prints
//! the double's own public demo credentials for a client to use.

mod chain_commands;
mod data_command;
mod project_commands;
mod sweep_command;

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ion_contract::builtin::Source;
use ion_contract::client::http_client;
use ion_contract::diagnostic::display_path;
use ion_contract::double::serve::{Server, Shutdown};
use ion_contract::double::{DoubleData, EnvironmentSpec, Role, key_for};
use ion_contract::drift::fetch::{self, FetchError, Fetched};
use ion_contract::drift::{ProjectOperation, SchemaDrift, schema_file};
use ion_contract::progress::Progress;
use ion_contract::project::Project;
use ion_contract::reach::{self, ReachError};
use ion_contract::record::{RecordOptions, Recorder, ServedKey};
use ion_contract::suite::{self, LoadContext};
use ion_contract::targets::{DEFAULT_TARGET, Targets};
use ion_contract::{runner, scrubbed_eprintln, scrubbed_print, scrubbed_println};

/// mimalloc gives freed memory back to the system (glibc's allocator kept `serve` at its
/// peak after a burst of heavy requests); `serve` asks it to do so at once, see
/// [`purge_freed_memory_at_once`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option `purge_delay`: its number in mimalloc v3's `mi_option_e` (the Rust
/// bindings name no constant for it), and its default there, in milliseconds.
const MI_PURGE_DELAY: std::ffi::c_int = 15;
const MI_PURGE_DELAY_DEFAULT: std::ffi::c_long = 1000;

unsafe extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// For `serve`: memory a request freed goes back to the system at once rather than a second
/// later, so a long-running double's resident memory follows its traffic (with ION's full
/// schema: 38-44 MB after 10,000 mixed requests, against 45-68 MB with the default delay;
/// `cargo bench --bench serve_rss`). Set only while the option holds mimalloc v3's default,
/// so a build of mimalloc that numbers its options otherwise never has another one changed.
fn purge_freed_memory_at_once() {
    // SAFETY: two calls into the linked mimalloc's option table, which takes any option
    // number in range and initialises itself on first use; no memory is handed over.
    unsafe {
        if mi_option_get(MI_PURGE_DELAY) == MI_PURGE_DELAY_DEFAULT {
            mi_option_set(MI_PURGE_DELAY, 0);
        }
    }
}

use ion_contract::cli::{
    Cli, Command, DiffArgs, Files, Place, PreflightArgs, PullArgs, RunArgs, SchemaCommand,
    ServeArgs,
};

use ion_contract::exit::{INVALID, PREFLIGHT_FAILED, SCHEMA_DRIFT};

fn main() -> ExitCode {
    let project = match Project::discover(Path::new(".")) {
        Ok(project) => project,
        Err(error) => return invalid(anyhow::Error::new(error)),
    };
    let cli = Cli::parse_in(&project);
    let closed_stdout = match &cli.command {
        Command::Run(args) => runner::closed_stdout_code(&args.libtest),
        Command::Smoke(_) => ion_contract::exit::STDOUT_CLOSED,
        _ => ion_contract::exit::SUCCESS,
    };
    ion_contract::closed_stdout::end_quietly_when_closed(closed_stdout);
    // The built-in targets' credentials are scrubbed from every output even when
    // targets.yaml does not load (every load registers its own targets' too).
    Targets::default().register_secrets(&|name| std::env::var(name).ok());
    match cli.command {
        Command::Run(args) => run(args, false),
        Command::List(args) => run(args, true),
        Command::Check(place) => check(&place).unwrap_or_else(invalid),
        Command::Preflight(args) => preflight(&args).unwrap_or_else(invalid),
        Command::Drift(args) => chain_commands::drift(&args).unwrap_or_else(invalid),
        Command::Seed(args) => chain_commands::seed(&args).unwrap_or_else(invalid),
        Command::Smoke(args) => chain_commands::smoke(&args).unwrap_or_else(invalid),
        Command::Sweep(args) => sweep_command::sweep(&args).unwrap_or_else(invalid),
        Command::Serve(args) => serve(&args)
            .map(|()| ExitCode::SUCCESS)
            .unwrap_or_else(invalid),
        Command::Data(ion_contract::cli::DataCommand::Pull(args)) => {
            data_command::pull(&args).unwrap_or_else(invalid)
        }
        Command::Review(args) => project_commands::review(&args).unwrap_or_else(invalid),
        Command::Init(args) => project_commands::init(&args).unwrap_or_else(invalid),
        Command::Schema(command) => match command {
            SchemaCommand::Pull(args) => pull(&args),
            SchemaCommand::Diff(args) => diff(&args),
            SchemaCommand::SuiteFormat => suite_format(),
        }
        .unwrap_or_else(invalid),
    }
}

fn run(mut args: RunArgs, list: bool) -> ExitCode {
    args.libtest.list |= list;
    let mut options = args.place.options(&args.target);
    options.allow_high_rate |= args.allow_high_rate;
    options.require_credentials = args.require_credentials;
    let from_env = runner::RunOptions::from_env();
    options.tags = if args.tags.is_empty() {
        from_env.tags
    } else {
        args.tags
    };
    options.skip_tags = if args.skip_tags.is_empty() {
        from_env.skip_tags
    } else {
        args.skip_tags
    };
    options.shard = args.shard;
    options.reports = args.reports.paths();
    // On a terminal libtest's report already names each trial as it ends; the progress line
    // is for a report that goes to a file or a pipe.
    if !list && !std::io::stdout().is_terminal() {
        options.progress = Arc::new(Progress::on_stderr());
    }
    runner::run(args.libtest, &options)
}

/// Reports a configuration or input error (diagnostics already say `error:`) and exits 2.
fn invalid(error: anyhow::Error) -> ExitCode {
    let text = format!("{error:#}");
    if text.starts_with("error:") {
        scrubbed_eprintln!("{text}");
    } else {
        scrubbed_eprintln!("error: {text}");
    }
    ExitCode::from(INVALID)
}

/// `check`: every diagnostic to stderr, a one-line verdict to stdout.
fn check(place: &Place) -> anyhow::Result<ExitCode> {
    let options = place.options(DEFAULT_TARGET);
    let double = options.double_data(None)?;
    let targets = Targets::load(&options.suites_dir)?;
    let target_names = targets.names();
    let context = LoadContext::new(double.schema(), &target_names);
    let suites = suite::load_dir(&options.suites_dir, &context)?;
    let mut cases = 0;
    let mut broken = 0;
    for loaded in &suites {
        match loaded {
            Ok(suite) => cases += suite.cases.len(),
            Err(failure) => {
                broken += 1;
                scrubbed_eprintln!("{failure}");
            }
        }
    }
    if broken == 0 {
        scrubbed_println!("ok: {} suites, {cases} cases valid", suites.len());
        Ok(ExitCode::SUCCESS)
    } else {
        scrubbed_println!(
            "invalid: {broken} of {} suites failed to load",
            suites.len()
        );
        Ok(ExitCode::from(INVALID))
    }
}

/// `preflight`: the report to stdout (exit 0), or the diagnosis to stderr (exit 3).
fn preflight(args: &PreflightArgs) -> anyhow::Result<ExitCode> {
    let targets = Targets::load(&args.suites)?;
    let target = targets.get(&args.target)?;
    if target.is_double() {
        scrubbed_println!(
            "target {} is the embedded double (imitating {}): no URLs or credentials to check",
            target.name,
            target.realm()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let env = |name: &str| std::env::var(name).ok();
    // The preflight alone sends two requests at most: its pace needs no opt-in.
    let opened = reach::open(target, &env, &http_client()?, true)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match runtime.block_on(opened.preflight(target, &targets, &env)) {
        Ok(connected) => {
            scrubbed_print!("{}", connected.passed.report());
            Ok(ExitCode::SUCCESS)
        }
        Err(ReachError::Preflight { source, .. }) => {
            scrubbed_eprintln!("error: {source}");
            Ok(ExitCode::from(PREFLIGHT_FAILED))
        }
        Err(other) => Err(other.into()),
    }
}

/// `serve`: the export lines to stdout, then serve until Ctrl-C or SIGTERM.
fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    purge_freed_memory_at_once();
    let options = args.place().options(DEFAULT_TARGET);
    let data = Arc::new(options.double_data(None)?);
    // Requests run on blocking threads; one idle for a second ends, and its memory goes
    // back to the system with it (after a burst of heavy requests, say).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(std::time::Duration::from_secs(1))
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        // Before anything is printed: a SIGTERM sent on seeing the output must be caught.
        let shutdown = Shutdown::install().context("cannot listen for Ctrl-C and SIGTERM")?;
        let mut options = args.options();
        let recorder = match &args.record {
            Some(dir) => {
                let recorder = Arc::new(open_recorder(dir, &data, args.record_options())?);
                options.observer = Some(recorder.clone());
                Some(recorder)
            }
            None => None,
        };
        let server = Server::bind(data, &options).await?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(server.banner().as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write to stdout")?;
        drop(stdout);
        let signal = server.run_until(shutdown.wait()).await;
        scrubbed_eprintln!("ion-contract serve: {signal} received; stopped serving");
        if let Some(recorder) = recorder {
            scrubbed_eprintln!("{}", recorder.summary());
        }
        Ok(())
    })
}

/// `serve --record`: the recorder, told the served keys (their secrets are scrubbed from its
/// files; the reader's and editor's sessions replay `as:` those profiles).
fn open_recorder(
    dir: &Path,
    data: &DoubleData,
    options: RecordOptions,
) -> anyhow::Result<Recorder> {
    let mut keys = Vec::new();
    for spec in [EnvironmentSpec::sandbox(), EnvironmentSpec::production()] {
        for (role, profile) in [
            (Role::Admin, None),
            (Role::Editor, Some("editor")),
            (Role::Reader, Some("reader")),
        ] {
            let (client_id, client_secret) = key_for(&spec, role);
            keys.push(ServedKey {
                client_id,
                client_secret,
                profile,
            });
        }
    }
    let recorder = Recorder::open(dir, data.schema().clone(), options, &keys)?;
    scrubbed_eprintln!(
        "ion-contract serve: recording every client session's operations into {} \
         (recorded.yaml: sessions that only read; recorded-writes.yaml: sessions that write)",
        display_path(&recorder.folder())
    );
    Ok(recorder)
}

/// `schema suite-format`: the suite files' JSON Schema to stdout.
fn suite_format() -> anyhow::Result<ExitCode> {
    match std::io::stdout().write_all(suite::json_schema().as_bytes()) {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write the schema to stdout")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `schema pull`: the SDL to a file, one line to stdout saying where.
fn pull(args: &PullArgs) -> anyhow::Result<ExitCode> {
    let fetched = match fetch_schema(&args.target, &args.files, args.allow_high_rate)? {
        Ok(fetched) => fetched,
        Err(code) => return Ok(code),
    };
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            // A project of suites alone has no suites/schema/ yet (the binary carries the
            // double's schema): the default place is made.
            let dir = args.files.suites.join("schema");
            std::fs::create_dir_all(&dir).map_err(|source| {
                schema_file::SchemaFileError::Write {
                    path: dir.clone(),
                    source,
                }
            })?;
            dir.join(format!("{}.graphql", args.target))
        }
    };
    let source = format!("target {} ({})", args.target, fetched.endpoint);
    schema_file::write(&out, &fetched.schema, &source)?;
    scrubbed_println!(
        "wrote the schema of target {} ({} types, from {}) to {}",
        args.target,
        schema_file::type_count(&fetched.schema),
        fetched.endpoint,
        display_path(&out)
    );
    Ok(ExitCode::SUCCESS)
}

/// `schema diff`: the report to stdout; exit 0, or 4 when the drift breaks this project.
fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let options = Place {
        files: args.files.clone(),
        snapshots: None,
        data: Default::default(),
    }
    .options(&args.target);
    let against = args.against.clone().map_or(options.schema, Source::File);
    let (against, committed) = schema_file::read_from(
        &against,
        "the committed schema",
        "pass --against with the SDL file the suites are written for",
    )?;
    let targets = Targets::load(&options.suites_dir)?;
    let target_names = targets.names();
    let context = LoadContext::new(&committed, &target_names);
    let mut suites = Vec::new();
    let mut broken = 0;
    for loaded in suite::load_dir(&options.suites_dir, &context)? {
        match loaded {
            Ok(suite) => suites.push(suite),
            Err(failure) => {
                broken += 1;
                scrubbed_eprintln!("{failure}");
            }
        }
    }
    if broken > 0 {
        anyhow::bail!(
            "{broken} suite(s) do not load against {}; schema diff needs the operations of \
             every suite\nhelp: fix them (`ion-contract check` locates every problem), or pass \
             --against the schema they are written for",
            display_path(&against)
        );
    }
    let mut operations = ProjectOperation::from_suites(&suites);
    for document in &args.documents {
        operations.extend(ProjectOperation::from_document(document)?);
    }
    let (live, live_name) = match &args.live {
        Some(file) => {
            let help =
                "pass --live with an SDL file, e.g. one written by `ion-contract schema pull`";
            let schema = schema_file::read(file, "the live schema", help)?;
            (schema, display_path(file))
        }
        None => match fetch_schema(&args.target, &args.files, args.allow_high_rate)? {
            Ok(fetched) => {
                let name = format!("target {} ({})", args.target, fetched.endpoint);
                (fetched.schema, name)
            }
            Err(code) => return Ok(code),
        },
    };
    let drift = SchemaDrift::compare(&committed, &live, &operations);
    scrubbed_print!(
        "{}",
        drift.render(&live_name, &display_path(&against), args.all)
    );
    Ok(if drift.breaks_this_project() {
        ExitCode::from(SCHEMA_DRIFT)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads `target`'s schema: from an embedded double, or (after its preflight) from the live
/// target. `Err(code)` when the preflight failed (reported on stderr).
fn fetch_schema(
    target: &str,
    files: &Files,
    allow_high_rate: bool,
) -> anyhow::Result<Result<Fetched, ExitCode>> {
    let options = Place {
        files: files.clone(),
        snapshots: None,
        data: Default::default(),
    }
    .options(target);
    let targets = Targets::load(&options.suites_dir)?;
    let target = targets.get(target)?;
    let http = http_client()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let env = |name: &str| std::env::var(name).ok();
    let outcome = if target.is_double() {
        let data = Arc::new(DoubleData::load_from(&options.schema, &options.seed)?);
        runtime.block_on(fetch::from_double(data, target, &http))
    } else {
        runtime.block_on(fetch::from_live(
            target,
            &targets,
            &env,
            &http,
            allow_high_rate,
        ))
    };
    match outcome {
        Ok(fetched) => {
            if let Some(summary) = &fetched.preflight {
                scrubbed_eprintln!("ion-contract: preflight: {summary}");
            }
            Ok(Ok(fetched))
        }
        Err(error @ FetchError::Preflight { .. }) => {
            scrubbed_eprintln!("error: {error}");
            Ok(Err(ExitCode::from(PREFLIGHT_FAILED)))
        }
        Err(error) => Err(anyhow::anyhow!(error.to_string())),
    }
}
