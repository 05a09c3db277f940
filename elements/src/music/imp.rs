//! The `reelmusic` element: a `BaseSrc` in time format that renders [`Synth`] blocks.
//!
//! Positions are kept in frames and every timestamp is derived from the frame count, so
//! timestamps never drift and EOS lands on exactly `duration`.

use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::base_src::CreateSuccess;
use gst_base::subclass::prelude::*;

use super::synth::{self, Spec, Synth};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelmusic",
        gst::DebugColorFlags::empty(),
        Some("Procedural music bed"),
    )
});

const DEFAULT_MOOD: &str = "calm";
const DEFAULT_TEMPO: f64 = 96.0;
const DEFAULT_KEY: &str = "C";
const DEFAULT_SEED: u64 = 0;
const DEFAULT_DURATION: u64 = 0;
const DEFAULT_LOOP_BARS: u32 = 8;
const MAX_LOOP_BARS: u32 = 64;
/// Rate chosen when downstream accepts a range.
const DEFAULT_RATE: i32 = 48_000;
/// Frames per buffer: about 21 ms at 48 kHz.
const BLOCK_FRAMES: u64 = 1024;
const CHANNELS: usize = 2;
const BYTES_PER_FRAME: usize = CHANNELS * std::mem::size_of::<f32>();

#[derive(Debug, Clone)]
struct Settings {
    mood: String,
    tempo: f64,
    key: String,
    seed: u64,
    duration: u64,
    loop_bars: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mood: DEFAULT_MOOD.into(),
            tempo: DEFAULT_TEMPO,
            key: DEFAULT_KEY.into(),
            seed: DEFAULT_SEED,
            duration: DEFAULT_DURATION,
            loop_bars: DEFAULT_LOOP_BARS,
        }
    }
}

/// Streaming state, reset by `start()`.
#[derive(Default)]
struct State {
    /// Validated at `start()`, so bad settings fail before negotiation.
    spec: Option<Spec>,
    /// `duration` property, captured at `start()`; 0 = endless.
    duration: u64,
    /// Built once the sample rate is known.
    synth: Option<Synth>,
    rate: u32,
    /// Next frame to produce.
    position: u64,
    /// Segment stop from the last seek, in time; converted to frames with the rate.
    stop_time: Option<gst::ClockTime>,
    /// A seek that arrived before the rate was known (the initial one always does).
    pending_start: Option<gst::ClockTime>,
    /// Frame to fade in from after a seek into the piece.
    fade_in_from: Option<u64>,
    /// Mark the next buffer as a discontinuity.
    discont: bool,
    /// Interleaved render target, reused so streaming never allocates sample memory twice.
    samples: Vec<f32>,
}

impl State {
    fn time_to_frames(&self, time: gst::ClockTime) -> u64 {
        scale_round(
            time.nseconds(),
            u64::from(self.rate),
            gst::ClockTime::SECOND.nseconds(),
        )
    }

    fn frames_to_time(&self, frames: u64) -> gst::ClockTime {
        gst::ClockTime::from_nseconds(scale_round(
            frames,
            gst::ClockTime::SECOND.nseconds(),
            u64::from(self.rate),
        ))
    }

    /// Total frames of a finite piece.
    fn total(&self) -> Option<u64> {
        (self.duration > 0)
            .then(|| self.time_to_frames(gst::ClockTime::from_nseconds(self.duration)))
    }

