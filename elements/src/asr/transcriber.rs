//! Whole-recording transcription: log-mel once, then 30 s windows, each encoded and decoded,
//! with the next window starting where the last complete segment ended (openai-whisper's seek
//! loop, without temperature fallback or conditioning on previous text, as the reference).
//!
//! With a voice-activity detector ([`Transcriber::with_vad`]) the seek loop runs only inside
//! the clips that hold speech (see [`super::gate`]); segment times stay on the recording's
//! timeline either way.

use super::decode::Whisper;
use super::gate::Gate;
use super::mel::{Filterbank, LogMel, HOP, SAMPLE_RATE, WINDOW_FRAMES};
use super::segments::{self, Segment};
use super::tokens::{Suppress, Tokenizer};
use super::AsrError;
use crate::onnx::{runtime, Model, Provider};
use crate::vad::{Params, Silero};
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

/// How the models run (by default: the runtime's threads, CUDA when it loads).
pub use crate::onnx::RunOptions as Options;

/// Where the time went, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub audio_seconds: f64,
    /// Audio left out because the voice-activity detector heard no speech in it (0 without one).
    pub skipped_seconds: f64,
    /// Finding the speech (0 without a voice-activity detector).
    pub vad_seconds: f64,
    pub mel_seconds: f64,
    pub encode_seconds: f64,
    pub decode_seconds: f64,
    /// 30 s windows encoded.
    pub windows: usize,
    /// Decoder runs.
    pub steps: usize,
}

impl Stats {
    pub fn total_seconds(&self) -> f64 {
        self.vad_seconds + self.mel_seconds + self.encode_seconds + self.decode_seconds
    }

    /// Processing time over the whole recording's time, skipped audio included (below 1:
    /// faster than real time).
    pub fn realtime_factor(&self) -> f64 {
        if self.audio_seconds > 0.0 {
            self.total_seconds() / self.audio_seconds
        } else {
            0.0
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    /// Segments in time order; segments without text are left out.
    pub segments: Vec<Segment>,
    pub stats: Stats,
}

impl Transcript {
    /// Every segment's text, joined with spaces.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self.segments.iter().map(|s| s.text.as_str()).collect();
        texts.join(" ")
    }
}

/// A loaded Whisper model that turns 16 kHz mono samples into timed text.
pub struct Transcriber {
    whisper: Whisper,
    tokenizer: Tokenizer,
    suppress: Suppress,
    filters: Filterbank,
    /// Without one, every frame of the recording is transcribed.
    gate: Option<Gate>,
}

impl std::fmt::Debug for Transcriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcriber")
            .field("provider", &self.whisper.provider())
            .field("gate", &self.gate)
            .finish()
    }
}

impl Transcriber {
    /// Loads `encoder.onnx`, `decoder.onnx`, `tokenizer.json` and `config.json` from `dir`
    /// with the default [`Options`].
    pub fn open(dir: &Path) -> Result<Transcriber, AsrError> {
        Transcriber::open_with(dir, Options::default())
    }

    pub fn open_with(dir: &Path, options: Options) -> Result<Transcriber, AsrError> {
        if !dir.is_dir() {
            return Err(AsrError::Read {
                path: dir.to_path_buf(),
                reason: "no such folder".into(),
            });
        }
        // Reads the small files first: a wrong folder fails fast, before 150 MB of models.
        let tokenizer = Tokenizer::load(&dir.join("tokenizer.json"))?;
        let suppress = Suppress::load(&dir.join("config.json"))?;
        runtime::init(None)?;
        let open = |file: &str, name: &str| {
            Model::open(&dir.join(file), name, options.try_cuda, options.threads)
        };
        let encoder = open("encoder.onnx", "Whisper encoder")?;
        let decoder = open("decoder.onnx", "Whisper decoder")?;
        Ok(Transcriber {
            whisper: Whisper::new(encoder, decoder)?,
            tokenizer,
            suppress,
            filters: Filterbank::slaney(),
            gate: None,
        })
    }

    /// Transcribes only where `vad` finds speech with `params`: neighbouring regions are
    /// grouped into clips of at most 30 s (pauses under 2 s kept), and the rest of the
    /// recording is neither encoded nor decoded.
    pub fn with_vad(mut self, vad: Silero, params: Params) -> Transcriber {
        self.gate = Some(Gate::new(vad, params));
        self
    }

    /// Where the models run.
    pub fn provider(&self) -> Provider {
        self.whisper.provider()
    }

    /// Transcribes 16 kHz mono samples (nominally in -1..1).
    pub fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, AsrError> {
        let mut stats = Stats {
            audio_seconds: samples.len() as f64 / SAMPLE_RATE as f64,
            ..Stats::default()
        };
        // The recording's mel frames, without the silence LogMel appends.
        let frames = samples.len() / HOP;
        let whole: Range<usize> = 0..frames;
        let clips = match self.gate.as_mut() {
            None => vec![whole],
            Some(gate) => {
                let clock = Instant::now();
                let clips = gate.clips(samples)?;
                stats.vad_seconds = clock.elapsed().as_secs_f64();
                clips
            }
        };
        let heard: usize = clips.iter().map(|clip| clip.len()).sum();
        stats.skipped_seconds = seconds(frames.saturating_sub(heard));
        tracing::debug!(
            clips = clips.len(),
            skipped = stats.skipped_seconds,
            "transcribing"
        );
        let mut segments = Vec::new();
        if clips.is_empty() {
            return Ok(Transcript { segments, stats });
        }

        let clock = Instant::now();
        let mel = LogMel::compute(samples, &self.filters);
        stats.mel_seconds = clock.elapsed().as_secs_f64();
        for clip in clips {
            let clip = clip.start..clip.end.min(mel.content_frames());
            self.transcribe_clip(&mel, clip, &mut stats, &mut segments)?;
        }
        Ok(Transcript { segments, stats })
    }

    /// openai-whisper's seek loop over the mel frames `clip`, adding the segments with text.
    fn transcribe_clip(
        &mut self,
        mel: &LogMel,
        clip: Range<usize>,
        stats: &mut Stats,
        segments: &mut Vec<Segment>,
    ) -> Result<(), AsrError> {
        let mut seek = clip.start;
        while seek < clip.end {
            let frames = WINDOW_FRAMES.min(clip.end - seek);
            let clock = Instant::now();
            let cross = self.whisper.encode(mel.window(seek, frames))?;
            let encoded = Instant::now();
            let decoded = self.whisper.decode(&cross, &self.suppress)?;
            stats.encode_seconds += (encoded - clock).as_secs_f64();
            stats.decode_seconds += encoded.elapsed().as_secs_f64();
            stats.windows += 1;
            stats.steps += decoded.steps;

            let offset = seconds(seek);
            tracing::debug!(
                offset,
                tokens = decoded.tokens.len(),
                no_speech = decoded.no_speech,
                "Whisper window decoded"
            );
            let (raw, advance) = segments::split(&decoded.tokens, offset, frames);
            for segment in raw {
                let text = self.tokenizer.text(&segment.tokens);
                if text.is_empty() {
                    continue;
                }
                segments.push(Segment {
                    words: segments::spread_words(&text, segment.start, segment.end),
                    start: segment.start,
                    end: segment.end,
                    text,
                });
            }
            // Always move on, even when the model ended a segment at the window's start.
            seek += advance.max(1);
        }
        Ok(())
    }
}

/// The time of `frames` mel frames, in seconds.
fn seconds(frames: usize) -> f64 {
    (frames * HOP) as f64 / SAMPLE_RATE as f64
}
