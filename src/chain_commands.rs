//! `seed`, `drift` and `smoke`: the commands that work on the seeding chain.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ion_contract::builtin::Source;
use ion_contract::client::http_client;
use ion_contract::double::DoubleData;
use ion_contract::drift::data::Verdict;
use ion_contract::progress::Progress;
use ion_contract::reach::{ReachError, Reached, reach};
use ion_contract::report::{self, ReportPaths};
use ion_contract::seeding::{self, Chain, Seeder};
use ion_contract::targets::Targets;
use ion_contract::{exit, runner, scrub, scrubbed_eprintln, scrubbed_println, snapshot};

use ion_contract::cli::{self, DriftArgs, Place, SeedArgs, SmokeArgs};

/// A target, its chain and the double's data, ready for `seed` and `drift`.
struct Chained<'t> {
    target: &'t ion_contract::targets::Target,
    data: Arc<DoubleData>,
    chain: Chain,
    options: runner::RunOptions,
}

fn chained<'t>(
    args: &cli::ChainArgs,
    targets: &'t Targets,
    snapshots: Option<std::path::PathBuf>,
) -> anyhow::Result<Chained<'t>> {
    let place = Place {
        files: args.files.clone(),
        snapshots,
        data: Default::default(),
    };
    let options = chain_options(&place, args);
    let target = targets.get(&args.target)?;
    let data = Arc::new(DoubleData::load_from(&options.schema, &options.seed)?);
    let chain = Chain::load(&options.chain, data.schema(), args.prefix.as_deref())?;
    Ok(Chained {
        target,
        data,
        chain,
        options,
    })
}

/// The options of `place` for the chain's target, with `--chain` when given.
fn chain_options(place: &Place, args: &cli::ChainArgs) -> runner::RunOptions {
    let mut options = place.options(&args.target);
    if let Some(file) = &args.chain {
        options.chain = Source::File(file.clone());
    }
    options
}

/// Reaches the chain's target: a fresh double, or a live target after its preflight.
/// `Ok(Err(code))` when the preflight failed: the diagnosis is on stderr (scrubbed) and
/// nothing but the preflight's own requests was sent.
async fn reach_chain(
    c: &Chained<'_>,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
) -> anyhow::Result<Result<Reached, ExitCode>> {
    match reach(c.target, targets, Arc::clone(&c.data), env, http, false).await {
        Ok(reached) => Ok(Ok(reached)),
        Err(error @ ReachError::Preflight { .. }) => {
            scrubbed_eprintln!("error: {error}");
            Ok(Err(ExitCode::from(exit::PREFLIGHT_FAILED)))
        }
        Err(error) => Err(anyhow::anyhow!(scrub::text(&error.to_string()))),
    }
}

