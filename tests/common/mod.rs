//! Helpers for integration tests: render in process and read the result back the way a
//! player would (Discoverer, decoded pixels and samples).
#![allow(dead_code)]

use gst::prelude::*;
use gst_video::prelude::*;
use reel::render::{self, profile, Cache, Output, Progress, Report};
use std::path::{Path, PathBuf};

pub fn init() {
    render::pipeline::init().expect("GStreamer starts");
}

/// Runs the `reel` binary in `dir` with a cache of its own there, as a user's shell would.
pub fn run_reel(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .current_dir(dir)
        .env("REEL_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("reel runs")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Renders `input` with the named profiles into `dir`, with a cache inside `dir`.
pub fn render(input: &Path, profiles: &[&str], dir: &Path) -> Report {
    render_version(input, profiles, dir, 0)
}

/// Renders version `variation` of `input` (an ad brief's variation; 0 for other inputs).
pub fn render_version(input: &Path, profiles: &[&str], dir: &Path, variation: u32) -> Report {
    init();
    let profiles: Vec<_> = profiles
        .iter()
        .map(|p| profile::find(p).expect("profile"))
        .collect();
    let cache = Cache::at(dir.join("cache"));
    let mut stages = Vec::new();
    let report = render::render_file(
        input,
        &profiles,
        &Output::Folder(dir.join("out")),
        &cache,
        render::Options {
            variation,
            ..Default::default()
        },
        &mut |p| {
            if let Progress::Stage { name, .. } = p {
                stages.push(name)
            }
        },
    )
    .unwrap_or_else(|e| panic!("render of {} failed: {e}", input.display()));
    assert!(
        stages.contains(&"audio".to_string()),
        "progress names its stages: {stages:?}"
    );
    report
}

/// Plays `path` decoded through `convert` (a launch-line fragment) into an appsink.
fn decode(path: &Path, convert: &str) -> (gst::Pipeline, gst_app::AppSink) {
    init();
    let line = format!("filesrc name=src ! decodebin ! {convert} ! appsink name=sink sync=false");
    let pipeline = gst::parse::launch(&line)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    pipeline
        .by_name("src")
        .unwrap()
        .set_property("location", path);
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    (pipeline, sink)
}

/// Every frame's luma (GRAY8, tightly packed) with its time, decoded from a file.
pub fn luma_frames(path: &Path) -> (u32, u32, Vec<(f64, Vec<u8>)>) {
    let (pipeline, sink) = decode(path, "videoconvert ! video/x-raw,format=GRAY8");
    let (mut width, mut height, mut frames) = (0, 0, Vec::new());
    while let Ok(sample) = sink.pull_sample() {
        let info = gst_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
        (width, height) = (info.width(), info.height());
        let buffer = sample.buffer().unwrap();
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).unwrap();
        let stride = frame.plane_stride()[0] as usize;
        let data = frame.plane_data(0).unwrap();
        let w = width as usize;
        let luma = (0..height as usize)
            .flat_map(|r| data[r * stride..r * stride + w].iter().copied())
            .collect();
        frames.push((buffer.pts().unwrap().nseconds() as f64 / 1e9, luma));
    }
    pipeline.set_state(gst::State::Null).unwrap();
    (width, height, frames)
}

/// The frame shown at `t` seconds.
pub fn frame_at(frames: &[(f64, Vec<u8>)], t: f64) -> &[u8] {
    &frames
        .iter()
        .rev()
        .find(|(pts, _)| *pts <= t + 1e-6)
        .expect("a frame at that time")
        .1
}

/// Decoded sound, 48 kHz stereo interleaved.
pub fn audio_samples(path: &Path) -> Vec<f32> {
    audio_samples_at(path, 48_000, 2)
}

/// The file's sound decoded to interleaved f32 at `rate` with `channels`.
pub fn audio_samples_at(path: &Path, rate: u32, channels: u32) -> Vec<f32> {
    let caps = format!(
        "audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate={rate},channels={channels},layout=interleaved"
    );
    let (pipeline, sink) = decode(path, &caps);
    let mut samples = Vec::new();
    while let Ok(sample) = sink.pull_sample() {
        let map = sample.buffer().unwrap().map_readable().unwrap();
        samples.extend(
            map.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    pipeline.set_state(gst::State::Null).unwrap();
    samples
}

/// RMS level in dBFS of interleaved stereo between two times.
pub fn rms_db(samples: &[f32], from: f64, to: f64) -> f64 {
    let (a, b) = (
        (from * 48_000.0) as usize * 2,
        ((to * 48_000.0) as usize * 2).min(samples.len()),
    );
    let window = &samples[a..b];
    let power: f64 =
        window.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / window.len() as f64;
    10.0 * power.log10()
}

/// Writes a PNG of `width` x `height` whose luma is `f(x, y)` (grey), through GStreamer.
pub fn write_png(path: &Path, width: u32, height: u32, f: impl Fn(u32, u32) -> u8) {
    init();
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, width, height)
        .build()
        .unwrap();
    let mut pixels = vec![0u8; info.size()];
    let stride = info.stride()[0] as usize;
    for y in 0..height {
        for x in 0..width {
            pixels[y as usize * stride + x as usize] = f(x, y);
        }
    }
    encode(
        path,
        "videoconvert ! pngenc",
        &info,
        vec![gst::Buffer::from_mut_slice(pixels)],
    );
}

/// Writes an H.264 MP4 of `frames` frames at 30 fps whose grey level is `2 * frame index`, so a
/// frame's brightness tells which source time it came from.
pub fn write_ramp_video(path: &Path, width: u32, height: u32, frames: u32) {
    init();
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, width, height)
        .fps(gst::Fraction::new(30, 1))
        .build()
        .unwrap();
    let buffers = (0..frames)
        .map(|k| {
            let mut buffer = gst::Buffer::from_mut_slice(vec![(2 * k).min(255) as u8; info.size()]);
            let b = buffer.get_mut().unwrap();
            b.set_pts(gst::ClockTime::from_nseconds(
                u64::from(k) * 1_000_000_000 / 30,
            ));
            b.set_duration(gst::ClockTime::from_nseconds(1_000_000_000 / 30));
            buffer
        })
        .collect();
    encode(
        path,
        "videoconvert ! x264enc speed-preset=ultrafast ! mp4mux",
        &info,
        buffers,
    );
}

/// Pushes `buffers` of `info`'s format through `encoder` (a launch-line fragment) into `path`.
fn encode(path: &Path, encoder: &str, info: &gst_video::VideoInfo, buffers: Vec<gst::Buffer>) {
    let line = format!("appsrc name=src format=time ! {encoder} ! filesink name=sink");
    let pipeline = gst::parse::launch(&line)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let src = pipeline
        .by_name("src")
        .unwrap()
        .downcast::<gst_app::AppSrc>()
        .unwrap();
    src.set_caps(Some(&info.to_caps().unwrap()));
    pipeline
        .by_name("sink")
        .unwrap()
        .set_property("location", path);
    pipeline.set_state(gst::State::Playing).unwrap();
    for buffer in buffers {
        src.push_buffer(buffer).unwrap();
    }
    src.end_of_stream().unwrap();
    let bus = pipeline.bus().unwrap();
    bus.timed_pop_filtered(
        gst::ClockTime::NONE,
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    pipeline.set_state(gst::State::Null).unwrap();
}
pub mod daemon;
pub mod footage;
pub mod fuzz;

/// Pearson correlation of two series of the same length.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
