//! Speech speed on this machine (goals on 2 cores: TTS at least 10x realtime, ASR at least 5x),
//! voice activity detection's, and the end-to-end render of the example script with the neural
//! voice. `make bench` runs it
//! after `make models`; `cargo bench --bench speech` alone.

use gstreel::asr::Transcriber;
use gstreel::speech::Piper;
use gstreel::vad::{Params, Silero};
use reel::models::{manifest, Registry};
use reel::render::{self, profile, Cache, Output};
use std::path::Path;
use std::time::Instant;

const TTS_GOAL: f64 = 10.0;
const ASR_GOAL: f64 = 5.0;

const SENTENCES: &[&str] = &[
    "Every morning for forty years, Ada climbed the hundred steps of the lighthouse.",
    "The light never sleeps, so neither do I.",
    "She polished the lens until it caught the first rays of the sun.",
    "Sailors she never met came home because of her.",
    "Ada, they are replacing the lamp with an automatic one.",
    "Then I will finally see the sunrise from the beach.",
    "Some lights go out. Others simply move to a new shore.",
    "Reel turns scripts into finished videos, narrated, captioned and scored.",
];

fn main() {
    let registry = Registry::locate();
    let (Some(tts), Some(asr)) = (registry.active_for("tts"), registry.active_for("asr")) else {
        eprintln!("no voice or recognition model: run `make models`");
        std::process::exit(1);
    };
    gstreel::onnx::runtime::init(None).expect("ONNX Runtime");

    // Text to speech: every sentence, after one warm-up.
    let (inputs, outputs) = manifest::find(&tts.id)
        .expect("manifest")
        .tensors_of("model.onnx");
    let mut voice = Piper::open(
        &registry.model_dir(&tts.id),
        &tts.id,
        &inputs,
        &outputs,
        true,
    )
    .expect("voice");
    let _ = voice.speak(SENTENCES[0], voice.default);
    let started = Instant::now();
    let mut speech = Vec::new();
    for sentence in SENTENCES.iter().cycle().take(16) {
        speech.extend(
            voice
                .speak(sentence, voice.default)
                .expect("speech")
                .samples,
        );
        speech.extend(std::iter::repeat_n(0.0, voice.sample_rate as usize / 4));
    }
    let took = started.elapsed().as_secs_f64();
    let seconds = speech.len() as f64 / f64::from(voice.sample_rate);
    let tts_speed = seconds / took;
    println!(
        "TTS {} on {}: {seconds:.1} s of speech in {took:.2} s = {tts_speed:.1}x realtime (goal {TTS_GOAL}x: {})",
        tts.id,
        voice.model().provider,
        verdict(tts_speed >= TTS_GOAL)
    );

    // Speech to text on that speech, resampled to 16 kHz.
    let at_16k = gstreel::vad::resample(&speech, voice.sample_rate, 16_000);
    let mut transcriber = Transcriber::open(&registry.model_dir(&asr.id)).expect("recogniser");
    let transcript = transcriber.transcribe(&at_16k).expect("transcript");
    let asr_speed = 1.0 / transcript.stats.realtime_factor().max(1e-9);
    println!(
        "ASR {} on {}: {:.1} s of audio in {:.2} s = {asr_speed:.1}x realtime (goal {ASR_GOAL}x: {})",
        asr.id,
        transcriber.provider(),
        transcript.stats.audio_seconds,
        transcript.stats.total_seconds(),
        verdict(asr_speed >= ASR_GOAL)
    );

    // Voice activity on the same audio.
    if let Some(vad) = registry.active_for("vad") {
        let mut silero = Silero::open(&registry.model_dir(&vad.id)).expect("voice activity model");
        let started = Instant::now();
        let regions =
            gstreel::vad::speech_regions(&mut silero, &at_16k, 16_000, &Params::default())
                .expect("regions");
        let took = started.elapsed().as_secs_f64();
        let seconds = at_16k.len() as f64 / 16_000.0;
        println!(
            "VAD {} on {}: {seconds:.1} s of audio in {took:.3} s = {:.0}x realtime, {} regions of speech",
            vad.id,
            silero.provider(),
            seconds / took,
            regions.len()
        );
    }

    // The example script, end to end, with the neural voice (a fresh cache: nothing reused).
    let scratch = tempfile_dir();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.txt");
    let report = render::render_file(
        &input,
        &[profile::find(profile::DEFAULT).expect("profile")],
        &Output::Folder(scratch.join("out")),
        &Cache::at(scratch.join("cache")),
        render::Options::default(),
        &mut |_| {},
    )
    .expect("render");
    println!(
        "render examples/demo.txt with the neural voice ({}): {:.1} s for {:.1} s of 1080p video",
        tts.id,
        report.elapsed.as_secs_f64(),
        report.duration
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reel-bench-speech-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}