    /// First frame not to produce: the piece's end or the segment stop, whichever is first.
    fn end(&self) -> u64 {
        let stop = self.stop_time.map(|t| self.time_to_frames(t));
        [self.total(), stop]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Moves to `start`, fading in unless starting from the very beginning (where every note
    /// already starts from silence).
    fn seek_to(&mut self, start: gst::ClockTime) {
        self.position = self.time_to_frames(start);
        self.fade_in_from = (self.position > 0).then_some(self.position);
        self.discont = true;
    }
}

/// `a * b / c` rounded to nearest, without overflow.
fn scale_round(a: u64, b: u64, c: u64) -> u64 {
    if c == 0 {
        return 0;
    }
    let r = (u128::from(a) * u128::from(b) + u128::from(c) / 2) / u128::from(c);
    u64::try_from(r).unwrap_or(u64::MAX)
}

#[derive(Default)]
pub struct Music {
    settings: Mutex<Settings>,
    state: Mutex<State>,
}

impl Music {
    // A panic while holding a lock cannot leave these plain-data structs inconsistent, so a
    // poisoned lock is simply taken over.
    fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Renders the next block of the piece into a new buffer, or `None` at the end.
    fn next_buffer(&self, state: &mut State) -> Result<Option<gst::Buffer>, gst::FlowError> {
        let end = state.end();
        if state.position >= end {
            return Ok(None);
        }
        let Some(synth) = state.synth.as_mut() else {
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ("No caps negotiated"));
            return Err(gst::FlowError::NotNegotiated);
        };
        let frames = BLOCK_FRAMES.min(end - state.position);
        let pos = state.position;
        // Taken out of the state while the fades below borrow it; put back after.
        let mut samples = std::mem::take(&mut state.samples);
        samples.resize(frames as usize * CHANNELS, 0.0);
        synth.render(pos, &mut samples);
        self.apply_fades(state, pos, &mut samples);
        let buffer = self.make_buffer(state, pos, frames, &samples);
        state.samples = samples;
        let buffer = buffer?;
        state.position += frames;
        state.discont = false;
        Ok(Some(buffer))
    }

    fn apply_fades(&self, state: &State, pos: u64, samples: &mut [f32]) {
        if let Some(total) = state.total() {
            let fade = synth::secs_to_frames(synth::FADE_OUT_SECS, state.rate).min(total);
            synth::apply_fade_out(samples, pos, total, fade);
        }
        if let Some(from) = state.fade_in_from {
            let fade = synth::secs_to_frames(synth::SEEK_FADE_IN_SECS, state.rate).max(1);
            synth::apply_fade_in(samples, pos, from, fade);
        }
    }

    /// Wraps rendered samples in a buffer whose timestamps come from the frame count.
    fn make_buffer(
        &self,
        state: &State,
        pos: u64,
        frames: u64,
        samples: &[f32],
    ) -> Result<gst::Buffer, gst::FlowError> {
        let mut buffer =
            gst::Buffer::with_size(frames as usize * BYTES_PER_FRAME).map_err(|_| {
                gst::element_imp_error!(
                    self,
                    gst::ResourceError::NoSpaceLeft,
                    ("Cannot allocate buffer")
                );
                gst::FlowError::Error
            })?;
        let pts = state.frames_to_time(pos);
        let mut end_time = state.frames_to_time(pos + frames);
        if Some(pos + frames) == state.total() {
            // The last buffer ends on the requested duration exactly, not on its rounding.
            end_time = gst::ClockTime::from_nseconds(state.duration);
        }
        {
            let Some(buf) = buffer.get_mut() else {
                gst::element_imp_error!(self, gst::CoreError::Failed, ("New buffer not writable"));
                return Err(gst::FlowError::Error);
            };
            buf.set_pts(pts);
            buf.set_duration(end_time.saturating_sub(pts));
            buf.set_offset(pos);
            buf.set_offset_end(pos + frames);
            if state.discont {
                buf.set_flags(gst::BufferFlags::DISCONT);
            }
            let mut map = buf.map_writable().map_err(|_| {
                gst::element_imp_error!(self, gst::CoreError::Failed, ("Cannot map buffer"));
                gst::FlowError::Error
            })?;
            for (bytes, s) in map.chunks_exact_mut(4).zip(samples) {
                bytes.copy_from_slice(&s.to_le_bytes());
            }
        }
        Ok(buffer)
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Music {
    const NAME: &'static str = "GstReelMusic";
    type Type = super::Music;
    type ParentType = gst_base::BaseSrc;
}

impl ObjectImpl for Music {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("mood")
                    .nick("Mood")
                    .blurb(&format!(
                        "Character of the music: {}",
                        synth::Mood::valid_names()
                    ))
                    .default_value(Some(DEFAULT_MOOD))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("tempo")
                    .nick("Tempo")
                    .blurb("Tempo in beats per minute")
                    .minimum(synth::TEMPO_MIN)
                    .maximum(synth::TEMPO_MAX)
                    .default_value(DEFAULT_TEMPO)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("key")
                    .nick("Key")
                    .blurb(
                        "Musical key, e.g. C, F#, Bb, A minor, Am; without a mode the mood \
                         chooses major or minor",
                    )
                    .default_value(Some(DEFAULT_KEY))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("seed")
                    .nick("Seed")
                    .blurb(
                        "Variation of melody, voicing and rhythm details; same seed, same output",
                    )
                    .default_value(DEFAULT_SEED)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("duration")
                    .nick("Duration")
                    .blurb("Length in nanoseconds, ending with a 1.5 s fade and EOS (0 = endless)")
                    .default_value(DEFAULT_DURATION)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("loop-bars")
                    .nick("Loop bars")
                    .blurb("Length in 4/4 bars of the loop the piece repeats")
                    .minimum(1)
                    .maximum(MAX_LOOP_BARS)
                    .default_value(DEFAULT_LOOP_BARS)
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = self.settings();
        // GObject has already checked the value types; a NULL string means the default.
        match pspec.name() {
            "mood" => {
                settings.mood = value
                    .get::<Option<String>>()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_MOOD.into());
            }
            "tempo" => settings.tempo = value.get().unwrap_or(DEFAULT_TEMPO),
            "key" => {
                settings.key = value
                    .get::<Option<String>>()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_KEY.into());
            }
            "seed" => settings.seed = value.get().unwrap_or(DEFAULT_SEED),
            "duration" => settings.duration = value.get().unwrap_or(DEFAULT_DURATION),
            "loop-bars" => settings.loop_bars = value.get().unwrap_or(DEFAULT_LOOP_BARS),
            other => {
                gst::warning!(CAT, imp = self, "Unknown property {other}");
                return;
            }
        }
        gst::debug!(CAT, imp = self, "Set {} to {:?}", pspec.name(), value);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = self.settings();
        match pspec.name() {
            "mood" => settings.mood.to_value(),
            "tempo" => settings.tempo.to_value(),
            "key" => settings.key.to_value(),
            "seed" => settings.seed.to_value(),
            "duration" => settings.duration.to_value(),
            "loop-bars" => settings.loop_bars.to_value(),
            // GObject only asks for properties registered above.
            _ => pspec.default_value().clone(),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        obj.set_format(gst::Format::Time);
        obj.set_live(false);
        // EOS comes from the frame count in create(), not from a byte size.
        obj.set_automatic_eos(false);
    }
}

impl GstObjectImpl for Music {}

impl ElementImpl for Music {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Reel music bed",
                "Source/Audio",
                "Procedural music from mood, tempo, key and seed: pad, keys, bass and soft drums",
                "reel developers",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_audio::AudioCapsBuilder::new_interleaved()
                .format(gst_audio::AudioFormat::F32le)
                .channels(CHANNELS as i32)
                .rate_range(8_000..=192_000)
                .build();
            // A fixed template with valid caps cannot fail to build.
            gst::PadTemplate::new(
                "src",
                gst::PadDirection::Src,
                gst::PadPresence::Always,
                &caps,
            )
            .into_iter()
            .collect()
        });
        TEMPLATES.as_ref()
    }
}

