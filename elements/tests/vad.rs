//! `reelvad` and its library (Silero, regions, speech_regions) on speech made by espeak-ng with
//! known silences, checked against silero-vad itself at test time: the probabilities against
//! onnxruntime in Python with silero-vad's windowing, the regions against
//! `get_speech_timestamps_from_probs` read from the silero-vad wheel that `make models` keeps.
//!
//! Needs what `make setup` and `make models` install into `.deps/` (the ONNX runtime, the venv,
//! silero-vad and its wheel) and the espeak-ng package: a test fails when any of them is missing.

mod common;

use common::{init, installed, one_at_a_time};
use gst::prelude::*;
use gstreel::vad::{regions, speech_regions, Params, Region, Silero, SAMPLE_RATE, SINGLE_THREAD};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

const FIRST: &str = "The quick brown fox jumps over the lazy dog.";
const SECOND: &str = "Reel finds the speech in every recording it reads.";
/// Silence before the first sentence, between the two and after the second, in seconds.
const SILENCES: [f64; 3] = [0.5, 1.2, 0.8];
/// Louder than this is sound, not silence (-40 dBFS).
const SILENT: f32 = 0.01;

const CAPS_16K: &str = "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved";

fn model_dir() -> PathBuf {
    let dir = installed(".deps/models/silero-vad");
    installed(".deps/models/silero-vad/model.onnx");
    dir
}

/// The wheel the model came from: its `utils_vad.py` is the reference for the regions.
fn wheel() -> PathBuf {
    installed(".deps/models/.cache/silero_vad-6.2.3-py3-none-any.whl")
}

fn silero() -> Silero {
    init();
    Silero::open_with(&model_dir(), SINGLE_THREAD).expect("the model loads")
}

/// A mono 16-bit PCM WAV file: its rate and samples (scaled by 1/32768).
fn read_wav(bytes: &[u8]) -> (u32, Vec<f32>) {
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let mut rate = None;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let len = u32_at(at + 4) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match &bytes[at..at + 4] {
            b"fmt " => {
                let format = u16::from_le_bytes([body[0], body[1]]);
                let channels = u16::from_le_bytes([body[2], body[3]]);
                let bits = u16::from_le_bytes([body[14], body[15]]);
                assert_eq!((format, channels, bits), (1, 1, 16), "not 16-bit mono PCM");
                rate = Some(u32_at(at + 12));
            }
            b"data" => {
                let samples = body
                    .chunks_exact(2)
                    .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                    .collect();
                return (rate.expect("fmt before data"), samples);
            }
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    panic!("the WAV file has no data chunk");
}

fn write_wav(path: &Path, rate: u32, samples: &[f32]) {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
        .collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).expect("the WAV file writes");
}

/// `text` as espeak-ng speaks it (22.05 kHz).
fn espeak(text: &str, dir: &Path) -> (u32, Vec<f32>) {
    let wav = dir.join("espeak.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-w"])
        .arg(&wav)
        .arg(text)
        .status();
    assert!(
        matches!(&status, Ok(s) if s.success()) && wav.is_file(),
        "espeak-ng (a required package) did not make speech: {status:?}"
    );
    read_wav(&std::fs::read(&wav).expect("espeak-ng's WAV file reads"))
}

/// The two sentences between the silences, at espeak-ng's rate and at 16 kHz (resampled by
/// GStreamer's audioresample, not by reel), and where the sound really is.
struct Speech {
    rate: u32,
    native: Vec<f32>,
    at_16k: Vec<f32>,
    /// The 16 kHz version as a 16-bit WAV file.
    wav_16k: Vec<u8>,
    /// From the first to the last sample louder than -40 dBFS of each sentence, in seconds.
    truth: Vec<(f64, f64)>,
}

