//! Writes a planned timeline as an OpenTimelineIO file, with what Discoverer says about its
//! media: the frame rate each video clip is timed at and the length of every file.

use super::cache::write_atomic;
use super::probe;
use crate::plan::otio::{self, MediaFacts};
use crate::plan::timeline::Timeline;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Writes `timeline`'s `.otio` document at `fps` to `path`, atomically.
pub fn write(timeline: &Timeline, fps: f64, path: &Path) -> std::io::Result<()> {
    // A file can be on the timeline many times (every cue of one voice clip); probe it once.
    let seen: RefCell<HashMap<PathBuf, Option<MediaFacts>>> = RefCell::default();
    let facts = |file: &Path| {
        *seen
            .borrow_mut()
            .entry(file.to_path_buf())
            .or_insert_with(|| media_facts(file))
    };
    let document = otio::document(timeline, fps, &facts);
    write_atomic(path, otio::to_string(&document).as_bytes())
}

fn media_facts(file: &Path) -> Option<MediaFacts> {
    let info = probe::probe(file).ok()?;
    let frame_rate = info
        .video
        .as_ref()
        .filter(|v| !v.is_image && v.fps > 0.0)
        .map(|v| v.fps);
    let duration = (info.duration > 0.0).then_some(info.duration);
    Some(MediaFacts {
        frame_rate,
        duration,
    })
}
