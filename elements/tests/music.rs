//! `reelmusic` in a Harness and in small pipelines, checked on its samples.

use gst::prelude::*;
use std::sync::Once;

const RATE: u32 = 48_000;
const SECOND: u64 = 1_000_000_000;
/// -1 dBFS.
const MINUS_1_DBFS: f32 = 0.891;
const MOODS: [&str; 7] = [
    "calm",
    "uplifting",
    "energetic",
    "tense",
    "sad",
    "luxury",
    "minimal",
];

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstreel::register_static().expect("reel elements register");
    });
}

/// Element properties; `Default` matches the element's own defaults except for `duration`.
#[derive(Debug, Clone)]
struct Params {
    mood: &'static str,
    tempo: f64,
    key: &'static str,
    seed: u64,
    duration: u64,
    loop_bars: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            mood: "calm",
            tempo: 96.0,
            key: "C",
            seed: 0,
            duration: 4 * SECOND,
            loop_bars: 8,
        }
    }
}

impl Params {
    fn apply(&self, element: &gst::Element) {
        element.set_property("mood", self.mood);
        element.set_property("tempo", self.tempo);
        element.set_property("key", self.key);
        element.set_property("seed", self.seed);
        element.set_property("duration", self.duration);
        element.set_property("loop-bars", self.loop_bars);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct BufInfo {
    pts: u64,
    duration: u64,
    offset: u64,
    offset_end: u64,
    frames: u64,
}

/// What the element produced: interleaved stereo samples, buffer metadata and whether EOS came.
#[derive(Default)]
struct Render {
    samples: Vec<f32>,
    buffers: Vec<BufInfo>,
    eos: bool,
    /// Caps the source negotiated, read before it stopped.
    caps: Option<gst::Caps>,
}

impl Render {
    fn frames(&self) -> usize {
        self.samples.len() / 2
    }

    fn channel(&self, c: usize) -> Vec<f32> {
        self.samples.iter().skip(c).step_by(2).copied().collect()
    }

    fn mono(&self) -> Vec<f32> {
        self.samples
            .chunks_exact(2)
            .map(|f| 0.5 * (f[0] + f[1]))
            .collect()
    }
}

fn harness(p: &Params) -> gst_check::Harness {
    init();
    let h = gst_check::Harness::new("reelmusic");
    p.apply(&h.element().expect("harness has the element"));
    h
}

fn collect(buffer: &gst::BufferRef, out: &mut Render) {
    let map = buffer.map_readable().expect("readable buffer");
    assert_eq!(map.len() % 8, 0, "whole stereo f32 frames");
    out.samples.extend(
        map.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
    out.buffers.push(BufInfo {
        pts: buffer.pts().expect("pts").nseconds(),
        duration: buffer.duration().expect("duration").nseconds(),
        offset: buffer.offset(),
        offset_end: buffer.offset_end(),
        frames: map.len() as u64 / 8,
    });
}

/// Runs a finite piece to EOS.
fn render_harness(mut h: gst_check::Harness) -> Render {
    h.play();
    let mut out = Render::default();
    while let Some(buffer) = h.pull_until_eos().expect("buffer or EOS") {
        collect(&buffer, &mut out);
    }
    out.eos = true;
    out.caps = h
        .element()
        .and_then(|e| e.static_pad("src"))
        .and_then(|p| p.current_caps());
    out
}

fn render(p: &Params) -> Render {
    render_harness(harness(p))
}

/// Pulls at least `frames` frames of an endless piece.
fn render_endless(p: &Params, frames: usize) -> Render {
    let mut h = harness(&Params {
        duration: 0,
        ..p.clone()
    });
    h.play();
    let mut out = Render::default();
    while out.frames() < frames {
        let buffer = h.pull().expect("endless source keeps producing");
        collect(&buffer, &mut out);
    }
    out
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

// --- Duration, timestamps, caps ---------------------------------------------------------------

#[test]
fn duration_is_sample_exact_and_ends_with_eos() {
    let duration = 2_345_678_901;
    let r = render(&Params {
        duration,
        ..Params::default()
    });

    // round(2.345678901 s * 48000) = 112593 frames.
    let expected = (duration as u128 * RATE as u128 + SECOND as u128 / 2) / SECOND as u128;
    assert_eq!(r.frames() as u128, expected);
    assert!(r.eos);

    let mut next_offset = 0;
    for (i, b) in r.buffers.iter().enumerate() {
        assert_eq!(b.offset, next_offset, "buffer {i} offset");
        assert_eq!(b.offset_end, b.offset + b.frames);
        // Timestamps are derived from the sample count, so they cannot drift.
        let pts = (b.offset as u128 * SECOND as u128 + RATE as u128 / 2) / RATE as u128;
        assert_eq!(b.pts as u128, pts, "buffer {i} pts");
        if i + 1 < r.buffers.len() {
            assert!(
                (1024..=4096).contains(&b.frames),
                "buffer {i} has {} frames",
                b.frames
            );
            assert_eq!(
                b.pts + b.duration,
                r.buffers[i + 1].pts,
                "buffer {i} duration"
            );
        }
        next_offset = b.offset_end;
    }
    let last = r.buffers.last().expect("buffers");
    assert_eq!(
        last.pts + last.duration,
        duration,
        "last buffer ends on the duration"
    );

    let caps = r.caps.expect("negotiated caps");
    let s = caps.structure(0).expect("structure");
    assert_eq!(s.get::<&str>("format").ok(), Some("F32LE"));
    assert_eq!(s.get::<&str>("layout").ok(), Some("interleaved"));
    assert_eq!(s.get::<i32>("channels").ok(), Some(2));
    assert_eq!(s.get::<i32>("rate").ok(), Some(RATE as i32));
}

#[test]
fn other_rates_negotiate_and_keep_exact_duration() {
    let mut h = harness(&Params {
        duration: SECOND + SECOND / 3,
        ..Params::default()
    });
    h.set_sink_caps_str("audio/x-raw,format=F32LE,layout=interleaved,channels=2,rate=44100");
    let r = render_harness(h);
    assert_eq!(r.frames(), 58_800); // 4/3 s at 44.1 kHz
    assert_eq!(
        r.buffers.last().map(|b| b.pts + b.duration),
        Some(SECOND + SECOND / 3)
    );
    assert!(rms(&r.samples) > 0.01);
}

#[test]
fn properties_have_documented_defaults() {
    init();
    let e = gst::ElementFactory::make("reelmusic")
        .build()
        .expect("element");
    assert_eq!(e.property::<String>("mood"), "calm");
    assert_eq!(e.property::<f64>("tempo"), 96.0);
    assert_eq!(e.property::<String>("key"), "C");
    assert_eq!(e.property::<u64>("seed"), 0);
    assert_eq!(e.property::<u64>("duration"), 0);
    assert_eq!(e.property::<u32>("loop-bars"), 8);
}

// --- Determinism ------------------------------------------------------------------------------

#[test]
fn same_seed_is_bit_identical_and_seeds_differ() {
    let p = Params {
        mood: "uplifting",
        key: "D",
        tempo: 110.0,
        seed: 42,
        duration: 3 * SECOND,
        ..Params::default()
    };
    let a = render(&p);
    let b = render(&p);
    let bits = |r: &Render| r.samples.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&a),
        bits(&b),
        "same properties must give the same bits"
    );

    let c = render(&Params { seed: 43, ..p });
    assert_eq!(a.frames(), c.frames());
    let differing = a
        .samples
        .iter()
        .zip(&c.samples)
        .filter(|(x, y)| x != y)
        .count();
    assert!(
        differing > a.samples.len() / 2,
        "seed changed only {differing} samples"
    );
}

// --- Level ------------------------------------------------------------------------------------

#[test]
fn level_is_audible_and_peak_stays_below_minus_1_dbfs() {
    for mood in MOODS {
        for tempo in [60.0, 220.0] {
            let r = render(&Params {
                mood,
                tempo,
                key: "E",
                seed: 9,
                duration: 8 * SECOND,
                ..Params::default()
            });
            let level = db(rms(&r.samples));
            let top = peak(&r.samples);
            assert!(
                (-35.0..=-10.0).contains(&level),
                "{mood} at {tempo} BPM: RMS {level:.1} dBFS"
            );
            assert!(top < MINUS_1_DBFS, "{mood} at {tempo} BPM: peak {top}");
            // Both channels carry the music.
            assert!(rms(&r.channel(0)) > 0.01 && rms(&r.channel(1)) > 0.01);
        }
    }
}

#[test]
fn ending_fades_out_over_the_last_second_and_a_half() {
    let p = Params {
        mood: "energetic",
        duration: 6 * SECOND,
        ..Params::default()
    };
    let faded = render(&p);
    let full = render(&Params {
        duration: 10 * SECOND,
        ..p
    });
    let (x, y) = (faded.mono(), full.mono());
    let fade_start = 4 * RATE as usize + RATE as usize / 2;
    // Up to the fade the piece is the same music, bit for bit.
    assert_eq!(x[..fade_start], y[..fade_start]);
    // Then it follows a raised cosine from 1 to 0 over 1.5 s.
    for k in 0..15 {
        let a = fade_start + k * RATE as usize / 10;
        let b = a + RATE as usize / 10;
        let gain = rms(&x[a..b]) / rms(&y[a..b]);
        let mid = (k as f64 + 0.5) / 15.0;
        let expected = 0.5 * (1.0 + (std::f64::consts::PI * mid).cos());
        assert!(
            (gain - expected).abs() < 0.05,
            "fade gain {gain:.3} at {:.2} s, expected {expected:.3}",
            a as f64 / RATE as f64
        );
    }
    assert!(
        peak(&x[x.len() - 48..]) < 1e-3,
        "the last millisecond is silent"
    );
}

// --- Clicks and the loop ----------------------------------------------------------------------

/// Local step statistics: the largest ratio between one sample-to-sample step and the RMS step
/// within ±5 ms around it. A steady tone gives about 1.4, noise about 4; a discontinuity
/// stands out far above its surroundings. Steps under 1e-3 (-60 dBFS) are ignored.
fn worst_click(x: &[f32]) -> (f64, usize) {
    const HALF: usize = 240;
    let steps: Vec<f64> = x.windows(2).map(|w| f64::from(w[1] - w[0])).collect();
    let mut prefix = vec![0.0; steps.len() + 1];
    for (i, s) in steps.iter().enumerate() {
        prefix[i + 1] = prefix[i] + s * s;
    }
    let mut worst = (0.0, 0);
    for (i, s) in steps.iter().enumerate() {
        if s.abs() < 1e-3 {
            continue;
        }
        let (a, b) = (i.saturating_sub(HALF), (i + HALF + 1).min(steps.len()));
        let local = ((prefix[b] - prefix[a]) / (b - a) as f64).sqrt();
        let ratio = s.abs() / local;
        if ratio > worst.0 {
            worst = (ratio, i + 1);
        }
    }
    worst
}

/// Above this [`worst_click`] ratio a step is a click.
const CLICK_RATIO: f64 = 8.0;

#[test]
fn click_detector_catches_a_discontinuity() {
    // Guard against a detector that cannot fail: a spliced loop with a jump must be caught.
    let r = render_endless(
        &Params {
            mood: "sad",
            tempo: 120.0,
            loop_bars: 2,
            ..Params::default()
        },
        6 * RATE as usize,
    );
    let x = r.channel(0);
    let cut = 5 * RATE as usize;
    let mut spliced = x[..cut].to_vec();
    spliced.extend_from_slice(&x[cut + 3 * RATE as usize / 8..]);
    let (ratio, at) = worst_click(&spliced);
    assert!(ratio > CLICK_RATIO, "missed splice: {ratio} at {at}");
    assert!(at.abs_diff(cut) <= 1, "found the splice at {at}, not {cut}");
    let (ratio, _) = worst_click(&x);
    assert!(
        ratio < CLICK_RATIO,
        "unspliced signal already clicks: {ratio}"
    );
}

#[test]
fn no_clicks_anywhere_including_loop_boundaries() {
    for mood in MOODS {
        for loop_bars in [1, 2] {
            // 120 BPM: a bar is 2 s, so 9 s crosses several loop boundaries.
            let p = Params {
                mood,
                tempo: 120.0,
                loop_bars,
                seed: 5,
                duration: 9 * SECOND,
                ..Params::default()
            };
            let r = render(&p);
            for c in 0..2 {
                let (ratio, at) = worst_click(&r.channel(c));
                assert!(
                    ratio < CLICK_RATIO,
                    "{mood}, {loop_bars} bars: click of ratio {ratio:.1} at {:.4} s",
                    at as f64 / RATE as f64
                );
            }
            let largest = r
                .samples
                .chunks_exact(2)
                .collect::<Vec<_>>()
                .windows(2)
                .map(|w| (w[1][0] - w[0][0]).abs().max((w[1][1] - w[0][1]).abs()))
                .fold(0.0, f32::max);
            assert!(largest < 0.1, "{mood}: step of {largest}");
        }
    }
}

#[test]
fn loop_repeats_seamlessly() {
    // 2 bars at 120 BPM = 4 s = 192000 frames. From the second pass on, every pass is the
    // same waveform (the first lacks the tails ringing over from a previous pass).
    let loop_len = 4 * RATE as usize;
    for mood in ["calm", "luxury", "energetic"] {
        let r = render_endless(
            &Params {
                mood,
                tempo: 120.0,
                loop_bars: 2,
                seed: 11,
                ..Params::default()
            },
            3 * loop_len,
        );
        let x = &r.samples;
        let (pass2, pass3) = (
            &x[2 * loop_len..4 * loop_len],
            &x[4 * loop_len..6 * loop_len],
        );
        let diff = pass2
            .iter()
            .zip(pass3)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-3, "{mood}: passes differ by {diff}");
        // And the seam itself is as smooth as the rest.
        let seam = &r.channel(0)[2 * loop_len - RATE as usize..2 * loop_len + RATE as usize];
        let (ratio, _) = worst_click(seam);
        assert!(ratio < CLICK_RATIO, "{mood}: seam ratio {ratio}");
    }
}

// --- Tempo ------------------------------------------------------------------------------------

/// Onset strength every 5 ms: the rise in short-time energy, half-wave rectified.
fn onset_envelope(x: &[f32]) -> Vec<f64> {
    const HOP: usize = 240;
    let energy: Vec<f64> = x
        .chunks_exact(HOP)
        .map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt())
        .collect();
    energy.windows(2).map(|w| (w[1] - w[0]).max(0.0)).collect()
}

