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