impl BaseSrcImpl for Music {
    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = self.settings().clone();
        let spec = Spec::parse(
            &settings.mood,
            &settings.key,
            settings.tempo,
            settings.seed,
            settings.loop_bars,
        )
        .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("{e}")))?;
        gst::info!(
            CAT,
            imp = self,
            "Starting with {spec:?}, duration {}",
            settings.duration
        );
        *self.state() = State {
            spec: Some(spec),
            duration: settings.duration,
            ..State::default()
        };
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *self.state() = State::default();
        Ok(())
    }

    fn fixate(&self, mut caps: gst::Caps) -> gst::Caps {
        caps.truncate();
        if let Some(s) = caps.make_mut().structure_mut(0) {
            s.fixate_field_nearest_int("rate", DEFAULT_RATE);
        }
        self.parent_fixate(caps)
    }

    fn set_caps(&self, caps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_audio::AudioInfo::from_caps(caps)
            .map_err(|_| gst::loggable_error!(CAT, "Invalid caps {caps}"))?;
        let mut state = self.state();
        let Some(spec) = state.spec.clone() else {
            return Err(gst::loggable_error!(CAT, "Caps set before start"));
        };
        let rate = info.rate();
        if state.rate != 0 && state.rate != rate {
            // Keep the position in time across a rate change.
            let now = state.frames_to_time(state.position);
            state.rate = rate;
            state.position = state.time_to_frames(now);
            state.fade_in_from = None;
        }
        state.rate = rate;
        if let Some(start) = state.pending_start.take() {
            state.seek_to(start);
        }
        state.synth = Some(Synth::new(&spec, rate));
        gst::debug!(CAT, imp = self, "Configured for {caps}");
        Ok(())
    }

    fn is_seekable(&self) -> bool {
        true
    }

    fn do_seek(&self, segment: &mut gst::Segment) -> bool {
        let Some(segment) = segment.downcast_ref::<gst::ClockTime>() else {
            gst::error!(CAT, imp = self, "Can only seek in time");
            return false;
        };
        if segment.rate() < 0.0 {
            gst::error!(CAT, imp = self, "Reverse playback is not supported");
            return false;
        }
        let start = segment.start().unwrap_or(gst::ClockTime::ZERO);
        let mut state = self.state();
        state.stop_time = segment.stop();
        if state.rate == 0 {
            state.pending_start = Some(start);
        } else {
            state.seek_to(start);
        }
        gst::debug!(
            CAT,
            imp = self,
            "Seeked to {start}, stop {:?}",
            state.stop_time
        );
        true
    }

    fn query(&self, query: &mut gst::QueryRef) -> bool {
        if let gst::QueryViewMut::Duration(q) = query.view_mut() {
            let duration = self.settings().duration;
            if q.format() == gst::Format::Time && duration > 0 {
                q.set(gst::ClockTime::from_nseconds(duration));
                return true;
            }
        }
        BaseSrcImplExt::parent_query(self, query)
    }

    fn create(
        &self,
        _offset: u64,
        _buffer: Option<&mut gst::BufferRef>,
        _length: u32,
    ) -> Result<CreateSuccess, gst::FlowError> {
        let mut state = self.state();
        match self.next_buffer(&mut state)? {
            Some(buffer) => Ok(CreateSuccess::NewBuffer(buffer)),
            None => {
                gst::debug!(CAT, imp = self, "End of piece at frame {}", state.position);
                Err(gst::FlowError::Eos)
            }
        }
    }
}