fn speech() -> &'static Speech {
    static SPEECH: OnceLock<Speech> = OnceLock::new();
    SPEECH.get_or_init(|| {
        init();
        let dir = tempfile::tempdir().expect("a temp folder");
        let (rate, first) = espeak(FIRST, dir.path());
        let (second_rate, second) = espeak(SECOND, dir.path());
        assert_eq!(rate, second_rate);
        let silence = |seconds: f64| vec![0.0f32; (seconds * f64::from(rate)).round() as usize];
        let mut native = silence(SILENCES[0]);
        let mut truth = Vec::new();
        for (sentence, after) in [(&first, SILENCES[1]), (&second, SILENCES[2])] {
            let loud = |s: &&f32| s.abs() > SILENT;
            let start = sentence.iter().position(|s| loud(&s)).expect("sound");
            let end = sentence.iter().rposition(|s| loud(&s)).expect("sound");
            let offset = native.len();
            let seconds = |i: usize| (offset + i) as f64 / f64::from(rate);
            truth.push((seconds(start), seconds(end + 1)));
            native.extend_from_slice(sentence);
            native.extend(silence(after));
        }

        let (wav, out) = (
            dir.path().join("speech.wav"),
            dir.path().join("speech16k.wav"),
        );
        write_wav(&wav, rate, &native);
        let (_, error) = run_pipeline(&format!(
            "filesrc location={} ! wavparse ! audioconvert ! audioresample ! \
             audio/x-raw,format=S16LE,rate=16000,channels=1 ! wavenc ! filesink location={}",
            wav.display(),
            out.display()
        ));
        assert_eq!(error, None);
        let wav_16k = std::fs::read(&out).expect("the 16 kHz WAV file reads");
        let (rate_16k, at_16k) = read_wav(&wav_16k);
        assert_eq!(rate_16k, SAMPLE_RATE);
        println!(
            "speech at {:?} s of {:.2} s",
            truth,
            at_16k.len() as f64 / 16_000.0
        );
        Speech {
            rate,
            native,
            at_16k,
            wav_16k,
            truth,
        }
    })
}

/// Runs silero-vad's code in the project's Python: the probabilities of the audio file (as
/// silero-vad's OnnxWrapper computes them) and, for each case, the regions its
/// `get_speech_timestamps_from_probs` finds in the case's probabilities (in samples).
const REFERENCE: &str = r#"
import ast, json, sys, typing, zipfile
import numpy as np
import onnxruntime as ort

job = json.load(sys.stdin)
probs = None
if job["audio"]:
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(job["model"], sess_options=options,
                                   providers=["CPUExecutionProvider"])
    audio = np.fromfile(job["audio"], dtype="<f4")
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, 64), dtype=np.float32)
    sr = np.array(16000, dtype=np.int64)
    probs = []
    for start in range(0, len(audio), 512):
        chunk = audio[start:start + 512]
        chunk = np.pad(chunk, (0, 512 - len(chunk)))[None, :]
        x = np.concatenate([context, chunk], axis=1)
        out, state = session.run(None, {"input": x, "state": state, "sr": sr})
        context = x[:, -64:]
        probs.append(float(out[0, 0]))

# The module imports torch at the top; this function does not use it.
source = zipfile.ZipFile(job["wheel"]).read("silero_vad/utils_vad.py").decode()
function = next(node for node in ast.parse(source).body
                if isinstance(node, ast.FunctionDef)
                and node.name == "get_speech_timestamps_from_probs")
scope = {"List": typing.List, "Callable": typing.Callable}
exec(compile(ast.Module(body=[function], type_ignores=[]), "utils_vad.py", "exec"), scope)
timestamps = scope["get_speech_timestamps_from_probs"]

def regions(case):
    p = case["params"]
    found = timestamps(case["probs"], threshold=p["threshold"],
                       neg_threshold=p["neg_threshold"],
                       min_speech_duration_ms=p["min_speech_ms"],
                       min_silence_duration_ms=p["min_silence_ms"],
                       speech_pad_ms=p["speech_pad_ms"],
                       max_speech_duration_s=p["max_speech_s"] or float("inf"),
                       audio_length_samples=case["samples"])
    return [[s["start"], s["end"]] for s in found]

json.dump({"probs": probs, "regions": [regions(case) for case in job["cases"]]}, sys.stdout)
"#;

