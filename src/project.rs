//! Where a project is: commands run from any folder of it find its root, as cargo finds
//! `Cargo.toml`.
//!
//! From the current folder upwards, the first folder that holds an `ion-contract.toml` is the
//! project's root; failing that, the first that holds a `suites/` folder. Without either, the
//! current folder is the root (and `suites/` is looked for there, as before).
//!
//! `ion-contract.toml` is optional; every key is optional too:
//!
//! ```toml
//! suites = "contract/suites"        # the suites folder [default: suites]
//! snapshots = "contract/snapshots"  # the snapshots folder [default: snapshots beside the suites]
//! target = "sandbox"                # the default target (ION_TARGET and --target win) [default: mock]
//! schema = "contract/ion.graphql"   # the double's schema [default: SUITES/schema/ion.graphql, else built in]
//! seed = "contract/demo.yaml"       # the double's seed [default: SUITES/seed/demo.yaml, else built in]
//! data = "blank"                    # the double's data shape: blank, demo, snapshot [default: demo]
//! chain = "contract/chain.yaml"     # the seeding chain [default: SUITES/seed/chain.yaml, else built in]
//! require_credentials = true        # a live target without credentials fails the run (exit 2)
//! ```
//!
//! Paths in it are relative to the root. What the command line says wins over the file
//! (`--suites`, `--snapshots`, `--target`, `--schema`, `--seed`, `--data`, `--chain`,
//! `--require-credentials`), and `ION_TARGET` wins over its `target`. A key it does not know,
//! or a value of the wrong type, is reported at `ion-contract.toml:line:col` with the keys it
//! takes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, display_path};
use crate::double::DataShape;
use crate::user_file::{self, Limit, ReadError};

/// The configuration file's name.
pub const CONFIG_FILE: &str = "ion-contract.toml";

/// The suites folder when nothing says otherwise.
pub const SUITES_DIR: &str = "suites";

/// The keys `ion-contract.toml` takes.
const KEYS: &str = "suites, snapshots, target, schema, seed, data, chain, require_credentials";

/// What `ion-contract.toml` says; every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The suites folder, relative to the root.
    pub suites: Option<PathBuf>,
    /// The snapshots folder, relative to the root.
    pub snapshots: Option<PathBuf>,
    /// The default target.
    pub target: Option<String>,
    /// The double's schema, relative to the root.
    pub schema: Option<PathBuf>,
    /// The double's seed, relative to the root.
    pub seed: Option<PathBuf>,
    /// The double's data shape (`blank`, `demo`, `snapshot`; see [`DataShape`]).
    pub data: Option<DataShape>,
    /// The seeding chain, relative to the root.
    pub chain: Option<PathBuf>,
    /// Whether a live target without credentials fails the run.
    pub require_credentials: Option<bool>,
}

/// A project: its root (as the current folder reaches it) and its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The root, relative to the folder discovery started from (`.`, `..`, `../..`).
    pub root: PathBuf,
    /// The configuration file, when there is one.
    pub config_file: Option<PathBuf>,
    /// What it says (all `None` without one).
    pub config: Config,
}

/// Why the project's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The file could not be read.
    #[error("cannot read {}: {why}\nhelp: {}", why.location(path), why.help_or("fix or remove it"))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        why: ReadError,
    },
    /// The file is not valid configuration.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl Project {
    /// The project the folder `cwd` is in (see the module docs); its paths are as `cwd`
    /// reaches them (relative when `cwd` is inside the project).
    pub fn discover(cwd: &Path) -> Result<Project, ProjectError> {
        let absolute = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let found = absolute
            .ancestors()
            .find(|dir| dir.join(CONFIG_FILE).is_file())
            .or_else(|| {
                absolute
                    .ancestors()
                    .find(|dir| dir.join(SUITES_DIR).is_dir())
            });
        let Some(root) = found else {
            return Ok(Project {
                root: PathBuf::from("."),
                config_file: None,
                config: Config::default(),
            });
        };
        let absolute_file = root.join(CONFIG_FILE);
        let root = relative_root(&absolute, root);
        if !absolute_file.is_file() {
            return Ok(Project {
                root,
                config_file: None,
                config: Config::default(),
            });
        }
        let file = tidy(&root.join(CONFIG_FILE));
        let text = user_file::read_text(&absolute_file, Limit::File).map_err(|why| {
            ProjectError::Read {
                path: file.clone(),
                why,
            }
        })?;
        let config = parse(&file, &text)?;
        Ok(Project {
            root,
            config_file: Some(file),
            config,
        })
    }

    /// `path` (relative to the root) as the current folder reaches it.
    fn at(&self, path: &Path) -> PathBuf {
        tidy(&self.root.join(path))
    }

    /// The suites folder.
    pub fn suites_dir(&self) -> PathBuf {
        self.at(self
            .config
            .suites
            .as_deref()
            .unwrap_or(Path::new(SUITES_DIR)))
    }

    /// The snapshots folder, when the configuration names one (else: beside the suites).
    pub fn snapshots_dir(&self) -> Option<PathBuf> {
        self.config.snapshots.as_deref().map(|p| self.at(p))
    }

    /// The double's schema, when the configuration names one.
    pub fn schema(&self) -> Option<PathBuf> {
        self.config.schema.as_deref().map(|p| self.at(p))
    }

    /// The double's seed, when the configuration names one.
    pub fn seed(&self) -> Option<PathBuf> {
        self.config.seed.as_deref().map(|p| self.at(p))
    }

    /// The seeding chain, when the configuration names one.
    pub fn chain(&self) -> Option<PathBuf> {
        self.config.chain.as_deref().map(|p| self.at(p))
    }
}

