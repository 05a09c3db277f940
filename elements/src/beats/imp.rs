use super::{analyse_envelope, tempo, Analysis, OnsetDetector, Params, TempoRange};
use crate::shared::{lock, passthrough_templates};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelbeats",
        gst::DebugColorFlags::empty(),
        Some("reel beat tracking"),
    )
});

const DEFAULT_UPDATE_SECONDS: f64 = 5.0;

#[derive(Debug, Clone, Copy)]
struct Settings {
    params: Params,
    update_seconds: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            params: Params::default(),
            update_seconds: DEFAULT_UPDATE_SECONDS,
        }
    }
}

/// One stream's measures; started over at a flush, at a new rate and after EOS.
struct Stream {
    detector: OnsetDetector,
    rate: u32,
    samples: u64,
    /// Frames at the last `reelbeats-tempo`.
    reported_frames: usize,
    origin: Option<gst::ClockTime>,
}

impl Stream {
    fn new(rate: u32) -> Stream {
        Stream {
            detector: OnsetDetector::new(rate),
            rate,
            samples: 0,
            reported_frames: 0,
            origin: None,
        }
    }
}

#[derive(Default)]
pub struct Beats {
    settings: Mutex<Settings>,
    stream: Mutex<Option<Stream>>,
}

impl Beats {
    fn post(&self, structure: gst::Structure) {
        crate::shared::post(self.obj().upcast_ref(), structure);
    }

    fn post_analysis(&self, analysis: &Analysis, origin: f64) {
        for onset in &analysis.onsets {
            self.post(
                gst::Structure::builder("reelbeats-onset")
                    .field("time", origin + onset.time)
                    .field("strength", onset.strength)
                    .build(),
            );
        }
        for beat in &analysis.beats {
            self.post(
                gst::Structure::builder("reelbeats-beat")
                    .field("time", origin + beat.time)
                    .field("bar", beat.bar)
                    .field("position", beat.position)
                    .field("downbeat", beat.is_downbeat())
                    .field("strength", beat.strength)
                    .build(),
            );
        }
        gst::info!(
            CAT,
            imp = self,
            "{:.2} BPM, {} beats in {:.2} s",
            analysis.bpm,
            analysis.beats.len(),
            analysis.audio_seconds
        );
        self.post(
            gst::Structure::builder("reelbeats-done")
                .field("bpm", analysis.bpm)
                .field("confidence", analysis.confidence)
                .field("beats", analysis.beats.len() as u32)
                .field("downbeats", analysis.downbeats().count() as u32)
                .field("onsets", analysis.onsets.len() as u32)
                .field("audio-seconds", analysis.audio_seconds)
                .build(),
        );
    }

