//! `reelspeech` in real pipelines: the installed Piper voice (`make models` puts it in
//! `.deps/models`) and the espeak-ng fallback, checked against the voice itself, against
//! espeak-ng run directly, and against the audio they produce.
//!
//! Needs what `make setup` and `make models` install into `.deps/` (the ONNX runtime,
//! piper-en-us-joe-medium) and the espeak-ng package: a test fails when any of them is missing.

mod common;

use common::{init, one_at_a_time, workspace};
use gst::glib;
use gst::prelude::*;
use gstreel::speech::{Delivery, Piper, Spoken};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const VOICE: &str = "piper-en-us-joe-medium";
/// Noise scales this small make the voice deterministic (0 would mean "the voice's default").
const STEADY: f32 = 0.0001;

fn voice_dir() -> PathBuf {
    let dir = workspace().join(".deps/models").join(VOICE);
    assert!(
        dir.join("model.onnx").is_file(),
        "{} is missing: run `make models`",
        dir.display()
    );
    dir
}

/// The written words the voice times: clause punctuation is not part of a word.
fn written_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c| ".,;:!?".contains(c)).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

#[derive(Debug, Clone, PartialEq)]
struct Word {
    text: String,
    start: f64,
    end: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Done {
    words: u32,
    seconds: f64,
    engine: String,
    provider: String,
}

/// What reached the sink and the bus, in the streaming thread's order.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    /// A buffer covering samples `first..end`.
    Buffer { first: u64, end: u64 },
    /// A `reelspeech-word` with its start.
    Word(f64),
}

/// Everything one run of `reelspeech ! appsink` gave.
#[derive(Debug, Default)]
struct Heard {
    samples: Vec<f32>,
    caps: Option<gst::Caps>,
    /// (pts, duration, offset, offset_end) of each buffer.
    times: Vec<(u64, u64, u64, u64)>,
    words: Vec<Word>,
    done: Vec<Done>,
    events: Vec<Event>,
    error: Option<String>,
}

impl Heard {
    fn rate(&self) -> i32 {
        let caps = self.caps.as_ref().expect("caps were negotiated");
        let s = caps.structure(0).expect("a caps structure");
        s.get::<i32>("rate").expect("a rate")
    }

    fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.rate())
    }

    fn slice(&self, start: f64, end: f64) -> &[f32] {
        let rate = f64::from(self.rate());
        let at = |t: f64| ((t * rate) as usize).min(self.samples.len());
        &self.samples[at(start)..at(end)]
    }
}

fn record_message(heard: &Mutex<Heard>, message: &gst::Message) {
    let Some(s) = message.structure() else {
        return;
    };
    let mut heard = heard.lock().unwrap_or_else(|e| e.into_inner());
    match s.name().as_str() {
        "reelspeech-word" => {
            let word = Word {
                text: s.get("text").expect("a word's text"),
                start: s.get("start").expect("a word's start"),
                end: s.get("end").expect("a word's end"),
            };
            heard.events.push(Event::Word(word.start));
            heard.words.push(word);
        }
        "reelspeech-done" => heard.done.push(Done {
            words: s.get("words").expect("done's words"),
            seconds: s.get("seconds").expect("done's seconds"),
            engine: s.get("engine").expect("done's engine"),
            provider: s.get("provider").expect("done's provider"),
        }),
        _ => {}
    }
}

