//! `reelvad`: voice activity detection with Silero VAD (v6) in ONNX.
//!
//! The element passes 16 kHz mono `F32LE` audio through untouched and runs the model on it as
//! it arrives, one probability per 512-sample window (32 ms). Regions are found as silero-vad's
//! `get_speech_timestamps` finds them, and posted as element messages on the bus:
//!
//! * `reelvad-segment` per region of speech: `start`, `end` (f64 seconds), posted as soon as
//!   the region is final: once the silence after it has lasted `min-silence-ms` (and, when that
//!   is shorter than twice `speech-pad-ms`, once no next region can start close enough to
//!   change its padding), so a live stream gets its regions while it plays;
//! * at EOS, before the EOS goes on: the region still open, if it is long enough, and
//!   `reelvad-done` once: `segments` (u32, regions posted for the stream) and `audio-seconds`
//!   (f64).
//!
//! Times count from the first buffer's timestamp, as `reelasr`'s do. Properties: `threshold`
//! (speech probability that starts a region; it ends below `threshold - 0.15`),
//! `min-speech-ms` (shorter regions are dropped), `min-silence-ms` (shorter pauses stay inside
//! a region) and `speech-pad-ms` (added around each region), with silero-vad's defaults.
//!
//! `model-dir` is a folder holding `model.onnx`, or `model` names the `.onnx` file itself (set
//! one of them); the model loads when the element starts, which fails naming the file if it
//! cannot.
//!
//! ```text
//! gst-launch-1.0 -m filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! \
//!     audio/x-raw,format=F32LE,rate=16000,channels=1 ! \
//!     reelvad model-dir=/usr/share/reel/models/silero-vad ! fakesink
//! ```
//!
//! Without GStreamer, [`speech_regions`] finds the regions in a slice of samples at any rate;
//! [`Silero`], [`Tracker`] and [`regions`] are its steps.

use crate::onnx::OnnxError;
use gst::glib;
use gst::prelude::*;

mod imp;
pub mod regions;
pub mod resample;
pub mod silero;

pub use regions::{regions, Params, Region, Tracker};
pub use resample::resample;
pub use silero::{Options, Silero, MODEL_FILE, SAMPLE_RATE, SINGLE_THREAD, WINDOW};

/// What went wrong loading or running the VAD model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VadError {
    #[error(transparent)]
    Onnx(#[from] OnnxError),
    #[error("the Silero VAD model gave unusable output: {0}")]
    Output(String),
    #[error("audio at {0} Hz cannot be resampled")]
    Rate(u32),
}

/// The regions of speech in mono `samples` at `rate` Hz (resampled to 16 kHz first when
/// needed), in seconds from the first sample. Starts `vad` over before and leaves it at the
/// end of these samples.
pub fn speech_regions(
    vad: &mut Silero,
    samples: &[f32],
    rate: u32,
    params: &Params,
) -> Result<Vec<Region>, VadError> {
    if rate == 0 {
        return Err(VadError::Rate(rate));
    }
    let resampled;
    let samples = if rate == SAMPLE_RATE {
        samples
    } else {
        resampled = resample(samples, rate, SAMPLE_RATE);
        &resampled
    };
    vad.reset();
    let probabilities = vad.probabilities(samples)?;
    Ok(regions(&probabilities, samples.len(), params))
}

glib::wrapper! {
    /// The `reelvad` element.
    pub struct Vad(ObjectSubclass<imp::Vad>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reelvad` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(Some(plugin), "reelvad", gst::Rank::NONE, Vad::static_type())
}
