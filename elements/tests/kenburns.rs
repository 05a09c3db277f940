//! `reelkenburns` alone in a Harness and in a small pipeline, checked on its pixels.

use gst::glib;
use gst::prelude::*;
use gst_video::prelude::*;
use std::sync::Once;

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstreel::register_static().expect("reel elements register");
    });
}

/// An I420 still whose luma is `luma(x, y)` and whose chroma is neutral.
fn still(width: usize, height: usize, luma: impl Fn(f64, f64) -> f64) -> gst::Buffer {
    init();
    let info =
        gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width as u32, height as u32)
            .build()
            .unwrap();
    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    {
        let buffer = buffer.get_mut().unwrap();
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &info).unwrap();
        let stride = frame.plane_stride()[0] as usize;
        let y = frame.plane_data_mut(0).unwrap();
        for row in 0..height {
            for col in 0..width {
                let v = luma(col as f64 + 0.5, row as f64 + 0.5);
                y[row * stride + col] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
        for plane in 1..3 {
            frame.plane_data_mut(plane).unwrap().fill(128);
        }
    }
    buffer
}

fn caps(width: usize, height: usize, fps: i32) -> gst::Caps {
    gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .width(width as i32)
        .height(height as i32)
        .framerate(gst::Fraction::new(fps, 1))
        .build()
}

/// Runs the element on one still and returns every output frame's time and luma plane.
fn render(
    still_buffer: gst::Buffer,
    in_size: (usize, usize),
    out_size: (usize, usize),
    props: &[(&str, glib::Value)],
) -> Vec<(gst::ClockTime, Vec<u8>)> {
    init();
    let mut h = gst_check::Harness::new("reelkenburns");
    for (name, value) in props {
        h.element().unwrap().set_property_from_value(name, value);
    }
    let in_caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .width(in_size.0 as i32)
        .height(in_size.1 as i32)
        .framerate(gst::Fraction::new(0, 1))
        .build();
    h.set_caps(in_caps, caps(out_size.0, out_size.1, 30));
    h.play();
    h.push(still_buffer).expect("the still is taken");
    assert!(h.push_event(gst::event::Eos::new()));
    let info = gst_video::VideoInfo::builder(
        gst_video::VideoFormat::I420,
        out_size.0 as u32,
        out_size.1 as u32,
    )
    .build()
    .unwrap();
    let mut frames = Vec::new();
    while let Some(buffer) = h.try_pull() {
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), &info)
            .expect("output has the negotiated size");
        let stride = frame.plane_stride()[0] as usize;
        let data = frame.plane_data(0).unwrap();
        let luma = (0..out_size.1)
            .flat_map(|r| data[r * stride..r * stride + out_size.0].iter().copied())
            .collect();
        frames.push((buffer.pts().unwrap(), luma));
    }
    frames
}

fn dark_blob(cx: f64, cy: f64, sigma: f64) -> impl Fn(f64, f64) -> f64 {
    move |x, y| {
        let d2 = (x - cx).powi(2) + (y - cy).powi(2);
        235.0 - 200.0 * (-d2 / (2.0 * sigma * sigma)).exp()
    }
}

