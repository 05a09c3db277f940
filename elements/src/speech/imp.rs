//! The `reelspeech` element: a `BaseSrc` in time format that speaks its text once, when it
//! starts, and then plays the samples out in blocks, posting each word as the block holding
//! its start leaves.
//!
//! Timestamps come from the sample count, so they never drift and the last buffer ends on the
//! last sample.

use super::espeak;
use super::{Delivery, Piper, TimedWord};
use crate::onnx::runtime;
use crate::shared::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::base_src::CreateSuccess;
use gst_base::subclass::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelspeech",
        gst::DebugColorFlags::empty(),
        Some("reel speech synthesis"),
    )
});

const DEFAULT_ESPEAK_VOICE: &str = "en-us";
const DEFAULT_PITCH: i32 = 0;
/// A scale of 0 (or less) leaves the voice's own default from its JSON.
const DEFAULT_SCALE: f32 = 0.0;
const MAX_SCALE: f32 = 10.0;
/// Samples per buffer: about 46 ms at 22.05 kHz.
const BLOCK_SAMPLES: usize = 1024;
/// The engine named in `reelspeech-done` when no voice model is set.
const ESPEAK_ENGINE: &str = "espeak-ng";

#[derive(Debug, Clone)]
struct Settings {
    text: String,
    model_dir: Option<String>,
    length_scale: f32,
    noise_scale: f32,
    noise_w: f32,
    espeak_voice: String,
    pitch: i32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            text: String::new(),
            model_dir: None,
            length_scale: DEFAULT_SCALE,
            noise_scale: DEFAULT_SCALE,
            noise_w: DEFAULT_SCALE,
            espeak_voice: DEFAULT_ESPEAK_VOICE.into(),
            pitch: DEFAULT_PITCH,
        }
    }
}

impl Settings {
    /// The voice's delivery with the scales that were set (above 0) in place of its own.
    fn delivery(&self, voice: Delivery) -> Delivery {
        let set_or = |value: f32, default: f32| if value > 0.0 { value } else { default };
        Delivery {
            noise: set_or(self.noise_scale, voice.noise),
            length: set_or(self.length_scale, voice.length),
            noise_w: set_or(self.noise_w, voice.noise_w),
        }
    }
}

/// A Piper voice and the folder it came from.
struct Voice {
    dir: PathBuf,
    piper: Piper,
}

/// The spoken text: mono samples at `rate`, the words' times when the engine knows them, and
/// what spoke it.
struct Line {
    samples: Vec<f32>,
    rate: u32,
    words: Vec<TimedWord>,
    engine: String,
    provider: String,
}

/// Playback of the line: how far it got.
struct State {
    line: Line,
    /// Samples already sent.
    position: usize,
    /// Words already posted.
    posted: usize,
    /// `reelspeech-done` was posted.
    finished: bool,
}

#[derive(Default)]
pub struct Speech {
    settings: Mutex<Settings>,
    /// Kept from one start to the next, so a restarted pipeline does not reload the model;
    /// dropped when the element goes to NULL or the folder changes.
    voice: Mutex<Option<Voice>>,
    state: Mutex<Option<State>>,
}