/// Probabilities and the length in samples of what they came from.
struct Case {
    probabilities: Vec<f32>,
    samples: usize,
    params: Params,
}

struct Python {
    probabilities: Option<Vec<f64>>,
    /// Per case, (start, end) in samples.
    regions: Vec<Vec<(i64, i64)>>,
}

fn python_reference(audio: Option<&[f32]>, cases: &[Case]) -> Python {
    let dir = tempfile::tempdir().expect("a temp folder");
    let audio_file = audio.map(|samples| {
        let path = dir.path().join("audio.f32");
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        std::fs::write(&path, bytes).expect("the samples write");
        path
    });
    let cases: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| {
            let p = &case.params;
            serde_json::json!({
                // f64 keeps each f32 exactly; its shortest decimal would not read back as it.
                "probs": case.probabilities.iter().map(|p| f64::from(*p)).collect::<Vec<_>>(),
                "samples": case.samples,
                "params": {
                    "threshold": p.threshold,
                    "neg_threshold": p.neg_threshold,
                    "min_speech_ms": p.min_speech_ms,
                    "min_silence_ms": p.min_silence_ms,
                    "speech_pad_ms": p.speech_pad_ms,
                    "max_speech_s": p.max_speech_s.is_finite().then_some(p.max_speech_s),
                },
            })
        })
        .collect();
    let job = serde_json::json!({
        "model": model_dir().join("model.onnx"),
        "wheel": wheel(),
        "audio": audio_file,
        "cases": cases,
    });
    let python = installed(".deps/venv/bin/python");
    let mut child = Command::new(&python)
        .args(["-c", REFERENCE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", python.display()));
    child
        .stdin
        .take()
        .expect("a stdin")
        .write_all(job.to_string().as_bytes())
        .expect("the job is written");
    let output = child.wait_with_output().expect("the reference runs");
    assert!(
        output.status.success(),
        "the Python reference failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the reference answers JSON");
    let probabilities = answer["probs"].as_array().map(|probs| {
        let probs = probs.iter().map(|p| p.as_f64().expect("a probability"));
        probs.collect()
    });
    let regions = answer["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|case| {
            let case = case.as_array().expect("a case's regions").iter();
            case.map(|pair| {
                let sample = |i: usize| pair[i].as_i64().expect("a sample position");
                (sample(0), sample(1))
            })
            .collect()
        })
        .collect();
    Python {
        probabilities,
        regions,
    }
}

fn in_samples(regions: &[Region]) -> Vec<(i64, i64)> {
    let rate = f64::from(SAMPLE_RATE);
    let sample = |t: f64| (t * rate).round() as i64;
    regions
        .iter()
        .map(|r| (sample(r.start), sample(r.end)))
        .collect()
}

#[test]
fn probabilities_match_silero_vad_in_python() {
    let _heavy = one_at_a_time();
    let samples = &speech().at_16k;
    let ours = silero().probabilities(samples).expect("the model runs");
    assert_eq!(ours.len(), samples.len().div_ceil(512));
    let python = python_reference(Some(samples), &[]);
    let theirs = python.probabilities.expect("the reference's probabilities");
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    let speech = ours.iter().filter(|p| **p >= 0.5).count();
    println!(
        "{} windows, {speech} of them speech; largest difference from Python: {worst:e}",
        ours.len()
    );
    assert!(speech > 50 && speech < ours.len() - 50, "{ours:?}");
    assert!(
        worst < 1e-4,
        "the probabilities differ from Python's by {worst}"
    );
}

