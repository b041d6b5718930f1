//! Reading a file a user named: bounded in size, regular files only.
//!
//! Every file ion-contract reads because a user named it or put it in the suites directory
//! (suite files, `document:` files, `targets.yaml`, the double's schema and seed, the
//! seeding chain, committed schemas and `--documents`, PEM certificates) is read through
//! [`read_text`] or [`read_bytes`], so none of them can hang or exhaust memory:
//!
//! - only regular files are read (symlinks to them are followed): a directory, a FIFO (which
//!   would block forever), a device such as `/dev/zero` or `/dev/urandom` (which never ends)
//!   or a socket is refused, naming what it is;
//! - each file is bounded in size by its [`Limit`], checked before reading and again while
//!   reading (a file that grows meanwhile is cut off, not read to the end);
//! - text must be UTF-8; the error names the line and column of the first invalid byte.
//!
//! | limit | default | files | raise it with |
//! | --- | --- | --- | --- |
//! | [`Limit::File`] | 16 MiB | suites, documents, `targets.yaml`, seed, chain, PEM | `ION_MAX_FILE_MB` |
//! | [`Limit::Schema`] | 64 MiB | GraphQL schemas (SDL) | `ION_MAX_SCHEMA_MB` |
//!
//! The errors ([`ReadError`]) say what is wrong and, through [`ReadError::help`], how to fix
//! it; callers turn them into their own located diagnostics. This module sits in the lowest
//! layer, beside [`crate::diagnostic`], the only module it imports.

use std::io::Read as _;
use std::path::Path;

use crate::diagnostic::display_path;

/// Bytes in a mebibyte, the unit of the limits' variables.
const MIB: u64 = 1024 * 1024;

/// Which size limit a file is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Suites, GraphQL documents, `targets.yaml`, seed and chain files, PEM certificates:
    /// 16 MiB unless `ION_MAX_FILE_MB` says otherwise.
    File,
    /// GraphQL schemas (the double's, committed SDL): 64 MiB unless `ION_MAX_SCHEMA_MB` says
    /// otherwise (ION's full schema is a few hundred KiB).
    Schema,
}

impl Limit {
    /// The environment variable that raises (or lowers) this limit, in MiB.
    pub fn variable(self) -> &'static str {
        match self {
            Limit::File => "ION_MAX_FILE_MB",
            Limit::Schema => "ION_MAX_SCHEMA_MB",
        }
    }

    /// The default, in MiB.
    pub fn default_mib(self) -> u64 {
        match self {
            Limit::File => 16,
            Limit::Schema => 64,
        }
    }

    /// The limit in bytes: the variable's value when set, else the default.
    pub fn bytes(self) -> Result<u64, ReadError> {
        let Ok(value) = std::env::var(self.variable()) else {
            return Ok(self.default_mib() * MIB);
        };
        match value.trim().parse::<u64>() {
            Ok(mib) if (1..=1024 * 1024).contains(&mib) => Ok(mib * MIB),
            _ => Err(ReadError::BadLimit {
                variable: self.variable(),
                value,
            }),
        }
    }
}

/// Why a user's file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be inspected, opened or read.
    #[error("{}", io_reason(.0))]
    Io(#[source] std::io::Error),
    /// It exists but is not a regular file.
    #[error("it is {what}, not a regular file")]
    NotAFile {
        /// What it is: `a directory`, `a FIFO (named pipe)`, `a character device`...
        what: &'static str,
    },
    /// It is larger than its limit.
    #[error("it is larger than {} MiB, the limit for this kind of file", .limit / MIB)]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// The variable that raises it.
        variable: &'static str,
    },
    /// It is not UTF-8 text.
    #[error("it is not UTF-8 text (the first invalid byte is at line {line}, column {col})")]
    NotUtf8 {
        /// 1-based line of the first invalid byte.
        line: u32,
        /// 1-based column (in characters) of the first invalid byte.
        col: u32,
    },
    /// The variable of a limit holds something else than a number of MiB.
    #[error("{variable}={value:?} is not a number of MiB between 1 and 1048576")]
    BadLimit {
        /// The variable.
        variable: &'static str,
        /// What it holds.
        value: String,
    },
}

