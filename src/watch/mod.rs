//! The inbox: a folder people drop scripts, briefs and edit specs into. Each file is taken
//! once its size and mtime hold still, moved to `processing/`, rendered, and then moved with
//! its outputs to `outbox/<name>/`, or to `failed/` with `<name>.error.txt` saying why.
//!
//! Exactly once: before a file is touched, the ledger (sled, in `<inbox>/.reel/`) records it
//! by name and content hash, and every later step is recorded before the next one starts, so
//! a restart at any moment picks up each file where it was ([`intake`]). The same machinery
//! runs inside the daemon ([`service`], files become jobs) and in the foreground with no
//! daemon ([`foreground`], `reel watch DIR`).

pub mod foreground;
pub mod intake;
pub mod layout;
pub mod ledger;
pub mod options;
pub mod scan;
pub mod service;
mod wake;

use std::path::PathBuf;
use std::time::Duration;

/// How a watched folder behaves (daemon config keys `inbox*`; defaults for `reel watch`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub folder: PathBuf,
    /// A full rescan this often, for events the kernel dropped or never sent.
    pub rescan: Duration,
    /// A file is taken once its size and mtime have not changed for this long.
    pub settle: Duration,
    /// Larger scripts and specs are refused (they are small; this stops a stray disk image
    /// from being parsed).
    pub max_bytes: u64,
    /// Larger footage (files with a video extension) is refused.
    pub max_footage_bytes: u64,
    /// What a file with the same content as one already taken gets.
    pub duplicates: Duplicates,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Moved to `failed/`, naming the file it repeats; nothing is rendered.
    Report,
    /// Rendered again like any other file.
    Render,
}

impl Duplicates {
    pub fn parse(text: &str) -> Option<Duplicates> {
        match text {
            "report" => Some(Duplicates::Report),
            "render" => Some(Duplicates::Render),
            _ => None,
        }
    }
}

impl Settings {
    pub const DEFAULT_RESCAN: Duration = Duration::from_secs(10);
    pub const DEFAULT_SETTLE: Duration = Duration::from_secs(2);
    pub const DEFAULT_MAX_BYTES: u64 = 16 << 20;
    pub const DEFAULT_MAX_FOOTAGE_BYTES: u64 = 8 << 30;

    /// The largest file named `name` the inbox takes, and the setting that says so.
    pub fn limit_for(&self, name: &[u8]) -> (u64, &'static str) {
        let footage = std::str::from_utf8(name).is_ok_and(crate::footage::is_footage_name);
        if footage {
            (self.max_footage_bytes, "inbox_max_footage_bytes")
        } else {
            (self.max_bytes, "inbox_max_bytes")
        }
    }

    pub fn new(folder: PathBuf) -> Settings {
        Settings {
            folder,
            rescan: Self::DEFAULT_RESCAN,
            settle: Self::DEFAULT_SETTLE,
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_footage_bytes: Self::DEFAULT_MAX_FOOTAGE_BYTES,
            duplicates: Duplicates::Report,
        }
    }
}

/// How many files the folder has seen, and where they are now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub seen: u32,
    pub processing: u32,
    pub done: u32,
    pub failed: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("inbox {path}: {message}")]
    Folder { path: PathBuf, message: String },
    #[error("inbox ledger at {path}: {message}")]
    Ledger { path: PathBuf, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footage_has_its_own_size_limit() {
        let settings = Settings::new(PathBuf::from("inbox"));
        assert_eq!(
            settings.limit_for(b"talk.MP4"),
            (
                Settings::DEFAULT_MAX_FOOTAGE_BYTES,
                "inbox_max_footage_bytes"
            )
        );
        assert_eq!(
            settings.limit_for(b"script.txt"),
            (Settings::DEFAULT_MAX_BYTES, "inbox_max_bytes")
        );
    }
}