fn record_sample(heard: &Mutex<Heard>, sample: &gst::Sample) {
    let mut heard = heard.lock().unwrap_or_else(|e| e.into_inner());
    heard.caps = sample.caps_owned();
    let Some(buffer) = sample.buffer() else {
        return;
    };
    let ns = |t: Option<gst::ClockTime>| t.map_or(u64::MAX, |t| t.nseconds());
    let (first, end) = (buffer.offset(), buffer.offset_end());
    heard
        .times
        .push((ns(buffer.pts()), ns(buffer.duration()), first, end));
    heard.events.push(Event::Buffer { first, end });
    let map = buffer.map_readable().expect("a readable buffer");
    heard.samples.extend(
        map.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
}

/// A pipeline `reelspeech ! appsink` with `properties` set on the source. The sink and the bus
/// sync handler both run in the streaming thread, so `events` shows the order the element
/// sent words and buffers in.
struct Speaker {
    pipeline: gst::Pipeline,
    heard: Arc<Mutex<Heard>>,
}

impl Speaker {
    fn new(properties: &[(&str, glib::Value)]) -> Speaker {
        init();
        let mut source = gst::ElementFactory::make("reelspeech");
        for (name, value) in properties {
            source = source.property(name, value.clone());
        }
        let source = source.build().expect("reelspeech is registered");
        let sink = gst_app::AppSink::builder().sync(false).build();
        let pipeline = gst::Pipeline::new();
        pipeline
            .add_many([&source, sink.upcast_ref()])
            .expect("elements join the pipeline");
        source.link(&sink).expect("reelspeech links to appsink");
        let heard = Arc::new(Mutex::new(Heard::default()));
        let from_sink = heard.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    record_sample(&from_sink, &sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        let from_bus = heard.clone();
        let bus = pipeline.bus().expect("a pipeline has a bus");
        bus.set_sync_handler(move |_, message| {
            if let gst::MessageView::Element(_) = message.view() {
                record_message(&from_bus, message);
            }
            gst::BusSyncReply::Pass
        });
        Speaker { pipeline, heard }
    }

    /// Plays to EOS or an error and returns what was heard since the last play.
    fn play(&self) -> Heard {
        let bus = self.pipeline.bus().expect("a pipeline has a bus");
        let _ = self.pipeline.set_state(gst::State::Playing);
        let mut error = Some("no EOS within 120 s".to_string());
        let wanted = [gst::MessageType::Eos, gst::MessageType::Error];
        if let Some(message) = bus.timed_pop_filtered(gst::ClockTime::from_seconds(120), &wanted) {
            error = match message.view() {
                gst::MessageView::Error(err) => {
                    Some(format!("{} ({:?})", err.error(), err.debug()))
                }
                _ => None,
            };
        }
        let _ = self.pipeline.set_state(gst::State::Ready);
        let mut heard = std::mem::take(&mut *self.heard.lock().unwrap_or_else(|e| e.into_inner()));
        heard.error = error;
        heard
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn path_value(path: &Path) -> glib::Value {
    path.display().to_string().to_value()
}

fn piper_props(text: &str) -> Vec<(&'static str, glib::Value)> {
    vec![
        ("text", text.to_value()),
        ("model-dir", path_value(&voice_dir())),
        ("noise-scale", STEADY.to_value()),
        ("noise-w", STEADY.to_value()),
    ]
}

/// `text` as the voice itself speaks it without noise, at `length` (else its own).
fn reference(text: &str, length: Option<f32>) -> (Spoken, u32) {
    init();
    let mut piper = Piper::open(&voice_dir(), VOICE, &[], &[], false).expect("the voice opens");
    let steady = Delivery {
        noise: 0.0,
        noise_w: 0.0,
        length: length.unwrap_or(piper.default.length),
    };
    let spoken = piper.speak(text, steady).expect("the voice speaks");
    (spoken, piper.sample_rate)
}

/// Timestamps and offsets run on from 0 with no gap, and the last buffer ends on the last
/// sample.
fn assert_contiguous(heard: &Heard) {
    let rate = heard.rate() as u64;
    assert!(!heard.times.is_empty());
    let mut next = (0, 0);
    for &(pts, duration, offset, offset_end) in &heard.times {
        assert_eq!((pts, offset), next, "{:?}", heard.times);
        assert_eq!(pts, offset * 1_000_000_000 / rate);
        next = (pts + duration, offset_end);
    }
    let total = heard.samples.len() as u64;
    assert_eq!(next, (total * 1_000_000_000 / rate, total));
}

/// Every word is posted just before the buffer that holds its start.
fn assert_words_come_with_their_audio(heard: &Heard, rate: f64) {
    for (i, event) in heard.events.iter().enumerate() {
        let Event::Word(start) = *event else {
            continue;
        };
        let next_buffer = heard.events[i..].iter().find_map(|e| match *e {
            Event::Buffer { first, end } => Some((first, end)),
            Event::Word(_) => None,
        });
        let at = (start * rate) as u64;
        let (first, end) = next_buffer.expect("a buffer follows each word");
        assert!(
            (first..end).contains(&at),
            "word at {start} s came before {first}..{end}"
        );
    }
}

#[test]
fn the_element_is_registered_with_its_properties() {
    init();
    let factory = gst::ElementFactory::find("reelspeech").expect("reelspeech is registered");
    assert_eq!(
        factory.metadata(gst::ELEMENT_METADATA_KLASS),
        Some("Source/Audio")
    );
    let element = factory.create().build().expect("reelspeech builds");
    for name in [
        "text",
        "model-dir",
        "length-scale",
        "noise-scale",
        "noise-w",
        "espeak-voice",
        "pitch",
    ] {
        assert!(element.find_property(name).is_some(), "no property {name}");
    }
    assert_eq!(element.property::<String>("espeak-voice"), "en-us");
    assert_eq!(element.property::<i32>("pitch"), 0);
    assert_eq!(element.property::<f32>("length-scale"), 0.0);
    assert_eq!(element.property::<Option<String>>("model-dir"), None);
}

#[test]
fn a_sentence_plays_as_the_voice_speaks_it_with_its_words() {
    let _heavy = one_at_a_time();
    let text = "Reel turns a plain script into a finished video, with music and a voice.";
    let (expected, rate) = reference(text, None);
    let speaker = Speaker::new(&piper_props(text));
    let heard = speaker.play();
    assert_eq!(heard.error, None);
    println!(
        "{:.3} s in {} buffers, voice alone {:.3} s; {} words",
        heard.seconds(),
        heard.times.len(),
        expected.samples.len() as f64 / f64::from(rate),
        heard.words.len()
    );

    let caps = heard.caps.as_ref().expect("caps");
    let s = caps.structure(0).expect("a caps structure");
    assert_eq!(s.get::<&str>("format"), Ok("F32LE"));
    assert_eq!(s.get::<i32>("channels"), Ok(1));
    assert_eq!(heard.rate(), 22050);
    assert_eq!(rate, 22050);
    assert_contiguous(&heard);
    let ratio = heard.samples.len() as f64 / expected.samples.len() as f64;
    assert!((0.99..=1.01).contains(&ratio), "length ratio {ratio}");

    let seconds = heard.seconds();
    let texts: Vec<String> = heard.words.iter().map(|w| w.text.clone()).collect();
    assert_eq!(texts, written_words(text));
    for pair in heard.words.windows(2) {
        assert!(pair[0].start < pair[1].start, "{pair:?}");
        assert!(pair[0].end <= pair[1].start + 1e-6, "{pair:?}");
    }
    for (word, reference) in heard.words.iter().zip(&expected.words) {
        assert!(0.0 <= word.start && word.start < word.end && word.end <= seconds + 1e-6);
        // The same voice without noise: the same times, give or take a frame or two.
        assert!(
            (word.start - reference.start).abs() < 0.03 && (word.end - reference.end).abs() < 0.03,
            "{word:?} vs {reference:?}"
        );
    }
    let last_end = heard.words.last().map_or(0.0, |w| w.end);
    assert!(
        seconds - last_end < 0.4,
        "last word ends {last_end} of {seconds} s"
    );
    assert_words_come_with_their_audio(&heard, f64::from(rate));

    assert_eq!(heard.done.len(), 1);
    let done = &heard.done[0];
    assert_eq!(done.words as usize, heard.words.len());
    assert!((done.seconds - seconds).abs() < 1e-9, "{done:?}");
    assert_eq!(done.engine, VOICE);
    assert!(
        ["CPU", "CUDA"].contains(&done.provider.as_str()),
        "{done:?}"
    );

    // A second run of the same element, with the voice it kept, says the same.
    let again = speaker.play();
    assert_eq!(again.error, None);
    assert_eq!(again.samples.len(), heard.samples.len());
    assert_eq!(again.words, heard.words);
}

#[test]
fn word_times_follow_the_audio() {
    let _heavy = one_at_a_time();
    let text = "After a long and tiring journey through the hills, we finally reached the \
        little house by the lake.";
    let heard = Speaker::new(&piper_props(text)).play();
    assert_eq!(heard.error, None);
    let words = &heard.words;
    assert_eq!(words.len(), written_words(text).len());

    // The comma's pause separates "hills" from "we" more than any two other words.
    let comma = words
        .iter()
        .position(|w| w.text == "hills")
        .expect("the word before the comma");
    let gaps: Vec<f64> = words.windows(2).map(|p| p[1].start - p[0].end).collect();
    let others = gaps
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != comma)
        .map(|(_, &g)| g)
        .fold(0.0, f64::max);
    println!(
        "gap at the comma {:.3} s, largest other {others:.3} s",
        gaps[comma]
    );
    assert!(gaps[comma] > 0.1 && gaps[comma] > 2.0 * others, "{gaps:?}");

    // Each word's time holds speech: far louder than the silence the voice starts with.
    let silence = rms(heard.slice(0.0, 0.05));
    let quietest = words
        .iter()
        .map(|w| (rms(heard.slice(w.start, w.end)), w.text.as_str()))
        .fold((f64::MAX, ""), |a, b| if b.0 < a.0 { b } else { a });
    println!("first 50 ms rms {silence:.5}, quietest word {quietest:?}");
    assert!(
        quietest.0 > 0.01 && quietest.0 > 10.0 * silence,
        "{quietest:?} vs {silence}"
    );
    // And the pause at the comma is near silence.
    let pause = rms(heard.slice(words[comma].end, words[comma + 1].start));
    assert!(pause < quietest.0 / 3.0, "pause rms {pause}");
}

#[test]
fn length_scale_slows_the_voice() {
    let _heavy = one_at_a_time();
    let text = "Slow and steady wins the race.";
    let normal = Speaker::new(&piper_props(text)).play();
    let mut slow_props = piper_props(text);
    slow_props.push(("length-scale", 1.5f32.to_value()));
    let slow = Speaker::new(&slow_props).play();
    assert_eq!((&normal.error, &slow.error), (&None, &None));
    let (expected, _) = reference(text, Some(1.5));
    println!(
        "{:.3} s -> {:.3} s (the voice alone at 1.5: {} samples, here {})",
        normal.seconds(),
        slow.seconds(),
        expected.samples.len(),
        slow.samples.len()
    );
    let matched = slow.samples.len() as f64 / expected.samples.len() as f64;
    assert!((0.99..=1.01).contains(&matched), "{matched}");
    // Not quite 1.5: the voice's phoneme lengths are whole frames.
    let ratio = slow.seconds() / normal.seconds();
    assert!((1.3..1.6).contains(&ratio), "ratio {ratio}");
    let last = |h: &Heard| h.words.last().map_or(0.0, |w| w.end);
    assert!((1.3..1.6).contains(&(last(&slow) / last(&normal))));
}

/// What espeak-ng itself writes for `text`, as samples.
fn espeak_directly(text: &str, pitch: &str) -> usize {
    let output = Command::new("espeak-ng")
        .args(["-v", "en-us", "-p", pitch, "--stdout", "--", text])
        .output()
        .expect("espeak-ng runs (install the espeak-ng package)");
    assert!(output.status.success());
    // A 44-byte header, then 16-bit mono samples.
    (output.stdout.len() - 44) / 2
}

#[test]
fn without_a_voice_espeak_ng_speaks() {
    let text = "Without a model folder, the fallback voice reads the line.";
    let heard = Speaker::new(&[("text", text.to_value())]).play();
    assert_eq!(heard.error, None);
    let level = rms(&heard.samples);
    println!("{:.3} s, rms {level:.3}", heard.seconds());
    assert_eq!(heard.rate(), 22050);
    assert_contiguous(&heard);
    assert!(level > 0.02, "rms {level}");
    assert!(
        (2.0..8.0).contains(&heard.seconds()),
        "{} s",
        heard.seconds()
    );
    assert_eq!(heard.samples.len(), espeak_directly(text, "50"));
    assert!(heard.words.is_empty());
    assert_eq!(
        heard.done,
        vec![Done {
            words: 0,
            seconds: heard.seconds(),
            engine: "espeak-ng".into(),
            provider: "CPU".into(),
        }]
    );
}

/// The median fundamental of the voiced parts, by autocorrelation over 40 ms frames.
fn median_pitch(samples: &[f32], rate: f64) -> f64 {
    let frame = (0.04 * rate) as usize;
    let (shortest, longest) = ((rate / 400.0) as usize, (rate / 60.0) as usize);
    let loud = rms(samples) * 0.5;
    let mut pitches = Vec::new();
    let mut at = 0;
    while at + frame + longest < samples.len() {
        let x = &samples[at..at + frame];
        if rms(x) > loud {
            let energy: f64 = x.iter().map(|&s| f64::from(s * s)).sum();
            let (best, lag) = (shortest..=longest)
                .map(|lag| {
                    let y = &samples[at + lag..at + lag + frame];
                    let dot: f64 = x.iter().zip(y).map(|(a, b)| f64::from(a * b)).sum();
                    let other: f64 = y.iter().map(|&s| f64::from(s * s)).sum();
                    (dot / (energy * other).sqrt().max(1e-12), lag)
                })
                .fold((f64::MIN, 0), |a, b| if b.0 > a.0 { b } else { a });
            if best > 0.6 {
                pitches.push(rate / lag as f64);
            }
        }
        at += frame / 2;
    }
    pitches.sort_by(f64::total_cmp);
    pitches.get(pitches.len() / 2).copied().unwrap_or(0.0)
}

#[test]
fn pitch_moves_the_fallback_voice() {
    let text = "A higher pitch is easy to hear in a sentence like this one.";
    let at = |pitch: i32| {
        let heard = Speaker::new(&[("text", text.to_value()), ("pitch", pitch.to_value())]).play();
        assert_eq!(heard.error, None);
        median_pitch(&heard.samples, f64::from(heard.rate()))
    };
    let (low, high) = (at(-100), at(100));
    println!("median pitch {low:.0} Hz at -100, {high:.0} Hz at 100");
    assert!(low > 50.0 && high > 1.3 * low, "{low} {high}");
}

#[test]
fn empty_text_ends_at_once() {
    for props in [vec![("text", "   ".to_value())], piper_props("")] {
        let heard = Speaker::new(&props).play();
        assert_eq!(heard.error, None);
        assert!(heard.samples.is_empty() && heard.words.is_empty());
        assert_eq!(heard.done.len(), 1);
        assert_eq!((heard.done[0].words, heard.done[0].seconds), (0, 0.0));
    }
}

#[test]
fn a_missing_voice_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let missing = dir.path().join("no-such-voice");
    let heard = Speaker::new(&[
        ("text", "Hello.".to_value()),
        ("model-dir", path_value(&missing)),
    ])
    .play();
    let error = heard.error.expect("the element fails to start");
    println!("{error}");
    assert!(error.contains(&*missing.to_string_lossy()), "{error}");
    assert!(heard.samples.is_empty() && heard.done.is_empty());
}

#[test]
fn a_broken_voice_json_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let json = dir.path().join("model.onnx.json");
    std::fs::write(&json, "{ not json").expect("the file is written");
    let heard = Speaker::new(&[
        ("text", "Hello.".to_value()),
        ("model-dir", path_value(dir.path())),
    ])
    .play();
    let error = heard.error.expect("the element fails to start");
    assert!(error.contains(&*json.to_string_lossy()), "{error}");
}

#[test]
fn an_unknown_espeak_voice_is_an_error_naming_the_program() {
    let heard = Speaker::new(&[
        ("text", "Hello.".to_value()),
        ("espeak-voice", "xx-no-such-voice".to_value()),
    ])
    .play();
    let error = heard.error.expect("the element fails to start");
    println!("{error}");
    assert!(
        error.contains("espeak-ng") && error.contains("xx-no-such-voice"),
        "{error}"
    );
}