    /// At EOS: the whole analysis, then the stream starts over.
    fn finish(&self) {
        let Some(stream) = lock(&self.stream).take() else {
            return;
        };
        let params = lock(&self.settings).params;
        let origin = stream.origin.map_or(0.0, |t| t.nseconds() as f64 / 1e9);
        let (rate, samples) = (stream.rate, stream.samples);
        let mut analysis = analyse_envelope(&stream.detector.finish(), &params);
        analysis.audio_seconds = samples as f64 / f64::from(rate);
        *lock(&self.stream) = Some(Stream::new(rate));
        self.post_analysis(&analysis, origin);
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Beats {
    const NAME: &'static str = "GstReelBeats";
    type Type = super::Beats;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for Beats {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let range = TempoRange::default();
            vec![
                glib::ParamSpecDouble::builder("min-bpm")
                    .nick("Slowest tempo")
                    .blurb("The slowest tempo considered, in beats per minute")
                    .minimum(20.0)
                    .maximum(400.0)
                    .default_value(range.min_bpm)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("max-bpm")
                    .nick("Fastest tempo")
                    .blurb("The fastest tempo considered, in beats per minute")
                    .minimum(20.0)
                    .maximum(400.0)
                    .default_value(range.max_bpm)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("start-bpm")
                    .nick("Likely tempo")
                    .blurb("The centre of the tempo prior: ties between octaves go towards it")
                    .minimum(20.0)
                    .maximum(400.0)
                    .default_value(range.start_bpm)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("beats-per-bar")
                    .nick("Beats per bar")
                    .blurb("The metre: how many beats make a bar")
                    .minimum(1)
                    .maximum(16)
                    .default_value(4)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("update-seconds")
                    .nick("Tempo update interval")
                    .blurb("Audio between reelbeats-tempo messages, in seconds; 0 for none")
                    .minimum(0.0)
                    .maximum(3600.0)
                    .default_value(DEFAULT_UPDATE_SECONDS)
                    .mutable_playing()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        let range = &mut settings.params.range;
        let number = |fallback: f64| value.get::<f64>().unwrap_or(fallback);
        match pspec.name() {
            "min-bpm" => range.min_bpm = number(range.min_bpm),
            "max-bpm" => range.max_bpm = number(range.max_bpm),
            "start-bpm" => range.start_bpm = number(range.start_bpm),
            "beats-per-bar" => settings.params.beats_per_bar = value.get().unwrap_or(4),
            "update-seconds" => settings.update_seconds = number(DEFAULT_UPDATE_SECONDS),
            // GLib only passes the properties registered above.
            other => gst::warning!(CAT, imp = self, "no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        let range = settings.params.range;
        match pspec.name() {
            "min-bpm" => range.min_bpm.to_value(),
            "max-bpm" => range.max_bpm.to_value(),
            "start-bpm" => range.start_bpm.to_value(),
            "beats-per-bar" => settings.params.beats_per_bar.to_value(),
            "update-seconds" => settings.update_seconds.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for Beats {}

impl ElementImpl for Beats {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel beat tracking",
                "Filter/Analyzer/Audio",
                "Finds the onsets, tempo, beats and downbeats of music and posts them",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_audio::AudioCapsBuilder::new_interleaved()
                .format(gst_audio::AudioFormat::F32le)
                .rate_range(8_000..=192_000)
                .channels(1)
                .build();
            passthrough_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Beats {
    // The audio goes through untouched; the element only reads it.
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    fn set_caps(&self, incaps: &gst::Caps, outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_audio::AudioInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "Unusable caps {}", incaps))?;
        let mut stream = lock(&self.stream);
        if stream.as_ref().is_none_or(|s| s.rate != info.rate()) {
            *stream = Some(Stream::new(info.rate()));
        }
        drop(stream);
        self.parent_set_caps(incaps, outcaps)
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.stream) = None;
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        match event.view() {
            gst::EventView::Eos(_) => self.finish(),
            // After a flushing seek the audio starts over somewhere else.
            gst::EventView::FlushStop(_) => {
                let mut stream = lock(&self.stream);
                if let Some(rate) = stream.as_ref().map(|s| s.rate) {
                    *stream = Some(Stream::new(rate));
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
        let settings = *lock(&self.settings);
        let mut guard = lock(&self.stream);
        let Some(stream) = guard.as_mut() else {
            drop(guard);
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ["Data before caps"]);
            return Err(gst::FlowError::NotNegotiated);
        };
        if stream.origin.is_none() {
            stream.origin = Some(buffer.pts().unwrap_or(gst::ClockTime::ZERO));
        }
        let samples: Vec<f32> = map
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        stream.samples += samples.len() as u64;
        stream.detector.push(&samples);

        // A running estimate for a live view, every `update-seconds` of audio.
        let envelope_rate = f64::from(stream.rate) / super::onset::hop_len(stream.rate) as f64;
        let due = settings.update_seconds > 0.0
            && (stream.detector.frames() - stream.reported_frames) as f64
                >= settings.update_seconds * envelope_rate;
        let update = due.then(|| {
            stream.reported_frames = stream.detector.frames();
            tempo::estimate(
                stream.detector.flux(),
                envelope_rate,
                &settings.params.range,
            )
        });
        drop(guard);
        if let Some(Some(found)) = update {
            self.post(
                gst::Structure::builder("reelbeats-tempo")
                    .field("bpm", found.bpm)
                    .field("confidence", found.confidence)
                    .build(),
            );
        }
        Ok(gst::FlowSuccess::Ok)
    }
}
