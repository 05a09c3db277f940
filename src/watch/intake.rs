//! The exactly-once steps of a file's way through the inbox. Each step is written to the
//! ledger before it is made, and each can be made again harmlessly, so after a crash
//! [`Inbox::recover`] finishes whatever step was under way:
//!
//! ```text
//! top ──(ledger: claimed)──► processing/<dest> ──(ledger: processing)──► render
//!   render done:   outbox/.<dest>.partial → outbox/<dest>/, file beside it  (ledger: done)
//!   render failed: failed/<dest> + failed/<dest>.error.txt                  (ledger: failed)
//! refused (link, FIFO, empty, duplicate, ...): straight to failed/ with the reason
//! ```

use super::layout::{Layout, FOLDER_OPTIONS, SIDECAR_SUFFIX};
use super::ledger::{Entry, Ledger, Step};
use super::options::FileOptions;
use super::scan::{last_change, Found};
use super::{Counts, Duplicates, Settings, WatchError};
use crate::jobs::model::{now_ms, JobOptions};
use crate::store::Id;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A cheap handle (the ledger is shared), so drivers can move it onto blocking threads.
#[derive(Clone)]
pub struct Inbox {
    pub layout: Layout,
    pub ledger: Ledger,
    pub settings: Settings,
}

/// What taking a file came to.
#[derive(Debug)]
pub enum Taken {
    /// In `processing/`, to be rendered with these options.
    Render {
        entry: Entry,
        options: Box<JobOptions>,
    },
    /// Moved to `failed/` with its reason.
    Refused(Entry),
    /// It changed while being read: look again later.
    NotYet,
}

fn io_error(path: &Path, err: std::io::Error) -> WatchError {
    WatchError::Folder {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

/// Renames `from` to `to` unless that was done already (a step made again after a crash).
fn move_once(from: &Path, to: &Path) -> Result<(), WatchError> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && to.symlink_metadata().is_ok() => {
            Ok(())
        }
        Err(e) => Err(io_error(from, e)),
    }
}

fn sidecar_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(SIDECAR_SUFFIX);
    path.with_file_name(name)
}

impl Inbox {
    pub fn open(settings: Settings) -> Result<Inbox, WatchError> {
        let layout = Layout::create(&settings.folder)?;
        let ledger = Ledger::open(&layout.private_dir())?;
        Ok(Inbox {
            layout,
            ledger,
            settings,
        })
    }

    pub fn counts(&self) -> Result<Counts, WatchError> {
        self.ledger.counts()
    }

    fn top(&self, name: &[u8]) -> PathBuf {
        self.layout.root.join(OsStr::from_bytes(name))
    }

    /// Whether `dest` is free in every folder a file can end in.
    fn name_taken(&self, dest: &str) -> bool {
        [
            self.layout.processing(dest),
            self.layout.done(dest),
            self.layout.partial(dest),
            self.layout.failed(dest),
            self.layout.error_file(dest),
        ]
        .iter()
        .any(|p| p.symlink_metadata().is_ok())
    }

    fn new_entry(&self, name: &[u8], sha256: Option<String>, reason: Option<String>) -> Entry {
        let top = self.top(name);
        Entry {
            id: Id::new(),
            name: name.to_vec(),
            dest: Layout::free_name(&Layout::display_name(name), |n| self.name_taken(n)),
            sha256,
            step: Step::Claimed,
            reason,
            job: None,
            sidecar: sidecar_of(&top).is_file(),
            finished_ms: None,
        }
    }

    /// Takes what one scan found: a refusal goes to `failed/`; a ready file is read, hashed,
    /// recorded and moved to `processing/`.
    pub fn take(&self, found: Found) -> Result<Taken, WatchError> {
        let name = match found {
            Found::Refuse { name, reason } => {
                return self
                    .refuse(self.new_entry(&name, None, Some(reason)))
                    .map(Taken::Refused)
            }
            Found::Ready { name } => name,
        };
        let path = self.top(&name);
        let sha256 = match self.read(&name, &path) {
            ReadOutcome::Hashed(sha256) => sha256,
            ReadOutcome::Changed => return Ok(Taken::NotYet),
            ReadOutcome::Refuse(reason) => {
                return self
                    .refuse(self.new_entry(&name, None, Some(reason)))
                    .map(Taken::Refused)
            }
        };
        if self.settings.duplicates == Duplicates::Report {
            if let Some(first) = self.ledger.with_hash(&sha256)? {
                let reason = match first.step {
                    Step::Done => format!(
                        "the same content as {}, already rendered to outbox/{}/",
                        first.display_name(),
                        first.dest
                    ),
                    _ => format!(
                        "the same content as {}, which is being rendered",
                        first.display_name()
                    ),
                };
                let entry = self.new_entry(&name, Some(sha256), Some(reason));
                return self.refuse(entry).map(Taken::Refused);
            }
        }
        let mut entry = self.new_entry(&name, Some(sha256), None);
        self.ledger.put_with_hash(&entry)?;
        self.claim(&mut entry)?;
        self.render_or_fail(entry)
    }

