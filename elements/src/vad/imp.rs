use super::{Params, Region, Silero, Tracker, MODEL_FILE, SAMPLE_RATE, WINDOW};
use crate::shared::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelvad",
        gst::DebugColorFlags::empty(),
        Some("reel voice activity detection"),
    )
});

const DEFAULT_THRESHOLD: f64 = 0.5;
const DEFAULT_MIN_SILENCE_MS: u32 = 100;
const DEFAULT_MIN_SPEECH_MS: u32 = 250;
const DEFAULT_SPEECH_PAD_MS: u32 = 30;
/// The most any of the millisecond properties takes: a minute.
const MAX_MS: u32 = 60_000;

#[derive(Debug, Clone)]
struct Settings {
    model_dir: Option<String>,
    model: Option<String>,
    threshold: f64,
    min_silence_ms: u32,
    min_speech_ms: u32,
    speech_pad_ms: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            model_dir: None,
            model: None,
            threshold: DEFAULT_THRESHOLD,
            min_silence_ms: DEFAULT_MIN_SILENCE_MS,
            min_speech_ms: DEFAULT_MIN_SPEECH_MS,
            speech_pad_ms: DEFAULT_SPEECH_PAD_MS,
        }
    }
}

impl Settings {
    fn params(&self) -> Params {
        Params {
            min_silence_ms: self.min_silence_ms,
            min_speech_ms: self.min_speech_ms,
            speech_pad_ms: self.speech_pad_ms,
            ..Params::with_threshold(self.threshold)
        }
    }

    /// The model file: `model`, or `model.onnx` in `model-dir`.
    fn model_file(&self) -> Result<PathBuf, gst::ErrorMessage> {
        crate::shared::model_file(&self.model, &self.model_dir, MODEL_FILE, "VAD")
    }
}

/// One stream's progress; started over at a flush and after EOS.
struct Stream {
    tracker: Tracker,
    /// Samples of a window not yet complete.
    partial: Vec<f32>,
    /// Samples seen.
    samples: u64,
    /// Regions posted.
    segments: u32,
    /// Timestamp of the first buffer: message times count from it.
    origin: Option<gst::ClockTime>,
}

impl Stream {
    fn new(params: Params) -> Stream {
        Stream {
            tracker: Tracker::new(params),
            partial: Vec::with_capacity(WINDOW),
            samples: 0,
            segments: 0,
            origin: None,
        }
    }

    fn origin_seconds(&self) -> f64 {
        self.origin.map_or(0.0, |t| t.nseconds() as f64 / 1e9)
    }
}

struct State {
    silero: Silero,
    params: Params,
    stream: Stream,
}

impl State {
    fn start_over(&mut self) {
        self.silero.reset();
        self.stream = Stream::new(self.params);
    }