/// The lag in seconds, between `lo` and `hi`, where the onset envelope best matches itself.
fn beat_period(x: &[f32], lo: f64, hi: f64) -> f64 {
    let env = onset_envelope(x);
    let mean = env.iter().sum::<f64>() / env.len() as f64;
    let env: Vec<f64> = env.iter().map(|v| v - mean).collect();
    let hop = 240.0 / RATE as f64;
    let ac = |lag: usize| -> f64 {
        env.iter().zip(&env[lag..]).map(|(a, b)| a * b).sum::<f64>() / (env.len() - lag) as f64
    };
    let (lo, hi) = ((lo / hop) as usize, (hi / hop) as usize);
    let best = (lo..=hi)
        .max_by(|&a, &b| ac(a).total_cmp(&ac(b)))
        .expect("lag range");
    // Parabolic interpolation around the peak for sub-hop precision.
    let (l, c, r) = (ac(best - 1), ac(best), ac(best + 1));
    let shift = 0.5 * (l - r) / (l - 2.0 * c + r);
    (best as f64 + if shift.is_finite() { shift } else { 0.0 }) * hop
}

#[test]
fn tempo_sets_the_beat_period() {
    // Lags from 0.35 to 0.8 s contain each beat but neither its half nor its double.
    for (mood, tempo) in [
        ("energetic", 100.0),
        ("energetic", 140.0),
        ("uplifting", 120.0),
    ] {
        let r = render(&Params {
            mood,
            tempo,
            seed: 3,
            duration: 12 * SECOND,
            ..Params::default()
        });
        let period = beat_period(&r.mono(), 0.35, 0.8);
        let expected = 60.0 / tempo;
        let error = (period - expected).abs() / expected;
        assert!(
            error < 0.03,
            "{mood} at {tempo} BPM: beat period {period:.3} s, expected {expected:.3} s"
        );
    }
}

