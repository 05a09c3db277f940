//! `reellipsync`: a talking face. It takes I420 video of a still portrait (a `reelkenburns`
//! shot of it with the camera at rest, which shows the portrait covering the frame, centred)
//! and animates the face in every frame: the mouth takes the shape its track gives for the
//! frame's timestamp (Rhubarb Lip Sync's A–H and X, blended over about a frame when the shape
//! changes), the eyes blink every few seconds, and the head sways a little, so the face is
//! never frozen. Only the head's box is redrawn; outside it frames pass untouched.
//!
//! * [`rig`]: the moving parts of the face, from Face Mesh's 468 landmarks;
//! * [`pose`]: the shape track, the blinks and the sway at a moment;
//! * [`warp`]: one frame drawn: lips, jaw and lids moved by displacement fields that vanish
//!   at their region's edge (no seams), the mouth's inside painted, sampled sub-pixel.
//!
//! Properties: `landmarks` (a JSON file: `width`, `height` of the portrait and `points`, its
//! 468 `[x, y]` landmarks in its pixels), `visemes` (a Rhubarb TSV file: `time<TAB>shape` a
//! line, times on the stream's timestamps), `seed` (which blinks and sway, u64) and `idle`
//! (how much the head sways: 0 still, 1 normal). A file that cannot be read fails the element
//! when it starts, naming it.
//!
//! ```text
//! gst-launch-1.0 filesrc location=ada.png ! pngdec ! videoconvert ! video/x-raw,format=I420 ! \
//!     reelkenburns duration=5000000000 ! video/x-raw,width=1080,height=1080 ! \
//!     reellipsync landmarks=ada.face.json visemes=ada.tsv ! videoconvert ! autovideosink
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
