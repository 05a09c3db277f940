//! The sound track: voices at their times, music under them ducked while anyone speaks
//! (GstController keyframes on a `volume`), effects as they are; mixed by `audiomixer` into
//! memory, normalised to the target loudness, and kept as one WAV that every profile encodes.

use super::cache::{self, Cache};
use super::error::RenderError;
use super::loudness;
use super::pipeline::{self, capsfilter, chain, clock, make, Cancel};
use super::probe;
use super::wav;
use crate::plan::timeline::{AudioCue, AudioTrack, Ducking, MusicSource};
use gst::prelude::*;
use std::path::{Path, PathBuf};

pub const RATE: u32 = 48_000;
pub const CHANNELS: u32 = 2;

/// The finished mix of a timeline.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Mix {
    pub path: PathBuf,
    /// Integrated loudness of the mix, LUFS (`None` when silent).
    pub loudness: Option<f64>,
}

/// Mixes `track` to exactly `duration` seconds, reusing an identical earlier mix: one of the
/// same cues, gains and lengths, from the same files (a file replaced under its name is
/// another), kept with its loudness beside it.
pub fn mix(
    track: &AudioTrack,
    duration: f64,
    cache: &Cache,
    cancel: &Cancel,
) -> Result<Mix, RenderError> {
    let key = serde_json::to_string(track).map_err(|e| pipeline::internal(e.to_string()))?;
    let files: Vec<String> = track_files(track).map(cache::identity).collect();
    let path = cache.path(
        "mix",
        &[
            key.as_bytes(),
            files.join("\n").as_bytes(),
            &duration.to_le_bytes(),
        ],
        "wav",
    );
    let loudness_path = path.with_extension("loudness.json");
    if let Some(loudness) = cached_loudness(&path, &loudness_path) {
        return Ok(Mix { path, loudness });
    }
    let mut samples = render_mix(track, duration, cancel)?;
    let loudness = match track.loudness_lufs {
        Some(target) => loudness::normalize(&mut samples, RATE, CHANNELS, target),
        None => loudness::integrated(&samples, RATE, CHANNELS),
    };
    wav::write(&path, RATE, CHANNELS as u16, &samples).map_err(|e| RenderError::io(&path, e))?;
    drop(samples);
    release_free_memory();
    // Written after the mix, so a loudness on file always has its mix beside it.
    let json = serde_json::to_vec(&loudness).map_err(|e| pipeline::internal(e.to_string()))?;
    cache::write_atomic(&loudness_path, &json).map_err(|e| RenderError::io(&loudness_path, e))?;
    Ok(Mix { path, loudness })
}

/// Every file `track` plays.
fn track_files(track: &AudioTrack) -> impl Iterator<Item = &Path> {
    let music = match track.music.as_ref().map(|m| &m.source) {
        Some(MusicSource::File { path }) => Some(path.as_path()),
        _ => None,
    };
    track
        .voice
        .iter()
        .chain(&track.effects)
        .map(|cue| cue.path.as_path())
        .chain(music)
}

/// The loudness of a mix made earlier, when both it and the mix are on file.
fn cached_loudness(mix: &Path, loudness: &Path) -> Option<Option<f64>> {
    if !mix.is_file() {
        return None;
    }
    serde_json::from_slice(&std::fs::read(loudness).ok()?).ok()
}

/// Gives the pages malloc holds free back to the system. A long mix's graph leaves its heaps
/// full of holes (a branch per voice, each with its buffers), which the encode that follows
/// cannot use for its large frames, so they would stay resident beside it.
fn release_free_memory() {
    // SAFETY: malloc_trim only returns unused heap pages; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn mix_caps() -> gst::Caps {
    gst_audio::AudioCapsBuilder::new_interleaved()
        .format(gst_audio::AUDIO_FORMAT_F32)
        .rate(RATE as i32)
        .channels(CHANNELS as i32)
        .build()
}

