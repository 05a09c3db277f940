//! `reelasr` and its Transcriber on speech made by espeak-ng, checked against the Python
//! reference (`models/whisper/reference_decode.py`), which is run at test time.
//!
//! Needs what `make setup` and `make models` install into `.deps/` (the ONNX runtime, the venv,
//! whisper-tiny-en) and the espeak-ng package: a test fails when any of them is missing.

mod common;

use common::{init, one_at_a_time, workspace};
use gst::prelude::*;
use gstreel::asr::mel::{Filterbank, LogMel};
use gstreel::asr::word_error_rate;
use gstreel::asr::{Options, Transcriber};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

/// Spoken by espeak-ng at 120 words a minute: about 40 s, so two 30 s windows.
const SPOKEN: &str = "Reel turns a plain script into a finished video. It reads each line \
    aloud, picks footage that matches the words, and adds music under the voice. When the edit \
    is ready, it writes subtitles so that viewers can follow along without sound. You can change \
    the pace, the colors and the titles, then render the whole project again in a few minutes. \
    The timeline lives in a simple text file that anyone on the team can review.";

const CAPS_16K: &str = "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved";

/// The model `make models` installs.
fn model_dir() -> PathBuf {
    let dir = workspace().join(".deps/models/whisper-tiny-en");
    let model = dir.join("encoder.onnx");
    assert!(
        model.is_file(),
        "{} is missing: run `make models`",
        model.display()
    );
    dir
}

/// SPOKEN as espeak-ng writes it (22.05 kHz mono) into `dir`.
fn espeak(dir: &Path) -> PathBuf {
    let wav = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "120", "-w"])
        .arg(&wav)
        .arg(SPOKEN)
        .status();
    assert!(
        matches!(&status, Ok(s) if s.success()) && wav.is_file(),
        "espeak-ng (a required package) did not make speech: {status:?}"
    );
    wav
}

/// SPOKEN as the bytes of a 16 kHz mono 16-bit WAV file (made once): espeak-ng, then
/// decodebin, audioconvert, audioresample and wavenc.
fn speech16k() -> &'static [u8] {
    static WAV: OnceLock<Vec<u8>> = OnceLock::new();
    WAV.get_or_init(|| {
        init();
        let dir = tempfile::tempdir().expect("a temp folder");
        let out = dir.path().join("speech16k.wav");
        let (_, error) = run_pipeline(&format!(
            "filesrc location={} ! decodebin ! audioconvert ! audioresample ! \
             audio/x-raw,format=S16LE,rate=16000,channels=1 ! wavenc ! filesink location={}",
            espeak(dir.path()).display(),
            out.display()
        ));
        assert_eq!(error, None);
        std::fs::read(&out).expect("the 16 kHz WAV file reads")
    })
}

/// Samples of a 16-bit PCM mono WAV file, scaled as the reference does (/ 32768).
fn samples(wav: &[u8]) -> Vec<f32> {
    let mut at = 12;
    while at + 8 <= wav.len() {
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            let data = &wav[at + 8..(at + 8 + len).min(wav.len())];
            let samples: Vec<f32> = data
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                .collect();
            assert!(samples.len() > 30 * 16_000, "{} samples", samples.len());
            return samples;
        }
        at += 8 + len + (len & 1);
    }
    panic!("the WAV file has no data chunk");
}

