//! Speech synthesis with a neural voice: Piper VITS models over ONNX Runtime, with espeak-ng as
//! the phonemizer. (Without a voice model, reel speaks with GStreamer's `espeak` element.)
//!
//! `reelspeech` is the same voice as a GStreamer source. It speaks its `text` once, when it
//! starts (READY → PAUSED), and plays the line as mono `F32LE` at the voice's rate (22050 Hz
//! for Piper's medium voices and for espeak-ng) in timestamped buffers of 1024 samples, then
//! EOS. Properties, all read when the element starts:
//!
//! * `text`: what to say; empty (or only spaces) gives EOS at once;
//! * `model-dir`: a Piper voice folder (`model.onnx`, `model.onnx.json`). Unset, the element
//!   runs the `espeak-ng` program instead, with `espeak-voice` (default `en-us`) and `pitch`
//!   (-100..100, 0 being espeak-ng's default); both apply to that fallback only;
//! * `length-scale`, `noise-scale`, `noise-w`: Piper's delivery; 0 or less (the default) keeps
//!   the value from the voice's JSON. Tiny noise scales (say 0.0001) make the voice
//!   deterministic.
//!
//! Element messages on the bus:
//!
//! * `reelspeech-word` per word of the text: `text` (string), `start`, `end` (f64 seconds from
//!   the start of the stream), posted as the buffer holding the word's start goes out, so they
//!   come in time order with the audio. The times come from the voice's phoneme durations;
//!   espeak-ng gives none, so the fallback posts no words;
//! * `reelspeech-done` once, before EOS: `words` (u32), `seconds` (f64, the audio's length),
//!   `engine` (string: the voice folder's name or `espeak-ng`) and `provider` (string, where
//!   the voice ran: `CUDA` or `CPU`).
//!
//! A missing or unreadable voice, a missing ONNX runtime or a missing `espeak-ng` fails the
//! start with an error naming the folder, file or program. The voice's ONNX session is held by
//! the element from its first start until it goes to NULL, so a pipeline that stops and
//! restarts does not load the model again; a different `model-dir` replaces it.
//!
//! ```text
//! gst-launch-1.0 -m reelspeech text="Hello from reel." \
//!     model-dir=/usr/share/reel/models/piper-en-us-joe-medium ! audioconvert ! autoaudiosink
//! gst-launch-1.0 reelspeech text="No voice model here." pitch=20 ! audioconvert ! \
//!     wavenc ! filesink location=line.wav
//! ```

use gst::glib;
use gst::prelude::*;

mod espeak;
mod imp;
pub mod phonemes;
pub mod piper;
pub mod words;

pub use piper::{Delivery, Piper, Spoken, TimedPhoneme};
pub use words::TimedWord;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpeechError {
    #[error("phonemes: {0}")]
    Phonemizer(String),
    #[error("voice: {0}")]
    Voice(String),
    #[error(transparent)]
    Onnx(#[from] crate::onnx::OnnxError),
}

glib::wrapper! {
    /// The `reelspeech` element.
    pub struct Speech(ObjectSubclass<imp::Speech>) @extends gst_base::BaseSrc, gst::Element, gst::Object;
}

/// Registers `reelspeech` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelspeech",
        gst::Rank::NONE,
        Speech::static_type(),
    )
}
