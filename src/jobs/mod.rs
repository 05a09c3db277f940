//! Jobs: the work of turning one input into files, in stages that survive restarts.
//!
//! [`Engine`] queues and runs them; [`runner`] does one job's stages, skipping those an earlier
//! run finished; [`submit`] checks what callers send before anything is stored.

pub mod artifacts;
mod engine;
pub mod model;
pub mod queue;
pub mod quota;
pub mod runner;
pub mod submit;

pub use engine::{Counts, Engine, EngineError, Event};
use std::path::PathBuf;
use std::time::Duration;

/// What the engine may be told to change while it runs (the daemon's config).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Jobs run at once.
    pub workers: usize,
    /// A stage that reports no progress for this long fails.
    pub stall_timeout: Duration,
    /// Where outputs go when a job names no folder: `<outbox>/<job id>/`.
    pub outbox: PathBuf,
    /// Profiles for jobs that name none.
    pub profiles: Vec<String>,
    /// Finished jobs older than this are forgotten (their files stay); `None` keeps them.
    pub forget_after: Option<Duration>,
    /// Segments of one render encoded at once; 0 lets the renderer choose (one per two cores).
    pub segment_workers: usize,
    /// What one user may queue and keep, and how long a video may be.
    pub quota: quota::Quota,
}

impl Settings {
    /// One job per two cores: x264 already uses every core, and a second job overlaps
    /// speech and mixing (single-threaded) with the other's encode.
    pub fn default_workers() -> usize {
        std::thread::available_parallelism()
            .map(|n| (n.get() / 2).max(1))
            .unwrap_or(1)
    }
}