/// Probabilities in runs of speech, silence and in between, with noise, some exactly on a
/// threshold: a fixed sequence (a linear congruential generator with a fixed seed).
fn made_up_cases() -> Vec<Case> {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as f64 / (1u64 << 31) as f64
    };
    let variants = [
        Params::default(),
        Params::with_threshold(0.3),
        Params {
            min_silence_ms: 10,
            speech_pad_ms: 100,
            ..Params::default()
        },
        Params {
            max_speech_s: 1.5,
            ..Params::default()
        },
        Params {
            max_speech_s: 2.0,
            min_silence_ms: 300,
            speech_pad_ms: 60,
            ..Params::default()
        },
        Params {
            min_speech_ms: 0,
            speech_pad_ms: 0,
            ..Params::default()
        },
    ];
    (0..60)
        .map(|i| {
            let params = variants[i % variants.len()];
            let windows = 100 + (next() * 700.0) as usize;
            let mut probabilities = Vec::with_capacity(windows);
            while probabilities.len() < windows {
                let run = 1 + (next() * 30.0) as usize;
                let (low, high) = match (next() * 3.0) as u32 {
                    0 => (params.threshold, 1.0),
                    1 => (0.0, params.neg_threshold),
                    _ => (params.neg_threshold, params.threshold),
                };
                for _ in 0..run {
                    let p = if next() < 0.05 {
                        [params.threshold, params.neg_threshold][(next() * 2.0) as usize]
                    } else {
                        low + (high - low) * next()
                    };
                    probabilities.push(p as f32);
                }
            }
            probabilities.truncate(windows);
            let samples = windows * 512 - (next() * 511.0) as usize;
            Case {
                probabilities,
                samples,
                params,
            }
        })
        .collect()
}

#[test]
fn regions_match_silero_vad_on_the_same_probabilities() {
    let _heavy = one_at_a_time();
    let speech = speech();
    let real = Case {
        probabilities: silero().probabilities(&speech.at_16k).expect("runs"),
        samples: speech.at_16k.len(),
        params: Params::default(),
    };
    let mut cases = vec![real];
    cases.extend(made_up_cases());
    let python = python_reference(None, &cases);
    assert_eq!(python.regions.len(), cases.len());
    let mut total = 0;
    for (i, (case, theirs)) in cases.iter().zip(&python.regions).enumerate() {
        let ours = in_samples(&regions(&case.probabilities, case.samples, &case.params));
        assert_eq!(&ours, theirs, "case {i}, {:?}", case.params);
        total += ours.len();
    }
    println!(
        "{} cases, {total} regions, all as silero-vad finds them",
        cases.len()
    );
    assert_eq!(python.regions[0].len(), 2);
    assert!(total > 200, "the made-up cases hold {total} regions");
}

#[test]
fn two_sentences_are_two_regions_at_their_boundaries() {
    let _heavy = one_at_a_time();
    let speech = speech();
    let found = speech_regions(
        &mut silero(),
        &speech.at_16k,
        SAMPLE_RATE,
        &Params::default(),
    )
    .expect("the model runs");
    println!("found {found:?}, true {:?}", speech.truth);
    assert_eq!(found.len(), 2, "{found:?}");
    for (region, (start, end)) in found.iter().zip(&speech.truth) {
        assert!((region.start - start).abs() < 0.15, "{region:?} vs {start}");
        assert!((region.end - end).abs() < 0.15, "{region:?} vs {end}");
    }
}

#[test]
fn silence_and_low_noise_have_no_speech() {
    let _heavy = one_at_a_time();
    let mut vad = silero();
    let mut seed = 7u32;
    let mut noise = |amplitude: f32| {
        (0..5 * 16_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed as f32 / u32::MAX as f32 * 2.0 - 1.0) * amplitude
            })
            .collect::<Vec<f32>>()
    };
    for (what, samples) in [
        ("silence", vec![0.0; 5 * 16_000]),
        ("noise at -40 dBFS", noise(0.01)),
        ("noise at -50 dBFS", noise(0.003)),
    ] {
        vad.reset();
        let probabilities = vad.probabilities(&samples).expect("runs");
        let highest = probabilities.iter().copied().fold(0.0, f32::max);
        let found = regions(&probabilities, samples.len(), &Params::default());
        println!("{what}: highest probability {highest:.3}");
        assert!(found.is_empty(), "{what}: {found:?}");
    }
}