fn render_mix(track: &AudioTrack, duration: f64, cancel: &Cancel) -> Result<Vec<f32>, RenderError> {
    pipeline::init()?;
    let pipeline = gst::Pipeline::new();
    let mixer = make("audiomixer")?;
    let caps = mix_caps();
    let out_filter = capsfilter(&caps)?;
    let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
    let samples = pipeline::collect_samples(&sink);
    if let Ok(mut samples) = samples.lock() {
        // One allocation the size of the mix (the silence below runs to the next tenth of a
        // second): grown by doubling, a long mix would be held twice over while copied.
        let frames = (duration * 10.0).ceil() as usize * (RATE / 10) as usize;
        samples.reserve_exact(frames * CHANNELS as usize);
    }
    chain(&pipeline, &[&mixer, &out_filter, sink.upcast_ref()])?;

    // Silence the length of the video, so the mix spans it whatever else plays.
    let silence = make("audiotestsrc")?;
    silence.set_property_from_str("wave", "silence");
    silence.set_property("samplesperbuffer", (RATE / 10) as i32);
    silence.set_property("num-buffers", (duration * 10.0).ceil() as i32);
    add_branch(&pipeline, &mixer, &[silence], 0.0)?;

    for cue in track.voice.iter().chain(&track.effects) {
        add_file(&pipeline, &mixer, cue)?;
    }
    if let Some(music) = &track.music {
        let envelope = ducking_envelope(&speech_spans(&track.voice)?, music.gain_db, track.ducking);
        for (head, offset) in music_sources(&pipeline, &music.source, duration)? {
            let volume = make("volume")?;
            apply_envelope(&volume, &envelope, offset)?;
            let branch = [head, make("audioresample")?, volume];
            add_branch(&pipeline, &mixer, &branch, offset)?;
        }
    }

    pipeline::run_until(&pipeline, "audio mix", cancel, || {})?;
    let mut samples = pipeline::take_samples(&samples);
    // Exactly the video's length: the mixer may run a few samples past it.
    samples.resize(
        (duration * f64::from(RATE)).round() as usize * CHANNELS as usize,
        0.0,
    );
    Ok(samples)
}

/// Links `elements` in order, converts to the mix format and feeds the mixer from `offset`
/// seconds on.
fn add_branch(
    pipeline: &gst::Pipeline,
    mixer: &gst::Element,
    elements: &[gst::Element],
    offset: f64,
) -> Result<(), RenderError> {
    let filter = capsfilter(&mix_caps())?;
    let convert = make("audioconvert")?;
    let mut all: Vec<&gst::Element> = elements.iter().collect();
    all.push(&convert);
    all.push(&filter);
    chain(pipeline, &all)?;
    let src = filter
        .static_pad("src")
        .ok_or_else(|| pipeline::internal("capsfilter without src".into()))?;
    src.set_offset(clock(offset).nseconds() as i64);
    let sink = mixer
        .request_pad_simple("sink_%u")
        .ok_or_else(|| pipeline::internal("audiomixer gave no pad".into()))?;
    src.link(&sink)
        .map_err(|e| pipeline::internal(e.to_string()))?;
    Ok(())
}

/// A decoded audio file at its cue's time and gain.
fn add_file(
    pipeline: &gst::Pipeline,
    mixer: &gst::Element,
    cue: &AudioCue,
) -> Result<(), RenderError> {
    let decoded = decoded_file(pipeline, &cue.path)?;
    let volume = make("volume")?;
    volume.set_property("volume", loudness::db_to_gain(cue.gain_db));
    let branch = [decoded, make("audioresample")?, volume];
    add_branch(pipeline, mixer, &branch, cue.start)
}

/// The sound of `path` decoded to interleaved float samples at `rate` and `channels`, for
/// analysis (speech, beats) and for cutting footage's own sound into voice cues.
pub fn decode_samples(
    path: &Path,
    rate: u32,
    channels: u32,
    cancel: &Cancel,
) -> Result<Vec<f32>, RenderError> {
    pipeline::init()?;
    let pipeline = gst::Pipeline::new();
    let caps = gst_audio::AudioCapsBuilder::new_interleaved()
        .format(gst_audio::AUDIO_FORMAT_F32)
        .rate(rate as i32)
        .channels(channels as i32)
        .build();
    let decoded = decoded_file(&pipeline, path)?;
    let resample = make("audioresample")?;
    let filter = capsfilter(&caps)?;
    let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
    let samples = pipeline::collect_samples(&sink);
    chain(
        &pipeline,
        &[&decoded, &resample, &filter, sink.upcast_ref()],
    )?;
    pipeline::run_until(&pipeline, "audio decode", cancel, || {})?;
    Ok(pipeline::take_samples(&samples))
}