/// The stream time of sample `n`.
fn sample_time(n: usize, rate: u32) -> gst::ClockTime {
    let nanos = n as u128 * 1_000_000_000 / u128::from(rate.max(1));
    gst::ClockTime::from_nseconds(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Mono `F32LE` caps, at `rate` when it is known.
fn audio_caps(rate: Option<u32>) -> gst::Caps {
    let builder = gst_audio::AudioCapsBuilder::new_interleaved()
        .format(gst_audio::AudioFormat::F32le)
        .channels(1);
    match rate.and_then(|r| i32::try_from(r).ok()) {
        Some(rate) => builder.rate(rate).build(),
        None => builder.build(),
    }
}

/// The name a voice goes by: its folder's.
fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
}

impl Speech {
    fn post(&self, structure: gst::Structure) {
        crate::shared::post(self.obj().upcast_ref(), structure);
    }

    /// `text` spoken by the Piper voice in `dir`, loading it unless it is the one held.
    fn speak_with_piper(
        &self,
        dir: &Path,
        text: &str,
        settings: &Settings,
    ) -> Result<Line, gst::ErrorMessage> {
        runtime::init(None).map_err(|err| {
            gst::error_msg!(
                gst::LibraryError::Init,
                ("Cannot load the voice in {}: {}", dir.display(), err)
            )
        })?;
        let mut guard = lock(&self.voice);
        let voice = match guard.take() {
            Some(voice) if voice.dir == dir => voice,
            _ => {
                let piper = Piper::open(dir, &folder_name(dir), &[], &[], true).map_err(|err| {
                    gst::error_msg!(
                        gst::LibraryError::Settings,
                        ("Cannot load the Piper voice in {}: {}", dir.display(), err)
                    )
                })?;
                gst::info!(
                    CAT,
                    imp = self,
                    "voice loaded from {} on {}",
                    dir.display(),
                    piper.model().provider
                );
                Voice {
                    dir: dir.to_path_buf(),
                    piper,
                }
            }
        };
        let voice = guard.insert(voice);
        let piper = &mut voice.piper;
        let spoken = if text.is_empty() {
            Default::default()
        } else {
            let delivery = settings.delivery(piper.default);
            gst::debug!(CAT, imp = self, "speaking with {delivery:?}");
            piper.speak(text, delivery).map_err(|err| {
                gst::error_msg!(
                    gst::LibraryError::Failed,
                    ("The voice in {} cannot speak: {}", dir.display(), err)
                )
            })?
        };
        Ok(Line {
            samples: spoken.samples,
            rate: piper.sample_rate,
            words: spoken.words,
            engine: folder_name(dir),
            provider: piper.model().provider.to_string(),
        })
    }

    /// `text` spoken by espeak-ng, which gives no word times.
    fn speak_with_espeak(
        &self,
        text: &str,
        settings: &Settings,
    ) -> Result<Line, gst::ErrorMessage> {
        let audio = if text.is_empty() {
            espeak::Audio {
                samples: Vec::new(),
                rate: espeak::SAMPLE_RATE,
            }
        } else {
            espeak::speak(text, &settings.espeak_voice, settings.pitch).map_err(|err| {
                let kind = match err {
                    espeak::EspeakError::Run(_) => gst::LibraryError::Init,
                    _ => gst::LibraryError::Failed,
                };
                gst::error_msg!(kind, ("No model-dir set and the fallback failed: {}", err))
            })?
        };
        Ok(Line {
            samples: audio.samples,
            rate: audio.rate,
            words: Vec::new(),
            engine: ESPEAK_ENGINE.into(),
            provider: "CPU".into(),
        })
    }

    /// The next block of the line as a buffer timed from its sample count, and the words that
    /// start in it; `None` once everything was sent.
    fn next_block(
        &self,
        state: &mut State,
    ) -> Result<Option<(gst::Buffer, Vec<TimedWord>)>, gst::FlowError> {
        let line = &state.line;
        let start = state.position;
        if start >= line.samples.len() {
            return Ok(None);
        }
        let end = (start + BLOCK_SAMPLES).min(line.samples.len());
        let bytes: Vec<u8> = line.samples[start..end]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        {
            let Some(buffer) = buffer.get_mut() else {
                gst::element_imp_error!(self, gst::CoreError::Failed, ("New buffer not writable"));
                return Err(gst::FlowError::Error);
            };
            let pts = sample_time(start, line.rate);
            buffer.set_pts(pts);
            buffer.set_duration(sample_time(end, line.rate).saturating_sub(pts));
            buffer.set_offset(start as u64);
            buffer.set_offset_end(end as u64);
        }
        let rate = f64::from(line.rate);
        let starting = line.words[state.posted..]
            .iter()
            .take_while(|w| w.start * rate < end as f64)
            .cloned()
            .collect::<Vec<_>>();
        state.posted += starting.len();
        state.position = end;
        Ok(Some((buffer, starting)))
    }

    fn post_word(&self, word: &TimedWord) {
        self.post(
            gst::Structure::builder("reelspeech-word")
                .field("text", word.text.as_str())
                .field("start", word.start)
                .field("end", word.end)
                .build(),
        );
    }
}

#[glib::object_subclass]
impl ObjectSubclass for Speech {
    const NAME: &'static str = "GstReelSpeech";
    type Type = super::Speech;
    type ParentType = gst_base::BaseSrc;
}

impl ObjectImpl for Speech {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let scale = |name: &str, nick: &str, blurb: &str| {
                glib::ParamSpecFloat::builder(name)
                    .nick(nick)
                    .blurb(blurb)
                    .minimum(-1.0)
                    .maximum(MAX_SCALE)
                    .default_value(DEFAULT_SCALE)
                    .mutable_ready()
                    .build()
            };
            vec![
                glib::ParamSpecString::builder("text")
                    .nick("Text")
                    .blurb("What to say; empty gives EOS at once")
                    .default_value(Some(""))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("model-dir")
                    .nick("Voice folder")
                    .blurb(
                        "Folder of a Piper voice (model.onnx, model.onnx.json); unset: \
                         espeak-ng speaks",
                    )
                    .mutable_ready()
                    .build(),
                scale(
                    "length-scale",
                    "Length scale",
                    "Time stretch, above 1 is slower (0 or less: the voice's default)",
                ),
                scale(
                    "noise-scale",
                    "Noise scale",
                    "Variation in the voice (0 or less: the voice's default)",
                ),
                scale(
                    "noise-w",
                    "Duration noise",
                    "Variation in phoneme lengths (0 or less: the voice's default)",
                ),
                glib::ParamSpecString::builder("espeak-voice")
                    .nick("espeak-ng voice")
                    .blurb("Voice of the espeak-ng fallback, e.g. en-us, en-gb, de")
                    .default_value(Some(DEFAULT_ESPEAK_VOICE))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecInt::builder("pitch")
                    .nick("Pitch")
                    .blurb("Pitch of the espeak-ng fallback, -100 (lowest) to 100 (highest)")
                    .minimum(-100)
                    .maximum(100)
                    .default_value(DEFAULT_PITCH)
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        // GObject has checked the types already; a NULL string means the default.
        let string = || value.get::<Option<String>>().ok().flatten();
        match pspec.name() {
            "text" => settings.text = string().unwrap_or_default(),
            "model-dir" => settings.model_dir = string().filter(|d| !d.is_empty()),
            "length-scale" => settings.length_scale = value.get().unwrap_or(DEFAULT_SCALE),
            "noise-scale" => settings.noise_scale = value.get().unwrap_or(DEFAULT_SCALE),
            "noise-w" => settings.noise_w = value.get().unwrap_or(DEFAULT_SCALE),
            "espeak-voice" => {
                settings.espeak_voice = string()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| DEFAULT_ESPEAK_VOICE.into());
            }
            "pitch" => settings.pitch = value.get().unwrap_or(DEFAULT_PITCH),
            // GLib only passes the properties registered above.
            other => gst::warning!(CAT, imp = self, "no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "text" => settings.text.to_value(),
            "model-dir" => settings.model_dir.to_value(),
            "length-scale" => settings.length_scale.to_value(),
            "noise-scale" => settings.noise_scale.to_value(),
            "noise-w" => settings.noise_w.to_value(),
            "espeak-voice" => settings.espeak_voice.to_value(),
            "pitch" => settings.pitch.to_value(),
            _ => pspec.default_value().clone(),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        obj.set_format(gst::Format::Time);
        obj.set_live(false);
        // EOS comes when the samples run out in create(), not from a byte size.
        obj.set_automatic_eos(false);
    }
}

impl GstObjectImpl for Speech {}

impl ElementImpl for Speech {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel speech synthesis",
                "Source/Audio",
                "Speaks text with a Piper neural voice (or espeak-ng) and posts when each word \
                 is heard",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            // Valid fixed-format caps always make a template.
            gst::PadTemplate::new(
                "src",
                gst::PadDirection::Src,
                gst::PadPresence::Always,
                &audio_caps(None),
            )
            .into_iter()
            .collect()
        });
        TEMPLATES.as_ref()
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        let success = self.parent_change_state(transition)?;
        if transition == gst::StateChange::ReadyToNull {
            // The voice's ONNX session (tens of MB) is freed only here, not at each stop.
            *lock(&self.voice) = None;
        }
        Ok(success)
    }
}

