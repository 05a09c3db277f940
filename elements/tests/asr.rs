//! `reelasr` and its Transcriber on speech made by espeak-ng, checked against the Python
//! reference (`models/whisper/reference_decode.py`), which is run at test time; and the same
//! gated by Silero VAD on speech with a long stretch of noise in the middle.
//!
//! Needs what `make setup` and `make models` install into `.deps/` (the ONNX runtime, the venv,
//! whisper-tiny-en, silero-vad) and the espeak-ng package: a test fails when any of them is
//! missing.

mod common;

use common::{init, installed, one_at_a_time, workspace};
use gstreel::asr::mel::{Filterbank, LogMel};
use gstreel::asr::word_error_rate;
use gstreel::asr::{Options, Segment, Stats, Transcriber, Transcript};
use gstreel::vad::{Params, Silero};
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
    espeak_text(dir, SPOKEN)
}

/// `text` as espeak-ng speaks it at 120 words a minute (22.05 kHz mono), in `dir`.
fn espeak_text(dir: &Path, text: &str) -> PathBuf {
    let wav = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "120", "-w"])
        .arg(&wav)
        .arg(text)
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
    WAV.get_or_init(|| speak16k(SPOKEN))
}

/// `text` spoken by espeak-ng as the bytes of a 16 kHz mono 16-bit WAV file.
fn speak16k(text: &str) -> Vec<u8> {
    init();
    let dir = tempfile::tempdir().expect("a temp folder");
    let out = dir.path().join("speech16k.wav");
    let (_, error) = run_pipeline(&format!(
        "filesrc location={} ! decodebin ! audioconvert ! audioresample ! \
         audio/x-raw,format=S16LE,rate=16000,channels=1 ! wavenc ! filesink location={}",
        espeak_text(dir.path(), text).display(),
        out.display()
    ));
    assert_eq!(error, None);
    std::fs::read(&out).expect("the 16 kHz WAV file reads")
}

/// Samples of a 16-bit PCM mono WAV file holding more than 30 s, scaled as the reference does
/// (/ 32768).
fn samples(wav: &[u8]) -> Vec<f32> {
    let samples = pcm16(wav);
    assert!(samples.len() > 30 * 16_000, "{} samples", samples.len());
    samples
}