// --- Mood and key -----------------------------------------------------------------------------

/// Energy per pitch class over MIDI 60..84, from Hann-windowed Goertzel filters on 8192-frame
/// blocks (about 6 Hz resolution, enough to separate neighbouring semitones from C4 up).
fn chroma(x: &[f32]) -> [f64; 12] {
    const N: usize = 8192;
    let hann: Vec<f64> = (0..N)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / N as f64).cos())
        .collect();
    let mut out = [0.0; 12];
    for block in x.chunks_exact(N) {
        for midi in 60..84 {
            let f = 440.0 * 2f64.powf((midi as f64 - 69.0) / 12.0);
            let coeff = 2.0 * (std::f64::consts::TAU * f / RATE as f64).cos();
            let (mut s1, mut s2) = (0.0, 0.0);
            for (v, w) in block.iter().zip(&hann) {
                let s = f64::from(*v) * w + coeff * s1 - s2;
                (s2, s1) = (s1, s);
            }
            out[midi % 12] += s1 * s1 + s2 * s2 - coeff * s1 * s2;
        }
    }
    out
}

fn harmony(mood: &'static str, key: &'static str) -> ([f64; 12], Vec<f32>) {
    let r = render(&Params {
        mood,
        key,
        seed: 1,
        duration: 10 * SECOND,
        ..Params::default()
    });
    (chroma(&r.mono()), r.samples)
}