/// `root` as reached from `cwd` (which is inside it): `.`, `..`, `../..`.
fn relative_root(cwd: &Path, root: &Path) -> PathBuf {
    match cwd.strip_prefix(root) {
        Ok(below) => {
            let up = below.components().count();
            if up == 0 {
                PathBuf::from(".")
            } else {
                (0..up).map(|_| "..").collect()
            }
        }
        Err(_) => root.to_path_buf(),
    }
}

/// `path` without leading `./` parts (`./suites` is shown as `suites`).
fn tidy(path: &Path) -> PathBuf {
    let tidied: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if tidied.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        tidied
    }
}

/// Reads the configuration, or the first problem in it, located.
fn parse(file: &Path, text: &str) -> Result<Config, ProjectError> {
    toml::from_str::<Config>(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        let source_line = text[line_start..].lines().next().unwrap_or_default();
        let message = error.message().trim().to_owned();
        let diagnostic = Diagnostic::new(
            file,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
            format!("{} is not valid: {message}", display_path(file)),
        )
        .with_source_line(source_line)
        .with_help(format!(
            "{CONFIG_FILE} takes these keys, all optional: {KEYS} (paths relative to the \
             folder it is in; require_credentials is true or false; data is blank, demo or snapshot)"
        ));
        ProjectError::Invalid(Box::new(diagnostic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        crate::testing::scratch_dir(&format!("project-{label}"))
    }

    #[test]
    fn the_nearest_folder_with_suites_is_the_root() {
        let root = scratch("suites");
        std::fs::create_dir_all(root.join("suites")).expect("suites");
        std::fs::create_dir_all(root.join("src/etl")).expect("subfolder");
        let project = Project::discover(&root.join("src/etl")).expect("found");
        assert_eq!(project.root, PathBuf::from("../.."));
        assert_eq!(project.suites_dir(), PathBuf::from("../../suites"));
        let at_root = Project::discover(&root).expect("found");
        assert_eq!(at_root.suites_dir(), PathBuf::from("suites"));
        assert_eq!(at_root.config_file, None);
    }

    #[test]
    fn the_configuration_names_folders_relative_to_its_own() {
        let root = scratch("config");
        std::fs::create_dir_all(root.join("sub/suites")).expect("a nested suites folder");
        std::fs::write(
            root.join(CONFIG_FILE),
            "suites = \"contract/suites\"\nsnapshots = \"contract/snaps\"\ntarget = \"sandbox\"\n\
             require_credentials = true\ndata = \"blank\"\n",
        )
        .expect("config");
        // The configuration wins over a nearer `suites/` folder: it marks the root.
        let project = Project::discover(&root.join("sub/suites")).expect("found");
        assert_eq!(project.root, PathBuf::from("../.."));
        assert_eq!(project.suites_dir(), PathBuf::from("../../contract/suites"));
        assert_eq!(
            project.snapshots_dir(),
            Some(PathBuf::from("../../contract/snaps"))
        );
        assert_eq!(project.config.target.as_deref(), Some("sandbox"));
        assert_eq!(project.config.require_credentials, Some(true));
        assert_eq!(project.config.data, Some(DataShape::Blank));
        assert_eq!(
            project.config_file,
            Some(PathBuf::from("../../ion-contract.toml"))
        );
    }

    #[test]
    fn an_unknown_key_or_a_wrong_type_is_located_with_the_keys_it_takes() {
        let root = scratch("invalid");
        std::fs::write(root.join(CONFIG_FILE), "suites = \"s\"\nsuits = \"x\"\n").expect("write");
        let Err(ProjectError::Invalid(diagnostic)) = Project::discover(&root) else {
            panic!("an unknown key is refused");
        };
        assert_eq!((diagnostic.line, diagnostic.col), (2, 1), "{diagnostic}");
        assert!(diagnostic.message.contains("suits"), "{diagnostic}");
        assert!(format!("{diagnostic}").contains("help: ion-contract.toml takes these keys"));

        std::fs::write(root.join(CONFIG_FILE), "require_credentials = \"yes\"\n").expect("write");
        let Err(ProjectError::Invalid(diagnostic)) = Project::discover(&root) else {
            panic!("a string for a boolean is refused");
        };
        assert_eq!(diagnostic.line, 1, "{diagnostic}");
        assert!(diagnostic.col > 1, "points at the value: {diagnostic}");

        std::fs::write(root.join(CONFIG_FILE), "\ndata = \"full\"\n").expect("write");
        let Err(ProjectError::Invalid(diagnostic)) = Project::discover(&root) else {
            panic!("an unknown data shape is refused");
        };
        assert_eq!(diagnostic.line, 2, "{diagnostic}");
        assert!(
            diagnostic.message.contains("blank"),
            "names the shapes: {diagnostic}"
        );
    }
}
