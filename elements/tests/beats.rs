//! `reelbeats` against beats that are known: reelmusic beds, whose tempo is a property and
//! whose bars start at 0 s, and click tracks made here with an accented first beat. Prints
//! tempo error, beat F-measure (±70 ms, as mir_eval scores it) and downbeat hits per case.

mod common;

use common::{init, play};
use gstreel::beats::score::{f_measure, WINDOW};
use gstreel::beats::{analyse, Analysis, Params};

const MONO: &str = "audio/x-raw,format=F32LE,channels=1";

/// The reference beats of a steady tempo from 0 s, inside `from..to`.
fn grid(bpm: f64, from: f64, to: f64, every: usize) -> Vec<f64> {
    let period = 60.0 / bpm;
    (0..)
        .map(|k| k as f64 * period)
        .step_by(every)
        .skip_while(|&t| t < from)
        .take_while(|&t| t < to)
        .collect()
}

fn within(times: impl Iterator<Item = f64>, from: f64, to: f64) -> Vec<f64> {
    times.filter(|&t| t >= from - WINDOW && t < to).collect()
}

struct Scores {
    tempo_error: f64,
    f: f64,
    downbeat_f: f64,
}

/// Scores beats found over `seconds` of audio against the grid, leaving out the first
/// second (a tracker needs a beat or two to lock on) and the last two (reelmusic's fade).
fn score(analysis: &Analysis, bpm: f64, seconds: f64) -> Scores {
    let (from, to) = (1.0, seconds - 2.0);
    let beats = within(analysis.beats.iter().map(|b| b.time), from, to);
    let downbeats = within(analysis.downbeats().map(|b| b.time), from, to);
    Scores {
        tempo_error: (analysis.bpm - bpm).abs() / bpm,
        f: f_measure(&grid(bpm, from, to, 1), &beats, WINDOW),
        downbeat_f: f_measure(&grid(bpm, from, to, 4), &downbeats, WINDOW),
    }
}

/// The element's messages turned back into an analysis.
fn from_messages(structures: &[gst::Structure]) -> Analysis {
    let mut analysis = Analysis::default();
    for s in structures {
        match s.name().as_str() {
            "reelbeats-beat" => analysis.beats.push(gstreel::beats::Beat {
                time: s.get("time").unwrap(),
                bar: s.get("bar").unwrap(),
                position: s.get("position").unwrap(),
                strength: s.get("strength").unwrap(),
            }),
            "reelbeats-done" => {
                analysis.bpm = s.get("bpm").unwrap();
                analysis.audio_seconds = s.get("audio-seconds").unwrap();
                assert_eq!(
                    s.get::<u32>("beats").unwrap() as usize,
                    analysis.beats.len()
                );
            }
            _ => {}
        }
    }
    analysis
}

#[test]
fn reelmusic_beds_at_five_tempos_give_their_tempo_and_beats() {
    init();
    let seconds = 30.0;
    let mut worst_f: f64 = 1.0;
    for mood in ["uplifting", "energetic", "luxury"] {
        for bpm in [80.0, 100.0, 120.0, 140.0, 160.0] {
            let line = format!(
                "reelmusic mood={mood} tempo={bpm} seed=5 duration={} ! audioconvert ! \
                 {MONO} ! reelbeats ! fakesink",
                (seconds * 1e9) as u64
            );
            let (structures, error) = play(&line, 120);
            assert_eq!(error, None, "{line}");
            let analysis = from_messages(&structures);
            assert!((analysis.audio_seconds - seconds).abs() < 0.01);
            let s = score(&analysis, bpm, seconds);
            println!(
                "{mood:>9} {bpm:>3} BPM: found {:.2} BPM (error {:.2}%), beat F {:.3}, \
                 downbeat F {:.3}",
                analysis.bpm,
                100.0 * s.tempo_error,
                s.f,
                s.downbeat_f
            );
            assert!(s.tempo_error < 0.02, "{mood} {bpm}: {} BPM", analysis.bpm);
            assert!(s.f >= 0.9, "{mood} {bpm}: beat F {}", s.f);
            assert!(
                s.downbeat_f >= 0.9,
                "{mood} {bpm}: downbeat F {}",
                s.downbeat_f
            );
            worst_f = worst_f.min(s.f);
        }
    }
    println!("worst beat F over the beds: {worst_f:.3}");
}

/// A metronome: a 1.5 kHz click on each downbeat, 1 kHz and quieter on the other beats.
fn click_track(bpm: f64, seconds: f64, rate: u32, beats_per_bar: usize) -> Vec<f32> {
    let mut samples = vec![0f32; (seconds * f64::from(rate)) as usize];
    let click_len = (0.02 * f64::from(rate)) as usize;
    for (k, start) in grid(bpm, 0.0, seconds - 0.05, 1).into_iter().enumerate() {
        let (hz, gain) = if k % beats_per_bar == 0 {
            (1500.0, 0.8)
        } else {
            (1000.0, 0.4)
        };
        let at = (start * f64::from(rate)) as usize;
        for i in 0..click_len {
            let t = i as f64 / f64::from(rate);
            let decay = (-(i as f64) / click_len as f64 * 5.0).exp();
            samples[at + i] += (gain * decay * (std::f64::consts::TAU * hz * t).sin()) as f32;
        }
    }
    samples
}

#[test]
fn click_tracks_at_odd_tempos_and_rates_are_tracked() {
    let seconds = 20.0;
    for (bpm, rate, per_bar) in [
        (72.0, 44_100, 4),
        (97.5, 48_000, 4),
        (128.0, 22_050, 4),
        (150.0, 16_000, 3),
    ] {
        let params = Params {
            beats_per_bar: per_bar as u32,
            ..Params::default()
        };
        let analysis = analyse(&click_track(bpm, seconds, rate, per_bar), rate, &params);
        let (from, to) = (1.0, seconds - 0.5);
        let beats = within(analysis.beats.iter().map(|b| b.time), from, to);
        let downbeats = within(analysis.downbeats().map(|b| b.time), from, to);
        let f = f_measure(&grid(bpm, from, to, 1), &beats, WINDOW);
        let downbeat_f = f_measure(&grid(bpm, from, to, per_bar), &downbeats, WINDOW);
        let error = (analysis.bpm - bpm).abs() / bpm;
        println!(
            "clicks {bpm} BPM at {rate} Hz in {per_bar}: {:.2} BPM (error {:.2}%), beat F \
             {f:.3}, downbeat F {downbeat_f:.3}",
            analysis.bpm,
            100.0 * error
        );
        assert!(error < 0.02, "{bpm}: {} BPM", analysis.bpm);
        assert!(f >= 0.95, "{bpm}: F {f}");
        assert!(downbeat_f >= 0.9, "{bpm}: downbeat F {downbeat_f}");
        assert!(!analysis.onsets.is_empty());
    }
}

#[test]
fn noise_without_a_beat_gives_no_beats() {
    init();
    let (structures, error) = play(
        &format!("audiotestsrc wave=pink-noise num-buffers=400 ! {MONO} ! reelbeats ! fakesink"),
        60,
    );
    assert_eq!(error, None);
    let analysis = from_messages(&structures);
    // Steady noise has onsets nowhere in particular: whatever pulse is found is weak.
    let done = structures
        .iter()
        .find(|s| s.name() == "reelbeats-done")
        .expect("reelbeats-done");
    let confidence: f64 = done.get("confidence").unwrap();
    assert!(confidence < 0.2, "confidence {confidence} on noise");
    println!(
        "noise: {} beats, confidence {confidence:.3}",
        analysis.beats.len()
    );
}