/// Samples of a 16-bit PCM mono WAV file, scaled by 1 / 32768.
fn pcm16(wav: &[u8]) -> Vec<f32> {
    let mut at = 12;
    while at + 8 <= wav.len() {
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            let data = &wav[at + 8..(at + 8 + len).min(wav.len())];
            return data
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                .collect();
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
    let (messages, _, error) = run_pipeline_to_done(description);
    (messages, error)
}

/// As [`run_pipeline`], with the whole `reelasr-done` structure too.
fn run_pipeline_to_done(
    description: &str,
) -> (Vec<Posted>, Option<gst::Structure>, Option<String>) {
    let (structures, error) = common::play(description, 300);
    let mut done = None;
    let mut messages = Vec::new();
    for s in structures {
        let name = s.name().to_string();
        if name == "reelasr-done" {
            let segments = s.get::<u32>("segments").expect("segments");
            let seconds = s.get::<f64>("seconds").expect("seconds");
            messages.push((name, f64::from(segments), seconds, String::new()));
            done = Some(s);
        } else if name.starts_with("reelasr-") {
            let get = |field| s.get::<f64>(field).expect(field);
            let text = s.get::<String>("text").expect("text");
            messages.push((name, get("start"), get("end"), text));
        }
    }
    (messages, done, error)
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

// Gating by voice activity: speech, a long stretch of noise, more speech.

/// The speech before and after the gap, each 20 to 30 s at 120 words a minute: with the gap
/// over 60 s in all, so the ungated seek loop needs at least three windows where the gated one
/// needs one a part.
const BEFORE_GAP: &str = "The morning train leaves the station at seven. Most people read the \
    news or sleep until the city comes into view. A few look out of the window at the green \
    fields, the old farms and the slow river. Coffee is sold in the second car, and it is \
    always too hot to drink.";
const AFTER_GAP: &str = "In the evening the same train brings them home again. The lights of \
    the small towns pass by, and the conductor calls out each stop in a calm and friendly \
    voice until the last station. Then the doors open, and everyone walks out into the cold \
    night air.";
/// Seconds of noise between the two.
const GAP_SECONDS: f64 = 20.0;
/// How far a segment may reach into the gap: Whisper's timestamps are 20 ms steps and the VAD
/// pads its regions, so a segment may end a little after the sound does.
const GAP_MARGIN: f64 = 0.5;
/// Louder than this is speech, not the noise (-40 dBFS).
const SILENT: f32 = 0.01;

fn silero() -> Silero {
    init();
    let dir = installed(".deps/models/silero-vad");
    installed(".deps/models/silero-vad/model.onnx");
    Silero::open(&dir).expect("the VAD model loads")
}

/// White noise at -45 dBFS RMS (uniform in ±0.0097), the same every run.
fn noise(seconds: f64, seed: u64) -> Vec<f32> {
    let amplitude = 10f32.powf(-45.0 / 20.0) * 3f32.sqrt();
    let mut state = seed | 1;
    (0..(seconds * 16_000.0) as usize)
        .map(|_| {
            // xorshift64: cheap, fixed, good enough for a noise floor.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

/// BEFORE_GAP, GAP_SECONDS of noise, AFTER_GAP, with the same noise under all of it; and
/// where the sound of each part really is, in seconds.
struct Gapped {
    samples: Vec<f32>,
    /// Where the last sound of BEFORE_GAP ends.
    before_end: f64,
    /// Where the first sound of AFTER_GAP starts.
    after_start: f64,
}

fn gapped() -> &'static Gapped {
    static GAPPED: OnceLock<Gapped> = OnceLock::new();
    GAPPED.get_or_init(|| {
        let (before, after) = (pcm16(&speak16k(BEFORE_GAP)), pcm16(&speak16k(AFTER_GAP)));
        let loud = |s: &f32| s.abs() > SILENT;
        let seconds = |samples: usize| samples as f64 / 16_000.0;
        let last = before.iter().rposition(loud).expect("BEFORE_GAP is heard");
        let first = after.iter().position(loud).expect("AFTER_GAP is heard");
        let gap = (GAP_SECONDS * 16_000.0) as usize;
        let mut samples = before.clone();
        samples.resize(before.len() + gap, 0.0);
        samples.extend_from_slice(&after);
        let floor = noise(seconds(samples.len()) + 1.0, 42);
        for (s, n) in samples.iter_mut().zip(floor) {
            *s += n;
        }
        Gapped {
            before_end: seconds(last),
            after_start: seconds(before.len() + gap + first),
            samples,
        }
    })
}

fn summary(name: &str, s: &Stats) -> String {
    format!(
        "{name}: {:.3} s for {:.2} s of audio ({:.2} s skipped): vad {:.3} s, mel {:.3} s, \
         encode {:.3} s ({} windows), decode {:.3} s ({} steps) | realtime factor {:.3}",
        s.total_seconds(),
        s.audio_seconds,
        s.skipped_seconds,
        s.vad_seconds,
        s.mel_seconds,
        s.encode_seconds,
        s.windows,
        s.decode_seconds,
        s.steps,
        s.realtime_factor()
    )
}

fn print_segments(name: &str, transcript: &Transcript) {
    println!("{name}:");
    for seg in &transcript.segments {
        println!("  [{:6.2} --> {:6.2}] {}", seg.start, seg.end, seg.text);
    }
}

fn joined(segments: &[&Segment]) -> String {
    let texts: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
    texts.join(" ")
}

#[test]
fn the_vad_skips_a_long_gap_and_keeps_the_timeline() {
    init();
    let _heavy = one_at_a_time();
    let audio = gapped();
    let mut transcriber = transcriber();
    let ungated = transcriber.transcribe(&audio.samples).expect("transcribes");
    let mut transcriber = transcriber.with_vad(silero(), Params::default());
    let gated = transcriber.transcribe(&audio.samples).expect("transcribes");
    println!(
        "speech until {:.2} s, again from {:.2} s",
        audio.before_end, audio.after_start
    );
    print_segments("ungated", &ungated);
    print_segments("gated", &gated);
    println!("{}", summary("ungated", &ungated.stats));
    println!("{}", summary("gated", &gated.stats));

    let (gap_start, gap_end) = (
        audio.before_end + GAP_MARGIN,
        audio.after_start - GAP_MARGIN,
    );
    for seg in &gated.segments {
        assert!(
            seg.end <= gap_start || seg.start >= gap_end,
            "{seg:?} overlaps the gap {gap_start:.2}..{gap_end:.2}"
        );
        for word in &seg.words {
            assert!(
                seg.start <= word.start && word.end <= seg.end,
                "{word:?} in {seg:?}"
            );
        }
    }
    let (before, after): (Vec<&Segment>, Vec<&Segment>) =
        gated.segments.iter().partition(|s| s.end <= gap_start);
    let (wer_before, wer_after) = (
        word_error_rate(BEFORE_GAP, &joined(&before)),
        word_error_rate(AFTER_GAP, &joined(&after)),
    );
    println!(
        "WER before the gap {:.1}%, after it {:.1}%",
        wer_before * 100.0,
        wer_after * 100.0
    );
    assert!(
        wer_before <= 0.30,
        "word error rate before the gap {wer_before}"
    );
    assert!(
        wer_after <= 0.30,
        "word error rate after the gap {wer_after}"
    );
    let resumed = after.first().expect("segments after the gap").start;
    assert!(
        (resumed - audio.after_start).abs() < 1.0,
        "the second part starts at {:.2} s, its first segment at {resumed:.2} s",
        audio.after_start
    );
    assert!(
        gated.stats.skipped_seconds >= 15.0,
        "{} s skipped",
        gated.stats.skipped_seconds
    );
    assert_eq!(gated.stats.audio_seconds, ungated.stats.audio_seconds);
    assert_eq!(ungated.stats.skipped_seconds, 0.0);
    assert!(gated.stats.vad_seconds > 0.0 && ungated.stats.vad_seconds == 0.0);
    // Less work: no window spent on the gap alone, and nothing decoded there.
    assert!(
        gated.stats.windows < ungated.stats.windows,
        "{} windows gated, {} ungated",
        gated.stats.windows,
        ungated.stats.windows
    );
}

#[test]
fn noise_alone_is_not_transcribed_at_all() {
    init();
    let _heavy = one_at_a_time();
    let samples = noise(12.0, 7);
    let mut transcriber = transcriber();
    let ungated = transcriber.transcribe(&samples).expect("transcribes");
    println!("ungated, Whisper hears: {:?}", ungated.text());
    println!("{}", summary("ungated", &ungated.stats));
    let mut transcriber = transcriber.with_vad(silero(), Params::default());
    let gated = transcriber.transcribe(&samples).expect("transcribes");
    println!("{}", summary("gated", &gated.stats));
    assert!(gated.segments.is_empty(), "{:?}", gated.segments);
    assert_eq!((gated.stats.windows, gated.stats.steps), (0, 0));
    assert_eq!(gated.stats.mel_seconds, 0.0);
    assert!((gated.stats.skipped_seconds - 12.0).abs() < 0.01);
    // And silence too.
    let silent = transcriber.transcribe(&[0.0; 16_000]).expect("transcribes");
    assert!(silent.segments.is_empty() && silent.stats.windows == 0);
    assert!(transcriber
        .transcribe(&[])
        .expect("transcribes")
        .segments
        .is_empty());
}

/// A mono 32-bit float WAV file at 16 kHz: the element reads exactly the library's samples.
fn write_f32_wav(path: &Path, samples: &[f32]) {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&(16_000u32 * 4).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&32u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).expect("the WAV file writes");
}

#[test]
fn a_pipeline_with_a_vad_posts_what_the_library_finds() {
    init();
    let _heavy = one_at_a_time();
    let audio = gapped();
    let vad_dir = installed(".deps/models/silero-vad");
    // As the element opens its models.
    let options = Options {
        threads: 2,
        ..Options::default()
    };
    let mut transcriber = Transcriber::open_with(&model_dir(), options)
        .expect("the model loads")
        .with_vad(silero(), Params::default());
    let library = transcriber.transcribe(&audio.samples).expect("transcribes");

    let dir = tempfile::tempdir().expect("a temp folder");
    let wav = dir.path().join("gapped.wav");
    write_f32_wav(&wav, &audio.samples);
    let description = format!(
        "filesrc location={} ! wavparse ! audioconvert ! {CAPS_16K} ! \
         reelasr model-dir={} vad-model-dir={} threads=2 ! fakesink",
        wav.display(),
        model_dir().display(),
        vad_dir.display()
    );
    let (messages, done, error) = run_pipeline_to_done(&description);
    assert_eq!(error, None);
    let posted: Vec<(f64, f64, &str)> = messages
        .iter()
        .filter(|m| m.0 == "reelasr-segment")
        .map(|m| (m.1, m.2, m.3.as_str()))
        .collect();
    let expected: Vec<(f64, f64, &str)> = library
        .segments
        .iter()
        .map(|s| (s.start, s.end, s.text.as_str()))
        .collect();
    println!("posted {posted:?}");
    assert!(!expected.is_empty());
    assert_eq!(posted.len(), expected.len(), "library {expected:?}");
    for (have, want) in posted.iter().zip(&expected) {
        let close = (have.0 - want.0).abs() < 1e-6 && (have.1 - want.1).abs() < 1e-6;
        assert!(close && have.2 == want.2, "{have:?}, library {want:?}");
    }
    let done = done.expect("reelasr-done");
    let skipped = done.get::<f64>("skipped-seconds").expect("skipped-seconds");
    println!("{done}");
    assert!(
        (skipped - library.stats.skipped_seconds).abs() < 1e-9,
        "{skipped}"
    );
}

#[test]
fn a_wrong_vad_model_folder_fails_start_naming_it() {
    init();
    let empty = tempfile::tempdir().expect("a temp folder");
    let missing = "/nonexistent/reel-vad-model".to_string();
    for dir in [missing, empty.path().display().to_string()] {
        let description = format!(
            "audiotestsrc num-buffers=10 ! audioconvert ! audioresample ! {CAPS_16K} ! \
             reelasr model-dir={} vad-model-dir={dir} ! fakesink",
            model_dir().display()
        );
        let (messages, error) = run_pipeline(&description);
        assert!(messages.is_empty());
        let error = error.expect("the element fails to start");
        println!("{error}");
        assert!(error.contains(&dir), "{error}");
        assert!(error.contains("voice activity"), "{error}");
    }
}
