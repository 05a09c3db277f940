//! Speech round trip: the example script rendered with the neural voice, its MP4's sound
//! transcribed by the Whisper model, and the words compared with the script's lines. The same
//! with espeak-ng, for comparison. Both models come from `make models` (.deps/models).

mod common;

use gstreel::asr::Transcriber;
use reel::render::{self, profile, Cache, Output};
use reel::script;
use std::path::Path;

fn spoken_text(script_path: &Path) -> String {
    let text = std::fs::read_to_string(script_path).unwrap();
    let parsed = script::parse(&text, script_path).unwrap();
    parsed
        .project
        .scenes
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.text.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders the demo with or without espeak and returns (WER, transcript).
fn render_and_transcribe(espeak: bool, transcriber: &mut Transcriber) -> (f64, String) {
    common::init();
    let input = common::repo().join("examples/demo.txt");
    let dir = tempfile::tempdir().unwrap();
    let report = render::render_file(
        &input,
        &[profile::find("preview-480p").unwrap()],
        &Output::Folder(dir.path().to_path_buf()),
        &Cache::at(dir.path().join("cache")),
        render::Options {
            espeak,
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let samples = common::audio_samples_at(&report.outputs[0].path, 16_000, 1);
    let transcript = transcriber.transcribe(&samples).unwrap();
    let heard = transcript.text();
    let wer = gstreel::asr::word_error_rate(&spoken_text(&input), &heard);
    println!(
        "{}: WER {:.1}% (ASR {:.1}x realtime)\n  heard: {heard}",
        if espeak { "espeak-ng" } else { "neural voice" },
        wer * 100.0,
        1.0 / transcript.stats.realtime_factor().max(1e-9)
    );
    (wer, heard)
}

#[test]
fn the_neural_voice_is_understood_by_the_recogniser() {
    let models = common::repo().join(".deps/models");
    assert!(
        models.join("piper-en-us-joe-medium").is_dir() && models.join("whisper-tiny-en").is_dir(),
        "run `make models`"
    );
    gstreel::onnx::runtime::init(None).unwrap();
    let mut transcriber = Transcriber::open(&models.join("whisper-tiny-en")).unwrap();
    let (neural, _) = render_and_transcribe(false, &mut transcriber);
    let (espeak, _) = render_and_transcribe(true, &mut transcriber);
    assert!(neural <= 0.15, "neural voice WER {:.1}%", neural * 100.0);
    // Reported for comparison; espeak-ng is harder to understand.
    println!(
        "WER neural {:.1}% vs espeak-ng {:.1}%",
        neural * 100.0,
        espeak * 100.0
    );
}

/// The neural voice times its words from its own phoneme durations; Silero VAD, a separate
/// model, hears where speech is in the same WAV. The two must agree.
#[test]
fn the_voices_word_times_agree_with_voice_activity() {
    common::init();
    let models = common::repo().join(".deps/models");
    assert!(
        models.join("piper-en-us-joe-medium").is_dir() && models.join("silero-vad").is_dir(),
        "run `make models`"
    );
    gstreel::onnx::runtime::init(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = render::voice::Engine::Neural {
        id: "piper-en-us-joe-medium".into(),
        dir: models.join("piper-en-us-joe-medium"),
    };
    let voice = reel::project::Voice {
        name: "en-us".into(),
        pitch: 0,
        rate: Default::default(),
    };
    let text = "Hold the rope until the bell rings. Then pull with everything you have!";
    let speech =
        render::voice::speak(text, &voice, &engine, &Cache::at(dir.path().join("c"))).unwrap();
    let written: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    let heard: Vec<&str> = speech.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(heard, written);

    let samples = common::audio_samples_at(&speech.path, 16_000, 1);
    let mut vad = gstreel::vad::Silero::open(&models.join("silero-vad")).unwrap();
    let regions =
        gstreel::vad::speech_regions(&mut vad, &samples, 16_000, &gstreel::vad::Params::default())
            .unwrap();
    println!("regions {regions:?}");
    println!("words {:?}", speech.words);
    // How far a word's edge may lie outside heard speech: the detector's 32 ms windows and pads.
    const SLACK: f64 = 0.1;
    // Every word is inside heard speech, but for where the first one starts: "Hold" opens on an
    // unvoiced /h/ that Silero hears anywhere up to ~0.2 s after Piper's phone timing puts it
    // (the voice's noise varies it from one synthesis to the next).
    for (i, word) in speech.words.iter().enumerate() {
        let inside = regions.iter().any(|r| {
            (i == 0 || word.start >= r.start - SLACK)
                && word.end <= r.end + SLACK
                && word.end > r.start
        });
        assert!(
            inside,
            "{word:?} is outside every speech region {regions:?}"
        );
    }
    // Speech starts and ends where both say: the first word's voiced part is heard.
    let (first, last) = (&speech.words[0], speech.words.last().unwrap());
    let (heard_from, heard_to) = (regions[0].start, regions.last().unwrap().end);
    assert!(
        first.start <= heard_from + SLACK && first.end > heard_from,
        "{first:?} vs {heard_from}"
    );
    assert!((last.end - heard_to).abs() < 0.2, "{last:?} vs {heard_to}");
    // The longest pause between words is the sentence break.
    let gaps: Vec<f64> = speech
        .words
        .windows(2)
        .map(|w| w[1].start - w[0].end)
        .collect();
    let longest = (0..gaps.len()).max_by(|&a, &b| gaps[a].total_cmp(&gaps[b]));
    assert_eq!(longest.map(|i| heard[i + 1]), Some("Then"), "{gaps:?}");
}

/// `--speech-rate` / the `speech-rate` option: both voices speak the same line faster.
#[test]
fn the_speaking_rate_changes_the_pace_of_both_voices() {
    common::init();
    let models = common::repo().join(".deps/models");
    assert!(
        models.join("piper-en-us-joe-medium").is_dir(),
        "run `make models`"
    );
    gstreel::onnx::runtime::init(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("c"));
    let text = "A steady voice reads this sentence twice, once at its own pace and once faster.";
    let neural = render::voice::Engine::Neural {
        id: "piper-en-us-joe-medium".into(),
        dir: models.join("piper-en-us-joe-medium"),
    };
    for engine in [render::voice::Engine::Espeak, neural] {
        let length = |percent: u32| {
            let voice = reel::project::Voice {
                name: "en-us".into(),
                pitch: 0,
                rate: reel::project::SpeechRate(percent),
            };
            render::voice::speak(text, &voice, &engine, &cache)
                .unwrap()
                .duration
        };
        let (normal, faster) = (length(100), length(150));
        let ratio = normal / faster;
        println!(
            "{}: {normal:.2} s at 1.0, {faster:.2} s at 1.5 ({ratio:.2}x)",
            engine.name()
        );
        assert!((1.3..1.7).contains(&ratio), "{}: {ratio}", engine.name());
    }
}