/// `seed`: creates (or with --clean removes) the chain and prints what it did.
pub(crate) fn seed(args: &SeedArgs) -> anyhow::Result<ExitCode> {
    let targets = Targets::load(&args.chain.files.suites)?;
    let c = chained(&args.chain, &targets, None)?;
    if c.target.read_only {
        anyhow::bail!(
            "target {} is read-only: seeding writes, so it never runs there\nhelp: seed a sandbox (--target sandbox) or the double",
            c.target.name
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let env = |name: &str| std::env::var(name).ok();
    let http = http_client()?;
    let progress = Progress::on_stderr();
    runtime.block_on(async {
        let reached = match reach_chain(&c, &targets, &env, &http).await? {
            Ok(reached) => reached,
            Err(code) => return Ok(code),
        };
        let seeder =
            Seeder::new(&c.chain, c.data.schema(), &reached.client).with_progress(&progress);
        let outcome = if args.clean {
            seeder.clean().await.map(|removed| {
                for entity in &removed {
                    scrubbed_println!(
                        "removed  {:<16} {} {}",
                        entity.name,
                        entity.type_name,
                        entity.id
                    );
                }
                scrubbed_println!(
                    "cleaned: {} entities of prefix {} removed",
                    removed.len(),
                    c.chain.prefix
                );
            })
        } else {
            seeder.seed().await.map(|found| {
                let path = seeding::manifest_path(&c.options.suites_dir, &c.target.name);
                let manifest = seeding::manifest(&c.target.name, &c.chain, &found);
                // Written whole, then renamed: a reader never sees half a manifest.
                let partial = path.with_extension("json.partial");
                let written = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| {
                        std::fs::write(&partial, scrub::text(&format!("{manifest:#}\n")))
                    })
                    .and_then(|()| std::fs::rename(&partial, &path));
                if let Err(e) = written {
                    scrubbed_eprintln!(
                        "warning: cannot write the manifest {}: {e}",
                        path.display()
                    );
                }
                for entity in &found {
                    let verb = if entity.created { "created" } else { "found  " };
                    scrubbed_println!(
                        "{verb}  {:<16} {} {}",
                        entity.name,
                        entity.type_name,
                        entity.id
                    );
                }
                let created = found.iter().filter(|f| f.created).count();
                scrubbed_println!(
                    "seeded: {} entities of prefix {} ({created} created)",
                    found.len(),
                    c.chain.prefix
                );
            })
        };
        match outcome {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(error) => {
                scrubbed_eprintln!("error: {error}");
                Ok(ExitCode::from(exit::SEED_REFUSED))
            }
        }
    })
}

/// `smoke`: the stages, then the summary (to stdout and `$GITHUB_STEP_SUMMARY`).
pub(crate) fn smoke(args: &SmokeArgs) -> anyhow::Result<ExitCode> {
    let place = Place {
        files: args.chain.files.clone(),
        snapshots: args.snapshots.clone(),
        data: Default::default(),
    };
    let options = ion_contract::smoke::SmokeOptions {
        run: chain_options(&place, &args.chain),
        prefix: args.chain.prefix.clone(),
    };
    let smoked = ion_contract::smoke::run(&options, &Progress::on_stderr());
    let target = &args.chain.target;
    let summary = ion_contract::smoke::summary(target, &smoked.outcomes);
    scrubbed_println!("\n{summary}");
    let env = |name: &str| std::env::var(name).ok();
    let mut summaries: Vec<PathBuf> = env("GITHUB_STEP_SUMMARY")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    let paths = args.reports.paths();
    if let Some(file) = paths.summary.clone().filter(|f| !summaries.contains(f)) {
        summaries.push(file);
    }
    for file in &summaries {
        report::write_summary(file, &summary, &env)?;
    }
    let reports = ReportPaths {
        summary: None,
        ..paths
    };
    report::write_reports(&smoked.report(target), &reports, &env)?;
    Ok(ExitCode::from(ion_contract::smoke::exit_code(
        &smoked.outcomes,
    )))
}

/// `drift`: the verdict and every difference of the chain's own entities to stdout, then the
/// rows outside the chain that changed (information); exit 0 clean, 5 drift, 6 reset.
/// Without a baseline it exits 2 rather than record one: `drift` is the check, recording is
/// asked for (`--record`); `smoke` records the first night's itself.
pub(crate) fn drift(args: &DriftArgs) -> anyhow::Result<ExitCode> {
    let targets = Targets::load(&args.chain.files.suites)?;
    let c = chained(&args.chain, &targets, args.snapshots.clone())?;
    let path = snapshot::baseline_path(&c.options.snapshots_dir, &c.target.name);
    let baseline = snapshot::read_baseline(&path)?;
    if baseline.is_none() && !args.record {
        anyhow::bail!(
            "no data baseline for target {} at {}\nhelp: seed the target, then record one with `ion-contract drift --record --target {}`",
            c.target.name,
            path.display(),
            c.target.name
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let env = |name: &str| std::env::var(name).ok();
    let http = http_client()?;
    let progress = Progress::on_stderr();
    let now = runtime.block_on(async {
        let reached = match reach_chain(&c, &targets, &env, &http).await? {
            Ok(reached) => reached,
            Err(code) => return anyhow::Ok(Err(code)),
        };
        let seeder =
            Seeder::new(&c.chain, c.data.schema(), &reached.client).with_progress(&progress);
        if reached.double.is_some() {
            // A fresh double holds no chain: seed it, so the baseline describes one.
            seeder.seed().await?;
        }
        let found = seeder.find().await?;
        let counts = seeder.counts().await?;
        anyhow::Ok(Ok(ion_contract::drift::data::observe(&found, &counts)))
    })?;
    let now = match now {
        Ok(now) => now,
        Err(code) => return Ok(code),
    };
    if args.record {
        snapshot::write_baseline(&path, &c.target.name, &now)?;
        scrubbed_println!(
            "recorded the data baseline of target {} in {}",
            c.target.name,
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let compared = ion_contract::drift::data::compare(baseline.as_ref().unwrap_or(&now), &now);
    scrubbed_println!(
        "data drift of target {}: {}",
        c.target.name,
        compared.verdict.name()
    );
    for difference in &compared.chain {
        scrubbed_println!("  {difference}");
    }
    if let Some(line) = compared.others_line() {
        scrubbed_println!("{line}");
    }
    Ok(match compared.verdict {
        Verdict::Clean => ExitCode::SUCCESS,
        Verdict::Drift => {
            scrubbed_println!(
                "help: the chain's own entities changed since the baseline was recorded; if that is expected, record it again with `ion-contract drift --record --target {}`",
                c.target.name
            );
            ExitCode::from(exit::DATA_DRIFT)
        }
        Verdict::Reset => {
            scrubbed_println!(
                "help: the sandbox was reset: run `ion-contract seed --target {}`",
                c.target.name
            );
            ExitCode::from(exit::RESET)
        }
    })
}
