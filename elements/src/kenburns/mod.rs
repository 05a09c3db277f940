//! `reelkenburns`: a still image becomes a moving video shot.
//!
//! Takes one I420 frame (a decoded still) and pushes `duration` worth of frames at the size and
//! frame rate downstream asks for, with the camera moving from the `*-from` view to the `*-to`
//! view along `curve`. Every frame samples the still at sub-pixel positions, so slow zooms glide
//! instead of stepping a pixel at a time. `fit=contain-blur` shows the whole picture over a
//! blurred, darkened fill instead of cropping it (for putting 16:9 stills in a 9:16 frame).
//! `shift-x` is controllable: a transition can slide the sampled window while the pad that shows
//! it moves the other way, which holds the picture still under a wipe. `timestamp-offset` places
//! the shot on a timeline (its first frame's timestamp), so a compositor needs no pad offsets.
//! `skip` leaves out the frames of the shot's first nanoseconds, so a later part of a long shot
//! can be rendered on its own with the camera exactly where it is in the whole shot.
//!
//! ```text
//! gst-launch-1.0 filesrc location=photo.jpg ! decodebin ! videoconvert ! \
//!     reelkenburns duration=4000000000 zoom-from=1.0 zoom-to=1.15 ! \
//!     video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert ! autovideosink
//! ```

use gst::glib;
use gst::prelude::*;

pub mod camera;
mod imp;
pub mod resample;
mod resample_simd;
mod still;

glib::wrapper! {
    pub struct KenBurns(ObjectSubclass<imp::KenBurns>) @extends gst::Element, gst::Object;
}

/// How the camera's curve advances over the clip.
#[derive(Debug, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, Default, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstReelKenBurnsCurve")]
pub enum Curve {
    #[default]
    #[enum_value(name = "Linear: constant speed", nick = "linear")]
    Linear = 0,
    #[enum_value(
        name = "Ease in and out: starts and stops gently",
        nick = "ease-in-out"
    )]
    EaseInOut = 1,
}

/// How the still fills a frame of another aspect ratio.
#[derive(Debug, Eq, PartialEq, Ord, PartialOrd, Hash, Clone, Copy, Default, glib::Enum)]
#[repr(u32)]
#[enum_type(name = "GstReelKenBurnsFit")]
pub enum Fit {
    #[default]
    #[enum_value(name = "Cover: crop to fill the frame", nick = "cover")]
    Cover = 0,
    #[enum_value(
        name = "Contain over a blurred fill: show the whole picture",
        nick = "contain-blur"
    )]
    ContainBlur = 1,
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelkenburns",
        gst::Rank::NONE,
        KenBurns::static_type(),
    )
}