/// Adds `filesrc ! decodebin` to the pipeline; returns the (not yet added) element that the
/// decoded audio will arrive at.
fn decoded_file(pipeline: &gst::Pipeline, path: &Path) -> Result<gst::Element, RenderError> {
    let source = make("filesrc")?;
    source.set_property("location", path);
    let decode = make("decodebin")?;
    pipeline::decode_only(&decode, "audio");
    let convert = make("audioconvert")?;
    chain(pipeline, &[&source, &decode])?;
    pipeline::link_decoded(&decode, &convert, "audio");
    Ok(convert)
}

/// The first element of every music branch and when it starts: a generated bed for the whole
/// video, or a file repeated back to back until the video ends.
fn music_sources(
    pipeline: &gst::Pipeline,
    source: &MusicSource,
    duration: f64,
) -> Result<Vec<(gst::Element, f64)>, RenderError> {
    match source {
        MusicSource::Generated {
            mood,
            tempo,
            key,
            seed,
        } => {
            let music = make("reelmusic")?;
            music.set_property("mood", mood.as_str());
            music.set_property("tempo", *tempo);
            music.set_property("key", key.as_str());
            music.set_property("seed", *seed);
            music.set_property("duration", clock(duration).nseconds());
            Ok(vec![(music, 0.0)])
        }
        MusicSource::File { path } => {
            let length = probe::probe(path)
                .map_err(|e| RenderError::Input {
                    path: path.clone(),
                    message: format!("cannot read music: {e}"),
                })?
                .duration;
            if length <= 0.0 {
                return Err(RenderError::Input {
                    path: path.clone(),
                    message: "music has no length".into(),
                });
            }
            // A file a hair shorter than the video needs no second copy for a few samples.
            let repeats = ((duration - 0.01) / length).ceil().max(1.0) as usize;
            (0..repeats)
                .map(|k| Ok((decoded_file(pipeline, path)?, k as f64 * length)))
                .collect()
        }
    }
}

/// When speech plays, from each voice file's length.
fn speech_spans(voice: &[AudioCue]) -> Result<Vec<(f64, f64)>, RenderError> {
    voice
        .iter()
        .map(|cue| {
            let length = probe::probe(&cue.path)
                .map_err(|e| RenderError::Input {
                    path: cue.path.clone(),
                    message: format!("cannot read voice: {e}"),
                })?
                .duration;
            Ok((cue.start, cue.start + length))
        })
        .collect()
}

/// Music gain over time, as (seconds, dB) keyframes: `gain_db` normally, `depth_db` lower while
/// speech plays; ramps end where speech starts and begin where it ends. Spans closer than two
/// ramps merge, so the music does not bob between sentences.
pub fn ducking_envelope(spans: &[(f64, f64)], gain_db: f64, ducking: Ducking) -> Vec<(f64, f64)> {
    let ramp = ducking.ramp_s.max(0.0);
    let mut spans: Vec<(f64, f64)> = spans.to_vec();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start - ramp <= last.1 + ramp => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let low = gain_db + ducking.depth_db;
    let mut points = vec![(0.0, gain_db)];
    for (start, end) in merged {
        points.push(((start - ramp).max(0.0), gain_db));
        points.push((start, low));
        points.push((end, low));
        points.push((end + ramp, gain_db));
    }
    points
}

