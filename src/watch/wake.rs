//! inotify (through `notify`) on the top of the inbox: any change there wakes the watcher.
//! Only a hint: the watcher also rescans on a timer, so lost or coalesced events (a full
//! kernel queue, a network file system that sends none) only delay a file.

use notify::{RecursiveMode, Watcher};
use std::path::Path;

pub struct Wake {
    _watcher: notify::RecommendedWatcher,
}

impl Wake {
    /// Calls `wake` on every event in `dir`; `None` (with a warning) when the kernel will not
    /// watch it, and the timer alone drives the watcher.
    pub fn start(dir: &Path, wake: impl Fn() + Send + 'static) -> Option<Wake> {
        let watcher =
            notify::recommended_watcher(move |_event: notify::Result<notify::Event>| wake());
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
