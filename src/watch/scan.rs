//! One look at the top of the inbox: which entries are files that have held still long enough
//! to take, which must be refused without being opened, and when to look again for the ones
//! still being written.

use super::layout::Layout;
use super::{Settings, WatchError};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A regular file whose contents and metadata have not changed for the settle time.
    Ready { name: Vec<u8> },
    /// Something reel must not read: moved to `failed/` with this reason, never opened.
    Refuse { name: Vec<u8>, reason: String },
}

#[derive(Debug, Default)]
pub struct Scan {
    pub found: Vec<Found>,
    /// Files are still changing: look again after this long.
    pub recheck_in: Option<Duration>,
}

/// When a file last changed: the later of its mtime and ctime. ctime moves on every write
/// and on every `touch`/`utime`, so a copy that sets an old mtime at the end still counts
/// as just changed.
pub fn last_change(meta: &std::fs::Metadata) -> SystemTime {
    let ctime = SystemTime::UNIX_EPOCH
        + Duration::new(
            meta.ctime().max(0) as u64,
            meta.ctime_nsec().clamp(0, 999_999_999) as u32,
        );
    meta.modified().map_or(ctime, |m| m.max(ctime))
}

pub fn scan(layout: &Layout, settings: &Settings) -> Result<Scan, WatchError> {
    let entries = std::fs::read_dir(&layout.root).map_err(|e| WatchError::Folder {
        path: layout.root.clone(),
        message: e.to_string(),
    })?;
    let now = SystemTime::now();
    let mut scan = Scan::default();
    for entry in entries.flatten() {
        let name = entry.file_name().as_bytes().to_vec();
        if !Layout::is_input_name(&name) {
            continue;
        }
        // lstat: a link is judged as a link, never by what it points to.
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue; // gone since the listing
        };
        let kind = meta.file_type();
        let refuse = |reason: String| Found::Refuse {
            name: name.clone(),
            reason,
        };
        let found = if kind.is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            refuse(format!(
                "a symbolic link (to {target}): links are not followed"
            ))
        } else if kind.is_dir() {
            refuse("a folder: drop files, not folders".into())
        } else if kind.is_fifo() {
            refuse("a FIFO: only regular files are read".into())
        } else if kind.is_socket() {
            refuse("a socket: only regular files are read".into())
        } else if kind.is_block_device() || kind.is_char_device() {
            refuse("a device: only regular files are read".into())
        } else if std::str::from_utf8(&name).is_err() {
            refuse("its name is not valid UTF-8".into())
        } else {
            let quiet_for = now.duration_since(last_change(&meta)).unwrap_or_default();
            if quiet_for < settings.settle {
                let wait = settings.settle - quiet_for;
                scan.recheck_in = Some(scan.recheck_in.map_or(wait, |w| w.min(wait)));
                continue;
            }
            let (limit, setting) = settings.limit_for(&name);
            if meta.len() > limit {
                refuse(format!(
                    "{} bytes, over the inbox limit of {limit} ({setting})",
                    meta.len()
                ))
            } else {
                Found::Ready { name }
            }
        };
        scan.found.push(found);
    }
    scan.found.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    if let Some(wait) = &mut scan.recheck_in {
        // A little past the settle time, so the file is quiet when we look.
        *wait += Duration::from_millis(50);
    }
    Ok(scan)
}

fn name_of(found: &Found) -> &[u8] {
    match found {
        Found::Ready { name } | Found::Refuse { name, .. } => name,
    }
}
