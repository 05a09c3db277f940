//! The record of every file the inbox has taken, in sled under `<inbox>/.reel/ledger`, so the
//! watcher knows after any restart what it did with each file. sled's lock on the folder
//! also means only one watcher (daemon or `reel watch`) works a folder at a time.
//!
//! Trees: `entries` (entry id → [`EntryRecord`] JSON) and `by_hash` (sha256 hex → entry id of
//! the first file with that content that was or is being rendered), for duplicates.

use super::{Counts, WatchError};
use crate::store::Id;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Recorded; the file is still at the top of the inbox.
    Claimed,
    /// In `processing/`, being rendered.
    Processing,
    /// Its outputs and the file are in `outbox/<dest>/`.
    Done,
    /// It and its `.error.txt` are in `failed/`.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: Id,
    /// The file's name as dropped (bytes: it may not be UTF-8).
    pub name: Vec<u8>,
    /// Its name under `processing/`, `outbox/` and `failed/`.
    pub dest: String,
    /// Content hash, for files that were read.
    pub sha256: Option<String>,
    pub step: Step,
    /// Set when the file is refused or failed: the line written to `<dest>.error.txt`.
    pub reason: Option<String>,
    /// The daemon job rendering it.
    pub job: Option<Id>,
    /// A `<name>.reel.toml` travels with it.
    pub sidecar: bool,
    pub finished_ms: Option<u64>,
}

impl Entry {
    pub fn display_name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
enum EntryRecord {
    #[serde(rename = "1")]
    V1(Entry),
}

#[derive(Clone)]
pub struct Ledger {
    db: sled::Db,
    path: PathBuf,
    entries: sled::Tree,
    by_hash: sled::Tree,
}

impl Ledger {
    /// Opens the ledger in `dir`; waits a few seconds for the lock a killed watcher leaves
    /// until the kernel has torn the process down.
    pub fn open(dir: &Path) -> Result<Ledger, WatchError> {
        let path = dir.join("ledger");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let db = loop {
            match sled::Config::new().path(&path).open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.to_string().contains("lock") =>
                {
                    if std::time::Instant::now() > deadline {
                        return Err(WatchError::Ledger {
                            path,
                            message: "another watcher (a reel daemon or `reel watch`) is using this folder".into(),
                        });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => {
                    return Err(WatchError::Ledger {
                        path,
                        message: e.to_string(),
                    })
                }
            }
        };
        let tree = |name: &str| {
            db.open_tree(name).map_err(|e| WatchError::Ledger {
                path: path.clone(),
                message: e.to_string(),
            })
        };
        Ok(Ledger {
            entries: tree("entries")?,
            by_hash: tree("by_hash")?,
            path: path.clone(),
            db,
        })
    }

    fn fail(&self, err: impl std::fmt::Display) -> WatchError {
        WatchError::Ledger {
            path: self.path.clone(),
            message: err.to_string(),
        }
    }

    /// Writes `entry` durably (and its hash, for a file that will be rendered) before the
    /// caller makes the step it records.
    pub fn put(&self, entry: &Entry) -> Result<(), WatchError> {
        let value =
            serde_json::to_vec(&EntryRecord::V1(entry.clone())).map_err(|e| self.fail(e))?;
        self.entries
            .insert(entry.id.key(), value)
            .map_err(|e| self.fail(e))?;
        self.db.flush().map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Records that `entry` is the file with its content, in the same flush as the entry.
    pub fn put_with_hash(&self, entry: &Entry) -> Result<(), WatchError> {
        if let Some(hash) = &entry.sha256 {
            self.by_hash
                .insert(hash.as_bytes(), &entry.id.key()[..])
                .map_err(|e| self.fail(e))?;
        }
        self.put(entry)
    }

    pub fn get(&self, id: Id) -> Result<Option<Entry>, WatchError> {
        match self.entries.get(id.key()).map_err(|e| self.fail(e))? {
            Some(bytes) => Ok(Some(self.decode(&bytes)?)),
            None => Ok(None),
        }
    }

    fn decode(&self, bytes: &[u8]) -> Result<Entry, WatchError> {
        let EntryRecord::V1(entry) = serde_json::from_slice(bytes).map_err(|e| self.fail(e))?;
        Ok(entry)
    }

    /// The file first taken with this content, if any.
    pub fn with_hash(&self, sha256: &str) -> Result<Option<Entry>, WatchError> {
        let Some(key) = self
            .by_hash
            .get(sha256.as_bytes())
            .map_err(|e| self.fail(e))?
        else {
            return Ok(None);
        };
        let Some(id) = Id::from_key(&key) else {
            return Ok(None);
        };
        self.get(id)
    }

    /// Forgets that a failed file had this content, so the same content dropped again after
    /// a fix is tried again rather than called a duplicate of a failure.
    pub fn release_hash(&self, entry: &Entry) -> Result<(), WatchError> {
        if let Some(hash) = &entry.sha256 {
            let ours = self
                .by_hash
                .get(hash.as_bytes())
                .map_err(|e| self.fail(e))?;
            if ours.as_deref() == Some(&entry.id.key()[..]) {
                self.by_hash
                    .remove(hash.as_bytes())
                    .map_err(|e| self.fail(e))?;
            }
        }
        Ok(())
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>, WatchError> {
        self.entries
            .iter()
            .values()
            .map(|v| self.decode(&v.map_err(|e| self.fail(e))?))
            .collect()
    }

    pub fn counts(&self) -> Result<Counts, WatchError> {
        let mut counts = Counts::default();
        for entry in self.entries()? {
            counts.seen += 1;
            match entry.step {
                Step::Claimed | Step::Processing => counts.processing += 1,
                Step::Done => counts.done += 1,
                Step::Failed => counts.failed += 1,
            }
        }
        Ok(counts)
    }
}