#[test]
fn mood_sets_major_or_minor_and_key_can_override() {
    const E_FLAT: usize = 3;
    const E: usize = 4;
    let (major, major_samples) = harmony("uplifting", "C");
    let (minor, minor_samples) = harmony("sad", "C");
    let (forced_minor, _) = harmony("uplifting", "C minor");
    assert_ne!(major_samples, minor_samples, "mood must change the output");
    assert!(
        major[E] > 4.0 * major[E_FLAT],
        "uplifting in C should be major: E {} vs Eb {}",
        major[E],
        major[E_FLAT]
    );
    assert!(
        minor[E_FLAT] > 4.0 * minor[E],
        "sad in C should be minor: Eb {} vs E {}",
        minor[E_FLAT],
        minor[E]
    );
    assert!(
        forced_minor[E_FLAT] > 4.0 * forced_minor[E],
        "\"C minor\" must override the mood's major"
    );
}

#[test]
fn key_transposes_the_music() {
    // The tonic's pitch class is among the strongest in a major key; moving the key moves it.
    let (c, _) = harmony("calm", "C");
    let (fsharp, _) = harmony("calm", "F#");
    let strongest = |ch: &[f64; 12]| {
        let mut order: Vec<usize> = (0..12).collect();
        order.sort_by(|&a, &b| ch[b].total_cmp(&ch[a]));
        order
    };
    assert!(
        strongest(&c)[..4].contains(&0),
        "C missing in C: {:?}",
        strongest(&c)
    );
    assert!(
        strongest(&fsharp)[..4].contains(&6),
        "F# missing in F#: {:?}",
        strongest(&fsharp)
    );
    // F# major has no C natural and C major no F#.
    assert!(c[6] < 0.1 * c[0], "F# in C major");
    assert!(fsharp[0] < 0.1 * fsharp[6], "C in F# major");
}

