//! `reelasr`: speech recognition with Whisper (English-only models, e.g. tiny.en) in ONNX.
//!
//! The element passes 16 kHz mono `F32LE` audio through untouched and keeps a copy. At EOS it
//! transcribes everything it saw and posts element messages on the bus before it forwards the
//! EOS:
//!
//! * `reelasr-segment` per segment: `start`, `end` (f64 seconds), `text` (string);
//! * `reelasr-word` per word: `start`, `end`, `text`. Whisper times segments only, so word
//!   times are an estimate: each segment's time is spread over its words in proportion to their
//!   lengths in characters;
//! * `reelasr-done` once: `segments` (u32), `seconds` (f64, the time transcription took),
//!   `audio-seconds` (f64) and `skipped-seconds` (f64, audio left out as not speech).
//!
//! Times count from the first buffer's timestamp. The whole stream is held in memory (64 KB a
//! second of audio) because Whisper decodes 30 s windows whose boundaries depend on what was
//! said in the previous one.
//!
//! `model-dir` is a folder holding `encoder.onnx`, `decoder.onnx`, `tokenizer.json` and
//! `config.json` (written by `models/whisper/convert.py`); the model loads when the element
//! starts, which fails naming the folder if it cannot.
//!
//! `vad-model-dir`, a folder holding Silero VAD's `model.onnx` (as `reelvad`'s `model-dir`),
//! makes the element transcribe only what the VAD hears as speech (with silero-vad's default
//! parameters): regions less than 2 s apart are grouped into clips of at most 30 s, Whisper
//! runs inside those clips only, and times stay on the stream's timeline. Long silences and
//! music beds then cost no Whisper time, and Whisper cannot invent text on them (it tends to
//! write "Thank you." or dots over silence). Unset, every sample is transcribed. A folder the
//! model cannot load from fails start, naming it.
//!
//! ```text
//! gst-launch-1.0 -m filesrc location=talk.mp4 ! decodebin ! audioconvert ! audioresample ! \
//!     audio/x-raw,format=F32LE,rate=16000,channels=1 ! \
//!     reelasr model-dir=/usr/share/reel/models/whisper-tiny.en \
//!         vad-model-dir=/usr/share/reel/models/silero-vad ! fakesink
//! ```
//!
//! Without GStreamer, [`Transcriber`] does the same on a slice of samples
//! ([`Transcriber::with_vad`] gates it).

use crate::onnx::OnnxError;
use crate::vad::VadError;
use gst::glib;
use gst::prelude::*;
use std::path::PathBuf;

mod decode;
mod gate;
mod imp;
pub mod mel;
mod rules;
mod segments;
mod tokens;
mod transcriber;
mod wer;

pub use segments::{Segment, Word};
pub use transcriber::{Options, Stats, Transcriber, Transcript};
pub use wer::word_error_rate;

/// What went wrong loading or running the speech model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AsrError {
    #[error(transparent)]
    Onnx(#[from] OnnxError),
    #[error("finding the speech to transcribe failed: {0}")]
    Vad(#[from] VadError),
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is not what reel expects: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("the {model} model gave unusable output: {problem}")]
    Output { model: String, problem: String },
}

glib::wrapper! {
    /// The `reelasr` element.
    pub struct Asr(ObjectSubclass<imp::Asr>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reelasr` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(Some(plugin), "reelasr", gst::Rank::NONE, Asr::static_type())
}
