//! `sweep`: lists what earlier runs left on a target and, with `--yes`, deletes it
//! (`ion_contract::sweep` finds and deletes; this prints and picks the exit code).

use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use ion_contract::builtin::Source;
use ion_contract::client::http_client;
use ion_contract::double::DoubleData;
use ion_contract::reach::{self, ReachError};
use ion_contract::seeding::{Chain, PREFIX_ENV};
use ion_contract::sweep::{self, Deleted, Found, RunIds, Sweeper};
use ion_contract::targets::Targets;
use ion_contract::{exit, scrub, scrubbed_eprintln, scrubbed_println};

use ion_contract::cli::{Place, SweepArgs};

/// `sweep`: the listing (or what was deleted) to stdout; see the command's help.
pub(crate) fn sweep(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let mut options = Place {
        files: args.files.clone(),
        snapshots: None,
        data: Default::default(),
    }
    .options(&args.target);
    if let Some(file) = &args.chain {
        options.chain = Source::File(file.clone());
    }
    let targets = Targets::load(&options.suites_dir)?;
    let target = targets.get(&args.target)?;
    if target.is_double() {
        let why = format!(
            "target {} is the embedded double: every command starts a fresh one, so no earlier run left anything there",
            target.name
        );
        if args.json() {
            scrubbed_eprintln!("{why}");
            let mut json = Found::default().json(None);
            json["target"] = target.name.as_str().into();
            scrubbed_println!("{json:#}");
        } else {
            scrubbed_println!("{why}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if target.read_only {
        anyhow::bail!(
            "target {} is read-only: sweep deletes, so it never runs there (nothing was sent)\nhelp: sweep a sandbox (--target sandbox); runs never write to a read-only target, so there is nothing of theirs to sweep",
            target.name
        );
    }
    let run_ids = RunIds::new(args.prefix.as_deref());
    let data = DoubleData::load_from(&options.schema, &options.seed)?;
    let seed_prefix = std::env::var(PREFIX_ENV).ok();
    let chain = Chain::load(&options.chain, data.schema(), seed_prefix.as_deref())?;
    if let Some(value) = sweep::chain_conflict(&chain, &run_ids) {
        anyhow::bail!(
            "--prefix {} would sweep the seeding chain: its value {value:?} ({}) holds it\nhelp: pass the prefix of your ION_TEST_RUN ids, one the chain's values do not contain",
            run_ids.prefix(),
            chain.file.display()
        );
    }
    let env = |name: &str| std::env::var(name).ok();
    let http = http_client()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let connected = match reach::connect(target, &targets, &env, &http, false).await {
            Ok(connected) => connected,
            Err(error @ ReachError::Preflight { .. }) => {
                scrubbed_eprintln!("error: {error}");
                return Ok(ExitCode::from(exit::PREFLIGHT_FAILED));
            }
            Err(error) => return Err(anyhow::anyhow!(scrub::text(&error.to_string()))),
        };
        let now = SystemTime::now();
        let sweeper = Sweeper::new(
            data.schema(),
            &connected.client,
            run_ids,
            args.older_than,
            now,
        );
        let found = sweeper.find().await;
        warn_incomplete(&found);
        let deleted = if args.yes && !found.leftovers.is_empty() {
            Some(sweeper.delete(found.leftovers.clone()).await)
        } else {
            None
        };
        if args.json() {
            let mut json = found.json(deleted.as_ref());
            json["target"] = target.name.as_str().into();
            json["prefix"] = sweeper.prefix().into();
            json["older_than_secs"] = args.older_than.as_secs().into();
            scrubbed_println!("{:#}", scrub::value(&json));
        } else {
            report_text(&found, deleted.as_ref(), args, &sweeper, now);
        }
        let refused = deleted.is_some_and(|d| !d.failed.is_empty());
        Ok(ExitCode::from(if refused {
            exit::SEED_REFUSED
        } else {
            exit::SUCCESS
        }))
    })
}

/// The text report: what was looked for, each leftover (or what `--yes` did with it), the
/// spared and the unreadable (on stderr), and the last line saying what to do.
fn report_text(
    found: &Found,
    deleted: Option<&Deleted>,
    args: &SweepArgs,
    sweeper: &Sweeper,
    now: SystemTime,
) {
    report_found(found, args, sweeper, now);
    let Some(outcome) = deleted else {
        if !found.leftovers.is_empty() {
            scrubbed_println!(
                "found {} leftover(s) of earlier runs; run again with --yes to delete them",
                found.leftovers.len()
            );
        }
        return;
    };
    for leftover in &outcome.deleted {
        scrubbed_println!("deleted  {}", leftover.line(now));
    }
    for (leftover, why) in &outcome.failed {
        scrubbed_println!(
            "could not delete  {}\n  ION said: {why}",
            leftover.line(now)
        );
    }
    scrubbed_println!(
        "swept: {} deleted, {} could not be deleted",
        outcome.deleted.len(),
        outcome.failed.len()
    );
    if !outcome.failed.is_empty() {
        scrubbed_println!(
            "help: ION's message says why; delete what still refers to them (or ask whoever owns it), then run `ion-contract sweep --target {} --yes` again",
            args.target
        );
    }
}

/// What was looked for, each leftover found (unless `--yes` says what it did with them),
/// and the spared.
fn report_found(found: &Found, args: &SweepArgs, sweeper: &Sweeper, now: SystemTime) {
    let target = &args.target;
    let older_than = humantime::format_duration(args.older_than);
    let age = if args.older_than.is_zero() {
        "of runs of any age".to_owned()
    } else {
        format!(
            "of runs that started at least {older_than} ago (ids without a start time count as old)"
        )
    };
    scrubbed_println!(
        "sweep of target {target}: rows of {} type(s) holding a run id starting {:?}, {age}",
        sweeper.type_names().len(),
        sweeper.prefix()
    );
    if !args.yes {
        for leftover in &found.leftovers {
            scrubbed_println!("  {}", leftover.line(now));
        }
    }
    if !found.recent.is_empty() {
        scrubbed_println!(
            "spared: {} row(s) of runs that started less than {older_than} ago, maybe still going (--older-than 0 sweeps them too)",
            found.recent.len()
        );
    }
    if found.leftovers.is_empty() {
        scrubbed_println!("no leftovers of earlier runs to sweep on target {target}");
    }
}

/// The types whose rows were not all looked at, on stderr (in either format).
fn warn_incomplete(found: &Found) {
    for (type_name, why) in &found.unreadable {
        scrubbed_eprintln!(
            "warning: cannot list {type_name}, so its rows were not looked at: {why}\nhelp: give the API key permission to read {type_name}, or pass --schema with the types the sandbox serves"
        );
    }
    for type_name in &found.truncated {
        scrubbed_eprintln!(
            "warning: {type_name} has more than {} rows; only the first were looked at\nhelp: run sweep again once this one has deleted what it found",
            sweep::MAX_ROWS_PER_TYPE
        );
    }
}
