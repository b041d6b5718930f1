//! Suite locks: `lock: <name>` in a suite keeps its cases from running at the same time as
//! any other case of a suite with the same lock, against the same API.
//!
//! A lock is an exclusive lock on the file `<dir>/<api>--<name>.lock`, where `<api>` is the
//! target's API URL made into a file name, so two target names for one sandbox share their
//! locks. Being a file lock (flock on Unix, LockFileEx on Windows), it holds across the
//! threads of a run, across processes on one machine (cargo-nextest runs one trial per
//! process; two `ion-contract run` at once) and is released when its holder ends, even by a
//! crash. `<dir>` is `ION_LOCK_DIR`, or `ion-contract-locks` in the system's temporary
//! directory. Runs on different machines cannot see each other's locks: `--shard` keeps every
//! case of one lock in the same shard.
//!
//! On the embedded double every case has a double of its own, so locks are not taken there.
//!
//! The double lock: a local `ion-contract serve` is one store and one throttle for every case
//! that reaches it, so a case that changes how it answers everyone (a suite's `double:`
//! throttle or storm, a step's `fault:`) takes [`SuiteLock::acquire_double`] exclusively and
//! every other case against that serve takes it shared: such a case runs alone, the others
//! side by side (`--test-threads`). Its file, `<api>--_double.lock`, cannot be a suite lock's
//! (their names start with a letter or digit). On ION those cases are not run, so it is only
//! taken against a serve.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The variable naming the directory of lock files.
pub const LOCK_DIR_ENV: &str = "ION_LOCK_DIR";

/// The directory of lock files: `ION_LOCK_DIR`, or one in the temporary directory.
pub fn lock_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    env(LOCK_DIR_ENV)
        .filter(|dir| !dir.trim().is_empty())
        .map_or_else(
            || std::env::temp_dir().join("ion-contract-locks"),
            PathBuf::from,
        )
}

/// The double lock's name (see the module docs); no suite lock can have it.
const DOUBLE_LOCK: &str = "_double";

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct SuiteLock {
    _file: File,
}

/// A lock that could not be taken for a reason other than another holder.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot take the suite lock '{name}' ({}): {source}; check that the directory can be \
     written, or set {LOCK_DIR_ENV} to one that can",
    path.display()
)]
pub struct LockError {
    /// The lock's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl SuiteLock {
    /// Takes the lock `name` for `api`, waiting while another holds it. `waiting` is called
    /// once, before waiting, when it is held elsewhere.
    pub fn acquire(
        dir: &Path,
        api: &str,
        name: &str,
        waiting: impl FnOnce(&Path),
    ) -> Result<SuiteLock, LockError> {
        let (file, path) = Self::open(dir, api, name)?;
        match file.try_lock() {
            Ok(()) => return Ok(SuiteLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => waiting(&path),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(LockError {
                    name: name.to_owned(),
                    path,
                    source,
                });
            }
        }
        file.lock().map_err(|source| LockError {
            name: name.to_owned(),
            path,
            source,
        })?;
        Ok(SuiteLock { _file: file })
    }

    /// Takes the double lock for `api` (see the module docs): `exclusive` for a case that
    /// changes how the double answers everyone, shared for any other. `waiting` is called
    /// once, before waiting, when another case keeps it from being taken at once.
    pub fn acquire_double(
        dir: &Path,
        api: &str,
        exclusive: bool,
        waiting: impl FnOnce(&Path),
    ) -> Result<SuiteLock, LockError> {
        let (file, path) = Self::open(dir, api, DOUBLE_LOCK)?;
        let error = |source| LockError {
            name: DOUBLE_LOCK.to_owned(),
            path: path.clone(),
            source,
        };
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return Ok(SuiteLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => waiting(&path),
            Err(std::fs::TryLockError::Error(source)) => return Err(error(source)),
        }
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        locked.map_err(error)?;
        Ok(SuiteLock { _file: file })
    }

    /// Takes the lock `name` for `api` when nobody holds it; `Ok(None)` when someone does.
    pub fn try_acquire(dir: &Path, api: &str, name: &str) -> Result<Option<SuiteLock>, LockError> {
        let (file, path) = Self::open(dir, api, name)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(SuiteLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(LockError {
                name: name.to_owned(),
                path,
                source,
            }),
        }
    }

    fn open(dir: &Path, api: &str, name: &str) -> Result<(File, PathBuf), LockError> {
        let path = dir.join(format!("{}--{name}.lock", file_name(api)));
        let error = |source| LockError {
            name: name.to_owned(),
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(error)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(error)?;
        Ok((file, path))
    }
}

/// `https://api.buildwithion.com/graphql` -> `api.buildwithion.com-graphql`.
fn file_name(api: &str) -> String {
    let bare = api
        .split_once("://")
        .map_or(api, |(_, rest)| rest)
        .trim_end_matches('/');
    bare.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_url_becomes_a_file_name() {
        assert_eq!(
            file_name("https://api.buildwithion.com/graphql"),
            "api.buildwithion.com-graphql"
        );
        assert_eq!(file_name("http://127.0.0.1:4010/"), "127.0.0.1-4010");
    }

    #[test]
    fn a_held_lock_keeps_others_out_until_dropped() {
        let scratch =
            std::env::temp_dir().join(format!("ion-contract-lock-test-{}", std::process::id()));
        let dir = scratch.as_path();
        let api = "http://127.0.0.1:4010";
        let held = SuiteLock::try_acquire(dir, api, "parts")
            .expect("lockable")
            .expect("free at first");
        assert!(
            SuiteLock::try_acquire(dir, api, "parts")
                .expect("lockable")
                .is_none(),
            "a second holder got in"
        );
        let other = SuiteLock::try_acquire(dir, api, "runs").expect("lockable");
        assert!(other.is_some(), "another lock name is independent");
        let elsewhere =
            SuiteLock::try_acquire(dir, "http://127.0.0.1:4011", "parts").expect("lockable");
        assert!(elsewhere.is_some(), "another API is independent");
        drop(held);
        assert!(
            SuiteLock::try_acquire(dir, api, "parts")
                .expect("lockable")
                .is_some(),
            "free again once dropped"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_double_lock_is_shared_by_readers_and_exclusive_for_a_changer() {
        let scratch = std::env::temp_dir().join(format!(
            "ion-contract-double-lock-test-{}",
            std::process::id()
        ));
        let dir = scratch.as_path();
        let api = "http://127.0.0.1:4010";
        let never_waits = |path: &Path| panic!("waited for {}", path.display());
        let one = SuiteLock::acquire_double(dir, api, false, never_waits).expect("shared");
        let two = SuiteLock::acquire_double(dir, api, false, never_waits).expect("shared too");
        let (told, waits) = std::sync::mpsc::channel();
        let changer = std::thread::spawn({
            let dir = dir.to_owned();
            move || {
                let held = SuiteLock::acquire_double(&dir, api, true, |_| {
                    told.send(()).expect("the test listens");
                });
                held.is_ok()
            }
        });
        waits
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the changer waits while shared holders hold the lock");
        drop((one, two));
        assert!(
            changer.join().expect("no panic"),
            "the changer gets in once they are gone"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