impl ReadError {
    /// How to fix it, in one sentence.
    pub fn help(&self) -> String {
        match self {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "check the path (relative paths start from the directory the command runs in)"
                    .to_owned()
            }
            ReadError::Io(_) => "check that the file exists and is readable".to_owned(),
            ReadError::NotAFile { .. } => {
                "name a regular file here (a symlink to one is fine); reading a pipe or a device \
                 could block or never end"
                    .to_owned()
            }
            ReadError::TooLarge { limit, variable } => format!(
                "split the file, or raise the limit: {variable}={} (MiB)",
                (limit / MIB) * 4
            ),
            ReadError::NotUtf8 { .. } => {
                "save the file as UTF-8 text (is it a binary file, or in another encoding?)"
                    .to_owned()
            }
            ReadError::BadLimit { variable, .. } => {
                format!("set {variable} to a whole number of MiB, e.g. {variable}=64, or unset it")
            }
        }
    }

    /// `path`, with `:line:col` when the error points inside the file: where to look.
    pub fn location(&self, path: &Path) -> String {
        match self.line_col() {
            Some((line, col)) => format!("{}:{line}:{col}", display_path(path)),
            None => display_path(path),
        }
    }

    /// [`ReadError::help`], except that an I/O error (a missing or unreadable file) gets
    /// `io_help`, the caller's advice on which file to name instead.
    pub fn help_or(&self, io_help: &str) -> String {
        match self {
            ReadError::Io(_) => io_help.to_owned(),
            _ => self.help(),
        }
    }

    /// The line and column the error points at inside the file, when it has one.
    pub fn line_col(&self) -> Option<(u32, u32)> {
        match self {
            ReadError::NotUtf8 { line, col } => Some((*line, *col)),
            _ => None,
        }
    }
}

/// A short reason for an I/O error, without the `(os error N)` noise.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// The contents of the regular file at `path`, at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    read_capped(path, limit.bytes()?, limit.variable())
}

/// [`read_bytes`] with the limit in bytes and the variable that raises it.
fn read_capped(path: &Path, max: u64, variable: &'static str) -> Result<Vec<u8>, ReadError> {
    let metadata = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotAFile {
            what: what_it_is(&metadata.file_type()),
        });
    }
    let too_large = || ReadError::TooLarge {
        limit: max,
        variable,
    };
    if metadata.len() > max {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte more than allowed tells a file that grew past the limit from one that fits.
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The contents of the regular file at `path` as UTF-8 text, at most `limit` bytes.
pub fn read_text(path: &Path, limit: Limit) -> Result<String, ReadError> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Everything before the invalid byte is UTF-8, so it can be counted in characters.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let col = before[line_start..].chars().count() + 1;
        ReadError::NotUtf8 {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    })
}

/// What a file that is not a regular file is, in words.
fn what_it_is(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        crate::testing::scratch_dir(&format!("user-file-{name}"))
    }

    #[test]
    fn a_directory_is_refused_naming_what_it_is() {
        let dir = scratch("dir");
        let e = read_text(&dir, Limit::File).unwrap_err();
        assert_eq!(e.to_string(), "it is a directory, not a regular file");
        assert!(e.help().contains("regular file"), "{}", e.help());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn endless_devices_are_refused_without_reading() {
        for device in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            let e = read_bytes(Path::new(device), Limit::File).unwrap_err();
            assert!(e.to_string().contains("character device"), "{device}: {e}");
        }
    }

    #[test]
    fn invalid_utf8_is_located_at_its_first_bad_byte() {
        let dir = scratch("utf8");
        let file = dir.join("a.yaml");
        std::fs::write(&file, b"name: x\ncases: \xc3\xa9\xff\n").expect("writable");
        let e = read_text(&file, Limit::File).unwrap_err();
        assert_eq!(e.line_col(), Some((2, 9)), "{e}");
        assert!(e.to_string().contains("line 2, column 9"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_over_its_limit_is_refused_naming_the_variable() {
        let dir = scratch("large");
        let file = dir.join("a.yaml");
        std::fs::write(&file, vec![b'#'; 3 * MIB as usize]).expect("writable");
        let e = read_capped(&file, 2 * MIB, "ION_MAX_FILE_MB").unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is larger than 2 MiB, the limit for this kind of file"
        );
        assert!(e.help().contains("ION_MAX_FILE_MB=8"), "{}", e.help());
        assert!(read_capped(&file, 3 * MIB, "ION_MAX_FILE_MB").is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_says_so() {
        let e = read_text(Path::new("no/such/file.yaml"), Limit::File).unwrap_err();
        assert_eq!(e.to_string(), "no such file");
    }

    #[test]
    fn text_within_the_limit_is_read() {
        let dir = scratch("ok");
        let file = dir.join("a.graphql");
        std::fs::write(&file, "type Query { a: Int }\n").expect("writable");
        assert_eq!(
            read_text(&file, Limit::Schema).expect("reads"),
            "type Query { a: Int }\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