impl BaseSrcImpl for Speech {
    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let text = settings.text.trim();
        let clock = Instant::now();
        let line = match settings.model_dir.as_deref() {
            Some(dir) => self.speak_with_piper(Path::new(dir), text, &settings)?,
            None => {
                // A voice from an earlier run is not needed any more.
                *lock(&self.voice) = None;
                self.speak_with_espeak(text, &settings)?
            }
        };
        let seconds = line.samples.len() as f64 / f64::from(line.rate.max(1));
        gst::info!(
            CAT,
            imp = self,
            "{seconds:.2} s of speech, {} timed words, from {} in {:.2} s",
            line.words.len(),
            line.engine,
            clock.elapsed().as_secs_f64()
        );
        *lock(&self.state) = Some(State {
            line,
            position: 0,
            posted: 0,
            finished: false,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn caps(&self, filter: Option<&gst::Caps>) -> Option<gst::Caps> {
        let rate = lock(&self.state).as_ref().map(|s| s.line.rate);
        let caps = audio_caps(rate);
        Some(match filter {
            Some(filter) => filter.intersect_with_mode(&caps, gst::CapsIntersectMode::First),
            None => caps,
        })
    }

    fn query(&self, query: &mut gst::QueryRef) -> bool {
        if let gst::QueryViewMut::Duration(q) = query.view_mut() {
            let duration = lock(&self.state)
                .as_ref()
                .map(|s| sample_time(s.line.samples.len(), s.line.rate));
            if let (gst::Format::Time, Some(duration)) = (q.format(), duration) {
                q.set(duration);
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
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            drop(guard);
            gst::element_imp_error!(
                self,
                gst::CoreError::Failed,
                ("Data asked for before start")
            );
            return Err(gst::FlowError::Error);
        };
        if let Some((buffer, words)) = self.next_block(state)? {
            // Posted without the lock: a bus sync handler may call back into the element.
            drop(guard);
            for word in &words {
                self.post_word(word);
            }
            return Ok(CreateSuccess::NewBuffer(buffer));
        }
        if state.finished {
            return Err(gst::FlowError::Eos);
        }
        state.finished = true;
        // Words the engine placed past the last sample still belong to the line.
        let late = state
            .line
            .words
            .split_off(state.posted.min(state.line.words.len()));
        let line = &state.line;
        let done = gst::Structure::builder("reelspeech-done")
            .field("words", (line.words.len() + late.len()) as u32)
            .field(
                "seconds",
                line.samples.len() as f64 / f64::from(line.rate.max(1)),
            )
            .field("engine", line.engine.as_str())
            .field("provider", line.provider.as_str())
            .build();
        drop(guard);
        for word in &late {
            self.post_word(word);
        }
        self.post(done);
        gst::debug!(CAT, imp = self, "end of the line");
        Err(gst::FlowError::Eos)
    }
}