/// Intensity-weighted centroid of the darkness in columns `x0..x1`.
fn dark_centroid(luma: &[u8], width: usize, x0: usize, x1: usize) -> (f64, f64) {
    let (mut sum, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (i, &v) in luma.iter().enumerate() {
        let (x, y) = (i % width, i / width);
        if x < x0 || x >= x1 {
            continue;
        }
        let w = (235.0 - f64::from(v)).max(0.0);
        let w = if w > 8.0 { w } else { 0.0 };
        sum += w;
        sx += w * (x as f64 + 0.5);
        sy += w * (y as f64 + 0.5);
    }
    (sx / sum, sy / sum)
}

#[test]
fn emits_every_frame_of_the_duration_with_exact_timestamps() {
    let frames = render(
        still(64, 48, |_, _| 100.0),
        (64, 48),
        (32, 24),
        &[("duration", 1_000_000_000u64.to_value())],
    );
    assert_eq!(frames.len(), 30);
    for (k, (pts, _)) in frames.iter().enumerate() {
        assert_eq!(pts.nseconds(), k as u64 * 1_000_000_000 / 30);
    }
}

#[test]
fn slow_zoom_is_monotonic_and_smooth_at_sub_pixel_level() {
    // Two dark dots 120 px apart; zoom 1.00 -> 1.15 over 2 s moves each by ~0.15 px a frame,
    // which an integer crop can only show as a 1-2 px jump every few frames.
    let (w, h) = (320, 180);
    let left = dark_blob(100.0, 90.0, 4.0);
    let right = dark_blob(220.0, 90.0, 4.0);
    let frames = render(
        still(w, h, move |x, y| left(x, y).min(right(x, y))),
        (w, h),
        (w, h),
        &[
            ("duration", 2_000_000_000u64.to_value()),
            ("zoom-from", 1.0f64.to_value()),
            ("zoom-to", 1.15f64.to_value()),
        ],
    );
    assert_eq!(frames.len(), 60);
    let zooms: Vec<f64> = frames
        .iter()
        .map(|(_, luma)| {
            let (l, _) = dark_centroid(luma, w, 0, w / 2);
            let (r, _) = dark_centroid(luma, w, w / 2, w);
            (r - l) / 120.0
        })
        .collect();
    for (k, z) in zooms.iter().enumerate() {
        let expected = 1.0 + 0.15 * k as f64 / 60.0;
        assert!(
            (z - expected).abs() < 0.002,
            "frame {k}: zoom {z:.5}, expected {expected:.5}"
        );
    }
    let steps: Vec<f64> = zooms.windows(2).map(|p| p[1] - p[0]).collect();
    assert!(
        steps.iter().all(|s| *s > 0.0),
        "zoom must grow every frame: {steps:?}"
    );
    let mean = (zooms[59] - zooms[0]) / 59.0;
    for (k, s) in steps.iter().enumerate() {
        assert!(
            (s - mean).abs() < 0.35 * mean,
            "step {k} is {s:.6}, mean step {mean:.6}"
        );
    }
}

#[test]
fn pan_moves_the_picture_by_the_expected_amount() {
    let (w, h) = (320, 180);
    let frames = render(
        still(w, h, dark_blob(160.0, 90.0, 4.0)),
        (w, h),
        (160, 90),
        &[
            ("duration", 1_000_000_000u64.to_value()),
            ("zoom-from", 2.0f64.to_value()),
            ("zoom-to", 2.0f64.to_value()),
            ("x-from", 0.45f64.to_value()),
            ("x-to", 0.55f64.to_value()),
        ],
    );
    // The view's centre moves 32 image px right; at zoom 2 into a half-size frame that is 32
    // output px to the left for the dot (29 of 30 steps by the last frame).
    let first = dark_centroid(&frames[0].1, 160, 0, 160).0;
    let last = dark_centroid(&frames[29].1, 160, 0, 160).0;
    let expected = 32.0 * 29.0 / 30.0;
    assert!(
        ((first - last) - expected).abs() < 0.5,
        "moved {:.3} px",
        first - last
    );
}

/// Horizontal and vertical extent of dark pixels in rows `rows`.
fn dark_extent(luma: &[u8], width: usize, rows: std::ops::Range<usize>) -> (usize, usize) {
    let dark: Vec<(usize, usize)> = luma
        .iter()
        .enumerate()
        .filter(|(i, v)| **v < 100 && rows.contains(&(i / width)))
        .map(|(i, _)| (i % width, i / width))
        .collect();
    let span = |f: fn(&(usize, usize)) -> usize| {
        dark.iter().map(f).max().unwrap() - dark.iter().map(f).min().unwrap() + 1
    };
    (span(|p| p.0), span(|p| p.1))
}

#[test]
fn vertical_frames_crop_or_letterbox_without_stretching() {
    let (w, h) = (320, 180);
    let disc = |x: f64, y: f64| {
        if (x - 160.0).hypot(y - 90.0) < 30.0 {
            20.0
        } else {
            220.0
        }
    };
    for fit in [
        gstreel::kenburns::Fit::Cover,
        gstreel::kenburns::Fit::ContainBlur,
    ] {
        let frames = render(
            still(w, h, disc),
            (w, h),
            (180, 320),
            &[
                ("duration", 100_000_000u64.to_value()),
                ("fit", fit.to_value()),
            ],
        );
        // Contained, the picture is a 180x102 band in the middle; the blurred fill around it
        // holds a dim copy of the disc that is not the picture.
        let (scale, rows) = match fit {
            gstreel::kenburns::Fit::Cover => (320.0 / 180.0, 0..320),
            gstreel::kenburns::Fit::ContainBlur => (180.0 / 320.0, 109..209),
        };
        let (dx, dy) = dark_extent(&frames[0].1, 180, rows);
        let expected = 60.0 * scale;
        assert!(
            dx.abs_diff(dy) <= 2,
            "{fit:?}: disc is {dx}x{dy}: stretched"
        );
        assert!(
            (dx as f64 - expected).abs() <= 3.0,
            "{fit:?}: disc {dx} px wide, want {expected}"
        );
    }
}

#[test]
fn rotation_never_shows_the_edge_of_the_still() {
    let frames = render(
        still(320, 180, |_, _| 200.0),
        (320, 180),
        (320, 180),
        &[
            ("duration", 500_000_000u64.to_value()),
            ("rotate-from", (-8.0f64).to_value()),
            ("rotate-to", 8.0f64.to_value()),
        ],
    );
    for (_, luma) in frames {
        assert!(
            luma.iter().all(|v| *v == 200),
            "a corner shows outside the still"
        );
    }
}

#[test]
fn runs_in_a_pipeline_and_ends_with_eos() {
    init();
    let pipeline = gst::parse::launch(
        "videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,format=I420,width=640,height=360 \
         ! reelkenburns duration=500000000 zoom-to=1.3 curve=ease-in-out \
         ! video/x-raw,width=320,height=180,framerate=25/1 ! appsink name=sink sync=false",
    )
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut count = 0;
    while let Ok(sample) = sink.pull_sample() {
        let info = gst_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
        assert_eq!((info.width(), info.height()), (320, 180));
        count += 1;
    }
    assert!(sink.is_eos());
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(count, 13, "0.5 s at 25 fps starts 13 frames");
}
