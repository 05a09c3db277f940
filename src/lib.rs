//! reel: scripts and footage in, finished videos out, on GStreamer.
//!
//! The flow is `script` (text → [`project::Project`]) → `plan` (project + speech →
//! [`plan::timeline::Timeline`], also readable as an edit spec) → `render` (timeline × export
//! profile → GStreamer graph → verified files).

pub mod bus;
pub mod consent;
pub mod daemon;
pub mod footage;
pub mod jobs;
pub mod lipsync;
pub mod models;
pub mod plan;
pub mod project;
pub mod render;
pub mod script;
pub mod store;
pub mod tui;
pub mod watch;