#[test]
fn speech_at_22_khz_gives_the_regions_of_16_khz() {
    let _heavy = one_at_a_time();
    let speech = speech();
    let mut vad = silero();
    let params = Params::default();
    let native = speech_regions(&mut vad, &speech.native, speech.rate, &params).expect("runs");
    let at_16k = speech_regions(&mut vad, &speech.at_16k, SAMPLE_RATE, &params).expect("runs");
    println!("at {} Hz {native:?}; at 16 kHz {at_16k:?}", speech.rate);
    assert_eq!(native.len(), at_16k.len());
    for (a, b) in native.iter().zip(&at_16k) {
        assert!(
            (a.start - b.start).abs() < 0.05 && (a.end - b.end).abs() < 0.05,
            "{a:?} {b:?}"
        );
    }
}

#[test]
fn the_model_runs_far_faster_than_realtime() {
    let _heavy = one_at_a_time();
    let mut vad = silero();
    let speech = &speech().at_16k;
    // About a minute of audio.
    let minute: Vec<f32> = speech.iter().copied().cycle().take(60 * 16_000).collect();
    vad.probabilities(&minute[..16_000]).expect("warms up");
    vad.reset();
    let clock = Instant::now();
    let probabilities = vad.probabilities(&minute).expect("runs");
    let seconds = clock.elapsed().as_secs_f64();
    let speed = 60.0 / seconds;
    println!(
        "{} windows in {seconds:.3} s: {speed:.0}x realtime on one thread",
        probabilities.len()
    );
    // It does over 200x on one core; a fraction of that, so a busy machine does not fail it,
    // but a slowdown of the kind a copy too many per window brings would.
    assert!(speed > 50.0, "{speed:.0}x realtime");
}

/// A reelvad message: its name and two numbers (`start` and `end` of a segment; `segments`
/// and `audio-seconds` of `reelvad-done`).
type Posted = (String, f64, f64);

fn posted(message: &gst::Message) -> Option<Posted> {
    let gst::MessageView::Element(element) = message.view() else {
        return None;
    };
    posted_structure(element.structure()?)
}

fn posted_structure(s: &gst::StructureRef) -> Option<Posted> {
    let name = s.name().to_string();
    let get = |field| s.get::<f64>(field).expect(field);
    match name.as_str() {
        "reelvad-segment" => Some((name, get("start"), get("end"))),
        "reelvad-done" => {
            let segments = s.get::<u32>("segments").expect("segments");
            Some((name, f64::from(segments), get("audio-seconds")))
        }
        _ => None,
    }
}

/// Every reelvad message until EOS or an error, and the error.
fn run_pipeline(description: &str) -> (Vec<Posted>, Option<String>) {
    let (structures, error) = common::play(description, 60);
    let messages = structures
        .iter()
        .filter_map(|s| posted_structure(s))
        .collect();
    (messages, error)
}

#[test]
fn a_pipeline_posts_the_regions_the_library_finds() {
    let _heavy = one_at_a_time();
    let speech = speech();
    let expected = speech_regions(
        &mut silero(),
        &speech.at_16k,
        SAMPLE_RATE,
        &Params::default(),
    )
    .expect("runs");
    let dir = tempfile::tempdir().expect("a temp folder");
    let wav = dir.path().join("speech16k.wav");
    std::fs::write(&wav, &speech.wav_16k).expect("the WAV file writes");
    let (messages, error) = run_pipeline(&format!(
        "filesrc location={} ! wavparse ! audioconvert ! audioresample ! {CAPS_16K} ! \
         reelvad model-dir={} ! fakesink",
        wav.display(),
        model_dir().display()
    ));
    assert_eq!(error, None);
    println!("{messages:?}");
    let segments: Vec<Region> = messages
        .iter()
        .filter(|m| m.0 == "reelvad-segment")
        .map(|m| Region {
            start: m.1,
            end: m.2,
        })
        .collect();
    assert_eq!(segments, expected);
    let done = messages.last().expect("messages");
    assert_eq!(done.0, "reelvad-done");
    assert_eq!(done.1 as usize, expected.len());
    let seconds = speech.at_16k.len() as f64 / 16_000.0;
    assert!(
        (done.2 - seconds).abs() < 1e-9,
        "{} s, not {seconds} s",
        done.2
    );
}