/// What reference_decode.py made of the speech: the first window's log-mel `[80, 3000]` and
/// the segments with text (as the Transcriber keeps them).
struct Reference {
    mel: Vec<f32>,
    segments: Vec<(f64, f64, String)>,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp folder");
        let (wav, npy) = (dir.path().join("speech16k.wav"), dir.path().join("mel.npy"));
        std::fs::write(&wav, speech16k()).expect("the WAV file writes");
        let python = workspace().join(".deps/venv/bin/python");
        let started = Instant::now();
        let output = Command::new(&python)
            .arg(workspace().join("models/whisper/reference_decode.py"))
            .args(["--threads", "2", "--models"])
            .arg(model_dir())
            .arg("--save-mel")
            .arg(&npy)
            .arg(&wav)
            .output()
            .unwrap_or_else(|e| {
                panic!("{} does not run ({e}): run `make setup`", python.display())
            });
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "reference_decode.py failed:\n{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!(
            "reference_decode.py took {:.1} s:\n{stdout}",
            started.elapsed().as_secs_f64()
        );
        // One segment a line: "[%6.2f --> %6.2f] %s".
        let segments: Vec<(f64, f64, String)> = stdout
            .lines()
            .filter_map(|line| {
                let (times, text) = line.strip_prefix('[')?.split_once(']')?;
                let (start, end) = times.split_once("-->")?;
                let time = |t: &str| t.trim().parse::<f64>().expect("a time");
                Some((time(start), time(end), text.trim().to_string()))
            })
            .filter(|s| !s.2.is_empty())
            .collect();
        assert!(segments.len() > 1, "segments in:\n{stdout}");
        Reference {
            mel: read_npy_f32(&npy),
            segments,
        }
    })
}

/// An .npy of a little-endian f32 `[80, 3000]` array in C order.
fn read_npy_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).expect("the .npy file reads");
    assert!(bytes.starts_with(b"\x93NUMPY\x01"), "not an .npy 1.x file");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = String::from_utf8_lossy(&bytes[10..10 + len]);
    let c_order = header.contains("'fortran_order': False");
    assert!(
        header.contains("'<f4'") && c_order && header.contains("(80, 3000)"),
        "{header}"
    );
    bytes[10 + len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn transcriber() -> Transcriber {
    let options = Options {
        threads: 2,
        try_cuda: false,
    };
    Transcriber::open_with(&model_dir(), options).expect("the model loads")
}

#[test]
fn the_first_window_of_log_mel_matches_numpy() {
    init();
    let _heavy = one_at_a_time();
    let samples = samples(speech16k());
    let mel = LogMel::compute(&samples, &Filterbank::slaney());
    assert_eq!(mel.frames(), samples.len() / 160 + 3000);
    let window = mel.window(0, mel.content_frames());
    let numpy = &reference().mel;
    assert_eq!(window.len(), numpy.len());
    let (low, high) = numpy
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(high - low > 1.0, "numpy's window spans only {low}..{high}");
    let worst = window
        .iter()
        .zip(numpy)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!("largest difference from numpy over the first window: {worst:e}");
    assert!(worst < 1e-4, "the window differs from numpy by {worst}");
}

#[test]
fn segments_match_the_python_reference() {
    init();
    let _heavy = one_at_a_time();
    let expected = &reference().segments;
    let transcript = transcriber()
        .transcribe(&samples(speech16k()))
        .expect("transcribes");
    let got: Vec<_> = transcript
        .segments
        .iter()
        .map(|seg| (seg.start, seg.end, seg.text.clone()))
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:?}\nreference {expected:?}");
    for (have, want) in got.iter().zip(expected) {
        // The reference prints times to 0.01 s.
        let close = (have.0 - want.0).abs() < 0.006 && (have.1 - want.1).abs() < 0.006;
        assert!(close && have.2 == want.2, "{have:?}, reference {want:?}");
    }
}

#[test]
fn spoken_text_transcribes_within_30_percent_word_error() {
    init();
    let _heavy = one_at_a_time();
    let transcript = transcriber()
        .transcribe(&samples(speech16k()))
        .expect("transcribes");
    let text = transcript.text();
    let wer = word_error_rate(SPOKEN, &text);
    let s = transcript.stats;
    println!("transcript: {text}");
    println!(
        "WER {:.1}% | {:.2} s of audio: mel {:.3} s, encode {:.3} s ({} windows), decode {:.3} s \
         ({} steps) | realtime factor {:.3} on 2 threads",
        wer * 100.0,
        s.audio_seconds,
        s.mel_seconds,
        s.encode_seconds,
        s.windows,
        s.decode_seconds,
        s.steps,
        s.realtime_factor(),
    );
    assert!(s.audio_seconds > 30.0, "{} s of speech", s.audio_seconds);
    assert!(wer <= 0.30, "word error rate {wer}");
}

