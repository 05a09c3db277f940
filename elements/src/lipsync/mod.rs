//! `reellipsync`: a talking face. It takes I420 video of a still portrait (a `reelkenburns`
//! shot of it, whose camera it is told) and animates the face in every frame: the mouth takes
//! the shape its track gives for the frame's timestamp (Rhubarb Lip Sync's A–H and X, blended
//! over about a frame when the shape changes) and the eyes blink every few seconds. Only the
//! mouth's region (while it is not at rest) and the eyes' (while they blink) are redrawn;
//! everything else passes untouched, and a frame at rest costs nothing.
//!
//! * [`rig`]: the moving parts of the face, from Face Mesh's 468 landmarks;
//! * [`pose`]: the shape track and the blinks at a moment;
//! * [`warp`]: one frame drawn: lips, jaw and lids moved by displacement fields that vanish
//!   at their region's edge (no seams), the mouth's inside painted, sampled sub-pixel.
//!
//! Properties: `landmarks` (a JSON file: `width`, `height` of the portrait and `points`, its
//! 468 `[x, y]` landmarks in its pixels), `visemes` (a Rhubarb TSV file: `time<TAB>shape` a
//! line, with an optional third column scaling how far the mouth opens; times on the stream's
//! timestamps), the shot's camera as `reelkenburns` has it (`zoom-from`, `zoom-to`, `x`, `y`,
//! `duration`, `timestamp-offset`, linear; by default the portrait covers the frame, centred,
//! held) and `seed` (which blinks). A file that cannot be read fails the element when it
//! starts, naming it.
//!
//! ```text
//! gst-launch-1.0 filesrc location=ada.png ! pngdec ! videoconvert ! video/x-raw,format=I420 ! \
//!     reelkenburns duration=5000000000 ! video/x-raw,width=1080,height=1080 ! \
//!     reellipsync landmarks=ada.face.json visemes=ada.tsv duration=5000000000 ! \
//!     videoconvert ! autovideosink
//! ```

use gst::glib;
use gst::prelude::*;

mod imp;
pub mod pose;
pub mod rig;
pub mod warp;

glib::wrapper! {
    /// The `reellipsync` element.
    pub struct LipSync(ObjectSubclass<imp::LipSync>) @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reellipsync` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reellipsync",
        gst::Rank::NONE,
        LipSync::static_type(),
    )
}
