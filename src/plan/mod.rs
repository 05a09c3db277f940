//! From a project (or an edit spec) to the [`timeline::Timeline`] the renderer consumes.

pub mod captions;
pub mod cuts;
pub mod from_footage;
pub mod from_project;
pub mod otio;
pub mod reframe;
pub mod spec;
pub mod timeline;
