//! Where reports go, and writing them.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{RunReport, json, junit, markdown};

/// The variable naming the JUnit XML file (`--junit`).
pub const JUNIT_ENV: &str = "ION_REPORT_JUNIT";
/// The variable naming the JSON report file (`--json`).
pub const JSON_ENV: &str = "ION_REPORT_JSON";
/// The variable naming the markdown summary file (`--summary`).
pub const SUMMARY_ENV: &str = "ION_REPORT_SUMMARY";

/// The files to write reports to; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportPaths {
    /// JUnit XML, one testcase per trial.
    pub junit: Option<PathBuf>,
    /// The JSON report.
    pub json: Option<PathBuf>,
    /// The markdown summary; appended to when it is `$GITHUB_STEP_SUMMARY`, else replaced.
    pub summary: Option<PathBuf>,
}

impl ReportPaths {
    /// The paths the report variables name (an empty value names none).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let path = |name: &str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        };
        ReportPaths {
            junit: path(JUNIT_ENV),
            json: path(JSON_ENV),
            summary: path(SUMMARY_ENV),
        }
    }

    /// Whether any report is asked for.
    pub fn any(&self) -> bool {
        self.junit.is_some() || self.json.is_some() || self.summary.is_some()
    }
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write the {what} to {}: {source}; check that the directory can be written, or \
     name another file",
    path.display()
)]
pub struct ReportError {
    /// Which report.
    pub what: &'static str,
    /// Where it was to go.
    pub path: PathBuf,
    /// Why it could not.
    #[source]
    pub source: std::io::Error,
}

/// Whether this process runs under cargo-nextest (one trial per process).
pub fn under_nextest(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("NEXTEST").is_some_and(|v| v == "1")
}

/// Writes every report `paths` asks for; parent directories are created. The summary is
/// appended to when it is the file `$GITHUB_STEP_SUMMARY` names (GitHub's convention: every
/// step adds to it), and replaced otherwise.
pub fn write_reports(
    report: &RunReport,
    paths: &ReportPaths,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ReportError> {
    if let Some(path) = &paths.junit {
        write(path, "JUnit report", &junit::render(report), false)?;
    }
    if let Some(path) = &paths.json {
        write(path, "JSON report", &json::render(report), false)?;
    }
    if let Some(path) = &paths.summary {
        write_summary(path, &markdown::render(report), env)?;
    }
    Ok(())
}

/// Writes a markdown summary to `path`: appended when it is the file `$GITHUB_STEP_SUMMARY`
/// names, replaced otherwise.
pub fn write_summary(
    path: &Path,
    markdown: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ReportError> {
    let step_summary = env("GITHUB_STEP_SUMMARY").map(PathBuf::from);
    let append = step_summary.as_deref() == Some(path);
    write(path, "summary", markdown, append)
}

fn write(path: &Path, what: &'static str, text: &str, append: bool) -> Result<(), ReportError> {
    let error = |source| ReportError {
        what,
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(error)?;
    // Every report leaves through here: scrubbed whole, in the report's own escaping.
    file.write_all(crate::scrub::text(text).as_bytes())
        .map_err(error)
}
