//! Whole-recording transcription: log-mel once, then 30 s windows, each encoded and decoded,
//! with the next window starting where the last complete segment ended (openai-whisper's seek
//! loop, without temperature fallback or conditioning on previous text, as the reference).

use super::decode::Whisper;
use super::mel::{Filterbank, LogMel, HOP, SAMPLE_RATE, WINDOW_FRAMES};
use super::segments::{self, Segment};
use super::tokens::{Suppress, Tokenizer};
use super::AsrError;
use crate::onnx::{runtime, Model, Provider};
use std::path::Path;
use std::time::Instant;

/// How the models run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// CPU threads per model (0: ONNX Runtime's choice, one per core).
    pub threads: usize,
    /// Try CUDA first (falling back to the CPU, with the reason logged).
    pub try_cuda: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: 0,
            try_cuda: true,
        }
    }
}

/// Where the time went, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub audio_seconds: f64,
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
        self.mel_seconds + self.encode_seconds + self.decode_seconds
    }

    /// Processing time over audio time (below 1: faster than real time).
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
}

impl std::fmt::Debug for Transcriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcriber")
            .field("provider", &self.whisper.provider())
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
        })
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
        let clock = Instant::now();
        let mel = LogMel::compute(samples, &self.filters);
        stats.mel_seconds = clock.elapsed().as_secs_f64();

        let content = mel.content_frames();
        let mut seek = 0;
        let mut segments = Vec::new();
        while seek < content {
            let frames = WINDOW_FRAMES.min(content - seek);
            let clock = Instant::now();
            let cross = self.whisper.encode(mel.window(seek, frames))?;
            let encoded = Instant::now();
            let decoded = self.whisper.decode(&cross, &self.suppress)?;
            stats.encode_seconds += (encoded - clock).as_secs_f64();
            stats.decode_seconds += encoded.elapsed().as_secs_f64();
            stats.windows += 1;
            stats.steps += decoded.steps;

            let offset = (seek * HOP) as f64 / SAMPLE_RATE as f64;
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
        Ok(Transcript { segments, stats })
    }
}
