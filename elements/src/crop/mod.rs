//! `reelcrop`: a window of I420 video, anywhere and of any size, scaled to the output size.
//!
//! `videocrop ! videoscale` does the same in whole pixels, but moving its window renegotiates
//! the stream and reallocates buffers on every change, which made a face-tracking crop cost
//! more than the scaling itself. Here the window is four plain properties in source pixels,
//! read for every frame (set them from a pad probe or animate them with GstController), and
//! each output pixel samples the source at its exact sub-pixel position with the same kernels
//! `reelkenburns` uses, so a slow pan glides instead of stepping. Changing the window costs
//! nothing.
//!
//! Properties: `left`, `top` (the window's corner) and `width`, `height` (its size), all f64
//! source pixels. A `width` or `height` of 0 means the largest window of the output's shape,
//! centred where `left`/`top` do not place it; a window reaching past the picture is moved back
//! onto it. The output size and pixel aspect ratio are downstream's choice; the frame rate and
//! timestamps pass through.
//!
//! ```text
//! gst-launch-1.0 filesrc location=talk.mp4 ! decodebin ! videoconvert ! \
//!     reelcrop left=600 width=608 height=1080 ! video/x-raw,width=1080,height=1920 ! \
//!     videoconvert ! autovideosink
//! ```

use gst::glib;
use gst::prelude::*;

mod imp;
pub mod window;

glib::wrapper! {
    /// The `reelcrop` element.
    pub struct Crop(ObjectSubclass<imp::Crop>) @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reelcrop` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelcrop",
        gst::Rank::NONE,
        Crop::static_type(),
    )
}
