use super::{Options, Transcriber, Transcript};
use crate::shared::lock;
use crate::vad::{Params, Silero};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelasr",
        gst::DebugColorFlags::empty(),
        Some("reel speech recognition"),
    )
});

#[derive(Debug, Clone, Default)]
struct Settings {
    model_dir: Option<String>,
    /// Silero VAD's folder; unset, every sample is transcribed.
    vad_model_dir: Option<String>,
    threads: u32,
}

struct State {
    transcriber: Transcriber,
    /// Every sample seen since start (or the last flush).
    samples: Vec<f32>,
    /// Timestamp of the first buffer: message times count from it.
    origin: Option<gst::ClockTime>,
}

#[derive(Default)]
pub struct Asr {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

impl Asr {
    /// Silero VAD from `dir`, or the error that fails start, naming the folder.
    fn open_vad(&self, dir: &Path) -> Result<Silero, gst::ErrorMessage> {
        // A folder without model.onnx reads better as that than as a missing file.
        let vad = if dir.is_dir() {
            Silero::open(dir).map_err(|err| err.to_string())
        } else {
            Err("no such folder".to_string())
        };
        let vad = vad.map_err(|reason| {
            gst::error_msg!(
                gst::LibraryError::Settings,
                (
                    "Cannot load the voice activity model in {}: {}",
                    dir.display(),
                    reason
                )
            )
        })?;
        gst::info!(
            CAT,
            imp = self,
            "voice activity model loaded from {}",
            dir.display()
        );
        Ok(vad)
    }

    fn post(&self, structure: gst::Structure) {
        crate::shared::post(self.obj().upcast_ref(), structure);
    }

    /// Transcribes what was collected and posts the results; an error is posted as one.
    fn finish(&self) {
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            return;
        };
        let samples = std::mem::take(&mut state.samples);
        let origin = state
            .origin
            .take()
            .map_or(0.0, |t| t.nseconds() as f64 / 1e9);
        gst::info!(CAT, imp = self, "transcribing {} samples", samples.len());
        let clock = Instant::now();
        let result = state.transcriber.transcribe(&samples);
        drop(guard);
        match result {
            Ok(transcript) => self.post_transcript(&transcript, origin, clock),
            Err(err) => {
                gst::element_imp_error!(
                    self,
                    gst::LibraryError::Failed,
                    ("Speech recognition failed: {}", err)
                );
            }
        }
    }

    fn post_transcript(&self, transcript: &Transcript, origin: f64, clock: Instant) {
        for segment in &transcript.segments {
            self.post(
                gst::Structure::builder("reelasr-segment")
                    .field("start", origin + segment.start)
                    .field("end", origin + segment.end)
                    .field("text", segment.text.as_str())
                    .build(),
            );
            for word in &segment.words {
                self.post(
                    gst::Structure::builder("reelasr-word")
                        .field("start", origin + word.start)
                        .field("end", origin + word.end)
                        .field("text", word.text.as_str())
                        .build(),
                );
            }
        }
        let seconds = clock.elapsed().as_secs_f64();
        gst::info!(
            CAT,
            imp = self,
            "{} segments in {seconds:.2} s (realtime factor {:.3})",
            transcript.segments.len(),
            transcript.stats.realtime_factor()
        );
        self.post(
            gst::Structure::builder("reelasr-done")
                .field("segments", transcript.segments.len() as u32)
                .field("seconds", seconds)
                .field("audio-seconds", transcript.stats.audio_seconds)
                .field("skipped-seconds", transcript.stats.skipped_seconds)
                .build(),
        );
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Asr {
    const NAME: &'static str = "GstReelAsr";
    type Type = super::Asr;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for Asr {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("model-dir")
                    .nick("Model folder")
                    .blurb("Folder with encoder.onnx, decoder.onnx, tokenizer.json, config.json")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("vad-model-dir")
                    .nick("Voice activity model folder")
                    .blurb(
                        "Folder with Silero VAD's model.onnx: only the speech it finds is \
                         transcribed (unset: everything)",
                    )
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("threads")
                    .nick("Threads")
                    .blurb("CPU threads per model (0: one per core)")
                    .maximum(256)
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir = value.get().unwrap_or_default(),
            "vad-model-dir" => settings.vad_model_dir = value.get().unwrap_or_default(),
            "threads" => settings.threads = value.get().unwrap_or_default(),
            // GLib only passes the properties registered above.
            other => gst::warning!(CAT, imp = self, "no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir.to_value(),
            "vad-model-dir" => settings.vad_model_dir.to_value(),
            "threads" => settings.threads.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for Asr {}

impl ElementImpl for Asr {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel speech recognition",
                "Filter/Analyzer/Audio",
                "Transcribes 16 kHz mono speech with Whisper and posts timed text at EOS",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            crate::shared::mono_f32_passthrough_templates(super::mel::SAMPLE_RATE as u32)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Asr {
    // The audio goes through untouched; the element only reads it.
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let Some(dir) = settings.model_dir.filter(|d| !d.is_empty()) else {
            return Err(gst::error_msg!(
                gst::LibraryError::Settings,
                ("No speech model: set model-dir to a Whisper model folder")
            ));
        };
        // The VAD first: it is small, so a wrong folder fails before Whisper loads.
        let vad = match settings.vad_model_dir.filter(|d| !d.is_empty()) {
            Some(vad_dir) => Some(self.open_vad(&PathBuf::from(vad_dir))?),
            None => None,
        };
        let options = Options {
            threads: settings.threads as usize,
            ..Options::default()
        };
        let dir = PathBuf::from(dir);
        let mut transcriber = Transcriber::open_with(&dir, options).map_err(|err| {
            gst::error_msg!(
                gst::LibraryError::Settings,
                ("Cannot load the speech model in {}: {}", dir.display(), err)
            )
        })?;
        gst::info!(
            CAT,
            imp = self,
            "model loaded from {} on {}",
            dir.display(),
            transcriber.provider()
        );
        if let Some(vad) = vad {
            transcriber = transcriber.with_vad(vad, Params::default());
        }
        *lock(&self.state) = Some(State {
            transcriber,
            samples: Vec::new(),
            origin: None,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        match event.view() {
            gst::EventView::Eos(_) => self.finish(),
            // After a flushing seek the audio starts over somewhere else.
            gst::EventView::FlushStop(_) => {
                if let Some(state) = lock(&self.state).as_mut() {
                    state.samples.clear();
                    state.origin = None;
                }
            }
            _ => {}
        }
        self.parent_sink_event(event)
    }

    fn transform_ip_passthrough(
        &self,
        buffer: &gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let map = buffer.map_readable().map_err(|_| {
            gst::element_imp_error!(self, gst::StreamError::Failed, ["Unreadable buffer"]);
            gst::FlowError::Error
        })?;
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            drop(guard);
            gst::element_imp_error!(self, gst::CoreError::Failed, ["Data before start"]);
            return Err(gst::FlowError::Error);
        };
        if state.origin.is_none() {
            state.origin = Some(buffer.pts().unwrap_or(gst::ClockTime::ZERO));
        }
        // The caps fix F32LE; a trailing partial sample (never produced) would be dropped.
        state.samples.extend(
            map.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        Ok(gst::FlowSuccess::Ok)
    }
}
