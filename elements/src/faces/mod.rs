//! `reelfaces`: faces in video, with BlazeFace (MediaPipe's back-camera detector) in ONNX.
//!
//! The element passes `RGB` video through untouched and runs the model on every frame it sees
//! (put a `videorate` before it to look at fewer), posting one element message per frame:
//!
//! * `reelfaces` with `time` (f64 seconds, the frame's timestamp) and `faces`, an array of
//!   `face` structures, best first: `x`, `y` (the box's centre), `width`, `height` (all
//!   fractions of the frame, 0..1 from the top left) and `score` (0..1);
//! * at EOS, before the EOS goes on: `reelfaces-done` with `frames` (u64, frames looked at) and
//!   `with-faces` (u64, frames where a face was found).
//!
//! Properties: `threshold` (the score a face needs, 0.75 by default) and `model-dir`, a folder
//! holding `model.onnx`, or `model`, the `.onnx` file itself (set one of them); the model loads
//! when the element starts, which fails naming the file if it cannot.
//!
//! ```text
//! gst-launch-1.0 -m filesrc location=talk.mp4 ! decodebin ! videoconvert ! videoscale ! \
//!     video/x-raw,format=RGB,width=320,height=180 ! \
//!     reelfaces model-dir=/usr/share/reel/models/blazeface ! fakesink
//! ```
//!
//! Without GStreamer, [`BlazeFace::detect`] finds the faces in one RGB picture, and
//! [`FaceMesh::landmarks`] the 468 landmarks of one of them.

use crate::onnx::OnnxError;
use gst::glib;
use gst::prelude::*;

pub mod blazeface;
mod imp;
pub mod mesh;

pub use blazeface::{BlazeFace, Face, DEFAULT_THRESHOLD, MODEL_FILE};
pub use mesh::{FaceMesh, Landmarks};

/// What went wrong loading or running the face model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FacesError {
    #[error(transparent)]
    Onnx(#[from] OnnxError),
    #[error("the face model gave unusable output: {0}")]
    Output(String),
    #[error("not a picture: {0}")]
    Picture(String),
}

glib::wrapper! {
    /// The `reelfaces` element.
    pub struct Faces(ObjectSubclass<imp::Faces>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reelfaces` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelfaces",
        gst::Rank::NONE,
        Faces::static_type(),
    )
}
