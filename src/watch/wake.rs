//! inotify (through `notify`) on the top of the inbox: a change there wakes the watcher.
//! Only a hint: the watcher also rescans on a timer, so lost or coalesced events (a full
//! kernel queue, a network file system that sends none) only delay a file.

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};
use std::path::Path;

pub struct Wake {
    _watcher: notify::RecommendedWatcher,
}

impl Wake {
    /// Calls `wake` on every change in `dir`; `None` (with a warning) when the kernel will not
    /// watch it, and the timer alone drives the watcher.
    pub fn start(dir: &Path, wake: impl Fn() + Send + 'static) -> Option<Wake> {
        let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            if event.as_ref().map_or(true, is_change) {
                wake();
            }
        });
        let result =
            watcher.and_then(|mut w| w.watch(dir, RecursiveMode::NonRecursive).map(|()| w));
        match result {
            Ok(watcher) => Some(Wake { _watcher: watcher }),
            Err(err) => {
                tracing::warn!(%err, folder = %dir.display(), "no inotify on the inbox; rescanning on the timer only");
                None
            }
        }
    }
}

/// Whether `event` can mean a new or different file. Opening or reading one is not: the scan
/// itself lists the folder and reads sidecars, and waking on that would rescan without end.
/// A file closed after writing is: that is when a copy into the inbox is whole.
fn is_change(event: &Event) -> bool {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}