// --- Errors -----------------------------------------------------------------------------------

/// Starts `reelmusic ! fakesink` and returns the error text the element posted.
fn start_error(p: &Params) -> String {
    init();
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("reelmusic")
        .build()
        .expect("element");
    let sink = gst::ElementFactory::make("fakesink")
        .build()
        .expect("fakesink");
    p.apply(&src);
    pipeline.add_many([&src, &sink]).expect("add");
    src.link(&sink).expect("link");
    let result = pipeline.set_state(gst::State::Paused);
    let bus = pipeline.bus().expect("bus");
    let msg = bus.timed_pop_filtered(gst::ClockTime::from_seconds(5), &[gst::MessageType::Error]);
    pipeline.set_state(gst::State::Null).expect("to NULL");
    assert!(result.is_err(), "start must fail for {p:?}");
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Error(e)) => {
            assert!(
                e.error().matches(gst::LibraryError::Settings),
                "wrong domain: {}",
                e.error()
            );
            e.error().to_string()
        }
        _ => panic!("no error message for {p:?}"),
    }
}

#[test]
fn unknown_mood_fails_to_start_naming_it() {
    let text = start_error(&Params {
        mood: "purple",
        ..Params::default()
    });
    assert!(text.contains("purple"), "{text}");
    for mood in MOODS {
        assert!(text.contains(mood), "valid mood {mood} not listed: {text}");
    }
}

