//! `data pull`: a live tenant's rows into a seed file (`ion_contract::data_pull` reads and
//! fakes; this picks the types, reaches the target, writes the file and the exit code).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ion_contract::builtin::Source;
use ion_contract::client::http_client;
use ion_contract::data_pull::{Plan, Pulled, used_types};
use ion_contract::diagnostic::display_path;
use ion_contract::double::{DataShape, DoubleData, SNAPSHOT_SEED};
use ion_contract::reach::{self, ReachError};
use ion_contract::suite::{self, LoadContext};
use ion_contract::targets::Targets;
use ion_contract::{exit, scrub, scrubbed_eprintln, scrubbed_println};

use ion_contract::cli::Place;
use ion_contract::cli::data::DataPullArgs;

/// `data pull`: see the command's help.
pub(crate) fn pull(args: &DataPullArgs) -> anyhow::Result<ExitCode> {
    let options = Place {
        files: args.files.clone(),
        snapshots: None,
        data: None,
    }
    .options(&args.target);
    let targets = Targets::load(&options.suites_dir)?;
    let target = targets.get(&args.target)?;
    if target.environment.is_production() && !args.allow_production {
        anyhow::bail!(
            "target {} is a production environment: data pull copies its rows into a file, so it is refused (nothing was sent)\nhelp: pull from a sandbox (--target sandbox); to pull production data on purpose, pass --allow-production and keep the file out of shared repositories",
            target.name
        );
    }
    let data = Arc::new(options.double_data(None)?);
    let wanted = wanted_types(args, &options.suites_dir, &data, &targets)?;
    let plan = Plan::new(data.schema(), data.families(), &wanted)?;
    for type_name in &plan.unlisted {
        scrubbed_eprintln!(
            "warning: no Query field reads {type_name} (a connection of it, or a by-id lookup), so its rows are not read\nhelp: pass --schema with the target's schema (`ion-contract schema pull`) if it has one"
        );
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| options.suites_dir.join(SNAPSHOT_SEED));
    let env = |name: &str| std::env::var(name).ok();
    let http = http_client()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let reached = runtime.block_on(reach::reach(
        target,
        &targets,
        Arc::clone(&data),
        &env,
        &http,
        args.allow_high_rate,
    ));
    let reached = match reached {
        Ok(reached) => reached,
        Err(error @ ReachError::Preflight { .. }) => {
            scrubbed_eprintln!("error: {error}");
            return Ok(ExitCode::from(exit::PREFLIGHT_FAILED));
        }
        Err(error) => return Err(anyhow::anyhow!(scrub::text(&error.to_string()))),
    };
    if let Some(passed) = &reached.preflight {
        scrubbed_eprintln!("ion-contract: preflight: {}", passed.summary());
    }
    let pulled = runtime.block_on(plan.pull(&reached.client, args.max_rows));
    warn_incomplete(&pulled, args.max_rows);
    let header = format!(
        "The double's data pulled from target {} by `ion-contract data pull` (the `snapshot`\ndata shape: `ion-contract serve --data snapshot --seed {}`).\nEmails, names and free text are fakes; secret fields were not read.",
        target.name,
        display_path(&out)
    );
    write(&out, &pulled.seed_text(&header), &options.schema)?;
    scrubbed_println!(
        "wrote {} rows of {} types from target {} to {} ({} values faked, {} foreign keys to unread rows left out)",
        pulled.row_count(),
        pulled.tables.len(),
        target.name,
        display_path(&out),
        pulled.faked,
        pulled.dangling
    );
    Ok(ExitCode::SUCCESS)
}

/// `--types`, else the entity types the suites' operations select.
fn wanted_types(
    args: &DataPullArgs,
    suites_dir: &std::path::Path,
    data: &DoubleData,
    targets: &Targets,
) -> anyhow::Result<BTreeSet<String>> {
    let named: BTreeSet<String> = args
        .types
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if !named.is_empty() {
        return Ok(named);
    }
    let target_names = targets.names();
    let context = LoadContext::new(data.schema(), &target_names);
    let mut suites = Vec::new();
    for loaded in suite::load_dir(suites_dir, &context)? {
        match loaded {
            Ok(suite) => suites.push(suite),
            Err(failure) => anyhow::bail!(
                "{failure}\nhelp: data pull reads the types the suites use: fix the suite (`ion-contract check` locates every problem), or name the types with --types"
            ),
        }
    }
    Ok(used_types(data.schema(), data.families(), &suites))
}

/// Checks that `text` loads as a snapshot against `schema`, then writes it to `out`.
fn write(out: &PathBuf, text: &str, schema: &Source) -> anyhow::Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create {}\nhelp: pass --out with a writable path",
                display_path(dir)
            )
        })?;
    }
    let partial = out.with_extension("yaml.partial");
    std::fs::write(&partial, scrub::text(text)).with_context(|| {
        format!(
            "cannot write {}\nhelp: pass --out with a writable path",
            display_path(&partial)
        )
    })?;
    let loads =
        DoubleData::load_shaped(schema, &Source::File(partial.clone()), DataShape::Snapshot);
    if let Err(problems) = loads {
        let _ = std::fs::remove_file(&partial);
        anyhow::bail!(
            "the pulled seed does not load against the double's schema, so it was not written:\n{problems}\nhelp: this is a bug in data pull; report it with the message above"
        );
    }
    std::fs::rename(&partial, out).with_context(|| {
        format!(
            "cannot write {}\nhelp: pass --out with a writable path",
            display_path(out)
        )
    })
}

/// The types not fully read, on stderr.
fn warn_incomplete(pulled: &Pulled, max_rows: usize) {
    for (type_name, why) in &pulled.unreadable {
        scrubbed_eprintln!(
            "warning: cannot read {type_name}, so its rows are left out: {why}\nhelp: give the API key permission to read {type_name}, or leave it out with --types"
        );
    }
    for type_name in &pulled.truncated {
        scrubbed_eprintln!(
            "warning: {type_name} has more than {max_rows} rows; only the first {max_rows} were read\nhelp: raise the cap with --max-rows"
        );
    }
}
