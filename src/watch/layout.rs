//! Where things are in a watched folder. Files arrive at the top; the watcher's own folders
//! sit beside them and are never scanned as input.

use super::WatchError;
use std::path::{Path, PathBuf};

pub const PROCESSING: &str = "processing";
pub const OUTBOX: &str = "outbox";
pub const FAILED: &str = "failed";
/// The ledger and other bookkeeping.
pub const PRIVATE: &str = ".reel";
/// Options for every file in the folder.
pub const FOLDER_OPTIONS: &str = "inbox.toml";
/// `<file>` + this holds options for that one file, and travels with it.
pub const SIDECAR_SUFFIX: &str = ".reel.toml";

#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    /// The folder, made absolute (jobs need absolute paths) and created with its subfolders.
    pub fn create(root: &Path) -> Result<Layout, WatchError> {
        let root = std::path::absolute(root).map_err(|e| WatchError::Folder {
            path: root.to_path_buf(),
            message: e.to_string(),
        })?;
        let layout = Layout { root };
        for dir in [
            layout.root.clone(),
            layout.processing_dir(),
            layout.outbox_dir(),
            layout.failed_dir(),
            layout.private_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(|e| WatchError::Folder {
                path: dir.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(layout)
    }

    pub fn processing_dir(&self) -> PathBuf {
        self.root.join(PROCESSING)
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.root.join(OUTBOX)
    }

    pub fn failed_dir(&self) -> PathBuf {
        self.root.join(FAILED)
    }

    pub fn private_dir(&self) -> PathBuf {
        self.root.join(PRIVATE)
    }

    pub fn processing(&self, dest: &str) -> PathBuf {
        self.processing_dir().join(dest)
    }

    /// The finished folder of a file: its outputs and the file itself.
    pub fn done(&self, dest: &str) -> PathBuf {
        self.outbox_dir().join(dest)
    }

    /// Where outputs are written while a file renders; renamed to [`Layout::done`] at the end,
    /// so `outbox/` only ever holds whole results.
    pub fn partial(&self, dest: &str) -> PathBuf {
        self.outbox_dir().join(format!(".{dest}.partial"))
    }

    pub fn failed(&self, dest: &str) -> PathBuf {
        self.failed_dir().join(dest)
    }

    pub fn error_file(&self, dest: &str) -> PathBuf {
        self.failed_dir().join(format!("{dest}.error.txt"))
    }

    /// Names at the top that are not input: the watcher's folders, hidden files (editors and
    /// copy tools write to those first), the folder's options and sidecars.
    pub fn is_input_name(name: &[u8]) -> bool {
        let reserved = [PROCESSING, OUTBOX, FAILED, FOLDER_OPTIONS];
        !(name.starts_with(b".")
            || reserved.iter().any(|r| r.as_bytes() == name)
            || name.ends_with(SIDECAR_SUFFIX.as_bytes()))
    }

    /// A name under which `wanted` can finish without meeting an earlier file of that name:
    /// `wanted`, else `stem-2.ext`, `stem-3.ext`, ...; `taken` says whether a name is in use.
    pub fn free_name(wanted: &str, taken: impl Fn(&str) -> bool) -> String {
        if !taken(wanted) {
            return wanted.to_string();
        }
        let (stem, ext) = match wanted.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
            _ => (wanted, String::new()),
        };
        (2..)
            .map(|n| format!("{stem}-{n}{ext}"))
            .find(|name| !taken(name))
            .unwrap_or_else(|| wanted.to_string())
    }

    /// The name a file's results go under: its own when that is UTF-8 and safe, otherwise
    /// with every byte that is not replaced by `_`.
    pub fn display_name(name: &[u8]) -> String {
        match std::str::from_utf8(name) {
            Ok(text) => text.to_string(),
            Err(_) => String::from_utf8_lossy(name).replace('\u{FFFD}', "_"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_input_are_skipped() {
        for name in [
            "processing",
            "outbox",
            "failed",
            ".reel",
            ".x.part",
            "inbox.toml",
        ] {
            assert!(!Layout::is_input_name(name.as_bytes()), "{name}");
        }
        assert!(!Layout::is_input_name(b"a.txt.reel.toml"));
        assert!(Layout::is_input_name(b"a.txt"));
        assert!(Layout::is_input_name(b"\xffbad.txt"));
    }

    #[test]
    fn a_taken_name_gets_a_number() {
        let taken = ["a.txt", "a-2.txt"];
        assert_eq!(
            Layout::free_name("a.txt", |n| taken.contains(&n)),
            "a-3.txt"
        );
        assert_eq!(Layout::free_name("b.txt", |n| taken.contains(&n)), "b.txt");
        assert_eq!(
            Layout::free_name("Makefile", |n| n == "Makefile"),
            "Makefile-2"
        );
        assert_eq!(Layout::display_name(b"\xffbad.txt"), "_bad.txt");
    }
}