#[test]
fn invalid_key_fails_to_start_naming_it() {
    let text = start_error(&Params {
        key: "H#",
        ..Params::default()
    });
    assert!(text.contains("H#"), "{text}");
}

// --- Seeking ----------------------------------------------------------------------------------

#[test]
fn seek_starts_the_bed_at_any_time() {
    init();
    let p = Params {
        mood: "luxury",
        duration: 8 * SECOND,
        ..Params::default()
    };
    let reference = render(&p);

    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("reelmusic")
        .build()
        .expect("element");
    let sink = gst_app::AppSink::builder().sync(false).build();
    p.apply(&src);
    pipeline.add_many([&src, sink.upcast_ref()]).expect("add");
    src.link(&sink).expect("link");
    pipeline.set_state(gst::State::Paused).expect("pause");
    let (res, _, _) = pipeline.state(gst::ClockTime::from_seconds(5));
    res.expect("preroll");
    pipeline
        .seek_simple(
            gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
            gst::ClockTime::from_seconds(3),
        )
        .expect("seekable");
    pipeline.set_state(gst::State::Playing).expect("play");

    let mut out = Render::default();
    while let Ok(sample) = sink.pull_sample() {
        collect(sample.buffer().expect("buffer"), &mut out);
    }
    pipeline.set_state(gst::State::Null).expect("stop");

    assert!(sink.is_eos());
    assert_eq!(
        out.buffers[0].pts,
        3 * SECOND,
        "first buffer after the seek"
    );
    assert_eq!(out.buffers[0].offset, 3 * RATE as u64);
    assert_eq!(out.frames(), 5 * RATE as usize, "3 s to 8 s");
    // After the 10 ms fade-in it is the same music as played from the start.
    let start = 3 * RATE as usize * 2;
    let skip = RATE as usize / 100 * 2;
    let diff = out.samples[skip..]
        .iter()
        .zip(&reference.samples[start + skip..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(diff < 1e-4, "seeked output differs by {diff}");
    assert!(out.samples[0].abs() < 1e-3, "seek starts from silence");
}
