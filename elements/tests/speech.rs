//! The neural voice with the installed Piper model (`make models` puts it in .deps/models).

use gstreel::onnx::runtime;
use gstreel::speech::Piper;
use std::path::Path;
use std::time::Instant;

fn voice() -> Piper {
    runtime::init(None).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.deps/models/piper-en-us-joe-medium");
    assert!(
        dir.is_dir(),
        "{} is missing: run `make models`",
        dir.display()
    );
    Piper::open(&dir, "piper-en-us-joe-medium", &[], &[], false).unwrap()
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

#[test]
fn a_sentence_becomes_audible_speech_fast() {
    let mut piper = voice();
    let text = "Reel turns scripts into finished videos, with a voice that sounds human.";
    let started = Instant::now();
    let audio = piper.speak(text, piper.default).unwrap().samples;
    let took = started.elapsed().as_secs_f64();
    let seconds = audio.len() as f64 / f64::from(piper.sample_rate);
    println!(
        "{seconds:.2} s of speech in {took:.2} s: {:.1}x realtime",
        seconds / took
    );
    // About 12 words at a normal pace.
    assert!((2.5..8.0).contains(&seconds), "{seconds}");
    assert!(rms(&audio) > 0.02, "rms {}", rms(&audio));
    assert_eq!(piper.sample_rate, 22050);
}

#[test]
fn a_larger_length_scale_speaks_slower() {
    let mut piper = voice();
    let text = "Slow and steady wins the race.";
    // Without noise the voice is deterministic, so the lengths compare exactly.
    let steady = gstreel::speech::Delivery {
        noise: 0.0,
        noise_w: 0.0,
        ..piper.default
    };
    let normal = piper.speak(text, steady).unwrap().samples.len();
    assert_eq!(piper.speak(text, steady).unwrap().samples.len(), normal);
    let slow = gstreel::speech::Delivery {
        length: steady.length * 1.4,
        ..steady
    };
    let slower = piper.speak(text, slow).unwrap().samples.len();
    let ratio = slower as f64 / normal as f64;
    assert!((1.3..1.5).contains(&ratio), "{normal} -> {slower} samples");
    assert!(piper
        .speak("...", piper.default)
        .unwrap()
        .samples
        .is_empty());
}

#[test]
fn words_are_timed_by_the_voice() {
    let mut piper = voice();
    let text = "In the morning, Ada wrote forty lines of code.";
    let steady = gstreel::speech::Delivery {
        noise: 0.0,
        noise_w: 0.0,
        ..piper.default
    };
    let spoken = piper.speak(text, steady).unwrap();
    let seconds = spoken.samples.len() as f64 / f64::from(piper.sample_rate);
    let words: Vec<&str> = spoken.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(
        words,
        ["In", "the", "morning", "Ada", "wrote", "forty", "lines", "of", "code"]
    );
    for pair in spoken.words.windows(2) {
        assert!(pair[0].start < pair[0].end && pair[0].end <= pair[1].start + 1e-9);
    }
    let last = spoken.words.last().unwrap();
    assert!(
        last.end <= seconds && seconds - last.end < 0.5,
        "{last:?} of {seconds}"
    );
    // The comma's pause lies between "morning" and "Ada", and is the longest gap.
    let gaps: Vec<f64> = spoken
        .words
        .windows(2)
        .map(|p| p[1].start - p[0].end)
        .collect();
    let longest = gaps
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    assert_eq!(longest.0, 2, "gaps {gaps:?}");
    // Each word is voiced: far louder than the comma's pause.
    let rate = f64::from(piper.sample_rate);
    let span = |a: f64, b: f64| &spoken.samples[(a * rate) as usize..(b * rate) as usize];
    let quiet = rms(span(spoken.words[2].end, spoken.words[3].start));
    for word in &spoken.words {
        let loud = rms(span(word.start, word.end));
        println!("{word:?} rms {loud:.4} (pause {quiet:.4})");
        assert!(loud > 10.0 * quiet.max(0.0002), "{word:?} is not voiced");
    }
}