/// Drives `volume` along `envelope` (dB keyframes, timeline seconds) for a source that starts
/// at `offset`. Linear interpolation of the gain factor between close keyframes; ramps get
/// extra points so they are linear in dB, as the ear hears them.
fn apply_envelope(
    volume: &gst::Element,
    envelope: &[(f64, f64)],
    offset: f64,
) -> Result<(), RenderError> {
    use gst_controller::prelude::*;
    const STEPS: usize = 8;
    let source = gst_controller::InterpolationControlSource::new();
    source.set_mode(gst_controller::InterpolationMode::Linear);
    let set = |t: f64, db: f64| {
        if t >= offset {
            source.set(clock(t - offset), loudness::db_to_gain(db));
        }
    };
    for pair in envelope.windows(2) {
        let ((t0, d0), (t1, d1)) = (pair[0], pair[1]);
        for step in 0..STEPS {
            let f = step as f64 / STEPS as f64;
            set(t0 + (t1 - t0) * f, d0 + (d1 - d0) * f);
        }
    }
    if let Some(&(t, db)) = envelope.last() {
        set(t, db);
    }
    // Before the first keyframe inside this source, hold the level it starts at.
    let start_db = level_at(envelope, offset);
    set(offset, start_db);
    let binding = gst_controller::DirectControlBinding::new_absolute(volume, "volume", &source);
    volume
        .add_control_binding(&binding)
        .map_err(|e| pipeline::internal(e.to_string()))
}

fn level_at(envelope: &[(f64, f64)], t: f64) -> f64 {
    let mut level = envelope.first().map_or(0.0, |p| p.1);
    for pair in envelope.windows(2) {
        let ((t0, d0), (t1, d1)) = (pair[0], pair[1]);
        if t >= t0 && t <= t1 && t1 > t0 {
            return d0 + (d1 - d0) * (t - t0) / (t1 - t0);
        }
        if t > t1 {
            level = d1;
        }
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` of a tone at `hz`, as a mono WAV at `path`.
    fn tone_file(path: &Path, hz: f32, seconds: usize) {
        let samples: Vec<f32> = (0..48_000 * seconds)
            .map(|i| 0.3 * (std::f32::consts::TAU * hz * i as f32 / 48_000.0).sin())
            .collect();
        wav::write(path, 48_000, 1, &samples).unwrap();
    }

    #[test]
    fn a_mix_is_made_once_and_made_again_when_a_file_it_plays_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"));
        let voice = dir.path().join("line.wav");
        tone_file(&voice, 440.0, 1);
        let track = AudioTrack {
            voice: vec![AudioCue {
                path: voice.clone(),
                start: 0.5,
                gain_db: 0.0,
            }],
            ..AudioTrack::default()
        };
        let cancel = Cancel::default();
        let first = mix(&track, 2.0, &cache, &cancel).unwrap();
        assert!((first.loudness.unwrap() + 16.0).abs() < 0.5, "{first:?}");
        let made = std::fs::metadata(&first.path).unwrap().modified().unwrap();

        let again = mix(&track, 2.0, &cache, &cancel).unwrap();
        assert_eq!((&again.path, again.loudness), (&first.path, first.loudness));
        let kept = std::fs::metadata(&again.path).unwrap().modified().unwrap();
        assert_eq!(kept, made, "the mix was made again");

        // The same name with other sound in it is another mix.
        tone_file(&voice, 220.0, 2);
        let changed = mix(&track, 2.0, &cache, &cancel).unwrap();
        assert_ne!(changed.path, first.path);
    }

    #[test]
    fn envelope_ducks_around_speech_and_merges_close_spans() {
        let duck = Ducking {
            depth_db: -10.0,
            ramp_s: 0.15,
        };
        let env = ducking_envelope(&[(1.0, 2.0), (2.2, 3.0), (5.0, 6.0)], -18.0, duck);
        assert_eq!(
            env,
            vec![
                (0.0, -18.0),
                (0.85, -18.0),
                (1.0, -28.0),
                (3.0, -28.0),
                (3.15, -18.0),
                (4.85, -18.0),
                (5.0, -28.0),
                (6.0, -28.0),
                (6.15, -18.0),
            ]
        );
        assert_eq!(level_at(&env, 2.0), -28.0);
        assert!((level_at(&env, 0.925) + 23.0).abs() < 1e-9);
        assert_eq!(level_at(&env, 10.0), -18.0);
    }
}
