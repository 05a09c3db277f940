//! Speech synthesis with a neural voice: Piper VITS models over ONNX Runtime, with espeak-ng as
//! the phonemizer. (Without a voice model, reel speaks with GStreamer's `espeak` element.)

pub mod phonemes;
pub mod piper;

pub use piper::{Delivery, Piper};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpeechError {
    #[error("phonemes: {0}")]
    Phonemizer(String),
    #[error("voice: {0}")]
    Voice(String),
    #[error(transparent)]
    Onnx(#[from] crate::onnx::OnnxError),
}
