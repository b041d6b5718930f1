//! Helpers of the crate's unit tests.

use std::path::PathBuf;

/// An empty folder in the temporary directory, named after `label` and this process.
pub(crate) fn scratch_dir(label: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ion-contract-unit-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}