    /// Moves a claimed file (and its sidecar) from the top to `processing/`.
    fn claim(&self, entry: &mut Entry) -> Result<(), WatchError> {
        let top = self.top(&entry.name);
        let processing = self.layout.processing(&entry.dest);
        move_once(&top, &processing)?;
        if entry.sidecar {
            move_once(&sidecar_of(&top), &sidecar_of(&processing))?;
        }
        entry.step = Step::Processing;
        self.ledger.put(entry)
    }

    /// The options for a file in `processing/`, or it fails with the options file's error.
    fn render_or_fail(&self, entry: Entry) -> Result<Taken, WatchError> {
        match self.options(&entry) {
            Ok(options) => Ok(Taken::Render {
                entry,
                options: Box::new(options),
            }),
            Err(reason) => self.fail(entry, &reason).map(Taken::Refused),
        }
    }

    /// `inbox.toml`, overlaid by the file's sidecar.
    pub fn options(&self, entry: &Entry) -> Result<JobOptions, String> {
        let folder = FileOptions::read(&self.layout.root.join(FOLDER_OPTIONS))?.unwrap_or_default();
        let own = if entry.sidecar {
            FileOptions::read(&sidecar_of(&self.layout.processing(&entry.dest)))?
        } else {
            None
        };
        let file = folder.overlay(own.unwrap_or_default());
        let mut options = file.job_options();
        if crate::footage::is_footage_name(&entry.dest) {
            options.footage = Some(file.footage_options(&self.layout.root));
        }
        options.output_dir = Some(self.layout.partial(&entry.dest));
        options.source = Some(entry.display_name());
        Ok(options)
    }

