//! `reelmusic`: a procedural music bed.
//!
//! An audio source that composes a short loop from a mood, a key, a tempo and a seed, and plays
//! it as stereo `F32LE`: a pad chord voice, keys (arpeggio, stabs, melody or pulse), a bass line
//! and a soft drum kit of pitched-sine kicks and filtered-noise hats and snares. With a
//! `duration` it ends with a 1.5 s fade and EOS on exactly the last sample; without one it
//! loops forever. The same properties always give bit-identical output, and the source is
//! seekable in time.
//!
//! Moods: calm, uplifting, energetic, tense, sad, luxury, minimal.
//!
//! ```text
//! gst-launch-1.0 reelmusic mood=uplifting tempo=110 key=D duration=10000000000 ! audioconvert ! autoaudiosink
//! gst-launch-1.0 reelmusic mood=sad key=Am seed=3 duration=30000000000 ! audioconvert ! wavenc ! filesink location=bed.wav
//! ```
//!
//! The synthesis itself lives in [`synth`] and the modules it re-exports from, free of GStreamer.

use gst::glib;
use gst::prelude::*;

mod compose;
mod imp;
mod instruments;
mod profile;
mod render;
mod rng;
pub mod synth;
mod theory;

glib::wrapper! {
    /// The `reelmusic` element.
    pub struct Music(ObjectSubclass<imp::Music>) @extends gst_base::BaseSrc, gst::Element, gst::Object;
}

/// Registers `reelmusic` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelmusic",
        gst::Rank::NONE,
        Music::static_type(),
    )
}