/// A reelasr message: (structure name, start, end, text); `reelasr-done` carries its segment
/// count and processing seconds as start and end.
type Posted = (String, f64, f64, String);

/// Every reelasr message until EOS or an error, and the error.
fn run_pipeline(description: &str) -> (Vec<Posted>, Option<String>) {
    let pipeline = gst::parse::launch(description).expect("the pipeline parses");
    let bus = pipeline.bus().expect("a bus");
    let _ = pipeline.set_state(gst::State::Playing);
    let mut messages = Vec::new();
    let mut error = Some("no EOS within 300 s".to_string());
    while let Some(message) = bus.timed_pop(gst::ClockTime::from_seconds(300)) {
        match message.view() {
            gst::MessageView::Eos(_) => {
                error = None;
                break;
            }
            gst::MessageView::Error(err) => {
                error = Some(format!("{} ({:?})", err.error(), err.debug()));
                break;
            }
            gst::MessageView::Element(element) => {
                let Some(s) = element.structure() else {
                    continue;
                };
                let name = s.name().to_string();
                if name == "reelasr-done" {
                    let segments = s.get::<u32>("segments").expect("segments");
                    let seconds = s.get::<f64>("seconds").expect("seconds");
                    messages.push((name, f64::from(segments), seconds, String::new()));
                } else if name.starts_with("reelasr-") {
                    let get = |field| s.get::<f64>(field).expect(field);
                    let text = s.get::<String>("text").expect("text");
                    messages.push((name, get("start"), get("end"), text));
                }
            }
            _ => {}
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    (messages, error)
}

#[test]
fn a_pipeline_posts_segments_and_words_in_time_order() {
    init();
    let _heavy = one_at_a_time();
    let dir = tempfile::tempdir().expect("a temp folder");
    let description = format!(
        "filesrc location={} ! decodebin ! audioconvert ! audioresample ! {CAPS_16K} ! \
         reelasr model-dir={} threads=2 ! fakesink",
        espeak(dir.path()).display(),
        model_dir().display()
    );
    let (messages, error) = run_pipeline(&description);
    assert_eq!(error, None);
    let of = |kind: &str| -> Vec<(f64, f64, String)> {
        let kind = messages.iter().filter(|m| m.0 == kind);
        kind.map(|m| (m.1, m.2, m.3.clone())).collect()
    };
    let segments = of("reelasr-segment");
    let words = of("reelasr-word");
    let done = of("reelasr-done");
    println!(
        "{} segments, {} words, {done:?}",
        segments.len(),
        words.len()
    );
    for list in [&segments, &words] {
        assert!(!list.is_empty());
        for (start, end, text) in list.iter() {
            assert!(start <= end && !text.is_empty(), "{start} {end} {text}");
        }
        for pair in list.windows(2) {
            assert!(pair[0].0 <= pair[1].0 && pair[0].1 <= pair[1].1, "{pair:?}");
        }
    }
    assert!(segments.last().is_some_and(|s| s.1 > 20.0));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0 as usize, segments.len());
    // The words are the segments' words, in order.
    let from_segments: Vec<&str> = segments
        .iter()
        .flat_map(|s| s.2.split_whitespace())
        .collect();
    let posted: Vec<&str> = words.iter().map(|w| w.2.as_str()).collect();
    assert_eq!(from_segments, posted);
}

#[test]
fn a_missing_model_folder_fails_start_naming_it() {
    init();
    let missing = "/nonexistent/reel-asr-model";
    let description = format!(
        "audiotestsrc num-buffers=10 ! audioconvert ! audioresample ! {CAPS_16K} ! \
         reelasr model-dir={missing} ! fakesink"
    );
    let (messages, error) = run_pipeline(&description);
    assert!(messages.is_empty());
    let error = error.expect("the element fails to start");
    println!("{error}");
    assert!(error.contains(missing), "{error}");
}