    /// Runs the model on the complete windows in `partial` and tracks their probabilities.
    fn run_windows(&mut self, found: &mut Vec<Region>) -> Result<(), super::VadError> {
        let whole = self.stream.partial.len() / WINDOW * WINDOW;
        let probabilities = self.silero.probabilities(&self.stream.partial[..whole])?;
        self.stream.partial.drain(..whole);
        for probability in probabilities {
            found.extend(self.stream.tracker.push(probability));
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Vad {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

impl Vad {
    fn post(&self, structure: gst::Structure) {
        crate::shared::post(self.obj().upcast_ref(), structure);
    }

    fn post_regions(&self, regions: &[Region], origin: f64) {
        for region in regions {
            gst::debug!(
                CAT,
                imp = self,
                "speech {:.3}..{:.3} s",
                region.start,
                region.end
            );
            self.post(
                gst::Structure::builder("reelvad-segment")
                    .field("start", origin + region.start)
                    .field("end", origin + region.end)
                    .build(),
            );
        }
    }

    /// At EOS: the last partial window, the region still open, then the totals; the stream
    /// starts over afterwards.
    fn finish(&self) {
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            return;
        };
        let mut found = Vec::new();
        let tail = std::mem::take(&mut state.stream.partial);
        let result = state.silero.probabilities(&tail).map(|probabilities| {
            for probability in probabilities {
                found.extend(state.stream.tracker.push(probability));
            }
        });
        let samples = usize::try_from(state.stream.samples).unwrap_or(usize::MAX);
        found.extend(state.stream.tracker.finish(samples));
        let origin = state.stream.origin_seconds();
        let segments = state.stream.segments + found.len() as u32;
        let audio_seconds = state.stream.samples as f64 / f64::from(SAMPLE_RATE);
        state.start_over();
        drop(guard);

        if let Err(err) = result {
            gst::element_imp_error!(
                self,
                gst::LibraryError::Failed,
                ("Voice activity detection failed: {}", err)
            );
            return;
        }
        self.post_regions(&found, origin);
        gst::info!(
            CAT,
            imp = self,
            "{segments} regions of speech in {audio_seconds:.2} s of audio"
        );
        self.post(
            gst::Structure::builder("reelvad-done")
                .field("segments", segments)
                .field("audio-seconds", audio_seconds)
                .build(),
        );
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Vad {
    const NAME: &'static str = "GstReelVad";
    type Type = super::Vad;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for Vad {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let mut properties = crate::shared::model_properties("Silero VAD").to_vec();
            properties.extend([
                glib::ParamSpecDouble::builder("threshold")
                    .nick("Threshold")
                    .blurb("Speech probability that starts a region (it ends below this - 0.15)")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(DEFAULT_THRESHOLD)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("min-silence-ms")
                    .nick("Minimum silence")
                    .blurb("Silence that ends a region, in ms; shorter pauses stay inside it")
                    .maximum(MAX_MS)
                    .default_value(DEFAULT_MIN_SILENCE_MS)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("min-speech-ms")
                    .nick("Minimum speech")
                    .blurb("Regions this short or shorter, in ms, are dropped")
                    .maximum(MAX_MS)
                    .default_value(DEFAULT_MIN_SPEECH_MS)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("speech-pad-ms")
                    .nick("Speech padding")
                    .blurb("Added before and after each region, in ms")
                    .maximum(MAX_MS)
                    .default_value(DEFAULT_SPEECH_PAD_MS)
                    .mutable_ready()
                    .build(),
            ]);
            properties
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir = value.get().unwrap_or_default(),
            "model" => settings.model = value.get().unwrap_or_default(),
            "threshold" => settings.threshold = value.get().unwrap_or(DEFAULT_THRESHOLD),
            "min-silence-ms" => {
                settings.min_silence_ms = value.get().unwrap_or(DEFAULT_MIN_SILENCE_MS)
            }
            "min-speech-ms" => {
                settings.min_speech_ms = value.get().unwrap_or(DEFAULT_MIN_SPEECH_MS)
            }
            "speech-pad-ms" => {
                settings.speech_pad_ms = value.get().unwrap_or(DEFAULT_SPEECH_PAD_MS)
            }
            // GLib only passes the properties registered above.
            other => gst::warning!(CAT, imp = self, "no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "model-dir" => settings.model_dir.to_value(),
            "model" => settings.model.to_value(),
            "threshold" => settings.threshold.to_value(),
            "min-silence-ms" => settings.min_silence_ms.to_value(),
            "min-speech-ms" => settings.min_speech_ms.to_value(),
            "speech-pad-ms" => settings.speech_pad_ms.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for Vad {}

impl ElementImpl for Vad {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel voice activity detection",
                "Filter/Analyzer/Audio",
                "Finds speech in 16 kHz mono audio with Silero VAD and posts its regions",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| crate::shared::mono_f32_passthrough_templates(SAMPLE_RATE));
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Vad {
    // The audio goes through untouched; the element only reads it.
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let file = settings.model_file()?;
        let silero = Silero::open(&file).map_err(|err| {
            gst::error_msg!(
                gst::LibraryError::Settings,
                ("Cannot load the VAD model {}: {}", file.display(), err)
            )
        })?;
        gst::info!(
            CAT,
            imp = self,
            "model loaded from {} on {}",
            file.display(),
            silero.provider()
        );
        let params = settings.params();
        *lock(&self.state) = Some(State {
            silero,
            params,
            stream: Stream::new(params),
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
                    state.start_over();
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
        let stream = &mut state.stream;
        if stream.origin.is_none() {
            stream.origin = Some(buffer.pts().unwrap_or(gst::ClockTime::ZERO));
        }
        // The caps fix F32LE; a trailing partial sample (never produced) would be dropped.
        let before = stream.partial.len();
        stream.partial.extend(
            map.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        stream.samples += (stream.partial.len() - before) as u64;

        let mut found = Vec::new();
        let result = state.run_windows(&mut found);
        state.stream.segments += found.len() as u32;
        let origin = state.stream.origin_seconds();
        drop(guard);

        self.post_regions(&found, origin);
        if let Err(err) = result {
            gst::element_imp_error!(
                self,
                gst::LibraryError::Failed,
                ("Voice activity detection failed: {}", err)
            );
            return Err(gst::FlowError::Error);
        }
        Ok(gst::FlowSuccess::Ok)
    }
}