#[test]
fn regions_are_posted_while_the_audio_plays_and_count_from_the_first_timestamp() {
    let _heavy = one_at_a_time();
    let speech = speech();
    let expected = speech_regions(
        &mut silero(),
        &speech.at_16k,
        SAMPLE_RATE,
        &Params::default(),
    )
    .expect("runs");
    let pipeline = gst::parse::launch(&format!(
        "appsrc name=src format=time caps={CAPS_16K} ! reelvad model={} ! fakesink",
        model_dir().join("model.onnx").display()
    ))
    .expect("the pipeline parses")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let src = pipeline
        .by_name("src")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .expect("the appsrc");
    let bus = pipeline.bus().expect("a bus");
    pipeline.set_state(gst::State::Playing).expect("plays");

    // 0.1 s buffers, the first stamped 10 s.
    let origin = gst::ClockTime::from_seconds(10);
    let push = |chunk: (usize, &[f32])| {
        let (index, samples) = chunk;
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        let buffer_mut = buffer.get_mut().expect("a new buffer is writable");
        buffer_mut.set_pts(origin + gst::ClockTime::from_mseconds(100 * index as u64));
        buffer_mut.set_duration(gst::ClockTime::from_mseconds(100));
        src.push_buffer(buffer).expect("the buffer goes in");
    };
    let chunks: Vec<&[f32]> = speech.at_16k.chunks(1600).collect();
    // Up to half a second after the first sentence: its region must be out before the rest.
    let first_part = ((speech.truth[0].1 + 0.5) * 10.0) as usize;
    chunks[..first_part]
        .iter()
        .copied()
        .enumerate()
        .for_each(&push);
    let mut messages = Vec::new();
    while messages.is_empty() {
        let message = bus
            .timed_pop(gst::ClockTime::from_seconds(30))
            .expect("the first region is posted before the rest of the audio");
        if let gst::MessageView::Error(err) = message.view() {
            panic!("{} ({:?})", err.error(), err.debug());
        }
        messages.extend(posted(&message));
    }
    chunks
        .iter()
        .copied()
        .enumerate()
        .skip(first_part)
        .for_each(&push);
    src.end_of_stream().expect("EOS goes in");
    while let Some(message) = bus.timed_pop(gst::ClockTime::from_seconds(60)) {
        match message.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(err) => panic!("{} ({:?})", err.error(), err.debug()),
            _ => messages.extend(posted(&message)),
        }
    }
    let _ = pipeline.set_state(gst::State::Null);
    println!("{messages:?}");
    let segments: Vec<(f64, f64)> = messages
        .iter()
        .filter(|m| m.0 == "reelvad-segment")
        .map(|m| (m.1, m.2))
        .collect();
    assert_eq!(segments.len(), expected.len());
    for (posted, region) in segments.iter().zip(&expected) {
        let close = (posted.0 - 10.0 - region.start).abs() < 1e-9
            && (posted.1 - 10.0 - region.end).abs() < 1e-9;
        assert!(close, "{posted:?} is not 10 s after {region:?}");
    }
    assert!(messages.last().is_some_and(|m| m.0 == "reelvad-done"));
}

#[test]
fn a_missing_or_broken_model_fails_start_naming_it() {
    init();
    let dir = tempfile::tempdir().expect("a temp folder");
    let broken = dir.path().join("broken.onnx");
    std::fs::write(&broken, b"not a model").expect("writes");
    for (property, path) in [
        ("model", PathBuf::from("/nonexistent/reel-vad.onnx")),
        ("model-dir", PathBuf::from("/nonexistent/reel-vad-model")),
        ("model", broken),
    ] {
        let description = format!(
            "audiotestsrc num-buffers=10 ! audioconvert ! audioresample ! {CAPS_16K} ! \
             reelvad {property}={} ! fakesink",
            path.display()
        );
        let (messages, error) = run_pipeline(&description);
        assert!(messages.is_empty());
        let error = error.expect("the element fails to start");
        println!("{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
    }
}