    /// Reads and hashes a file (in pieces: footage can be gigabytes) without following links
    /// or blocking on FIFOs, checking that what was read is what the scan saw and that it did
    /// not change meanwhile.
    fn read(&self, name: &[u8], path: &Path) -> ReadOutcome {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path);
        let mut file = match file {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return ReadOutcome::Refuse("cannot be read: permission denied".into())
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return ReadOutcome::Refuse("a symbolic link: links are not followed".into())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ReadOutcome::Changed,
            Err(e) => return ReadOutcome::Refuse(format!("cannot be read: {e}")),
        };
        let Ok(before) = file.metadata() else {
            return ReadOutcome::Changed;
        };
        if !before.is_file() {
            return ReadOutcome::Refuse("not a regular file".into());
        }
        let (limit, setting) = self.settings.limit_for(name);
        if before.len() > limit {
            return ReadOutcome::Refuse(format!(
                "{} bytes, over the inbox limit of {limit} ({setting})",
                before.len()
            ));
        }
        let (sha256, read) =
            match crate::render::cache::sha256_read(&mut (&mut file).take(limit + 1)) {
                Ok(hashed) => hashed,
                Err(e) => return ReadOutcome::Refuse(format!("cannot be read: {e}")),
            };
        let after = file.metadata().ok();
        let still = after.is_some_and(|a| {
            a.len() == before.len() && a.len() == read && last_change(&a) == last_change(&before)
        });
        let same_file = std::fs::symlink_metadata(path)
            .is_ok_and(|m| m.ino() == before.ino() && m.dev() == before.dev());
        if !still || !same_file {
            return ReadOutcome::Changed;
        }
        if read == 0 {
            return ReadOutcome::Refuse("an empty file".into());
        }
        ReadOutcome::Hashed(sha256)
    }

    /// Sends a file that was never rendered to `failed/` with its reason.
    fn refuse(&self, mut entry: Entry) -> Result<Entry, WatchError> {
        self.ledger.put(&entry)?;
        let reason = entry.reason.clone().unwrap_or_default();
        self.write_error(&entry.dest, &reason)?;
        let top = self.top(&entry.name);
        move_once(&top, &self.layout.failed(&entry.dest))?;
        if entry.sidecar {
            move_once(
                &sidecar_of(&top),
                &sidecar_of(&self.layout.failed(&entry.dest)),
            )?;
        }
        entry.step = Step::Failed;
        entry.finished_ms = Some(now_ms());
        self.ledger.put(&entry)?;
        tracing::info!(file = %entry.display_name(), %reason, "inbox: refused");
        Ok(entry)
    }

    fn write_error(&self, dest: &str, reason: &str) -> Result<(), WatchError> {
        let path = self.layout.error_file(dest);
        crate::render::cache::write_atomic(&path, format!("{reason}\n").as_bytes())
            .map_err(|e| io_error(&path, e))
    }

    /// Records the daemon job that renders `entry`.
    pub fn set_job(&self, entry: &mut Entry, job: Id) -> Result<(), WatchError> {
        entry.job = Some(job);
        self.ledger.put(entry)
    }

    /// A render that ended well: its outputs become `outbox/<dest>/`, the file moves in
    /// beside them.
    pub fn done(&self, mut entry: Entry) -> Result<Entry, WatchError> {
        let (partial, done) = (
            self.layout.partial(&entry.dest),
            self.layout.done(&entry.dest),
        );
        if partial.is_dir() {
            move_once(&partial, &done)?;
        }
        std::fs::create_dir_all(&done).map_err(|e| io_error(&done, e))?;
        let processing = self.layout.processing(&entry.dest);
        move_once(&processing, &done.join(&entry.dest))?;
        if entry.sidecar {
            move_once(
                &sidecar_of(&processing),
                &sidecar_of(&done.join(&entry.dest)),
            )?;
        }
        entry.step = Step::Done;
        entry.finished_ms = Some(now_ms());
        self.ledger.put(&entry)?;
        tracing::info!(file = %entry.display_name(), outbox = %done.display(), "inbox: done");
        Ok(entry)
    }

    /// A render that failed: the file and `<dest>.error.txt` go to `failed/`, and whatever it
    /// wrote is removed.
    pub fn fail(&self, mut entry: Entry, reason: &str) -> Result<Entry, WatchError> {
        // Errors name the file where it was read, in processing/; people know it by its name.
        let inside = format!("{}/", self.layout.processing_dir().display());
        let reason = reason
            .lines()
            .next()
            .unwrap_or("failed")
            .replace(&inside, "");
        entry.reason = Some(reason.clone());
        self.ledger.put(&entry)?;
        self.write_error(&entry.dest, &reason)?;
        let processing = self.layout.processing(&entry.dest);
        let failed = self.layout.failed(&entry.dest);
        move_once(&processing, &failed)?;
        if entry.sidecar {
            move_once(&sidecar_of(&processing), &sidecar_of(&failed))?;
        }
        let _ = std::fs::remove_dir_all(self.layout.partial(&entry.dest));
        self.ledger.release_hash(&entry)?;
        entry.step = Step::Failed;
        entry.finished_ms = Some(now_ms());
        self.ledger.put(&entry)?;
        tracing::info!(file = %entry.display_name(), %reason, "inbox: failed");
        Ok(entry)
    }

    /// Finishes the step each unfinished file was in when the last run stopped. Returns the
    /// files in `processing/` still to be rendered (or whose job is still running), with
    /// their options.
    pub fn recover(&self) -> Result<Vec<Taken>, WatchError> {
        let mut pending = Vec::new();
        for mut entry in self.ledger.entries()? {
            let processing = self.layout.processing(&entry.dest);
            match entry.step {
                Step::Done | Step::Failed => {}
                Step::Claimed if entry.reason.is_some() => {
                    self.refuse(entry)?;
                }
                Step::Claimed => {
                    if processing.exists() || self.top(&entry.name).symlink_metadata().is_ok() {
                        self.claim(&mut entry)?;
                        pending.push(self.render_or_fail(entry)?);
                    } else {
                        self.fail_gone(entry)?;
                    }
                }
                Step::Processing => {
                    if processing.exists() {
                        pending.push(self.render_or_fail(entry)?);
                    } else if self.layout.done(&entry.dest).join(&entry.dest).exists() {
                        entry.step = Step::Done;
                        entry.finished_ms = Some(now_ms());
                        self.ledger.put(&entry)?;
                    } else if entry.reason.is_some() {
                        let reason = entry.reason.clone().unwrap_or_default();
                        self.fail(entry, &reason)?;
                    } else {
                        self.fail_gone(entry)?;
                    }
                }
            }
        }
        Ok(pending)
    }

    /// Someone took the file away while it was ours: say so, move nothing.
    fn fail_gone(&self, mut entry: Entry) -> Result<(), WatchError> {
        let reason = "the file was removed from the inbox before it was rendered".to_string();
        self.write_error(&entry.dest, &reason)?;
        self.ledger.release_hash(&entry)?;
        entry.reason = Some(reason);
        entry.step = Step::Failed;
        entry.finished_ms = Some(now_ms());
        self.ledger.put(&entry)
    }
}

enum ReadOutcome {
    /// The file's SHA-256.
    Hashed(String),
    Changed,
    Refuse(String),
}
